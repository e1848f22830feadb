import type { Ms, Span, Trace } from '../model/span.js';
import type { Assertion, Budget, BudgetFile, BudgetSelect, Operator, Unit } from './budget-file.js';
import { readCacheSignal } from './cache.js';
import { criticalPath, criticalTimeBySpan, type CriticalSection } from './critical-path.js';
import { spanMatchesCondition } from '../model/query.js';
import { linearGlob, type LinearRegex } from '../model/regex.js';
import { percentile, sortedNumbers } from './stats.js';
import { isErrorSpan, rootSpan } from '../model/error-span.js';
import { numberAttribute } from '../model/attributes.js';
import { operationKey } from '../model/operation.js';

/**
 * Evaluates a budgets file over traces: the analysis behind `tracectl check`.
 *
 * Definitions (also in the README, "CI gate"):
 * - The **samples** of a budget are its selected spans. A span selected with `root: true`
 *   (or by an empty select) is measured by its trace's duration; any other span by its own.
 * - `p(N)`, `avg`, `min`, `max`, `med`: over the samples' durations (percentiles as
 *   `stats.percentile`, linear interpolation). `count`: the number of samples.
 * - `error_rate`: the share of samples that are error spans (for roots: failed traces).
 * - `hit_ratio`: hits over lookups among the samples that carry a cache hit/miss signal
 *   (`readCacheSignal`); no lookups is no data.
 * - `critical_share`: the samples' time on their trace's critical path over the summed
 *   durations of the traces holding a sample.
 * - `count_per_trace`, `sum(ATTR)_per_trace`: a value per trace holding a sample (for sum,
 *   per trace where a sample carries ATTR as a number); the budget breaks if any trace
 *   breaks it, and `actual` is the worst trace's value.
 * - Fewer samples than `min_samples`, or a metric without data, fails the budget, or skips
 *   it with `on_missing: skip`. It never passes.
 */

export type ResultStatus = 'pass' | 'fail' | 'skip';
/** Why a result has its status. */
export type ResultReason = 'met' | 'broken' | 'too-few-samples' | 'no-data' | 'regressed' | 'within-regression';

export interface TraceValue {
  traceId: string;
  /** In the metric's unit. */
  value: number;
}

export interface OperationTime {
  service: string;
  name: string;
  ms: Ms;
}

/** The critical path of the worst sample (or the worst trace), per operation. */
export interface Breakdown {
  traceId: string;
  /** The span whose critical path this is: the worst sample, or the trace's root. */
  spanId: string;
  service: string;
  name: string;
  durationMs: Ms;
  /** By time on the path, descending; `ms` adds up to the path's length. */
  operations: OperationTime[];
}

export interface OperationChange {
  service: string;
  name: string;
  baselineMs: Ms;
  currentMs: Ms;
  deltaMs: Ms;
}

/** One row of the check: an assertion, or the regression check of one against a baseline. */
export interface BudgetResult {
  budget: string;
  kind: 'assertion' | 'regression';
  /** `p(95) < 1.2s`; for a regression, `p(95) within +10% of baseline`. */
  assertion: string;
  metric: string;
  op: Operator;
  unit: Unit;
  /** The file line of the assertion. */
  line: number;
  actual: number | null;
  limit: number;
  /** The limit as written; computed ones are formatted by the renderer. */
  limitText: string | null;
  status: ResultStatus;
  reason: ResultReason;
  samples: number;
  traces: number;
  minSamples: number;
  /** For failures: up to `WORST_TRACES` traces, worst first. */
  worstTraces: TraceValue[];
  /** For failures: the critical path behind the worst of them. */
  breakdown: Breakdown | null;
  /** Regression rows: the baseline's value, the change (worse is positive), the threshold. */
  baseline?: number;
  change?: number;
  maxRegression?: number;
  /** Regression rows that fail: operations whose critical-path time per sample grew most. */
  attribution?: OperationChange[];
}

export interface BudgetSummary {
  name: string;
  line: number;
  status: ResultStatus;
  samples: number;
  traces: number;
  minSamples: number;
  onMissing: Budget['onMissing'];
  select: Record<string, unknown>;
  /**
   * Mean critical-path time per sample, by operation, inside the samples' own subtrees
   * (the outermost samples only, so nested selections count once): what a baseline is
   * compared with to say which operations grew.
   */
  criticalPath: OperationTime[];
}

