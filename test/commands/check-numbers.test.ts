import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatNumber, formatShare } from '../../src/report/format.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tracectl-numbers-'));
const write = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

// One trace of one span that cost $0.000985; the budget allows $0.0005 a trace.
// Worked by hand: actual 0.000985, limit 0.0005, over by 0.000485.
const traces = write('cost.json', JSON.stringify({
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'llm-api' } }] },
    scopeSpans: [{ spans: [{
      traceId: '0af7651916cd43dd8448eb211c80319c', spanId: '0000000000000001', name: 'chat', kind: 3,
      startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000',
      attributes: [{ key: 'app.cost_usd', value: { doubleValue: 0.000985 } }],
    }] }],
  }],
}));
const budgets = write('budgets.yaml', 'version: 1\nbudgets:\n  - name: cost\n    min_samples: 1\n    select: { name: chat }\n    assert: ["sum(app.cost_usd)_per_trace < 0.0005"]\n');

describe('check prints small values with their significant digits', () => {
  it('in the terminal, JUnit, Markdown and GitHub annotations alike', async () => {
    const junit = join(dir, 'junit.xml');
    const markdown = join(dir, 'summary.md');
    const run = await runCli(['check', '--budgets', budgets, traces, '--junit', junit, '--markdown', markdown], { env: { GITHUB_ACTIONS: 'true' } });
    expect(run.code).toBe(1);
    const row = run.stdout.split('\n').find((l) => l.startsWith('FAIL'))!;
    expect(row).toMatch(/ 0\.000985 +0\.0005 +0\.000485 over/);
    expect(run.stdout).toContain('is 0.000985, over the limit of 0.0005 by 0.000485');
    expect(run.stdout).toMatch(/::error [^\n]*is 0\.000985, over the limit of 0\.0005 by 0\.000485/);
    expect(run.stdout).not.toMatch(/0\.001\b|by 0 /);
    expect(readFileSync(junit, 'utf8')).toContain('is 0.000985, over the limit of 0.0005 by 0.000485');
    expect(readFileSync(markdown, 'utf8')).toMatch(/\| 0\.000985 \| 0\.0005 \|/);
  });

  it('formats numbers and shares without rounding a small value away', () => {
    expect(formatNumber(0.000985)).toBe('0.000985');
    expect(formatNumber(0.0005271)).toBe('0.000527');
    expect(formatNumber(4812.5)).toBe('4812.5');
    expect(formatNumber(1.23456)).toBe('1.235');
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(-0.0123456)).toBe('-0.0123');
    expect(formatShare(0.00000985)).toBe('0.000985%');
    expect(formatShare(0.000251)).toBe('0.03%');
    expect(formatShare(0.000251, true)).toBe('0.0251%');
    expect(formatShare(0.0123)).toBe('1.23%');
    expect(formatShare(0.3939)).toBe('39.4%');
  });
});
