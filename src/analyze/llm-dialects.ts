import { numberAttribute, textAttribute } from '../model/attributes.js';
import type { Attributes, Span } from '../model/span.js';

/**
 * The attribute dialects real GenAI libraries emit, in one table (docs/llm.md shows the same
 * table): for each fact, the keys that carry it, the current OpenTelemetry GenAI name first,
 * then its deprecated names, then the other libraries'. The first key present wins.
 *
 * - OpenTelemetry GenAI semantic conventions (`gen_ai.*`), with the deprecated
 *   `gen_ai.system` and `gen_ai.usage.prompt_tokens`/`completion_tokens` (vLLM still emits them);
 * - OpenInference (Phoenix, Arize): `openinference.span.kind`, `llm.*`;
 * - OpenLLMetry/Traceloop: `llm.request.type`, `llm.usage.total_tokens`, `traceloop.span.kind`;
 * - OpenLIT: `gen_ai.usage.cost`, `gen_ai.server.time_to_first_token`;
 * - vLLM: `gen_ai.latency.time_to_first_token` (seconds);
 * - Vercel AI SDK: `ai.model.*`, `ai.usage.*`, `ai.response.msToFirstChunk`;
 * - the plain custom attributes users set: `llm.provider`, `llm.model`, `llm.input_tokens`…,
 *   and `prompt_tokens`/`completion_tokens` with `model`.
 */
export const LLM_ATTRIBUTES = {
  provider: ['gen_ai.provider.name', 'gen_ai.system', 'llm.provider', 'llm.system', 'ai.model.provider'],
  model: ['gen_ai.response.model', 'gen_ai.request.model', 'llm.model_name', 'llm.model', 'ai.response.model', 'ai.model.id', 'model'],
  inputTokens: ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens', 'llm.token_count.prompt', 'llm.input_tokens', 'llm.usage.prompt_tokens', 'ai.usage.promptTokens', 'ai.usage.inputTokens', 'prompt_tokens', 'input_tokens'],
  outputTokens: ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens', 'llm.token_count.completion', 'llm.output_tokens', 'llm.usage.completion_tokens', 'ai.usage.completionTokens', 'ai.usage.outputTokens', 'completion_tokens', 'output_tokens'],
  totalTokens: ['gen_ai.usage.total_tokens', 'llm.token_count.total', 'llm.usage.total_tokens', 'llm.total_tokens', 'ai.usage.totalTokens', 'total_tokens'],
  cacheReadTokens: ['gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens', 'llm.token_count.prompt_details.cache_read', 'ai.usage.cachedInputTokens'],
  cacheCreationTokens: ['gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_creation_input_tokens', 'llm.token_count.prompt_details.cache_write'],
  reasoningTokens: ['gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens', 'llm.token_count.completion_details.reasoning', 'ai.usage.reasoningTokens'],
  /** US dollars for the call, when the producer worked it out. */
  costUsd: ['gen_ai.usage.cost', 'llm.cost.total', 'gen_ai.cost.total'],
  finishReasons: ['gen_ai.response.finish_reasons', 'llm.finish_reason', 'ai.response.finishReason'],
  stream: ['gen_ai.request.stream', 'llm.is_streaming', 'ai.settings.stream'],
  agent: ['gen_ai.agent.name', 'agent.name'],
  tool: ['gen_ai.tool.name', 'tool.name'],
  toolCallId: ['gen_ai.tool.call.id', 'tool_call.id'],
  toolArguments: ['gen_ai.tool.call.arguments', 'tool.parameters', 'input.value'],
} as const;

/** Time to first token: where it is recorded and in which unit. */
const TTFT_ATTRIBUTES: readonly { key: string; toMs: number }[] = [
  { key: 'gen_ai.response.time_to_first_chunk', toMs: 1000 },
  { key: 'gen_ai.server.time_to_first_token', toMs: 1000 },
  { key: 'gen_ai.latency.time_to_first_token', toMs: 1000 },
  { key: 'llm.time_to_first_token_ms', toMs: 1 },
  { key: 'ai.response.msToFirstChunk', toMs: 1 },
  { key: 'ai.stream.msToFirstChunk', toMs: 1 },
];

/**
 * vLLM's own server span (`llm_request`) names no provider; its latency attributes, which
 * no other producer writes, say it is vLLM.
 */
const VLLM_LATENCY_KEYS = ['gen_ai.latency.e2e', 'gen_ai.latency.time_in_queue'];

/** Events that mark the first chunk of a streamed answer, when no attribute says it. */
const FIRST_CHUNK_EVENTS = new Set(['gen_ai.content.first_chunk', 'first_token', 'gen_ai.first_token', 'ai.stream.firstChunk', 'first_chunk']);

