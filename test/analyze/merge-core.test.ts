import { beforeAll, describe, expect, it } from 'vitest';
import { foldTraces, type MergeableAccumulator } from '../../src/analyze/accumulator.js';
import { BottleneckAccumulator, type BottleneckOptions } from '../../src/analyze/bottlenecks.js';
import { DependencyAccumulator } from '../../src/analyze/deps.js';
import { addExact, EXACT_LIMIT, exactSum, percentile, QuantileSketch, sortedNumbers, type SketchState } from '../../src/analyze/stats.js';
import { FindAccumulator, type FindOrder } from '../../src/analyze/trace-summary.js';
import { buildTrace } from '../../src/model/build-trace.js';
import type { Trace } from '../../src/model/span.js';
import { DEMO_FORMATS, loadFixture } from '../helpers/demo.js';
import { expectMergesToMatch, fold, permutations, splits } from '../helpers/merge.js';
import { records, type SpanSketch } from '../helpers/spans.js';

const trace = (id: string, sketches: SpanSketch[]): Trace => buildTrace(id.padStart(32, '0'), records(sketches.map((s) => ({ ...s, trace: id }))));

/** A deterministic stream in [0, 1): fractional values whose float sums depend on their order. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 16807) % 2147483647;
    return x / 2147483647;
  };
}

/** Overwrites every number, string and boolean in a state, in place: what a reused state buffer would do. */
function scramble(value: unknown): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === 'object' && v !== null) scramble(v);
      else value[i] = typeof v === 'number' ? -7 : typeof v === 'string' ? 'scrambled' : v;
    }
    value.push(-7);
  } else if (value instanceof Map) {
    for (const [k, v] of value) {
      if (typeof v === 'object' && v !== null) scramble(v);
      else value.set(k, -7);
    }
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(record)) {
      if (typeof v === 'object' && v !== null) scramble(v);
      else if (typeof v === 'number') record[k] = -7;
      else if (typeof v === 'string') record[k] = 'scrambled';
      else if (typeof v === 'boolean') record[k] = !v;
    }
  }
}

/**
 * What the plain split checks leave out: a merge in the middle of adding, a result taken
 * before the state, a state reused after the merge, and a part on its own (which must
 * differ, or the merge checks would prove nothing).
 */
function expectMergeHygiene<R, S>(make: () => MergeableAccumulator<R, S>, traces: readonly Trace[]): void {
  const expected = foldTraces(make(), traces);
  const third = Math.ceil(traces.length / 3);
  const [a, b, c] = [traces.slice(0, third), traces.slice(third, 2 * third), traces.slice(2 * third)];

  // Traces added after a merge count as new traces of the receiver.
  const receiver = fold(make, a);
  receiver.merge(structuredClone(fold(make, b).state()));
  for (const t of c) receiver.add(t);
  expect(receiver.result(), 'adding after a merge').toEqual(expected);

  // result() must leave the state alone.
  const parts = [a, b, c].map((part) => {
    const acc = fold(make, part);
    acc.result();
    return acc;
  });
  parts[0]!.merge(structuredClone(parts[1]!.state()));
  parts[0]!.merge(structuredClone(parts[2]!.state()));
  expect(parts[0]!.result(), 'result() before state()').toEqual(expected);

  // Merged without a clone and then overwritten: the receiver and the source keep their own data.
  const source = fold(make, b);
  // A copy: a result may be the accumulator's own array.
  const sourceResult = structuredClone(source.result());
  const state = source.state();
  const target = fold(make, a);
  target.merge(state);
  scramble(state);
  for (const t of c) target.add(t);
  expect(target.result(), 'state overwritten after the merge').toEqual(expected);
  expect(source.result(), 'state overwritten after state()').toEqual(sourceResult);

  expect(fold(make, a).result(), 'a part alone').not.toEqual(expected);
  expect(fold(make, [...a, ...c]).result(), 'two of three parts').not.toEqual(expected);
}

let demo: Trace[] = [];
beforeAll(async () => {
  demo = await loadFixture(DEMO_FORMATS.otlp);
});

/**
 * Many spans of one operation and one edge (gw → api, 200 calls a trace): 60 traces give
 * 12,000 calls, so each half holds its values exactly and the merge has to switch to buckets.
 */
