import { Command, Option } from 'commander';
import { findSorts, type FindSort } from '../analyze/trace-summary.js';
import type { Io } from '../io.js';
import { findJson, findJsonLines, renderJson } from '../report/json.js';
import { renderTraceTable } from '../report/find-table.js';
import { addCommonOptions, addFilterOptions, countOption, renderContext, type CommonOptions, type FilterOptions } from './options.js';
import { readSelected } from './read.js';
import { webUrlOf } from './backend-options.js';
import { analyzeSelectedTraces } from '../pipeline/read.js';
import { cleanText } from '../report/sanitize.js';
import type { BackendConfig } from '../sources/backends/config.js';
import { tellMissingKeys } from './missing-keys.js';
import { readPrices } from './llm.js';

export interface FindOptions extends CommonOptions, FilterOptions {
  sources: string[];
  /** `--slow [N]`: true without a number. */
  slow?: string | boolean;
  limit?: string;
  sort?: FindSort;
  reverse?: boolean;
  /** `-q`/`--ids`: trace ids only, one a line. */
  ids?: boolean;
  format?: 'table' | 'jsonl';
  /** `--prices FILE`: US dollars per million tokens, by model (docs/llm.md). */
  prices?: string;
}

/** Without --slow, the newest this many traces are listed. */
const DEFAULT_LIMIT = 20;
const DEFAULT_SLOWEST = 10;

export async function runFind(opts: FindOptions, io: Io): Promise<number> {
  const slowest = opts.slow === undefined || opts.slow === false ? undefined : opts.slow === true ? DEFAULT_SLOWEST : countOption('--slow', opts.slow);
  const limit = opts.limit === undefined ? (slowest === undefined ? DEFAULT_LIMIT : undefined) : countOption('--limit', opts.limit);
  const sort: FindSort = opts.sort ?? (slowest === undefined ? 'start' : 'duration');
  const reverse = opts.reverse === true;
  const prices = opts.prices === undefined ? null : await readPrices(opts.prices, io);
  // What the table will show, so a backend that searches by summaries (Tempo) fetches only that;
  // another order needs every trace the search finds.
  const count = Math.min(slowest ?? Infinity, limit ?? Infinity);
  const by = reverse ? undefined : sort === 'start' ? ('newest' as const) : sort === 'duration' ? ('slowest' as const) : undefined;
  const rank = Number.isFinite(count) && by !== undefined ? { by, count } : undefined;
  let backend: BackendConfig | null = null;
  const found = await readSelected(opts.sources, opts, io, (plan, ctx) => {
    backend = plan.backend;
    return analyzeSelectedTraces(plan, ctx, { name: 'find', options: { slowest, limit, sort, reverse, prices } }, rank === undefined ? {} : { rank });
  });
  const urlOf = webUrlOf(backend) ?? undefined;
  // A backend search fetches only the best traces (and at most --max-traces): how many matched in all is unknown.
  const total = backend !== null ? undefined : found.total;
  if (opts.json) io.stdout.write(renderJson(findJson(found.rows, urlOf)));
  else if (opts.ids) io.stdout.write(found.rows.map((r) => `${r.traceId}\n`).join(''));
  else if (opts.format === 'jsonl') io.stdout.write(findJsonLines(found.rows, urlOf));
  else {
    io.stdout.write(renderTraceTable(found.rows, renderContext(opts, io)));
    // On a terminal, where to open them: the first trace's address in the web UI (--json has each one's).
    const first = found.rows[0];
    const url = first === undefined ? null : (urlOf?.(first.traceId) ?? null);
    if (io.stdout.isTTY && url !== null) io.stdout.write(`\nopen in the web UI: ${cleanText(url)} (the first; --json has each trace's url)\n`);
    // For the eye only, as gh does: piped output and its stderr stay as they were.
    if (io.stdout.isTTY && total !== undefined && total > found.rows.length) {
      io.stderr.write(`showing ${found.rows.length} of ${found.total} traces (--limit N for more)\n`);
    }
  }
  if (found.rows.length === 0) await tellMissingKeys(opts, io);
  return 0;
}

export function findCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('find')
    .addHelpText('after', '\nExamples:\n  $ tracectl find --slow 5 fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl find --errors --where \'http.response.status_code>499\' fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl find --service gateway --min-duration 2s --since 1h --backend jaeger:http://localhost:16686\n')
    .description('traces matching filters, as a table (newest first, or slowest first with --slow)')
    .argument('[sources...]', 'trace files, directories, or - for stdin')
    .option('--slow [n]', `the slowest traces first (default ${DEFAULT_SLOWEST})`)
    .option('--limit <n>', `at most this many traces (default ${DEFAULT_LIMIT} without --slow)`)
    .addOption(new Option('--sort <field>', 'order by this, largest or newest first (default start; duration with --slow)').choices(findSorts))
    .option('--reverse', 'the other way round: smallest or oldest first')
    .option('--prices <file>', 'US dollars per million tokens by model (YAML), for COST and --sort cost')
    .option('-q, --ids', 'print trace ids only, one a line (for xargs)')
    .addOption(new Option('--format <format>', 'table (default), or jsonl: one trace object a line').choices(['table', 'jsonl']));
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
