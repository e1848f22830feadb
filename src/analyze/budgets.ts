import { numberAttribute } from '../model/attributes.js';
import { isErrorSpan, rootSpan } from '../model/error-span.js';
import { operationKey } from '../model/operation.js';
import { spanMatchesCondition } from '../model/query.js';
import { linearGlob, type LinearRegex } from '../model/regex.js';
import type { Ms, Span, Trace } from '../model/span.js';
import { foldTraces, type MergeableAccumulator } from './accumulator.js';
import type { Assertion, Budget, BudgetFile, BudgetSelect, LlmStat, Operator, Unit } from './budget-spec.js';
import { readCacheSignal } from './cache.js';
import { attributeLatency } from './compare.js';
import { criticalPath, criticalTimeBySpan, type CriticalSection } from './critical-path.js';
import { findInsights, type Finding } from './insights.js';
import { hasUsage, totalInputTokens } from './llm-dialects.js';
import { isRateLimited, llmCalls } from './llm.js';
import { costOf, type PriceOverrides } from './prices.js';
import { addExact, compareText, exactSum, QuantileSketch, type ExactSum, type SketchState } from './stats.js';
import { pushAll, maxOf } from '../model/arrays.js';

/**
 * Evaluates a budgets file over traces: the analysis behind `tracectl check`.
 *
 * Definitions (also in the README, "CI gate"):
 * - The **samples** of a budget are its selected spans. A span selected with `root: true`
 *   (or by an empty select) is measured by its trace's duration; any other span by its own.
 * - `p(N)`, `avg`, `min`, `max`, `med`: over the samples' durations (percentiles as
 *   `stats.percentile`, linear interpolation, exact up to 10,000 samples and within 1% past
 *   that). `count`: the number of samples.
 * - `error_rate`: the share of samples that are error spans (`isErrorSpan`; for roots:
 *   failed traces, as `errors` counts them).
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

/** How many traces each assertion keeps as candidates for its worst traces. */
const CANDIDATES = WORST_TRACES;

/** A trace as a candidate for an assertion's worst traces, with the critical path behind it. */
interface Candidate {
  traceId: string;
  value: number;
  breakdown: Breakdown | null;
}

/** What one assertion keeps while traces stream by: its worst traces, and the sum of the per-trace values. */
interface AssertionState {
  /** The `CANDIDATES` worst traces so far, worst first (ties by trace id). */
  worst: Candidate[];
  /** Per-trace values added up, over the traces that had one (findings, findings_rate). */
  total: number;
  traces: number;
}

/** What one budget keeps while traces stream by: enough to give every metric and the composition. */
interface BudgetTally {
  samples: number;
  traces: number;
  /** The samples' durations (for roots, the trace's): percentiles, average, minimum, maximum. */
  durations: SketchState;
  minMs: Ms | null;
  maxMs: Ms | null;
  errors: number;
  hits: number;
  lookups: number;
  criticalMs: ExactSum;
  /** Summed durations of the traces holding a sample: the denominator of critical_share. */
  tracesMs: ExactSum;
  /** Critical-path time per operation inside the outermost samples, and how many there were. */
  composition: Array<{ service: string; name: string; ms: ExactSum }>;
  outermost: number;
  /** LLM calls among the budget's spans (only counted when an assertion asks about them). */
  llm: { calls: number; errors: number; rateLimited: number; ttft: SketchState; tokens: SketchState; cost: SketchState };
  assertions: AssertionState[];
}

/** A `BudgetAccumulator` as plain data, for `merge` in another thread. */
export interface BudgetState {
  traces: number;
  budgets: BudgetTally[];
}

export interface BudgetAnalysisOptions extends EvaluateOptions {
  file: BudgetFile;
  /** `--prices`: for `cost_per_request`. */
  prices?: PriceOverrides | null;
}

/** Evaluates `file` over a list of traces: `BudgetAccumulator` folded over them. */
export function evaluateBudgets(traces: Iterable<Trace>, file: BudgetFile, options: EvaluateOptions = {}): CheckReport {
  return foldTraces(new BudgetAccumulator({ ...options, file }), traces);
}

interface LiveBudget {
  budget: Budget;
  matches: (span: Span) => boolean;
  roots: boolean;
  durations: QuantileSketch;
  composition: Map<string, { service: string; name: string; ms: ExactSum }>;
  /** Whether an assertion reads LLM calls, and their series. */
  readsLlm: boolean;
  llm: { ttft: QuantileSketch; tokens: QuantileSketch; cost: QuantileSketch };
  tally: BudgetTally;
}

