import type { Trace } from '../model/span.js';

/**
 * An analysis that takes traces one at a time and keeps only what its result needs, so a
 * stream of traces of any length can be analyzed in bounded memory: the trace itself is
 * dropped after `add`. Every analyzer is one; `foldTraces` runs it over a list.
 */
export interface TraceAccumulator<R> {
  add(trace: Trace): void;
  result(): R;
}

/**
 * An accumulator whose work can be shared out: copies built alike each take some of the
 * traces (in worker threads, `pipeline/parallel.ts`), and one of them merges the others'
 * states. `state()` is plain data that survives structured cloning (no class instances,
 * functions or symbols), and after merging every other copy's state, `result()` equals what
 * one accumulator would give after taking all the traces itself, in any order.
 */
export interface MergeableAccumulator<R, S = unknown> extends TraceAccumulator<R> {
  state(): S;
  merge(state: S): void;
}

export function foldTraces<R>(accumulator: TraceAccumulator<R>, traces: Iterable<Trace>): R {
  for (const trace of traces) accumulator.add(trace);
  return accumulator.result();
}

type ResultOf<A> = A extends TraceAccumulator<infer R> ? R : never;

/** Several analyses over the same traces in one pass: each trace is read once and handed to all. */
export function combineAccumulators<T extends Record<string, MergeableAccumulator<unknown>>>(
  parts: T,
): MergeableAccumulator<{ [K in keyof T]: ResultOf<T[K]> }, Record<string, unknown>> {
  const entries = Object.entries(parts);
  return {
    add: (trace) => {
      for (const [, part] of entries) part.add(trace);
    },
    result: () => Object.fromEntries(entries.map(([key, part]) => [key, part.result()])) as { [K in keyof T]: ResultOf<T[K]> },
    state: () => Object.fromEntries(entries.map(([key, part]) => [key, part.state()])),
    merge: (state) => {
      for (const [key, part] of entries) part.merge(state[key]);
    },
  };
}
