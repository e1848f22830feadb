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

export function foldTraces<R>(accumulator: TraceAccumulator<R>, traces: Iterable<Trace>): R {
  for (const trace of traces) accumulator.add(trace);
  return accumulator.result();
}
