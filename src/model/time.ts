import type { Ms, Trace } from './span.js';

/** The wall-clock time, in epoch nanoseconds, of an offset on a trace's axis. */
export function wallClockNs(trace: Trace, offsetMs: Ms): bigint {
  // Most traces start at their origin: no BigInt to make.
  return offsetMs === 0 ? trace.originNs : trace.originNs + BigInt(Math.round(offsetMs * 1e6));
}

/** When the trace started, in epoch nanoseconds. */
export function traceStartNs(trace: Trace): bigint {
  return wallClockNs(trace, trace.startMs);
}

/** An offset on a trace's axis as ISO 8601 wall-clock time, to the nanosecond: `2026-11-01T10:47:08.123456789Z`. */
export function wallClockIso(trace: Trace, offsetMs: Ms): string {
  const ns = wallClockNs(trace, offsetMs);
  // Floored, so a time before 1970 keeps its digits below the millisecond positive.
  let ms = ns / 1_000_000n;
  if (ms * 1_000_000n > ns) ms -= 1n;
  // toISOString gives the milliseconds; the six digits below them follow.
  return `${new Date(Number(ms)).toISOString().slice(0, -1)}${String(ns - ms * 1_000_000n).padStart(6, '0')}Z`;
}

/**
 * The second `traceStart` last formatted, and its text up to the milliseconds: traces read
 * one after another mostly start within the same second (find formats every trace's start).
 */
let lastSecond = NaN;
let lastSecondText = '';

/** When the trace started, as ISO 8601 (UTC, millisecond precision). */
export function traceStart(trace: Trace): string {
  const ms = Number(traceStartNs(trace) / 1_000_000n);
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    // Throws as Date does for a time beyond its range, before anything is kept.
    const text = new Date(ms).toISOString();
    lastSecond = second;
    lastSecondText = text.slice(0, -4);
    return text;
  }
  return `${lastSecondText}${String(ms - second * 1000).padStart(3, '0')}Z`;
}
