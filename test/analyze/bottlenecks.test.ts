import { describe, expect, it } from 'vitest';
import { bottlenecks, type OperationBottleneck } from '../../src/analyze/bottlenecks.js';
import { buildTrace } from '../../src/model/build-trace.js';
import type { Trace } from '../../src/model/span.js';
import { DEMO_EPOCH_MS, DEMO_SEED, DEMO_TRACE_COUNT, generateDemoTraces, rootSpan } from '../../scripts/demo-traces.js';
import { DEMO_FORMATS, loadFixture, roundNumbers } from '../helpers/demo.js';
import { records, type SpanSketch } from '../helpers/spans.js';

const trace = (id: string, sketches: SpanSketch[]): Trace => buildTrace(id.padStart(32, '0'), records(sketches.map((s) => ({ ...s, trace: id }))));

/**
 * Trace 1, 100ms: a fan-out with an overlapped sibling, and an async consumer.
 *
 *   0    10        40   50   70   90 95 100      110       130
 *   GET /  |=============================|                             gw
 *    get   |====|                                                      cache   0-10  on path
 *    query      |========|                                             db     10-40  on path
 *    query      |==============|                                       db     10-70  overlapped by complete: off
 *    complete             |=========|                                  llm    50-90  on path
 *    publish                        |==|                               gw     90-95  on path (PRODUCER)
 *     consume                                     |=========|          worker 110-130 CONSUMER after the producer ended: async
 *
 *   path: get 0-10, query 10-40, GET / 40-50, complete 50-90, publish 90-95, GET / 95-100
 *   self: GET / 5 (100 − union 0-95), get 10, query 30 and 60, complete 40, publish 5, consume 20
 */
const fanOut = trace('1', [
  { id: 'r', start: 0, dur: 100, service: 'gw', name: 'GET /', kind: 'server' },
  { id: 'x', parent: 'r', start: 0, dur: 10, service: 'cache', name: 'get' },
  { id: 'a', parent: 'r', start: 10, dur: 30, service: 'db', name: 'query' },
  { id: 'b', parent: 'r', start: 10, dur: 60, service: 'db', name: 'query' },
  { id: 'c', parent: 'r', start: 50, dur: 40, service: 'llm', name: 'complete' },
  { id: 'p', parent: 'r', start: 90, dur: 5, service: 'gw', name: 'publish', kind: 'producer' },
  { id: 'q', parent: 'p', start: 110, dur: 20, service: 'worker', name: 'consume', kind: 'consumer' },
]);

/**
 * Trace 2, 50ms: sequential, with the cache get overlapped by the query.
 *
 *   0    5    15   25        45   50
 *   GET / |========================|       gw
 *    get      |====|                        cache  5-15  overlapped by query (ends 25): off
 *    query    |=========|                   db     5-25  on path
 *    complete            |=========|        llm   25-45  on path
 *
 *   path: GET / 0-5, query 5-25, complete 25-45, GET / 45-50
 *   self: GET / 10, get 10, query 20, complete 20
 */
const sequential = trace('2', [
  { id: 'r', start: 0, dur: 50, service: 'gw', name: 'GET /', kind: 'server' },
  { id: 'x', parent: 'r', start: 5, dur: 10, service: 'cache', name: 'get' },
  { id: 'a', parent: 'r', start: 5, dur: 20, service: 'db', name: 'query' },
  { id: 'c', parent: 'r', start: 25, dur: 20, service: 'llm', name: 'complete' },
]);

const op = (ops: OperationBottleneck[], service: string, name: string): OperationBottleneck => {
  const found = ops.find((o) => o.service === service && o.name === name);
  if (!found) throw new Error(`no operation ${service} ${name}`);
  return found;
};

