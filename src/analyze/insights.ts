import { textAttribute } from '../model/attributes.js';
import { httpStatus, isErrorSpan } from '../model/error-span.js';
import { operationKey } from '../model/operation.js';
import type { Ms, Span, Trace } from '../model/span.js';
import { traceStartNs } from '../model/time.js';
import type { MergeableAccumulator } from './accumulator.js';
import { CacheAccumulator, type CacheState } from './cache.js';
import { criticalPath } from './critical-path.js';
import { isTimeout, timeoutSuspect } from './errors.js';
import { addExact, compareText, exactSum, QuantileSketch, type ExactSum, type SketchState } from './stats.js';
import { pushAll } from '../model/arrays.js';

/**
 * Performance anti-patterns found deterministically in a trace (docs/commands.md
 * "insights"), each with the time it costs. Every detector is a pure function of one trace;
 * `InsightsAccumulator` groups their findings across many traces.
 *
 * The rule that tells a serial loop from a fan-out compares the sum of the siblings'
 * durations with the window they span (Jaeger's analysis "skills" found that a detector
 * based on near-identical siblings scores an overlapping fan-out higher than a real N+1):
 * calls run one after another when their durations add up to no more than their window,
 * give or take `overlapTolerance`.
 */

export const INSIGHT_PATTERNS = ['n_plus_one', 'sequential_calls', 'retry_loop', 'repeated_call', 'masked_timeout', 'cache_not_paying'] as const;
export type InsightPattern = (typeof INSIGHT_PATTERNS)[number];

/** One anti-pattern in one trace. */
export interface Finding {
  pattern: InsightPattern;
  /** The operation repeated or waited on (for sequential calls, the first of them). */
  service: string;
  name: string;
  /** The span whose children the pattern is among; null when it spans the trace (repeated calls, caches). */
  parentSpanId: string | null;
  parentService: string | null;
  parentName: string | null;
  spanIds: string[];
  count: number;
  /** From the first member's start to the last one's end. */
  wallMs: Ms;
  /** The members' durations added up. */
  sumMs: Ms;
  /** What fixing it could save on the trace's critical path. */
  savableMs: Ms;
  /** One sentence for a human: the numbers behind the finding. */
  evidence: string;
}

export interface InsightOptions {
  /** Siblings of one operation that make an N+1 (default 5). */
  minRepeats?: number;
  /** How much the members of a serial run may overlap, as a share of their window (default 0.1). */
  overlapTolerance?: number;
  /** Detectors to run; all by default. */
  patterns?: readonly InsightPattern[];
}

const DEFAULTS = { minRepeats: 5, overlapTolerance: 0.1 } as const;

/** Attributes that say what a call asked for: two calls with equal values asked for the same thing. */
const ARGUMENT_KEYS = ['db.query.text', 'db.statement', 'url.full', 'http.url', 'gen_ai.tool.call.arguments', 'rpc.request.body'] as const;

const end = (s: Span): Ms => s.startMs + s.durationMs;

/** Spans grouped by a key, in the order they come; a null key leaves a span out. */
function groupBy(spans: Iterable<Span>, keyOf: (span: Span) => string | null): Span[][] {
  const groups = new Map<string, Span[]>();
  for (const span of spans) {
    const key = keyOf(span);
    if (key === null) continue;
    const group = groups.get(key);
    if (group) group.push(span);
    else groups.set(key, [span]);
  }
  return [...groups.values()];
}
const byStart = (a: Span, b: Span): number => a.startMs - b.startMs || compareText(a.spanId, b.spanId);
const isCall = (s: Span): boolean => s.kind === 'client' || s.kind === 'producer';

/**
 * A database statement with its literals stripped, so `SELECT … WHERE id = 7` and `… id = 8`
 * are one shape: numbers, quoted strings and IN-lists become `?`.
 */
export function statementShape(statement: string): string {
  return statement
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/"(?:[^"\\]|\\.)*"/g, '?')
    .replace(/\b\d+(?:\.\d+)?\b/g, '?')
    .replace(/\(\s*\?(?:\s*,\s*\?)*\s*\)/g, '(?)')
    .replace(/\s+/g, ' ')
    .trim();
}

