import { describe, expect, it } from 'vitest';
import { findInsights, InsightsAccumulator, runsSerially, statementShape, type Finding } from '../../src/analyze/insights.js';
import { foldTraces } from '../../src/analyze/accumulator.js';
import { buildTrace } from '../../src/model/build-trace.js';
import type { Trace } from '../../src/model/span.js';
import { loadFixture } from '../helpers/demo.js';
import { records, sid, type SpanSketch } from '../helpers/spans.js';

function trace(id: string, spans: SpanSketch[]): Trace {
  return buildTrace(id.padStart(32, '0'), records(spans.map((s) => ({ ...s, trace: id }))));
}

const only = (findings: Finding[], pattern: Finding['pattern']): Finding[] => findings.filter((f) => f.pattern === pattern);

/** `n` client calls to `db SELECT` under `api handle`, the i-th starting at `start(i)` and lasting 10 ms. */
function loop(id: string, n: number, start: (i: number) => number, extra: Partial<SpanSketch> = {}): Trace {
  const calls = Array.from({ length: n }, (_, i): SpanSketch => ({ id: `c${i}`, parent: 'p', name: 'SELECT', service: 'api', kind: 'client', start: start(i), dur: 10, ...extra }));
  const last = Math.max(...calls.map((c) => c.start + c.dur));
  return trace(id, [{ id: 'p', name: 'handle', service: 'api', kind: 'server', start: 0, dur: last + 5 }, ...calls]);
}

describe('N+1', () => {
  /*
   * Six SELECTs one after another, 2 ms apart, each 10 ms (window 0–70, sum 60):
   *   handle  |=========================================|  0–75
   *   SELECT  |==|                                          0–10   ◆
   *   SELECT      |==|                                      12–22  ◆
   *   …                                                     (six in all)
   *   SELECT                                  |==|          60–70  ◆
   * All on the critical path: batched they would take the longest, 10 ms: savable 70 − 10 = 60.
   */
  it('fires on a serial loop, with the window minus the longest as savable', () => {
    const [f, ...rest] = only(findInsights(loop('1', 6, (i) => i * 12)), 'n_plus_one');
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ service: 'api', name: 'SELECT', parentName: 'handle', count: 6, sumMs: 60, wallMs: 70, savableMs: 60 });
    expect(f!.spanIds).toEqual([0, 1, 2, 3, 4, 5].map((i) => sid(`c${i}`)));
  });

  /*
   * The same six calls overlapping, a fan-out (window 0–35, sum 60: 60 > 35 × 1.1):
   *   SELECT  |==|
   *   SELECT    |==|        each starts 5 ms after the one before
   *   …
   */
  it('does not fire on an overlapping fan-out of the same size', () => {
    expect(only(findInsights(loop('2', 6, (i) => i * 5)), 'n_plus_one')).toEqual([]);
  });

  /*
   * A near miss: each call starts 9.5 ms after the one before, so neighbours overlap by
   * 0.5 ms (5%): window 57.5, sum 60, 60 ≤ 57.5 × 1.1 — serial within the 10% tolerance.
   * With a 1% tolerance it is not.
   */
  it('a near miss whose members overlap by a few percent fires within the tolerance, not outside it', () => {
    const near = loop('3', 6, (i) => i * 9.5);
    expect(only(findInsights(near), 'n_plus_one')).toHaveLength(1);
    expect(only(findInsights(near, { overlapTolerance: 0.01 }), 'n_plus_one')).toEqual([]);
  });

  it('needs --min-repeats calls', () => {
    expect(only(findInsights(loop('4', 4, (i) => i * 12)), 'n_plus_one')).toEqual([]);
    expect(only(findInsights(loop('4', 4, (i) => i * 12), { minRepeats: 4 }), 'n_plus_one')).toHaveLength(1);
  });

  /*
   * Clock skew: the calls are server spans in another service whose clock runs 1 s ahead;
   * each is shifted back inside its client span, and the loop is still found:
   *   handle (api)   |=================|
   *   GET (api)      |==| |==| …            client calls, 12 ms apart
   *     get (cache)  1000+…                 server halves, skewed +1 s
   */
  it('is found the same under clock skew', () => {
    const spans: SpanSketch[] = [{ id: 'p', name: 'handle', service: 'api', kind: 'server', start: 0, dur: 80 }];
    for (let i = 0; i < 6; i++) {
      spans.push({ id: `c${i}`, parent: 'p', name: 'GET', service: 'api', kind: 'client', start: i * 12, dur: 10 });
      spans.push({ id: `s${i}`, parent: `c${i}`, name: 'get', service: 'cache', kind: 'server', start: 1000 + i * 12 + 1, dur: 8 });
    }
    const t = trace('5', spans);
    expect(t.warnings.some((w) => w.kind === 'clock-skew')).toBe(true);
    expect(only(findInsights(t), 'n_plus_one')).toMatchObject([{ name: 'GET', count: 6, wallMs: 70 }]);
  });

  it('groups database calls by statement shape once literals are stripped', () => {
    expect(statementShape("SELECT * FROM t WHERE id = 7 AND name = 'x' AND k IN (1, 2, 3)")).toBe('SELECT * FROM t WHERE id = ? AND name = ? AND k IN (?)');
    const calls = Array.from({ length: 5 }, (_, i): SpanSketch => ({ id: `q${i}`, parent: 'p', name: 'query', service: 'api', kind: 'client', start: i * 10, dur: 10, attrs: { 'db.query.text': `SELECT * FROM users WHERE id = ${i}` } }));
    const other = Array.from({ length: 5 }, (_, i): SpanSketch => ({ id: `o${i}`, parent: 'p', name: 'query', service: 'api', kind: 'client', start: 50 + i * 10, dur: 10, attrs: { 'db.query.text': `DELETE FROM carts WHERE id = ${i}` } }));
    const t = trace('6', [{ id: 'p', name: 'handle', service: 'api', kind: 'server', start: 0, dur: 100 }, ...calls, ...other]);
    expect(only(findInsights(t), 'n_plus_one').map((f) => f.count)).toEqual([5, 5]);
  });

  it('the real HotROD dispatch trace: 13 sequential redis GetDriver calls', async () => {
    const [hotrod] = await loadFixture('fixtures/otlp/hotrod-dispatch.json');
    const loops = only(findInsights(hotrod!), 'n_plus_one');
    expect(loops.map((f) => [f.service, f.name, f.count])).toContainEqual(['redis-manual', 'GetDriver', 13]);
    const f = loops.find((l) => l.name === 'GetDriver')!;
    // Serial: the calls add up to no more than their window.
    expect(runsSerially(f, 0)).toBe(true);
    expect(f.savableMs).toBeGreaterThan(0);
    expect(f.savableMs).toBeLessThanOrEqual(f.wallMs);
  });
});

