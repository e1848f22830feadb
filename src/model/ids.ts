import type { Trace } from './span.js';

/** Hex digits of a trace id (128 bits) or a span id (64 bits). */
export type IdWidth = 32 | 16;

const HEX = /^[0-9a-fA-F]+$/;

/**
 * `raw` as lower-case hex left-padded to `width`, or null when it is not 1 to `width` hex
 * digits. Jaeger and Zipkin ids are numbers written in hex: producers drop leading zeros
 * (a 31-digit trace id) and write 64-bit trace ids, which are 128-bit ids with a zero
 * upper half.
 */
export function normalizeHexId(raw: string, width: IdWidth): string | null {
  return raw.length <= width && HEX.test(raw) ? raw.toLowerCase().padStart(width, '0') : null;
}

/** An all-zero id: what several producers write for "no parent". */
export function isZeroId(id: string): boolean {
  return /^0+$/.test(id);
}

/**
 * A trace id as a user typed it, normalized: hex in either case, 16 or 32 digits (64-bit
 * ids are 128-bit ids with a zero upper half, as Jaeger and Zipkin write them). Null when
 * it is not a trace id at all.
 */
export function parseTraceIdInput(input: string): string | null {
  return normalizeHexId(input.trim(), 32);
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
