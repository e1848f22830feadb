import { Command } from 'commander';
import type { Io } from '../io.js';
import { renderJson } from '../report/json.js';
import { cleanText } from '../report/sanitize.js';
import { readOperations } from '../pipeline/read.js';
import { sortNames } from './services.js';
import { addCommonOptions, type CommonOptions } from './options.js';
import { readSelected } from './read.js';

export interface OperationsOptions extends CommonOptions {
  sources: string[];
  service: string;
}

/** `tracectl operations --service S`: the operations (span names) of one service, one per line, sorted. */
export async function runOperations(opts: OperationsOptions, io: Io): Promise<number> {
  const operations = sortNames(await readSelected(opts.sources, opts, io, (plan, ctx) => readOperations(plan, opts.service, ctx)));
  if (opts.json) io.stdout.write(renderJson({ service: opts.service, operations }));
  else io.stdout.write(operations.map((s) => `${cleanText(s)}\n`).join(''));
  return 0;
}

export function operationsCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('operations')
    .addHelpText('after', '\nExamples:\n  $ tracectl operations --service gateway fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl operations --service gateway --backend tempo:http://localhost:3200\n')
    .description('the operations (span names) of one service, one per line')
    .argument('[sources...]', 'trace files, directories, or - for stdin (instead of --backend)')
    .requiredOption('--service <name>', 'the service (see tracectl services)');
  addCommonOptions(cmd);
  return cmd.action(async (sources: string[], raw: Omit<OperationsOptions, 'sources'>) => {
    done(await runOperations({ ...raw, sources }, io));
  });
}
