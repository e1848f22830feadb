import type { Ms, Trace } from '../model/span.js';
import { foldTraces, type MergeableAccumulator } from './accumulator.js';
import { criticalPath, criticalTimeBySpan } from './critical-path.js';
import { selfTimes } from './self-time.js';
import { addExact, compareText, exactSum, QuantileSketch, type ExactSum, type SketchState } from './stats.js';
import { operationKey } from '../model/operation.js';

/** Three percentiles of a set of durations; NaN when the set is empty (it never is for a listed operation). */
export interface Percentiles {
  p50: Ms;
  p95: Ms;
  p99: Ms;
}

/** One operation (service + span name) across the analyzed traces. */
export interface OperationBottleneck {
  service: string;
  /** The span name. */
  name: string;
  /** Spans of this operation. */
  count: number;
  /** Traces holding at least one span of it. */
  traces: number;
  /** Its time on the critical path, summed over every trace. */
  criticalMs: Ms;
  /** `criticalMs` over the sum of the traces' durations: how much of all waiting it caused. */
  criticalShare: number;
  /** Of the traces holding it, the fraction in which it is on the critical path. */
  onPathFrequency: number;
  selfMs: Percentiles & { total: Ms };
  durationMs: Percentiles;
}

/** One operation's share of critical-path time in the fast and the slow band. */
export interface BandOperation {
  service: string;
  name: string;
  /** Its critical time over all critical time of the fast traces. */
  fastShare: number;
  /** The same in the slow traces. */
  slowShare: number;
  /** `slowShare − fastShare`: positive when it takes a bigger part of slow requests. */
  growth: number;
  /** Mean critical time per trace of the band: the absolute view behind the shares. */
  fastMsPerTrace: Ms;
  slowMsPerTrace: Ms;
}

export interface Band {
  traces: number;
  /** Duration of the band's fastest and slowest trace. */
  minDurationMs: Ms;
  maxDurationMs: Ms;
}

/**
 * The critical-path mix of the fastest half of the traces against the slowest tenth, in
 * the spirit of CRISP (uber-research/CRISP `process.py`, which draws one critical-path
 * flame graph per percentile): what takes over the path when a request is slow.
 */
export interface BandComparison {
  fast: Band;
  slow: Band;
  /** By `growth` descending (ties by name, then service). */
  operations: BandOperation[];
}

export interface BottleneckReport {
  /** Traces analyzed. */
  traces: number;
  /** Sum of their durations: the denominator of `criticalShare`. */
  totalDurationMs: Ms;
  /** Every operation, by `criticalMs` descending (ties by name, then service). */
  operations: OperationBottleneck[];
  /** With `bands: true`; null when fewer than two traces leave nothing to compare. */
  bands?: BandComparison | null;
}

export interface BottleneckOptions {
  /** Compare the critical-path mix of the fastest 50% with the slowest 10%. */
  bands?: boolean;
}

/** The fastest half and the slowest tenth (at least one trace each). */
export const FAST_BAND = 0.5;
export const SLOW_BAND = 0.1;

interface Accumulator {
  key: string;
  service: string;
  name: string;
  durations: QuantileSketch;
  selfs: QuantileSketch;
  /** Exact, so the total does not depend on the order of the traces. */
  criticalMs: ExactSum;
  traces: number;
  tracesOnPath: number;
}

/** Per trace, the critical time of each operation: what the bands are built from. */
type CriticalMix = Map<string, Ms>;

interface TraceMix {
  traceId: string;
  durationMs: Ms;
  mix: CriticalMix;
}

/** A `BottleneckAccumulator` as plain data, for `merge` in another thread. */
export interface BottleneckState {
  traces: number;
  totalDurationMs: ExactSum;
  operations: Array<{
    service: string;
    name: string;
    durations: SketchState;
    selfs: SketchState;
    criticalMs: ExactSum;
    traces: number;
    tracesOnPath: number;
  }>;
  /** Each trace's critical mix (operation key → ms) with `bands`; null without. */
  mixes: Array<{ traceId: string; durationMs: Ms; mix: Array<[key: string, ms: Ms]> }> | null;
}


