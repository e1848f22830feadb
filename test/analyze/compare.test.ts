import { describe, expect, it } from 'vitest';
import { foldTraces } from '../../src/analyze/accumulator.js';
import { attributeLatency, CompareAccumulator, compareCohorts, MAX_DISTINCT_VALUES, NOISE_SCORE, OTHER_NAME, rankScore, shareScore, type CohortSplit } from '../../src/analyze/compare.js';
import { buildTrace } from '../../src/model/build-trace.js';
import type { Trace } from '../../src/model/span.js';
import { mulberry32 } from '../../scripts/demo-traces.js';
import { expectMergesToMatch } from '../helpers/merge.js';
import { records, type SpanSketch } from '../helpers/spans.js';

/** mulberry32 (the demo's generator), so the generated cohorts are the same on every run. */
const prng = mulberry32;

const trace = (id: string, sketches: SpanSketch[]): Trace => buildTrace(id.padStart(32, '0'), records(sketches.map((s) => ({ ...s, trace: id }))));

/**
 * A request: `GET /chat` on api calling, one after another, cache `get`, db `query` (one to
 * three times), llm `complete` and api `render`. Noise: every duration is uniform in a
 * range, the region is one of four, the user id is unique (an id: too many values), the
 * retry count is 0–2. Calls are 0.5 ms apart. With `planted`, the trace also carries `model=big` and its
 * `complete` takes 400–600 ms more: the cause the tests expect compare to find.
 */
/** Between one call's end and the next one's start (back-to-back spans, rounded to nanoseconds, could overlap). */
const GAP = 0.5;

function request(n: number, rand: () => number, planted: boolean): Trace {
  const u = (lo: number, hi: number): number => lo + (hi - lo) * rand();
  const region = ['eu', 'us', 'ap', 'sa'][Math.floor(rand() * 4)]!;
  const spans: SpanSketch[] = [];
  let t = 1;
  const cache = u(1, 3);
  spans.push({ id: 'c', parent: 'r', start: t, dur: cache, service: 'cache', name: 'get', attrs: { region } });
  t += cache + GAP;
  const queries = 1 + Math.floor(rand() * 3);
  for (let q = 0; q < queries; q++) {
    const d = u(5, 15);
    spans.push({ id: `q${q}`, parent: 'r', start: t, dur: d, service: 'db', name: 'query' });
    t += d + GAP;
  }
  const llm = u(50, 150) + (planted ? u(400, 600) : 0);
  spans.push({ id: 'l', parent: 'r', start: t, dur: llm, service: 'llm', name: 'complete', attrs: { model: planted ? 'big' : rand() < 0.5 ? 'small' : 'medium', 'tokens.out': Math.round(u(100, 300)) } });
  t += llm + GAP;
  const render = u(2, 6);
  spans.push({ id: 'p', parent: 'r', start: t, dur: render, service: 'api', name: 'render' });
  t += render + 1;
  spans.unshift({ id: 'r', start: 0, dur: t, service: 'api', name: 'GET /chat', kind: 'server', attrs: { 'user.id': `u-${n}`, retries: Math.floor(rand() * 3) } });
  return trace(String(n + 1), spans);
}

function cohort(count: number, plantedEvery: number | null, seed: number): Trace[] {
  const rand = prng(seed);
  return Array.from({ length: count }, (_, i) => request(i, rand, plantedEvery !== null && i % plantedEvery === 0));
}

const slow: CohortSplit = { kind: 'slow', percentile: 90 };

describe('compare on generated cohorts', () => {
  // 200 requests, every 10th planted: the 20 planted ones are the slowest 10% (their extra 400 ms
  // is more than any noise can add up to), so the p90 split puts exactly them in the target.
  const traces = cohort(200, 10, 14);
  const report = compareCohorts(foldTraces(new CompareAccumulator({ split: slow }), traces));

  it('splits the slowest 10% from the rest', () => {
    expect(report.target.traces).toBe(20);
    expect(report.baseline.traces).toBe(180);
  });

  it('ranks the planted operation first in the attribution', () => {
    expect(report.attribution[0]).toMatchObject({ service: 'llm', name: 'complete' });
    // The planted 400–600 ms, give or take the noise.
    expect(report.attribution[0]!.deltaMs).toBeGreaterThan(400);
    expect(report.attribution[0]!.share).toBeGreaterThan(0.9);
  });

  it('adds up, with the other row, to the difference in mean duration', () => {
    const total = report.attribution.reduce((s, r) => s + r.deltaMs, 0);
    expect(total).toBeCloseTo(report.deltaMeanMs!, 6);
    expect(report.attribution.at(-1)!.name).toBe(OTHER_NAME);
  });

  it('ranks the planted attribute value first, and skips the id key', () => {
    expect(report.attributes[0]).toMatchObject({ key: 'model', value: 'big', targetShare: 1, baselineShare: 0 });
    expect(report.attributes[0]!.score).toBeGreaterThanOrEqual(NOISE_SCORE);
    expect(report.skippedKeys).toContain('user.id');
    expect(report.attributes.some((a) => a.key === 'user.id' || a.key === 'region')).toBe(false);
  });

  it('compares a forced high-cardinality key when asked', () => {
    const forced = compareCohorts(foldTraces(new CompareAccumulator({ split: slow }), traces), { attrs: ['user.id'] });
    expect(forced.skippedKeys).not.toContain('user.id');
    expect(forced.attributes.some((a) => a.key === 'user.id')).toBe(true);
  });

  it('merges on worker threads into the one-thread answer', () => {
    expectMergesToMatch(() => new CompareAccumulator({ split: slow }), traces.slice(0, 12));
  });
});

