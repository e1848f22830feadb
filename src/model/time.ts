import type { Ms, Trace } from './span.js';

/** The wall-clock time, in epoch nanoseconds, of an offset on a trace's axis. */
export function wallClockNs(trace: Trace, offsetMs: Ms): bigint {
  return trace.originNs + BigInt(Math.round(offsetMs * 1e6));
}

/** When the trace started, in epoch nanoseconds. */
export function traceStartNs(trace: Trace): bigint {
  return wallClockNs(trace, trace.startMs);
}

/** When the trace started, as ISO 8601 (UTC, millisecond precision). */
export function traceStart(trace: Trace): string {
  return new Date(Number(traceStartNs(trace) / 1_000_000n)).toISOString();
}