export interface CheckReport {
  traces: number;
  passed: boolean;
  budgets: BudgetSummary[];
  /** In file order; a regression row follows its assertion. */
  results: BudgetResult[];
  /** Baseline entries that could not be compared, and the like. */
  warnings: string[];
}

/** What an earlier `check --json` left to compare with. */
export interface Baseline {
  results: { name: string; metric: string; actual: number | null }[];
  budgets: Map<string, OperationTime[]>;
}

export interface EvaluateOptions {
  baseline?: Baseline;
  /** `--max-regression`: between a budget's own `regression` and `defaults.regression`. */
  maxRegression?: number;
}

export const WORST_TRACES = 3;
/** Operations kept per breakdown and per budget composition. */
const MAX_OPERATIONS = 10;
const ATTRIBUTION = 3;

export function evaluateBudgets(traces: readonly Trace[], file: BudgetFile, options: EvaluateOptions = {}): CheckReport {
  const ctx = new TraceCache();
  const results: BudgetResult[] = [];
  const budgets: BudgetSummary[] = [];
  const warnings: string[] = [];
  for (const budget of file.budgets) {
    const selection = select(traces, budget.select);
    const rows: BudgetResult[] = [];
    const enough = selection.samples.length >= budget.minSamples;
    const composition = criticalComposition(selection, ctx);
    for (const assertion of budget.assertions) {
      const { row, measured } = evaluateAssertion(budget, assertion, selection, enough, ctx);
      rows.push(row);
      const threshold = budget.regression ?? options.maxRegression ?? file.defaultRegression;
      if (options.baseline && threshold !== null && row.reason !== 'too-few-samples') {
        const regression = compareWithBaseline(budget, row, assertion, threshold, options.baseline, warnings);
        if (regression?.status === 'fail') {
          Object.assign(regression, worst({ ...assertion, op: regression.op, limit: regression.limit }, measured, selection, ctx));
          regression.attribution = attribute(composition, options.baseline.budgets.get(budget.name) ?? []);
        }
        if (regression) rows.push(regression);
      }
    }
    results.push(...rows);
    const status: ResultStatus = rows.some((r) => r.status === 'fail') ? 'fail' : rows.some((r) => r.status === 'skip') ? 'skip' : 'pass';
    budgets.push({
      name: budget.name,
      line: budget.line,
      status,
      samples: selection.samples.length,
      traces: selection.byTrace.size,
      minSamples: budget.minSamples,
      onMissing: budget.onMissing,
      select: budget.selectText,
      criticalPath: composition,
    });
  }
  return { traces: traces.length, passed: results.every((r) => r.status !== 'fail'), budgets, results, warnings };
}

// ---------------------------------------------------------------------------------------
// Selection
// ---------------------------------------------------------------------------------------

interface Sample {
  trace: Trace;
  span: Span;
  /** Duration the sample is measured by. */
  valueMs: Ms;
}

interface Selection {
  samples: Sample[];
  byTrace: Map<Trace, Sample[]>;
  /** Samples stand for whole traces (root: true or an empty select). */
  roots: boolean;
}

function isEmptySelect(s: BudgetSelect): boolean {
  return s.service === undefined && s.name === undefined && s.kind === undefined && s.root === undefined && s.where.length === 0;
}

/** The spans a budget measures. An empty select is every trace's root. */
function select(traces: readonly Trace[], s: BudgetSelect): Selection {
  const roots = s.root === true || isEmptySelect(s);
  const service = s.service === undefined ? null : globToRegExp(s.service);
  const name = s.name === undefined ? null : globToRegExp(s.name);
  const matches = (span: Span): boolean =>
    (service === null || service.test(span.service)) &&
    (name === null || name.test(span.name)) &&
    (s.kind === undefined || span.kind === s.kind) &&
    s.where.every((c) => spanMatchesCondition(span, c));
  const samples: Sample[] = [];
  const byTrace = new Map<Trace, Sample[]>();
  for (const trace of traces) {
    const root = rootSpan(trace);
    const candidates = roots ? (root ? [root] : []) : trace.spans;
    const picked: Sample[] = [];
    for (const span of candidates) {
      if (s.root === false && span === root) continue;
      if (!matches(span)) continue;
      picked.push({ trace, span, valueMs: roots ? trace.durationMs : span.durationMs });
    }
    if (picked.length > 0) {
      samples.push(...picked);
      byTrace.set(trace, picked);
    }
  }
  return { samples, byTrace, roots };
}