describe('bottlenecks on hand-drawn traces', () => {
  const report = bottlenecks([fanOut, sequential]);

  it('ranks operations by their summed time on the critical path', () => {
    expect(report.traces).toBe(2);
    expect(report.totalDurationMs).toBe(150);
    expect(report.operations.map((o) => [`${o.service} ${o.name}`, o.criticalMs])).toEqual([
      ['llm complete', 60],
      ['db query', 50],
      ['gw GET /', 25],
      ['cache get', 10],
      ['gw publish', 5],
      ['worker consume', 0],
    ]);
    // With one root per trace, the path covers each trace exactly once.
    expect(report.operations.reduce((sum, o) => sum + o.criticalShare, 0)).toBeCloseTo(1, 12);
  });

  it('counts every span of an operation, including the overlapped parallel one', () => {
    const query = op(report.operations, 'db', 'query');
    expect(query).toMatchObject({ count: 3, traces: 2, criticalMs: 50, onPathFrequency: 1 });
    expect(query.criticalShare).toBeCloseTo(50 / 150, 12);
    // durations 20, 30, 60: p95 at rank 1.9 is 30 + 0.9 × 30
    expect(query.durationMs.p50).toBe(30);
    expect(query.durationMs.p95).toBeCloseTo(57, 9);
    expect(query.durationMs.p99).toBeCloseTo(59.4, 9);
    expect(query.selfMs.total).toBe(110);
  });

  it('separates self time from duration for a parent', () => {
    const root = op(report.operations, 'gw', 'GET /');
    expect(root.selfMs).toEqual({ p50: 7.5, p95: expect.closeTo(9.75, 9), p99: expect.closeTo(9.95, 9), total: 15 });
    expect(root.durationMs.p50).toBe(75);
  });

  it('says how often an operation is on the path of the traces that hold it', () => {
    // On the path in the fan-out trace, overlapped by the query in the sequential one.
    expect(op(report.operations, 'cache', 'get')).toMatchObject({ count: 2, traces: 2, criticalMs: 10, onPathFrequency: 0.5 });
  });

  it('keeps an async consumer off the path but counts its work', () => {
    expect(op(report.operations, 'worker', 'consume')).toMatchObject({
      count: 1,
      criticalMs: 0,
      criticalShare: 0,
      onPathFrequency: 0,
      selfMs: { p50: 20, p95: 20, p99: 20, total: 20 },
    });
    expect(fanOut.durationMs).toBe(100);
  });

  it('breaks ties by name, then service', () => {
    // 0    10   20   30
    // root |=============|
    //  b-op |====|            0-10
    //  a-op      |====|       10-20
    //  a-op (svc z)   |====|  20-30   each on the path for 10ms
    const t = trace('3', [
      { id: 'r', start: 0, dur: 30, name: 'root' },
      { id: 'b', parent: 'r', start: 0, dur: 10, name: 'b-op' },
      { id: 'a', parent: 'r', start: 10, dur: 10, name: 'a-op', service: 'z' },
      { id: 'c', parent: 'r', start: 20, dur: 10, name: 'a-op', service: 'y' },
    ]);
    expect(bottlenecks([t]).operations.map((o) => `${o.service} ${o.name}`)).toEqual(['y a-op', 'z a-op', 'svc b-op', 'svc root']);
  });

  it('compares the critical-path mix of the fastest half with the slowest tenth', () => {
    // Two traces: the fast band is the 50ms trace, the slow band the 100ms one.
    // fast mix (of 50ms): GET / 10, query 20, complete 20 → 20%, 40%, 40%
    // slow mix (of 100ms): GET / 15, get 10, query 30, complete 40, publish 5
    const bands = bottlenecks([fanOut, sequential], { bands: true }).bands!;
    expect(bands.fast).toEqual({ traces: 1, minDurationMs: 50, maxDurationMs: 50 });
    expect(bands.slow).toEqual({ traces: 1, minDurationMs: 100, maxDurationMs: 100 });
    expect(bands.operations.map((o) => [`${o.service} ${o.name}`, o.fastShare, o.slowShare])).toEqual([
      ['cache get', 0, 0.1],
      ['gw publish', 0, 0.05],
      ['llm complete', 0.4, 0.4],
      ['gw GET /', 0.2, 0.15],
      ['db query', 0.4, 0.3],
    ]);
    expect(bands.operations.map((o) => o.growth)).toEqual([0.1, 0.05, 0, expect.closeTo(-0.05, 12), expect.closeTo(-0.1, 12)]);
    expect(bands.operations.find((o) => o.name === 'query')).toMatchObject({ fastMsPerTrace: 20, slowMsPerTrace: 30 });
  });

  it('sizes the bands in traces: ⌊50%⌋ fastest and ⌈10%⌉ slowest', () => {
    // 0  i
    // r |==|      twenty one-span traces of 1..20ms
    const many = Array.from({ length: 20 }, (_, i) => trace(String(i + 10), [{ id: 'r', start: 0, dur: i + 1, name: 'root' }]));
    const bands = bottlenecks(many, { bands: true }).bands!;
    expect(bands.fast).toEqual({ traces: 10, minDurationMs: 1, maxDurationMs: 10 });
    expect(bands.slow).toEqual({ traces: 2, minDurationMs: 19, maxDurationMs: 20 });
  });

  it('has no bands to compare for a single trace, and nothing at all for none', () => {
    expect(bottlenecks([sequential], { bands: true }).bands).toBeNull();
    expect(bottlenecks([], { bands: true })).toEqual({ traces: 0, totalDurationMs: 0, operations: [], bands: null });
    expect(bottlenecks([sequential]).bands).toBeUndefined();
  });

  it('does not modify the traces it analyzes', () => {
    const before = JSON.stringify([fanOut.spans, sequential.spans, [...fanOut.children]]);
    bottlenecks([fanOut, sequential], { bands: true });
    expect(JSON.stringify([fanOut.spans, sequential.spans, [...fanOut.children]])).toBe(before);
  });
});