function wideTraces(count: number): Trace[] {
  const next = lcg(7);
  return Array.from({ length: count }, (_, t) => {
    const spans: SpanSketch[] = [{ id: 'r', start: 0, dur: 1000, service: 'gw', name: 'GET /', kind: 'server' }];
    for (let i = 0; i < 200; i++) {
      const start = i * 4 + next();
      const dur = i % 25 === 0 ? 0 : 0.5 + next() * 3;
      spans.push({ id: `c${i}`, parent: 'r', start, dur, service: 'gw', name: 'call', kind: 'client', status: i % 50 === 7 ? 'error' : 'unset' });
      spans.push({ id: `s${i}`, parent: `c${i}`, start, dur: dur / 2, service: 'api', name: 'handle', kind: 'server' });
    }
    return trace(`w${t}`, spans);
  });
}

describe('exact sums', () => {
  it('give the correctly rounded sum, where += drifts', () => {
    const tenths = new Array<number>(10).fill(0.1);
    expect(tenths.reduce((s, v) => s + v, 0)).not.toBe(1);
    const partials: number[] = [];
    for (const v of tenths) addExact(partials, v);
    expect(exactSum(partials)).toBe(1);

    const cancelling: number[] = [];
    for (const v of [1, 1e100, 1, -1e100]) addExact(cancelling, v);
    expect(exactSum(cancelling)).toBe(2);
    expect(exactSum([])).toBe(0);
    expect(Object.is(exactSum([-0]), 0)).toBe(true);
  });

  it('do not depend on order or on how partial sums are merged', () => {
    const next = lcg(3);
    const values = Array.from({ length: 5000 }, () => next() * 1000);
    const naive = (vs: number[]): number => vs.reduce((s, v) => s + v, 0);
    const exact = (vs: number[]): number[] => {
      const partials: number[] = [];
      for (const v of vs) addExact(partials, v);
      return partials;
    };
    const reversed = [...values].reverse();
    // The check below only means something if the plain sum does drift.
    expect(naive(reversed)).not.toBe(naive(values));
    const all = exactSum(exact(values));
    expect(exactSum(exact(reversed))).toBe(all);
    for (const [how, parts] of splits(values)) {
      const merged: number[] = [];
      for (const part of parts.reverse()) for (const partial of exact(part)) addExact(merged, partial);
      expect(exactSum(merged), how).toBe(all);
    }
  });

  it('keep non-finite values as a plain sum would', () => {
    const sumOf = (vs: number[]): number => {
      const partials: number[] = [];
      for (const v of vs) addExact(partials, v);
      return exactSum(partials);
    };
    expect(sumOf([1, Infinity, 2])).toBe(Infinity);
    expect(sumOf([Infinity, 1, Infinity])).toBe(Infinity);
    expect(sumOf([1, Infinity, -Infinity])).toBeNaN();
    expect(sumOf([NaN, 1])).toBeNaN();
  });
});

