import { InputError } from '../model/errors.js';
import { serviceOf, setAttribute } from '../model/attributes.js';
import type { AttributeValue, Attributes, SpanEventRecord, SpanKind, SpanLink, SpanRecord, SpanStatus } from '../model/span.js';
import type { Decoded } from './decoder.js';
import { asArray, isRecord, preview as previewJson, type JsonObject } from './json-values.js';


const snakeKeys = new Map<string, string>();

/** A field by its camelCase name or, as the Collector also accepts, its snake_case name. */
function get(o: JsonObject, key: string): unknown {
  const value = o[key];
  if (value !== undefined) return value;
  let snake = snakeKeys.get(key);
  if (snake === undefined) {
    snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    snakeKeys.set(key, snake);
  }
  return o[snake];
}

function list(o: JsonObject, key: string): unknown[] {
  return asArray(get(o, key));
}

const CONTAINER_KEYS = ['resourceSpans', 'resource_spans', 'batches'] as const;

/** The resourceSpans array of any OTLP JSON trace shape, with the key it came from. */
function locate(x: unknown): { resourceSpans: unknown[]; key: string } | undefined {
  if (!isRecord(x)) return undefined;
  for (const key of CONTAINER_KEYS) {
    const value = x[key];
    if (Array.isArray(value)) return { resourceSpans: value, key };
  }
  // Tempo's trace-by-id (`trace`) and Jaeger's api_v3 (`result`) wrap the same payload one level down.
  for (const wrapper of ['trace', 'result']) {
    const inner = x[wrapper];
    if (!isRecord(inner)) continue;
    for (const key of CONTAINER_KEYS) {
      const value = inner[key];
      if (Array.isArray(value)) return { resourceSpans: value, key: `${wrapper}.${key}` };
    }
  }
  return undefined;
}

/** True for every OTLP JSON trace shape tracectl reads (bare, Tempo, Jaeger api_v3). */
export function isOtlpPayload(x: unknown): boolean {
  return locate(x) !== undefined;
}

/** The signal of one OTLP JSON document; the Collector's file exporter mixes them in one file. */
export function otlpSignal(x: unknown): 'traces' | 'metrics' | 'logs' | null {
  if (isOtlpPayload(x)) return 'traces';
  if (!isRecord(x)) return null;
  if (Array.isArray(get(x, 'resourceMetrics'))) return 'metrics';
  if (Array.isArray(get(x, 'resourceLogs'))) return 'logs';
  return null;
}

/** Decodes one OTLP JSON trace document; throws InputError only when it is not one. */
export function decodeOtlpJson(payload: unknown): Decoded {
  const found = locate(payload);
  if (found === undefined) {
    throw new InputError(
      'Not an OTLP JSON trace payload: expected "resourceSpans" or "batches" at the top level or under "trace" or "result".',
    );
  }
  const decoded = decodeResourceSpans(found.resourceSpans, found.key);
  // Tempo's v2 trace-by-id says so when a querier timed out or hit a limit.
  if (isRecord(payload) && payload.status === 'PARTIAL') {
    const detail = typeof payload.message === 'string' && payload.message !== '' ? `: ${payload.message}` : '';
    decoded.warnings.push(`the backend marked the trace PARTIAL, some spans may be missing${detail}`);
  }
  return decoded;
}

/**
 * The one normalizer behind both OTLP decoders: reads the OTLP JSON object shape, and
 * also raw `Uint8Array` ids and bytes, which is how the protobuf decoder hands them over.
 */
