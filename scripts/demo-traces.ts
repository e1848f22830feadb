/**
 * Deterministic demo traces for tracectl: an LLM gateway with a response cache, a RAG
 * pipeline, an async usage consumer, a long tail of slow requests and failures that either
 * propagate to the root or are absorbed on the way.
 *
 * The traces are built once in a neutral model (`DemoTrace`) and then written by three
 * encoders (OTLP JSON lines, Jaeger JSON, Zipkin v2 JSON) so that every decoder can be
 * tested against the same truths (`fixtures/demo/manifest.json`).
 *
 * Only integer arithmetic, `+ - * /` and comparisons touch the random numbers: no
 * `Math.log`/`exp`/`pow`, whose last bits may differ between JavaScript engines, so the
 * output stays byte-identical everywhere.
 */

import { OpenInferenceSpanKind, SemanticConventions as OI } from '@arizeai/openinference-semantic-conventions';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_COMPLETION_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_PROMPT_TOKENS,
} from '@opentelemetry/semantic-conventions/incubating';

// ---------------------------------------------------------------------------------------
// The neutral model
// ---------------------------------------------------------------------------------------

/** 2026-11-01T10:00:00Z: every demo time is an offset from this instant. */
export const DEMO_EPOCH_MS = Date.UTC(2026, 10, 1, 10, 0, 0);
export const DEMO_SEED = 20261101;
export const DEMO_TRACE_COUNT = 60;

export type DemoSpanKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal';
export type DemoValue = string | number | boolean;
export type DemoAttributes = Record<string, DemoValue>;

export interface DemoEvent {
  name: string;
  /** Microseconds since the trace's `epochMs`. */
  timeUs: number;
  attributes: DemoAttributes;
}

export interface DemoSpan {
  /** 16 lower-case hex characters, unique across the whole demo set. */
  spanId: string;
  parentSpanId: string | null;
  /** The parent is a FOLLOWS_FROM reference: the span runs after its producer ended. */
  followsFrom: boolean;
  service: string;
  name: string;
  kind: DemoSpanKind;
  /** Whole microseconds since the trace's `epochMs`. */
  startUs: number;
  /** Whole microseconds. */
  durationUs: number;
  status: 'unset' | 'error';
  statusMessage: string | null;
  /** Integers are written as integers and other numbers as doubles by every encoder. */
  attributes: DemoAttributes;
  events: DemoEvent[];
  /** The uninstrumented peer a client span calls (a database, an LLM provider). */
  remoteService: string | null;
}

export const demoScenarios = [
  'chat',
  'chat-cache-hit',
  'ask',
  'chat-slow-llm',
  'ask-slow-search',
  'ask-search-timeout',
  'chat-llm-failure',
  'ask-rerank-fallback',
  'chat-llm-rate-limit-retry',
  'chat-history-n-plus-one',
  'ask-vllm',
  'agent-langchain',
  'agent-langchain-rate-limit',
  'summarize-traceloop',
] as const;
export type DemoScenario = (typeof demoScenarios)[number];

export interface DemoTrace {
  /** 32 lower-case hex characters. */
  traceId: string;
  /** Epoch milliseconds that `startUs = 0` stands for. */
  epochMs: number;
  scenario: DemoScenario;
  /** Why this trace is slow or failing, in one sentence; null for an ordinary request. */
  note: string | null;
  /** In creation order: every parent comes before its children. */
  spans: DemoSpan[];
  /**
   * Each model call once, as the generator made it (the span closest to the provider; a
   * wrapper span over it is not a call): the truths of `tracectl llm`.
   */
  llmCalls: DemoLlmCall[];
}

/** One call to a model, in tracectl's terms: input counts every prompt token, cached ones included. */
export interface DemoLlmCall {
  spanId: string;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  /** Milliseconds to the first token, when the span records it. */
  ttftMs: number | null;
  failed: boolean;
  rateLimited: boolean;
}

export interface DemoOptions {
  seed: number;
  count: number;
  startEpochMs: number;
}

/** Resource attributes per instrumented service (OTLP resource, Jaeger process tags). */
export const DEMO_SERVICES: Readonly<Record<string, DemoAttributes>> = {
  gateway: sdk('nodejs', '3.8.1'),
  'rag-service': sdk('python', '0.19.4'),
  'embedding-service': sdk('python', '0.4.2'),
  'vector-store': sdk('go', '1.12.0'),
  reranker: sdk('python', '0.7.3'),
  'llm-api': sdk('python', '2.1.0'),
  'usage-worker': sdk('go', '0.9.5'),
  'agent-service': sdk('python', '1.3.0'),
  vllm: sdk('python', '0.11.0'),
};