describe('bottlenecks on the demo traces', async () => {
  const [otlp, jaeger, zipkin] = await Promise.all([loadFixture(DEMO_FORMATS.otlp), loadFixture(DEMO_FORMATS.jaeger), loadFixture(DEMO_FORMATS.zipkin)]);
  const report = bottlenecks(otlp!, { bands: true });
  const model = generateDemoTraces({ seed: DEMO_SEED, count: DEMO_TRACE_COUNT, startEpochMs: DEMO_EPOCH_MS });

  it('gives the same answer from OTLP, Jaeger and Zipkin', () => {
    expect(roundNumbers(bottlenecks(jaeger!, { bands: true }))).toEqual(roundNumbers(report));
    expect(roundNumbers(bottlenecks(zipkin!, { bands: true }))).toEqual(roundNumbers(report));
  });

  it('covers every trace: durations are the root spans, and the path adds up to them', () => {
    expect(report.traces).toBe(70);
    const rootTotalMs = model.reduce((sum, t) => sum + rootSpan(t).durationUs / 1000, 0);
    expect(report.totalDurationMs).toBeCloseTo(rootTotalMs, 6);
    expect(report.operations.reduce((sum, o) => sum + o.criticalMs, 0)).toBeCloseTo(rootTotalMs, 6);
  });

  it('counts every span once', () => {
    expect(report.operations.reduce((n, o) => n + o.count, 0)).toBe(847);
    const completions = model.flatMap((t) => t.spans).filter((s) => s.name === 'llm_completion');
    expect(report.operations.find((o) => o.name === 'llm_completion')!.count).toBe(completions.length);
  });

  it('puts the LLM completion first and never puts the async consumer on the path', () => {
    expect(report.operations[0]).toMatchObject({ service: 'llm-api', name: 'llm_completion', onPathFrequency: 1 });
    expect(report.operations[0]!.criticalShare).toBeGreaterThan(0.5);
    const consumer = report.operations.find((o) => o.service === 'usage-worker' && o.name === 'process usage-event')!;
    expect(consumer).toMatchObject({ count: 51, criticalMs: 0, onPathFrequency: 0 });
  });

  it('shows the slow SELECTs taking over the path of the slowest requests', () => {
    // Two of the seven slowest traces are slow vector-store searches (a 6-7.6s SELECT); of 70
    // traces the fast band is the fastest 35.
    const bands = report.bands!;
    expect(bands.fast.traces).toBe(35);
    expect(bands.slow.traces).toBe(7);
    expect(bands.slow.maxDurationMs).toBeCloseTo(9551.749, 6);
    expect(bands.operations[0]).toMatchObject({ service: 'vector-store', name: 'SELECT' });
    expect(bands.operations[0]!.growth).toBeGreaterThan(0.2);
  });
});

describe('bottlenecks on real traces', () => {
  it('ranks the HotROD dispatch trace: routes, the customer query, then 13 sequential GetDriver calls', async () => {
    // fixtures/otlp/hotrod-dispatch.json: one 1116.967ms GET /dispatch whose children all run one
    // after another (customer → driver.FindNearest → 10 × route), so every span's self time is on
    // the path. The 10 GET /route calls (554.47ms) outweigh the 13 redis GetDriver calls
    // (205.71ms) and the single SQL SELECT (311.68ms); GetDriver dominates the driver leg: 205.71
    // of FindNearest's 243.48ms.
    const [t] = await loadFixture('fixtures/otlp/hotrod-dispatch.json');
    const report = bottlenecks([t!]);
    expect(report.totalDurationMs).toBeCloseTo(1116.967287, 6);
    expect(report.operations.slice(0, 4).map((o) => [o.service, o.name, o.count, Math.round(o.criticalMs * 1000) / 1000])).toEqual([
      ['route', 'GET /route', 10, 554.465],
      ['mysql', 'SQL SELECT', 1, 311.681],
      ['redis-manual', 'GetDriver', 13, 205.712],
      ['redis-manual', 'FindDriverIDs', 1, 37.256],
    ]);
    const getDriver = op(report.operations, 'redis-manual', 'GetDriver');
    expect(getDriver.criticalShare).toBeCloseTo(0.18417, 5);
    expect(getDriver.onPathFrequency).toBe(1);
    expect(getDriver.durationMs.p50).toBeCloseTo(13.333, 3);
    const findNearest = t!.spans.find((s) => s.service === 'driver' && s.name === 'driver.DriverService/FindNearest')!;
    expect(getDriver.criticalMs / findNearest.durationMs).toBeGreaterThan(0.84);
    // A fully sequential trace: critical time is self time, operation by operation.
    for (const o of report.operations) expect(o.criticalMs).toBeCloseTo(o.selfMs.total, 6);
  });
});
