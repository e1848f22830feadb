import { isFailedTrace } from '../model/error-span.js';
import { operationKey } from '../model/operation.js';
import { traceMatches, type TraceFilter } from '../model/query.js';
import type { AttributeValue, Ms, Trace } from '../model/span.js';
import type { MergeableAccumulator } from './accumulator.js';
import { criticalPath, criticalTimeBySpan } from './critical-path.js';
import { compareText, percentile, sortedNumbers } from './stats.js';

/**
 * `tracectl compare`: what makes one cohort of traces (the target) differ from another (the
 * baseline).
 *
 * The cohorts of `--slow pN` are not known until every trace is read, so the accumulator
 * keeps a compact digest of each trace (its duration, per operation its critical-path time
 * and span count, the attribute values it carries, capped per trace) and splits them in
 * `result()`. Memory is therefore linear in the number of traces, at roughly 100 bytes plus
 * 50 per distinct operation and per distinct attribute value of each trace (2.4 KB a demo
 * trace), not in their spans; see docs/commands.md "compare".
 */

/** Which traces are the target; the rest (or the other sources) are the baseline. */
export type CohortSplit =
  | { kind: 'slow'; percentile: number }
  | { kind: 'where'; filter: TraceFilter }
  | { kind: 'errors' }
  /** Every trace is the target: one side of `--baseline SOURCES`. */
  | { kind: 'all' };

export interface CompareAnalysisOptions {
  split: CohortSplit;
}

/** Per operation in one trace: [service, name, critical-path ms, span count]. */
export type DigestOperation = [service: string, name: string, criticalMs: Ms, count: number];

/** What compare keeps of one trace. */
export interface TraceDigest {
  traceId: string;
  durationMs: Ms;
  /** Target under `where`/`errors` splits. */
  marked: boolean;
  operations: DigestOperation[];
  /** `key\u0000value` of every attribute value (span or resource) the trace carries. */
  values: string[];
  /** Per numeric attribute key, the largest value in the trace. */
  numbers: Array<[key: string, value: number]>;
}

export interface Cohorts {
  target: TraceDigest[];
  baseline: TraceDigest[];
  /** The duration that split `--slow` cohorts (traces longer are the target). */
  thresholdMs: Ms | null;
}

/** Values kept per trace, and the longest value text compared. */
export const MAX_VALUES_PER_TRACE = 256;
const MAX_VALUE_TEXT = 80;
/** Operations kept per trace (by critical time, then count); the rest fall into "other". */
const MAX_OPERATIONS_PER_TRACE = 200;

export function digestTrace(trace: Trace, split: CohortSplit): TraceDigest {
  const critical = criticalTimeBySpan(criticalPath(trace));
  const ops = new Map<string, DigestOperation>();
  const values = new Set<string>();
  const numbers = new Map<string, number>();
  const note = (key: string, value: AttributeValue): void => {
    const text = valueText(value);
    if (text !== null && values.size < MAX_VALUES_PER_TRACE) values.add(`${key}\u0000${text}`);
    if (typeof value === 'number' && Number.isFinite(value)) numbers.set(key, Math.max(numbers.get(key) ?? -Infinity, value));
  };
  const resources = new Set<object>();
  for (const span of trace.spans) {
    const key = operationKey(span.service, span.name);
    let op = ops.get(key);
    if (!op) ops.set(key, (op = [span.service, span.name, 0, 0]));
    op[2] += critical.get(span.spanId) ?? 0;
    op[3] += 1;
    for (const [k, v] of Object.entries(span.attributes)) note(k, v);
    if (!resources.has(span.resource)) {
      resources.add(span.resource);
      for (const [k, v] of Object.entries(span.resource)) note(k, v);
    }
  }
  const operations = [...ops.values()].sort((a, b) => b[2] - a[2] || b[3] - a[3]).slice(0, MAX_OPERATIONS_PER_TRACE);
  let marked = false;
  if (split.kind === 'where') marked = traceMatches(trace, split.filter);
  else if (split.kind === 'errors') marked = isFailedTrace(trace);
  return { traceId: trace.traceId, durationMs: trace.durationMs, marked, operations, values: [...values], numbers: [...numbers] };
}

