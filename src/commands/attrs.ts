import { Command } from 'commander';
import type { Io } from '../io.js';
import { attrsJson, renderAttrs } from '../report/attrs.js';
import { renderJson } from '../report/json.js';
import { addCommonOptions, addFilterOptions, renderContext, type CommonOptions, type FilterOptions } from './options.js';
import { analyzeSelected } from './read.js';

export interface AttrsOptions extends CommonOptions, FilterOptions {
  sources: string[];
}

/** `tracectl attrs`: the attribute keys there are to filter on, span and resource. */
export async function runAttrs(opts: AttrsOptions, io: Io): Promise<number> {
  const report = await analyzeSelected(opts.sources, opts, io, { name: 'attrs', options: {} });
  io.stdout.write(opts.json ? renderJson(attrsJson(report)) : renderAttrs(report, renderContext(opts, io)));
  return 0;
}

export function attrsCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('attrs')
    .addHelpText('after', '\nExamples:\n  $ tracectl attrs fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl attrs --service llm-api --json fixtures/demo/llm-gateway.otlp.jsonl\n')
    .description('the attribute keys the traces carry (span and resource): spans, types, distinct values, samples, where found')
    .argument('[sources...]', 'trace files, directories, or - for stdin');
  addFilterOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (sources: string[], raw: Omit<AttrsOptions, 'sources'>) => {
    done(await runAttrs({ ...raw, sources }, io));
  });
}
