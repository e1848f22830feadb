import { describe, expect, it } from 'vitest';
import { parseBudgetFile } from '../../src/commands/budgets-file.js';
import { evaluateBudgets, spanCriticalPath, type BudgetResult, type CheckReport, type EvaluateOptions } from '../../src/analyze/budgets.js';
import { buildTrace } from '../../src/model/build-trace.js';
import type { Trace } from '../../src/model/span.js';
import { renderJson } from '../../src/report/json.js';
import { records, sid, type SpanSketch } from '../helpers/spans.js';
import { checkJson, readBaseline } from '../../src/report/check-json.js';

/** A trace from sketches; `id` is its (short) trace id. */
function trace(id: string, spans: SpanSketch[]): Trace {
  return buildTrace(id.padStart(32, '0'), records(spans.map((s) => ({ ...s, trace: id }))));
}
const tid = (id: string): string => id.padStart(32, '0');

/** Evaluates one budget named "b"; `extra` holds more keys of the budget, one per line. */
function check(traces: readonly Trace[], select: string, asserts: string[], extra: string[] = [], options: EvaluateOptions = {}): CheckReport {
  const yaml = `version: 1\nbudgets:\n  - name: b\n    select: ${select}\n    assert: ${JSON.stringify(asserts)}\n${extra.map((l) => `    ${l}\n`).join('')}`;
  return evaluateBudgets(traces, parseBudgetFile(yaml, 'b.yaml'), options);
}

/** assertion text → [status, actual] */
function outcomes(report: CheckReport): Record<string, [BudgetResult['status'], number | null]> {
  return Object.fromEntries(report.results.map((r) => [r.assertion, [r.status, r.actual === null ? null : +r.actual.toFixed(9)]]));
}

/*
 * Five requests, roots only but for the slowest:
 *
 *   t1  GET /a |=|                      100ms
 *   t2  GET /a |==|                     200ms
 *   t3  GET /a |===|                    300ms
 *   t4  GET /a |====|                   400ms  error
 *   t5  GET /a |==========|            1000ms
 *        SELECT  |========|             100–900ms (db)
 *
 * Sorted durations [100, 200, 300, 400, 1000]; percentiles interpolate between ranks
 * (rank = p/100 × (n − 1)):
 *   p(50): rank 2            → 300
 *   p(25): rank 1            → 200
 *   p(90): rank 3.6 → 400 + 0.6 × 600 = 760
 *   p(95): rank 3.8 → 400 + 0.8 × 600 = 880
 *   avg 2000/5 = 400, min 100, max 1000, med 300, count 5, error_rate 1/5 = 20%.
 * Critical path of t5: GET /a 0–100 ◆, SELECT 100–900 ◆, GET /a 900–1000 ◆.
 */
const five = [
  trace('1', [{ id: 'r1', name: 'GET /a', service: 'api', kind: 'server', start: 0, dur: 100 }]),
  trace('2', [{ id: 'r2', name: 'GET /a', service: 'api', kind: 'server', start: 0, dur: 200 }]),
  trace('3', [{ id: 'r3', name: 'GET /a', service: 'api', kind: 'server', start: 0, dur: 300 }]),
  trace('4', [{ id: 'r4', name: 'GET /a', service: 'api', kind: 'server', start: 0, dur: 400, status: 'error' }]),
  trace('5', [
    { id: 'r5', name: 'GET /a', service: 'api', kind: 'server', start: 0, dur: 1000 },
    { id: 'q5', parent: 'r5', name: 'SELECT', service: 'db', kind: 'client', start: 100, dur: 800 },
  ]),
];

