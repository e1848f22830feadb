import { serviceOf } from '../model/attributes.js';
import type { Attributes, AttributeValue, SpanEventRecord, SpanKind, SpanLink, SpanRecord, SpanStatus } from '../model/span.js';
import type { Decoded } from './decoder.js';
import { IdNormalizer } from './ids.js';
import { isRecord, type JsonObject } from './json-values.js';
import { plural } from '../model/text.js';
import { pushAll } from '../model/arrays.js';

/**
 * The SDK console exporters' output: Python's `ConsoleSpanExporter` (pretty JSON objects one
 * after another) and Go's `stdouttrace` (compact or tab-indented objects), interleaved with
 * the application's own log lines. Text outside span objects is skipped and counted in one
 * warning; each object maps to the same span its OTLP equivalent decodes to.
 */

/** Whether a text looks like console exporter output (checked before calling it unknown). */
export function looksLikeConsoleText(text: string): boolean {
  return /"SpanContext"\s*:/.test(text) || (/"context"\s*:/.test(text) && /"kind"\s*:\s*"SpanKind\./.test(text));
}

/** One parsed object is a console span (Python or Go). */
export function isConsoleSpan(x: unknown): boolean {
  if (!isRecord(x)) return false;
  if (isRecord(x['SpanContext']) && 'Name' in x) return true;
  return isRecord(x['context']) && typeof x['kind'] === 'string' && x['kind'].startsWith('SpanKind.');
}

export function decodeConsoleSpan(x: unknown): Decoded {
  const ids = new IdNormalizer();
  const warnings: string[] = [];
  const span = isRecord(x) ? ('SpanContext' in x ? goSpan(x, ids) : pythonSpan(x, ids)) : undefined;
  if (span === undefined) warnings.push('a console span without ids or times, skipped');
  return { spans: span ? [span] : [], warnings: [...warnings, ...ids.warnings()] };
}

/** Decodes a whole text: span objects found by brace matching, everything else skipped and counted. */
export function decodeConsoleText(text: string): Decoded {
  const spans: SpanRecord[] = [];
  const warnings: string[] = [];
  let skippedLines = 0;
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{', i);
    const gap = text.slice(i, open < 0 ? text.length : open);
    skippedLines += gap.split('\n').filter((l) => l.trim() !== '').length;
    if (open < 0) break;
    const end = matchingBrace(text, open);
    let parsed: unknown;
    if (end >= 0) {
      try {
        parsed = JSON.parse(text.slice(open, end + 1));
      } catch {
        parsed = undefined;
      }
    }
    if (end >= 0 && isConsoleSpan(parsed)) {
      const decoded = decodeConsoleSpan(parsed);
      pushAll(spans, decoded.spans);
      pushAll(warnings, decoded.warnings);
      i = end + 1;
    } else {
      // Not a span object: skip the rest of its line.
      const newline = text.indexOf('\n', open);
      const stop = newline < 0 ? text.length : newline + 1;
      if (text.slice(open, stop).trim() !== '') skippedLines++;
      i = stop;
    }
  }
  if (skippedLines > 0) warnings.push(`skipped ${plural(skippedLines, 'line')} of text between console spans`);
  return { spans, warnings };
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/** ISO 8601 / RFC 3339 with up to 9 fractional digits and an offset, to epoch nanoseconds, losslessly. */
export function isoToNs(raw: unknown): bigint | null {
  if (typeof raw !== 'string') return null;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(raw);
  if (!m) return null;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

const stripHex = (x: unknown): unknown => (typeof x === 'string' && x.startsWith('0x') ? x.slice(2) : x);

function statusOf(code: unknown): SpanStatus {
  const c = typeof code === 'string' ? code.toLowerCase() : '';
  return c === 'error' ? 'error' : c === 'ok' ? 'ok' : 'unset';
}

function pythonSpan(x: JsonObject, ids: IdNormalizer): SpanRecord | undefined {
  const context = isRecord(x['context']) ? x['context'] : {};
  const traceId = ids.traceId(stripHex(context['trace_id']));
  const spanId = ids.spanId(stripHex(context['span_id']));
  const startNs = isoToNs(x['start_time']);
  const endNs = isoToNs(x['end_time']);
  if (traceId === null || spanId === null || startNs === null || endNs === null) return undefined;
  const resource = pythonAttrs(isRecord(x['resource']) ? x['resource']['attributes'] : undefined);
  const status = isRecord(x['status']) ? x['status'] : {};
  const description = status['description'];
  const kind = typeof x['kind'] === 'string' ? x['kind'].replace('SpanKind.', '').toLowerCase() : '';
  const events: SpanEventRecord[] = [];
  for (const e of Array.isArray(x['events']) ? x['events'] : []) {
    const timeNs = isRecord(e) ? isoToNs(e['timestamp']) : null;
    if (isRecord(e) && timeNs !== null) events.push({ name: String(e['name'] ?? ''), timeNs, attributes: pythonAttrs(e['attributes']) });
  }
  const links: SpanLink[] = [];
  for (const l of Array.isArray(x['links']) ? x['links'] : []) {
    const c = isRecord(l) && isRecord(l['context']) ? l['context'] : undefined;
    const t = c ? ids.traceId(stripHex(c['trace_id'])) : null;
    const s = c ? ids.spanId(stripHex(c['span_id'])) : null;
    if (t !== null && s !== null) links.push({ traceId: t, spanId: s, type: 'link' });
  }
  return {
    traceId,
    spanId,
    parentSpanId: ids.parentId(stripHex(x['parent_id'])),
    followsFrom: false,
    name: typeof x['name'] === 'string' ? x['name'] : '',
    service: serviceOf(resource),
    kind: toKind(kind),
    startNs,
    durationNs: Number(endNs - startNs),
    status: statusOf(status['status_code']),
    statusMessage: typeof description === 'string' && description !== '' ? description : null,
    attributes: pythonAttrs(x['attributes']),
    resource,
    events,
    links,
    shared: false,
  };
}

function pythonAttrs(raw: unknown): Attributes {
  const out: Attributes = {};
  if (isRecord(raw)) for (const [k, v] of Object.entries(raw)) out[k] = v as AttributeValue;
  return out;
}

const KINDS: readonly SpanKind[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

function toKind(name: string): SpanKind {
  return (KINDS as readonly string[]).includes(name) ? (name as SpanKind) : 'unspecified';
}

function goSpan(x: JsonObject, ids: IdNormalizer): SpanRecord | undefined {
  const context = isRecord(x['SpanContext']) ? x['SpanContext'] : {};
  const parent = isRecord(x['Parent']) ? x['Parent'] : {};
  const traceId = ids.traceId(context['TraceID']);
  const spanId = ids.spanId(context['SpanID']);
  const startNs = isoToNs(x['StartTime']);
  const endNs = isoToNs(x['EndTime']);
  if (traceId === null || spanId === null || startNs === null || endNs === null) return undefined;
  const resource = goAttrs(x['Resource']);
  const status = isRecord(x['Status']) ? x['Status'] : {};
  const description = status['Description'];
  const kindNumber = typeof x['SpanKind'] === 'number' ? x['SpanKind'] : 0;
  const events: SpanEventRecord[] = [];
  for (const e of Array.isArray(x['Events']) ? x['Events'] : []) {
    const timeNs = isRecord(e) ? isoToNs(e['Time']) : null;
    if (isRecord(e) && timeNs !== null) events.push({ name: String(e['Name'] ?? ''), timeNs, attributes: goAttrs(e['Attributes']) });
  }
  const links: SpanLink[] = [];
  for (const l of Array.isArray(x['Links']) ? x['Links'] : []) {
    const c = isRecord(l) && isRecord(l['SpanContext']) ? l['SpanContext'] : undefined;
    const t = c ? ids.traceId(c['TraceID']) : null;
    const s = c ? ids.spanId(c['SpanID']) : null;
    if (t !== null && s !== null) links.push({ traceId: t, spanId: s, type: 'link' });
  }
  return {
    traceId,
    spanId,
    parentSpanId: ids.parentId(parent['SpanID']),
    followsFrom: false,
    name: typeof x['Name'] === 'string' ? x['Name'] : '',
    service: serviceOf(resource),
    kind: KINDS[kindNumber] ?? 'unspecified',
    startNs,
    durationNs: Number(endNs - startNs),
    status: statusOf(status['Code']),
    statusMessage: typeof description === 'string' && description !== '' ? description : null,
    attributes: goAttrs(x['Attributes']),
    resource,
    events,
    links,
    shared: false,
  };
}

/** Go's `[{Key, Value: {Type, Value}}]`; INT64 beyond 2^53 arrives as a number already rounded by JSON.parse. */
function goAttrs(raw: unknown): Attributes {
  const out: Attributes = {};
  for (const kv of Array.isArray(raw) ? raw : []) {
    if (!isRecord(kv) || typeof kv['Key'] !== 'string') continue;
    const value = isRecord(kv['Value']) ? kv['Value']['Value'] : undefined;
    out[kv['Key']] = (value ?? null) as AttributeValue;
  }
  return out;
}