/**
 * Operations ranked by their time on the critical path across `traces` (DESIGN.md
 * "Critical path"): the work that, made faster, would make requests faster. Self time and
 * duration percentiles sit beside it so a user can tell an operation that is slow itself
 * from one that is merely waited on often. Asynchronous followers are counted (their
 * self time and duration are real work) but never reach the path.
 */
export function bottlenecks(traces: Iterable<Trace>, options: BottleneckOptions = {}): BottleneckReport {
  return foldTraces(new BottleneckAccumulator(options), traces);
}

/** `bottlenecks` one trace at a time: keeps per-operation numbers, and per-trace mixes only for bands. */
export class BottleneckAccumulator implements MergeableAccumulator<BottleneckReport, BottleneckState> {
  private readonly ops = new Map<string, Accumulator>();
  /** The same operations by service, then name: found per span without building a key. */
  private readonly byService = new Map<string, Map<string, Accumulator>>();
  private readonly mixes: TraceMix[] = [];
  private readonly totalDurationMs: ExactSum = [];
  private traces = 0;

  constructor(private readonly options: BottleneckOptions = {}) {}

  add(trace: Trace): void {
    this.traces++;
    addExact(this.totalDurationMs, trace.durationMs);
    const critical = criticalTimeBySpan(criticalPath(trace));
    const self = selfTimes(trace);
    const onPath = new Map<Accumulator, Ms>();
    const seen = new Set<Accumulator>();
    for (const span of trace.spans) {
      const op = this.operation(span.service, span.name);
      op.durations.add(span.durationMs);
      op.selfs.add(self.get(span.spanId) ?? 0);
      seen.add(op);
      const ms = critical.get(span.spanId) ?? 0;
      if (ms > 0) {
        addExact(op.criticalMs, ms);
        onPath.set(op, (onPath.get(op) ?? 0) + ms);
      }
    }
    for (const op of seen) {
      op.traces++;
      if (onPath.has(op)) op.tracesOnPath++;
    }
    if (this.options.bands) {
      const mix: CriticalMix = new Map();
      for (const [op, ms] of onPath) mix.set(op.key, ms);
      this.mixes.push({ traceId: trace.traceId, durationMs: trace.durationMs, mix });
    }
  }

  state(): BottleneckState {
    return {
      traces: this.traces,
      totalDurationMs: [...this.totalDurationMs],
      operations: [...this.ops.values()].map((op) => ({
        service: op.service,
        name: op.name,
        durations: op.durations.state(),
        selfs: op.selfs.state(),
        criticalMs: [...op.criticalMs],
        traces: op.traces,
        tracesOnPath: op.tracesOnPath,
      })),
      mixes: this.options.bands ? this.mixes.map((m) => ({ traceId: m.traceId, durationMs: m.durationMs, mix: [...m.mix] })) : null,
    };
  }

  merge(state: BottleneckState): void {
    // Bands over only some of the traces would be silently wrong.
    if ((state.mixes !== null) !== Boolean(this.options.bands)) throw new Error('cannot merge bottleneck states built with and without bands');
    this.traces += state.traces;
    for (const partial of state.totalDurationMs) addExact(this.totalDurationMs, partial);
    for (const other of state.operations) {
      const op = this.operation(other.service, other.name);
      op.durations.merge(other.durations);
      op.selfs.merge(other.selfs);
      for (const partial of other.criticalMs) addExact(op.criticalMs, partial);
      op.traces += other.traces;
      op.tracesOnPath += other.tracesOnPath;
    }
    // Bands order the mixes by duration and trace id, so where they came from does not matter.
    for (const m of state.mixes ?? []) this.mixes.push({ traceId: m.traceId, durationMs: m.durationMs, mix: new Map(m.mix) });
  }

