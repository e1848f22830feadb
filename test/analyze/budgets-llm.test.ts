import { describe, expect, it } from 'vitest';
import { evaluateBudgets } from '../../src/analyze/budgets.js';
import { parseBudgetFile } from '../../src/commands/budgets-file.js';
import { buildTrace } from '../../src/model/build-trace.js';
import type { Attributes, Trace } from '../../src/model/span.js';
import { renderAnnotations } from '../../src/report/annotations.js';
import { renderJunit } from '../../src/report/junit.js';
import { records } from '../helpers/spans.js';

/*
 * Four chat requests, one LLM call each, 1000 input + 1000 output tokens of gpt-4o-mini
 * ($0.15 / $0.60 per million: 150 + 600 = $0.00075 per request), time to first token
 * 200, 400, 600 and 2000 ms; the last one rate limited (HTTP 429, in error):
 *   POST /chat  |==========|
 *   chat           |=====|    ttft 200 | 400 | 600 | 2000
 * ttft p(95): ranks 0..3, rank 2.85 → 600 + 0.85 × 1400 = 1790 ms.
 */
function request(id: string, ttftS: number, limited = false): Trace {
  const attrs: Attributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 1000,
    'gen_ai.usage.output_tokens': 1000,
    'gen_ai.response.time_to_first_chunk': ttftS,
    ...(limited ? { 'http.response.status_code': 429 } : {}),
  };
  return buildTrace(id.padStart(32, '0'), records([
    { id: 'r', name: 'POST /chat', service: 'gateway', kind: 'server', start: 0, dur: 3000, trace: id },
    { id: 'c', parent: 'r', name: 'chat', service: 'gateway', kind: 'client', start: 10, dur: 2500, attrs, status: limited ? 'error' : 'unset', trace: id },
  ]));
}
const traces = [request('1', 0.2), request('2', 0.4), request('3', 0.6), request('4', 2, true)];

const check = (asserts: string[], select = '{}') =>
  evaluateBudgets(traces, parseBudgetFile(`version: 1\nbudgets:\n  - name: chat\n    select: ${select}\n    assert: ${JSON.stringify(asserts)}\n`, 'b.yaml'));

describe('LLM budgets', () => {
  it('time to first token and cost per request, hand-computed', () => {
    const report = check(['ttft.p(95) < 800ms', 'ttft.med < 800ms', 'cost_per_request.p(95) < 0.02', 'tokens_per_request.max <= 2000', 'llm_error_rate < 30%', 'rate_limit_rate < 10%']);
    const rows = report.results.map((r) => [r.metric, r.status, r.actual === null ? null : +r.actual.toFixed(9)]);
    expect(rows).toEqual([
      ['ttft.p(95)', 'fail', 1790],
      ['ttft.med', 'pass', 500],
      ['cost_per_request.p(95)', 'pass', 0.00075],
      ['tokens_per_request.max', 'pass', 2000],
      ['llm_error_rate', 'pass', 0.25],
      ['rate_limit_rate', 'fail', 0.25],
    ]);
    // The worst trace of the TTFT failure is the slow one.
    expect(report.results[0]!.worstTraces.map((t) => t.traceId)).toEqual(['4'.padStart(32, '0')]);
  });

  it('a cost budget fails when requests cost more, filtered by model through the select', () => {
    const report = check(['cost_per_request.max < 0.0005'], '{ where: "gen_ai.request.model=gpt-4o-mini" }');
    expect(report.results[0]).toMatchObject({ status: 'fail', metric: 'cost_per_request.max' });
    expect(report.results[0]!.actual).toBeCloseTo(0.00075, 12);
    const none = check(['cost_per_request.max < 0.0005'], '{ where: "gen_ai.request.model=gpt-4o" }');
    expect(none.results[0]).toMatchObject({ status: 'fail', reason: 'too-few-samples' });
  });

  it('failures reach JUnit and GitHub annotations', () => {
    const report = check(['ttft.p(95) < 800ms']);
    expect(renderJunit(report, { now: new Date(0), budgetsFile: 'b.yaml' })).toMatch(/<failure message="ttft\.p\(95\) is 1\.79s, over the limit of 800ms/);
    expect(renderAnnotations(report, 'b.yaml')).toMatch(/^::error file=b\.yaml,line=\d+,title=tracectl check%3A chat::ttft.p\(95\) < 800ms: ttft.p\(95\) is 1.79s/m);
  });

  it('a statistic is required', () => {
    expect(() => check(['ttft < 1s'])).toThrow(/ttft/);
    expect(() => check(['ttft.p95 < 1s'])).toThrow(/ttft takes a statistic: ttft\.p\(95\)/);
  });
});
