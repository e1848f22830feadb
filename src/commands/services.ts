import { Command } from 'commander';
import type { Io } from '../io.js';
import { compareText } from '../analyze/stats.js';
import { renderJson } from '../report/json.js';
import { cleanText } from '../report/sanitize.js';
import { readServices } from '../pipeline/read.js';
import { addCommonOptions, type CommonOptions } from './options.js';
import { readSelected } from './read.js';

export interface ServicesOptions extends CommonOptions {
  sources: string[];
}

/** `tracectl services`: the services there are to query, one per line, sorted. */
export async function runServices(opts: ServicesOptions, io: Io): Promise<number> {
  const services = sortNames(await readSelected(opts.sources, opts, io, readServices));
  if (opts.json) io.stdout.write(renderJson({ services }));
  else io.stdout.write(services.map((s) => `${cleanText(s)}\n`).join(''));
  return 0;
}

export function servicesCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('services')
    .addHelpText('after', '\nExamples:\n  $ tracectl services fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl services --backend jaeger:http://localhost:16686\n')
    .description('the services a backend (or the trace files) holds, one per line')
    .argument('[sources...]', 'trace files, directories, or - for stdin (instead of --backend)');
  addCommonOptions(cmd);
  return cmd.action(async (sources: string[], raw: Omit<ServicesOptions, 'sources'>) => {
    done(await runServices({ ...raw, sources }, io));
  });
}

/** Distinct names in code-point order: the same on every machine, whatever its locale. */
export function sortNames(names: readonly string[]): string[] {
  return [...new Set(names)].sort(compareText);
}