describe('merging QuantileSketch states', () => {
  const next = lcg(11);
  // Fractional, long-tailed, with zeros: 12,000 values, past the exact limit.
  const values = Array.from({ length: 12_000 }, (_, i) => (i % 40 === 0 ? 0 : next() * 100 + (i % 97 === 0 ? next() * 50_000 : 0)));
  const PS = [0, 1, 25, 50, 90, 95, 99, 99.9, 100];

  const sketchOf = (vs: readonly number[]): QuantileSketch => {
    const sketch = new QuantileSketch();
    for (const v of vs) sketch.add(v);
    return sketch;
  };
  const merged = (parts: readonly (readonly number[])[], order: readonly number[]): QuantileSketch => {
    const states = parts.map((p) => structuredClone(sketchOf(p).state()));
    const [first, ...rest] = order;
    const sketch = sketchOf(parts[first!]!);
    for (const i of rest) sketch.merge(states[i]!);
    return sketch;
  };
  /** The state with its unordered parts put in order and its sum's partials summed: equal for equal sketches. */
  const canonical = (s: SketchState): SketchState => ({
    ...s,
    exact: s.exact === null ? null : sortedNumbers(s.exact),
    buckets: [...s.buckets].sort((a, b) => a[0] - b[0]),
    total: [exactSum(s.total)],
  });
  const expectSame = (actual: QuantileSketch, expected: QuantileSketch, how: string): void => {
    expect(canonical(actual.state()), how).toEqual(canonical(expected.state()));
    expect(actual.count, how).toBe(expected.count);
    expect(actual.total, how).toBe(expected.total);
    for (const p of PS) expect(actual.percentile(p), `${how}, p${p}`).toBe(expected.percentile(p));
  };

  it('6,000 + 6,000 values merge into the bucketed sketch of all 12,000', () => {
    const whole = sketchOf(values);
    expect(whole.state().exact).toBeNull();
    const halves = [values.slice(0, 6000), values.slice(6000)];
    for (const order of [
      [0, 1],
      [1, 0],
    ]) {
      const sketch = merged(halves, order);
      expect(sketch.state().exact, 'switched to buckets').toBeNull();
      expectSame(sketch, whole, `halves in order ${order.join(', ')}`);
    }
  });

  it('percentiles of the merged sketch stay within 1% of the exact ones', () => {
    const sketch = merged([values.slice(0, 6000), values.slice(6000)], [1, 0]);
    const sorted = sortedNumbers(values);
    for (const p of [1, 50, 90, 95, 99, 99.9]) {
      const exact = percentile(sorted, p);
      const approx = sketch.percentile(p);
      if (exact === 0) expect(approx).toBe(0);
      else expect(Math.abs(approx - exact) / exact, `p${p}`).toBeLessThan(0.0101);
    }
  });

  it('merges every split the same way, at and across the exact limit', () => {
    const whole = sketchOf(values);
    const cases: [string, number[][]][] = [
      ...splits(values),
      ['the limit and the rest', [values.slice(0, EXACT_LIMIT), values.slice(EXACT_LIMIT)]],
      ['one past the limit and the rest', [values.slice(0, EXACT_LIMIT + 1), values.slice(EXACT_LIMIT + 1)]],
      ['bucketed and bucketed', [values.slice(0, 11_000), values.slice(11_000), values.slice(0, 0)]],
    ];
    for (const [how, parts] of cases) {
      for (const order of permutations(parts.length)) expectSame(merged(parts, order), whole, `${how}, order ${order.join(', ')}`);
    }
    // A sketch already in buckets taking another bucketed one.
    const big = [values.slice(0, 11_000), values.slice(1000)];
    expectSame(merged(big, [0, 1]), sketchOf([...big[0]!, ...big[1]!]), 'two bucketed sketches');
  });

  it('stays exact up to the limit together, and switches one value past it', () => {
    const atLimit = values.slice(0, EXACT_LIMIT);
    const sketch = merged([atLimit.slice(0, 5000), atLimit.slice(5000)], [0, 1]);
    expect(sketch.state().exact).toHaveLength(EXACT_LIMIT);
    expectSame(sketch, sketchOf(atLimit), 'exactly the limit');
    for (const p of PS) expect(sketch.percentile(p)).toBe(percentile(sortedNumbers(atLimit), p));

    const past = values.slice(0, EXACT_LIMIT + 1);
    const over = merged([past.slice(0, 5000), past.slice(5000)], [1, 0]);
    expect(over.state().exact).toBeNull();
    expectSame(over, sketchOf(past), 'one past the limit');
  });

  it('sums totals exactly, so the order of parts does not show', () => {
    const naive = (vs: number[]): number => vs.reduce((s, v) => s + v, 0);
    const [a, b] = [values.slice(0, 20), values.slice(20, 40)];
    // Floats whose plain sums differ by order and by split.
    expect(naive(b) + naive(a)).not.toBe(naive([...a, ...b]));
    expect(naive(a) + naive(b)).not.toBe(naive([...b, ...a]));
    expect(merged([a, b], [1, 0]).total).toBe(sketchOf([...a, ...b]).total);
    expect(merged([a, b], [0, 1]).total).toBe(sketchOf([...b, ...a]).total);
  });

  it('a merged state is not shared with the sketch it came from, nor with the receiver', () => {
    const source = sketchOf(values.slice(0, 100));
    const before = source.state();
    const receiver = sketchOf(values.slice(100, 200));
    const state = source.state();
    receiver.merge(state);
    scramble(state);
    expect(source.state()).toEqual(before);
    expectSame(receiver, sketchOf(values.slice(0, 200)), 'state overwritten after the merge');
  });
});

describe('merging BottleneckAccumulator states', () => {
  const optionSets: [string, BottleneckOptions][] = [
    ['without bands', {}],
    ['with bands', { bands: true }],
  ];

  it('the demo gives bands and operations on and off the path to compare', () => {
    const report = foldTraces(new BottleneckAccumulator({ bands: true }), demo);
    expect(report.bands).not.toBeNull();
    expect(report.bands!.operations.length).toBeGreaterThan(3);
    expect(report.operations.some((o) => o.onPathFrequency > 0 && o.onPathFrequency < 1)).toBe(true);
  });

  for (const [label, options] of optionSets) {
    it(`gives the single-accumulator report on the demo traces, ${label}`, () => {
      expectMergesToMatch(() => new BottleneckAccumulator(options), demo);
    });

    it(`adds after merges, leaves states alone and needs every part, ${label}`, () => {
      expectMergeHygiene(() => new BottleneckAccumulator(options), demo);
    });

    it(`merges sketches across the exact limit, ${label}`, () => {
      const wide = wideTraces(60);
      const report = foldTraces(new BottleneckAccumulator(options), wide);
      expect(report.operations.find((o) => o.name === 'call')!.count).toBeGreaterThan(EXACT_LIMIT);
      expectMergesToMatch(() => new BottleneckAccumulator(options), wide);
    });
  }

  it('refuses to merge a state built with bands into one without, and the other way round', () => {
    const withBands = new BottleneckAccumulator({ bands: true });
    const without = new BottleneckAccumulator();
    expect(() => without.merge(withBands.state())).toThrow(/bands/);
    expect(() => withBands.merge(without.state())).toThrow(/bands/);
  });
});