/**
 * The budgets of a check, one trace at a time: each budget keeps counts, a percentile
 * sketch of its samples' durations, exact sums, the critical-path composition per operation
 * and, per assertion, its few worst traces with their breakdowns — never the traces. So
 * `check` reads in memory bounded by `--window`, on several threads like the other analyses.
 * Percentiles are exact up to 10,000 samples per budget and within 1% past that
 * (`QuantileSketch`).
 */
export class BudgetAccumulator implements MergeableAccumulator<CheckReport, BudgetState> {
  private readonly live: LiveBudget[];
  private traces = 0;

  constructor(private readonly options: BudgetAnalysisOptions) {
    this.live = options.file.budgets.map((budget) => ({
      budget,
      matches: spanMatcher(budget.select),
      roots: budget.select.root === true || isEmptySelect(budget.select),
      durations: new QuantileSketch(),
      composition: new Map(),
      readsLlm: budget.assertions.some((a) => a.metric.kind === 'llm' || a.metric.kind === 'llm_error_rate' || a.metric.kind === 'rate_limit_rate'),
      llm: { ttft: new QuantileSketch(), tokens: new QuantileSketch(), cost: new QuantileSketch() },
      tally: {
        samples: 0,
        traces: 0,
        durations: new QuantileSketch().state(),
        minMs: null,
        maxMs: null,
        errors: 0,
        hits: 0,
        lookups: 0,
        criticalMs: [],
        tracesMs: [],
        composition: [],
        outermost: 0,
        llm: { calls: 0, errors: 0, rateLimited: 0, ttft: new QuantileSketch().state(), tokens: new QuantileSketch().state(), cost: new QuantileSketch().state() },
        assertions: budget.assertions.map(() => ({ worst: [], total: 0, traces: 0 })),
      },
    }));
  }

  add(trace: Trace): void {
    this.traces++;
    let rootPath: { sections: CriticalSection[]; bySpan: Map<string, Ms> } | null = null;
    const path = (): { sections: CriticalSection[]; bySpan: Map<string, Ms> } => {
      if (rootPath === null) {
        const sections = criticalPath(trace);
        rootPath = { sections, bySpan: criticalTimeBySpan(sections) };
      }
      return rootPath;
    };
    let findings: Finding[] | null = null;
    const insights = (): Finding[] => (findings ??= findInsights(trace));
    let calls: ReturnType<typeof llmCalls> | null = null;
    const llm = (): ReturnType<typeof llmCalls> => (calls ??= llmCalls(trace).filter((c) => c.call.role === 'model' && !c.wrapper));
    for (const live of this.live) {
      const samples = selectSamples(trace, live);
      if (samples.length > 0) this.addSamples(live, trace, samples, path, insights, llm);
    }
  }

  private addSamples(
    live: LiveBudget,
    trace: Trace,
    picked: Sample[],
    path: () => { sections: CriticalSection[]; bySpan: Map<string, Ms> },
    insights: () => Finding[],
    llm: () => ReturnType<typeof llmCalls>,
  ): void {
    const t = live.tally;
    const usage = live.readsLlm ? this.llmUsage(live, picked, llm) : null;
    t.samples += picked.length;
    t.traces++;
    let errors = 0;
    let hits = 0;
    let lookups = 0;
    for (const s of picked) {
      live.durations.add(s.valueMs);
      if (t.minMs === null || s.valueMs < t.minMs) t.minMs = s.valueMs;
      if (t.maxMs === null || s.valueMs > t.maxMs) t.maxMs = s.valueMs;
      if (isErrorSpan(s.span)) errors++;
      const signal = readCacheSignal(s.span);
      if (signal?.outcome === 'hit' || signal?.outcome === 'miss') {
        lookups++;
        if (signal.outcome === 'hit') hits++;
      }
    }
    t.errors += errors;
    t.hits += hits;
    t.lookups += lookups;
    const bySpan = path().bySpan;
    let criticalMs = 0;
    for (const s of picked) criticalMs += bySpan.get(s.span.spanId) ?? 0;
    addExact(t.criticalMs, criticalMs);
    addExact(t.tracesMs, trace.durationMs);

    // Composition: the critical path inside each outermost sample, so nested selections count once.
    const selected = new Set(picked.map((s) => s.span.spanId));
    for (const sample of picked) {
      if (!live.roots && hasSelectedAncestor(trace, sample.span, selected)) continue;
      t.outermost++;
      const sections = live.roots ? path().sections : spanCriticalPath(trace, sample.span);
      for (const section of sections) {
        const span = trace.byId.get(section.spanId);
        if (!span) continue;
        const key = operationKey(span.service, span.name);
        let op = live.composition.get(key);
        if (!op) {
          op = { service: span.service, name: span.name, ms: [] };
          live.composition.set(key, op);
        }
        addExact(op.ms, section.endMs - section.startMs);
      }
    }

    live.budget.assertions.forEach((assertion, i) => {
      const measured = traceValue(assertion, trace, picked, { errors, hits, lookups, criticalMs }, insights, usage);
      if (measured === null) return;
      const state = t.assertions[i]!;
      state.total += measured.value;
      state.traces++;
      const candidate = { traceId: trace.traceId, value: measured.value, breakdown: null };
      if (!makesTheCut(state.worst, candidate, assertion)) return;
      state.worst = keepWorst([...state.worst, { ...candidate, breakdown: breakdownFor(trace, measured.sample, live.roots, path) }], assertion);
    });
  }

