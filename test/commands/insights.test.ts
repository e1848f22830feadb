import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InsightsJson, TraceInsightsJson } from '../../src/report/json-contract.js';
import { DEMO_EPOCH_MS, DEMO_SEED, DEMO_TRACE_COUNT, generateDemoTraces } from '../../scripts/demo-traces.js';
import { runCli } from '../helpers/cli.js';

const HOTROD = 'fixtures/otlp/hotrod-dispatch.json';
const HOTROD_ID = 'fe65c5beefbe4e96119efbba3da07e99';

describe('tracectl insights', () => {
  it('finds the N+1 of redis GetDriver calls and the retries in the real HotROD trace', async () => {
    const { code, stdout, stderr } = await runCli(['insights', '--json', HOTROD]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const body = JSON.parse(stdout) as InsightsJson & { schema: string };
    expect(body.schema).toBe('tracectl/v1');
    expect(body.traces).toBe(1);
    const loop = body.findings.find((f) => f.pattern === 'n_plus_one' && f.name === 'GetDriver')!;
    expect(loop).toMatchObject({ service: 'redis-manual', parentService: 'driver', traces: 1, share: 1, countP50: 13, exampleTraceIds: [HOTROD_ID] });
    for (const key of ['pattern', 'service', 'name', 'parentService', 'parentName', 'traces', 'share', 'countP50', 'savableMs', 'exampleTraceIds']) expect(loop).toHaveProperty(key);
    expect(body.findings.some((f) => f.pattern === 'retry_loop' && f.name === 'GetDriver')).toBe(true);
    // Ranked by total savable time.
    const totals = body.findings.map((f) => f.savableMs.total);
    expect([...totals].sort((a, b) => b - a)).toEqual(totals);
  });

  it('--pattern picks the detectors; an unknown one is a usage error', async () => {
    const { stdout } = await runCli(['insights', '--json', '--pattern', 'retry_loop', HOTROD]);
    expect(new Set((JSON.parse(stdout) as InsightsJson).findings.map((f) => f.pattern))).toEqual(new Set(['retry_loop']));
    const bad = await runCli(['insights', '--pattern', 'n+1', HOTROD]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--pattern "n\+1" is not a pattern: use n_plus_one, /);
    expect(bad.stdout).toBe('');
  });

  it('--trace gives one trace\'s findings with their spans', async () => {
    const { code, stdout } = await runCli(['insights', '--json', '--trace', HOTROD_ID, HOTROD]);
    expect(code).toBe(0);
    const body = JSON.parse(stdout) as TraceInsightsJson;
    const loop = body.findings.find((f) => f.pattern === 'n_plus_one' && f.name === 'GetDriver')!;
    expect(loop.spanIds).toHaveLength(13);
    expect(loop.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
    const missing = await runCli(['insights', '--trace', '0123456789abcdef', HOTROD]);
    expect(missing.code).toBe(3);
  });

  it('prints a table, then the evidence of the top findings', async () => {
    const { stdout } = await runCli(['insights', HOTROD]);
    expect(stdout.split('\n')[0]).toMatch(/^PATTERN +WHERE +SAVABLE/);
    expect(stdout).toContain('N+1 (serial repeats): driver driver.DriverService/FindNearest → redis-manual GetDriver');
    expect(stdout).toMatch(/13 calls one after another: 205\.7ms summed in a 206ms window/);
  });

  it('show --insights marks the spans and lists the findings; collapsed rows give their wall time', async () => {
    const { stdout } = await runCli(['show', HOTROD_ID, '--insights', HOTROD]);
    const row = stdout.split('\n').find((l) => l.includes('×13 GetDriver'))!;
    expect(row).toMatch(/^◆⚑/);
    expect(row).toContain('×13 GetDriver 6.3ms–33.5ms, 3 failed, serial');
    expect(row).toMatch(/ 206ms +206ms /);
    expect(stdout).toContain('⚑ in an anti-pattern (below)');
    expect(stdout).toContain(`trace ${HOTROD_ID}  5 findings`);
  });
});

describe('tracectl insights on the demo', () => {
  const DEMO = 'fixtures/demo/llm-gateway.otlp.jsonl';
  const model = generateDemoTraces({ seed: DEMO_SEED, count: DEMO_TRACE_COUNT, startEpochMs: DEMO_EPOCH_MS });
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  /**
   * The answers, from the generator's model rather than the analyzer. N+1: load_history is on
   * the critical path and holds nothing but its serial SELECTs, so each trace could save the
   * SELECTs' window minus the longest. Retry loop: the time of the failed 429 attempt.
   */
  const nPlusOne = model
    .filter((t) => t.scenario === 'chat-history-n-plus-one')
    .map((t) => {
      const selects = t.spans.filter((s) => s.service === 'gateway' && s.name === 'SELECT');
      const windowUs = Math.max(...selects.map((s) => s.startUs + s.durationUs)) - Math.min(...selects.map((s) => s.startUs));
      return { traceId: t.traceId, count: selects.length, savableMs: (windowUs - Math.max(...selects.map((s) => s.durationUs))) / 1000 };
    });
  const retries = model
    .filter((t) => t.scenario === 'chat-llm-rate-limit-retry')
    .map((t) => t.spans.filter((s) => s.name === 'llm_completion' && s.status === 'error').reduce((ms, s) => ms + s.durationUs / 1000, 0));
  // The agent's refused Anthropic call: LangChain runs ChatAnthropic again under AgentExecutor.
  const agentRetries = model
    .filter((t) => t.scenario === 'agent-langchain-rate-limit')
    .map((t) => t.spans.filter((s) => s.name === 'ChatAnthropic' && s.status === 'error').reduce((ms, s) => ms + s.durationUs / 1000, 0));

  it('finds the planted N+1 and the 429 retry loop among the top five, with the time each costs', async () => {
    expect(nPlusOne).toHaveLength(3);
    expect(retries).toHaveLength(2);
    const { code, stdout, stderr } = await runCli(['insights', '--json', DEMO]);
    expect([code, stderr]).toEqual([0, '']);
    const body = JSON.parse(stdout) as InsightsJson;
    expect(body.traces).toBe(70);
    const top = body.findings.slice(0, 5);
    const n1 = top.find((f) => f.pattern === 'n_plus_one')!;
    expect(n1).toMatchObject({ service: 'gateway', name: 'SELECT', parentService: 'gateway', parentName: 'load_history', traces: 3, countP50: median(nPlusOne.map((n) => n.count)) });
    expect(n1.savableMs.total).toBeCloseTo(nPlusOne.reduce((ms, n) => ms + n.savableMs, 0), 2);
    expect(n1.savableMs.p50).toBeCloseTo(median(nPlusOne.map((n) => n.savableMs)), 2);
    expect(nPlusOne.map((n) => n.traceId)).toEqual(expect.arrayContaining(n1.exampleTraceIds));
    const loop = top.find((f) => f.pattern === 'retry_loop')!;
    expect(loop).toMatchObject({ service: 'llm-api', name: 'llm_completion', parentName: 'POST /llm/complete', traces: 2, countP50: 2 });
    expect(loop.savableMs.total).toBeCloseTo(retries.reduce((a, b) => a + b, 0), 2);
    const agentLoop = body.findings.find((f) => f.pattern === 'retry_loop' && f.service === 'agent-service')!;
    expect(agentRetries).toHaveLength(1);
    expect(agentLoop).toMatchObject({ name: 'ChatAnthropic', parentName: 'AgentExecutor', traces: 1, countP50: 2 });
    expect(agentLoop.savableMs.total).toBeCloseTo(agentRetries[0]!, 2);
    // No other N+1 or retry loop in the demo.
    expect(body.findings.filter((f) => f.pattern === 'n_plus_one' || f.pattern === 'retry_loop')).toHaveLength(3);
  });

  it('shows both in the table a user reads', async () => {
    const { stdout } = await runCli(['insights', '--top', '5', DEMO]);
    const rows = stdout.split('\n').slice(1, 6);
    expect(rows.some((r) => /^N\+1 \(serial repeats\) +gateway load_history → gateway SELECT /.test(r))).toBe(true);
    expect(rows.some((r) => /^retry loop +llm-api POST \/llm\/complete → llm-api llm_completion /.test(r))).toBe(true);
    // The 7 of the gateway world, the agent's retry loop, and one could-run-concurrently? each in
    // the agent and summary requests (the request and the usage event, as in chat and ask).
    expect(stdout).toContain('10 findings in 70 traces, showing 5 (--top N for more)');
  });

  it.each(['README.md', 'docs/commands.md'])('prints what %s shows (a sample ending in … shows the start)', async (doc) => {
    const text = readFileSync(new URL(`../../${doc}`, import.meta.url), 'utf8');
    const command = `$ tracectl insights --top 5 ${DEMO}\n`;
    const start = text.indexOf(command);
    expect(start).toBeGreaterThan(0);
    const shown = text.slice(start + command.length, text.indexOf('```', start));
    const { stdout } = await runCli(['insights', '--top', '5', DEMO]);
    if (shown.endsWith('…\n')) expect(stdout.startsWith(shown.slice(0, -2))).toBe(true);
    else expect(stdout).toBe(shown);
  });
});

describe('check budgets on findings', () => {
  const budgets = (asserts: string[]): string => {
    const dir = mkdtempSync(join(tmpdir(), 'tracectl-insights-'));
    const file = join(dir, 'b.yaml');
    writeFileSync(file, `version: 1\nbudgets:\n  - name: dispatch\n    select: {}\n    assert: ${JSON.stringify(asserts)}\n`);
    return file;
  };

  it('fails on an N+1 and passes when none is asked about', async () => {
    const run = await runCli(['check', '--json', '--budgets', budgets(['findings(n_plus_one) == 0', 'findings_rate(masked_timeout) < 1%']), HOTROD]);
    expect(run.code).toBe(1);
    const results = (JSON.parse(run.stdout) as { results: { metric: string; actual: number; status: string; worstTraces: { traceId: string }[] }[] }).results;
    expect(results.map((r) => [r.metric, r.actual, r.status])).toEqual([
      ['findings(n_plus_one)', 2, 'fail'],
      ['findings_rate(masked_timeout)', 0, 'pass'],
    ]);
    expect(results[0]!.worstTraces[0]!.traceId).toBe(HOTROD_ID);
  });

  it('an unknown pattern is a usage error naming the patterns', async () => {
    const run = await runCli(['check', '--budgets', budgets(['findings(nplusone) == 0']), HOTROD]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/"nplusone" is not an anti-pattern: use one of n_plus_one, sequential_calls/);
  });
});
