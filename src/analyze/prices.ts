import { createRequire } from 'node:module';
import { totalInputTokens, type LlmCall } from './llm-dialects.js';

/**
 * What LLM calls cost. Prices come from `@pydantic/genai-prices` (a maintained catalogue of
 * model prices that ships its data in the package, so it works offline; it knows cache read
 * and write prices and matches model names the way providers write them), overridden per
 * model by `--prices FILE`. A span's own cost attribute wins over both. A model with no
 * price is unpriced: never costed at 0.
 */

/** US dollars per million tokens. */
export interface Rates {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/** `--prices FILE`: rates by `model`, or by `provider/model` when names collide. Plain data, for worker threads. */
export interface PriceOverrides {
  models: Record<string, Rates>;
}

/** Our provider names (`gen_ai.provider.name` values) as the catalogue names them. */
const CATALOGUE_PROVIDERS: Readonly<Record<string, string>> = {
  'gcp.gemini': 'google',
  'gcp.vertex_ai': 'google',
  'gcp.gen_ai': 'google',
  'aws.bedrock': 'aws',
  'azure.ai.openai': 'azure',
  'azure.ai.inference': 'azure',
  mistral_ai: 'mistral',
  'x_ai': 'x-ai',
};

interface Catalogue {
  calcPrice: (usage: Record<string, number>, model: string, options?: { providerId?: string }) => { model_price: Record<string, unknown> } | null;
}

let catalogue: Catalogue | null | undefined;
const catalogueRates = new Map<string, Rates | null>();

/**
 * The catalogue, loaded on the first call that needs a price: it is 2 MB of data that most
 * commands never read. Loaded synchronously (its CommonJS build), so an accumulator can price
 * calls as they stream by, in any thread.
 */
function loadCatalogue(): Catalogue | null {
  if (catalogue === undefined) {
    try {
      catalogue = createRequire(import.meta.url)('@pydantic/genai-prices') as Catalogue;
    } catch {
      catalogue = null;
    }
  }
  return catalogue;
}

/** A catalogue price: a number, or a tiered price whose base applies (tiers start at large prompts). */
function rate(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'object' && value !== null && typeof (value as { base?: unknown }).base === 'number') return (value as { base: number }).base;
  return undefined;
}

/** The catalogue's rates for a model, or null when it does not know the model. */
export function catalogueRatesFor(provider: string | null, model: string): Rates | null {
  const key = `${provider ?? ''}\u0000${model}`;
  if (catalogueRates.has(key)) return catalogueRates.get(key)!;
  const prices = loadCatalogue();
  let found: Rates | null = null;
  if (prices !== null) {
    const providerId = provider === null ? undefined : (CATALOGUE_PROVIDERS[provider] ?? provider);
    let result = null;
    try {
      result = prices.calcPrice({ input_tokens: 1, output_tokens: 1 }, model, providerId === undefined ? {} : { providerId });
      result ??= prices.calcPrice({ input_tokens: 1, output_tokens: 1 }, model);
    } catch {
      result = null;
    }
    const p = result?.model_price;
    const input = rate(p?.input_mtok);
    const output = rate(p?.output_mtok);
    if (input !== undefined || output !== undefined) {
      found = { input: input ?? 0, output: output ?? 0 };
      const cacheRead = rate(p?.cache_read_mtok);
      const cacheWrite = rate(p?.cache_write_mtok);
      if (cacheRead !== undefined) found.cacheRead = cacheRead;
      if (cacheWrite !== undefined) found.cacheWrite = cacheWrite;
    }
  }
  catalogueRates.set(key, found);
  return found;
}

/** The rates that apply to a call: `--prices` first (`provider/model`, then `model`), then the catalogue. */
export function ratesFor(call: Pick<LlmCall, 'provider' | 'model'>, overrides: PriceOverrides | null, useCatalogue: boolean): Rates | null {
  if (call.model === null) return null;
  if (overrides !== null) {
    const own = (call.provider !== null ? overrides.models[`${call.provider}/${call.model}`] : undefined) ?? overrides.models[call.model];
    if (own !== undefined) return own;
  }
  return useCatalogue ? catalogueRatesFor(call.provider, call.model) : null;
}

/**
 * A call's cost in US dollars, or null when it cannot be priced. Cached input is priced at
 * the cache-read rate (and cache writes at theirs), whichever convention the input count was
 * reported in (`totalInputTokens`); reasoning tokens are part of the output count.
 */
export function costOf(call: LlmCall, overrides: PriceOverrides | null, useCatalogue = true): number | null {
  if (call.costUsd !== null) return call.costUsd;
  if (call.inputTokens === null && call.outputTokens === null) return null;
  const rates = ratesFor(call, overrides, useCatalogue);
  if (rates === null) return null;
  const read = call.cacheReadTokens ?? 0;
  const write = call.cacheCreationTokens ?? 0;
  const uncached = Math.max(0, totalInputTokens(call) - read - write);
  const usd = uncached * rates.input + read * (rates.cacheRead ?? rates.input) + write * (rates.cacheWrite ?? rates.input) + (call.outputTokens ?? 0) * rates.output;
  return usd / 1e6;
}