  /**
   * The LLM calls among a budget's spans in one trace (for a budget of roots, every call in
   * the trace), added to its series; what the trace's own values are.
   */
  private llmUsage(live: LiveBudget, picked: readonly Sample[], llm: () => ReturnType<typeof llmCalls>): TraceLlm {
    const ids = live.roots ? null : new Set(picked.map((s) => s.span.spanId));
    const calls = llm().filter((c) => ids === null || ids.has(c.span.spanId));
    const usage: TraceLlm = { calls: calls.length, errors: 0, rateLimited: 0, ttfts: [], tokens: 0, costUsd: null };
    for (const { span, call } of calls) {
      if (isErrorSpan(span)) usage.errors++;
      if (isRateLimited(span)) usage.rateLimited++;
      if (call.ttftMs !== null) usage.ttfts.push(call.ttftMs);
      usage.tokens += (hasUsage(call) ? totalInputTokens(call) : 0) + (call.outputTokens ?? 0);
      const usd = costOf(call, this.options.prices ?? null);
      if (usd !== null) usage.costUsd = (usage.costUsd ?? 0) + usd;
    }
    const t = live.tally.llm;
    t.calls += usage.calls;
    t.errors += usage.errors;
    t.rateLimited += usage.rateLimited;
    for (const ms of usage.ttfts) live.llm.ttft.add(ms);
    if (calls.length > 0) {
      live.llm.tokens.add(usage.tokens);
      if (usage.costUsd !== null) live.llm.cost.add(usage.costUsd);
    }
    return usage;
  }

  state(): BudgetState {
    return {
      traces: this.traces,
      budgets: this.live.map((live) => ({
        ...live.tally,
        llm: { ...live.tally.llm, ttft: live.llm.ttft.state(), tokens: live.llm.tokens.state(), cost: live.llm.cost.state() },
        durations: live.durations.state(),
        composition: [...live.composition.values()].map((op) => ({ service: op.service, name: op.name, ms: [...op.ms] })),
        criticalMs: [...live.tally.criticalMs],
        tracesMs: [...live.tally.tracesMs],
        assertions: live.tally.assertions.map((a) => ({ ...a, worst: a.worst.map((c) => ({ ...c })) })),
      })),
    };
  }

