import { Command } from 'commander';
import type { Io } from '../io.js';
import { errorsJson, renderErrors } from '../report/errors.js';
import { renderJson } from '../report/json.js';
import { addCommonOptions, addFilterOptions, countOption, renderContext, type CommonOptions, type FilterOptions } from './options.js';
import { analyzeSelected } from './read.js';

export interface ErrorsOptions extends CommonOptions, FilterOptions {
  sources: string[];
  top?: string;
}

/** Groups shown unless `--top` says otherwise. */
const DEFAULT_TOP = 20;

export async function runErrors(opts: ErrorsOptions, io: Io): Promise<number> {
  const top = opts.top === undefined ? DEFAULT_TOP : countOption('--top', opts.top);
  const report = await analyzeSelected(opts.sources, opts, io, { name: 'errors', options: { limit: top } });
  if (opts.json) io.stdout.write(renderJson(errorsJson(report)));
  else io.stdout.write(renderErrors(report, renderContext(opts, io)));
  return 0;
}

export function errorsCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('errors')
    .addHelpText('after', '\nExamples:\n  $ tracectl errors fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl errors --service rag-service --json fixtures/demo/llm-gateway.otlp.jsonl\n')
    .description('error roots: the spans where failures start, grouped by service, operation, error type and message, with how far each propagated')
    .argument('[sources...]', 'trace files, directories, or - for stdin')
    .option('--top <n>', `show the n most frequent groups (default ${DEFAULT_TOP})`);
  addFilterOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (sources: string[], raw: Omit<ErrorsOptions, 'sources'>) => {
    done(await runErrors({ ...raw, sources }, io));
  });
}
