import type { Ms, Span, Trace } from '../model/span.js';
import { isErrorSpan } from './error-span.js';

/** One row of `find`: the facts about a trace a user scans a list for. */
export interface TraceSummary {
  traceId: string;
  rootService: string;
  rootName: string;
  /** ISO 8601, UTC, millisecond precision. */
  start: string;
  durationMs: Ms;
  spanCount: number;
  errorCount: number;
}

/** The span that stands for the trace: its real root, else its earliest span. */
export function rootSpan(trace: Trace): Span | undefined {
  return trace.roots[0];
}

/** DESIGN.md: a failed trace is one whose root span is an error span. */
export function isFailedTrace(trace: Trace): boolean {
  const root = rootSpan(trace);
  return root !== undefined && isErrorSpan(root);
}

export function errorCount(trace: Trace): number {
  let n = 0;
  for (const s of trace.spans) if (isErrorSpan(s)) n++;
  return n;
}

/** The wall-clock start of the trace as ISO 8601. */
export function traceStart(trace: Trace): string {
  const ns = trace.originNs + BigInt(Math.round(trace.startMs * 1e6));
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

export function summarizeTrace(trace: Trace): TraceSummary {
  const root = rootSpan(trace);
  return {
    traceId: trace.traceId,
    rootService: root?.service ?? '',
    rootName: root?.name ?? '',
    start: traceStart(trace),
    durationMs: trace.durationMs,
    spanCount: trace.spans.length,
    errorCount: errorCount(trace),
  };
}

export interface FindOrder {
  /** Slowest first, at most this many. */
  slowest?: number;
  /** At most this many rows. */
  limit?: number;
}

/** Newest first by default (as `gh` lists); `slowest` orders by duration instead. */
export function findTraces(traces: readonly Trace[], order: FindOrder): TraceSummary[] {
  const rows = traces.map(summarizeTrace);
  if (order.slowest !== undefined) rows.sort((a, b) => b.durationMs - a.durationMs || a.traceId.localeCompare(b.traceId));
  else rows.sort((a, b) => b.start.localeCompare(a.start) || a.traceId.localeCompare(b.traceId));
  const max = Math.min(order.slowest ?? Infinity, order.limit ?? Infinity);
  return Number.isFinite(max) ? rows.slice(0, max) : rows;
}