  result(): BottleneckReport {
    const totalDurationMs = exactSum(this.totalDurationMs);
    const operations = [...this.ops.values()].map((op): OperationBottleneck => {
      const criticalMs = exactSum(op.criticalMs);
      return {
        service: op.service,
        name: op.name,
        count: op.durations.count,
        traces: op.traces,
        criticalMs,
        criticalShare: totalDurationMs > 0 ? criticalMs / totalDurationMs : 0,
        onPathFrequency: op.traces > 0 ? op.tracesOnPath / op.traces : 0,
        selfMs: { ...percentiles(op.selfs), total: op.selfs.total },
        durationMs: percentiles(op.durations),
      };
    });
    operations.sort((a, b) => b.criticalMs - a.criticalMs || byName(a, b));

    const report: BottleneckReport = { traces: this.traces, totalDurationMs, operations };
    if (this.options.bands) report.bands = compareBands(this.mixes, this.ops);
    return report;
  }

  private operation(service: string, name: string): Accumulator {
    let names = this.byService.get(service);
    if (names === undefined) {
      names = new Map();
      this.byService.set(service, names);
    }
    let op = names.get(name);
    if (op === undefined) {
      const key = operationKey(service, name);
      op = { key, service, name, durations: new QuantileSketch(), selfs: new QuantileSketch(), criticalMs: [], traces: 0, tracesOnPath: 0 };
      names.set(name, op);
      this.ops.set(key, op);
    }
    return op;
  }
}

function percentiles(values: QuantileSketch): Percentiles {
  return { p50: values.percentile(50), p95: values.percentile(95), p99: values.percentile(99) };
}

function byName(a: { service: string; name: string }, b: { service: string; name: string }): number {
  // localeCompare finds some distinct names equal (ignorable characters); code units settle
  // those, so the order never falls back on the order operations were first seen in.
  return a.name.localeCompare(b.name) || a.service.localeCompare(b.service) || compareText(a.name, b.name) || compareText(a.service, b.service);
}

/**
 * The bands are counted in traces, ordered by duration (ties by trace id, so the split is
 * stable): the fastest ⌊n·50%⌋ and the slowest ⌈n·10%⌉, each at least one trace. With
 * fewer than two traces the bands would be the same trace, so there is nothing to compare.
 * Shares are of the band's critical time (the sum of its critical sections) rather than
 * of its durations, so each band's shares add up to 1 and read as a mix.
 */
function compareBands(mixes: readonly TraceMix[], ops: ReadonlyMap<string, Accumulator>): BandComparison | null {
  if (mixes.length < 2) return null;
  const ordered = [...mixes].sort((a, b) => a.durationMs - b.durationMs || a.traceId.localeCompare(b.traceId));
  const fast = ordered.slice(0, Math.max(1, Math.floor(ordered.length * FAST_BAND)));
  const slow = ordered.slice(ordered.length - Math.max(1, Math.ceil(ordered.length * SLOW_BAND)));

  const totals = (band: typeof ordered): { byOp: Map<string, Ms>; total: Ms } => {
    const byOp = new Map<string, Ms>();
    let total = 0;
    for (const { mix } of band) {
      for (const [key, ms] of mix) {
        byOp.set(key, (byOp.get(key) ?? 0) + ms);
        total += ms;
      }
    }
    return { byOp, total };
  };
  const f = totals(fast);
  const s = totals(slow);
  const keys = new Set([...f.byOp.keys(), ...s.byOp.keys()]);
  const operations = [...keys].map((key): BandOperation => {
    const op = ops.get(key)!;
    const fastMs = f.byOp.get(key) ?? 0;
    const slowMs = s.byOp.get(key) ?? 0;
    const fastShare = f.total > 0 ? fastMs / f.total : 0;
    const slowShare = s.total > 0 ? slowMs / s.total : 0;
    return {
      service: op.service,
      name: op.name,
      fastShare,
      slowShare,
      growth: slowShare - fastShare,
      fastMsPerTrace: fastMs / fast.length,
      slowMsPerTrace: slowMs / slow.length,
    };
  });
  operations.sort((a, b) => b.growth - a.growth || byName(a, b));
  const band = (b: typeof ordered): Band => ({
    traces: b.length,
    minDurationMs: b[0]!.durationMs,
    maxDurationMs: b[b.length - 1]!.durationMs,
  });
  return { fast: band(fast), slow: band(slow), operations };
}
