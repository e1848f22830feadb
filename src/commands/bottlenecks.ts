import { Command } from 'commander';
import type { Io } from '../io.js';
import { bottlenecksJson, renderBottlenecks } from '../report/bottlenecks.js';
import { renderJson } from '../report/json.js';
import { addCommonOptions, addFilterOptions, countOption, renderContext, type CommonOptions, type FilterOptions } from './options.js';
import { analyzeSelected } from './read.js';

export interface BottlenecksOptions extends CommonOptions, FilterOptions {
  sources: string[];
  top?: string;
  bands?: boolean;
}

const DEFAULT_TOP = 15;

export async function runBottlenecks(opts: BottlenecksOptions, io: Io): Promise<number> {
  const top = opts.top === undefined ? DEFAULT_TOP : countOption('--top', opts.top);
  const report = await analyzeSelected(opts.sources, opts, io, { name: 'bottlenecks', options: { bands: opts.bands } });
  if (opts.json) io.stdout.write(renderJson(bottlenecksJson(report, { top })));
  else io.stdout.write(renderBottlenecks(report, { top }, renderContext(opts, io)));
  return 0;
}

export function bottlenecksCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('bottlenecks')
    .addHelpText('after', '\nExamples:\n  $ tracectl bottlenecks fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl bottlenecks --operation "POST /v1/chat" --bands fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl bottlenecks --top 20 --json traces/\n')
    .description('operations ranked by time on the critical path, with self time and duration percentiles')
    .argument('[sources...]', 'trace files, directories, or - for stdin')
    .option('--top <n>', `show this many operations (default ${DEFAULT_TOP})`)
    .option('--bands', 'compare the critical-path mix of the fastest 50% of traces with the slowest 10%');
  addFilterOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (sources: string[], raw: Omit<BottlenecksOptions, 'sources'>) => {
    done(await runBottlenecks({ ...raw, sources }, io));
  });
}