  merge(state: BudgetState): void {
    if (state.budgets.length !== this.live.length) throw new Error('cannot merge the states of different budgets files');
    this.traces += state.traces;
    state.budgets.forEach((other, b) => {
      const live = this.live[b]!;
      const t = live.tally;
      t.samples += other.samples;
      t.traces += other.traces;
      live.durations.merge(other.durations);
      if (other.minMs !== null && (t.minMs === null || other.minMs < t.minMs)) t.minMs = other.minMs;
      if (other.maxMs !== null && (t.maxMs === null || other.maxMs > t.maxMs)) t.maxMs = other.maxMs;
      t.errors += other.errors;
      t.hits += other.hits;
      t.lookups += other.lookups;
      for (const partial of other.criticalMs) addExact(t.criticalMs, partial);
      for (const partial of other.tracesMs) addExact(t.tracesMs, partial);
      t.outermost += other.outermost;
      t.llm.calls += other.llm.calls;
      t.llm.errors += other.llm.errors;
      t.llm.rateLimited += other.llm.rateLimited;
      live.llm.ttft.merge(other.llm.ttft);
      live.llm.tokens.merge(other.llm.tokens);
      live.llm.cost.merge(other.llm.cost);
      for (const op of other.composition) {
        const key = operationKey(op.service, op.name);
        let mine = live.composition.get(key);
        if (!mine) {
          mine = { service: op.service, name: op.name, ms: [] };
          live.composition.set(key, mine);
        }
        for (const partial of op.ms) addExact(mine.ms, partial);
      }
      live.budget.assertions.forEach((assertion, i) => {
        const mine = t.assertions[i]!;
        const theirs = other.assertions[i]!;
        mine.worst = keepWorst([...mine.worst, ...theirs.worst], assertion);
        mine.total += theirs.total;
        mine.traces += theirs.traces;
      });
    });
  }

  result(): CheckReport {
    const { options } = this;
    const results: BudgetResult[] = [];
    const budgets: BudgetSummary[] = [];
    const warnings: string[] = [];
    for (const live of this.live) {
      const { budget, tally } = live;
      const rows: BudgetResult[] = [];
      const enough = tally.samples >= budget.minSamples;
      const composition = [...live.composition.values()]
        .map((op) => ({ service: op.service, name: op.name, ms: exactSum(op.ms) / tally.outermost }))
        .sort(byMsThenName)
        .slice(0, MAX_OPERATIONS);
      budget.assertions.forEach((assertion, i) => {
        const worst = tally.assertions[i]!.worst;
        const actual = actualValue(assertion, live, tally.assertions[i]!);
        const row = assertionRow(budget, assertion, tally, actual, enough, worst);
        rows.push(row);
        const threshold = budget.regression ?? options.maxRegression ?? options.file.defaultRegression;
        if (options.baseline && threshold !== null && row.reason !== 'too-few-samples') {
          const regression = compareWithBaseline(budget, row, assertion, threshold, options.baseline, warnings);
          if (regression?.status === 'fail') {
            Object.assign(regression, worstOf(worst, regression.op, regression.limit));
            regression.attribution = attribute(composition, options.baseline.budgets.get(budget.name) ?? []);
          }
          if (regression) rows.push(regression);
        }
      });
      pushAll(results, rows);
      const status: ResultStatus = rows.some((r) => r.status === 'fail') ? 'fail' : rows.some((r) => r.status === 'skip') ? 'skip' : 'pass';
      budgets.push({
        name: budget.name,
        line: budget.line,
        status,
        samples: tally.samples,
        traces: tally.traces,
        minSamples: budget.minSamples,
        onMissing: budget.onMissing,
        select: budget.selectText,
        criticalPath: composition,
      });
    }
    return { traces: this.traces, passed: results.every((r) => r.status !== 'fail'), budgets, results, warnings };
  }
}

// ---------------------------------------------------------------------------------------
// Selection
// ---------------------------------------------------------------------------------------

interface Sample {
  span: Span;
  /** Duration the sample is measured by. */
  valueMs: Ms;
}

function isEmptySelect(s: BudgetSelect): boolean {
  return s.service === undefined && s.name === undefined && s.kind === undefined && s.root === undefined && s.where.length === 0;
}

function spanMatcher(s: BudgetSelect): (span: Span) => boolean {
  const service = s.service === undefined ? null : globToRegExp(s.service);
  const name = s.name === undefined ? null : globToRegExp(s.name);
  return (span) =>
    (service === null || service.test(span.service)) &&
    (name === null || name.test(span.name)) &&
    (s.kind === undefined || span.kind === s.kind) &&
    s.where.every((c) => spanMatchesCondition(span, c));
}

