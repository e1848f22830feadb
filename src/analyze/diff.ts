import type { Ms, Span, Trace } from '../model/span.js';
import { criticalPath, criticalTimeBySpan } from './critical-path.js';
import { compareText } from './stats.js';

/**
 * `tracectl diff A B`: two traces aligned span by span. A span's place is its service and
 * operation and those of its ancestors up to the root, and among siblings of the same
 * service and operation its rank by start time: the n-th `GET /price` under a parent in A is
 * matched with the n-th in B. So a reordered fan-out of differently named calls still
 * matches, and a call made one more time shows as one added span.
 */

export type SpanChange = 'same' | 'slower' | 'faster' | 'added' | 'removed';

export interface DiffTolerance {
  /** A change smaller than this share of A's duration is no change (0.2: Tempo's trace-diff default). */
  ratio: number;
  /** …nor one smaller than this many milliseconds. */
  ms: Ms;
}

export const DEFAULT_TOLERANCE: DiffTolerance = { ratio: 0.2, ms: 1 };

export interface DiffSpan {
  service: string;
  name: string;
  /** `service:name` of each ancestor and the span, joined by ` > `; `[n]` for the n-th (n > 1) same-named sibling. */
  path: string;
  depth: number;
  aMs: Ms | null;
  bMs: Ms | null;
  deltaMs: Ms | null;
  change: SpanChange;
  /** Start in B (or, for removed spans, in A) from its trace start. */
  startMs: Ms;
  /** Time on each trace's critical path; null where the span is not in that trace. */
  critical: { a: Ms | null; b: Ms | null };
}

export interface DiffSide {
  traceId: string;
  durationMs: Ms;
  /** Operations on the critical path, by time on it, most first. */
  criticalPath: Array<{ service: string; name: string; ms: Ms }>;
}

export interface DiffReport {
  a: DiffSide;
  b: DiffSide;
  tolerance: DiffTolerance;
  /** B's tree order, each removed span placed under its parent's match. */
  spans: DiffSpan[];
  summary: { added: number; removed: number; slower: number; faster: number; same: number };
  /** Among the slower and faster spans, the one whose own critical-path time changed most. */
  largest: DiffSpan | null;
}

interface Placed {
  span: Span;
  path: string;
}

/** Every span of a trace by its path. */
function placeSpans(trace: Trace): Map<string, Placed> {
  const placed = new Map<string, Placed>();
  const visit = (siblings: readonly Span[], parentPath: string): void => {
    const seen = new Map<string, number>();
    const ordered = [...siblings].sort((x, y) => x.startMs - y.startMs || compareText(x.spanId, y.spanId));
    for (const span of ordered) {
      const label = `${span.service}:${span.name}`;
      const n = (seen.get(label) ?? 0) + 1;
      seen.set(label, n);
      const step = n > 1 ? `${label}[${n}]` : label;
      const path = parentPath === '' ? step : `${parentPath} > ${step}`;
      placed.set(path, { span, path });
      visit(trace.children.get(span.spanId) ?? [], path);
    }
  };
  visit(trace.roots, '');
  return placed;
}

function classify(aMs: Ms, bMs: Ms, tolerance: DiffTolerance): SpanChange {
  const delta = bMs - aMs;
  if (Math.abs(delta) < tolerance.ms) return 'same';
  if (aMs > 0 && Math.abs(delta) / aMs < tolerance.ratio) return 'same';
  return delta > 0 ? 'slower' : 'faster';
}

function side(trace: Trace, critical: Map<string, Ms>): DiffSide {
  const ops = new Map<string, { service: string; name: string; ms: Ms }>();
  for (const [spanId, ms] of critical) {
    const span = trace.byId.get(spanId);
    if (!span) continue;
    const key = `${span.service}\u0000${span.name}`;
    const op = ops.get(key);
    if (op) op.ms += ms;
    else ops.set(key, { service: span.service, name: span.name, ms });
  }
  const criticalPathOps = [...ops.values()].sort((x, y) => y.ms - x.ms || compareText(x.name, y.name));
  return { traceId: trace.traceId, durationMs: trace.durationMs, criticalPath: criticalPathOps };
}

export function diffTraces(a: Trace, b: Trace, tolerance: DiffTolerance = DEFAULT_TOLERANCE): DiffReport {
  const inA = placeSpans(a);
  const inB = placeSpans(b);
  const critA = criticalTimeBySpan(criticalPath(a));
  const critB = criticalTimeBySpan(criticalPath(b));
  const pathOfA = new Map([...inA.values()].map((p) => [p.span.spanId, p.path]));
  const pathOfB = new Map([...inB.values()].map((p) => [p.span.spanId, p.path]));
  const spans: DiffSpan[] = [];

  const removedUnder = (aSpan: Span | null): Span[] => {
    const kids = aSpan ? (a.children.get(aSpan.spanId) ?? []) : a.roots;
    return kids.filter((k) => !inB.has(pathOfA.get(k.spanId)!));
  };
  const emitRemoved = (span: Span, depth: number): void => {
    const path = pathOfA.get(span.spanId)!;
    spans.push({ service: span.service, name: span.name, path, depth, aMs: span.durationMs, bMs: null, deltaMs: null, change: 'removed', startMs: span.startMs - a.startMs, critical: { a: critA.get(span.spanId) ?? 0, b: null } });
    for (const kid of a.children.get(span.spanId) ?? []) emitRemoved(kid, depth + 1);
  };
  const emit = (span: Span, depth: number): void => {
    const path = pathOfB.get(span.spanId)!;
    const match = inA.get(path)?.span ?? null;
    const aMs = match ? match.durationMs : null;
    const change: SpanChange = match ? classify(match.durationMs, span.durationMs, tolerance) : 'added';
    spans.push({
      service: span.service,
      name: span.name,
      path,
      depth,
      aMs,
      bMs: span.durationMs,
      deltaMs: aMs === null ? null : span.durationMs - aMs,
      change,
      startMs: span.startMs - b.startMs,
      critical: { a: match ? (critA.get(match.spanId) ?? 0) : null, b: critB.get(span.spanId) ?? 0 },
    });
    for (const kid of b.children.get(span.spanId) ?? []) emit(kid, depth + 1);
    if (match) for (const gone of removedUnder(match)) emitRemoved(gone, depth + 1);
  };
  for (const root of b.roots) emit(root, 0);
  for (const gone of removedUnder(null)) emitRemoved(gone, 0);

  const summary = { added: 0, removed: 0, slower: 0, faster: 0, same: 0 };
  for (const s of spans) summary[s.change] += 1;
  // A parent's duration grows with its children's: the span that changed most is the one whose
  // own time on the critical path changed most, so the root does not take every slow child's credit.
  const ownChange = (s: DiffSpan): number => Math.abs((s.critical.b ?? 0) - (s.critical.a ?? 0));
  let largest: DiffSpan | null = null;
  for (const s of spans) {
    if ((s.change === 'slower' || s.change === 'faster') && (largest === null || ownChange(s) > ownChange(largest))) largest = s;
  }
  return { a: side(a, critA), b: side(b, critB), tolerance, spans, summary, largest };
}
