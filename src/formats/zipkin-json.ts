import { isErrorTag } from './error-tag.js';
import { InputError } from '../model/errors.js';
import type { Attributes, SpanEventRecord, SpanKind, SpanRecord } from '../model/span.js';
import type { Decoded } from './decoder.js';
import { IdNormalizer } from './ids.js';
import { isRecord, isFiniteNumber, isMicros, microsToNs, nestsDeeperThan, preview, type JsonObject } from './json-values.js';

/**
 * Zipkin's v2 JSON (what `/api/v2/trace/{id}` and `/api/v2/traces` return): flat spans
 * with hex ids, microsecond times, string tags and endpoints. A client and a server may
 * report one RPC under the same span id; the server half then says `shared`.
 */

const spanKinds: ReadonlyMap<string, SpanKind> = new Map([
  ['CLIENT', 'client'],
  ['SERVER', 'server'],
  ['PRODUCER', 'producer'],
  ['CONSUMER', 'consumer'],
]);

export function isZipkinPayload(x: unknown): boolean {
  return spansOf(x) !== null;
}

export function decodeZipkinJson(payload: unknown): Decoded {
  const raws = spansOf(payload);
  if (raws === null) {
    throw new InputError('Not Zipkin v2 JSON: expected an array of spans or an array of traces (arrays of spans).');
  }
  const ids = new IdNormalizer();
  const warnings: string[] = [];
  const spans: SpanRecord[] = [];
  for (const raw of raws) {
    const span = decodeSpan(raw, ids, warnings);
    if (span) spans.push(span);
  }
  warnings.push(...ids.warnings());
  return { spans, warnings };
}

/**
 * The spans of a payload with its traces flattened, or null when it is not Zipkin's.
 * One span with Zipkin's `traceId` and `id` tells it from other arrays of objects (an
 * array of Jaeger traces has `traceID`); the others may be broken and are reported
 * while decoding. An empty array is what Zipkin returns when nothing matched.
 */
function spansOf(payload: unknown): unknown[] | null {
  if (!Array.isArray(payload)) return null;
  const spans: unknown[] = payload.flat();
  const zipkinSpan = (s: unknown): boolean => isRecord(s) && typeof s.traceId === 'string' && typeof s.id === 'string';
  return spans.length === 0 || spans.some(zipkinSpan) ? spans : null;
}

function decodeSpan(raw: unknown, ids: IdNormalizer, warnings: string[]): SpanRecord | null {
  const span = isRecord(raw) ? raw : {};
  const traceId = ids.traceId(span.traceId);
  const spanId = ids.spanId(span.id);
  const label = `span ${preview(span.id ?? null)} of trace ${preview(span.traceId ?? null)}`;
  if (traceId === null || spanId === null) {
    warnings.push(`${label} has no ${traceId === null ? 'traceId' : 'id'}; skipped`);
    return null;
  }
  const events = annotationsToEvents(span.annotations, label, warnings);
  // Zipkin lets an incomplete span omit its timestamp; its annotations still date it.
  const startNs = isMicros(span.timestamp) ? microsToNs(span.timestamp) : earliest(events);
  if (startNs === null) {
    warnings.push(`${label} has no timestamp and no annotations; skipped`);
    return null;
  }
  if (!isMicros(span.duration)) warnings.push(`${label} has no duration; taken as 0`);

  // No kind means a local span: work inside one process.
  const kind = typeof span.kind === 'string' ? (spanKinds.get(span.kind.toUpperCase()) ?? 'unspecified') : 'internal';
  const local = isRecord(span.localEndpoint) ? span.localEndpoint : {};
  const attributes = remoteAttributes(span.remoteEndpoint, kind);
  const tags = isRecord(span.tags) ? span.tags : {};
  for (const [key, value] of Object.entries(tags)) attributes[key] = tagText(value);
  // Zipkin has no status: the `error` tag marks a failure, even when its value is empty.
  const error = isErrorTag(attributes) ? attributes.error : undefined;
  return {
    traceId,
    spanId,
    parentSpanId: ids.parentId(span.parentId),
    followsFrom: false,
    name: typeof span.name === 'string' ? span.name : '',
    service: typeof local.serviceName === 'string' && local.serviceName !== '' ? local.serviceName : 'unknown',
    kind,
    startNs,
    durationNs: isMicros(span.duration) ? span.duration * 1000 : 0,
    status: error === undefined ? 'unset' : 'error',
    statusMessage: typeof error === 'string' && error !== '' ? error : null,
    attributes,
    resource: addressAttributes(local, 'host'),
    events,
    links: [],
    shared: span.shared === true,
  };
}

/** Nesting beyond this in a tag value is not data anyone wrote on purpose. */
const MAX_TAG_DEPTH = 64;

/**
 * Zipkin's tags are strings; a producer that wrote another JSON value gets it as JSON text.
 * A value nested deeper than MAX_TAG_DEPTH (JSON.stringify would overflow the stack on one
 * nested 10,000 deep) is kept as a note saying so.
 */
function tagText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (nestsDeeperThan(value, MAX_TAG_DEPTH)) return `(a JSON value nested deeper than ${MAX_TAG_DEPTH} levels)`;
  return JSON.stringify(value);
}

/**
 * An endpoint's address as `<prefix>.address` (ipv4, else ipv6) and `<prefix>.port`. The
 * local endpoint becomes the resource's `host.address` and `host.port`.
 */
function addressAttributes(endpoint: JsonObject, prefix: string): Attributes {
  const attributes: Attributes = {};
  const { ipv4, ipv6, port } = endpoint;
  const address = typeof ipv4 === 'string' && ipv4 !== '' ? ipv4 : typeof ipv6 === 'string' && ipv6 !== '' ? ipv6 : null;
  if (address !== null) attributes[`${prefix}.address`] = address;
  if (isFiniteNumber(port) && port > 0) attributes[`${prefix}.port`] = port;
  return attributes;
}

/**
 * The remote endpoint as OpenTelemetry names it: `peer.service`, and the address of the
 * server called — except on a server span, whose remote endpoint is its client.
 */
function remoteAttributes(remote: unknown, kind: SpanKind): Attributes {
  if (!isRecord(remote)) return {};
  const attributes = addressAttributes(remote, kind === 'server' ? 'client' : 'server');
  if (typeof remote.serviceName === 'string' && remote.serviceName !== '') attributes['peer.service'] = remote.serviceName;
  return attributes;
}

function annotationsToEvents(annotations: unknown, label: string, warnings: string[]): SpanEventRecord[] {
  const events: SpanEventRecord[] = [];
  for (const annotation of Array.isArray(annotations) ? annotations : []) {
    if (!isRecord(annotation) || !isMicros(annotation.timestamp)) {
      warnings.push(`${label} has an annotation without a timestamp; annotation dropped`);
      continue;
    }
    const name = typeof annotation.value === 'string' ? annotation.value : '';
    events.push({ name, timeNs: microsToNs(annotation.timestamp), attributes: {} });
  }
  return events;
}

function earliest(events: readonly SpanEventRecord[]): bigint | null {
  let min: bigint | null = null;
  for (const e of events) if (min === null || e.timeNs < min) min = e.timeNs;
  return min;
}
