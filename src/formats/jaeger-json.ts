import { isErrorTag } from './error-tag.js';
import { InputError } from '../model/errors.js';
import type { AttributeValue, Attributes, SpanEventRecord, SpanKind, SpanLink, SpanRecord, SpanStatus } from '../model/span.js';
import type { Decoded } from './decoder.js';
import { IdNormalizer } from './ids.js';
import { isRecord, asArray, isMicros, microsToNs, preview, type JsonObject } from './json-values.js';

/**
 * Jaeger's JSON model (what the UI's "Download JSON" and the v1 query API write): traces
 * of spans whose `processID` points into the trace's `processes`, times in microseconds,
 * typed tags, and `references` instead of a parent field.
 */

interface Process {
  service: string;
  resource: Attributes;
}

/** What decoding one payload shares across its traces. */
interface Context {
  ids: IdNormalizer;
  warnings: string[];
}

const spanKinds: ReadonlySet<string> = new Set<SpanKind>(['server', 'client', 'producer', 'consumer', 'internal']);

export function isJaegerPayload(x: unknown): boolean {
  return tracesOf(x) !== null;
}

export function decodeJaegerJson(payload: unknown): Decoded {
  const traces = tracesOf(payload);
  if (traces === null) {
    throw new InputError('Not Jaeger JSON: expected {"data": [trace…]}, a trace object {traceID, spans, processes} or an array of traces.');
  }
  const ctx: Context = { ids: new IdNormalizer(), warnings: envelopeErrors(payload) };
  const spans: SpanRecord[] = [];
  for (const trace of traces) {
    const processes = new Map(Object.entries(isRecord(trace.processes) ? trace.processes : {}).map(([id, p]) => [id, processOf(p)]));
    for (const raw of asArray(trace.spans)) {
      const span = decodeSpan(raw, trace, processes, ctx);
      if (span) spans.push(span);
    }
  }
  ctx.warnings.push(...ctx.ids.warnings());
  return { spans, warnings: ctx.warnings };
}

/** Spans plus either the processes they point to or the trace id: tells a trace from other objects with `spans`. */
function isTrace(x: unknown): x is JsonObject {
  return isRecord(x) && Array.isArray(x.spans) && (isRecord(x.processes) || typeof x.traceID === 'string');
}

/** The traces of a payload, or null when it has none of Jaeger's shapes. */
function tracesOf(payload: unknown): JsonObject[] | null {
  if (isTrace(payload)) return [payload];
  if (Array.isArray(payload)) return payload.length > 0 && payload.every(isTrace) ? payload : null;
  if (!isRecord(payload)) return null;
  const { data } = payload;
  if (isTrace(data)) return [data];
  if (Array.isArray(data) && data.every(isTrace)) return data;
  // The query API answers a failed lookup with `{"data": null, "errors": [...]}`.
  if (data === null && asArray(payload.errors).length > 0) return [];
  return null;
}

/** The most characters of a backend's error message a warning repeats. */
const ERROR_MAX = 500;