describe('duration metrics over hand-computed percentiles', () => {
  it('p(N), avg, min, max, med, count and error_rate of the roots', () => {
    const report = check(five, '{}', [
      'p(50) == 300ms',
      'p(25) == 200ms',
      'p(90) == 760ms',
      'p(95) == 880ms',
      'avg == 400ms',
      'min == 100ms',
      'max == 1s',
      'med == 300ms',
      'count == 5',
      'error_rate == 20%',
    ]);
    expect(outcomes(report)).toEqual({
      'p(50) == 300ms': ['pass', 300],
      'p(25) == 200ms': ['pass', 200],
      'p(90) == 760ms': ['pass', 760],
      'p(95) == 880ms': ['pass', 880],
      'avg == 400ms': ['pass', 400],
      'min == 100ms': ['pass', 100],
      'max == 1s': ['pass', 1000],
      'med == 300ms': ['pass', 300],
      'count == 5': ['pass', 5],
      'error_rate == 20%': ['pass', 0.2],
    });
    expect(report.passed).toBe(true);
    expect(report.results.every((r) => r.samples === 5 && r.traces === 5)).toBe(true);
  });

  it('each operator at and around the limit', () => {
    const report = check(five, '{}', ['p(95) < 880ms', 'p(95) <= 880ms', 'p(95) > 880ms', 'p(95) >= 880ms', 'p(95) == 879ms', 'p(95) > 879ms', 'p(95) < 881ms']);
    expect(Object.fromEntries(report.results.map((r) => [r.assertion, r.status]))).toEqual({
      'p(95) < 880ms': 'fail',
      'p(95) <= 880ms': 'pass',
      'p(95) > 880ms': 'fail',
      'p(95) >= 880ms': 'pass',
      'p(95) == 879ms': 'fail',
      'p(95) > 879ms': 'pass',
      'p(95) < 881ms': 'pass',
    });
    expect(report.passed).toBe(false);
  });

  it('percentages compare without floating-point noise', () => {
    // 1/5 and 20/100 are not the same double everywhere; 0.1 + 0.2 famously is not 0.3.
    expect(outcomes(check(five, '{}', ['error_rate <= 20%', 'error_rate >= 20.0%']))).toEqual({
      'error_rate <= 20%': ['pass', 0.2],
      'error_rate >= 20.0%': ['pass', 0.2],
    });
  });

  it('names the traces that break a duration limit, worst first, and the critical path of the worst', () => {
    const [row] = check(five, '{}', ['p(95) < 350ms']).results;
    expect(row).toMatchObject({ status: 'fail', reason: 'broken' });
    // 400 + 0.8 × 600 is 879.9999999999999 in doubles: why comparisons allow a billionth.
    expect(row!.actual).toBeCloseTo(880, 9);
    // Only t5 (1000ms) and t4 (400ms) exceed 350ms on their own.
    expect(row!.worstTraces).toEqual([
      { traceId: tid('5'), value: 1000 },
      { traceId: tid('4'), value: 400 },
    ]);
    expect(row!.breakdown).toEqual({
      traceId: tid('5'),
      spanId: sid('r5'),
      service: 'api',
      name: 'GET /a',
      durationMs: 1000,
      operations: [
        { service: 'db', name: 'SELECT', ms: 800 },
        { service: 'api', name: 'GET /a', ms: 200 },
      ],
    });
  });

  it('a lower bound broken: the fastest traces are the worst', () => {
    const [row] = check(five, '{}', ['min >= 250ms']).results;
    expect(row).toMatchObject({ status: 'fail', actual: 100 });
    expect(row!.worstTraces.map((t) => t.traceId)).toEqual([tid('1'), tid('2')]);
  });

  /*
   *   api GET /b  |==========|        0–100ms
   *   api late         |==========|  50–150ms  (same service: no clock-skew shift)
   * The trace lasts 150ms; its root span 100ms.
   */
  it('root: true (and an empty select) measures the trace, a span by name its own duration', () => {
    const overflow = trace('6', [
      { id: 'r6', name: 'GET /b', service: 'api', start: 0, dur: 100 },
      { id: 'c6', parent: 'r6', name: 'late', service: 'api', start: 50, dur: 100 },
    ]);
    expect(overflow.durationMs).toBe(150);
    expect(check([overflow], '{ root: true }', ['max == 150ms']).results[0]!.status).toBe('pass');
    expect(check([overflow], '{}', ['max == 150ms']).results[0]!.status).toBe('pass');
    expect(check([overflow], '{ name: "GET /b" }', ['max == 100ms']).results[0]!.status).toBe('pass');
    expect(check([overflow], '{ service: api, root: false }', ['count == 1', 'max == 100ms']).passed).toBe(true);
  });

  it('does not change the traces it reads', () => {
    const copy = structuredClone(five);
    check(five, '{ service: db }', ['p(95) < 1ms', 'critical_share < 1%', 'count_per_trace < 1']);
    expect(five).toEqual(copy);
  });
});