function sdk(language: string, serviceVersion: string): DemoAttributes {
  return { 'service.version': serviceVersion, 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.language': language };
}

/** The resource of a service, `service.name` first as SDKs write it. */
export function serviceResource(service: string): DemoAttributes {
  return { 'service.name': service, ...(DEMO_SERVICES[service] ?? {}) };
}

// ---------------------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------------------

/** mulberry32: tiny, fast and good enough for test data; same sequence on every engine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  /** `usedIds` may be shared with another generator so ids stay unique across both. */
  constructor(
    seed: number,
    readonly usedIds = new Set<string>(),
  ) {
    this.next = mulberry32(seed);
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[this.int(0, items.length - 1)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }

  /** Lower-case hex id of `words` 32-bit words, never all zeros and never seen before. */
  id(words: number): string {
    for (;;) {
      let id = '';
      for (let i = 0; i < words; i++) id += this.int(0, 0xffffffff).toString(16).padStart(8, '0');
      if (!/^0+$/.test(id) && !this.usedIds.has(id)) {
        this.usedIds.add(id);
        return id;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Building one trace
// ---------------------------------------------------------------------------------------

interface ErrorInfo {
  /** `exception.type`; null for a client span that only saw an error status code. */
  type: string | null;
  message: string;
  httpStatus?: number;
}

/** Times passed to the builder are microseconds from the trace start. */
class TraceBuilder {
  readonly spans: DemoSpan[] = [];
  readonly llmCalls: DemoLlmCall[] = [];

  constructor(
    private readonly rng: Rng,
    private readonly offsetUs: number,
  ) {}

  open(
    parent: DemoSpan | null,
    service: string,
    kind: DemoSpanKind,
    name: string,
    t: number,
    attributes: DemoAttributes = {},
    extra: { followsFrom?: boolean; remoteService?: string } = {},
  ): DemoSpan {
    const span: DemoSpan = {
      spanId: this.rng.id(2),
      parentSpanId: parent?.spanId ?? null,
      followsFrom: extra.followsFrom ?? false,
      service,
      name,
      kind,
      startUs: this.offsetUs + t,
      durationUs: 0,
      status: 'unset',
      statusMessage: null,
      attributes: { ...attributes },
      events: [],
      remoteService: extra.remoteService ?? null,
    };
    this.spans.push(span);
    return span;
  }

  /** Ends the span at `t` and returns `t`, so calls chain through time. */
  close(span: DemoSpan, t: number, httpStatus?: number): number {
    span.durationUs = this.offsetUs + t - span.startUs;
    if (span.durationUs <= 0) throw new Error(`span ${span.name} ends before it starts`);
    if (httpStatus !== undefined) span.attributes['http.response.status_code'] = httpStatus;
    return t;
  }

  /** Ends the span as an error; server spans also record the exception as an event. */
  fail(span: DemoSpan, t: number, error: ErrorInfo): number {
    this.close(span, t, error.httpStatus);
    span.status = 'error';
    span.statusMessage = error.message;
    span.attributes['error.type'] = error.type ?? String(error.httpStatus ?? 'error');
    if (error.type !== null) {
      this.event(span, 'exception', t - 1, {
        'exception.type': error.type,
        'exception.message': error.message,
      });
    }
    return t;
  }

  event(span: DemoSpan, name: string, t: number, attributes: DemoAttributes): void {
    span.events.push({ name, timeUs: this.offsetUs + t, attributes });
  }

  /** Records `span` as one model call (`DemoTrace.llmCalls`). */
  countCall(span: DemoSpan, call: Omit<DemoLlmCall, 'spanId'>): void {
    this.llmCalls.push({ spanId: span.spanId, ...call });
  }

  end(span: DemoSpan): number {
    return span.startUs + span.durationUs - this.offsetUs;
  }

  /** One network hop: request or response transit between two services. */
  hop(): number {
    return this.rng.int(180, 900);
  }
}

function httpServer(route: string): DemoAttributes {
  return { 'http.request.method': 'POST', 'http.route': route };
}

function httpClient(service: string, port: number): DemoAttributes {
  return { 'http.request.method': 'POST', 'server.address': service, 'server.port': port };
}

function dbClient(operation: string, table: string, query: string): DemoAttributes {
  return {
    'db.system.name': 'postgresql',
    'db.operation.name': operation,
    'db.collection.name': table,
    'db.query.text': query,
    'server.address': 'pg-main.internal',
    'peer.service': 'postgresql',
  };
}

interface LlmPlan {
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Microseconds per generated token. */
  perTokenUs: number;
  failure: 'none' | 'provider-error' | 'rate-limit';
}

/**
 * `caller` is an open CLIENT span `POST /llm/complete`; this adds the llm-api side and
 * returns when its response reaches the caller, and whether it failed.
 */
function llmCall(b: TraceBuilder, rng: Rng, caller: DemoSpan, t0: number, plan: LlmPlan) {
  const server = b.open(caller, 'llm-api', 'server', 'POST /llm/complete', t0 + b.hop(), {
    ...httpServer('/llm/complete'),
    'gen_ai.request.model': plan.model,
  });
  let t = b.end(server) + rng.int(100, 400);
  const render = b.open(server, 'llm-api', 'internal', 'render_prompt', t, {
    'llm.prompt.template': rng.pick(['support-v3', 'answer-with-context-v2', 'summarize-v1']),
    'llm.prompt.messages': rng.int(2, 9),
  });
  t = b.close(render, t + rng.int(1_500, 9_000)) + rng.int(50, 200);

  const completionAttrs = (): DemoAttributes => ({
    'gen_ai.operation.name': 'chat',
    'gen_ai.system': 'openai',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': plan.model,
    'gen_ai.request.temperature': 0.2,
    'server.address': 'api.openai.com',
    'peer.service': 'openai',
  });
  // The provider is not instrumented: llm_completion has no child span.
  const completion = () =>
    b.open(server, 'llm-api', 'client', 'llm_completion', t, completionAttrs(), {
      remoteService: 'openai',
    });

  if (plan.failure === 'rate-limit') {
    // 429 on the first attempt; the client library backs off and the retry succeeds.
    const first = completion();
    const retryInMs = rng.int(300, 900);
    t = b.fail(first, t + rng.int(120_000, 350_000), {
      type: 'openai.RateLimitError',
      message: `Error code: 429 - Rate limit reached for ${plan.model} on tokens per min (TPM). Please try again in ${retryInMs}ms.`,
      httpStatus: 429,
    });
    b.countCall(first, refused('openai', plan.model, true));
    b.event(server, 'retry', t + 50, { 'retry.attempt': 1, 'retry.delay_ms': retryInMs });
    t += retryInMs * 1000;
  }

  const call = completion();
  if (plan.failure === 'provider-error') {
    t = b.fail(call, t + rng.int(600_000, 2_000_000), {
      type: 'openai.InternalServerError',
      message: 'Error code: 500 - The server had an error while processing your request.',
      httpStatus: 500,
    });
    b.countCall(call, refused('openai', plan.model, false));
    t = b.fail(server, t + rng.int(200, 800), {
      type: 'openai.InternalServerError',
      message: 'LLM provider openai failed: Error code: 500',
      httpStatus: 502,
    });
    return { end: t + b.hop(), failed: true };
  }

  // Time to first token, then steady generation.
  const generationUs = rng.int(180_000, 450_000) + plan.outputTokens * plan.perTokenUs;
  call.attributes['gen_ai.response.model'] = plan.model;
  call.attributes['gen_ai.usage.input_tokens'] = plan.inputTokens;
  call.attributes['gen_ai.usage.output_tokens'] = plan.outputTokens;
  // Prompt caching applies in 1024-token prefixes of long prompts, and only sometimes.
  if (plan.inputTokens >= 1024 && rng.chance(0.5)) {
    call.attributes['gen_ai.usage.cache_read.input_tokens'] =
      1024 + 128 * rng.int(0, Math.floor((plan.inputTokens - 1024) / 128));
  }
  t = b.close(call, t + generationUs) + rng.int(200, 700);
  b.countCall(call, {
    provider: 'openai',
    model: plan.model,
    // OpenAI's prompt tokens include the cached ones.
    inputTokens: plan.inputTokens,
    outputTokens: plan.outputTokens,
    cacheReadTokens: Number(call.attributes['gen_ai.usage.cache_read.input_tokens'] ?? 0),
    cacheCreationTokens: 0,
    ttftMs: null,
    failed: false,
    rateLimited: false,
  });
  t = b.close(server, t, 200);
  return { end: t + b.hop(), failed: false };
}

/** A call the provider refused: no usage. */
function refused(provider: string, model: string, rateLimited: boolean): Omit<DemoLlmCall, 'spanId'> {
  return { provider, model, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, ttftMs: null, failed: true, rateLimited };
}

/** The usage event, published inside the request; returns when the publish span ended. */
function publishUsage(b: TraceBuilder, rng: Rng, root: DemoSpan, t: number): { producer: DemoSpan; end: number } {
  const producer = b.open(root, 'gateway', 'producer', 'publish usage-event', t, {
    'messaging.system': 'kafka',
    'messaging.destination.name': 'usage-events',
    'messaging.operation.type': 'send',
  });
  return { producer, end: b.close(producer, t + rng.int(300, 1_200)) };
}

/** The usage event consumed after the request ended: an asynchronous follower. */
function consumeUsage(b: TraceBuilder, rng: Rng, producer: DemoSpan, rootEnd: number): void {
  const start = rootEnd + rng.int(40_000, 1_500_000);
  const consumer = b.open(
    producer,
    'usage-worker',
    'consumer',
    'process usage-event',
    start,
    {
      'messaging.system': 'kafka',
      'messaging.destination.name': 'usage-events',
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'usage-worker',
    },
    { followsFrom: true },
  );
  const insert = b.open(
    consumer,
    'usage-worker',
    'client',
    'INSERT',
    start + rng.int(200, 900),
    dbClient(
      'INSERT',
      'usage_events',
      'INSERT INTO usage_events VALUES ($1, $2, $3, $4)',
    ),
    { remoteService: 'postgresql' },
  );
  b.close(consumer, b.close(insert, b.end(insert) + rng.int(1_500, 7_000)) + rng.int(200, 900));
}

/** Publishes the usage event, ends the root and lets the consumer run afterwards. */
function finishWithUsage(b: TraceBuilder, rng: Rng, root: DemoSpan, t: number): void {
  const { producer, end } = publishUsage(b, rng, root, t);
  const rootEnd = b.close(root, end + rng.int(100, 400), 200);
  consumeUsage(b, rng, producer, rootEnd);
}

/**
 * An N+1: the gateway loads the conversation history one message at a time, each SELECT
 * waiting for the previous one. The statements differ only in their literal id, so they
 * are one statement shape but not repeated identical calls.
 */
function loadHistoryOneByOne(b: TraceBuilder, rng: Rng, root: DemoSpan, t0: number): { t: number; note: string } {
  const history = b.open(root, 'gateway', 'internal', 'load_history', t0 + rng.int(50, 150));
  const messages = rng.int(8, 12);
  const firstId = rng.int(100_000, 900_000);
  let t = b.end(history) + rng.int(100, 300);
  const start = t;
  for (let i = 0; i < messages; i++) {
    const select = b.open(
      history,
      'gateway',
      'client',
      'SELECT',
      t,
      dbClient('SELECT', 'messages', `SELECT role, content FROM messages WHERE id = ${firstId + i}`),
      { remoteService: 'postgresql' },
    );
    t = b.close(select, t + rng.int(35_000, 70_000)) + rng.int(150, 500);
  }
  history.attributes['app.conversation.messages'] = messages;
  const note = `N+1: load_history ran ${messages} serial SELECTs on messages, one per message (${((t - start) / 1000).toFixed(1)} ms)`;
  return { t: b.close(history, t + rng.int(100, 300)), note };
}

const TENANTS = ['acme', 'globex', 'initech', 'umbrella', 'hooli'] as const;

function buildChat(b: TraceBuilder, rng: Rng, scenario: DemoScenario): string | null {
  const hit = scenario === 'chat-cache-hit';
  const root = b.open(null, 'gateway', 'server', 'POST /v1/chat', 0, {
    ...httpServer('/v1/chat'),
    'app.tenant': rng.pick(TENANTS),
  });
  let t = rng.int(150, 500);
  const lookup = b.open(root, 'gateway', 'internal', 'cache_lookup', t, {
    'cache.name': 'response-cache',
    'cache.hit': hit,
  });
  t = b.close(lookup, t + (hit ? rng.int(600, 2_400) : rng.int(500, 1_800)));
  if (hit) {
    b.close(root, t + rng.int(200, 800), 200);
    return null;
  }

  let note: string | null = null;
  if (scenario === 'chat-history-n-plus-one') ({ t, note } = loadHistoryOneByOne(b, rng, root, t));
  const plan: LlmPlan = {
    model: rng.pick(['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4.1-mini']),
    inputTokens: rng.int(150, 2_400),
    outputTokens: rng.int(40, 320),
    perTokenUs: rng.int(3_500, 6_000),
    failure: 'none',
  };
  if (scenario === 'chat-slow-llm') {
    plan.model = 'gpt-4o';
    plan.outputTokens = rng.int(900, 1_150);
    plan.perTokenUs = rng.int(7_000, 8_000);
    note = `slow llm_completion: ${plan.model} generated ${plan.outputTokens} output tokens`;
  } else if (scenario === 'chat-llm-failure') {
    plan.failure = 'provider-error';
    note = 'llm_completion failed (openai 500) and the error propagated to the root (502)';
  } else if (scenario === 'chat-llm-rate-limit-retry') {
    plan.failure = 'rate-limit';
    note = 'llm_completion hit a 429 rate limit; the retry succeeded and the request was OK';
  }

  t += rng.int(80, 250);
  const client = b.open(root, 'gateway', 'client', 'POST /llm/complete', t, httpClient('llm-api', 8080));
  const llm = llmCall(b, rng, client, t, plan);
  if (llm.failed) {
    t = b.fail(client, llm.end, { type: null, message: 'HTTP 502', httpStatus: 502 });
    b.fail(root, t + rng.int(100, 400), {
      type: 'UpstreamError',
      message: 'llm-api responded 502 to POST /llm/complete',
      httpStatus: 502,
    });
    return note;
  }
  t = b.close(client, llm.end, 200) + rng.int(60, 200);
  finishWithUsage(b, rng, root, t);
  return note;
}

function buildAsk(b: TraceBuilder, rng: Rng, scenario: DemoScenario): string | null {
  let note: string | null = null;
  const root = b.open(null, 'gateway', 'server', 'POST /v1/ask', 0, {
    ...httpServer('/v1/ask'),
    'app.tenant': rng.pick(TENANTS),
  });
  let t = rng.int(200, 600);
  const gwClient = b.open(root, 'gateway', 'client', 'POST /rag/ask', t, httpClient('rag-service', 8000));
  const ask = b.open(gwClient, 'rag-service', 'server', 'ask', t + b.hop(), httpServer('/rag/ask'));
  t = b.end(ask) + rng.int(100, 400);

  // The question's embedding comes first: both searches need it.
  const embedClient = b.open(ask, 'rag-service', 'client', 'POST /embed', t, httpClient('embedding-service', 8001));
  const embed = b.open(embedClient, 'embedding-service', 'server', 'embed', t + b.hop(), {
    ...httpServer('/embed'),
    'embedding.model': 'bge-small-en-v1.5',
    'embedding.dimensions': 384,
  });
  t = b.close(embed, b.end(embed) + rng.int(12_000, 45_000), 200);
  t = b.close(embedClient, t + b.hop(), 200) + rng.int(50, 200);

  // Two collections are searched at once: a fan-out of parallel children.
  const collections = ['docs', 'faq'] as const;
  const slowIndex = scenario === 'ask-slow-search' ? rng.int(0, 1) : -1;
  const timeoutIndex = scenario === 'ask-search-timeout' ? rng.int(0, 1) : -1;
  let searchesEnd = t;
  let searchTimedOut = false;
  for (const [i, collection] of collections.entries()) {
    const start = t + i * rng.int(30, 200);
    const client = b.open(ask, 'rag-service', 'client', 'POST /search', start, {
      ...httpClient('vector-store', 8002),
      'rag.collection': collection,
    });
    const search = b.open(client, 'vector-store', 'server', 'search', start + b.hop(), {
      ...httpServer('/search'),
      'vector.collection': collection,
      'vector.top_k': 20,
    });
    let end: number;
    if (i === timeoutIndex) {
      // The pool never hands out a connection, so there is no SELECT span at all.
      end = b.fail(search, b.end(search) + 1_000_000 + rng.int(100, 2_500), {
        type: 'TimeoutError',
        message: "timed out after 1000ms waiting for a connection from pool 'pg-main'",
        httpStatus: 504,
      });
      end = b.fail(client, end + b.hop(), { type: null, message: 'HTTP 504', httpStatus: 504 });
      searchTimedOut = true;
    } else {
      const table = `${collection}_chunks`;
      const select = b.open(
        search,
        'vector-store',
        'client',
        'SELECT',
        b.end(search) + rng.int(200, 800),
        dbClient('SELECT', table, `SELECT id FROM ${table} ORDER BY embedding <=> $1 LIMIT 20`),
        { remoteService: 'postgresql' },
      );
      const queryUs = i === slowIndex ? rng.int(6_000_000, 7_600_000) : rng.int(18_000, 110_000);
      if (i === slowIndex) {
        note = `slow vector-store search: SELECT on ${table} took ${(queryUs / 1e6).toFixed(1)}s (sequential scan after an index rebuild)`;
      }
      end = b.close(select, b.end(select) + queryUs) + rng.int(300, 1_500);
      search.attributes['vector.results'] = 20;
      end = b.close(search, end, 200);
      end = b.close(client, end + b.hop(), 200);
    }
    searchesEnd = Math.max(searchesEnd, end);
  }
  t = searchesEnd;

  if (searchTimedOut) {
    note = 'vector-store search timed out (connection pool) and the error propagated to the root';
    t = b.fail(ask, t + rng.int(500, 2_000), {
      type: 'TimeoutError',
      message: 'vector-store search timed out',
      httpStatus: 500,
    });
    t = b.fail(gwClient, t + b.hop(), { type: null, message: 'HTTP 500', httpStatus: 500 });
    b.fail(root, t + rng.int(100, 400), {
      type: 'UpstreamError',
      message: 'rag-service responded 500 to POST /rag/ask',
      httpStatus: 500,
    });
    return note;
  }

  t += rng.int(100, 300);
  const rerankClient = b.open(ask, 'rag-service', 'client', 'POST /rerank', t, httpClient('reranker', 8003));
  const rerank = b.open(rerankClient, 'reranker', 'server', 'rerank', t + b.hop(), {
    ...httpServer('/rerank'),
    'rerank.model': 'bge-reranker-v2-m3',
    'rerank.candidates': 40,
    'rerank.top_n': 8,
  });
  if (scenario === 'ask-rerank-fallback') {
    // The failure is absorbed: rag-service keeps the vector-search order and answers.
    note = 'reranker failed (503); rag-service fell back to vector-search order and answered OK';
    t = b.fail(rerank, b.end(rerank) + rng.int(20_000, 60_000), {
      type: 'ModelOverloadedError',
      message: 'reranker queue is full (64 pending requests)',
      httpStatus: 503,
    });
    t = b.fail(rerankClient, t + b.hop(), { type: null, message: 'HTTP 503', httpStatus: 503 });
    b.event(ask, 'rerank.fallback', t + 20, { reason: 'reranker responded 503' });
    ask.attributes['rag.rerank.fallback'] = true;
  } else {
    t = b.close(rerank, b.end(rerank) + rng.int(60_000, 220_000), 200);
    t = b.close(rerankClient, t + b.hop(), 200);
  }

  t += rng.int(100, 400);
  if (scenario === 'ask-vllm') {
    // The self-hosted model, called over vLLM's OpenAI-compatible API.
    const vllmClient = b.open(ask, 'rag-service', 'client', 'POST /v1/chat/completions', t, httpClient('vllm', 8000));
    t = b.close(vllmClient, vllmRequest(b, rng, vllmClient, t, rng.int(2_000, 6_000), rng.int(80, 300)), 200) + rng.int(200, 800);
  } else {
    const llmClient = b.open(ask, 'rag-service', 'client', 'POST /llm/complete', t, httpClient('llm-api', 8080));
    const llm = llmCall(b, rng, llmClient, t, {
      model: 'gpt-4o-mini',
      inputTokens: rng.int(2_000, 6_000),
      outputTokens: rng.int(80, 300),
      perTokenUs: rng.int(3_500, 6_000),
      failure: 'none',
    });
    t = b.close(llmClient, llm.end, 200) + rng.int(200, 800);
  }
  ask.attributes['rag.documents'] = 8;
  t = b.close(ask, t, 200);
  t = b.close(gwClient, t + b.hop(), 200) + rng.int(60, 200);
  finishWithUsage(b, rng, root, t);
  return note;
}

// ---------------------------------------------------------------------------------------
// Requests in the other GenAI dialects: each names its facts as one real producer does
// (src/analyze/llm-dialects.ts has the table).
// ---------------------------------------------------------------------------------------

const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct';
/** Dated model ids, as pinned in the callers' code: a refused call then names the model its answers do. */
const SONNET = 'claude-sonnet-4-5-20250929';
const HAIKU = 'claude-haiku-4-5-20251001';

/** Seconds, as vLLM and the GenAI conventions write durations, from whole microseconds. */
const seconds = (us: number): number => us / 1_000_000;

/**
 * vLLM's own server span (`--otlp-traces-endpoint`): `llm_request` with the deprecated
 * `gen_ai.usage.prompt_tokens`/`completion_tokens`, its `gen_ai.latency.*` in seconds and no
 * provider attribute. Returns when the response reached the caller.
 */
function vllmRequest(b: TraceBuilder, rng: Rng, caller: DemoSpan, t0: number, promptTokens: number, completionTokens: number): number {
  const arrival = t0 + b.hop();
  const queueUs = rng.int(2_000, 300_000);
  const ttftUs = queueUs + 20_000 + promptTokens * rng.int(30, 60);
  const e2eUs = ttftUs + completionTokens * rng.int(8_000, 14_000);
  const span = b.open(caller, 'vllm', 'server', 'llm_request', arrival, {
    [ATTR_GEN_AI_RESPONSE_MODEL]: LLAMA,
    'gen_ai.request.id': `chatcmpl-${rng.id(4)}`,
    [ATTR_GEN_AI_REQUEST_TEMPERATURE]: 0.2,
    [ATTR_GEN_AI_REQUEST_TOP_P]: 0.9,
    [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: 512,
    'gen_ai.request.n': 1,
    [ATTR_GEN_AI_USAGE_PROMPT_TOKENS]: promptTokens,
    [ATTR_GEN_AI_USAGE_COMPLETION_TOKENS]: completionTokens,
    'gen_ai.latency.time_in_queue': seconds(queueUs),
    'gen_ai.latency.time_to_first_token': seconds(ttftUs),
    'gen_ai.latency.e2e': seconds(e2eUs),
  });
  b.close(span, arrival + e2eUs);
  b.countCall(span, {
    provider: 'vllm',
    model: LLAMA,
    inputTokens: promptTokens,
    outputTokens: completionTokens,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    ttftMs: ttftUs / 1000,
    failed: false,
    rateLimited: false,
  });
  return arrival + e2eUs + b.hop();
}

/** One Anthropic round of the agent, in Anthropic's own accounting: `uncached` is what follows the last cache breakpoint. */
interface AnthropicRound {
  uncached: number;
  cacheRead: number;
  cacheCreation: number;
  output: number;
  perTokenUs: number;
  stream: boolean;
}

/**
 * LangChain's `ChatAnthropic` run as OpenInference records it (an LLM span with token counts)
 * over the Anthropic SDK call as the OpenTelemetry GenAI instrumentation records it (a
 * `chat` CLIENT span with the current `gen_ai.*` names). Both carry the same usage: the client
 * span is the call. `refuse`: the provider answers 429 and nothing is generated.
 */
function chatAnthropic(b: TraceBuilder, rng: Rng, parent: DemoSpan, t0: number, round: AnthropicRound, refuse: boolean): number {
  const input = round.uncached + round.cacheRead + round.cacheCreation;
  const llm = b.open(parent, 'agent-service', 'internal', 'ChatAnthropic', t0, {
    [OI.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.LLM,
    [OI.LLM_PROVIDER]: 'anthropic',
    [OI.LLM_SYSTEM]: 'anthropic',
    [OI.LLM_MODEL_NAME]: SONNET,
  });
  let t = t0 + rng.int(300, 1_200);
  const chat = b.open(
    llm,
    'agent-service',
    'client',
    `chat ${SONNET}`,
    t,
    {
      [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [ATTR_GEN_AI_PROVIDER_NAME]: 'anthropic',
      [ATTR_GEN_AI_REQUEST_MODEL]: SONNET,
      [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: 1024,
      ...(round.stream ? { [ATTR_GEN_AI_REQUEST_STREAM]: true } : {}),
      'server.address': 'api.anthropic.com',
      'peer.service': 'anthropic',
    },
    { remoteService: 'anthropic' },
  );
  if (refuse) {
    const message = "Error code: 429 - rate_limit_error: This request would exceed your organization's rate limit of 80,000 input tokens per minute";
    t = b.fail(chat, t + rng.int(150_000, 400_000), { type: 'anthropic.RateLimitError', message, httpStatus: 429 });
    b.countCall(chat, refused('anthropic', SONNET, true));
    return b.fail(llm, t + rng.int(100, 300), { type: 'anthropic.RateLimitError', message });
  }
  const ttftUs = rng.int(450_000, 1_100_000);
  chat.attributes[ATTR_GEN_AI_RESPONSE_MODEL] = SONNET;
  // The GenAI rule: input tokens include the cached ones.
  chat.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = input;
  chat.attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = round.output;
  chat.attributes[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = round.cacheRead;
  chat.attributes[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = round.cacheCreation;
  if (round.stream) chat.attributes[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = seconds(ttftUs);
  t = b.close(chat, t + ttftUs + round.output * round.perTokenUs) + rng.int(200, 900);
  b.countCall(chat, {
    provider: 'anthropic',
    model: SONNET,
    inputTokens: input,
    outputTokens: round.output,
    cacheReadTokens: round.cacheRead,
    cacheCreationTokens: round.cacheCreation,
    ttftMs: round.stream ? ttftUs / 1000 : null,
    failed: false,
    rateLimited: false,
  });
  // LangChain's usage metadata counts the cached tokens in the prompt too.
  llm.attributes[OI.LLM_TOKEN_COUNT_PROMPT] = input;
  llm.attributes[OI.LLM_TOKEN_COUNT_COMPLETION] = round.output;
  llm.attributes[OI.LLM_TOKEN_COUNT_TOTAL] = input + round.output;
  llm.attributes[OI.LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_READ] = round.cacheRead;
  llm.attributes[OI.LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_WRITE] = round.cacheCreation;
  return b.close(llm, t);
}

const DOC_QUERIES = ['refund policy for annual plans', 'rotate an API key', 'SSO setup with Okta', 'export usage as CSV'] as const;

/**
 * A support agent (LangChain, traced by OpenInference): Claude asks for a tool, the tool
 * searches the docs, Claude answers from them, streamed. The system prompt and tool
 * definitions are read from Anthropic's prompt cache; each round writes what is new.
 */
function buildAgent(b: TraceBuilder, rng: Rng, scenario: DemoScenario): string | null {
  const root = b.open(null, 'gateway', 'server', 'POST /v1/agent', 0, { ...httpServer('/v1/agent'), 'app.tenant': rng.pick(TENANTS) });
  let t = rng.int(150, 500);
  const client = b.open(root, 'gateway', 'client', 'POST /agent/run', t, httpClient('agent-service', 8010));
  const server = b.open(client, 'agent-service', 'server', 'POST /agent/run', t + b.hop(), httpServer('/agent/run'));
  t = b.end(server) + rng.int(200, 600);
  const chain = b.open(server, 'agent-service', 'internal', 'AgentExecutor', t, { [OI.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.CHAIN });
  t += rng.int(300, 900);

  const perTokenUs = rng.int(9_000, 11_000);
  const systemTokens = 2_048 + 64 * rng.int(0, 24);
  const questionTokens = rng.int(40, 400);
  const ask = { uncached: rng.int(3, 12), cacheRead: systemTokens, cacheCreation: questionTokens, output: rng.int(60, 120), perTokenUs, stream: false };
  t = chatAnthropic(b, rng, chain, t, ask, false) + rng.int(200, 600);

  const tool = b.open(chain, 'agent-service', 'internal', 'search_docs', t, {
    [OI.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.TOOL,
    [OI.TOOL_NAME]: 'search_docs',
    [OI.INPUT_VALUE]: JSON.stringify({ query: rng.pick(DOC_QUERIES) }),
  });
  t = b.close(tool, t + rng.int(40_000, 160_000)) + rng.int(200, 600);

  const answer = {
    uncached: rng.int(3, 12),
    cacheRead: systemTokens + questionTokens,
    cacheCreation: ask.output + rng.int(300, 1_200),
    output: rng.int(100, 240),
    perTokenUs,
    stream: true,
  };
  let note: string | null = null;
  if (scenario === 'agent-langchain-rate-limit') {
    // ChatAnthropic(max_retries=0).with_retry(): each attempt is a run of its own.
    t = chatAnthropic(b, rng, chain, t, answer, true);
    const waitMs = rng.int(500, 1_000);
    b.event(chain, 'retry', t + 50, { 'retry.attempt': 1, 'retry.delay_ms': waitMs });
    t += waitMs * 1000;
    note = "the agent's answering call to anthropic hit a 429 rate limit; LangChain retried and the request was OK";
  }
  t = chatAnthropic(b, rng, chain, t, answer, false) + rng.int(100, 400);
  t = b.close(chain, t) + rng.int(100, 400);
  t = b.close(server, t, 200);
  t = b.close(client, t + b.hop(), 200) + rng.int(60, 200);
  finishWithUsage(b, rng, root, t);
  return note;
}

/**
 * A document summary by Claude Haiku, traced by OpenLLMetry (Traceloop): the deprecated
 * `gen_ai.system` ("Anthropic", as Traceloop writes it) and `gen_ai.usage.prompt_tokens`,
 * which count the cached tokens, beside Anthropic's own underscore cache names.
 */
function buildSummarize(b: TraceBuilder, rng: Rng): string | null {
  const root = b.open(null, 'gateway', 'server', 'POST /v1/summarize', 0, { ...httpServer('/v1/summarize'), 'app.tenant': rng.pick(TENANTS) });
  let t = rng.int(150, 500);
  const client = b.open(root, 'gateway', 'client', 'POST /summarize', t, httpClient('agent-service', 8010));
  const server = b.open(client, 'agent-service', 'server', 'POST /summarize', t + b.hop(), httpServer('/summarize'));
  t = b.end(server) + rng.int(300, 1_500);
  const instructions = 1_024 + 128 * rng.int(0, 8);
  const documentTokens = rng.int(6_000, 14_000);
  const prompt = rng.int(8, 40) + instructions + documentTokens;
  const output = rng.int(150, 400);
  const call = b.open(
    server,
    'agent-service',
    'client',
    'anthropic.chat',
    t,
    {
      [ATTR_GEN_AI_SYSTEM]: 'Anthropic',
      'llm.request.type': 'chat',
      [ATTR_GEN_AI_REQUEST_MODEL]: HAIKU,
      [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: 1024,
    },
    { remoteService: 'anthropic' },
  );
  const durationUs = rng.int(350_000, 800_000) + documentTokens * 20 + output * rng.int(4_000, 6_000);
  call.attributes[ATTR_GEN_AI_RESPONSE_MODEL] = HAIKU;
  call.attributes[ATTR_GEN_AI_USAGE_PROMPT_TOKENS] = prompt;
  call.attributes[ATTR_GEN_AI_USAGE_COMPLETION_TOKENS] = output;
  call.attributes['llm.usage.total_tokens'] = prompt + output;
  call.attributes['gen_ai.usage.cache_read_input_tokens'] = instructions;
  call.attributes['gen_ai.usage.cache_creation_input_tokens'] = documentTokens;
  t = b.close(call, t + durationUs) + rng.int(200, 800);
  b.countCall(call, {
    provider: 'anthropic',
    model: HAIKU,
    inputTokens: prompt,
    outputTokens: output,
    cacheReadTokens: instructions,
    cacheCreationTokens: documentTokens,
    ttftMs: null,
    failed: false,
    rateLimited: false,
  });
  t = b.close(server, t, 200);
  t = b.close(client, t + b.hop(), 200) + rng.int(60, 200);
  finishWithUsage(b, rng, root, t);
  return null;
}

/** Share of each scenario, planned rather than drawn so small sets still get every case; the rest is `ask`. */
const SCENARIO_SHARES: ReadonlyArray<readonly [DemoScenario, number]> = [
  ['chat-cache-hit', 0.22],
  ['chat', 0.22],
  ['chat-slow-llm', 0.05],
  ['ask-slow-search', 0.034],
  ['ask-search-timeout', 0.067],
  ['chat-llm-failure', 0.034],
  ['ask-rerank-fallback', 0.05],
  ['chat-llm-rate-limit-retry', 0.034],
];

/**
 * N+1 traces per trace of the main mix. They follow it and draw from a generator of their
 * own, so adding them left the main mix's traces exactly as they were.
 */
const N_PLUS_ONE_SHARE = 0.05;

/**
 * Requests in the other GenAI dialects (vLLM, OpenInference over the GenAI conventions,
 * Traceloop), per trace of the main mix; like the N+1 traces they come last, from a
 * generator of their own, so the traces before them stayed as they were.
 */
const DIALECT_SHARES: ReadonlyArray<readonly [DemoScenario, number]> = [
  ['ask-vllm', 0.034],
  ['agent-langchain', 0.034],
  ['agent-langchain-rate-limit', 0.017],
  ['summarize-traceloop', 0.034],
];

/**
 * Builds `count` traces of the main mix, then `round(count * 5%)` N+1 traces, then about
 * `count * 12%` traces in the other dialects, all starting
 * within one hour of `startEpochMs`; same options, same traces.
 */
export function generateDemoTraces({ seed, count, startEpochMs }: DemoOptions): DemoTrace[] {
  const rng = new Rng(seed);
  const main = generateMix(rng, count, startEpochMs);
  const planted = new Rng((seed ^ 0x5eed0016) >>> 0, rng.usedIds);
  const nPlusOne = Array.from({ length: Math.round(count * N_PLUS_ONE_SHARE) }, () => 'chat-history-n-plus-one' as const);
  const dialects = new Rng((seed ^ 0x5eed0013) >>> 0, rng.usedIds);
  const dialectScenarios = dialects.shuffle(DIALECT_SHARES.flatMap(([scenario, share]) => Array.from({ length: Math.round(count * share) }, () => scenario)));
  return [...main, ...buildTraces(planted, nPlusOne, startEpochMs), ...buildTraces(dialects, dialectScenarios, startEpochMs)];
}

function generateMix(rng: Rng, count: number, startEpochMs: number): DemoTrace[] {
  const scenarios: DemoScenario[] = [];
  for (const [scenario, share] of SCENARIO_SHARES) {
    for (let i = Math.round(count * share); i > 0 && scenarios.length < count; i--) scenarios.push(scenario);
  }
  while (scenarios.length < count) scenarios.push('ask');
  rng.shuffle(scenarios);
  return buildTraces(rng, scenarios, startEpochMs);
}

function buildTraces(rng: Rng, scenarios: readonly DemoScenario[], startEpochMs: number): DemoTrace[] {
  // Start times spread over the hour, minus a margin so slow traces and consumers end in it.
  const starts = scenarios.map(() => rng.int(0, 3_540_000_000)).sort((a, b) => a - b);
  return scenarios.map((scenario, i) => {
    const traceId = rng.id(4);
    const b = new TraceBuilder(rng, starts[i]!);
    const note = scenario.startsWith('chat')
      ? buildChat(b, rng, scenario)
      : scenario.startsWith('agent')
        ? buildAgent(b, rng, scenario)
        : scenario === 'summarize-traceloop'
          ? buildSummarize(b, rng)
          : buildAsk(b, rng, scenario);
    return { traceId, epochMs: startEpochMs, scenario, note, spans: b.spans, llmCalls: b.llmCalls };
  });
}

// ---------------------------------------------------------------------------------------
// Encoders
// ---------------------------------------------------------------------------------------

function absoluteUs(trace: DemoTrace, us: number): number {
  // Epoch microseconds (~1.8e15) are still exact in a double (< 2^53).
  return trace.epochMs * 1000 + us;
}

function nanos(trace: DemoTrace, us: number): string {
  return (BigInt(absoluteUs(trace, us)) * 1000n).toString();
}

type OtlpAnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };
interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

function otlpAttributes(attributes: DemoAttributes): OtlpKeyValue[] {
  return Object.entries(attributes).map(([key, v]) => {
    let value: OtlpAnyValue;
    if (typeof v === 'string') value = { stringValue: v };
    else if (typeof v === 'boolean') value = { boolValue: v };
    // The protobuf JSON mapping writes int64 as a decimal string.
    else if (Number.isInteger(v)) value = { intValue: String(v) };
    else value = { doubleValue: v };
    return { key, value };
  });
}

const OTLP_KIND: Record<DemoSpanKind, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
/** W3C sampled flag plus "has is_remote" (0x100), plus "is_remote" (0x200) across services. */
const FLAGS_LOCAL_PARENT = 0x101;
const FLAGS_REMOTE_PARENT = 0x301;
/** How many consecutive traces share one batch, as an SDK's batch processor would mix them. */
const OTLP_TRACES_PER_BATCH = 4;

function otlpSpan(trace: DemoTrace, span: DemoSpan, byId: Map<string, DemoSpan>) {
  const parent = span.parentSpanId === null ? undefined : byId.get(span.parentSpanId);
  return {
    traceId: trace.traceId,
    spanId: span.spanId,
    // OTLP has no FOLLOWS_FROM: the producer stays the parent and is also linked.
    parentSpanId: span.parentSpanId ?? '',
    flags: parent !== undefined && parent.service !== span.service ? FLAGS_REMOTE_PARENT : FLAGS_LOCAL_PARENT,
    name: span.name,
    kind: OTLP_KIND[span.kind],
    startTimeUnixNano: nanos(trace, span.startUs),
    endTimeUnixNano: nanos(trace, span.startUs + span.durationUs),
    attributes: otlpAttributes(span.attributes),
    ...(span.events.length > 0
      ? {
          events: span.events.map((e) => ({
            timeUnixNano: nanos(trace, e.timeUs),
            name: e.name,
            attributes: otlpAttributes(e.attributes),
          })),
        }
      : {}),
    ...(span.followsFrom && span.parentSpanId !== null
      ? { links: [{ traceId: trace.traceId, spanId: span.parentSpanId, flags: FLAGS_LOCAL_PARENT }] }
      : {}),
    status: span.status === 'error' ? { code: 2, message: span.statusMessage ?? '' } : {},
  };
}

/**
 * OpenTelemetry Collector file exporter output: one `ExportTraceServiceRequest` per line.
 * Each line is one service's batch over a few consecutive traces, its spans in end order
 * (spans are exported when they end), so every trace is spread over several lines and
 * lines mix traces.
 */
export function toOtlpJsonLines(traces: readonly DemoTrace[]): string {
  const services = Object.keys(DEMO_SERVICES);
  const lines: string[] = [];
  for (let i = 0; i < traces.length; i += OTLP_TRACES_PER_BATCH) {
    const batch = traces.slice(i, i + OTLP_TRACES_PER_BATCH);
    for (const service of services) {
      const entries = batch.flatMap((trace) => {
        const byId = new Map(trace.spans.map((s) => [s.spanId, s]));
        return trace.spans.filter((s) => s.service === service).map((span) => ({ trace, span, byId }));
      });
      if (entries.length === 0) continue;
      entries.sort(
        (a, b) =>
          absoluteUs(a.trace, a.span.startUs + a.span.durationUs) - absoluteUs(b.trace, b.span.startUs + b.span.durationUs) ||
          (a.span.spanId < b.span.spanId ? -1 : 1),
      );
      const request = {
        resourceSpans: [
          {
            resource: { attributes: otlpAttributes(serviceResource(service)) },
            scopeSpans: [
              {
                scope: { name: 'tracectl-demo', version: '1.0.0' },
                spans: entries.map((e) => otlpSpan(e.trace, e.span, e.byId)),
              },
            ],
            schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
          },
        ],
      };
      lines.push(JSON.stringify(request));
    }
  }
  return lines.join('\n') + '\n';
}

interface JaegerTag {
  key: string;
  type: 'string' | 'bool' | 'int64' | 'float64';
  value: DemoValue;
}

function jaegerTags(attributes: DemoAttributes): JaegerTag[] {
  return Object.entries(attributes).map(([key, value]): JaegerTag => {
    if (typeof value === 'string') return { key, type: 'string', value };
    if (typeof value === 'boolean') return { key, type: 'bool', value };
    return { key, type: Number.isInteger(value) ? 'int64' : 'float64', value };
  });
}

/** The Jaeger UI's "Download JSON" / query service `GET /api/traces` body. */
export function toJaegerJson(traces: readonly DemoTrace[]): string {
  const data = traces.map((trace) => {
    const processIds = new Map<string, string>();
    for (const span of trace.spans) {
      if (!processIds.has(span.service)) processIds.set(span.service, `p${processIds.size + 1}`);
    }
    const processes: Record<string, { serviceName: string; tags: JaegerTag[] }> = {};
    for (const [service, id] of processIds) {
      // Jaeger keeps the service name outside the process tags.
      const tags = Object.entries(serviceResource(service)).filter(([key]) => key !== 'service.name');
      processes[id] = { serviceName: service, tags: jaegerTags(Object.fromEntries(tags)) };
    }
    const spans = trace.spans.map((span) => {
      const tags = jaegerTags(span.attributes);
      tags.push({ key: 'span.kind', type: 'string', value: span.kind });
      if (span.status === 'error') {
        tags.push({ key: 'error', type: 'bool', value: true });
        tags.push({ key: 'otel.status_code', type: 'string', value: 'ERROR' });
        tags.push({ key: 'otel.status_description', type: 'string', value: span.statusMessage ?? '' });
      }
      return {
        traceID: trace.traceId,
        spanID: span.spanId,
        operationName: span.name,
        references:
          span.parentSpanId === null
            ? []
            : [{ refType: span.followsFrom ? 'FOLLOWS_FROM' : 'CHILD_OF', traceID: trace.traceId, spanID: span.parentSpanId }],
        startTime: absoluteUs(trace, span.startUs),
        duration: span.durationUs,
        tags,
        logs: span.events.map((e) => ({
          timestamp: absoluteUs(trace, e.timeUs),
          fields: [{ key: 'event', type: 'string', value: e.name }, ...jaegerTags(e.attributes)],
        })),
        processID: processIds.get(span.service)!,
        warnings: null,
        flags: 1,
      };
    });
    return { traceID: trace.traceId, spans, processes, warnings: null };
  });
  return JSON.stringify({ data, total: 0, limit: 0, offset: 0, errors: null }) + '\n';
}

/** Zipkin v2 `POST /api/v2/spans` body: one flat array, client and server halves with their own ids. */
export function toZipkinJson(traces: readonly DemoTrace[]): string {
  const spans = traces.flatMap((trace) =>
    trace.spans.map((span) => {
      const tags: Record<string, string> = {};
      for (const [key, value] of Object.entries(span.attributes)) tags[key] = String(value);
      if (span.status === 'error') {
        tags['otel.status_code'] = 'ERROR';
        tags['error'] = span.statusMessage ?? '';
      }
      return {
        traceId: trace.traceId,
        ...(span.parentSpanId === null ? {} : { parentId: span.parentSpanId }),
        id: span.spanId,
        ...(span.kind === 'internal' ? {} : { kind: span.kind.toUpperCase() }),
        name: span.name,
        timestamp: absoluteUs(trace, span.startUs),
        duration: span.durationUs,
        localEndpoint: { serviceName: span.service },
        ...(span.remoteService === null ? {} : { remoteEndpoint: { serviceName: span.remoteService } }),
        // The OpenTelemetry Zipkin mapping: `"name": {attributes as JSON}`.
        ...(span.events.length === 0
          ? {}
          : {
              annotations: span.events.map((e) => ({
                timestamp: absoluteUs(trace, e.timeUs),
                value: `${JSON.stringify(e.name)}:${JSON.stringify(e.attributes)}`,
              })),
            }),
        tags,
      };
    }),
  );
  return JSON.stringify(spans) + '\n';
}

// ---------------------------------------------------------------------------------------
// Manifest: the truths tests assert against, computed from the model
// ---------------------------------------------------------------------------------------

export interface DemoErrorOrigin {
  service: string;
  name: string;
  /** Error spans with no error descendant: where a failure started. */
  count: number;
  /** Of those, how many are in a trace whose root failed. */
  failedTraces: number;
  /** Of those, how many are in a trace whose root did not fail. */
  absorbed: number;
}

export interface DemoManifest {
  generator: string;
  seed: number;
  epochBase: string;
  files: { otlp: string; jaeger: string; zipkin: string };
  traceCount: number;
  spanCount: number;
  /** Instrumented services, sorted. */
  services: string[];
  /** Peers named only by client spans (`peer.service`, Zipkin `remoteEndpoint`), sorted. */
  uninstrumentedPeers: string[];
  scenarios: Record<string, number>;
  /** Root span durations; each trace has a single root. */
  traceDurationMs: { median: number; max: number };
  slowestTraces: { traceId: string; durationMs: number; reason: string }[];
  /** Traces whose root span is an error span. */
  failedTraces: number;
  failedTraceIds: string[];
  errorSpans: number;
  errorOrigins: DemoErrorOrigin[];
  /** Error-origin spans in traces whose root did not fail. */
  absorbedErrors: number;
  cache: { lookups: number; hits: number; misses: number };
  /** CONSUMER spans that follow their producer (FOLLOWS_FROM) after the request ended. */
  asyncConsumerSpans: number;
  /** What `tracectl llm` must find: each model call once (`DemoTrace.llmCalls`). */
  llm: {
    /** Traces with at least one model call. */
    traces: number;
    /** By calls descending, then provider and model. */
    models: DemoModelTruth[];
    /** OpenInference TOOL spans by tool name. */
    tools: { name: string; calls: number }[];
  };
}

export interface DemoModelTruth {
  provider: string;
  model: string;
  calls: number;
  errors: number;
  rateLimited: number;
  /** Calls that record a time to first token. */
  ttftCalls: number;
  /** Input counts every prompt token, cached ones included. */
  tokens: { input: number; output: number; cacheRead: number; cacheCreation: number };
}

export const DEMO_FILES = {
  otlp: 'llm-gateway.otlp.jsonl',
  jaeger: 'llm-gateway.jaeger.json',
  zipkin: 'llm-gateway.zipkin.json',
} as const;

export function rootSpan(trace: DemoTrace): DemoSpan {
  const roots = trace.spans.filter((s) => s.parentSpanId === null);
  if (roots.length !== 1 || roots[0] === undefined) throw new Error(`trace ${trace.traceId} has ${roots.length} roots`);
  return roots[0];
}

/** Error spans none of whose descendants is an error span. */
export function errorOrigins(trace: DemoTrace): DemoSpan[] {
  const errorParents = new Set<string>();
  const byId = new Map(trace.spans.map((s) => [s.spanId, s]));
  for (const span of trace.spans) {
    if (span.status !== 'error') continue;
    for (let p = span.parentSpanId; p !== null; p = byId.get(p)?.parentSpanId ?? null) errorParents.add(p);
  }
  return trace.spans.filter((s) => s.status === 'error' && !errorParents.has(s.spanId));
}

const ms = (us: number): number => us / 1000;

function llmTruths(traces: readonly DemoTrace[]): DemoManifest['llm'] {
  const models = new Map<string, DemoModelTruth>();
  for (const call of traces.flatMap((t) => t.llmCalls)) {
    const key = `${call.provider}/${call.model}`;
    const m = models.get(key) ?? {
      provider: call.provider,
      model: call.model,
      calls: 0,
      errors: 0,
      rateLimited: 0,
      ttftCalls: 0,
      tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
    };
    m.calls++;
    if (call.failed) m.errors++;
    if (call.rateLimited) m.rateLimited++;
    if (call.ttftMs !== null) m.ttftCalls++;
    m.tokens.input += call.inputTokens;
    m.tokens.output += call.outputTokens;
    m.tokens.cacheRead += call.cacheReadTokens;
    m.tokens.cacheCreation += call.cacheCreationTokens;
    models.set(key, m);
  }
  const tools = new Map<string, number>();
  for (const span of traces.flatMap((t) => t.spans)) {
    if (span.attributes['openinference.span.kind'] !== 'TOOL') continue;
    const name = String(span.attributes['tool.name']);
    tools.set(name, (tools.get(name) ?? 0) + 1);
  }
  const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return {
    traces: traces.filter((t) => t.llmCalls.length > 0).length,
    models: [...models.values()].sort((a, b) => b.calls - a.calls || byText(a.provider, b.provider) || byText(a.model, b.model)),
    tools: [...tools].map(([name, calls]) => ({ name, calls })).sort((a, b) => b.calls - a.calls || byText(a.name, b.name)),
  };
}

export function buildManifest(traces: readonly DemoTrace[], seed: number): DemoManifest {
  const spans = traces.flatMap((t) => t.spans);
  const durations = traces.map((t) => rootSpan(t).durationUs).sort((a, b) => a - b);
  const mid = durations.length / 2;
  const median =
    durations.length % 2 === 1
      ? durations[Math.floor(mid)]!
      : (durations[mid - 1]! + durations[mid]!) / 2;

  const scenarios: Record<string, number> = {};
  for (const s of demoScenarios) scenarios[s] = traces.filter((t) => t.scenario === s).length;

  const failed = traces.filter((t) => rootSpan(t).status === 'error');
  const origins = new Map<string, DemoErrorOrigin>();
  for (const trace of traces) {
    const rootFailed = rootSpan(trace).status === 'error';
    for (const span of errorOrigins(trace)) {
      const key = `${span.service}\u0000${span.name}`;
      const entry = origins.get(key) ?? { service: span.service, name: span.name, count: 0, failedTraces: 0, absorbed: 0 };
      entry.count++;
      if (rootFailed) entry.failedTraces++;
      else entry.absorbed++;
      origins.set(key, entry);
    }
  }
  const errorOriginList = [...origins.values()].sort(
    (a, b) => b.count - a.count || a.service.localeCompare(b.service) || a.name.localeCompare(b.name),
  );

  const lookups = spans.filter((s) => typeof s.attributes['cache.hit'] === 'boolean');
  const hits = lookups.filter((s) => s.attributes['cache.hit'] === true).length;

  const slowest = [...traces]
    .sort((a, b) => rootSpan(b).durationUs - rootSpan(a).durationUs || a.traceId.localeCompare(b.traceId))
    .slice(0, 3)
    .map((t) => ({ traceId: t.traceId, durationMs: ms(rootSpan(t).durationUs), reason: t.note ?? 'none' }));

  return {
    generator: 'scripts/generate-demo.ts',
    seed,
    epochBase: new Date(traces[0]?.epochMs ?? DEMO_EPOCH_MS).toISOString(),
    files: { ...DEMO_FILES },
    traceCount: traces.length,
    spanCount: spans.length,
    services: [...new Set(spans.map((s) => s.service))].sort(),
    uninstrumentedPeers: [...new Set(spans.flatMap((s) => (s.remoteService === null ? [] : [s.remoteService])))].sort(),
    scenarios,
    traceDurationMs: { median: ms(median), max: ms(durations[durations.length - 1] ?? 0) },
    slowestTraces: slowest,
    failedTraces: failed.length,
    failedTraceIds: failed.map((t) => t.traceId),
    errorSpans: spans.filter((s) => s.status === 'error').length,
    errorOrigins: errorOriginList,
    absorbedErrors: errorOriginList.reduce((n, o) => n + o.absorbed, 0),
    cache: { lookups: lookups.length, hits, misses: lookups.length - hits },
    asyncConsumerSpans: spans.filter((s) => s.kind === 'consumer' && s.followsFrom).length,
    llm: llmTruths(traces),
  };
}

// ---------------------------------------------------------------------------------------
// The files of fixtures/demo/
// ---------------------------------------------------------------------------------------

const dialectCount = (m: DemoManifest): number => DIALECT_SHARES.reduce((n, [scenario]) => n + (m.scenarios[scenario] ?? 0), 0);

function readme(m: DemoManifest): string {
  const origins = m.errorOrigins
    .map((o) => `| ${o.service} | ${o.name} | ${o.count} | ${o.failedTraces} | ${o.absorbed} |`)
    .join('\n');
  const llmRows = m.llm.models
    .map((x) => `| ${x.provider} | ${x.model} | ${x.calls} | ${x.errors} | ${x.rateLimited} | ${x.ttftCalls} | ${x.tokens.input} | ${x.tokens.output} | ${x.tokens.cacheRead} | ${x.tokens.cacheCreation} |`)
    .join('\n');
  const slowest = m.slowestTraces.map((s) => `| \`${s.traceId}\` | ${s.durationMs} | ${s.reason} |`).join('\n');
  return `# Demo traces (generated)

Do not edit these files: they are written by \`scripts/generate-demo.ts\` from a seeded
generator (\`scripts/demo-traces.ts\`), and \`test/scripts/demo-traces.test.ts\` fails when
they differ from a fresh generation. Regenerate with:

\`\`\`sh
npx vite-node scripts/generate-demo.ts
\`\`\`

The same ${m.traceCount} traces (${m.spanCount} spans, seed ${m.seed}, all starting within one hour
after ${m.epochBase}) in three wire formats:

| file | format |
|---|---|
| \`${m.files.otlp}\` | OTLP JSON lines, as the OpenTelemetry Collector file exporter writes them; one line per service batch of ${OTLP_TRACES_PER_BATCH} consecutive traces, so a trace is spread over one line per service it touches and lines mix traces |
| \`${m.files.jaeger}\` | Jaeger \`/api/traces\` body ("Download JSON"); \`span.kind\` tag, \`error=true\`, FOLLOWS_FROM for the async consumer |
| \`${m.files.zipkin}\` | Zipkin v2 span array; separate client and server span ids; \`remoteEndpoint\` for uninstrumented peers |
| \`manifest.json\` | the truths tests assert against, computed from the generator's model |

Span ids, parents, services, names, kinds, start times, durations and error statuses are
identical in all three.

## What it models

- **LLM gateway**: \`gateway\` \`POST /v1/chat\` → \`cache_lookup\` (\`cache.hit\`) → on a miss
  \`POST /llm/complete\` → \`llm-api\` \`POST /llm/complete\` → \`render_prompt\`, then
  \`llm_completion\` (\`gen_ai.*\` attributes, token usage) to the uninstrumented \`openai\`.
- **RAG pipeline**: \`gateway\` \`POST /v1/ask\` → \`rag-service\` \`ask\` → \`embedding-service\`
  \`embed\`, then two parallel \`vector-store\` \`search\`es (each with a \`SELECT\` to the
  uninstrumented \`postgresql\`) → \`reranker\` \`rerank\` → \`llm-api\` as above.
- **Async consumer**: the gateway's \`publish usage-event\` (PRODUCER) is consumed by
  \`usage-worker\` \`process usage-event\` (CONSUMER, then an \`INSERT\` to \`postgresql\`) after
  the request ended: FOLLOWS_FROM in Jaeger, parent plus link in OTLP. It is outside the
  trace duration, which is therefore the root span's duration.
- **N+1**: in ${m.scenarios['chat-history-n-plus-one'] ?? 0} chat traces the gateway's \`load_history\` loads the
  conversation one message at a time: 8 to 12 serial \`SELECT\`s on \`messages\` that differ
  only in the id literal (one statement shape), before the LLM call.
- **Other GenAI dialects** (${dialectCount(m)} traces, after the N+1s, from a generator of their own):
  - \`ask-vllm\` (${m.scenarios['ask-vllm'] ?? 0}): a RAG \`ask\` answered by a self-hosted Llama: \`rag-service\`
    \`POST /v1/chat/completions\` → \`vllm\` \`llm_request\`, vLLM's own span with the deprecated
    \`gen_ai.usage.prompt_tokens\`/\`completion_tokens\` and \`gen_ai.latency.*\` in seconds
    (time to first token among them), no provider and no price;
  - \`agent-langchain\` (${m.scenarios['agent-langchain'] ?? 0}): \`gateway\` \`POST /v1/agent\` → \`agent-service\`: a LangChain
    agent traced by OpenInference (\`AgentExecutor\` CHAIN, \`ChatAnthropic\` LLM spans with
    \`llm.token_count.*\` and cache read/write, a \`search_docs\` TOOL), each \`ChatAnthropic\` over
    the Anthropic SDK's CLIENT span \`chat ${SONNET}\`
    in the current \`gen_ai.*\` names with the same usage (the client span is the call), cache
    reads and writes, and the answer streamed (\`gen_ai.request.stream\`,
    \`gen_ai.response.time_to_first_chunk\`);
  - \`agent-langchain-rate-limit\` (${m.scenarios['agent-langchain-rate-limit'] ?? 0}): the same, the answering call refused with
    a 429 (\`anthropic.RateLimitError\`, on the wrapper and the client span) and retried;
  - \`summarize-traceloop\` (${m.scenarios['summarize-traceloop'] ?? 0}): \`POST /v1/summarize\` → \`agent-service\` \`anthropic.chat\`,
    OpenLLMetry's names: the deprecated \`gen_ai.system\` (\`Anthropic\`) and
    \`gen_ai.usage.prompt_tokens\` (cached tokens included) beside Anthropic's
    \`gen_ai.usage.cache_read_input_tokens\`/\`cache_creation_input_tokens\`.
- **Long tail**: slow \`llm_completion\`s (long generations) and slow \`vector-store\` searches.
- **Failures that propagate**: a \`vector-store\` \`search\` \`TimeoutError\` (504) fails
  \`rag-service\` \`ask\` and the gateway root (500); an \`llm_completion\` provider error (500)
  fails \`llm-api\` and the gateway root (502).
- **Failures that are absorbed**: a \`reranker\` \`rerank\` error (rag-service falls back and
  answers OK) and a 429 that a retry recovers from (an \`llm_completion\`, and the agent's
  \`chat ${SONNET}\`).

## Truths (from \`manifest.json\`)

- services: ${m.services.join(', ')}; uninstrumented peers: ${m.uninstrumentedPeers.join(', ')}
- trace duration (root span): median ${m.traceDurationMs.median} ms, max ${m.traceDurationMs.max} ms
- failed traces (root is an error): ${m.failedTraces}; error spans: ${m.errorSpans}; absorbed errors: ${m.absorbedErrors}
- cache: ${m.cache.lookups} lookups, ${m.cache.hits} hits, ${m.cache.misses} misses
- async consumer spans: ${m.asyncConsumerSpans}

Slowest traces:

| trace id | duration (ms) | why |
|---|---|---|
${slowest}

Model calls, each counted once (input counts cached tokens; \`manifest.json\` \`llm\`), in
${m.llm.traces} traces:

| provider | model | calls | errors | 429 | with TTFT | input | output | cache read | cache write |
|---|---|---|---|---|---|---|---|---|---|
${llmRows}

Error origins (error spans without an error descendant):

| service | name | count | in failed traces | absorbed |
|---|---|---|---|---|
${origins}
`;
}

/** Every file of `fixtures/demo/`, by file name, exactly as written to disk. */
export function demoFixtureFiles(
  options: DemoOptions = { seed: DEMO_SEED, count: DEMO_TRACE_COUNT, startEpochMs: DEMO_EPOCH_MS },
): Record<string, string> {
  const traces = generateDemoTraces(options);
  const manifest = buildManifest(traces, options.seed);
  return {
    [DEMO_FILES.otlp]: toOtlpJsonLines(traces),
    [DEMO_FILES.jaeger]: toJaegerJson(traces),
    [DEMO_FILES.zipkin]: toZipkinJson(traces),
    'manifest.json': JSON.stringify(manifest, null, 2) + '\n',
    'README.md': readme(manifest),
  };
}