/** `gen_ai.operation.name` values that call a model (agents and tools are told apart). */
const MODEL_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings', 'completion', 'responses']);
/** OpenInference span kinds and Traceloop kinds that are model calls. */
const MODEL_KINDS = new Set(['LLM', 'EMBEDDING']);

export type LlmRole = 'model' | 'agent' | 'tool';

/** What one span says about an LLM call, an agent or a tool, in tracectl's own terms. */
export interface LlmCall {
  role: LlmRole;
  provider: string | null;
  model: string | null;
  /** Input tokens as reported (see `inputIncludesCache`). */
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheCreationTokens: number | null;
  reasoningTokens: number | null;
  costUsd: number | null;
  ttftMs: number | null;
  stream: boolean | null;
  agent: string | null;
  tool: string | null;
  toolArguments: string | null;
  /**
   * Whether `inputTokens` counts the cached tokens, when the span itself says (see
   * `cacheInInput`); absent or undefined, `inputIncludesCache` judges by the counts.
   */
  cacheInInput?: boolean;
}

function first<K extends keyof typeof LLM_ATTRIBUTES>(attributes: Attributes, fact: K, read: typeof numberAttribute | typeof textAttribute): ReturnType<typeof read> {
  for (const key of LLM_ATTRIBUTES[fact]) {
    if (!(key in attributes)) continue;
    const value = read(attributes[key]);
    if (value !== null) return value;
  }
  return null;
}

const count = (attributes: Attributes, fact: keyof typeof LLM_ATTRIBUTES): number | null => {
  const n = first(attributes, fact, numberAttribute) as number | null;
  return n !== null && n >= 0 ? n : null;
};
const text = (attributes: Attributes, fact: keyof typeof LLM_ATTRIBUTES): string | null => first(attributes, fact, textAttribute) as string | null;

/** The key a fact was read from (the first present with a usable value), or null. */
function keyOf(attributes: Attributes, fact: keyof typeof LLM_ATTRIBUTES): string | null {
  for (const key of LLM_ATTRIBUTES[fact]) if (key in attributes && numberAttribute(attributes[key]) !== null) return key;
  return null;
}

/** The underscore cache keys: Anthropic's own usage field names, copied as they are. */
const ANTHROPIC_CACHE_KEYS = new Set(['gen_ai.usage.cache_read_input_tokens', 'gen_ai.usage.cache_creation_input_tokens']);

/**
 * Whether a span's input count includes its cached tokens, when the span tells:
 * - a total beside input, output and cache counts settles it: total = input + output means
 *   input holds the cache; total = input + cache + output means it does not;
 * - else an Anthropic call whose counts carry Anthropic's own names (`input_tokens` with the
 *   underscore `cache_read_input_tokens`/`cache_creation_input_tokens`, as instrumentations
 *   that copy the Anthropic usage object write them, OpenLIT among them) is in Anthropic's
 *   convention: input excludes the cache. Traceloop writes the deprecated
 *   `gen_ai.usage.prompt_tokens` as input + cache read + cache creation (the OpenTelemetry
 *   rule), and the current dotted cache names follow that rule too.
 * Undefined when the span does not tell.
 */
function cacheInInput(a: Attributes, provider: string | null, input: number | null, output: number | null, total: number | null, cached: number): boolean | undefined {
  if (input === null || cached === 0) return undefined;
  // (total = input + output says nothing: producers of both conventions write it so.)
  if (total !== null && output !== null && total === input + output + cached) return false;
  if (provider !== 'anthropic' || keyOf(a, 'inputTokens') !== 'gen_ai.usage.input_tokens') return undefined;
  const cacheKey = keyOf(a, 'cacheReadTokens') ?? keyOf(a, 'cacheCreationTokens');
  return cacheKey !== null && ANTHROPIC_CACHE_KEYS.has(cacheKey) ? false : undefined;
}

function roleOf(span: Span): LlmRole | null {
  const a = span.attributes;
  const operation = textAttribute(a['gen_ai.operation.name']);
  if (operation === 'invoke_agent' || operation === 'create_agent') return 'agent';
  if (operation === 'execute_tool') return 'tool';
  const kind = (textAttribute(a['openinference.span.kind']) ?? textAttribute(a['traceloop.span.kind']))?.toUpperCase() ?? null;
  if (kind === 'AGENT') return 'agent';
  if (kind === 'TOOL') return 'tool';
  if (operation !== null && MODEL_OPERATIONS.has(operation)) return 'model';
  if (kind !== null && MODEL_KINDS.has(kind)) return 'model';
  if (textAttribute(a['llm.request.type']) !== null) return 'model';
  if (span.name.startsWith('ai.') && /\.do(Generate|Stream)$/.test(span.name)) return 'model';
  // Usage or a model name alone: a model call in any dialect (custom attributes included).
  if (count(a, 'inputTokens') !== null || count(a, 'outputTokens') !== null || count(a, 'totalTokens') !== null) return text(a, 'model') !== null || text(a, 'provider') !== null ? 'model' : null;
  if (text(a, 'tool') !== null && (textAttribute(a['gen_ai.tool.call.id']) !== null || span.name.startsWith('execute_tool'))) return 'tool';
  return null;
}