/*
 * An LLM gateway:
 *
 *   A  POST /v1/chat  |========================================|  0–400
 *        cache_lookup  |=|                          cache.hit=false   10–20
 *        llm_completion   |=========|               tokens 1000       30–130
 *        llm_completion              |=========|    tokens 2500       140–240
 *        llm_completion                         |=============|  tokens "3000" 250–390
 *   B  POST /v1/chat  |====================|                       0–200
 *        cache_lookup  |                            cache.hit=true    10–15
 *        llm_completion  |=================|  ✗     tokens 900        20–190
 *   C  POST /v1/chat  |=====|                                      0–50
 *        cache_lookup  |                            cache.hit=true    5–10
 *   D  POST /v1/ask   |==========|                                 0–100
 *        cache_lookup  |                            (no signal)       5–10
 *        llm_completion  |======|                   (no tokens)       20–90
 */
const gateway = [
  trace('a', [
    { id: 'ra', name: 'POST /v1/chat', service: 'gateway', kind: 'server', start: 0, dur: 400 },
    { id: 'ka', parent: 'ra', name: 'cache_lookup', service: 'gateway', start: 10, dur: 10, attrs: { 'cache.hit': false } },
    { id: 'l1', parent: 'ra', name: 'llm_completion', service: 'llm-api', kind: 'client', start: 30, dur: 100, attrs: { 'gen_ai.usage.input_tokens': 1000 } },
    { id: 'l2', parent: 'ra', name: 'llm_completion', service: 'llm-api', kind: 'client', start: 140, dur: 100, attrs: { 'gen_ai.usage.input_tokens': 2500 } },
    { id: 'l3', parent: 'ra', name: 'llm_completion', service: 'llm-api', kind: 'client', start: 250, dur: 140, attrs: { 'gen_ai.usage.input_tokens': '3000' } },
  ]),
  trace('b', [
    { id: 'rb', name: 'POST /v1/chat', service: 'gateway', kind: 'server', start: 0, dur: 200 },
    { id: 'kb', parent: 'rb', name: 'cache_lookup', service: 'gateway', start: 10, dur: 5, attrs: { 'cache.hit': true } },
    { id: 'lb', parent: 'rb', name: 'llm_completion', service: 'llm-api', kind: 'client', start: 20, dur: 170, status: 'error', attrs: { 'gen_ai.usage.input_tokens': 900 } },
  ]),
  trace('c', [
    { id: 'rc', name: 'POST /v1/chat', service: 'gateway', kind: 'server', start: 0, dur: 50 },
    { id: 'kc', parent: 'rc', name: 'cache_lookup', service: 'gateway', start: 5, dur: 5, attrs: { 'cache.hit': 'true' } },
  ]),
  trace('d', [
    { id: 'rd', name: 'POST /v1/ask', service: 'gateway', kind: 'server', start: 0, dur: 100 },
    { id: 'kd', parent: 'rd', name: 'cache_lookup', service: 'gateway', start: 5, dur: 5 },
    { id: 'ld', parent: 'rd', name: 'llm_completion', service: 'llm-api', kind: 'client', start: 20, dur: 70 },
  ]),
];