describe('compare with no planted cause', () => {
  it('ranks no attribute value above the noise threshold', () => {
    const report = compareCohorts(foldTraces(new CompareAccumulator({ split: slow }), cohort(200, null, 7)));
    expect(report.target.traces).toBe(20);
    expect(report.attributes).toEqual([]);
    // Still adds up: the attribution holds whatever the split.
    expect(report.attribution.reduce((s, r) => s + r.deltaMs, 0)).toBeCloseTo(report.deltaMeanMs!, 6);
  });
});

describe('other splits', () => {
  const traces = cohort(40, 4, 3);
  it('--where: traces with a matching span against the rest', () => {
    const report = compareCohorts(foldTraces(new CompareAccumulator({ split: { kind: 'where', filter: { where: [{ key: 'model', op: '=', value: 'big', values: ['big'], numeric: null }] } } }), traces));
    expect(report.target.traces).toBe(10);
    expect(report.attribution[0]).toMatchObject({ name: 'complete' });
  });

  it('an empty cohort compares nothing', () => {
    const report = compareCohorts(foldTraces(new CompareAccumulator({ split: { kind: 'errors' } }), traces));
    expect(report.target.traces).toBe(0);
    expect(report.deltaMeanMs).toBeNull();
    expect(report.attribution).toEqual([]);
  });

  it('--baseline: a call only one side makes is listed as such', () => {
    const extra = trace('99', [
      { id: 'r', start: 0, dur: 10, service: 'api', name: 'GET /chat' },
      { id: 'x', parent: 'r', start: 1, dur: 5, service: 'search', name: 'lookup' },
    ]);
    const all = (list: Trace[]) => foldTraces(new CompareAccumulator({ split: { kind: 'all' } }), list).target;
    const report = compareCohorts({ target: all([...traces, extra]), baseline: all(traces), thresholdMs: null });
    expect(report.onlyIn.target).toEqual([{ service: 'search', name: 'lookup', perTrace: 1 / 41, traceShare: 1 / 41 }]);
  });
});

describe('statistics', () => {
  it('shareScore: 10 of 10 against 0 of 90 is far beyond noise; equal shares score 0', () => {
    // By hand: p1 = 11/12, p2 = 1/92; se = sqrt(p1(1−p1)/12 + p2(1−p2)/92) ≈ 0.0805; z ≈ 11.25.
    expect(shareScore(10, 10, 0, 90)).toBeCloseTo(11.25, 1);
    expect(shareScore(5, 10, 45, 90)).toBeCloseTo(0, 1);
  });

  it('rankScore: Mann–Whitney z, sign follows which side is larger', () => {
    expect(rankScore([10, 11, 12, 13], [1, 2, 3, 4])).toBeGreaterThan(2);
    expect(rankScore([1, 2, 3, 4], [10, 11, 12, 13])).toBeLessThan(-2);
    expect(rankScore([5, 5], [5, 5])).toBe(0);
  });

  it('attributeLatency: growth first, an operation gone counts as negative', () => {
    const changes = attributeLatency(
      [{ service: 's', name: 'a', ms: 30 }, { service: 's', name: 'b', ms: 5 }],
      [{ service: 's', name: 'a', ms: 10 }, { service: 's', name: 'c', ms: 4 }],
    );
    expect(changes.map((c) => [c.name, c.deltaMs])).toEqual([['a', 20], ['b', 5], ['c', -4]]);
  });

  it('the high-cardinality limit is a small number', () => {
    expect(MAX_DISTINCT_VALUES).toBeLessThan(50);
  });
});
