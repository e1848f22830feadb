import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeOtlpJsonLine } from '../../src/formats/otlp-json-encode.js';
import type { ShowJson, TraceRowJson } from '../../src/report/json-contract.js';
import { runCli } from '../helpers/cli.js';
import { records, type SpanSketch } from '../helpers/spans.js';

/*
 * Three requests, priced by a prices file at $1000 input and $2000 output per million tokens
 * for test-model (so $0.001 and $0.002 a token); no-such-model-xyz has no price anywhere.
 *   a1: a LangChain (OpenInference) span over the provider client's, both reporting 100 in,
 *       50 out: one call (the innermost), 150 tokens, 100 × 0.001 + 50 × 0.002 = $0.20.
 *   b2: test-model 400 in, 100 out ($0.40 + $0.20 = $0.60) and an unpriced call of 10 + 10:
 *       two calls, 520 tokens, $0.60 as a lower bound.
 *   c3: no LLM call: 0 tokens, no cost.
 */
const A1 = '1'.padStart(32, 'a');
const B2 = '2'.padStart(32, 'b');
const C3 = '3'.padStart(32, 'c');
const genAi = (model: string, input: number, output: number): SpanSketch['attrs'] => ({
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'openai',
  'gen_ai.request.model': model,
  'gen_ai.usage.input_tokens': input,
  'gen_ai.usage.output_tokens': output,
});
const spans: SpanSketch[] = [
  { trace: A1, id: 'a', name: 'POST /chat', service: 'gateway', kind: 'server', start: 0, dur: 1000 },
  { trace: A1, id: 'a2', parent: 'a', name: 'ChatOpenAI', service: 'gateway', start: 10, dur: 900, attrs: { 'openinference.span.kind': 'LLM', 'llm.model_name': 'test-model', 'llm.token_count.prompt': 100, 'llm.token_count.completion': 50 } },
  { trace: A1, id: 'a3', parent: 'a2', name: 'chat test-model', service: 'gateway', kind: 'client', start: 20, dur: 800, attrs: genAi('test-model', 100, 50) },
  { trace: B2, id: 'b', name: 'POST /ask', service: 'gateway', kind: 'server', start: 5, dur: 2000 },
  { trace: B2, id: 'b3', parent: 'b', name: 'chat test-model', service: 'gateway', kind: 'client', start: 10, dur: 1000, attrs: genAi('test-model', 400, 100) },
  { trace: B2, id: 'b4', parent: 'b', name: 'chat other', service: 'gateway', kind: 'client', start: 1100, dur: 500, attrs: genAi('no-such-model-xyz', 10, 10) },
  { trace: C3, id: 'c', name: 'GET /health', service: 'gateway', kind: 'server', start: 9, dur: 3000 },
];
const dir = mkdtempSync(join(tmpdir(), 'tracectl-llm-everywhere-'));
const FILE = join(dir, 'calls.otlp.jsonl');
writeFileSync(FILE, encodeOtlpJsonLine(records(spans)));
const PRICES = join(dir, 'prices.yaml');
writeFileSync(PRICES, 'models:\n  test-model: { input: 1000, output: 2000 }\n');

async function find(args: string[]): Promise<TraceRowJson[]> {
  const run = await runCli(['find', ...args, '--json', '--prices', PRICES, FILE]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return (JSON.parse(run.stdout) as { traces: TraceRowJson[] }).traces;
}

describe('find with LLM calls', () => {
  it('--sort cost and --sort tokens rank by the calls, each counted once; rows carry tokens and costUsd', async () => {
    const byCost = await find(['--sort', 'cost']);
    expect(byCost.map((r) => [r.traceId, r.llmCalls, r.tokens, r.unpricedCalls])).toEqual([
      [B2, 2, 520, 1],
      [A1, 1, 150, 0],
      [C3, 0, 0, 0],
    ]);
    expect(byCost[0]!.costUsd).toBeCloseTo(0.6, 12);
    expect(byCost[1]!.costUsd).toBeCloseTo(0.2, 12);
    expect(byCost[2]!.costUsd).toBeNull();
    expect((await find(['--sort', 'tokens', '--reverse'])).map((r) => r.tokens)).toEqual([0, 150, 520]);
    const lines = (await runCli(['find', '--sort', 'tokens', '--format', 'jsonl', '--prices', PRICES, FILE])).stdout.trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as TraceRowJson).tokens)).toEqual([520, 150, 0]);
  });

  it('shows TOKENS and COST only when a trace has LLM calls; unpriced calls make the cost a lower bound', async () => {
    const { stdout } = await runCli(['find', '--sort', 'cost', '--prices', PRICES, FILE]);
    const [header, b2, a1, c3] = stdout.split('\n');
    expect(header).toMatch(/ ERRORS +TOKENS +COST$/);
    expect(b2).toMatch(new RegExp(`^${B2} .* 520 +\\$0\\.60\\+$`));
    expect(a1).toMatch(new RegExp(`^${A1} .* 150 +\\$0\\.20$`));
    expect(c3).toMatch(new RegExp(`^${C3} .* - +-$`));
    const plain = await runCli(['find', '--service', 'gateway', '--where', 'http.route=none', FILE]);
    expect(plain.stdout).toBe('no traces match\n');
    const noLlm = await runCli(['find', '--min-duration', '2.5s', FILE]);
    expect(noLlm.stdout.split('\n')[0]).toMatch(/ ERRORS$/);
  });
});

describe('show with LLM calls', () => {
  it('--json carries each call and the totals, the wrapper not counted twice', async () => {
    const run = await runCli(['show', A1, '--json', '--prices', PRICES, FILE]);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as ShowJson;
    const [root, wrapper, client] = body.spans;
    expect(root!.llm).toBeUndefined();
    expect(wrapper!.llm).toMatchObject({ provider: null, model: 'test-model', inputTokens: 100, outputTokens: 50, counted: false });
    expect(client!.llm).toMatchObject({ provider: 'openai', model: 'test-model', inputTokens: 100, outputTokens: 50, counted: true });
    expect(client!.llm!.costUsd).toBeCloseTo(0.2, 12);
    expect(body.llm).toMatchObject({ calls: 1, inputTokens: 100, outputTokens: 50, unpricedCalls: 0 });
    expect(body.llm!.costUsd).toBeCloseTo(0.2, 12);
    const none = JSON.parse((await runCli(['show', C3, '--json', FILE])).stdout) as ShowJson;
    expect(none.llm).toBeNull();
  });

  it('prints the model, tokens and cost under each call and the totals in the header', async () => {
    const { stdout } = await runCli(['show', B2, '--prices', PRICES, FILE]);
    const lines = stdout.split('\n');
    // The totals under the header line, each call counted once.
    expect(lines[1]).toBe('2 LLM calls  410 tokens in  110 out  $0.60 (some calls unpriced)');
    const at = lines.findIndex((l) => l.includes('chat test-model'));
    expect(lines[at + 1]!.trim()).toBe('openai test-model  400 in  100 out  $0.60');
    const other = lines.findIndex((l) => l.includes('chat other'));
    expect(lines[other + 1]!.trim()).toBe('openai no-such-model-xyz  10 in  10 out  unpriced');
    const wrapped = (await runCli(['show', A1, '--prices', PRICES, FILE])).stdout;
    expect(wrapped).toContain('test-model  100 in  50 out  $0.20  (counted in the call below)');
    expect(wrapped.split('\n')[1]).toBe('1 LLM call  100 tokens in  50 out  $0.20');
  });
});
