import { Command } from 'commander';
import type { Io } from '../io.js';
import { findJson, renderJson } from '../report/json.js';
import { renderTraceTable } from '../report/find-table.js';
import { addCommonOptions, addFilterOptions, countOption, renderContext, type CommonOptions, type FilterOptions } from './options.js';
import { analyzeSelected } from './read.js';

export interface FindOptions extends CommonOptions, FilterOptions {
  sources: string[];
  /** `--slow [N]`: true without a number. */
  slow?: string | boolean;
  limit?: string;
}

/** Without --slow, the newest this many traces are listed. */
const DEFAULT_LIMIT = 20;
const DEFAULT_SLOWEST = 10;

export async function runFind(opts: FindOptions, io: Io): Promise<number> {
  const slowest = opts.slow === undefined || opts.slow === false ? undefined : opts.slow === true ? DEFAULT_SLOWEST : countOption('--slow', opts.slow);
  const limit = opts.limit === undefined ? (slowest === undefined ? DEFAULT_LIMIT : undefined) : countOption('--limit', opts.limit);
  // What the table will show, so a backend that searches by summaries (Tempo) fetches only that.
  const count = Math.min(slowest ?? Infinity, limit ?? Infinity);
  const rank = Number.isFinite(count) ? { by: slowest === undefined ? ('newest' as const) : ('slowest' as const), count } : undefined;
  const rows = await analyzeSelected(opts.sources, opts, io, { name: 'find', options: { slowest, limit } }, rank === undefined ? {} : { rank });
  if (opts.json) io.stdout.write(renderJson(findJson(rows)));
  else io.stdout.write(renderTraceTable(rows, renderContext(opts, io)));
  return 0;
}

export function findCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('find')
    .addHelpText('after', '\nExamples:\n  $ tracectl find --slow 5 fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl find --errors --where \'http.response.status_code>499\' fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl find --service gateway --min-duration 2s --since 1h --backend jaeger:http://localhost:16686\n')
    .description('traces matching filters, as a table (newest first, or slowest first with --slow)')
    .argument('[sources...]', 'trace files, directories, or - for stdin')
    .option('--slow [n]', `the slowest traces first (default ${DEFAULT_SLOWEST})`)
    .option('--limit <n>', `at most this many traces (default ${DEFAULT_LIMIT} without --slow)`);
  addFilterOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (sources: string[], raw: Omit<FindOptions, 'sources'>) => {
    // `--slow` takes an optional count, so in `find --slow traces.jsonl` commander hands it the
    // file name: a value that is not a number is a source.
    if (typeof raw.slow === 'string' && !/^\d+$/.test(raw.slow)) {
      sources = [raw.slow, ...sources];
      raw = { ...raw, slow: true };
    }
    done(await runFind({ ...raw, sources }, io));
  });
}
