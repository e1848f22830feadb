import type { Trace } from './span.js';

/**
 * A trace id as a user typed it, normalized: hex in either case, 16 or 32 digits (64-bit
 * ids are 128-bit ids with a zero upper half, as Jaeger and Zipkin write them). Null when
 * it is not a trace id at all.
 */
export function parseTraceIdInput(input: string): string | null {
  const id = input.trim().toLowerCase();
  return /^[0-9a-f]{1,32}$/.test(id) ? id.padStart(32, '0') : null;
}

/**
 * The trace a user means: the exact id, else (for a 16-digit id) the 128-bit trace whose
 * lower half it is — what a 64-bit system such as an older Zipkin reports for it.
 */
export function findTrace(traces: readonly Trace[], input: string): Trace | undefined {
  const id = parseTraceIdInput(input);
  if (id === null) return undefined;
  const exact = traces.find((t) => t.traceId === id);
  if (exact || input.trim().length > 16) return exact;
  const low = id.slice(16);
  return traces.find((t) => t.traceId.slice(16) === low);
}
