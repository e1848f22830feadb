import { OpenInferenceSpanKind, SemanticConventions as OI } from '@arizeai/openinference-semantic-conventions';
import { SpanKind, context, trace as otelTrace } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
} from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import { foldTraces } from '../../src/analyze/accumulator.js';
import { inputIncludesCache, readLlmCall, totalInputTokens } from '../../src/analyze/llm-dialects.js';
import { LlmAccumulator, traceLlmUsage, type LlmReport } from '../../src/analyze/llm.js';
import { costOf } from '../../src/analyze/prices.js';
import { decodeOtlpJson } from '../../src/formats/otlp-json.js';
import { buildTrace, buildTraces } from '../../src/model/build-trace.js';
import type { Attributes, Trace } from '../../src/model/span.js';
import { records, type SpanSketch } from '../helpers/spans.js';

function trace(id: string, spans: SpanSketch[]): Trace {
  return buildTrace(id.padStart(32, '0'), records(spans.map((s) => ({ ...s, trace: id }))));
}

/** One request whose only LLM call carries `attrs`. */
const oneCall = (id: string, attrs: Attributes, extra: Partial<SpanSketch> = {}): Trace =>
  trace(id, [
    { id: 'r', name: 'POST /chat', service: 'gateway', kind: 'server', start: 0, dur: 1000 },
    { id: 'c', parent: 'r', name: 'chat', service: 'gateway', kind: 'client', start: 100, dur: 800, attrs, ...extra },
  ]);

const analyze = (traces: Trace[], options = {}): LlmReport => foldTraces(new LlmAccumulator(options), traces);

/*
 * gpt-4o-mini at the catalogue's $0.15 input, $0.075 cached input, $0.60 output per million:
 * 1000 input tokens of which 300 read from the cache (the OpenTelemetry rule: input counts
 * them), 200 output:
 *   700 × 0.15 + 300 × 0.075 + 200 × 0.60 = 105 + 22.5 + 120 = 247.5 per million = $0.0002475
 */
const GPT4O_MINI_COST = 0.0002475;