describe('selection', () => {
  it('service and name are globs; kind, root and where narrow further, all on one span', () => {
    const counts = (select: string): number => check(gateway, select, ['count > 0']).results[0]!.samples;
    expect(counts('{ service: "llm-*" }')).toBe(5);
    expect(counts('{ name: "POST /v1/*", root: true }')).toBe(4);
    expect(counts('{ name: "POST /v1/c?at" }')).toBe(3);
    expect(counts('{ service: gateway, root: false }')).toBe(4);
    expect(counts('{ kind: client }')).toBe(5);
    expect(counts('{ kind: server, name: cache_lookup }')).toBe(0);
    expect(counts('{ service: llm-api, where: "gen_ai.usage.input_tokens>950" }')).toBe(3);
    expect(counts('{ where: ["cache.hit=true", "service=gateway"] }')).toBe(2);
  });
});

describe('rates and per-trace metrics', () => {
  it('error_rate is the share of selected spans in error', () => {
    expect(outcomes(check(gateway, '{ name: llm_completion }', ['error_rate == 20%', 'count == 5']))).toEqual({
      'error_rate == 20%': ['pass', 0.2],
      'count == 5': ['pass', 5],
    });
  });

  it('hit_ratio counts only spans with a hit/miss signal: 2 hits of 3 lookups', () => {
    const report = check(gateway, '{ name: cache_lookup }', ['hit_ratio >= 70%', 'hit_ratio > 66%']);
    expect(outcomes(report)).toEqual({ 'hit_ratio >= 70%': ['fail', +(2 / 3).toFixed(9)], 'hit_ratio > 66%': ['pass', +(2 / 3).toFixed(9)] });
    expect(report.results[0]!.samples).toBe(4);
    // A's lookup missed: 0% on its own; B and C hit every time and pass alone.
    expect(report.results[0]!.worstTraces).toEqual([{ traceId: tid('a'), value: 0 }]);
  });

  it('count_per_trace: per trace holding a selected span; actual is the worst trace', () => {
    // llm_completion per trace: A 3, B 1, D 1 (C has none and is not counted).
    const report = check(gateway, '{ name: llm_completion }', ['count_per_trace <= 2', 'count_per_trace >= 2', 'count_per_trace == 1', 'count_per_trace <= 3']);
    expect(outcomes(report)).toEqual({
      'count_per_trace <= 2': ['fail', 3],
      'count_per_trace >= 2': ['fail', 1],
      'count_per_trace == 1': ['fail', 3],
      'count_per_trace <= 3': ['pass', 3],
    });
    expect(report.results[0]!.worstTraces).toEqual([{ traceId: tid('a'), value: 3 }]);
    expect(report.results[1]!.worstTraces).toEqual([
      { traceId: tid('b'), value: 1 },
      { traceId: tid('d'), value: 1 },
    ]);
    // Not a duration metric: the breakdown is the whole trace's critical path.
    expect(report.results[0]!.breakdown).toMatchObject({ traceId: tid('a'), spanId: sid('ra'), durationMs: 400 });
  });

  it('sum(ATTR)_per_trace adds numbers and numeric strings; traces without the attribute are left out', () => {
    // A: 1000 + 2500 + "3000" = 6500; B: 900; D's call carries no token count.
    const report = check(gateway, '{ name: llm_completion }', ['sum(gen_ai.usage.input_tokens)_per_trace < 5000', 'sum(gen_ai.usage.input_tokens)_per_trace > 1000']);
    expect(outcomes(report)).toEqual({
      'sum(gen_ai.usage.input_tokens)_per_trace < 5000': ['fail', 6500],
      'sum(gen_ai.usage.input_tokens)_per_trace > 1000': ['fail', 900],
    });
    expect(report.results[0]!.worstTraces).toEqual([{ traceId: tid('a'), value: 6500 }]);
    expect(report.results[1]!.worstTraces).toEqual([{ traceId: tid('b'), value: 900 }]);
  });

  it('a metric without data fails, and says so (a misspelt attribute must not pass)', () => {
    const report = check(gateway, '{ name: llm_completion }', ['sum(gen_ai.usage.input_token)_per_trace < 5000']);
    expect(report.results[0]).toMatchObject({ status: 'fail', reason: 'no-data', actual: null });
    const lookups = check(gateway, '{ name: llm_completion }', ['hit_ratio > 10%'], ['on_missing: skip']);
    expect(lookups.results[0]).toMatchObject({ status: 'skip', reason: 'no-data' });
    expect(lookups.passed).toBe(true);
  });
});

