import { httpStatus, isErrorSpan } from '../model/error-span.js';
import { operationKey } from '../model/operation.js';
import type { Ms, Span, Trace } from '../model/span.js';
import type { MergeableAccumulator } from './accumulator.js';
import { criticalPath, criticalTimeBySpan } from './critical-path.js';
import { errorTypeOf } from './errors.js';
import { hasUsage, readLlmCall, totalInputTokens, type LlmCall } from './llm-dialects.js';
import { costOf, type PriceOverrides } from './prices.js';
import { addExact, compareText, exactSum, QuantileSketch, type ExactSum, type SketchState } from './stats.js';

/**
 * LLM calls across traces (docs/llm.md): per provider and model, per request, per tool, and
 * the prompt cache.
 *
 * **Each call is counted once.** A model span with a model span below it that carries token
 * usage is a wrapper (a LangChain or Vercel AI SDK span over the provider client's): the
 * innermost call, closest to the provider, carries the call, its tokens and its cost; the
 * wrapper counts for nothing in the model table, though its own time still shows in the
 * trace. Without usage below it, a model span is the call.
 */

export interface LlmOptions {
  /** `--prices FILE`, already parsed. */
  prices?: PriceOverrides | null;
  /** Price models from the bundled catalogue (false: only `--prices` and cost attributes). */
  catalogue?: boolean;
}

export interface TokenTotals {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  reasoning: number;
}

export interface ModelUsage {
  provider: string;
  model: string;
  calls: number;
  errors: number;
  /** Calls refused for a rate limit (HTTP 429, a rate-limit error type), counted apart from `errors` too. */
  rateLimited: number;
  /** Errors by type, most frequent first. */
  errorTypes: { type: string; count: number }[];
  latencyMs: { p50: Ms; p95: Ms; p99: Ms };
  ttftMs: { p50: Ms; p95: Ms } | null;
  outputTokensPerSec: { p50: number } | null;
  tokens: TokenTotals;
  /** Null when no call of the model could be priced. */
  costUsd: number | null;
  /** Calls with usage but no price (the model is then also in `unpriced`). */
  unpricedCalls: number;
  /** Input tokens served from the provider's prompt cache over all input tokens. */
  cachedInputShare: number;
  /** Calls that read at least one input token from the prompt cache. */
  cachedCalls: number;
}

export interface LlmTraceRef {
  traceId: string;
  tokens: number;
  costUsd: number | null;
}

export interface ToolUsage {
  name: string;
  calls: number;
  errors: number;
  p95Ms: Ms;
  /** Calls that repeated an earlier call of the tool with the same arguments in the same trace. */
  repeated: number;
}

export interface LlmReport {
  traces: number;
  /** Traces holding at least one LLM call. */
  llmTraces: number;
  /** By calls descending. */
  models: ModelUsage[];
  perTrace: {
    tokens: { p50: number; p95: number; max: number };
    costUsd: { p50: number; p95: number; max: number } | null;
    llmCalls: { p50: number; max: number };
    /** Time in LLM calls on the critical path over the durations of the LLM traces. */
    llmCriticalShare: number;
    /** The traces that used the most tokens, and cost the most. */
    topByTokens: LlmTraceRef[];
    topByCost: LlmTraceRef[];
  };
  tools: ToolUsage[];
  agents: { name: string; calls: number; errors: number; p95Ms: Ms }[];
  /** Models with calls that could not be priced: `provider/model`. */
  unpriced: string[];
  /** Traces with at least one unpriced call: their cost is a lower bound. */
  tracesWithUnpriced: number;
}

interface ModelDraft {
  provider: string;
  model: string;
  calls: number;
  errors: number;
  rateLimited: number;
  errorTypes: Record<string, number>;
  latency: SketchState;
  ttft: SketchState;
  tps: SketchState;
  tokens: TokenTotals;
  cost: ExactSum;
  priced: number;
  unpricedCalls: number;
  cachedCalls: number;
}

interface NamedDraft {
  name: string;
  calls: number;
  errors: number;
  latency: SketchState;
  repeated: number;
}

/** An `LlmAccumulator` as plain data, for `merge` in another thread. */
export interface LlmState {
  traces: number;
  llmTraces: number;
  models: ModelDraft[];
  tools: NamedDraft[];
  agents: NamedDraft[];
  traceTokens: SketchState;
  traceCost: SketchState;
  traceCalls: SketchState;
  maxTokens: number;
  maxCost: number | null;
  maxCalls: number;
  criticalMs: ExactSum;
  llmTraceMs: ExactSum;
  topByTokens: LlmTraceRef[];
  topByCost: LlmTraceRef[];
  tracesWithUnpriced: number;
}