export function decodeResourceSpans(resourceSpans: readonly unknown[], key = 'resourceSpans'): Decoded {
  const spans: SpanRecord[] = [];
  const warnings: string[] = [];
  let skipped = 0;
  resourceSpans.forEach((rs, i) => {
    const where = `${key}[${i}]`;
    if (!isRecord(rs)) {
      warnings.push(`${where}: not an object, skipped`);
      return;
    }
    const resourceObj = get(rs, 'resource');
    // One object per resource, shared by its spans.
    const resource = isRecord(resourceObj) ? attributesOf(get(resourceObj, 'attributes')) : {};
    const service = serviceOf(resource);
    for (const scopeKey of ['scopeSpans', 'instrumentationLibrarySpans']) {
      list(rs, scopeKey).forEach((scope, j) => {
        const scopeWhere = `${where}.${scopeKey}[${j}]`;
        if (!isRecord(scope)) {
          warnings.push(`${scopeWhere}: not an object, skipped`);
          return;
        }
        const rawSpans = list(scope, 'spans');
        for (let k = 0; k < rawSpans.length; k++) {
          const span = decodeSpan(rawSpans[k], new SpanPlace(k, scopeWhere), resource, service, warnings);
          if (span !== undefined) spans.push(span);
          else skipped++;
        }
      });
    }
  });
  return { spans, warnings, skipped };
}

/**
 * Where a span sits in the payload, for a warning; the text is built only when one is
 * written (this runs for every span).
 */
class SpanPlace {
  constructor(
    private readonly index: number,
    private readonly scope: string,
  ) {}

  toString(): string {
    return `span ${this.index} of ${this.scope}`;
  }
}

/**
 * One span. Fields are read by name, camelCase first, then the Collector's snake_case
 * (`get` does the same for every other field): named reads of objects JSON.parse shaped
 * alike are the fast ones, and this runs for every span.
 */
function decodeSpan(raw: unknown, where: SpanPlace, resource: Attributes, service: string, warnings: string[]): SpanRecord | undefined {
  if (!isRecord(raw)) return skipSpan(warnings, where, 'not an object');

  const rawTraceId = raw['traceId'] ?? raw['trace_id'];
  const traceId = readId(rawTraceId, 16);
  if (!isValidId(traceId)) return skipSpan(warnings, where, idProblem('traceId', rawTraceId));
  const rawSpanId = raw['spanId'] ?? raw['span_id'];
  const spanId = readId(rawSpanId, 8);
  if (!isValidId(spanId)) return skipSpan(warnings, where, idProblem('spanId', rawSpanId));

  const rawParent = raw['parentSpanId'] ?? raw['parent_span_id'];
  let parentSpanId = isBlank(rawParent) ? null : readId(rawParent, 8);
  if (parentSpanId === null && !isBlank(rawParent)) {
    warnings.push(`${where}: ${idProblem('parentSpanId', rawParent)}, treated as a root`);
  }
  // Some converters write an all-zero parent for a root.
  if (parentSpanId !== null && !isValidId(parentSpanId)) parentSpanId = null;

  const rawStart = raw['startTimeUnixNano'] ?? raw['start_time_unix_nano'];
  const startNs = readNanos(rawStart);
  if (startNs === null) return skipSpan(warnings, where, `invalid startTimeUnixNano ${preview(rawStart)}`);
  const rawEnd = raw['endTimeUnixNano'] ?? raw['end_time_unix_nano'];
  const endNs = readNanos(rawEnd);
  if (endNs === null) return skipSpan(warnings, where, `invalid endTimeUnixNano ${preview(rawEnd)}`);

  const statusObj = raw['status'];
  const status = isRecord(statusObj) ? readStatus(statusObj['code']) : 'unset';
  const message = isRecord(statusObj) ? statusObj['message'] : undefined;

  const name = raw['name'];
  const rawEvents = raw['events'];
  const rawLinks = raw['links'];
  return {
    traceId,
    spanId,
    parentSpanId,
    followsFrom: false,
    name: typeof name === 'string' ? name : '',
    service,
    kind: readKind(raw['kind']),
    startNs,
    durationNs: Number(endNs - startNs),
    status,
    statusMessage: typeof message === 'string' && message !== '' ? message : null,
    attributes: attributesOf(raw['attributes']),
    resource,
    // Most spans have neither: one shared empty list each, instead of two per span held in the window.
    events: rawEvents === undefined || (Array.isArray(rawEvents) && rawEvents.length === 0) ? NO_EVENTS : readEvents(raw, where, warnings),
    links: rawLinks === undefined || (Array.isArray(rawLinks) && rawLinks.length === 0) ? NO_LINKS : readLinks(raw, where, warnings),
    shared: false,
  };
}