/*
 *   P  handle  |==========|            0–100ms (app)
 *        query    |===|                10–40   (db)   ◆ 30ms on the path
 *        render        |====|          50–90   (app)  ◆ 40ms
 *      path: handle 0–10 ◆ query 10–40 ◆ handle 40–50 ◆ render 50–90 ◆ handle 90–100 ◆
 *
 *   Q  handle  |====================|  0–200ms (app)
 *        query  |===============|      0–150   (db)   not on the path: compute ends later
 *        compute|===================|  0–190   (app)  ◆ 190ms
 *
 *   R  handle  |====================|  0–1000ms, no db at all: not part of the share
 *
 * critical_share of db = (30 + 0) / (100 + 200) = 10%; per trace P 30%, Q 0%.
 */
const shares = [
  trace('p', [
    { id: 'hp', name: 'handle', service: 'app', start: 0, dur: 100 },
    { id: 'qp', parent: 'hp', name: 'query', service: 'db', start: 10, dur: 30 },
    { id: 'np', parent: 'hp', name: 'render', service: 'app', start: 50, dur: 40 },
  ]),
  trace('q', [
    { id: 'hq', name: 'handle', service: 'app', start: 0, dur: 200 },
    { id: 'qq', parent: 'hq', name: 'query', service: 'db', start: 0, dur: 150 },
    { id: 'cq', parent: 'hq', name: 'compute', service: 'app', start: 0, dur: 190 },
  ]),
  trace('r', [{ id: 'hr', name: 'handle', service: 'app', start: 0, dur: 1000 }]),
];

describe('critical_share', () => {
  it('is the selected spans’ time on the critical path over the durations of the traces holding them', () => {
    expect(outcomes(check(shares, '{ service: db }', ['critical_share < 10%', 'critical_share <= 10%', 'critical_share > 9.99%']))).toEqual({
      'critical_share < 10%': ['fail', 0.1],
      'critical_share <= 10%': ['pass', 0.1],
      'critical_share > 9.99%': ['pass', 0.1],
    });
  });

  it('names the trace where the selection held things up, with that trace’s critical path', () => {
    const [row] = check(shares, '{ service: db }', ['critical_share < 5%']).results;
    expect(row!.worstTraces).toEqual([{ traceId: tid('p'), value: 0.3 }]);
    expect(row!.breakdown!.operations).toEqual([
      { service: 'app', name: 'render', ms: 40 },
      { service: 'app', name: 'handle', ms: 30 },
      { service: 'db', name: 'query', ms: 30 },
    ]);
  });

  it('a duration failure of an inner span breaks down that span’s own subtree', () => {
    // Q's query is off the trace's critical path, but its own path is itself.
    const [row] = check(shares, '{ name: query }', ['max < 100ms']).results;
    expect(row!.worstTraces).toEqual([{ traceId: tid('q'), value: 150 }]);
    expect(row!.breakdown).toEqual({ traceId: tid('q'), spanId: sid('qq'), service: 'db', name: 'query', durationMs: 150, operations: [{ service: 'db', name: 'query', ms: 150 }] });
    const q = shares[1]!;
    expect(spanCriticalPath(q, q.byId.get(sid('hq'))!).map((s) => [s.spanId, s.startMs, s.endMs])).toEqual([
      [sid('cq'), 0, 190],
      [sid('hq'), 190, 200],
    ]);
  });
});