const TOP_TRACES = 5;
const UNKNOWN = '(unknown)';
const RATE_LIMIT = /rate.?limit|too.?many.?requests|\b429\b|quota/i;

interface Live {
  draft: ModelDraft | NamedDraft;
  latency: QuantileSketch;
  ttft?: QuantileSketch;
  tps?: QuantileSketch;
}

export class LlmAccumulator implements MergeableAccumulator<LlmReport, LlmState> {
  private traces = 0;
  private llmTraces = 0;
  private readonly models = new Map<string, Live & { draft: ModelDraft; ttft: QuantileSketch; tps: QuantileSketch }>();
  private readonly tools = new Map<string, Live & { draft: NamedDraft }>();
  private readonly agents = new Map<string, Live & { draft: NamedDraft }>();
  private readonly traceTokens = new QuantileSketch();
  private readonly traceCost = new QuantileSketch();
  private readonly traceCalls = new QuantileSketch();
  private maxTokens = 0;
  private maxCost: number | null = null;
  private maxCalls = 0;
  private readonly criticalMs: ExactSum = [];
  private readonly llmTraceMs: ExactSum = [];
  private topByTokens: LlmTraceRef[] = [];
  private topByCost: LlmTraceRef[] = [];
  private tracesWithUnpriced = 0;

  constructor(private readonly options: LlmOptions = {}) {}

  add(trace: Trace): void {
    this.traces++;
    const calls = llmCalls(trace);
    if (calls.length === 0) return;
    const modelCalls = calls.filter((c) => c.call.role === 'model' && !c.wrapper);
    const toolCalls = calls.filter((c) => c.call.role === 'tool');
    for (const { span, call } of calls.filter((c) => c.call.role === 'agent')) {
      this.named(this.agents, call.agent ?? span.name, span, false);
    }
    const seenTools = new Set<string>();
    for (const { span, call } of toolCalls) {
      const name = call.tool ?? span.name;
      const key = `${name}\u0000${call.toolArguments ?? ''}`;
      this.named(this.tools, name, span, call.toolArguments !== null && seenTools.has(key));
      seenTools.add(key);
    }
    if (modelCalls.length === 0) return;
    this.llmTraces++;

    let tokens = 0;
    let cost = 0;
    let priced = 0;
    let unpriced = false;
    for (const { span, call } of modelCalls) {
      const m = this.model(call.provider ?? UNKNOWN, call.model ?? UNKNOWN);
      const d = m.draft;
      d.calls++;
      m.latency.add(span.durationMs);
      if (isErrorSpan(span)) {
        d.errors++;
        const type = errorTypeOf(span) ?? 'error';
        d.errorTypes[type] = (d.errorTypes[type] ?? 0) + 1;
      }
      if (isRateLimited(span)) d.rateLimited++;
      if (call.ttftMs !== null) m.ttft.add(call.ttftMs);
      if (call.outputTokens !== null && call.outputTokens > 0) {
        // Tokens per second of generation: from the first token on when it is known.
        const generatingMs = span.durationMs - (call.ttftMs ?? 0);
        if (generatingMs > 0) m.tps.add(call.outputTokens / (generatingMs / 1000));
      }
      const input = hasUsage(call) ? totalInputTokens(call) : 0;
      d.tokens.input += input;
      d.tokens.output += call.outputTokens ?? 0;
      d.tokens.cacheRead += call.cacheReadTokens ?? 0;
      if ((call.cacheReadTokens ?? 0) > 0) d.cachedCalls++;
      d.tokens.cacheCreation += call.cacheCreationTokens ?? 0;
      d.tokens.reasoning += call.reasoningTokens ?? 0;
      tokens += input + (call.outputTokens ?? 0);
      if (!hasUsage(call) && call.costUsd === null) continue;
      const usd = costOf(call, this.options.prices ?? null, this.options.catalogue !== false);
      if (usd === null) {
        d.unpricedCalls++;
        unpriced = true;
      } else {
        addExact(d.cost, usd);
        d.priced++;
        cost += usd;
        priced++;
      }
    }
    if (unpriced) this.tracesWithUnpriced++;
    this.traceTokens.add(tokens);
    this.traceCalls.add(modelCalls.length);
    this.maxTokens = Math.max(this.maxTokens, tokens);
    this.maxCalls = Math.max(this.maxCalls, modelCalls.length);
    const traceCost = priced > 0 ? cost : null;
    if (traceCost !== null) {
      this.traceCost.add(traceCost);
      this.maxCost = Math.max(this.maxCost ?? 0, traceCost);
    }
    const ref = { traceId: trace.traceId, tokens, costUsd: traceCost };
    this.topByTokens = top([...this.topByTokens, ref], (r) => r.tokens);
    if (traceCost !== null) this.topByCost = top([...this.topByCost, ref], (r) => r.costUsd ?? 0);

    const critical = criticalTimeBySpan(criticalPath(trace));
    let onPath = 0;
    for (const { span } of modelCalls) onPath += criticalBelow(trace, span, critical);
    addExact(this.criticalMs, onPath);
    addExact(this.llmTraceMs, trace.durationMs);
  }