export const NO_EVENTS: readonly SpanEventRecord[] = Object.freeze([]);
export const NO_LINKS: readonly SpanLink[] = Object.freeze([]);

function skipSpan(warnings: string[], where: SpanPlace, why: string): undefined {
  warnings.push(`${where}: ${why}, skipped`);
  return undefined;
}

function readEvents(span: JsonObject, where: SpanPlace, warnings: string[]): SpanEventRecord[] {
  const events: SpanEventRecord[] = [];
  list(span, 'events').forEach((event, n) => {
    const eventWhere = (): string => `event ${n} of ${where}`;
    if (!isRecord(event)) {
      warnings.push(`${eventWhere()}: not an object, dropped`);
      return;
    }
    const rawTime = get(event, 'timeUnixNano');
    const timeNs = readNanos(rawTime);
    if (timeNs === null) {
      warnings.push(`${eventWhere()}: invalid timeUnixNano ${preview(rawTime)}, dropped`);
      return;
    }
    const name = get(event, 'name');
    events.push({
      name: typeof name === 'string' ? name : '',
      timeNs,
      attributes: attributesOf(get(event, 'attributes')),
    });
  });
  return events;
}

function readLinks(span: JsonObject, where: SpanPlace, warnings: string[]): SpanLink[] {
  const links: SpanLink[] = [];
  list(span, 'links').forEach((link, n) => {
    const linkWhere = (): string => `link ${n} of ${where}`;
    if (!isRecord(link)) {
      warnings.push(`${linkWhere()}: not an object, dropped`);
      return;
    }
    const rawTraceId = get(link, 'traceId');
    const traceId = readId(rawTraceId, 16);
    const rawSpanId = get(link, 'spanId');
    const spanId = readId(rawSpanId, 8);
    if (!isValidId(traceId)) warnings.push(`${linkWhere()}: ${idProblem('traceId', rawTraceId)}, dropped`);
    else if (!isValidId(spanId)) warnings.push(`${linkWhere()}: ${idProblem('spanId', rawSpanId)}, dropped`);
    else links.push({ traceId, spanId, type: 'link' });
  });
  return links;
}

const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * An id as `size` bytes of lower-case hex, or null when empty, malformed or too long.
 * Shorter ids (64-bit trace ids) are left-padded with zeros.
 */
export function readId(value: unknown, size: 8 | 16): string | null {
  let hex: string;
  if (value instanceof Uint8Array) {
    if (value.length === 0 || value.length > size) return null;
    hex = bytesToBuffer(value).toString('hex');
  } else if (typeof value !== 'string' || value === '') {
    return null;
  } else if (value.length <= size * 2 && HEX.test(value)) {
    // Tried first: base64 of an 8- or 16-byte id ends in '=' padding, so it never looks like short hex.
    hex = value.toLowerCase();
  } else if (BASE64.test(value)) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length === 0 || bytes.length > size) return null;
    hex = bytes.toString('hex');
  } else {
    return null;
  }
  return hex.padStart(size * 2, '0');
}

/** OTLP calls an all-zero id invalid. */
export function isValidId(id: string | null): id is string {
  return id !== null && (id.charCodeAt(0) !== 48 /* 0 */ || !allZeros(id));
}

/** A loop, not /^0+$/: many producers' ids begin with zeros, and this runs for every span. */
function allZeros(id: string): boolean {
  for (let i = 1; i < id.length; i++) if (id.charCodeAt(i) !== 48) return false;
  return true;
}

export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (value instanceof Uint8Array && value.length === 0);
}

function idProblem(field: string, value: unknown): string {
  return isBlank(value) ? `empty ${field}` : `invalid ${field} ${preview(value)}`;
}

function preview(value: unknown): string {
  return previewJson(value instanceof Uint8Array ? bytesToBuffer(value.subarray(0, 32)).toString('hex') : value);
}

function bytesToBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const MAX_FIXED64 = 2n ** 64n - 1n;

/**
 * A fixed64 nanosecond time, written as a decimal string or a number; missing is 0 as in
 * protobuf. Beyond the fixed64 range it is invalid: a 400-digit time would put spans
 * Infinity milliseconds apart, and a megabyte of digits costs BigInt a tenth of a second.
 */