/** The query API's `errors` (e.g. a trace not found among several asked for) as warnings. */
function envelopeErrors(payload: unknown): string[] {
  if (!isRecord(payload)) return [];
  return asArray(payload.errors).map((e) => {
    if (!isRecord(e) || typeof e.msg !== 'string') return `Jaeger reported an error: ${preview(e)}`;
    // Bounded: the envelope comes from a backend we do not control.
    const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}...` : text);
    return `Jaeger reported an error${typeof e.traceID === 'string' ? ` for trace ${clip(e.traceID, 64)}` : ''}: ${clip(e.msg, ERROR_MAX)}`;
  });
}

function processOf(raw: unknown): Process | undefined {
  if (!isRecord(raw)) return undefined;
  const { serviceName } = raw;
  return {
    service: typeof serviceName === 'string' && serviceName !== '' ? serviceName : 'unknown',
    resource: tagsToAttributes(raw.tags),
  };
}

function decodeSpan(raw: unknown, trace: JsonObject, processes: ReadonlyMap<string, Process | undefined>, ctx: Context): SpanRecord | null {
  const { ids, warnings } = ctx;
  const span = isRecord(raw) ? raw : {};
  const traceId = ids.traceId(span.traceID ?? trace.traceID);
  const spanId = ids.spanId(span.spanID);
  const label = `span ${preview(span.spanID ?? null)} of trace ${preview(span.traceID ?? trace.traceID ?? null)}`;
  if (traceId === null || spanId === null) {
    warnings.push(`${label} has no ${traceId === null ? 'traceID' : 'spanID'}; skipped`);
    return null;
  }
  if (!isMicros(span.startTime)) {
    warnings.push(`${label} has no startTime; skipped`);
    return null;
  }
  if (!isMicros(span.duration)) warnings.push(`${label} has no duration; taken as 0`);

  // Some writers embed the process in the span instead of pointing into `processes`.
  const process = isRecord(span.process) ? processOf(span.process) : typeof span.processID === 'string' ? processes.get(span.processID) : undefined;
  if (!process) warnings.push(`${label} names no known process; service taken as "unknown"`);

  const { parent, links } = parentAndLinks(span, traceId, ids);
  const attributes = tagsToAttributes(span.tags);
  const events = logsToEvents(span.logs, label, warnings);
  const kindTag = attributes['span.kind'];
  const kind = typeof kindTag === 'string' && spanKinds.has(kindTag.toLowerCase()) ? (kindTag.toLowerCase() as SpanKind) : 'unspecified';
  const status = statusOf(attributes);
  return {
    traceId,
    spanId,
    parentSpanId: parent?.spanId ?? null,
    followsFrom: parent?.type === 'follows_from',
    name: typeof span.operationName === 'string' ? span.operationName : '',
    service: process?.service ?? 'unknown',
    kind,
    startNs: microsToNs(span.startTime),
    durationNs: isMicros(span.duration) ? span.duration * 1000 : 0,
    status,
    statusMessage: status === 'error' ? errorMessage(attributes, events) : null,
    attributes,
    resource: process?.resource ?? {},
    events,
    links,
    shared: false,
  };
}

/**
 * The parent is the first CHILD_OF reference within the span's own trace, else the first
 * FOLLOWS_FROM there (an asynchronous follower). Every other reference — into another
 * trace, or beyond the first — is kept as a link.
 */
function parentAndLinks(span: JsonObject, traceId: string, ids: IdNormalizer): { parent: SpanLink | undefined; links: SpanLink[] } {
  const refs: SpanLink[] = [];
  for (const ref of asArray(span.references)) {
    if (!isRecord(ref)) continue;
    // An absent or zero span id is how some clients say "no parent".
    const refSpanId = ids.parentId(ref.spanID);
    if (refSpanId === null) continue;
    // Protobuf's default enum value is CHILD_OF, so a missing refType means CHILD_OF.
    const type = ref.refType === 'FOLLOWS_FROM' ? 'follows_from' : 'child_of';
    refs.push({ traceId: ids.traceId(ref.traceID) ?? traceId, spanId: refSpanId, type });
  }
  // Older Jaeger JSON names the parent in `parentSpanID`, often alongside a reference to it.
  const legacyParent = ids.parentId(span.parentSpanID);
  if (legacyParent !== null && !refs.some((r) => r.traceId === traceId && r.spanId === legacyParent)) {
    refs.unshift({ traceId, spanId: legacyParent, type: 'child_of' });
  }
  const inTrace = (type: SpanLink['type']) => (r: SpanLink) => r.traceId === traceId && r.type === type;
  const parent = refs.find(inTrace('child_of')) ?? refs.find(inTrace('follows_from'));
  return { parent, links: refs.filter((r) => r !== parent) };
}

function tagsToAttributes(tags: unknown): Attributes {
  const attributes: Attributes = {};
  for (const tag of asArray(tags)) {
    if (isRecord(tag) && typeof tag.key === 'string') attributes[tag.key] = tagValue(tag);
  }
  return attributes;
}

/** A typed tag's value. Binary tags stay base64 strings. */
function tagValue(tag: JsonObject): AttributeValue {
  const { value } = tag;
  switch (typeof tag.type === 'string' ? tag.type.toLowerCase() : '') {
    case 'bool':
      return value === true || value === 'true';
    case 'int64':
      // Producers write int64 beyond 2^53 as a JSON string; converting it would round it.
      return typeof value === 'string' && /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : primitive(value);
    default:
      return primitive(value);
  }
}

function primitive(value: unknown): AttributeValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null;
}

/** Logs become events named by their `event` field. */
function logsToEvents(logs: unknown, label: string, warnings: string[]): SpanEventRecord[] {
  const events: SpanEventRecord[] = [];
  for (const log of asArray(logs)) {
    if (!isRecord(log) || !isMicros(log.timestamp)) {
      warnings.push(`${label} has a log without a timestamp; log dropped`);
      continue;
    }
    const { event, ...attributes } = tagsToAttributes(log.fields);
    events.push({ name: typeof event === 'string' && event !== '' ? event : 'log', timeNs: microsToNs(log.timestamp), attributes });
  }
  return events;
}

/**
 * OpenTracing's `error` tag, or the status OpenTelemetry's Jaeger exporter writes as tags.
 * The tag marks an error with any value but false (DESIGN.md): jaeger-ui and CRISP read
 * `error: "ClientSideError"` as one, and CRISP's error-path test case depends on it.
 */
function statusOf(attributes: Attributes): SpanStatus {
  const code = attributes['otel.status_code'];
  const codeName = typeof code === 'string' ? code.toUpperCase() : null;
  if (isErrorTag(attributes) || codeName === 'ERROR') return 'error';
  return codeName === 'OK' ? 'ok' : 'unset';
}

/** OpenTelemetry's status description, else the message of an OpenTracing error log. */
function errorMessage(attributes: Attributes, events: readonly SpanEventRecord[]): string | null {
  const description = attributes['otel.status_description'];
  if (typeof description === 'string' && description !== '') return description;
  for (const e of events) {
    if (e.name !== 'error') continue;
    const message = e.attributes.message ?? e.attributes['error.object'];
    if (typeof message === 'string' || typeof message === 'number' || typeof message === 'boolean') return String(message);
  }
  return null;
}