// ---------------------------------------------------------------------------------------
// Critical paths, computed once per trace (and per sample subtree)
// ---------------------------------------------------------------------------------------

class TraceCache {
  private readonly paths = new Map<Trace, { sections: CriticalSection[]; bySpan: Map<string, Ms> }>();

  path(trace: Trace): { sections: CriticalSection[]; bySpan: Map<string, Ms> } {
    let p = this.paths.get(trace);
    if (!p) {
      const sections = criticalPath(trace);
      p = { sections, bySpan: criticalTimeBySpan(sections) };
      this.paths.set(trace, p);
    }
    return p;
  }
}

/**
 * The critical path inside one span's subtree, as if the span were the trace's root: why
 * that span took as long as it did. A span that is itself an asynchronous follower has
 * every descendant marked asynchronous too, so for it the trace's marks are dropped
 * (children outside its window are still clipped away).
 */
export function spanCriticalPath(trace: Trace, span: Span): CriticalSection[] {
  const asyncSpanIds = trace.asyncSpanIds.has(span.spanId) ? new Set<string>() : trace.asyncSpanIds;
  return criticalPath({ ...trace, roots: [span], asyncSpanIds });
}

function sectionsOf(sample: Sample, roots: boolean, ctx: TraceCache): CriticalSection[] {
  return roots ? ctx.path(sample.trace).sections : spanCriticalPath(sample.trace, sample.span);
}

function byOperation(trace: Trace, sections: readonly CriticalSection[]): Map<string, OperationTime> {
  const ops = new Map<string, OperationTime>();
  for (const s of sections) {
    const span = trace.byId.get(s.spanId);
    if (!span) continue;
    const key = operationKey(span.service, span.name);
    const op = ops.get(key) ?? { service: span.service, name: span.name, ms: 0 };
    op.ms += s.endMs - s.startMs;
    ops.set(key, op);
  }
  return ops;
}

const byMsThenName = (a: OperationTime, b: OperationTime): number => b.ms - a.ms || a.name.localeCompare(b.name) || a.service.localeCompare(b.service);

/** Mean critical time per outermost sample, by operation (see `BudgetSummary.criticalPath`). */
function criticalComposition(selection: Selection, ctx: TraceCache): OperationTime[] {
  const totals = new Map<string, OperationTime>();
  let outermost = 0;
  for (const [trace, samples] of selection.byTrace) {
    const selected = new Set(samples.map((s) => s.span.spanId));
    for (const sample of samples) {
      if (!selection.roots && hasSelectedAncestor(trace, sample.span, selected)) continue;
      outermost++;
      for (const [key, op] of byOperation(trace, sectionsOf(sample, selection.roots, ctx))) {
        const total = totals.get(key) ?? { service: op.service, name: op.name, ms: 0 };
        total.ms += op.ms;
        totals.set(key, total);
      }
    }
  }
  return [...totals.values()]
    .map((op) => ({ ...op, ms: op.ms / outermost }))
    .sort(byMsThenName)
    .slice(0, MAX_OPERATIONS);
}

function hasSelectedAncestor(trace: Trace, span: Span, selected: ReadonlySet<string>): boolean {
  // Bounded by the span's depth: the builder has broken parent cycles.
  for (let id = span.parentSpanId; id !== null; ) {
    if (selected.has(id)) return true;
    id = trace.byId.get(id)?.parentSpanId ?? null;
  }
  return false;
}

function breakdownOf(trace: Trace, span: Span, sections: readonly CriticalSection[], durationMs: Ms): Breakdown {
  return {
    traceId: trace.traceId,
    spanId: span.spanId,
    service: span.service,
    name: span.name,
    durationMs,
    operations: [...byOperation(trace, sections).values()].sort(byMsThenName).slice(0, MAX_OPERATIONS),
  };
}

// ---------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------