function statementOf(span: Span): string | null {
  return textAttribute(span.attributes['db.query.text']) ?? textAttribute(span.attributes['db.statement']);
}

/** Time of each span's subtree on the critical path. */
function criticalBelow(trace: Trace): Map<string, Ms> {
  const own = new Map<string, Ms>();
  for (const s of criticalPath(trace)) own.set(s.spanId, (own.get(s.spanId) ?? 0) + (s.endMs - s.startMs));
  const below = new Map<string, Ms>();
  // Tree order backwards: children before their parents.
  for (let i = trace.spans.length - 1; i >= 0; i--) {
    const s = trace.spans[i]!;
    const total = (below.get(s.spanId) ?? 0) + (own.get(s.spanId) ?? 0);
    below.set(s.spanId, total);
    if (s.parentSpanId !== null) below.set(s.parentSpanId, (below.get(s.parentSpanId) ?? 0) + total);
  }
  return below;
}

interface Run {
  spans: Span[];
  wallMs: Ms;
  sumMs: Ms;
  longestMs: Ms;
}

function measureRun(spans: Span[]): Run {
  const sorted = [...spans].sort(byStart);
  let last = -Infinity;
  let sumMs = 0;
  let longestMs = 0;
  for (const s of sorted) {
    last = Math.max(last, end(s));
    sumMs += s.durationMs;
    longestMs = Math.max(longestMs, s.durationMs);
  }
  return { spans: sorted, wallMs: last - sorted[0]!.startMs, sumMs, longestMs };
}

/** Whether a run's members ran one after another: their durations do not add up to more than their window (within the tolerance). */
export function runsSerially(run: Pick<Run, 'wallMs' | 'sumMs'>, tolerance: number): boolean {
  return run.sumMs <= run.wallMs * (1 + tolerance) + 1e-9;
}

function finding(pattern: InsightPattern, parent: Span | null, spans: Span[], run: Run, savableMs: Ms, evidence: string): Finding {
  const first = spans[0]!;
  return {
    pattern,
    service: first.service,
    name: first.name,
    parentSpanId: parent?.spanId ?? null,
    parentService: parent?.service ?? null,
    parentName: parent?.name ?? null,
    spanIds: spans.map((s) => s.spanId),
    count: spans.length,
    wallMs: run.wallMs,
    sumMs: run.sumMs,
    savableMs: Math.max(0, savableMs),
    evidence,
  };
}

const ms = (n: Ms): string => `${Math.round(n * 10) / 10}ms`;

/** The share of a run's time that lies on the critical path: what speeding it up can save. */
function onPathShare(run: Run, below: ReadonlyMap<string, Ms>): number {
  if (run.sumMs <= 0) return 0;
  let critical = 0;
  for (const s of run.spans) critical += below.get(s.spanId) ?? 0;
  return Math.min(1, critical / run.sumMs);
}

/**
 * N+1: at least `minRepeats` children of one parent with the same operation (or, for
 * database calls, the same statement once literals are stripped) that run one after
 * another. Batching them, or running them side by side, could save their window minus the
 * longest of them, as far as they are on the critical path.
 */
function nPlusOne(trace: Trace, parent: Span, children: readonly Span[], options: Required<Omit<InsightOptions, 'patterns'>>, below: ReadonlyMap<string, Ms>): Finding[] {
  const groups = groupBy(children, (child) => {
    const statement = statementOf(child);
    return statement === null ? operationKey(child.service, child.name) : `${operationKey(child.service, child.name)}\u0000${statementShape(statement)}`;
  });
  const findings: Finding[] = [];
  for (const group of groups) {
    if (group.length < options.minRepeats) continue;
    const run = measureRun(group);
    if (!runsSerially(run, options.overlapTolerance)) continue;
    const savable = (run.wallMs - run.longestMs) * onPathShare(run, below);
    findings.push(
      finding('n_plus_one', parent, run.spans, run, savable, `${run.spans.length} calls one after another: ${ms(run.sumMs)} summed in a ${ms(run.wallMs)} window; batched or concurrent, the longest takes ${ms(run.longestMs)}`),
    );
  }
  return findings;
}

