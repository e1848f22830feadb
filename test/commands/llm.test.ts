import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_EPOCH_MS, DEMO_SEED, DEMO_TRACE_COUNT, generateDemoTraces, type DemoManifest } from '../../scripts/demo-traces.js';
import type { LlmJson } from '../../src/report/json-contract.js';
import { runCli } from '../helpers/cli.js';
import { DEMO_FORMATS } from '../helpers/demo.js';

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
    expect(body.traces).toBe(70);
    expect(body.llmTraces).toBeGreaterThan(0);
    for (const m of body.models) {
      for (const key of ['provider', 'model', 'calls', 'errors', 'rateLimited', 'latencyMs', 'ttftMs', 'outputTokensPerSec', 'tokens', 'costUsd']) expect(m).toHaveProperty(key);
      expect(Object.keys(m.tokens).sort()).toEqual(['cacheCreation', 'cacheRead', 'input', 'output', 'reasoning']);
    }
    for (const key of ['tokens', 'costUsd', 'llmCalls', 'llmCriticalShare']) expect(body.perTrace).toHaveProperty(key);
    expect(body).toHaveProperty('tools');
    expect(body).toHaveProperty('unpriced');
    // Every demo model has a catalogue price but the self-hosted Llama.
    expect(body.unpriced).toEqual(['vllm/meta-llama/Llama-3.1-8B-Instruct']);
    const calls = body.models.reduce((n, m) => n + m.calls, 0);
    expect(calls).toBeGreaterThanOrEqual(body.llmTraces);
  });

  describe('on the demo, in every dialect and format, the generator\'s truths', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../fixtures/demo/manifest.json', import.meta.url), 'utf8')) as DemoManifest;
    const calls = generateDemoTraces({ seed: DEMO_SEED, count: DEMO_TRACE_COUNT, startEpochMs: DEMO_EPOCH_MS }).flatMap((t) => t.llmCalls);
    /** Linear interpolation between closest ranks, the sketch's rule for a few values. */
    const percentile = (values: number[], p: number): number => {
      const sorted = [...values].sort((a, b) => a - b);
      const rank = (p / 100) * (sorted.length - 1);
      const lo = Math.floor(rank);
      return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (rank - lo);
    };

    it.each(Object.entries(DEMO_FORMATS))('%s: each call once, per provider and model', async (_format, file) => {
      const { code, stdout } = await runCli(['llm', '--json', file]);
      expect(code).toBe(0);
      const body = JSON.parse(stdout) as LlmJson;
      expect(body.llmTraces).toBe(manifest.llm.traces);
      expect(
        body.models.map((m) => ({
          provider: m.provider,
          model: m.model,
          calls: m.calls,
          errors: m.errors,
          rateLimited: m.rateLimited,
          tokens: { input: m.tokens.input, output: m.tokens.output, cacheRead: m.tokens.cacheRead, cacheCreation: m.tokens.cacheCreation },
        })),
      ).toEqual(manifest.llm.models.map(({ ttftCalls: _ttft, ...m }) => m));
      expect(body.tools.map((t) => ({ name: t.name, calls: t.calls }))).toEqual(manifest.llm.tools);
      // Time to first token where the spans record it: vLLM's seconds, the streamed Claude answers.
      for (const m of body.models) {
        const ttfts = calls.filter((c) => c.provider === m.provider && c.model === m.model && c.ttftMs !== null).map((c) => c.ttftMs!);
        if (ttfts.length === 0) expect(m.ttftMs).toBeNull();
        else expect(m.ttftMs).toEqual({ p50: expect.closeTo(percentile(ttfts, 50), 6), p95: expect.closeTo(percentile(ttfts, 95), 6) });
      }
    });

    it('prices both Anthropic cache conventions right: cached tokens are in the input, at their own rates', async () => {
      const body = JSON.parse((await runCli(['llm', '--json', DEMO_FORMATS.otlp])).stdout) as LlmJson;
      const cost = (model: string): number => body.models.find((m) => m.model === model)!.costUsd!;
      const usage = (model: string) => manifest.llm.models.find((m) => m.model === model)!.tokens;
      // The catalogue's US dollars per million: Haiku 4.5 $1 input, $0.10 cache read, $1.25 cache
      // write, $5 output; Sonnet 4.5 $3, $0.30, $3.75, $15. Uncached input = input − read − write.
      const priced = (u: ReturnType<typeof usage>, r: [number, number, number, number]): number =>
        ((u.input - u.cacheRead - u.cacheCreation) * r[0] + u.cacheRead * r[1] + u.cacheCreation * r[2] + u.output * r[3]) / 1e6;
      // OpenLLMetry's prompt_tokens with the underscore cache names (2 summaries): 65 + 3456 × 0.1 + 22048 × 1.25 + 547 × 5.
      expect(usage('claude-haiku-4-5-20251001')).toEqual({ input: 25569, output: 547, cacheRead: 3456, cacheCreation: 22048 });
      expect(cost('claude-haiku-4-5-20251001')).toBeCloseTo(priced(usage('claude-haiku-4-5-20251001'), [1, 0.1, 1.25, 5]), 12);
      // The GenAI names under the OpenInference wrappers (3 agents).
      expect(cost('claude-sonnet-4-5-20250929')).toBeCloseTo(priced(usage('claude-sonnet-4-5-20250929'), [3, 0.3, 3.75, 15]), 12);
    });
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

  it.each(['README.md', 'docs/llm.md'])('prints what %s shows (a sample ending in … shows the start)', async (doc) => {
    const text = readFileSync(new URL(`../../${doc}`, import.meta.url), 'utf8');
    const command = `$ tracectl llm ${DEMO}\n`;
    const start = text.indexOf(command);
    expect(start).toBeGreaterThan(0);
    const shown = text.slice(start + command.length, text.indexOf('```', start));
    const { stdout } = await runCli(['llm', DEMO]);
    if (shown.endsWith('…\n')) expect(stdout.startsWith(shown.slice(0, -2))).toBe(true);
    else expect(stdout).toBe(shown);
  });

  it('prints the model table and the per-request lines', async () => {
    const { stdout } = await runCli(['llm', DEMO]);
    expect(stdout.split('\n')[0]).toMatch(/^PROVIDER +MODEL +CALLS +ERR +429 +p50 +p95/);
    expect(stdout).toMatch(/^openai +gpt-4o-mini +\d+/m);
    expect(stdout).toContain('per request (');
    expect(stdout).toMatch(/of request time on the critical path is in LLM calls/);
  });
});