export function readNanos(value: unknown): bigint | null {
  if (value === undefined || value === null) return 0n;
  let ns: bigint;
  if (typeof value === 'string' && /^\d+$/.test(value)) {
    // BigInt reads leading zeros itself; strip them only to judge the length of a long string.
    const digits = value.length <= 20 ? value : value.replace(/^0+(?=\d)/, '');
    if (digits.length > 20) return null;
    ns = BigInt(digits);
  } else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
    ns = BigInt(value);
  } else {
    return null;
  }
  return ns <= MAX_FIXED64 ? ns : null;
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'] as const satisfies readonly SpanKind[];
const STATUSES = ['unset', 'ok', 'error'] as const satisfies readonly SpanStatus[];

/** An OTLP enum as its number or its protojson name; unknown values mean unspecified. */
function readEnum<T extends string>(value: unknown, names: readonly T[], prefix: string): T | undefined {
  if (typeof value === 'number') return names[value];
  if (typeof value !== 'string') return undefined;
  const name = value.startsWith(prefix) ? value.slice(prefix.length).toLowerCase() : value.toLowerCase();
  return names.find((n) => n === name);
}

export function readKind(value: unknown): SpanKind {
  return readEnum(value, KINDS, 'SPAN_KIND_') ?? 'unspecified';
}

export function readStatus(value: unknown): SpanStatus {
  return readEnum(value, STATUSES, 'STATUS_CODE_') ?? 'unset';
}

/**
 * AnyValues nest (arrays of arrays, maps of maps); past this depth the rest is dropped
 * (read as null). Real data nests a few levels; a payload nested 3,000 deep would
 * otherwise overflow the stack here and in everything that later walks the value.
 */
export const MAX_VALUE_DEPTH = 64;

function attributesOf(keyValues: unknown, depth = 0): Attributes {
  const out: Attributes = {};
  if (!Array.isArray(keyValues)) return out;
  for (const kv of keyValues) {
    if (!isRecord(kv)) continue;
    const key = kv['key'];
    if (typeof key !== 'string') continue;
    setAttribute(out, key, anyValue(kv['value'], depth));
  }
  return out;
}

/**
 * One AnyValue. It holds a single field, so its keys are read directly (camelCase or the
 * Collector's snake_case) rather than probing every possible name: this runs for every
 * attribute of every span.
 */
function anyValue(v: unknown, depth: number): AttributeValue {
  if (!isRecord(v) || depth >= MAX_VALUE_DEPTH) return null;
  for (const key in v) {
    const value = v[key];
    switch (key) {
      case 'stringValue':
      case 'string_value':
        if (typeof value === 'string') return value;
        break;
      case 'boolValue':
      case 'bool_value':
        if (typeof value === 'boolean') return value;
        break;
      case 'intValue':
      case 'int_value':
        if (value !== undefined) return intValue(value);
        break;
      case 'doubleValue':
      case 'double_value':
        if (typeof value === 'number') return value;
        // protojson writes NaN and the infinities as strings.
        if (typeof value === 'string') return Number(value);
        break;
      case 'arrayValue':
      case 'array_value':
        if (isRecord(value)) return list(value, 'values').map((item) => anyValue(item, depth + 1));
        break;
      case 'kvlistValue':
      case 'kvlist_value':
        if (isRecord(value)) return attributesOf(get(value, 'values'), depth + 1);
        break;
      case 'bytesValue':
      case 'bytes_value':
        if (typeof value === 'string') return value;
        if (value instanceof Uint8Array) return bytesToBuffer(value).toString('base64');
        break;
    }
  }
  return null;
}

/** An int64 as a number when that is exact, else its decimal string. */
export function intValue(value: unknown): AttributeValue {
  if (typeof value === 'number') {
    return Number.isInteger(value) && !Number.isSafeInteger(value) ? BigInt(value).toString() : value;
  }
  if (typeof value !== 'string') return null;
  if (!/^-?\d+$/.test(value)) return value;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}