  state(): LlmState {
    const named = (map: Map<string, Live & { draft: NamedDraft }>): NamedDraft[] => [...map.values()].map((l) => ({ ...l.draft, latency: l.latency.state() }));
    return {
      traces: this.traces,
      llmTraces: this.llmTraces,
      models: [...this.models.values()].map((m) => ({
        ...m.draft,
        errorTypes: { ...m.draft.errorTypes },
        tokens: { ...m.draft.tokens },
        cost: [...m.draft.cost],
        latency: m.latency.state(),
        ttft: m.ttft.state(),
        tps: m.tps.state(),
      })),
      tools: named(this.tools),
      agents: named(this.agents),
      traceTokens: this.traceTokens.state(),
      traceCost: this.traceCost.state(),
      traceCalls: this.traceCalls.state(),
      maxTokens: this.maxTokens,
      maxCost: this.maxCost,
      maxCalls: this.maxCalls,
      criticalMs: [...this.criticalMs],
      llmTraceMs: [...this.llmTraceMs],
      topByTokens: this.topByTokens.map((r) => ({ ...r })),
      topByCost: this.topByCost.map((r) => ({ ...r })),
      tracesWithUnpriced: this.tracesWithUnpriced,
    };
  }

  merge(state: LlmState): void {
    this.traces += state.traces;
    this.llmTraces += state.llmTraces;
    for (const other of state.models) {
      const m = this.model(other.provider, other.model);
      const d = m.draft;
      d.calls += other.calls;
      d.errors += other.errors;
      d.rateLimited += other.rateLimited;
      for (const [type, n] of Object.entries(other.errorTypes)) d.errorTypes[type] = (d.errorTypes[type] ?? 0) + n;
      m.latency.merge(other.latency);
      m.ttft.merge(other.ttft);
      m.tps.merge(other.tps);
      for (const k of Object.keys(d.tokens) as (keyof TokenTotals)[]) d.tokens[k] += other.tokens[k];
      for (const partial of other.cost) addExact(d.cost, partial);
      d.priced += other.priced;
      d.unpricedCalls += other.unpricedCalls;
      d.cachedCalls += other.cachedCalls;
    }
    const mergeNamed = (map: Map<string, Live & { draft: NamedDraft }>, list: NamedDraft[]): void => {
      for (const other of list) {
        const live = this.namedEntry(map, other.name);
        live.draft.calls += other.calls;
        live.draft.errors += other.errors;
        live.draft.repeated += other.repeated;
        live.latency.merge(other.latency);
      }
    };
    mergeNamed(this.tools, state.tools);
    mergeNamed(this.agents, state.agents);
    this.traceTokens.merge(state.traceTokens);
    this.traceCost.merge(state.traceCost);
    this.traceCalls.merge(state.traceCalls);
    this.maxTokens = Math.max(this.maxTokens, state.maxTokens);
    if (state.maxCost !== null) this.maxCost = Math.max(this.maxCost ?? 0, state.maxCost);
    this.maxCalls = Math.max(this.maxCalls, state.maxCalls);
    for (const partial of state.criticalMs) addExact(this.criticalMs, partial);
    for (const partial of state.llmTraceMs) addExact(this.llmTraceMs, partial);
    this.topByTokens = top([...this.topByTokens, ...state.topByTokens], (r) => r.tokens);
    this.topByCost = top([...this.topByCost, ...state.topByCost], (r) => r.costUsd ?? 0);
    this.tracesWithUnpriced += state.tracesWithUnpriced;
  }

