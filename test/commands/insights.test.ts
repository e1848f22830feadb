import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InsightsJson, TraceInsightsJson } from '../../src/report/json-contract.js';
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
