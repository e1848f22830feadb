import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LlmJson } from '../../src/report/json-contract.js';
import { runCli } from '../helpers/cli.js';

const DEMO = 'fixtures/demo/llm-gateway.otlp.jsonl';
const tmp = (name: string, text: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'tracectl-llm-')), name);
  writeFileSync(file, text);
  return file;
};

describe('tracectl llm', () => {
  it('answers per model and per request on the demo, with the contract fields', async () => {
    const { code, stdout, stderr } = await runCli(['llm', '--json', DEMO]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const body = JSON.parse(stdout) as LlmJson & { schema: string };
    expect(body.schema).toBe('tracectl/v1');
    expect(body.traces).toBe(63);
    expect(body.llmTraces).toBeGreaterThan(0);
    for (const m of body.models) {
      for (const key of ['provider', 'model', 'calls', 'errors', 'rateLimited', 'latencyMs', 'ttftMs', 'outputTokensPerSec', 'tokens', 'costUsd']) expect(m).toHaveProperty(key);
      expect(Object.keys(m.tokens).sort()).toEqual(['cacheCreation', 'cacheRead', 'input', 'output', 'reasoning']);
    }
    for (const key of ['tokens', 'costUsd', 'llmCalls', 'llmCriticalShare']) expect(body.perTrace).toHaveProperty(key);
    expect(body).toHaveProperty('tools');
    expect(body).toHaveProperty('unpriced');
    // Every demo model has a catalogue price.
    expect(body.unpriced).toEqual([]);
    const calls = body.models.reduce((n, m) => n + m.calls, 0);
    expect(calls).toBeGreaterThanOrEqual(body.llmTraces);
  });

  it('--prices overrides the catalogue; a bad prices file is a usage error naming it', async () => {
    const prices = tmp('prices.yaml', 'models:\n  gpt-4o-mini: { input: 1000, output: 1000 }\n');
    const cheap = JSON.parse((await runCli(['llm', '--json', DEMO])).stdout) as LlmJson;
    const dear = JSON.parse((await runCli(['llm', '--json', '--prices', prices, DEMO])).stdout) as LlmJson;
    const cost = (r: LlmJson): number => r.models.find((m) => m.model === 'gpt-4o-mini')!.costUsd!;
    const tokens = dear.models.find((m) => m.model === 'gpt-4o-mini')!.tokens;
    expect(cost(dear)).toBeCloseTo(((tokens.input + tokens.output) * 1000) / 1e6, 6);
    expect(cost(dear)).toBeGreaterThan(cost(cheap));
    const bad = tmp('bad.yaml', 'models:\n  gpt-4o-mini: { input: cheap, output: 1 }\n');
    const run = await runCli(['llm', '--prices', bad, DEMO]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/prices file .*bad\.yaml: gpt-4o-mini input must be a number of US dollars per million tokens/);
    expect(run.stdout).toBe('');
    expect((await runCli(['llm', '--prices', '/nonexistent/p.yaml', DEMO])).code).toBe(2);
  });

  it('prints the model table and the per-request lines', async () => {
    const { stdout } = await runCli(['llm', DEMO]);
    expect(stdout.split('\n')[0]).toMatch(/^PROVIDER +MODEL +CALLS +ERR +429 +p50 +p95/);
    expect(stdout).toMatch(/^openai +gpt-4o-mini +\d+/m);
    expect(stdout).toContain('per request (');
    expect(stdout).toMatch(/of request time on the critical path is in LLM calls/);
  });
});