describe('merging FindAccumulator states', () => {
  /**
   * The demo plus 100 small traces whose durations and starts repeat, so the order falls
   * back on trace ids, and which make more rows than a small limit prunes at.
   */
  const withTies = (): Trace[] => {
    const next = lcg(5);
    const extra = Array.from({ length: 100 }, (_, i) =>
      trace(`f${i}`, [
        { id: 'r', start: Math.floor(next() * 4) * 1000, dur: Math.floor(next() * 5) * 100, service: 'front', name: 'GET /x', kind: 'server' },
        { id: 'k', parent: 'r', start: 1, dur: 1, service: 'back', status: i % 7 === 0 ? 'error' : 'unset' },
      ]),
    );
    return [...demo, ...extra];
  };
  const orders: [string, FindOrder][] = [
    ['slowest 5', { slowest: 5 }],
    ['slowest 40 with limit 7', { slowest: 40, limit: 7 }],
    ['newest, limit 3', { limit: 3 }],
    ['newest, limit 90', { limit: 90 }],
    ['newest, no limit', {}],
  ];

  it('the ties are real: equal durations and equal starts among the rows', () => {
    const { rows, total } = foldTraces(new FindAccumulator({}), withTies());
    expect(rows).toHaveLength(170);
    expect(total).toBe(170);
    expect(new Set(rows.map((r) => r.durationMs)).size).toBeLessThan(rows.length - 50);
    expect(new Set(rows.map((r) => r.start)).size).toBeLessThan(rows.length - 50);
  });

  for (const [label, order] of orders) {
    it(`gives the single-accumulator rows, ${label}`, () => {
      expectMergesToMatch(() => new FindAccumulator(order), withTies());
    });

    it(`adds after merges, leaves states alone and needs every part, ${label}`, () => {
      expectMergeHygiene(() => new FindAccumulator(order), withTies());
    });
  }
});

describe('merging DependencyAccumulator states', () => {
  /** The demo has no inferred edges: three traces with a server span calling redis directly, spread through it. */
  const withInferred = (): Trace[] => {
    const inferred = [0, 1, 2].map((i) =>
      trace(`i${i}`, [
        { id: 'r', start: 0, dur: 30, service: 'gw', name: 'GET /', kind: 'server' },
        { id: 'g', parent: 'r', start: 2, dur: 5 + i, service: 'redis', name: 'GET' },
        { id: 'h', parent: 'r', start: 9, dur: 4, service: 'redis', name: 'SET', status: i === 1 ? 'error' : 'unset' },
      ]),
    );
    return [inferred[0]!, ...demo.slice(0, 30), inferred[1]!, ...demo.slice(30), inferred[2]!];
  };

  it('the traces have edges of every kind, and edges in some traces only', () => {
    const map = foldTraces(new DependencyAccumulator(), withInferred());
    expect(new Set(map.edges.map((e) => e.kind))).toEqual(new Set(['real', 'inferred', 'virtual']));
    expect(map.edges.some((e) => e.traces < map.traces && e.traces > 1)).toBe(true);
    expect(map.edges.some((e) => e.calls > e.traces)).toBe(true);
    expect(map.services.some((s) => s.virtual)).toBe(true);
  });

  it('gives the single-accumulator map on the demo traces', () => {
    expectMergesToMatch(() => new DependencyAccumulator(), withInferred());
  });

  it('adds after merges, leaves states alone and needs every part', () => {
    expectMergeHygiene(() => new DependencyAccumulator(), withInferred());
  });

  it('merges edge sketches across the exact limit and counts traces per edge', () => {
    const wide = wideTraces(60);
    const map = foldTraces(new DependencyAccumulator(), wide);
    expect(map.edges).toHaveLength(1);
    expect(map.edges[0]).toMatchObject({ from: 'gw', to: 'api', calls: 12_000, traces: 60, callsPerTrace: 200 });
    expectMergesToMatch(() => new DependencyAccumulator(), wide);
  });
});