/** A metric's value, and per trace the value that ranks traces for "worst traces". */
interface Measured {
  actual: number | null;
  perTrace: { trace: Trace; value: number; worstSample?: Sample }[];
}

/** Higher is worse for `<` and `<=`, lower for `>` and `>=`; `==` any distance from the limit. */
function badness(op: Operator, value: number, limit: number): number {
  if (op === '<' || op === '<=') return value;
  if (op === '>' || op === '>=') return -value;
  return Math.abs(value - limit);
}

/** Within a billionth (relative) counts as equal: percentages and sums are floating point. */
export function compare(actual: number, op: Operator, limit: number): boolean {
  const equal = Math.abs(actual - limit) <= 1e-9 * Math.max(1, Math.abs(limit));
  switch (op) {
    case '<':
      return actual < limit && !equal;
    case '<=':
      return actual < limit || equal;
    case '>':
      return actual > limit && !equal;
    case '>=':
      return actual > limit || equal;
    case '==':
      return equal;
  }
}

function measure(assertion: Assertion, selection: Selection, ctx: TraceCache): Measured {
  const { metric, op, limit } = assertion;
  const samples = selection.samples;
  const traces = [...selection.byTrace];
  const worse = (a: number, b: number): boolean => badness(op, a, limit) > badness(op, b, limit);
  switch (metric.kind) {
    case 'percentile':
    case 'avg':
    case 'min':
    case 'max':
    case 'med': {
      const sorted = sortedNumbers(samples.map((s) => s.valueMs));
      let actual: number | null = null;
      if (sorted.length > 0) {
        if (metric.kind === 'percentile') actual = percentile(sorted, metric.p);
        else if (metric.kind === 'med') actual = percentile(sorted, 50);
        else if (metric.kind === 'min') actual = sorted[0]!;
        else if (metric.kind === 'max') actual = sorted[sorted.length - 1]!;
        else actual = sorted.reduce((a, b) => a + b, 0) / sorted.length;
      }
      // A trace is as bad as its worst sample.
      const perTrace = traces.map(([trace, picked]) => {
        let worst = picked[0]!;
        for (const s of picked) if (worse(s.valueMs, worst.valueMs)) worst = s;
        return { trace, value: worst.valueMs, worstSample: worst };
      });
      return { actual, perTrace };
    }
    case 'count':
      return { actual: samples.length, perTrace: traces.map(([trace, picked]) => ({ trace, value: picked.length })) };
    case 'error_rate': {
      const errors = samples.filter((s) => isErrorSpan(s.span)).length;
      return {
        actual: samples.length > 0 ? errors / samples.length : null,
        perTrace: traces.map(([trace, picked]) => ({ trace, value: picked.filter((s) => isErrorSpan(s.span)).length / picked.length })),
      };
    }
    case 'hit_ratio': {
      let hits = 0;
      let lookups = 0;
      const perTrace: Measured['perTrace'] = [];
      for (const [trace, picked] of traces) {
        let h = 0;
        let n = 0;
        for (const s of picked) {
          const signal = readCacheSignal(s.span);
          if (signal?.outcome === 'hit' || signal?.outcome === 'miss') {
            n++;
            if (signal.outcome === 'hit') h++;
          }
        }
        if (n > 0) perTrace.push({ trace, value: h / n });
        hits += h;
        lookups += n;
      }
      return { actual: lookups > 0 ? hits / lookups : null, perTrace };
    }
    case 'critical_share': {
      let critical = 0;
      let total = 0;
      const perTrace = traces.map(([trace, picked]) => {
        const bySpan = ctx.path(trace).bySpan;
        const ms = picked.reduce((sum, s) => sum + (bySpan.get(s.span.spanId) ?? 0), 0);
        critical += ms;
        total += trace.durationMs;
        return { trace, value: trace.durationMs > 0 ? ms / trace.durationMs : 0 };
      });
      return { actual: total > 0 ? critical / total : null, perTrace };
    }
    case 'count_per_trace':
    case 'sum_per_trace': {
      const perTrace: Measured['perTrace'] = [];
      const attribute = metric.kind === 'sum_per_trace' ? metric.attribute : null;
      for (const [trace, picked] of traces) {
        if (attribute === null) {
          perTrace.push({ trace, value: picked.length });
          continue;
        }
        let total = 0;
        let found = false;
        for (const s of picked) {
          const v = numberAttribute(s.span.attributes[attribute]);
          if (v !== null) {
            total += v;
            found = true;
          }
        }
        if (found) perTrace.push({ trace, value: total });
      }
      let actual: number | null = null;
      for (const t of perTrace) if (actual === null || worse(t.value, actual)) actual = t.value;
      return { actual, perTrace };
    }
  }
}