  result(): LlmReport {
    const models = [...this.models.values()].map(({ draft: d, latency, ttft, tps }): ModelUsage => ({
      provider: d.provider,
      model: d.model,
      calls: d.calls,
      errors: d.errors,
      rateLimited: d.rateLimited,
      errorTypes: Object.entries(d.errorTypes)
        .map(([type, count]) => ({ type, count }))
        .sort((a, b) => b.count - a.count || compareText(a.type, b.type)),
      latencyMs: { p50: latency.percentile(50), p95: latency.percentile(95), p99: latency.percentile(99) },
      ttftMs: ttft.count > 0 ? { p50: ttft.percentile(50), p95: ttft.percentile(95) } : null,
      outputTokensPerSec: tps.count > 0 ? { p50: tps.percentile(50) } : null,
      tokens: { ...d.tokens },
      costUsd: d.priced > 0 ? exactSum(d.cost) : null,
      unpricedCalls: d.unpricedCalls,
      cachedInputShare: d.tokens.input > 0 ? d.tokens.cacheRead / d.tokens.input : 0,
      cachedCalls: d.cachedCalls,
    }));
    models.sort((a, b) => b.calls - a.calls || compareText(a.provider, b.provider) || compareText(a.model, b.model));
    const tools = [...this.tools.values()]
      .map((l) => ({ name: l.draft.name, calls: l.draft.calls, errors: l.draft.errors, p95Ms: l.latency.percentile(95), repeated: l.draft.repeated }))
      .sort((a, b) => b.calls - a.calls || compareText(a.name, b.name));
    const agents = [...this.agents.values()]
      .map((l) => ({ name: l.draft.name, calls: l.draft.calls, errors: l.draft.errors, p95Ms: l.latency.percentile(95) }))
      .sort((a, b) => b.calls - a.calls || compareText(a.name, b.name));
    const totalMs = exactSum(this.llmTraceMs);
    return {
      traces: this.traces,
      llmTraces: this.llmTraces,
      models,
      perTrace: {
        tokens: { p50: this.traceTokens.count > 0 ? this.traceTokens.percentile(50) : 0, p95: this.traceTokens.count > 0 ? this.traceTokens.percentile(95) : 0, max: this.maxTokens },
        costUsd: this.traceCost.count > 0 ? { p50: this.traceCost.percentile(50), p95: this.traceCost.percentile(95), max: this.maxCost ?? 0 } : null,
        llmCalls: { p50: this.traceCalls.count > 0 ? this.traceCalls.percentile(50) : 0, max: this.maxCalls },
        llmCriticalShare: totalMs > 0 ? exactSum(this.criticalMs) / totalMs : 0,
        topByTokens: this.topByTokens,
        topByCost: this.topByCost,
      },
      tools,
      agents,
      unpriced: models.filter((m) => m.unpricedCalls > 0).map((m) => `${m.provider}/${m.model}`),
      tracesWithUnpriced: this.tracesWithUnpriced,
    };
  }

  private model(provider: string, model: string): Live & { draft: ModelDraft; ttft: QuantileSketch; tps: QuantileSketch } {
    const key = operationKey(provider, model);
    let m = this.models.get(key);
    if (!m) {
      const empty = new QuantileSketch().state();
      m = {
        draft: { provider, model, calls: 0, errors: 0, rateLimited: 0, errorTypes: {}, latency: empty, ttft: empty, tps: empty, tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, reasoning: 0 }, cost: [], priced: 0, unpricedCalls: 0, cachedCalls: 0 },
        latency: new QuantileSketch(),
        ttft: new QuantileSketch(),
        tps: new QuantileSketch(),
      };
      this.models.set(key, m);
    }
    return m;
  }

  private namedEntry(map: Map<string, Live & { draft: NamedDraft }>, name: string): Live & { draft: NamedDraft } {
    let live = map.get(name);
    if (!live) {
      live = { draft: { name, calls: 0, errors: 0, latency: new QuantileSketch().state(), repeated: 0 }, latency: new QuantileSketch() };
      map.set(name, live);
    }
    return live;
  }

  private named(map: Map<string, Live & { draft: NamedDraft }>, name: string, span: Span, repeated: boolean): void {
    const live = this.namedEntry(map, name);
    live.draft.calls++;
    if (isErrorSpan(span)) live.draft.errors++;
    if (repeated) live.draft.repeated++;
    live.latency.add(span.durationMs);
  }
}

