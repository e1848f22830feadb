import type { Ms, Trace } from '../model/span.js';
import type { MergeableAccumulator } from './accumulator.js';
import { errorCount, rootSpan } from '../model/error-span.js';
import { traceStart } from '../model/time.js';
import { compareText } from './stats.js';

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

/** A `FindAccumulator` as plain data, for `merge` in another thread. */
export interface FindState {
  /** The best rows of its traces, at most `max` of them. */
  rows: TraceSummary[];
}

/**
 * The rows of `find`: newest first by default (as `gh` lists), or slowest first. One trace
 * at a time, holding only the rows that can still make the list:
 * the best `max` so far, pruned whenever twice that many have gathered. The order is total
 * (for distinct trace ids, and for the partial traces one id makes when spans arrive later
 * than the window), so the list does not depend on the order traces came in, and each
 * part's best `max` rows hold every row of the whole list.
 */
export class FindAccumulator implements MergeableAccumulator<TraceSummary[], FindState> {
  private rows: TraceSummary[] = [];
  private readonly max: number;
  private readonly compare: (a: TraceSummary, b: TraceSummary) => number;

  constructor(order: FindOrder) {
    this.max = Math.min(order.slowest ?? Infinity, order.limit ?? Infinity);
    this.compare =
      order.slowest !== undefined
        ? (a, b) => b.durationMs - a.durationMs || compareText(a.traceId, b.traceId) || samePartial(a, b)
        : (a, b) => compareText(b.start, a.start) || compareText(a.traceId, b.traceId) || samePartial(a, b);
  }

  add(trace: Trace): void {
    this.rows.push(summarizeTrace(trace));
    if (this.rows.length >= 2 * this.max + 64) this.prune();
  }

  state(): FindState {
    this.prune();
    return { rows: this.rows.map((row) => ({ ...row })) };
  }

  merge(state: FindState): void {
    for (const row of state.rows) this.rows.push({ ...row });
    if (this.rows.length >= 2 * this.max + 64) this.prune();
  }

  result(): TraceSummary[] {
    this.prune();
    return this.rows;
  }

  private prune(): void {
    this.rows.sort(this.compare);
    if (this.rows.length > this.max) this.rows.length = this.max;
  }
}

/** Orders the rows of partial traces of one id (late spans): by what else they show. */
function samePartial(a: TraceSummary, b: TraceSummary): number {
  return b.spanCount - a.spanCount || b.durationMs - a.durationMs || compareText(a.start, b.start) || compareText(JSON.stringify(a), JSON.stringify(b));
}