/**
 * Calls that could run side by side: two or more sibling client calls to different
 * operations, back to back (each starts once the one before has ended, with no other
 * sibling in between) and all on the critical path. Lower confidence: one may need the
 * other's answer, which a trace cannot show.
 */
function sequentialCalls(parent: Span, children: readonly Span[], critical: ReadonlyMap<string, Ms>, inRepeats: ReadonlySet<string>): Finding[] {
  const sorted = [...children].sort(byStart);
  const findings: Finding[] = [];
  let runStart = 0;
  const flush = (from: number, to: number): void => {
    const spans = sorted.slice(from, to);
    if (spans.length < 2 || !spans.every((s) => isCall(s) && !inRepeats.has(s.spanId))) return;
    if (new Set(spans.map((s) => operationKey(s.service, s.name))).size < 2) return;
    const run = measureRun(spans);
    findings.push(
      finding('sequential_calls', parent, spans, run, run.sumMs - run.longestMs, `${spans.length} calls to different operations ran one after another on the critical path (${ms(run.sumMs)}); side by side they would take ${ms(run.longestMs)}`),
    );
  };
  for (let i = 0; i < sorted.length; i++) {
    const span = sorted[i]!;
    const previous = sorted[i - 1];
    const chained =
      previous !== undefined &&
      isCall(span) &&
      isCall(previous) &&
      !inRepeats.has(span.spanId) &&
      !inRepeats.has(previous.spanId) && span.startMs >= end(previous) - 1e-9 && (critical.get(span.spanId) ?? 0) > 0 && (critical.get(previous.spanId) ?? 0) > 0;
    if (!chained) {
      flush(runStart, i);
      runStart = i;
    }
  }
  flush(runStart, sorted.length);
  return findings;
}

/** A failed attempt worth retrying: an error span, HTTP 429 or 503, or a timeout. */
function failedAttempt(span: Span): boolean {
  const http = httpStatus(span);
  return isErrorSpan(span) || http === 429 || http === 503 || (span.status !== 'ok' && isTimeout(span));
}

/**
 * Retry loops: the same operation called again under the same parent right after it
 * failed, two attempts or more. The time spent on failed attempts is what the loop cost.
 */
function retryLoops(parent: Span, children: readonly Span[]): Finding[] {
  const findings: Finding[] = [];
  for (const attempts of groupBy(children, (child) => operationKey(child.service, child.name))) {
    if (attempts.length < 2) continue;
    attempts.sort(byStart);
    let from = 0;
    for (let i = 1; i <= attempts.length; i++) {
      const previous = attempts[i - 1]!;
      const next = attempts[i];
      // The loop goes on while the attempt before failed and this one started after it.
      if (next !== undefined && failedAttempt(previous) && next.startMs >= end(previous) - 1e-9) continue;
      const spans = attempts.slice(from, i);
      if (spans.length >= 2) {
        const run = measureRun(spans);
        const failed = spans.filter(failedAttempt);
        const failedMs = failed.reduce((a, s) => a + s.durationMs, 0);
        const succeeded = !failedAttempt(spans[spans.length - 1]!);
        findings.push(
          finding('retry_loop', parent, spans, run, failedMs, `${spans.length} attempts, ${failed.length} failed (${ms(failedMs)} spent on them); the last one ${succeeded ? 'succeeded' : 'failed too'}`),
        );
      }
      from = i;
    }
  }
  return findings;
}

/** What a call asked for, when its attributes say: equal for two calls that asked the same. */
function argumentsOf(span: Span): string | null {
  for (const key of ARGUMENT_KEYS) {
    const value = textAttribute(span.attributes[key]);
    if (value !== null) return `${key}=${value}`;
  }
  const tool = textAttribute(span.attributes['gen_ai.tool.name']);
  if (tool !== null) return `tool=${tool}`;
  const model = textAttribute(span.attributes['gen_ai.request.model']);
  const prompt = textAttribute(span.attributes['gen_ai.usage.input_tokens']) ?? textAttribute(span.attributes['gen_ai.usage.prompt_tokens']);
  if (model !== null && prompt !== null) return `model=${model} input_tokens=${prompt}`;
  return null;
}

