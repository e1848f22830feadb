import { traceMatches } from '../model/query.js';
import type { Trace } from '../model/span.js';
import { traceStart } from '../model/time.js';
import type { ReadPlan } from './plan.js';

/** Which traces read from files a plan keeps: its filter, and the start-time window when one was asked for. */
export function selectsFileTrace(plan: Pick<ReadPlan, 'filter' | 'timeWindow'>): (trace: Trace) => boolean {
  const { filter, timeWindow } = plan;
  return (trace) => {
    if (!traceMatches(trace, filter)) return false;
    if (timeWindow === null) return true;
    const startMs = Date.parse(traceStart(trace));
    return startMs >= timeWindow.startMs && startMs <= timeWindow.endMs;
  };
}