describe('LLM calls in every dialect', () => {
  it('OpenTelemetry GenAI, current names (the semantic-conventions constants)', () => {
    const report = analyze([
      oneCall('1', {
        [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
        [ATTR_GEN_AI_PROVIDER_NAME]: 'openai',
        [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini',
        [ATTR_GEN_AI_RESPONSE_MODEL]: 'gpt-4o-mini',
        [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 1000,
        [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 300,
        [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 200,
        [ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]: 50,
        [ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]: 0.25,
      }),
    ]);
    expect(report.models).toHaveLength(1);
    const m = report.models[0]!;
    expect(m).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', calls: 1, errors: 0, tokens: { input: 1000, output: 200, cacheRead: 300, cacheCreation: 0, reasoning: 50 } });
    expect(m.costUsd).toBeCloseTo(GPT4O_MINI_COST, 12);
    expect(m.ttftMs).toEqual({ p50: 250, p95: 250 });
    // 200 tokens over the 800 − 250 ms after the first one.
    expect(m.outputTokensPerSec!.p50).toBeCloseTo(200 / 0.55, 9);
    expect(m.cachedInputShare).toBeCloseTo(0.3, 12);
    expect(report.perTrace.tokens.max).toBe(1200);
  });

  it('deprecated GenAI names (gen_ai.system, prompt_tokens/completion_tokens, as vLLM writes them) give the same totals', () => {
    const report = analyze([
      oneCall('2', { [ATTR_GEN_AI_SYSTEM]: 'openai', [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini', [ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 1000, [ATTR_GEN_AI_USAGE_COMPLETION_TOKENS]: 200, 'gen_ai.usage.cache_read_input_tokens': 300, 'gen_ai.latency.time_to_first_token': 0.4 }),
    ]);
    expect(report.models[0]).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', tokens: { input: 1000, output: 200, cacheRead: 300 }, ttftMs: { p50: 400 } });
    expect(report.models[0]!.costUsd).toBeCloseTo(GPT4O_MINI_COST, 12);
  });

  it('OpenInference (Phoenix), OpenLLMetry, the Vercel AI SDK and plain custom attributes', () => {
    const calls: Attributes[] = [
      { 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o-mini', 'llm.provider': 'openai', 'llm.token_count.prompt': 10, 'llm.token_count.completion': 5, 'llm.token_count.prompt_details.cache_read': 4 },
      { 'llm.request.type': 'chat', 'gen_ai.system': 'OpenAI', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.prompt_tokens': 10, 'gen_ai.usage.completion_tokens': 5 },
      { 'ai.model.id': 'gpt-4o-mini', 'ai.model.provider': 'openai', 'ai.usage.promptTokens': 10, 'ai.usage.completionTokens': 5, 'ai.response.msToFirstChunk': 120 },
      { 'llm.provider': 'openai', 'llm.model': 'gpt-4o-mini', 'llm.input_tokens': 10, 'llm.output_tokens': 5 },
      { model: 'gpt-4o-mini', prompt_tokens: '10', completion_tokens: '5', 'llm.provider': 'openai' },
    ];
    for (const attrs of calls) {
      const call = readLlmCall(oneCall('3', attrs).spans[1]!)!;
      expect({ attrs, role: call.role, model: call.model, provider: call.provider, input: call.inputTokens, output: call.outputTokens }).toEqual({ attrs, role: 'model', model: 'gpt-4o-mini', provider: 'openai', input: 10, output: 5 });
    }
    expect(readLlmCall(oneCall('3', calls[2]!).spans[1]!)!.ttftMs).toBe(120);
  });

  it('a span without LLM attributes is not a call', () => {
    expect(readLlmCall(oneCall('4', { 'http.request.method': 'POST', model: 'x' }).spans[1]!)).toBeNull();
    expect(analyze([oneCall('4', {})]).llmTraces).toBe(0);
  });
});

describe('counting each call once', () => {
  /*
   * A LangChain span (OpenInference, with usage) over the OpenAI client span (GenAI, with
   * usage), twice: 2 requests, 2 calls, 1000 + 1000 input tokens — not 4 calls and 4000.
   *   POST /ask            |==================|
   *   ChatOpenAI (LLM)       |==============|     wrapper: llm.token_count.prompt 1000
   *   chat gpt-4o-mini         |==========|       the call: gen_ai.usage.input_tokens 1000
   */
  it('the innermost call carries the count; the wrapper counts for nothing', () => {
    const nested = (id: string): Trace =>
      trace(id, [
        { id: 'r', name: 'POST /ask', service: 'rag', kind: 'server', start: 0, dur: 1000 },
        { id: 'w', parent: 'r', name: 'ChatOpenAI', service: 'rag', start: 10, dur: 900, attrs: { 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o-mini', 'llm.provider': 'openai', 'llm.token_count.prompt': 1000, 'llm.token_count.completion': 100 } },
        { id: 'c', parent: 'w', name: 'chat gpt-4o-mini', service: 'rag', kind: 'client', start: 20, dur: 850, attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 100 } },
      ]);
    const report = analyze([nested('5'), nested('6')]);
    expect(report.models.map((m) => [m.model, m.calls, m.tokens.input, m.tokens.output])).toEqual([['gpt-4o-mini', 2, 2000, 200]]);
    expect(report.perTrace.llmCalls).toEqual({ p50: 1, max: 1 });
    // The call's time (850 of 1000 ms) is on the critical path.
    expect(report.perTrace.llmCriticalShare).toBeCloseTo(0.85, 9);
  });
});

describe('a refused attempt under a wrapper', () => {
  /*
   * LangChain's ChatAnthropic (OpenInference) over the Anthropic SDK's client span (GenAI),
   * the first attempt refused with a 429, the retry answered: 2 calls, 1 error, 1 rate limited.
   * Neither span of the refused attempt carries usage, so "usage below" alone would count
   * it twice (the demo's agent-langchain-rate-limit trace did: 8 calls, 2 errors).
   *   POST /agent             |==========================|
   *   ChatAnthropic (LLM) !    |====|                       wrapper, no usage
   *   chat claude… !            |==|                        the call: 429
   *   ChatAnthropic (LLM)              |================|   wrapper, usage
   *   chat claude…                      |==============|    the call: usage
   */
  const claude = 'claude-sonnet-4-5-20250929';
  const chat = (usage: Attributes): Attributes => ({ [ATTR_GEN_AI_OPERATION_NAME]: 'chat', [ATTR_GEN_AI_PROVIDER_NAME]: 'anthropic', [ATTR_GEN_AI_REQUEST_MODEL]: claude, ...usage });
  const wrapper = (usage: Attributes): Attributes => ({ [OI.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.LLM, [OI.LLM_PROVIDER]: 'anthropic', [OI.LLM_MODEL_NAME]: claude, ...usage });
  const retried = trace('41', [
    { id: 'r', name: 'POST /agent', service: 'agent', kind: 'server', start: 0, dur: 3000 },
    { id: 'w1', parent: 'r', name: 'ChatAnthropic', service: 'agent', start: 10, dur: 400, status: 'error', attrs: wrapper({}) },
    { id: 'c1', parent: 'w1', name: `chat ${claude}`, service: 'agent', kind: 'client', start: 20, dur: 350, status: 'error', attrs: chat({ 'http.response.status_code': 429, 'error.type': 'anthropic.RateLimitError' }) },
    { id: 'w2', parent: 'r', name: 'ChatAnthropic', service: 'agent', start: 1000, dur: 1900, attrs: wrapper({ [OI.LLM_TOKEN_COUNT_PROMPT]: 3000, [OI.LLM_TOKEN_COUNT_COMPLETION]: 200 }) },
    { id: 'c2', parent: 'w2', name: `chat ${claude}`, service: 'agent', kind: 'client', start: 1010, dur: 1850, attrs: chat({ [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 3000, [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 200 }) },
  ]);

  it('is one call, the client span, with one error and one rate limit', () => {
    const report = analyze([retried]);
    expect(report.models.map((m) => [m.provider, m.model, m.calls, m.errors, m.rateLimited, m.tokens.input, m.tokens.output])).toEqual([['anthropic', claude, 2, 1, 1, 3000, 200]]);
    expect(report.perTrace.llmCalls).toEqual({ p50: 2, max: 2 });
  });

  it('show and find count it once too', () => {
    const { spans, total } = traceLlmUsage(retried);
    expect([...spans.values()].map((s) => s.counted)).toEqual([false, true, false, true]);
    expect(total).toMatchObject({ calls: 2, inputTokens: 3000, outputTokens: 200 });
  });
});

describe('vLLM', () => {
  it("its server span names no provider: vLLM's latency attributes say it is vllm", () => {
    // vLLM's llm_request span, as `--otlp-traces-endpoint` exports it (seconds).
    const call = readLlmCall(
      oneCall('42', {
        [ATTR_GEN_AI_RESPONSE_MODEL]: 'meta-llama/Llama-3.1-8B-Instruct',
        [ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 3000,
        [ATTR_GEN_AI_USAGE_COMPLETION_TOKENS]: 150,
        'gen_ai.latency.time_in_queue': 0.012,
        'gen_ai.latency.time_to_first_token': 0.18,
        'gen_ai.latency.e2e': 1.9,
      }).spans[1]!,
    )!;
    expect(call).toMatchObject({ role: 'model', provider: 'vllm', model: 'meta-llama/Llama-3.1-8B-Instruct', inputTokens: 3000, outputTokens: 150, ttftMs: 180 });
    // A provider the span names still wins.
    expect(readLlmCall(oneCall('43', { [ATTR_GEN_AI_SYSTEM]: 'openai', [ATTR_GEN_AI_REQUEST_MODEL]: 'm', [ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: 1, 'gen_ai.latency.e2e': 1 }).spans[1]!)!.provider).toBe('openai');
  });
});

describe('cost', () => {
  it('Anthropic-native counts: input excludes the cache, so cache read larger than input is added to it', () => {
    const call = readLlmCall(oneCall('7', { 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-3-5-sonnet-20241022', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.cache_read.input_tokens': 5000, 'gen_ai.usage.output_tokens': 50 }).spans[1]!)!;
    expect(totalInputTokens(call)).toBe(5100);
    // Claude 3.5 Sonnet: $3 input, $0.30 cache read, $15 output per million: 100 × 3 + 5000 × 0.3 + 50 × 15 = 2550 per million.
    expect(costOf(call, null)).toBeCloseTo(0.00255, 12);
  });

  it('a model without a price is unpriced, never costed at 0; a price file prices it', () => {
    const attrs = { 'gen_ai.provider.name': 'acme', 'gen_ai.request.model': 'acme-large-7', 'gen_ai.usage.input_tokens': 2_000_000, 'gen_ai.usage.output_tokens': 1_000_000 };
    const unpriced = analyze([oneCall('8', attrs)]);
    expect(unpriced.models[0]!.costUsd).toBeNull();
    expect(unpriced.unpriced).toEqual(['acme/acme-large-7']);
    expect(unpriced.perTrace.costUsd).toBeNull();
    expect(unpriced.tracesWithUnpriced).toBe(1);
    // 2M × $1 + 1M × $3.
    const priced = analyze([oneCall('8', attrs)], { prices: { models: { 'acme/acme-large-7': { input: 1, output: 3 } } } });
    expect(priced.models[0]!.costUsd).toBeCloseTo(5, 12);
    expect(priced.unpriced).toEqual([]);
    // A price file beats the catalogue: gpt-4o-mini at $1/$1.
    const overridden = analyze([oneCall('9', { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 1_000_000, 'gen_ai.usage.output_tokens': 0 })], { prices: { models: { 'gpt-4o-mini': { input: 1, output: 1 } } } });
    expect(overridden.models[0]!.costUsd).toBeCloseTo(1, 12);
  });

  it("a span's own cost attribute wins", () => {
    const report = analyze([oneCall('10', { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.cost': 0.42 })]);
    expect(report.models[0]!.costUsd).toBeCloseTo(0.42, 12);
  });
});

describe('Anthropic cache tokens as Traceloop and OpenLIT write them', () => {
  /*
   * One Anthropic request: 1000 fresh input tokens, 400 read from the cache, 100 written to
   * it, 200 output. Priced by a file at $3 input, $0.30 cache read, $3.75 cache write and $15
   * output per million:
   *   1000 × 3 + 400 × 0.30 + 100 × 3.75 + 200 × 15 = 3000 + 120 + 375 + 3000 = 6495 → $0.006495
   * Whatever the dialect, the call has 1500 input tokens and costs that.
   */
  const prices = { models: { 'claude-3-5-sonnet': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 } } };
  const COST = 0.006495;
  const model = { 'gen_ai.request.model': 'claude-3-5-sonnet', 'gen_ai.operation.name': 'chat' };
  const cases: [string, Attributes][] = [
    // Traceloop (OpenLLMetry): prompt_tokens = input + cache read + cache write; the underscore cache names.
    ['Traceloop', { ...model, 'gen_ai.system': 'Anthropic', 'llm.request.type': 'chat', 'gen_ai.usage.prompt_tokens': 1500, 'gen_ai.usage.completion_tokens': 200, 'gen_ai.usage.cache_read_input_tokens': 400, 'gen_ai.usage.cache_creation_input_tokens': 100, 'llm.usage.total_tokens': 1700 }],
    // OpenLIT: Anthropic's own usage fields, input_tokens without the cache.
    ['OpenLIT', { ...model, 'gen_ai.system': 'anthropic', 'gen_ai.usage.input_tokens': 1000, 'gen_ai.usage.output_tokens': 200, 'gen_ai.usage.cache_read_input_tokens': 400, 'gen_ai.usage.cache_creation_input_tokens': 100 }],
    // Anthropic-native counts with a total that adds the cache: input + cache + output.
    ['native with a total', { ...model, 'gen_ai.provider.name': 'anthropic', 'llm.input_tokens': 1000, 'llm.output_tokens': 200, 'gen_ai.usage.cache_read.input_tokens': 400, 'gen_ai.usage.cache_creation.input_tokens': 100, 'llm.total_tokens': 1700 }],
    // The current OpenTelemetry names, by their rule (input counts the cache), from the constants.
    ['OpenTelemetry GenAI', { ...model, [ATTR_GEN_AI_PROVIDER_NAME]: 'anthropic', [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 1500, [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 200, 'gen_ai.usage.cache_read.input_tokens': 400, 'gen_ai.usage.cache_creation.input_tokens': 100 }],
  ];

  it.each(cases)('%s: 1500 input tokens, 400 read, 100 written, $0.006495', (_name, attrs) => {
    const call = readLlmCall(oneCall('20', attrs).spans[1]!)!;
    expect(call.provider).toBe('anthropic');
    expect([call.cacheReadTokens, call.cacheCreationTokens, call.outputTokens]).toEqual([400, 100, 200]);
    expect(totalInputTokens(call)).toBe(1500);
    expect(costOf(call, prices, false)).toBeCloseTo(COST, 12);
    const report = analyze([oneCall('20', attrs)], { prices, catalogue: false });
    expect(report.models[0]!.tokens).toMatchObject({ input: 1500, cacheRead: 400, cacheCreation: 100, output: 200 });
    expect(report.models[0]!.cachedInputShare).toBeCloseTo(400 / 1500, 12);
  });

  it('OpenLIT counts with less cache than input are still Anthropic-native (the gap the counts alone miss)', () => {
    const call = readLlmCall(oneCall('21', cases[1]![1]).spans[1]!)!;
    // 400 + 100 cached < 1000 input: without the names, the OpenTelemetry rule would count 1000.
    expect(inputIncludesCache(call)).toBe(false);
    const traceloop = readLlmCall(oneCall('22', cases[0]![1]).spans[1]!)!;
    expect(inputIncludesCache(traceloop)).toBe(true);
  });
});

describe('the prompt cache per model (moved here from cache)', () => {
  /*
   *   a: gpt-4o-mini 2000 input, 1024 read from the cache (the OpenTelemetry rule: inside input)
   *   b: gpt-4o-mini 1000 input, nothing cached
   *   c: claude-sonnet 100 input, 900 read: more cached than input, so apart: 1000 input in all
   * gpt-4o-mini: 2 calls, 1 cached, 3000 input, 1024 read, share 1024 / 3000; claude: 0.9.
   */
  it('sums input and cache reads per model, each convention counted right', () => {
    const chat = (model: string, input: number, cached?: number): Attributes => ({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': model.startsWith('claude') ? 'anthropic' : 'openai',
      'gen_ai.request.model': model,
      'gen_ai.usage.input_tokens': input,
      ...(cached === undefined ? {} : { 'gen_ai.usage.cache_read.input_tokens': cached }),
    });
    const t = trace('30', [
      { id: 'r', name: 'agent', start: 0, dur: 10 },
      { id: 'a', parent: 'r', name: 'chat', start: 0, dur: 2, attrs: chat('gpt-4o-mini', 2000, 1024) },
      { id: 'b', parent: 'r', name: 'chat', start: 2, dur: 2, attrs: chat('gpt-4o-mini', 1000) },
      { id: 'c', parent: 'r', name: 'chat', start: 4, dur: 2, attrs: chat('claude-sonnet', 100, 900) },
    ]);
    const report = analyze([t]);
    expect(report.models.map((m) => [m.model, m.calls, m.cachedCalls, m.tokens.input, m.tokens.cacheRead])).toEqual([
      ['gpt-4o-mini', 2, 1, 3000, 1024],
      ['claude-sonnet', 1, 1, 1000, 900],
    ]);
    expect(report.models[0]!.cachedInputShare).toBeCloseTo(1024 / 3000, 12);
    expect(report.models[1]!.cachedInputShare).toBeCloseTo(0.9, 12);
  });
});

describe('one trace, for show and find', () => {
  it('totals each call once and keeps the wrapper apart', () => {
    const t = trace('31', [
      { id: 'r', name: 'POST /ask', start: 0, dur: 1000 },
      { id: 'w', parent: 'r', name: 'ChatOpenAI', start: 10, dur: 900, attrs: { 'openinference.span.kind': 'LLM', 'llm.model_name': 'm', 'llm.token_count.prompt': 300, 'llm.token_count.completion': 30 } },
      { id: 'c', parent: 'w', name: 'chat m', start: 20, dur: 800, attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm', 'gen_ai.usage.input_tokens': 300, 'gen_ai.usage.output_tokens': 30 } },
    ]);
    // $1 input and $2 output per million: 300 + 60 = $0.00036.
    const { spans, total } = traceLlmUsage(t, { prices: { models: { m: { input: 1, output: 2 } } }, catalogue: false });
    expect([...spans.values()].map((s) => [s.counted, s.inputTokens, s.outputTokens])).toEqual([
      [false, 300, 30],
      [true, 300, 30],
    ]);
    expect(total).toMatchObject({ calls: 1, inputTokens: 300, outputTokens: 30, unpricedCalls: 0 });
    expect(total.costUsd).toBeCloseTo(0.00036, 12);
  });
});

describe('errors, rate limits, time to first token, tools', () => {
  it('counts 429s as rate limited, and reads time to first token from a first-chunk event', () => {
    const ok = trace('11', [
      { id: 'r', name: 'POST /chat', service: 'gateway', kind: 'server', start: 0, dur: 1000 },
      { id: 'c', parent: 'r', name: 'chat', service: 'gateway', kind: 'client', start: 0, dur: 900, attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 5, 'gen_ai.usage.output_tokens': 5 } },
    ]);
    const withEvent: Trace = { ...ok, spans: ok.spans.map((s) => (s.name === 'chat' ? { ...s, events: [{ name: 'gen_ai.content.first_chunk', timeMs: s.startMs + 300, attributes: {} }] } : s)) };
    const limited = oneCall('12', { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'http.response.status_code': 429 }, { status: 'error' });
    const report = analyze([withEvent, limited]);
    expect(report.models[0]).toMatchObject({ calls: 2, errors: 1, rateLimited: 1, ttftMs: { p50: 300 } });
  });

  it('tools: calls, errors, p95, and repeated identical calls', () => {
    const tool = (id: string, start: number, args: string): SpanSketch => ({ id, parent: 'a', name: `execute_tool search`, service: 'agent', start, dur: 10, attrs: { 'gen_ai.operation.name': 'execute_tool', [ATTR_GEN_AI_TOOL_NAME]: 'search', 'gen_ai.tool.call.arguments': args } });
    const t = trace('13', [
      { id: 'a', name: 'invoke_agent helper', service: 'agent', start: 0, dur: 100, attrs: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'helper' } },
      tool('t1', 0, '{"q":"x"}'),
      tool('t2', 20, '{"q":"x"}'),
      tool('t3', 40, '{"q":"y"}'),
    ]);
    const report = analyze([t]);
    expect(report.tools).toEqual([{ name: 'search', calls: 3, errors: 0, p95Ms: 10, repeated: 1 }]);
    expect(report.agents).toEqual([{ name: 'helper', calls: 1, errors: 0, p95Ms: 100 }]);
  });

  it('merges across threads into the one-thread answer', () => {
    const traces = [oneCall('14', { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 4 }), oneCall('15', { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 7 })];
    const whole = analyze(traces);
    const a = new LlmAccumulator();
    const b = new LlmAccumulator();
    a.add(traces[0]!);
    b.add(traces[1]!);
    a.merge(structuredClone(b.state()));
    expect(a.result()).toEqual(whole);
  });
});

describe('spans from the real OpenTelemetry JS SDK', () => {
  it('round-trip through OTLP JSON to the right totals', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'assistant' }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('llm-test');
    const root = tracer.startSpan('POST /ask', { kind: SpanKind.SERVER, startTime: [1_700_000_000, 0] });
    for (const [i, input] of [400, 600].entries()) {
      const call = tracer.startSpan(
        'chat gpt-4o-mini',
        {
          kind: SpanKind.CLIENT,
          startTime: [1_700_000_000, 10_000_000 + i * 500_000_000],
          attributes: { [ATTR_GEN_AI_OPERATION_NAME]: 'chat', [ATTR_GEN_AI_PROVIDER_NAME]: 'openai', [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-mini', [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: input, [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: 50, [ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: 0 },
        },
        otelTrace.setSpan(context.active(), root),
      );
      call.end([1_700_000_000, 400_000_000 + i * 500_000_000]);
    }
    root.end([1_700_000_001, 0]);
    const json = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans())!)) as unknown;
    const report = analyze(buildTraces(decodeOtlpJson(json).spans));
    expect(report.models.map((m) => [m.provider, m.model, m.calls, m.tokens.input, m.tokens.output])).toEqual([['openai', 'gpt-4o-mini', 2, 1000, 100]]);
    // 1000 × 0.15 + 100 × 0.60 = 210 per million.
    expect(report.models[0]!.costUsd).toBeCloseTo(0.00021, 12);
    expect(report.perTrace.llmCalls).toEqual({ p50: 2, max: 2 });
  });
});
