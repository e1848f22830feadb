import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const DEMO = 'fixtures/demo/llm-gateway.otlp.jsonl';

async function json(args: string[]): Promise<Record<string, unknown>> {
  const run = await runCli([...args, '--json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe('tracectl analyze', () => {
  it('holds the analyses, each exactly as its own command reports it', async () => {
    const all = await json(['analyze', DEMO, '--top', '5']);
    expect(Object.keys(all)).toEqual(['schema', 'bottlenecks', 'errors', 'cache', 'llm', 'deps']);
    const strip = ({ schema: _schema, ...rest }: Record<string, unknown>) => rest;
    expect(all.bottlenecks).toEqual(strip(await json(['bottlenecks', DEMO, '--top', '5'])));
    expect(all.errors).toEqual(strip(await json(['errors', DEMO, '--top', '5'])));
    expect(all.cache).toEqual(strip(await json(['cache', DEMO])));
    expect(all.deps).toEqual(strip(await json(['deps', DEMO])));
    // The demo's gateway calls models: the LLM section is there, as `llm` reports it.
    expect(all.llm).toEqual(strip(await json(['llm', DEMO])));
  });

  it('has no LLM section for traces without LLM calls', async () => {
    const plain = await json(['analyze', 'fixtures/jaeger/apiv3-hotrod-trace.json']);
    expect(plain.llm).toBeNull();
    const text = (await runCli(['analyze', 'fixtures/jaeger/apiv3-hotrod-trace.json'])).stdout;
    expect(text).not.toContain('LLM calls');
  });

  it('prints the top of each under its own heading', async () => {
    const run = await runCli(['analyze', DEMO]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const headings = run.stdout.split('\n').filter((l) => /\(tracectl \w+ for more\)$/.test(l));
    expect(headings.map((h) => h.split('  ')[0])).toEqual([
      'Bottlenecks: time on the critical path',
      'Errors: where failures start',
      'Cache effectiveness',
      'LLM calls: tokens, cost and latency per model',
      'Service dependencies',
    ]);
    expect(run.stdout).toMatch(/^openai +gpt-4o-mini +37 /m);
    expect(run.stdout).toMatch(/llm-api\s+llm_completion\s+1m18s/);
    expect(run.stdout).toContain('gateway POST /v1/ask → rag-service ask → vector-store search [TimeoutError]');
  });

  it('analyzes only the traces the filters select', async () => {
    const slow = await json(['analyze', DEMO, '--min-duration', '5s']);
    expect((slow.bottlenecks as { traces: number }).traces).toBe(5);
    expect((slow.errors as { traces: number }).traces).toBe(5);
  });

  it('rejects a bad --top with exit 2', async () => {
    const run = await runCli(['analyze', DEMO, '--top', 'many']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});
