import type { Ms, Trace } from '../model/span.js';

/**
 * Self time of every span (DESIGN.md): its duration minus the union of its children's
 * intervals, each clipped to the span. Overlapping (parallel) children count once.
 */
export function selfTimes(trace: Trace): Map<string, Ms> {
  const self = new Map<string, Ms>();
  for (const span of trace.spans) {
    const start = span.startMs;
    const end = span.startMs + span.durationMs;
    let covered = 0;
    let runStart = start;
    let runEnd = start;
    // Children come sorted by start, so one sweep merges their intervals.
    for (const child of trace.children.get(span.spanId) ?? []) {
      const cs = Math.max(child.startMs, start);
      const ce = Math.min(child.startMs + child.durationMs, end);
      if (ce <= cs) continue;
      if (cs > runEnd) {
        covered += runEnd - runStart;
        runStart = cs;
        runEnd = ce;
      } else if (ce > runEnd) {
        runEnd = ce;
      }
    }
    covered += runEnd - runStart;
    self.set(span.spanId, Math.max(0, span.durationMs - covered));
  }
  return self;
}