/** The spans of one trace a budget measures. An empty select is the trace's root. */
function selectSamples(trace: Trace, live: LiveBudget): Sample[] {
  const root = rootSpan(trace);
  const candidates = live.roots ? (root ? [root] : []) : trace.spans;
  const picked: Sample[] = [];
  for (const span of candidates) {
    if (live.budget.select.root === false && span === root) continue;
    if (!live.matches(span)) continue;
    picked.push({ span, valueMs: live.roots ? trace.durationMs : span.durationMs });
  }
  return picked;
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

/**
 * The critical path behind a worst trace: for duration metrics the path inside the worst
 * sample, otherwise (and for roots) the whole trace's.
 */
function breakdownFor(trace: Trace, sample: Sample | null, roots: boolean, path: () => { sections: CriticalSection[] }): Breakdown | null {
  if (sample && !roots) return breakdownOf(trace, sample.span, spanCriticalPath(trace, sample.span), sample.span.durationMs);
  const root = rootSpan(trace);
  return root ? breakdownOf(trace, root, path().sections, trace.durationMs) : null;
}

// ---------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------

/** One trace's LLM calls among a budget's spans. */
interface TraceLlm {
  calls: number;
  errors: number;
  rateLimited: number;
  ttfts: Ms[];
  tokens: number;
  costUsd: number | null;
}

/** A statistic of a series; null when it is empty. */
function statOf(series: QuantileSketch, stat: LlmStat): number | null {
  if (series.count === 0) return null;
  switch (stat.kind) {
    case 'percentile':
      return series.percentile(stat.p);
    case 'med':
      return series.percentile(50);
    case 'min':
      return series.percentile(0);
    case 'max':
      return series.percentile(100);
    case 'avg':
      return series.total / series.count;
  }
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

/** Worst first, ties by trace id: an order that does not depend on the order traces arrive in. */
function rank(assertion: Pick<Assertion, 'op' | 'limit'>): (a: Candidate, b: Candidate) => number {
  const { op, limit } = assertion;
  return (a, b) => badness(op, b.value, limit) - badness(op, a.value, limit) || compareText(a.traceId, b.traceId);
}

function keepWorst(candidates: Candidate[], assertion: Assertion): Candidate[] {
  return candidates.sort(rank(assertion)).slice(0, CANDIDATES);
}

/** Whether a trace would be among the worst kept, before its breakdown is worked out. */
function makesTheCut(worst: readonly Candidate[], candidate: Candidate, assertion: Assertion): boolean {
  return worst.length < CANDIDATES || rank(assertion)(candidate, worst[worst.length - 1]!) < 0;
}

/**
 * One trace's value of a metric (what ranks it among the worst traces), and for duration
 * metrics the sample that gave it; null when the trace has no value (no lookups, no
 * attribute).
 */
function traceValue(
  assertion: Assertion,
  trace: Trace,
  picked: readonly Sample[],
  counts: { errors: number; hits: number; lookups: number; criticalMs: Ms },
  insights: () => Finding[],
  llm: TraceLlm | null,
): { value: number; sample: Sample | null } | null {
  const { metric, op, limit } = assertion;
  switch (metric.kind) {
    case 'percentile':
    case 'avg':
    case 'min':
    case 'max':
    case 'med': {
      // A trace is as bad as its worst sample.
      let worst = picked[0]!;
      for (const s of picked) if (badness(op, s.valueMs, limit) > badness(op, worst.valueMs, limit)) worst = s;
      return { value: worst.valueMs, sample: worst };
    }
    case 'count':
    case 'count_per_trace':
      return { value: picked.length, sample: null };
    case 'error_rate':
      return { value: counts.errors / picked.length, sample: null };
    case 'hit_ratio':
      return counts.lookups > 0 ? { value: counts.hits / counts.lookups, sample: null } : null;
    case 'critical_share':
      return { value: trace.durationMs > 0 ? counts.criticalMs / trace.durationMs : 0, sample: null };
    case 'llm': {
      if (llm === null || llm.calls === 0) return null;
      if (metric.of === 'ttft') return llm.ttfts.length > 0 ? { value: maxOf(llm.ttfts), sample: null } : null;
      if (metric.of === 'tokens_per_request') return { value: llm.tokens, sample: null };
      return llm.costUsd === null ? null : { value: llm.costUsd, sample: null };
    }
    case 'llm_error_rate':
      return llm === null || llm.calls === 0 ? null : { value: llm.errors / llm.calls, sample: null };
    case 'rate_limit_rate':
      return llm === null || llm.calls === 0 ? null : { value: llm.rateLimited / llm.calls, sample: null };
    case 'findings':
    case 'findings_rate': {
      const n = insights().filter((f) => f.pattern === metric.pattern).length;
      return { value: metric.kind === 'findings' ? n : Number(n > 0), sample: null };
    }
    case 'sum_per_trace': {
      let total = 0;
      let found = false;
      for (const s of picked) {
        const v = numberAttribute(s.span.attributes[metric.attribute]);
        if (v !== null) {
          total += v;
          found = true;
        }
      }
      return found ? { value: total, sample: null } : null;
    }
  }
}

/** The metric's value over everything the budget saw; null without data. */
function actualValue(assertion: Assertion, live: LiveBudget, state: AssertionState): number | null {
  const { metric } = assertion;
  const t = live.tally;
  switch (metric.kind) {
    case 'percentile':
      return t.samples > 0 ? live.durations.percentile(metric.p) : null;
    case 'med':
      return t.samples > 0 ? live.durations.percentile(50) : null;
    case 'min':
      return t.minMs;
    case 'max':
      return t.maxMs;
    case 'avg':
      return t.samples > 0 ? live.durations.total / t.samples : null;
    case 'count':
      return t.samples;
    case 'error_rate':
      return t.samples > 0 ? t.errors / t.samples : null;
    case 'hit_ratio':
      return t.lookups > 0 ? t.hits / t.lookups : null;
    case 'critical_share': {
      const total = exactSum(t.tracesMs);
      return total > 0 ? exactSum(t.criticalMs) / total : null;
    }
    case 'count_per_trace':
    case 'sum_per_trace':
      // The budget breaks if any trace breaks it: the worst trace's value.
      return state.worst[0]?.value ?? null;
    case 'llm': {
      const series = metric.of === 'ttft' ? live.llm.ttft : metric.of === 'tokens_per_request' ? live.llm.tokens : live.llm.cost;
      return statOf(series, metric.stat);
    }
    case 'llm_error_rate':
      return t.llm.calls > 0 ? t.llm.errors / t.llm.calls : null;
    case 'rate_limit_rate':
      return t.llm.calls > 0 ? t.llm.rateLimited / t.llm.calls : null;
    case 'findings':
      return state.total;
    case 'findings_rate':
      return state.traces > 0 ? state.total / state.traces : null;
  }
}

function assertionRow(budget: Budget, assertion: Assertion, tally: BudgetTally, actual: number | null, enough: boolean, worst: readonly Candidate[]): BudgetResult {
  const base = {
    budget: budget.name,
    kind: 'assertion' as const,
    assertion: assertion.text,
    metric: assertion.metricName,
    op: assertion.op,
    unit: assertion.unit,
    line: assertion.line,
    actual,
    limit: assertion.limit,
    limitText: assertion.limitText,
    samples: tally.samples,
    traces: tally.traces,
    minSamples: budget.minSamples,
    worstTraces: [],
    breakdown: null,
  };
  const missing: ResultStatus = budget.onMissing === 'skip' ? 'skip' : 'fail';
  if (!enough) return { ...base, status: missing, reason: 'too-few-samples' };
  if (actual === null) return { ...base, status: missing, reason: 'no-data' };
  if (compare(actual, assertion.op, assertion.limit)) return { ...base, status: 'pass', reason: 'met' };
  return { ...base, status: 'fail', reason: 'broken', ...worstOf(worst, assertion.op, assertion.limit) };
}

/**
 * The traces to look at first when an assertion breaks: those that break it on their own,
 * worst first (when none does, as when many small counts add up, simply the worst ones);
 * and the critical path behind the first. Traces that break a limit are the worst by the
 * same order, so they lead the candidates kept.
 */
function worstOf(worst: readonly Candidate[], op: Operator, limit: number): { worstTraces: TraceValue[]; breakdown: Breakdown | null } {
  const breaking = worst.filter((c) => !compare(c.value, op, limit));
  const top = breaking.length > 0 ? breaking : worst;
  return { worstTraces: top.map((c) => ({ traceId: c.traceId, value: c.value })), breakdown: top[0]?.breakdown ?? null };
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

/** The operations whose critical-path time per sample grew the most since the baseline: the first of `compare`'s attribution. */
function attribute(current: readonly OperationTime[], before: readonly OperationTime[]): OperationChange[] {
  return attributeLatency(current, before)
    .filter((c) => c.deltaMs > 0)
    .slice(0, ATTRIBUTION);
}

/** `*` any run of characters (including `/`), `?` one character; everything else literal. */
export function globToRegExp(glob: string): LinearRegex {
  // RE2 (model/regex.ts): `*a*b*` is linear in the name, where a backtracking RegExp is quadratic.
  return linearGlob(glob);
}