describe('sequential independent calls', () => {
  /*
   *   checkout  |=======================|  0–60
   *   auth      |=====|                      0–20   client, ◆
   *   stock           |=====|                20–40  client, ◆
   *   price                 |=====|          40–60  client, ◆
   * Side by side they would take 20 ms: savable 60 − 20 = 40.
   */
  it('reports calls to different operations that ran back to back on the critical path', () => {
    const t = trace('7', [
      { id: 'p', name: 'checkout', service: 'shop', kind: 'server', start: 0, dur: 60 },
      { id: 'a', parent: 'p', name: 'auth', service: 'shop', kind: 'client', start: 0, dur: 20 },
      { id: 'b', parent: 'p', name: 'stock', service: 'shop', kind: 'client', start: 20, dur: 20 },
      { id: 'c', parent: 'p', name: 'price', service: 'shop', kind: 'client', start: 40, dur: 20 },
    ]);
    expect(only(findInsights(t), 'sequential_calls')).toMatchObject([{ count: 3, sumMs: 60, savableMs: 40, name: 'auth' }]);
  });

  it('not when they overlap', () => {
    const t = trace('8', [
      { id: 'p', name: 'checkout', service: 'shop', kind: 'server', start: 0, dur: 40 },
      { id: 'a', parent: 'p', name: 'auth', service: 'shop', kind: 'client', start: 0, dur: 20 },
      { id: 'b', parent: 'p', name: 'stock', service: 'shop', kind: 'client', start: 10, dur: 30 },
    ]);
    expect(only(findInsights(t), 'sequential_calls')).toEqual([]);
  });
});

