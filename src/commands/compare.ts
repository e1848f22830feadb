import { Command } from 'commander';
import { compareCohorts, type CohortSplit } from '../analyze/compare.js';
import type { Io } from '../io.js';
import { UsageError } from '../model/errors.js';
import { parseCondition } from '../model/query.js';
import { compareJson, renderCompare, renderCompareMarkdown, type CohortsJson } from '../report/compare.js';
import { renderJson } from '../report/json.js';
import { addCommonOptions, collect, countOption, renderContext, type CommonOptions, type FilterOptions } from './options.js';
import { analyzeSelected } from './read.js';

export interface CompareOptions extends CommonOptions, Omit<FilterOptions, 'where' | 'errors'> {
  sources: string[];
  slow?: string | boolean;
  where?: string[];
  errors?: boolean;
  baseline?: string[];
  attr?: string[];
  top?: string;
  markdown?: boolean;
}

const DEFAULT_PERCENTILE = 90;

/** `p90`, `90`, `p99.5` → the percentile; anything else is a usage error. */
export function parsePercentile(text: string): number {
  const match = /^p?(\d+(?:\.\d+)?)$/i.exec(text.trim());
  const n = match ? Number(match[1]) : NaN;
  if (!(n > 0 && n < 100)) throw new UsageError(`--slow "${text}" is not a percentile: write e.g. p90 or p99`);
  return n;
}

export async function runCompare(opts: CompareOptions, io: Io): Promise<number> {
  const chosen = [opts.slow !== undefined, opts.where !== undefined, opts.errors === true, opts.baseline !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('choose one way to split the cohorts: --slow, --where, --errors or --baseline');
  const top = opts.top === undefined ? undefined : countOption('--top', opts.top);
  // --where and --errors choose the target here; the other filters narrow both cohorts.
  const narrow = { ...opts, where: undefined, errors: undefined };
  let split: CohortSplit;
  let cohorts: CohortsJson;
  if (opts.where !== undefined) {
    split = { kind: 'where', filter: { where: opts.where.map(parseCondition) } };
    cohorts = { kind: 'where', where: opts.where.join(' and ') };
  } else if (opts.errors) {
    split = { kind: 'errors' };
    cohorts = { kind: 'errors' };
  } else if (opts.baseline !== undefined) {
    split = { kind: 'all' };
    cohorts = { kind: 'baseline' };
  } else {
    const percentile = typeof opts.slow === 'string' ? parsePercentile(opts.slow) : DEFAULT_PERCENTILE;
    split = { kind: 'slow', percentile };
    cohorts = { kind: 'slow', percentile };
  }
  const read = await analyzeSelected(opts.sources, narrow, io, { name: 'compare', options: { split } });
  let split2 = read;
  if (opts.baseline !== undefined) {
    const before = await analyzeSelected(opts.baseline, narrow, io, { name: 'compare', options: { split } });
    split2 = { target: read.target, baseline: before.target, thresholdMs: null };
  }
  const report = compareCohorts(split2, { attrs: opts.attr ?? [], ...(top !== undefined ? { top } : {}) });
  if (opts.json) io.stdout.write(renderJson(compareJson(report, cohorts)));
  else if (opts.markdown) io.stdout.write(renderCompareMarkdown(report, cohorts));
  else io.stdout.write(renderCompare(report, cohorts, renderContext(opts, io)));
  return 0;
}

export function compareCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('compare')
    .addHelpText('after', '\nExamples:\n  $ tracectl compare --slow p90 --operation \'POST /v1/chat\' fixtures/demo/llm-gateway.otlp.jsonl\n  $ tracectl compare --errors --json traces/\n  $ tracectl compare --baseline before/ after/\n')
    .description('what makes the target traces differ from the baseline: latency by operation, calls per trace, over-represented attribute values')
    .argument('[sources...]', 'trace files, directories, or - for stdin')
    .option('--slow [pN]', `target: traces slower than this percentile of duration (the default, p${DEFAULT_PERCENTILE})`)
    .option('--where <condition>', 'target: traces with a span matching KEY=VALUE, KEY!=VALUE, KEY>N, KEY<N, KEY~REGEX (repeatable; all on one span)', collect)
    .option('--errors', 'target: failed traces; baseline: the rest')
    .option('--baseline <sources...>', 'baseline: the traces of these sources (e.g. before a deploy); target: the sources named first')
    .option('--attr <key>', 'compare this attribute key even if it has many distinct values (repeatable)', collect)
    .option('--top <n>', 'rows per table (default 10)')
    .option('--markdown', 'print Markdown for a pull-request comment')
    .option('--service <name>', 'both cohorts: traces with a span of this service')
    .option('--operation <name>', 'both cohorts: traces with a span of this operation (span name)')
    .option('--min-duration <duration>', 'both cohorts: traces at least this long')
    .option('--max-duration <duration>', 'both cohorts: traces at most this long');
  addCommonOptions(cmd);
  return cmd.action(async (sources: string[], raw: Omit<CompareOptions, 'sources'>) => {
    done(await runCompare({ ...raw, sources }, io));
  });
}