describe('min_samples and on_missing', () => {
  it('fewer samples than min_samples fails every assertion of the budget, even ones that hold', () => {
    const report = check(five, '{}', ['p(95) < 10s', 'count >= 1'], ['min_samples: 6']);
    expect(report.results.map((r) => [r.status, r.reason, r.samples, r.minSamples])).toEqual([
      ['fail', 'too-few-samples', 5, 6],
      ['fail', 'too-few-samples', 5, 6],
    ]);
    expect(report.budgets[0]).toMatchObject({ status: 'fail', samples: 5, minSamples: 6 });
    expect(report.passed).toBe(false);
    expect(check(five, '{}', ['p(95) < 10s'], ['min_samples: 5']).passed).toBe(true);
  });

  it('on_missing: skip skips the budget instead; the check still passes', () => {
    const report = check(five, '{}', ['p(95) < 10s'], ['min_samples: 6', 'on_missing: skip']);
    expect(report.results[0]).toMatchObject({ status: 'skip', reason: 'too-few-samples' });
    expect(report.budgets[0]!.status).toBe('skip');
    expect(report.passed).toBe(true);
  });

  it('a select that matches nothing never passes silently', () => {
    const report = check(five, '{ service: nowhere }', ['p(95) < 10s', 'count == 0']);
    expect(report.results.map((r) => [r.status, r.reason, r.actual])).toEqual([
      ['fail', 'too-few-samples', null],
      ['fail', 'too-few-samples', 0],
    ]);
    expect(check([], '{}', ['p(95) < 10s']).passed).toBe(false);
  });

  it('takes min_samples from defaults', () => {
    const file = parseBudgetFile('version: 1\ndefaults: { min_samples: 10 }\nbudgets:\n  - { name: a, assert: "count > 0" }\n', 'b.yaml');
    expect(evaluateBudgets(five, file).results[0]).toMatchObject({ status: 'fail', reason: 'too-few-samples', minSamples: 10 });
  });
});

/*
 * Baseline and current runs of the same request, four times each:
 *
 *   baseline  handle |==============|        0–300ms
 *               query |====|                 0–100   ◆ 100ms
 *               complete   |=========|       100–300 ◆ 200ms
 *   current   handle |=======================|  0–500ms
 *               query |====|                 0–100   ◆ 100ms
 *               complete   |=================| 100–500 ◆ 400ms   (+200ms: the regression)
 *
 * p(50) goes 300 → 500: 66.7% worse; with 10% allowed the limit is 330ms.
 */
function run(prefix: string, completeMs: number, n = 4): Trace[] {
  return Array.from({ length: n }, (_, i) =>
    trace(`${prefix}${i}`, [
      { id: `h${i}`, name: 'handle', service: 'app', start: 0, dur: 100 + completeMs },
      { id: `q${i}`, parent: `h${i}`, name: 'query', service: 'db', start: 0, dur: 100 },
      { id: `c${i}`, parent: `h${i}`, name: 'complete', service: 'llm', start: 100, dur: completeMs },
    ]),
  );
}
const before = run('b', 200);
const after = run('c', 400);

/** A baseline as a later run reads it: through the JSON an earlier run printed. */
function baselineOf(report: CheckReport) {
  const baseline = readBaseline(JSON.parse(renderJson(checkJson(report))));
  expect(baseline).not.toBeNull();
  return baseline!;
}

