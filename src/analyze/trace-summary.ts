import type { Ms, Trace } from '../model/span.js';
import type { MergeableAccumulator } from './accumulator.js';
import { errorCount, rootSpan } from '../model/error-span.js';
import { traceStart } from '../model/time.js';
import { traceLlmUsage, type LlmOptions } from './llm.js';
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
  /** Model calls, each counted once (the innermost rule, docs/llm.md). */
  llmCalls: number;
  /** Input and output tokens of those calls. */
  tokens: number;
  /** US dollars, null when no call could be priced (a lower bound when some could not). */
  costUsd: number | null;
  /** Calls with usage but no price: `costUsd` is then a lower bound. */
  unpricedCalls: number;
}

export function summarizeTrace(trace: Trace, prices: LlmOptions = {}): TraceSummary {
  const root = rootSpan(trace);
  const llm = traceLlmUsage(trace, prices).total;
  return {
    traceId: trace.traceId,
    rootService: root?.service ?? '',
    rootName: root?.name ?? '',
    start: traceStart(trace),
    durationMs: trace.durationMs,
    spanCount: trace.spans.length,
    errorCount: errorCount(trace),
    llmCalls: llm.calls,
    tokens: llm.inputTokens + llm.outputTokens,
    costUsd: llm.costUsd,
    unpricedCalls: llm.unpricedCalls,
  };
}

/** `find --sort`: what the list is ordered by (the largest, or the newest, first). */
export const findSorts = ['start', 'duration', 'spans', 'errors', 'tokens', 'cost'] as const;
export type FindSort = (typeof findSorts)[number];

export interface FindOrder {
  /** Slowest first, at most this many. */
  slowest?: number;
  /** At most this many rows. */
  limit?: number;
  /** Order by this (default: start, or duration with `slowest`), largest or newest first. */
  sort?: FindSort;
  /** The other way round: smallest or oldest first. */
  reverse?: boolean;
  /** How to price LLM calls (`--prices`). */
  prices?: LlmOptions['prices'];
}

/** A `FindAccumulator` as plain data, for `merge` in another thread. */
export interface FindState {
  /** The best rows of its traces, at most `max` of them. */
  rows: TraceSummary[];
  /** How many traces it took, listed or not. */
  total: number;
}

/** The rows `find` lists, and how many traces matched in all ("showing 20 of 60"). */
export interface FindResult {
  rows: TraceSummary[];
  total: number;
}

const byField: Record<FindSort, (a: TraceSummary, b: TraceSummary) => number> = {
  start: (a, b) => compareText(b.start, a.start),
  duration: (a, b) => b.durationMs - a.durationMs,
  spans: (a, b) => b.spanCount - a.spanCount,
  errors: (a, b) => b.errorCount - a.errorCount,
  tokens: (a, b) => b.tokens - a.tokens,
  // Unpriced traces rank below every priced one, however cheap.
  cost: (a, b) => (b.costUsd ?? -1) - (a.costUsd ?? -1),
};

/**
 * The rows of `find`: newest first by default (as `gh` lists), or slowest first. One trace
 * at a time, holding only the rows that can still make the list:
 * the best `max` so far, pruned whenever twice that many have gathered. The order is total
 * (for distinct trace ids, and for the partial traces one id makes when spans arrive later
 * than the window), so the list does not depend on the order traces came in, and each
 * part's best `max` rows hold every row of the whole list.
 */
export class FindAccumulator implements MergeableAccumulator<FindResult, FindState> {
  private rows: TraceSummary[] = [];
  private total = 0;
  private readonly max: number;
  private readonly compare: (a: TraceSummary, b: TraceSummary) => number;
  private readonly prices: LlmOptions;

  constructor(order: FindOrder) {
    this.prices = { prices: order.prices ?? null };
    this.max = Math.min(order.slowest ?? Infinity, order.limit ?? Infinity);
    const field = byField[order.sort ?? (order.slowest !== undefined ? 'duration' : 'start')];
    const sign = order.reverse ? -1 : 1;
    // Ties by trace id (always ascending), then partial traces of one id by where they are, so
    // the order is total and does not depend on input order (or on which block built them).
    this.compare = (a, b) => sign * field(a, b) || compareText(a.traceId, b.traceId) || samePartial(a, b);
  }

  add(trace: Trace): void {
    this.total++;
    this.rows.push(summarizeTrace(trace, this.prices));
    if (this.rows.length >= 2 * this.max + 64) this.prune();
  }

  state(): FindState {
    this.prune();
    return { rows: this.rows.map((row) => ({ ...row })), total: this.total };
  }

  merge(state: FindState): void {
    this.total += state.total;
    for (const row of state.rows) this.rows.push({ ...row });
    if (this.rows.length >= 2 * this.max + 64) this.prune();
  }

  result(): FindResult {
    this.prune();
    return { rows: this.rows, total: this.total };
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
