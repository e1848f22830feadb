import { Command } from 'commander';
import type { Io } from '../io.js';
import { analysisJson, renderAnalysis } from '../report/analyze.js';
import { renderJson } from '../report/json.js';
import { addCommonOptions, addFilterOptions, countOption, renderContext, type CommonOptions, type FilterOptions } from './options.js';
import { analyzeSelected } from './read.js';
import { readPrices } from './llm.js';

export interface AnalyzeOptions extends CommonOptions, FilterOptions {
  sources: string[];
  top?: string;
  /** `--prices FILE`: US dollars per million tokens, by model (docs/llm.md). */
  prices?: string;
}

/** A summary shows the top of each analysis; the single-analysis commands show more. */
const DEFAULT_TOP = 5;

export async function runAnalyze(opts: AnalyzeOptions, io: Io): Promise<number> {
  const top = opts.top === undefined ? DEFAULT_TOP : countOption('--top', opts.top);
  const prices = opts.prices === undefined ? null : await readPrices(opts.prices, io);
  const analysis = await analyzeSelected(opts.sources, opts, io, { name: 'analyze', options: { top, prices } });
  if (opts.json) io.stdout.write(renderJson(analysisJson(analysis, { top })));
  else io.stdout.write(renderAnalysis(analysis, { top }, renderContext(opts, io)));
  return 0;
}

export function analyzeCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('analyze')
    .addHelpText('after', '\nExamples:\n  $ tracectl analyze fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl analyze --service gateway --since 1h --backend tempo:http://localhost:3200\n  $ tracectl analyze --json traces/ | jq .errors.roots[0]\n')
    .description('bottlenecks, error roots, cache effectiveness, LLM calls (when there are some) and the dependency map in one report')
    .argument('[sources...]', 'trace files, directories, or - for stdin')
    .option('--top <n>', `rows per section for bottlenecks and errors (default ${DEFAULT_TOP})`)
    .option('--prices <file>', 'US dollars per million tokens by model (YAML), for the LLM section');
  addFilterOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (sources: string[], raw: Omit<AnalyzeOptions, 'sources'>) => {
    done(await runAnalyze({ ...raw, sources }, io));
  });
}
