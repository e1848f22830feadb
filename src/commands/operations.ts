import { Command } from 'commander';
import type { Io } from '../io.js';
import { renderJson } from '../report/json.js';
import { cleanText } from '../report/sanitize.js';
import { readOperations, readServices } from '../pipeline/read.js';
import { InputError } from '../model/errors.js';
import { sortNames } from './services.js';
import { addCommonOptions, type CommonOptions } from './options.js';
import { readSelected } from './read.js';
import { resolveBackend } from './backend-options.js';

export interface OperationsOptions extends CommonOptions {
  sources: string[];
  service: string;
}

/** `tracectl operations --service S`: the operations (span names) of one service, one per line, sorted. */
export async function runOperations(opts: OperationsOptions, io: Io): Promise<number> {
  const operations = sortNames(await readSelected(opts.sources, opts, io, (plan, ctx) => readOperations(plan, opts.service, ctx)));
  if (operations.length === 0) {
    const unknown = await noSuchService(opts, io);
    if (unknown !== null) throw unknown;
  }
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

/** How many service names an unknown `--service` lists. */
const SOME_SERVICES = 8;

/** `--service` named a service with no spans: say so, with some that exist (stdin cannot be read again to find them). */
async function noSuchService(opts: OperationsOptions, io: Io): Promise<InputError | null> {
  const name = `"${cleanText(opts.service)}"`;
  const stdin = opts.sources.includes('-') || (opts.sources.length === 0 && (await resolveBackend(opts.sources, opts, io)) === null);
  if (stdin) return new InputError(`no service ${name} in the input; run "tracectl services" to list them`);
  const services = sortNames(await readSelected(opts.sources, opts, io, readServices));
  if (services.includes(opts.service)) return null;
  if (services.length === 0) return new InputError(`no service ${name}: the input holds no services`);
  const some = services.slice(0, SOME_SERVICES).map(cleanText).join(', ');
  const more = services.length > SOME_SERVICES ? `, and ${services.length - SOME_SERVICES} more (tracectl services lists them)` : '';
  return new InputError(`no service ${name}; there are: ${some}${more}`);
}