/**
 * Repeated identical calls: the same operation with the same arguments more than once in a
 * trace — work a cache could have answered. Every call after the first could be saved.
 */
function repeatedCalls(trace: Trace): Finding[] {
  const groups = groupBy(trace.spans, (span) => {
    const args = isCall(span) ? argumentsOf(span) : null;
    return args === null ? null : `${operationKey(span.service, span.name)}\u0000${args}`;
  });
  const findings: Finding[] = [];
  for (const group of groups) {
    if (group.length < 2) continue;
    const run = measureRun(group);
    const firstMs = run.spans[0]!.durationMs;
    findings.push(finding('repeated_call', null, run.spans, run, run.sumMs - firstMs, `the same call ${run.spans.length} times (${argumentsOf(run.spans[0]!)!.slice(0, 80)}); ${ms(run.sumMs - firstMs)} after the first`));
  }
  return findings;
}

/**
 * Masked timeouts: a client or proxy that gave up while a span below it, not in error, was
 * still working — the same rule the error-origin analysis uses (`timeoutSuspect`). The time
 * it waited is what the timeout cost.
 */
function maskedTimeouts(trace: Trace): Finding[] {
  const findings: Finding[] = [];
  for (const span of trace.spans) {
    if (!isErrorSpan(span)) continue;
    const suspect = timeoutSuspect(trace, span);
    if (suspect === null) continue;
    const run = measureRun([span]);
    findings.push({
      ...finding('masked_timeout', null, [suspect], { spans: [suspect], wallMs: suspect.durationMs, sumMs: suspect.durationMs, longestMs: suspect.durationMs }, span.durationMs, ''),
      parentSpanId: span.spanId,
      parentService: span.service,
      parentName: span.name,
      evidence: `${span.service} ${span.name} gave up after ${ms(run.wallMs)} while ${suspect.service} ${suspect.name} was still working`,
    });
  }
  return findings;
}

/** The findings of one trace, by pattern then by position; the trace is not changed. */
export function findInsights(trace: Trace, options: InsightOptions = {}): Finding[] {
  const settings = { minRepeats: options.minRepeats ?? DEFAULTS.minRepeats, overlapTolerance: options.overlapTolerance ?? DEFAULTS.overlapTolerance };
  const wanted = new Set<InsightPattern>(options.patterns ?? INSIGHT_PATTERNS);
  const below = criticalBelow(trace);
  const findings: Finding[] = [];
  for (const parent of trace.spans) {
    const children = trace.children.get(parent.spanId);
    if (!children || children.length < 2) continue;
    const synchronous = children.filter((c) => !trace.asyncSpanIds.has(c.spanId) || trace.asyncSpanIds.has(parent.spanId));
    // Loops and retries first: their calls are not also "calls that could run side by side".
    const repeats = [...nPlusOne(trace, parent, synchronous, settings, below), ...retryLoops(parent, synchronous)];
    for (const f of repeats) if (wanted.has(f.pattern)) findings.push(f);
    if (wanted.has('sequential_calls')) {
      const inRepeats = new Set(repeats.flatMap((f) => f.spanIds));
      pushAll(findings, sequentialCalls(parent, synchronous, below, inRepeats));
    }
  }
  if (wanted.has('repeated_call')) pushAll(findings, repeatedCalls(trace));
  if (wanted.has('masked_timeout')) pushAll(findings, maskedTimeouts(trace));
  const order = new Map(trace.spans.map((s, i) => [s.spanId, i]));
  return findings.sort(
    (a, b) => INSIGHT_PATTERNS.indexOf(a.pattern) - INSIGHT_PATTERNS.indexOf(b.pattern) || (order.get(a.spanIds[0]!) ?? 0) - (order.get(b.spanIds[0]!) ?? 0),
  );
}