/** A call refused for a rate limit: HTTP 429, or an error whose type or message says so. */
export function isRateLimited(span: Span): boolean {
  if (httpStatus(span) === 429) return true;
  return isErrorSpan(span) && RATE_LIMIT.test(`${errorTypeOf(span) ?? ''} ${span.statusMessage ?? ''}`);
}

/**
 * The LLM calls, agents and tools of a trace; `wrapper` marks model spans with a model call
 * below them that carries usage, and model spans without usage of their own over a model
 * call: a refused attempt (a 429) fails both the LangChain span and the client span under
 * it, and is one call, the client's.
 */
export function llmCalls(trace: Trace): { span: Span; call: LlmCall; wrapper: boolean }[] {
  const found: { span: Span; call: LlmCall; wrapper: boolean }[] = [];
  const usageBelow = new Set<string>();
  const modelBelow = new Set<string>();
  // Tree order backwards: every span's descendants are seen before it.
  for (let i = trace.spans.length - 1; i >= 0; i--) {
    const span = trace.spans[i]!;
    const call = readLlmCall(span);
    const model = call?.role === 'model';
    const wrapper = model && (usageBelow.has(span.spanId) || (!hasUsage(call) && modelBelow.has(span.spanId)));
    if (call) found.push({ span, call, wrapper });
    if (span.parentSpanId === null) continue;
    if (usageBelow.has(span.spanId) || (model && hasUsage(call))) usageBelow.add(span.parentSpanId);
    if (modelBelow.has(span.spanId) || model) modelBelow.add(span.parentSpanId);
  }
  return found.reverse();
}

/** Critical-path time of a span and its subtree. */
function criticalBelow(trace: Trace, span: Span, critical: ReadonlyMap<string, Ms>): Ms {
  let total = 0;
  const stack = [span];
  while (stack.length > 0) {
    const s = stack.pop()!;
    total += critical.get(s.spanId) ?? 0;
    for (const child of trace.children.get(s.spanId) ?? []) stack.push(child);
  }
  return total;
}

/** The `TOP_TRACES` highest by `value`, ties by trace id: the same in any order. */
function top(refs: LlmTraceRef[], value: (r: LlmTraceRef) => number): LlmTraceRef[] {
  const unique = new Map(refs.map((r) => [r.traceId, r]));
  return [...unique.values()].sort((a, b) => value(b) - value(a) || compareText(a.traceId, b.traceId)).slice(0, TOP_TRACES);
}

/** What one LLM call used and cost, as `show` prints it on the span. */
export interface SpanLlmUsage {
  provider: string | null;
  model: string | null;
  /** All input tokens, cached ones included (`totalInputTokens`); null without usage. */
  inputTokens: number | null;
  outputTokens: number | null;
  /** Null when it cannot be priced (or carries no usage). */
  costUsd: number | null;
  /** False for a wrapper: the call below it carries the count, so totals skip it. */
  counted: boolean;
}

/** A trace's LLM calls in all, each counted once (the innermost rule). */
export interface TraceLlmUsage {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Null when no call could be priced; a lower bound when `unpricedCalls` > 0. */
  costUsd: number | null;
  unpricedCalls: number;
}

/** The model calls of one trace, by span id, and their totals (for `show` and `find`). */
export function traceLlmUsage(trace: Trace, options: LlmOptions = {}): { spans: Map<string, SpanLlmUsage>; total: TraceLlmUsage } {
  const spans = new Map<string, SpanLlmUsage>();
  const total: TraceLlmUsage = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: null, unpricedCalls: 0 };
  for (const { span, call, wrapper } of llmCalls(trace)) {
    if (call.role !== 'model') continue;
    const usage = hasUsage(call);
    const costUsd = usage || call.costUsd !== null ? costOf(call, options.prices ?? null, options.catalogue !== false) : null;
    spans.set(span.spanId, {
      provider: call.provider,
      model: call.model,
      inputTokens: usage ? totalInputTokens(call) : null,
      outputTokens: usage ? (call.outputTokens ?? 0) : null,
      costUsd,
      counted: !wrapper,
    });
    if (wrapper) continue;
    total.calls++;
    if (usage) {
      total.inputTokens += totalInputTokens(call);
      total.outputTokens += call.outputTokens ?? 0;
    }
    if (costUsd !== null) total.costUsd = (total.costUsd ?? 0) + costUsd;
    else if (usage) total.unpricedCalls++;
  }
  return { spans, total };
}
