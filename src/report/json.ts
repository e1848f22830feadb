import type { TraceSummary } from '../analyze/trace-summary.js';
import { servicesOf, type TraceView } from '../analyze/trace-view.js';
import type { Ms, Span } from '../model/span.js';
import { wallClockIso } from '../model/time.js';
import { JSON_SCHEMA, type FindJson, type ShowJson, type ShowSpanJson, type TraceRowJson, type TracectlJson } from './json-contract.js';


/** Milliseconds rounded to whole nanoseconds, so floating-point noise does not reach scripts. */
export function jsonMs(ms: Ms): number {
  return Math.round(ms * 1e6) / 1e6;
}

/** One document of the contract (report/json-contract.ts), with its schema first. */
export function renderJson(body: TracectlJson): string {
  return `${JSON.stringify({ schema: JSON_SCHEMA, ...body }, null, 2)}\n`;
}

/** `show --json`: the trace, its spans in tree order; `url` where a backend's web UI shows it. */
export function showJson(view: TraceView, url: string | null = null): ShowJson {
  return { ...showHead(view, url), spans: view.trace.spans.map((s) => showSpan(view, s)) };
}

/**
 * `show --json` as pieces of about `chunkChars` characters, the text of `renderJson(showJson(view, url))`:
 * the spans of a million-span trace are more text than one string may hold, so each span is
 * turned to JSON only when its piece is made.
 */
export function* showJsonChunks(view: TraceView, url: string | null = null, chunkChars = 1 << 20): Generator<string> {
  let chunk = '';
  for (const piece of jsonPieces({ schema: JSON_SCHEMA, ...showHead(view, url) }, 'spans', view.trace.spans.map((s) => () => showSpan(view, s)))) {
    chunk += piece;
    if (chunk.length >= chunkChars) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/**
 * `JSON.stringify({...head, [listKey]: items}, null, 2)` and its newline, a piece at a time:
 * one for the head's fields, one per item of the list (made when its piece is asked for).
 * JSON strings hold no raw newline, so indenting an item's own text is a replace.
 */
export function* jsonPieces(head: Record<string, unknown>, listKey: string, items: readonly (() => unknown)[]): Generator<string> {
  const headText = JSON.stringify(head, null, 2);
  const key = `  ${JSON.stringify(listKey)}: `;
  const open = headText === '{}' ? '{\n' : `${headText.slice(0, -2)},\n`;
  if (items.length === 0) {
    yield `${open}${key}[]\n}\n`;
    return;
  }
  yield `${open}${key}[`;
  for (let i = 0; i < items.length; i++) {
    const text = JSON.stringify(items[i]!(), null, 2) ?? 'null';
    yield `${i === 0 ? '' : ','}\n    ${text.replace(/\n/g, '\n    ')}`;
  }
  yield '\n  ]\n}\n';
}

function showHead(view: TraceView, url: string | null): Omit<ShowJson, 'spans'> {
  const { trace } = view;
  const head: Omit<ShowJson, 'spans'> = {
    traceId: trace.traceId,
    start: wallClockIso(trace, trace.startMs),
    durationMs: jsonMs(trace.durationMs),
    spanCount: trace.spans.length,
    services: servicesOf(trace),
    warnings: trace.warnings,
    llm: view.llm.total.calls > 0 ? { ...view.llm.total } : null,
  };
  if (url !== null) head.url = url;
  return head;
}

function showSpan(view: TraceView, s: Span): ShowSpanJson {
  const { trace } = view;
  return withLlm(view, s.spanId, {
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    service: s.service,
    name: s.name,
    kind: s.kind,
    startMs: jsonMs(s.startMs - trace.startMs),
    start: wallClockIso(trace, s.startMs),
    durationMs: jsonMs(s.durationMs),
    selfMs: jsonMs(view.selfMs.get(s.spanId) ?? 0),
    depth: s.depth,
    status: s.status,
    statusMessage: s.statusMessage,
    critical: view.critical.has(s.spanId),
    criticalMs: jsonMs((view.critical.get(s.spanId) ?? []).reduce((a, c) => a + c.endMs - c.startMs, 0)),
    attributes: s.attributes,
    events: s.events.map((e) => ({ name: e.name, timeMs: jsonMs(e.timeMs - trace.startMs), attributes: e.attributes })),
  });
}

/** A span of `show --json`, with `llm` when it is a model call. */
function withLlm(view: TraceView, spanId: string, span: ShowSpanJson): ShowSpanJson {
  const call = view.llm.spans.get(spanId);
  if (call !== undefined) span.llm = { ...call };
  return span;
}

/** Where a backend's web UI shows a trace, when a backend is read and its UI known. */
export type TraceUrl = (traceId: string) => string | null;

/** `find --json`: the rows listed. */
export function findJson(rows: readonly TraceSummary[], urlOf?: TraceUrl): FindJson {
  return { traces: rows.map((r) => findRow(r, urlOf)) };
}

/** `find --format jsonl`: one trace object a line, as in `find --json`'s `traces`. */
export function findJsonLines(rows: readonly TraceSummary[], urlOf?: TraceUrl): string {
  return rows.map((r) => `${JSON.stringify(findRow(r, urlOf))}\n`).join('');
}

function findRow(r: TraceSummary, urlOf?: TraceUrl): TraceRowJson {
  const row: TraceRowJson = { ...r, durationMs: jsonMs(r.durationMs) };
  const url = urlOf?.(r.traceId) ?? null;
  if (url !== null) row.url = url;
  return row;
}
