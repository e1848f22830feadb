import type { Ms, Span, Trace } from '../model/span.js';

/** A stretch of time on the critical path, spent in one span's own work. */
export interface CriticalSection {
  spanId: string;
  startMs: Ms;
  endMs: Ms;
}

/**
 * The critical path (DESIGN.md): the chain of work that determined when the trace ended.
 * Starting at the root's end and walking backwards, repeatedly descend into the child that
 * finished last at or before the current point in time; the time in between is the
 * parent's own. Children are clipped to their parent; children entirely outside it and
 * asynchronous followers are not on the path.
 *
 * Differences from jaeger-ui's implementation, on purpose: a child that ends exactly when
 * the current point is reached still counts (`<=`, not `<`), so two back-to-back siblings
 * are both on the path; and a trace with several roots (orphans) is walked as if one
 * virtual root spanned the trace, so time between roots belongs to nobody.
 *
 * Returns the sections in time order; their lengths add up to the trace duration minus
 * any gaps between roots. Iterative, so depth is unbounded.
 */
export function criticalPath(trace: Trace): CriticalSection[] {
  const sections: CriticalSection[] = [];
  const topLevel = trace.roots.filter((r) => !trace.asyncSpanIds.has(r.spanId));
  if (topLevel.length === 0) return sections;

  interface Frame {
    span: Span | null;
    windowStart: Ms;
    /** Children by clipped end, latest first; consumed from `next` on. */
    children: { span: Span; start: Ms; end: Ms }[];
    next: number;
    /** The current point in time, moving backwards. */
    now: Ms;
  }
  const frame = (span: Span | null, kids: readonly Span[], windowStart: Ms, windowEnd: Ms): Frame => {
    const children: Frame['children'] = [];
    for (const child of kids) {
      if (trace.asyncSpanIds.has(child.spanId)) continue;
      const start = Math.max(child.startMs, windowStart);
      const end = Math.min(child.startMs + child.durationMs, windowEnd);
      if (end > start) children.push({ span: child, start, end });
    }
    children.sort((a, b) => b.end - a.end || b.start - a.start);
    return { span, windowStart, children, next: 0, now: windowEnd };
  };

  const root = topLevel.length === 1 ? topLevel[0]! : null;
  const stack: Frame[] = [
    root
      ? frame(root, trace.children.get(root.spanId) ?? [], root.startMs, root.startMs + root.durationMs)
      : frame(null, topLevel, trace.startMs, trace.startMs + trace.durationMs),
  ];
  const emit = (span: Span | null, startMs: Ms, endMs: Ms): void => {
    if (span && endMs > startMs) sections.push({ spanId: span.spanId, startMs, endMs });
  };

  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    let last: Frame['children'][number] | undefined;
    while (f.next < f.children.length) {
      const candidate = f.children[f.next++]!;
      // A child still running at `now` overlapped the one we descended into: it did not hold anything up.
      if (candidate.end <= f.now) {
        last = candidate;
        break;
      }
    }
    if (!last) {
      emit(f.span, f.windowStart, f.now);
      stack.pop();
      continue;
    }
    emit(f.span, last.end, f.now);
    f.now = last.start;
    stack.push(frame(last.span, trace.children.get(last.span.spanId) ?? [], last.start, last.end));
  }
  return sections.reverse();
}

/** Time each span spent on the critical path. */
export function criticalTimeBySpan(sections: readonly CriticalSection[]): Map<string, Ms> {
  const time = new Map<string, Ms>();
  for (const s of sections) time.set(s.spanId, (time.get(s.spanId) ?? 0) + (s.endMs - s.startMs));
  return time;
}
