import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import type { PriceOverrides, Rates } from '../analyze/prices.js';
import type { Io } from '../io.js';
import { UsageError } from '../model/errors.js';
import { renderJson } from '../report/json.js';
import { llmJson, renderLlm } from '../report/llm.js';
import { cleanText } from '../report/sanitize.js';
import { describeFsError } from '../sources/files.js';
import { addCommonOptions, addFilterOptions, renderContext, type CommonOptions, type FilterOptions } from './options.js';
import { analyzeSelected } from './read.js';

export interface LlmOptions extends CommonOptions, FilterOptions {
  sources: string[];
  /** `--prices FILE`: US dollars per million tokens, by model. */
  prices?: string;
}

const RATE_KEYS: Readonly<Record<string, keyof Rates>> = { input: 'input', output: 'output', cache_read: 'cacheRead', cache_write: 'cacheWrite' };

/**
 * Reads a prices file (docs/llm.md "Cost"): YAML, `models:` mapping `model` or
 * `provider/model` to `{input, output, cache_read, cache_write}` in US dollars per million
 * tokens. A mistake is a usage error naming the file.
 */
export async function readPrices(name: string, io: Io): Promise<PriceOverrides> {
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, name), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read prices file ${cleanText(name)}: ${describeFsError(error)}`, { cause: error });
  }
  const { parse } = await import('yaml');
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch (error) {
    throw new UsageError(`prices file ${cleanText(name)}: YAML syntax error: ${(error as Error).message.split('\n')[0]}`);
  }
  const models = (doc as { models?: unknown } | null)?.models;
  if (typeof models !== 'object' || models === null || Array.isArray(models)) throw new UsageError(`prices file ${cleanText(name)} needs "models:", a map of model names to {input, output, cache_read, cache_write} in US dollars per million tokens`);
  const result: PriceOverrides = { models: {} };
  for (const [model, value] of Object.entries(models as Record<string, unknown>)) {
    if (typeof value !== 'object' || value === null) throw new UsageError(`prices file ${cleanText(name)}: ${cleanText(model)} must be a map such as { input: 0.15, output: 0.60 }`);
    const rates: Partial<Rates> = {};
    for (const [key, price] of Object.entries(value as Record<string, unknown>)) {
      const field = RATE_KEYS[key];
      if (field === undefined) throw new UsageError(`prices file ${cleanText(name)}: unknown key "${cleanText(key)}" for ${cleanText(model)}: use input, output, cache_read, cache_write`);
      if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) throw new UsageError(`prices file ${cleanText(name)}: ${cleanText(model)} ${key} must be a number of US dollars per million tokens, not ${cleanText(JSON.stringify(price) ?? 'nothing')}`);
      rates[field] = price;
    }
    if (rates.input === undefined || rates.output === undefined) throw new UsageError(`prices file ${cleanText(name)}: ${cleanText(model)} needs both input and output prices`);
    result.models[model] = rates as Rates;
  }
  return result;
}

export async function runLlm(opts: LlmOptions, io: Io): Promise<number> {
  const prices = opts.prices === undefined ? null : await readPrices(opts.prices, io);
  const report = await analyzeSelected(opts.sources, opts, io, { name: 'llm', options: { prices } });
  io.stdout.write(opts.json ? renderJson(llmJson(report)) : renderLlm(report, renderContext(opts, io)));
  return 0;
}

export function llmCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('llm')
    .description('LLM calls per provider and model: calls, errors, rate limits, latency, time to first token, tokens and cost; per request; agents and tools')
    .addHelpText(
      'after',
      '\nExamples:\n  $ tracectl llm fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl llm --prices prices.yaml --service gateway traces/\n  $ tracectl llm --json traces/ | jq ".models[] | {model, costUsd}"\n',
    )
    .argument('[sources...]', 'trace files, directories, or - for stdin')
    .option('--prices <file>', 'US dollars per million tokens by model (YAML), over the bundled catalogue');
  addFilterOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (sources: string[], raw: Omit<LlmOptions, 'sources'>) => {
    done(await runLlm({ ...raw, sources }, io));
  });
}
