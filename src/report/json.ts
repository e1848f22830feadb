import type { TraceSummary } from '../analyze/trace-summary.js';
import { servicesOf, type TraceView } from '../analyze/trace-view.js';
import type { Ms } from '../model/span.js';
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
  const { trace } = view;
  const body: ShowJson = {
    traceId: trace.traceId,
    start: wallClockIso(trace, trace.startMs),
    durationMs: jsonMs(trace.durationMs),
    spanCount: trace.spans.length,
    services: servicesOf(trace),
    warnings: trace.warnings,
    spans: trace.spans.map((s) => withLlm(view, s.spanId, {
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
    })),
    llm: view.llm.total.calls > 0 ? { ...view.llm.total } : null,
  };
  if (url !== null) body.url = url;
  return body;
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