// ---------------------------------------------------------------------------------------
// Across traces
// ---------------------------------------------------------------------------------------

/** One pattern at one place (operation under its parent operation), across the traces. */
export interface InsightGroup {
  pattern: InsightPattern;
  service: string;
  name: string;
  parentService: string | null;
  parentName: string | null;
  /** Traces with at least one such finding, and their share of all traces. */
  traces: number;
  share: number;
  /** Findings in all. */
  findings: number;
  /** Median members per finding (the calls in the loop, the attempts…). */
  countP50: number;
  savableMs: { total: Ms; p50: Ms };
  /** Up to two, the earliest traces first. */
  exampleTraceIds: string[];
  /** The evidence of the earliest example. */
  evidence: string;
}

export interface InsightsReport {
  traces: number;
  /** By total savable time, descending. */
  findings: InsightGroup[];
}

interface GroupState {
  pattern: InsightPattern;
  service: string;
  name: string;
  parentService: string | null;
  parentName: string | null;
  traces: number;
  findings: number;
  counts: SketchState;
  savable: ExactSum;
  savablePerTrace: SketchState;
  /** The earliest traces: [start ns as a decimal string, trace id, evidence]. */
  examples: [string, string, string][];
}

/** An `InsightsAccumulator` as plain data, for `merge` in another thread. */
export interface InsightsState {
  traces: number;
  groups: GroupState[];
  cache: CacheState | null;
}

const MAX_EXAMPLES = 2;
/** A cache pays when a hit is clearly faster than a miss: by at least this share of the miss latency. */
const CACHE_CLEARLY_FASTER = 0.1;

/**
 * `tracectl insights`: every trace's findings, grouped by pattern and place, ranked by the
 * time they cost in all. The cache detector needs many lookups, so it runs on the cache
 * analysis of all traces and gives findings of its own at the end.
 */
export class InsightsAccumulator implements MergeableAccumulator<InsightsReport, InsightsState> {
  private traces = 0;
  private readonly groups = new Map<string, { state: GroupState; counts: QuantileSketch; perTrace: QuantileSketch }>();
  private readonly cache: CacheAccumulator | null;

  constructor(private readonly options: InsightOptions = {}) {
    const wanted = options.patterns ?? INSIGHT_PATTERNS;
    this.cache = wanted.includes('cache_not_paying') ? new CacheAccumulator() : null;
  }

  add(trace: Trace): void {
    this.traces++;
    this.cache?.add(trace);
    const perGroup = new Map<string, { findings: Finding[] }>();
    for (const f of findInsights(trace, this.options)) {
      const key = groupKey(f);
      const entry = perGroup.get(key);
      if (entry) entry.findings.push(f);
      else perGroup.set(key, { findings: [f] });
    }
    const start = traceStartNs(trace).toString();
    for (const [key, { findings }] of perGroup) {
      const g = this.group(key, findings[0]!);
      g.state.traces++;
      g.state.findings += findings.length;
      let savable = 0;
      for (const f of findings) {
        g.counts.add(f.count);
        savable += f.savableMs;
      }
      addExact(g.state.savable, savable);
      g.perTrace.add(savable);
      addExample(g.state.examples, [start, trace.traceId, findings[0]!.evidence]);
    }
  }

  state(): InsightsState {
    return {
      traces: this.traces,
      groups: [...this.groups.values()].map((g) => ({ ...g.state, counts: g.counts.state(), savablePerTrace: g.perTrace.state(), savable: [...g.state.savable], examples: [...g.state.examples] })),
      cache: this.cache?.state() ?? null,
    };
  }

  merge(state: InsightsState): void {
    this.traces += state.traces;
    if (this.cache && state.cache) this.cache.merge(state.cache);
    for (const other of state.groups) {
      const g = this.group(groupKey(other), other);
      g.state.traces += other.traces;
      g.state.findings += other.findings;
      g.counts.merge(other.counts);
      g.perTrace.merge(other.savablePerTrace);
      for (const partial of other.savable) addExact(g.state.savable, partial);
      for (const example of other.examples) addExample(g.state.examples, example);
    }
  }