describe('regressions against a baseline', () => {
  const asserts = ['p(50) < 1s', 'min > 1ms'];
  const baseline = baselineOf(check(before, '{}', asserts));

  it('fails when a metric got worse by more than allowed, and names what grew on the critical path', () => {
    const report = check(after, '{}', asserts, [], { baseline, maxRegression: 0.1 });
    expect(report.results.map((r) => [r.kind, r.assertion, r.status])).toEqual([
      ['assertion', 'p(50) < 1s', 'pass'],
      ['regression', 'p(50) within +10% of baseline', 'fail'],
      ['assertion', 'min > 1ms', 'pass'],
      ['regression', 'min within -10% of baseline', 'pass'],
    ]);
    const regression = report.results[1]!;
    expect(regression).toMatchObject({ reason: 'regressed', actual: 500, baseline: 300, op: '<=', maxRegression: 0.1 });
    expect(regression.limit).toBeCloseTo(330, 9);
    expect(regression.change).toBeCloseTo(2 / 3, 9);
    expect(regression.attribution).toEqual([{ service: 'llm', name: 'complete', baselineMs: 200, currentMs: 400, deltaMs: 200 }]);
    expect(regression.worstTraces.map((t) => t.traceId)).toEqual([tid('c0'), tid('c1'), tid('c2')]);
    expect(report.passed).toBe(false);
    // The per-budget composition the next run will compare with.
    expect(report.budgets[0]!.criticalPath).toEqual([
      { service: 'llm', name: 'complete', ms: 400 },
      { service: 'db', name: 'query', ms: 100 },
    ]);
  });

  it('a lower bound regresses when the value falls', () => {
    // min went 300 → 500 (better); the other way round it falls by 40%.
    const report = check(before, '{}', asserts, [], { baseline: baselineOf(check(after, '{}', asserts)), maxRegression: 0.1 });
    expect(report.results.filter((r) => r.kind === 'regression').map((r) => [r.assertion, r.status, +r.change!.toFixed(6)])).toEqual([
      ['p(50) within +10% of baseline', 'pass', -0.4],
      ['min within -10% of baseline', 'fail', 0.4],
    ]);
  });

  it('passes when unchanged or better', () => {
    const same = check(before, '{}', asserts, [], { baseline, maxRegression: 0.1 });
    expect(same.passed).toBe(true);
    expect(same.results.filter((r) => r.kind === 'regression').map((r) => r.change)).toEqual([0, 0]);
  });

  it('a budget’s own regression wins over --max-regression, which wins over defaults', () => {
    const file = (budget: string, defaults: string): string =>
      `version: 1\n${defaults}budgets:\n  - name: b\n    select: {}\n    assert: ["p(50) < 1s"]\n${budget}`;
    const status = (budget: string, defaults: string, maxRegression?: number): string =>
      evaluateBudgets(after, parseBudgetFile(file(budget, defaults), 'b.yaml'), { baseline, maxRegression }).results[1]!.status;
    expect(status('    regression: 70%\n', 'defaults: { regression: 10% }\n', 0.1)).toBe('pass');
    expect(status('    regression: 60%\n', '', 0.9)).toBe('fail');
    expect(status('', 'defaults: { regression: 10% }\n', 0.7)).toBe('pass');
    expect(status('', 'defaults: { regression: 70% }\n')).toBe('pass');
    expect(status('', 'defaults: { regression: 60% }\n')).toBe('fail');
  });

  it('from a baseline of 0, any worsening is a regression', () => {
    const clean = baselineOf(check(five.slice(0, 3), '{}', ['error_rate < 50%']));
    const report = check(five, '{}', ['error_rate < 50%'], [], { baseline: clean, maxRegression: 0.5 });
    expect(report.results[1]).toMatchObject({ status: 'fail', baseline: 0, change: Infinity, limit: 0 });
    expect(JSON.parse(renderJson(checkJson(report))).results[1].change).toBeNull();
  });

  it('says what it could not compare, and does not compare == or budgets without enough samples', () => {
    const report = check(after, '{}', ['p(99) < 1s', 'count == 4', 'p(50) < 1s'], [], { baseline, maxRegression: 0.1 });
    expect(report.results.map((r) => r.kind)).toEqual(['assertion', 'assertion', 'assertion', 'regression']);
    expect(report.warnings).toEqual(['budget "b": the baseline has no p(99) to compare with']);
    const few = check(after, '{}', ['p(50) < 1s'], ['min_samples: 10'], { baseline, maxRegression: 0.1 });
    expect(few.results).toHaveLength(1);
  });

  it('reads only the output of check --json as a baseline', () => {
    expect(readBaseline({ schema: 'tracectl/v1', traces: [] })).toBeNull();
    expect(readBaseline({ schema: 'tracectl/v2', results: [] })).toBeNull();
    expect(readBaseline({ schema: 'tracectl/v1', results: [{ name: 'x' }] })).toBeNull();
    expect(readBaseline([])).toBeNull();
    expect(readBaseline({ schema: 'tracectl/v1', results: [{ name: 'x', metric: 'avg', actual: null }] })).toEqual({
      results: [{ name: 'x', metric: 'avg', actual: null }],
      budgets: new Map(),
    });
  });
});