function valueText(value: AttributeValue): string | null {
  if (value === null) return null;
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT - 1)}…` : text;
}

/** Keeps every trace's digest; splits them into cohorts in `result()`. */
export class CompareAccumulator implements MergeableAccumulator<Cohorts, TraceDigest[]> {
  private digests: TraceDigest[] = [];
  constructor(private readonly options: CompareAnalysisOptions) {}

  add(trace: Trace): void {
    this.digests.push(digestTrace(trace, this.options.split));
  }

  state(): TraceDigest[] {
    return this.digests;
  }

  merge(state: TraceDigest[]): void {
    for (const d of state) this.digests.push(d);
  }

  result(): Cohorts {
    const all = [...this.digests].sort((a, b) => compareText(a.traceId, b.traceId));
    return splitCohorts(all, this.options.split);
  }
}

export function splitCohorts(all: readonly TraceDigest[], split: CohortSplit): Cohorts {
  if (split.kind === 'all') return { target: [...all], baseline: [], thresholdMs: null };
  if (split.kind === 'slow') {
    const thresholdMs = all.length === 0 ? null : percentile(sortedNumbers(all.map((d) => d.durationMs)), split.percentile);
    const slow = (d: TraceDigest): boolean => thresholdMs !== null && d.durationMs > thresholdMs;
    return { target: all.filter(slow), baseline: all.filter((d) => !slow(d)), thresholdMs };
  }
  return { target: all.filter((d) => d.marked), baseline: all.filter((d) => !d.marked), thresholdMs: null };
}

// ---------------------------------------------------------------------------------------
// Latency attribution: shared with `check --baseline`
// ---------------------------------------------------------------------------------------

export interface OperationMs {
  service: string;
  name: string;
  ms: Ms;
}

export interface LatencyChange {
  service: string;
  name: string;
  baselineMs: Ms;
  currentMs: Ms;
  deltaMs: Ms;
}

/**
 * The latency attribution: per operation, the difference between its mean critical-path
 * time in `current` and in `baseline` (an operation missing on one side counts 0 there),
 * largest growth first. Because the critical path of a trace adds up to its duration, these
 * differences add up to the difference in mean duration (less time between roots, which is
 * nobody's). `check --baseline` shows the first three that grew; `compare` shows the list.
 */
export function attributeLatency(current: readonly OperationMs[], baseline: readonly OperationMs[]): LatencyChange[] {
  const then = new Map(baseline.map((o) => [operationKey(o.service, o.name), o.ms]));
  const now = new Set(current.map((o) => operationKey(o.service, o.name)));
  const changes: LatencyChange[] = current.map((op) => {
    const baselineMs = then.get(operationKey(op.service, op.name)) ?? 0;
    return { service: op.service, name: op.name, baselineMs, currentMs: op.ms, deltaMs: op.ms - baselineMs };
  });
  for (const op of baseline) {
    if (!now.has(operationKey(op.service, op.name))) changes.push({ service: op.service, name: op.name, baselineMs: op.ms, currentMs: 0, deltaMs: -op.ms });
  }
  return changes.sort((a, b) => b.deltaMs - a.deltaMs || a.name.localeCompare(b.name) || a.service.localeCompare(b.service));
}

// ---------------------------------------------------------------------------------------
// The comparison
// ---------------------------------------------------------------------------------------

export interface CohortStats {
  traces: number;
  durationMs: { p50: Ms | null; p95: Ms | null; mean: Ms | null };
}

export interface AttributionRow {
  service: string;
  name: string;
  targetMs: Ms;
  baselineMs: Ms;
  deltaMs: Ms;
  /** deltaMs over the difference in mean duration; null when that difference is 0. */
  share: number | null;
}

export interface CountRow {
  service: string;
  name: string;
  targetPerTrace: number;
  baselinePerTrace: number;
}

export interface OnlyInRow {
  service: string;
  name: string;
  /** Spans per trace in the cohort that has it. */
  perTrace: number;
  /** Share of that cohort's traces holding it. */
  traceShare: number;
}

export interface AttributeRow {
  key: string;
  value: string;
  targetShare: number;
  baselineShare: number;
  targetTraces: number;
  baselineTraces: number;
  /** The Agresti–Caffo z statistic of targetShare − baselineShare (see `shareScore`). */
  score: number;
}

export interface NumericRow {
  key: string;
  targetMedian: number;
  baselineMedian: number;
  targetTraces: number;
  baselineTraces: number;
  /** Mann–Whitney U as a z score: positive when the target's values are larger. */
  score: number;
}

export interface CompareReport {
  target: CohortStats;
  baseline: CohortStats;
  thresholdMs: Ms | null;
  /** Mean target duration minus mean baseline duration; null when a cohort is empty. */
  deltaMeanMs: Ms | null;
  /** Largest growth first, then the "other" row (service '', name '(other)') last. */
  attribution: AttributionRow[];
  counts: CountRow[];
  onlyIn: { target: OnlyInRow[]; baseline: OnlyInRow[] };
  attributes: AttributeRow[];
  numeric: NumericRow[];
  /** Attribute keys skipped for having too many distinct values. */
  skippedKeys: string[];
}

export interface CompareOptions {
  /** `--attr KEY`: compare these keys whatever their cardinality. */
  attrs?: readonly string[];
  /** Attribution rows before "other". */
  top?: number;
}

/** Scores at or above this are reported: |z| ≥ 3 happens by chance about 1 in 740 times. */
export const NOISE_SCORE = 3;
/** A key with more distinct values than this is an id or a timestamp, not a cause. */
export const MAX_DISTINCT_VALUES = 20;
const TOP_ROWS = 10;
const TOP_ATTRIBUTES = 15;
export const OTHER_NAME = '(other)';

export function compareCohorts(cohorts: Cohorts, options: CompareOptions = {}): CompareReport {
  const { target, baseline } = cohorts;
  const top = options.top ?? TOP_ROWS;
  const t = cohortStats(target);
  const b = cohortStats(baseline);
  const deltaMeanMs = t.durationMs.mean !== null && b.durationMs.mean !== null ? t.durationMs.mean - b.durationMs.mean : null;

  const tOps = operationTable(target);
  const bOps = operationTable(baseline);
  const mean = (table: Map<string, OpTally>, n: number): OperationMs[] => [...table.values()].map((o) => ({ service: o.service, name: o.name, ms: n > 0 ? o.criticalMs / n : 0 }));
  const attribution: AttributionRow[] = [];
  if (deltaMeanMs !== null) {
    const changes = attributeLatency(mean(tOps, target.length), mean(bOps, baseline.length));
    const share = (ms: Ms): number | null => (deltaMeanMs === 0 ? null : ms / deltaMeanMs);
    // Largest contributions in either direction, shown largest growth first.
    const shown = [...changes].sort((x, y) => Math.abs(y.deltaMs) - Math.abs(x.deltaMs)).slice(0, top);
    const kept = new Set(shown);
    for (const c of changes) {
      if (kept.has(c)) attribution.push({ service: c.service, name: c.name, targetMs: c.currentMs, baselineMs: c.baselineMs, deltaMs: c.deltaMs, share: share(c.deltaMs) });
    }
    const listed = attribution.reduce((sum, r) => sum + r.deltaMs, 0);
    const unlisted = changes.filter((c) => !kept.has(c));
    const otherT = unlisted.reduce((s, c) => s + c.currentMs, 0) + (t.durationMs.mean ?? 0) - mean(tOps, target.length).reduce((s, o) => s + o.ms, 0);
    const otherB = unlisted.reduce((s, c) => s + c.baselineMs, 0) + (b.durationMs.mean ?? 0) - mean(bOps, baseline.length).reduce((s, o) => s + o.ms, 0);
    // What float rounding leaves of an exact zero is noise, not time.
    const tidy = (ms: Ms): Ms => (Math.abs(ms) < 1e-6 ? 0 : ms);
    const rest = tidy(deltaMeanMs - listed);
    attribution.push({ service: '', name: OTHER_NAME, targetMs: tidy(otherT), baselineMs: tidy(otherB), deltaMs: rest, share: share(rest) });
  }

  const counts: CountRow[] = [];
  const onlyIn: CompareReport['onlyIn'] = { target: [], baseline: [] };
  for (const [key, o] of tOps) {
    const other = bOps.get(key);
    if (!other) {
      if (baseline.length > 0) onlyIn.target.push({ service: o.service, name: o.name, perTrace: o.count / target.length, traceShare: o.traces / target.length });
      continue;
    }
    counts.push({ service: o.service, name: o.name, targetPerTrace: o.count / target.length, baselinePerTrace: other.count / baseline.length });
  }
  for (const [key, o] of bOps) {
    if (!tOps.has(key) && target.length > 0) onlyIn.baseline.push({ service: o.service, name: o.name, perTrace: o.count / baseline.length, traceShare: o.traces / baseline.length });
  }
  const countChange = (r: CountRow): number => Math.abs(r.targetPerTrace - r.baselinePerTrace);
  const byName = (x: { service: string; name: string }, y: { service: string; name: string }): number => compareText(x.name, y.name) || compareText(x.service, y.service);
  const significantCounts = counts
    .filter((r) => countChange(r) >= 0.5 && countChange(r) / Math.max(r.targetPerTrace, r.baselinePerTrace) >= 0.2)
    .sort((x, y) => countChange(y) - countChange(x) || byName(x, y))
    .slice(0, top);
  onlyIn.target.sort((x, y) => y.traceShare - x.traceShare || byName(x, y));
  onlyIn.baseline.sort((x, y) => y.traceShare - x.traceShare || byName(x, y));

  const { attributes, numeric, skippedKeys } = compareAttributes(target, baseline, new Set(options.attrs ?? []));
  return {
    target: t,
    baseline: b,
    thresholdMs: cohorts.thresholdMs,
    deltaMeanMs,
    attribution,
    counts: significantCounts,
    onlyIn: { target: onlyIn.target.slice(0, top), baseline: onlyIn.baseline.slice(0, top) },
    attributes,
    numeric,
    skippedKeys,
  };
}

function cohortStats(digests: readonly TraceDigest[]): CohortStats {
  if (digests.length === 0) return { traces: 0, durationMs: { p50: null, p95: null, mean: null } };
  const sorted = sortedNumbers(digests.map((d) => d.durationMs));
  return { traces: digests.length, durationMs: { p50: percentile(sorted, 50), p95: percentile(sorted, 95), mean: sorted.reduce((s, v) => s + v, 0) / sorted.length } };
}

interface OpTally {
  service: string;
  name: string;
  criticalMs: Ms;
  count: number;
  traces: number;
}

function operationTable(digests: readonly TraceDigest[]): Map<string, OpTally> {
  const table = new Map<string, OpTally>();
  for (const d of digests) {
    for (const [service, name, ms, count] of d.operations) {
      const key = operationKey(service, name);
      let t = table.get(key);
      if (!t) table.set(key, (t = { service, name, criticalMs: 0, count: 0, traces: 0 }));
      t.criticalMs += ms;
      t.count += count;
      t.traces += 1;
    }
  }
  return table;
}

/**
 * The score of an attribute value: the difference between the share of target traces and
 * of baseline traces carrying it, over its standard error, with Agresti and Caffo's
 * adjustment (one success and one failure added to each side). The plain two-proportion z
 * has no error to divide by when a share is 0 or 1, which is exactly the planted-cause case
 * (every slow trace, no fast one); the adjusted interval is the one that keeps its nominal
 * coverage on small cohorts (Agresti & Caffo 2000), and ten slow traces is a small cohort.
 * A z score is comparable across values with different counts, unlike the raw difference.
 */
export function shareScore(targetHits: number, targetN: number, baselineHits: number, baselineN: number): number {
  const p1 = (targetHits + 1) / (targetN + 2);
  const p2 = (baselineHits + 1) / (baselineN + 2);
  const se = Math.sqrt((p1 * (1 - p1)) / (targetN + 2) + (p2 * (1 - p2)) / (baselineN + 2));
  return (p1 - p2) / se;
}

/** Mann–Whitney U of `a` against `b` as a z score (ties ranked by their mean rank); 0 when either is empty. */
export function rankScore(a: readonly number[], b: readonly number[]): number {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return 0;
  const all = [...a.map((v) => ({ v, first: true })), ...b.map((v) => ({ v, first: false }))].sort((x, y) => x.v - y.v);
  let rankSum = 0;
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.v === all[i]!.v) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]!.first) rankSum += rank;
    const t = j - i;
    tieTerm += t * t * t - t;
    i = j;
  }
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  return variance > 0 ? (u - (n1 * n2) / 2) / Math.sqrt(variance) : 0;
}

function compareAttributes(
  target: readonly TraceDigest[],
  baseline: readonly TraceDigest[],
  forced: ReadonlySet<string>,
): { attributes: AttributeRow[]; numeric: NumericRow[]; skippedKeys: string[] } {
  const hits = new Map<string, [target: number, baseline: number]>();
  const distinct = new Map<string, number>();
  const count = (digests: readonly TraceDigest[], side: 0 | 1): void => {
    for (const d of digests) {
      for (const kv of d.values) {
        let h = hits.get(kv);
        if (!h) {
          hits.set(kv, (h = [0, 0]));
          const key = kv.slice(0, kv.indexOf('\u0000'));
          distinct.set(key, (distinct.get(key) ?? 0) + 1);
        }
        h[side] += 1;
      }
    }
  };
  count(target, 0);
  count(baseline, 1);
  const skipped = new Set([...distinct].filter(([key, n]) => n > MAX_DISTINCT_VALUES && !forced.has(key)).map(([key]) => key));
  const attributes: AttributeRow[] = [];
  if (target.length > 0 && baseline.length > 0) {
    for (const [kv, [th, bh]] of hits) {
      const cut = kv.indexOf('\u0000');
      const key = kv.slice(0, cut);
      if (skipped.has(key)) continue;
      const score = shareScore(th, target.length, bh, baseline.length);
      if (score < NOISE_SCORE && !forced.has(key)) continue;
      attributes.push({ key, value: kv.slice(cut + 1), targetShare: th / target.length, baselineShare: bh / baseline.length, targetTraces: th, baselineTraces: bh, score });
    }
  }
  attributes.sort((x, y) => y.score - x.score || compareText(x.key, y.key) || compareText(x.value, y.value));

  const values = (digests: readonly TraceDigest[]): Map<string, number[]> => {
    const m = new Map<string, number[]>();
    for (const d of digests) {
      for (const [k, v] of d.numbers) {
        const list = m.get(k);
        if (list) list.push(v);
        else m.set(k, [v]);
      }
    }
    return m;
  };
  const tv = values(target);
  const bv = values(baseline);
  const numeric: NumericRow[] = [];
  for (const [key, a] of tv) {
    const b = bv.get(key);
    if (!b) continue;
    const score = rankScore(a, b);
    if (Math.abs(score) < NOISE_SCORE && !forced.has(key)) continue;
    numeric.push({ key, targetMedian: percentile(sortedNumbers(a), 50), baselineMedian: percentile(sortedNumbers(b), 50), targetTraces: a.length, baselineTraces: b.length, score });
  }
  numeric.sort((x, y) => Math.abs(y.score) - Math.abs(x.score) || compareText(x.key, y.key));
  return { attributes: attributes.slice(0, TOP_ATTRIBUTES), numeric: numeric.slice(0, TOP_ATTRIBUTES), skippedKeys: [...skipped].sort(compareText) };
}