describe('retry loops', () => {
  /*
   *   pay       |==========================|  0–100
   *   charge    |=====|✗                       0–20  503
   *   charge          |=====|✗                 25–45 error
   *   charge                |=====|            50–70 ok
   * Three attempts, two failed (40 ms spent on them), the last succeeded.
   */
  it('a retry loop that succeeds on the third attempt', () => {
    const t = trace('9', [
      { id: 'p', name: 'pay', service: 'shop', kind: 'server', start: 0, dur: 100 },
      { id: 'a', parent: 'p', name: 'charge', service: 'shop', kind: 'client', start: 0, dur: 20, attrs: { 'http.response.status_code': 503 } },
      { id: 'b', parent: 'p', name: 'charge', service: 'shop', kind: 'client', start: 25, dur: 20, status: 'error' },
      { id: 'c', parent: 'p', name: 'charge', service: 'shop', kind: 'client', start: 50, dur: 20, status: 'ok' },
    ]);
    const [f] = only(findInsights(t), 'retry_loop');
    expect(f).toMatchObject({ count: 3, savableMs: 40, name: 'charge' });
    expect(f!.evidence).toContain('2 failed');
    expect(f!.evidence).toContain('succeeded');
  });

  it('two calls that both succeeded are no retry loop', () => {
    const t = trace('10', [
      { id: 'p', name: 'pay', service: 'shop', kind: 'server', start: 0, dur: 100 },
      { id: 'a', parent: 'p', name: 'charge', service: 'shop', kind: 'client', start: 0, dur: 20 },
      { id: 'b', parent: 'p', name: 'charge', service: 'shop', kind: 'client', start: 25, dur: 20 },
    ]);
    expect(only(findInsights(t), 'retry_loop')).toEqual([]);
  });
});

describe('repeated identical calls', () => {
  /*
   * The same query three times in one request, under two different parents:
   *   page      |==============================|
   *   header    |======|          footer |======|
   *   SELECT    |=|  (×2 under header)   |=|
   * Every call after the first is cacheable: 2 × 5 ms.
   */
  it('the same query with the same text more than once in a trace', () => {
    const q = { 'db.statement': 'SELECT name FROM settings WHERE k = 1' };
    const t = trace('11', [
      { id: 'p', name: 'page', service: 'web', kind: 'server', start: 0, dur: 100 },
      { id: 'h', parent: 'p', name: 'header', service: 'web', start: 0, dur: 30 },
      { id: 'q1', parent: 'h', name: 'SELECT', service: 'web', kind: 'client', start: 0, dur: 5, attrs: q },
      { id: 'q2', parent: 'h', name: 'SELECT', service: 'web', kind: 'client', start: 10, dur: 5, attrs: q },
      { id: 'f', parent: 'p', name: 'footer', service: 'web', start: 70, dur: 30 },
      { id: 'q3', parent: 'f', name: 'SELECT', service: 'web', kind: 'client', start: 70, dur: 5, attrs: q },
      { id: 'q4', parent: 'f', name: 'SELECT', service: 'web', kind: 'client', start: 80, dur: 5, attrs: { 'db.statement': 'SELECT 2' } },
    ]);
    expect(only(findInsights(t), 'repeated_call')).toMatchObject([{ count: 3, sumMs: 15, savableMs: 10, parentSpanId: null }]);
  });
});

describe('masked timeouts', () => {
  /*
   *   gateway GET  |====================|✗  504 after 2 s
   *   search       |====================|   still running, no error
   */
  it('a proxy that gave up while the span below it was still working', () => {
    const t = trace('12', [
      { id: 'g', name: 'GET /search', service: 'gateway', kind: 'client', start: 0, dur: 2000, attrs: { 'http.response.status_code': 504 } },
      { id: 's', parent: 'g', name: 'search', service: 'index', kind: 'server', start: 1, dur: 2100 },
    ]);
    expect(only(findInsights(t), 'masked_timeout')).toMatchObject([{ service: 'index', name: 'search', parentName: 'GET /search', savableMs: 2000 }]);
  });
});

describe('InsightsAccumulator', () => {
  it('groups findings across traces, ranks by total savable time, and merges as one', () => {
    const traces = [loop('21', 6, (i) => i * 12), loop('22', 8, (i) => i * 12), loop('23', 6, (i) => i * 5)];
    const report = foldTraces(new InsightsAccumulator({ patterns: ['n_plus_one'] }), traces);
    expect(report.traces).toBe(3);
    expect(report.findings).toHaveLength(1);
    // 60 + (94 − 10) saved; two of three traces.
    expect(report.findings[0]).toMatchObject({ pattern: 'n_plus_one', name: 'SELECT', parentName: 'handle', traces: 2, findings: 2, countP50: 7 });
    expect(report.findings[0]!.savableMs.total).toBeCloseTo(60 + 84, 9);
    expect(report.findings[0]!.share).toBeCloseTo(2 / 3, 9);
    const a = new InsightsAccumulator({ patterns: ['n_plus_one'] });
    const b = new InsightsAccumulator({ patterns: ['n_plus_one'] });
    a.add(traces[2]!);
    b.add(traces[0]!);
    b.add(traces[1]!);
    a.merge(structuredClone(b.state()));
    expect(a.result()).toEqual(report);
  });

  it('does not change the traces it reads', () => {
    const t = loop('24', 6, (i) => i * 12);
    const before = JSON.stringify(t.spans);
    findInsights(t);
    expect(JSON.stringify(t.spans)).toBe(before);
  });
});