function evaluateAssertion(budget: Budget, assertion: Assertion, selection: Selection, enough: boolean, ctx: TraceCache): { row: BudgetResult; measured: Measured } {
  const measured = measure(assertion, selection, ctx);
  return { row: assertionRow(budget, assertion, selection, measured, enough, ctx), measured };
}

function assertionRow(budget: Budget, assertion: Assertion, selection: Selection, measured: Measured, enough: boolean, ctx: TraceCache): BudgetResult {
  const base = {
    budget: budget.name,
    kind: 'assertion' as const,
    assertion: assertion.text,
    metric: assertion.metricName,
    op: assertion.op,
    unit: assertion.unit,
    line: assertion.line,
    actual: measured.actual,
    limit: assertion.limit,
    limitText: assertion.limitText,
    samples: selection.samples.length,
    traces: selection.byTrace.size,
    minSamples: budget.minSamples,
    worstTraces: [],
    breakdown: null,
  };
  const missing: ResultStatus = budget.onMissing === 'skip' ? 'skip' : 'fail';
  if (!enough) return { ...base, status: missing, reason: 'too-few-samples' };
  if (measured.actual === null) return { ...base, status: missing, reason: 'no-data' };
  if (compare(measured.actual, assertion.op, assertion.limit)) return { ...base, status: 'pass', reason: 'met' };
  const { worstTraces, breakdown } = worst(assertion, measured, selection, ctx);
  return { ...base, status: 'fail', reason: 'broken', worstTraces, breakdown };
}

/**
 * The traces to look at first when an assertion breaks: those that break it on their own,
 * worst first (when none does, as when many small counts add up, simply the worst ones);
 * and the critical path behind the first. For duration metrics that is the path inside
 * the worst sample, otherwise the whole trace's.
 */
function worst(assertion: Assertion, measured: Measured, selection: Selection, ctx: TraceCache): { worstTraces: TraceValue[]; breakdown: Breakdown | null } {
  const { op, limit } = assertion;
  const ranked = [...measured.perTrace].sort(
    (a, b) => badness(op, b.value, limit) - badness(op, a.value, limit) || a.trace.traceId.localeCompare(b.trace.traceId),
  );
  const breaking = ranked.filter((t) => !compare(t.value, op, limit));
  const top = (breaking.length > 0 ? breaking : ranked).slice(0, WORST_TRACES);
  const first = top[0];
  let breakdown: Breakdown | null = null;
  if (first) {
    const sample = first.worstSample;
    if (sample && !selection.roots) {
      breakdown = breakdownOf(first.trace, sample.span, spanCriticalPath(first.trace, sample.span), sample.span.durationMs);
    } else {
      const root = rootSpan(first.trace);
      if (root) breakdown = breakdownOf(first.trace, root, ctx.path(first.trace).sections, first.trace.durationMs);
    }
  }
  return { worstTraces: top.map((t) => ({ traceId: t.trace.traceId, value: t.value })), breakdown };
}

// ---------------------------------------------------------------------------------------
// Baselines
// ---------------------------------------------------------------------------------------

/**
 * A regression check of one assertion against the baseline's value of the same metric in
 * the budget of the same name. Worse means higher for `<`/`<=` and lower for `>`/`>=`;
 * `==` has no direction and is not compared. The change is relative to the baseline: from
 * a baseline of 0, any worsening is an infinite regression.
 */
