import { Command } from 'commander';
import { UsageError } from '../model/errors.js';
import type { Io } from '../io.js';
import { cacheJson, renderCache } from '../report/cache.js';
import { renderJson } from '../report/json.js';
import { addCommonOptions, addFilterOptions, collect, renderContext, type CommonOptions, type FilterOptions } from './options.js';
import { analyzeSelected } from './read.js';

export interface CacheCommandOptions extends CommonOptions, FilterOptions {
  sources: string[];
  /** `--cache-attr KEY`, repeatable: replaces the default hit/miss attribute keys. */
  cacheAttr?: string[];
}

export async function runCache(opts: CacheCommandOptions, io: Io): Promise<number> {
  const hitKeys = opts.cacheAttr?.map((k) => k.trim());
  if (hitKeys?.some((k) => k === '')) throw new UsageError('--cache-attr needs an attribute key, e.g. --cache-attr cache.hit');
  const report = await analyzeSelected(opts.sources, opts, io, { name: 'cache', options: { hitKeys } });
  if (opts.json) io.stdout.write(renderJson(cacheJson(report)));
  else io.stdout.write(renderCache(report, renderContext(opts, io)));
  return 0;
}

export function cacheCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('cache')
    .addHelpText('after', '\nExamples:\n  $ tracectl cache fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl cache --json fixtures/demo/llm-gateway.otlp.jsonl\n')
    .description('cache effectiveness per cache operation: lookups, hit ratio, hit vs miss latency, time saved; and the LLM prompt cache per model')
    .argument('[sources...]', 'trace files, directories, or - for stdin')
    .option(
      '--cache-attr <key>',
      'attribute that says hit (true) or miss (false); repeatable, replaces cache.hit, cache_hit, cache_miss, cached; a key naming "miss" means the opposite',
      collect,
    );
  addFilterOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (sources: string[], raw: Omit<CacheCommandOptions, 'sources'>) => {
    done(await runCache({ ...raw, sources }, io));
  });
}