  result(): InsightsReport {
    const findings: InsightGroup[] = [...this.groups.values()].map(({ state, counts, perTrace }) => ({
      pattern: state.pattern,
      service: state.service,
      name: state.name,
      parentService: state.parentService,
      parentName: state.parentName,
      traces: state.traces,
      share: this.traces > 0 ? state.traces / this.traces : 0,
      findings: state.findings,
      countP50: counts.percentile(50),
      savableMs: { total: exactSum(state.savable), p50: perTrace.percentile(50) },
      exampleTraceIds: state.examples.map((e) => e[1]),
      evidence: state.examples[0]?.[2] ?? '',
    }));
    if (this.cache) pushAll(findings, cacheFindings(this.cache, this.traces));
    findings.sort(
      (a, b) =>
        b.savableMs.total - a.savableMs.total ||
        b.traces - a.traces ||
        INSIGHT_PATTERNS.indexOf(a.pattern) - INSIGHT_PATTERNS.indexOf(b.pattern) ||
        compareText(a.service, b.service) ||
        compareText(a.name, b.name) ||
        compareText(a.parentName ?? '', b.parentName ?? ''),
    );
    return { traces: this.traces, findings };
  }

  private group(key: string, like: Pick<GroupState, 'pattern' | 'service' | 'name' | 'parentService' | 'parentName'>): { state: GroupState; counts: QuantileSketch; perTrace: QuantileSketch } {
    let g = this.groups.get(key);
    if (!g) {
      g = {
        state: { pattern: like.pattern, service: like.service, name: like.name, parentService: like.parentService, parentName: like.parentName, traces: 0, findings: 0, counts: new QuantileSketch().state(), savable: [], savablePerTrace: new QuantileSketch().state(), examples: [] },
        counts: new QuantileSketch(),
        perTrace: new QuantileSketch(),
      };
      this.groups.set(key, g);
    }
    return g;
  }
}

const groupKey = (f: Pick<Finding, 'pattern' | 'service' | 'name' | 'parentService' | 'parentName'>): string =>
  JSON.stringify([f.pattern, f.service, f.name, f.parentService, f.parentName]);

/** Keeps the earliest `MAX_EXAMPLES` traces (by start, then id), earliest first. */
function addExample(examples: [string, string, string][], example: [string, string, string]): void {
  if (examples.some((e) => e[1] === example[1])) return;
  examples.push(example);
  examples.sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : BigInt(a[0]) > BigInt(b[0]) ? 1 : compareText(a[1], b[1])));
  if (examples.length > MAX_EXAMPLES) examples.length = MAX_EXAMPLES;
}

/**
 * Caches that do not pay, from the cache analysis of all traces: a hit is not clearly faster
 * than a miss (by `CACHE_CLEARLY_FASTER` of the miss latency), or the lookups cost more than
 * the hits saved. What they cost is the time spent looking up.
 */
function cacheFindings(cache: CacheAccumulator, traces: number): InsightGroup[] {
  const report = cache.result();
  const findings: InsightGroup[] = [];
  for (const c of report.caches) {
    if (c.hitMs.p50 === null || c.missMs.p50 === null) continue;
    const lookupCost = c.lookupMs * c.lookups;
    const notFaster = c.hitMs.p50 > c.missMs.p50 * (1 - CACHE_CLEARLY_FASTER);
    const saved = c.savedMs ?? 0;
    if (!notFaster && saved >= lookupCost) continue;
    const evidence = notFaster
      ? `requests that hit take ${ms(c.hitMs.p50)} (median), those that miss ${ms(c.missMs.p50)}: a hit is not clearly faster`
      : `${c.lookups} lookups cost ${ms(lookupCost)}, the hits saved ${ms(saved)}`;
    findings.push({
      pattern: 'cache_not_paying',
      service: c.service,
      name: c.name,
      parentService: null,
      parentName: null,
      traces,
      share: 1,
      findings: 1,
      countP50: c.lookups,
      savableMs: { total: lookupCost, p50: c.lookupMs },
      exampleTraceIds: [],
      evidence,
    });
  }
  return findings;
}