function compareWithBaseline(
  budget: Budget,
  row: BudgetResult,
  assertion: Assertion,
  threshold: number,
  baseline: Baseline,
  warnings: string[],
): BudgetResult | null {
  if (assertion.op === '==') return null;
  const before = baseline.results.find((r) => r.name === budget.name && r.metric === assertion.metricName);
  if (!before) {
    warnings.push(`budget "${budget.name}": the baseline has no ${assertion.metricName} to compare with`);
    return null;
  }
  if (before.actual === null || row.actual === null) {
    warnings.push(`budget "${budget.name}": ${assertion.metricName} has no value ${before.actual === null ? 'in the baseline' : 'now'}; not compared`);
    return null;
  }
  const higherIsWorse = assertion.op === '<' || assertion.op === '<=';
  const worsening = higherIsWorse ? row.actual - before.actual : before.actual - row.actual;
  const change = before.actual !== 0 ? worsening / Math.abs(before.actual) : worsening > 0 ? Infinity : 0;
  const op: Operator = higherIsWorse ? '<=' : '>=';
  const limit = higherIsWorse ? before.actual * (1 + threshold) : before.actual * (1 - threshold);
  const regressed = !compare(row.actual, op, limit);
  return {
    ...row,
    kind: 'regression',
    assertion: `${assertion.metricName} within ${higherIsWorse ? '+' : '-'}${+(threshold * 100).toFixed(6)}% of baseline`,
    op,
    limit,
    limitText: null,
    status: regressed ? 'fail' : 'pass',
    reason: regressed ? 'regressed' : 'within-regression',
    worstTraces: [],
    breakdown: null,
    baseline: before.actual,
    change,
    maxRegression: threshold,
  };
}

/** The operations whose critical-path time per sample grew the most since the baseline. */
function attribute(current: readonly OperationTime[], before: readonly OperationTime[]): OperationChange[] {
  const key = (o: OperationTime): string => operationKey(o.service, o.name);
  const then = new Map(before.map((o) => [key(o), o.ms]));
  const now = new Map(current.map((o) => [key(o), o]));
  const changes: OperationChange[] = [];
  for (const op of current) {
    const baselineMs = then.get(key(op)) ?? 0;
    changes.push({ service: op.service, name: op.name, baselineMs, currentMs: op.ms, deltaMs: op.ms - baselineMs });
  }
  for (const op of before) {
    if (!now.has(key(op))) changes.push({ service: op.service, name: op.name, baselineMs: op.ms, currentMs: 0, deltaMs: -op.ms });
  }
  return changes
    .filter((c) => c.deltaMs > 0)
    .sort((a, b) => b.deltaMs - a.deltaMs || a.name.localeCompare(b.name) || a.service.localeCompare(b.service))
    .slice(0, ATTRIBUTION);
}

/**
 * Reads the `--json` output of an earlier check; null when `json` is not one. Only what a
 * comparison needs is kept: each assertion's actual value, and each budget's critical-path
 * composition (missing in a baseline only loses the attribution).
 */
export function readBaseline(json: unknown): Baseline | null {
  if (typeof json !== 'object' || json === null) return null;
  const body = json as { schema?: unknown; results?: unknown; budgets?: unknown };
  if (body.schema !== 'tracectl/v1' || !Array.isArray(body.results)) return null;
  const results: Baseline['results'] = [];
  for (const r of body.results as unknown[]) {
    if (typeof r !== 'object' || r === null) return null;
    const { name, metric, actual, kind } = r as Record<string, unknown>;
    if (typeof name !== 'string' || typeof metric !== 'string') return null;
    if (kind !== undefined && kind !== 'assertion') continue;
    results.push({ name, metric, actual: typeof actual === 'number' && Number.isFinite(actual) ? actual : null });
  }
  const budgets = new Map<string, OperationTime[]>();
  if (Array.isArray(body.budgets)) {
    for (const b of body.budgets as unknown[]) {
      const { name, criticalPath: ops } = (b ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string' || !Array.isArray(ops)) continue;
      budgets.set(
        name,
        (ops as unknown[]).flatMap((o) => {
          const { service, name: opName, msPerSample } = (o ?? {}) as Record<string, unknown>;
          return typeof service === 'string' && typeof opName === 'string' && typeof msPerSample === 'number' ? [{ service, name: opName, ms: msPerSample }] : [];
        }),
      );
    }
  }
  return { results, budgets };
}

/** `*` any run of characters (including `/`), `?` one character; everything else literal. */
export function globToRegExp(glob: string): LinearRegex {
  // RE2 (model/regex.ts): `*a*b*` is linear in the name, where a backtracking RegExp is quadratic.
  return linearGlob(glob);
}