/** Every key any dialect uses: a span with none of them is no LLM call (checked first: most spans are not). */
const LLM_KEYS: ReadonlySet<string> = new Set([
  ...Object.values(LLM_ATTRIBUTES).flat(),
  ...TTFT_ATTRIBUTES.map((t) => t.key),
  'gen_ai.operation.name',
  'openinference.span.kind',
  'traceloop.span.kind',
  'llm.request.type',
]);

function mayBeLlmCall(span: Span): boolean {
  if (span.name.startsWith('ai.')) return true;
  for (const key in span.attributes) if (LLM_KEYS.has(key)) return true;
  return false;
}

/** The LLM call, agent or tool a span is, or null when it is none of them. */
export function readLlmCall(span: Span): LlmCall | null {
  if (!mayBeLlmCall(span)) return null;
  const role = roleOf(span);
  if (role === null) return null;
  const a = span.attributes;
  let ttftMs: number | null = null;
  for (const { key, toMs } of TTFT_ATTRIBUTES) {
    const v = numberAttribute(a[key]);
    if (v !== null && v >= 0) {
      ttftMs = v * toMs;
      break;
    }
  }
  if (ttftMs === null) {
    const chunk = span.events.find((e) => FIRST_CHUNK_EVENTS.has(e.name));
    if (chunk) ttftMs = Math.max(0, chunk.timeMs - span.startMs);
  }
  const stream = a['gen_ai.request.stream'] ?? a['llm.is_streaming'] ?? a['ai.settings.stream'];
  let input = count(a, 'inputTokens');
  let output = count(a, 'outputTokens');
  const total = count(a, 'totalTokens');
  // Only a total (Traceloop's llm.usage.total_tokens alone): count it as input, the larger cost rarely.
  const outputReported = output !== null;
  if (input === null && output === null && total !== null) input = total;
  else if (input !== null && output === null && total !== null && total >= input) output = total - input;
  const provider = text(a, 'provider')?.toLowerCase() ?? (VLLM_LATENCY_KEYS.some((key) => key in a) ? 'vllm' : null);
  const cacheReadTokens = count(a, 'cacheReadTokens');
  const cacheCreationTokens = count(a, 'cacheCreationTokens');
  const convention = cacheInInput(a, provider, input, outputReported ? output : null, total, (cacheReadTokens ?? 0) + (cacheCreationTokens ?? 0));
  return {
    role,
    provider,
    model: text(a, 'model'),
    inputTokens: input,
    outputTokens: output,
    cacheReadTokens,
    cacheCreationTokens,
    reasoningTokens: count(a, 'reasoningTokens'),
    costUsd: first(a, 'costUsd', numberAttribute) as number | null,
    ttftMs,
    stream: typeof stream === 'boolean' ? stream : stream === 'true' ? true : stream === 'false' ? false : null,
    agent: text(a, 'agent'),
    tool: text(a, 'tool'),
    toolArguments: text(a, 'toolArguments'),
    ...(convention === undefined ? {} : { cacheInInput: convention }),
  };
}

/** Whether a call reports token usage at all. */
export function hasUsage(call: LlmCall): boolean {
  return call.inputTokens !== null || call.outputTokens !== null;
}

/**
 * Whether `inputTokens` includes the cached tokens (the OpenTelemetry rule, and OpenAI's)
 * or excludes them (Anthropic's native counts, where cache reads and writes are reported
 * beside the input). The span's own word first (`cacheInInput`); then more cache read than
 * input can only mean the latter; so can an Anthropic cache write larger than the input.
 */
export function inputIncludesCache(call: LlmCall): boolean {
  if (call.cacheInInput !== undefined) return call.cacheInInput;
  const cached = (call.cacheReadTokens ?? 0) + (call.cacheCreationTokens ?? 0);
  if (call.inputTokens !== null && cached > call.inputTokens) return false;
  return !(call.provider === 'anthropic' && call.cacheCreationTokens !== null && call.inputTokens !== null && call.cacheCreationTokens > call.inputTokens);
}

/** All input tokens of a call, cached ones included, whichever convention it reported in. */
export function totalInputTokens(call: LlmCall): number {
  const input = call.inputTokens ?? 0;
  return inputIncludesCache(call) ? input : input + (call.cacheReadTokens ?? 0) + (call.cacheCreationTokens ?? 0);
}
