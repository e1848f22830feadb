import { traceMatches, type TraceFilter } from '../model/query.js';
import type { Trace } from '../model/span.js';
import type { TimeWindow } from '../sources/backends/config.js';
import { traceStart } from '../model/time.js';

/** Which traces read from files a command keeps: its filter, and the start-time window when one was asked for. */
export function selectsFileTrace(filter: TraceFilter, window: TimeWindow | null): (trace: Trace) => boolean {
  return (trace) => traceMatches(trace, filter) && (window === null || inWindow(trace, window));
}

function inWindow(trace: Trace, window: TimeWindow): boolean {
  const startMs = Date.parse(traceStart(trace));
  return startMs >= window.startMs && startMs <= window.endMs;
}
