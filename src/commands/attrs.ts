import { Command } from 'commander';
import type { Io } from '../io.js';
import { attrsJson, renderAttrs, renderAttrsByOperation } from '../report/attrs.js';
import { renderJson } from '../report/json.js';
import { addCommonOptions, addFilterOptions, renderContext, type CommonOptions, type FilterOptions } from './options.js';
import { analyzeSelected } from './read.js';

export interface AttrsOptions extends CommonOptions, FilterOptions {
  sources: string[];
  /** Per service and operation, the keys and how many spans carry each. */
  byOperation?: boolean;
}

/** `tracectl attrs`: the attribute keys there are to filter on, span and resource. */
export async function runAttrs(opts: AttrsOptions, io: Io): Promise<number> {
  const report = await analyzeSelected(opts.sources, opts, io, { name: 'attrs', options: {} });
  if (opts.json) io.stdout.write(renderJson(attrsJson(report)));
  else io.stdout.write((opts.byOperation ? renderAttrsByOperation : renderAttrs)(report, renderContext(opts, io)));
  return 0;
}

export function attrsCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('attrs')
    .addHelpText('after', '\nExamples:\n  $ tracectl attrs fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl attrs --by-operation fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl attrs --service llm-api --json fixtures/demo/llm-gateway.otlp.jsonl\n')
    .description('the attribute keys the traces carry (span and resource): spans, types, distinct values, samples, where found')
    .argument('[sources...]', 'trace files, directories, or - for stdin')
    .option('--by-operation', 'per service and operation: the keys its spans carry, and on how many (resource keys per service)');
  addFilterOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (sources: string[], raw: Omit<AttrsOptions, 'sources'>) => {
    done(await runAttrs({ ...raw, sources }, io));
  });
}
