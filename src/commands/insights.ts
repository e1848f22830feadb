import { Command, Option } from 'commander';
import { findInsights, INSIGHT_PATTERNS, type InsightOptions, type InsightPattern } from '../analyze/insights.js';
import type { Io } from '../io.js';
import { InputError, UsageError } from '../model/errors.js';
import { parseTraceIdInput } from '../model/ids.js';
import { traceById } from '../pipeline/read.js';
import { insightsJson, renderInsights, renderTraceInsights, traceInsightsJson } from '../report/insights.js';
import { renderJson } from '../report/json.js';
import { cleanText } from '../report/sanitize.js';
import { parsePercentage } from './budgets-file.js';
import { addCommonOptions, addFilterOptions, countOption, renderContext, type CommonOptions, type FilterOptions } from './options.js';
import { analyzeSelected, readSelected } from './read.js';

export interface InsightsOptions extends CommonOptions, FilterOptions {
  sources: string[];
  /** `--trace ID`: the findings of one trace. */
  trace?: string;
  pattern?: string[];
  minRepeats?: string;
  overlapTolerance?: string;
  top?: string;
}

const DEFAULT_TOP = 15;

/** The detector options a command line gives; shared with `show --insights`. */
export function insightOptions(opts: Pick<InsightsOptions, 'pattern' | 'minRepeats' | 'overlapTolerance'>): InsightOptions {
  const options: InsightOptions = {};
  if (opts.pattern !== undefined) {
    const patterns = opts.pattern.flatMap((p) => p.split(',')).map((p) => p.trim());
    const unknown = patterns.find((p) => !(INSIGHT_PATTERNS as readonly string[]).includes(p));
    if (unknown !== undefined) throw new UsageError(`--pattern "${cleanText(unknown)}" is not a pattern: use ${INSIGHT_PATTERNS.join(', ')}`);
    options.patterns = patterns as InsightPattern[];
  }
  if (opts.minRepeats !== undefined) {
    const n = countOption('--min-repeats', opts.minRepeats);
    if (n < 2) throw new UsageError('--min-repeats must be at least 2');
    options.minRepeats = n;
  }
  if (opts.overlapTolerance !== undefined) {
    const share = parsePercentage(opts.overlapTolerance);
    if (share === null || share < 0 || share > 1) throw new UsageError(`--overlap-tolerance "${cleanText(opts.overlapTolerance)}" is not a percentage from 0% to 100%, e.g. 10%`);
    options.overlapTolerance = share;
  }
  return options;
}

export async function runInsights(opts: InsightsOptions, io: Io): Promise<number> {
  const options = insightOptions(opts);
  const top = opts.top === undefined ? DEFAULT_TOP : countOption('--top', opts.top);
  const ctx = renderContext(opts, io);
  if (opts.trace !== undefined) {
    const id = opts.trace;
    if (parseTraceIdInput(id) === null) throw new UsageError(`"${cleanText(id)}" is not a trace id: give 16 or 32 hex digits`);
    const trace = await readSelected(opts.sources, opts, io, (plan, read) => traceById(plan, id, read));
    if (!trace) throw new InputError(`trace ${cleanText(id)} not found in ${cleanText(opts.sources.join(', ') || 'stdin')}; run "tracectl find" to list the traces there`);
    const findings = findInsights(trace, options);
    io.stdout.write(opts.json ? renderJson(traceInsightsJson(trace.traceId, findings)) : renderTraceInsights(trace.traceId, findings, ctx));
    return 0;
  }
  const report = await analyzeSelected(opts.sources, opts, io, { name: 'insights', options });
  io.stdout.write(opts.json ? renderJson(insightsJson(report)) : renderInsights(report, ctx, top));
  return 0;
}

export function insightsCommand(io: Io, done: (code: number) => void): Command {
  const cmd = new Command('insights')
    .description('performance anti-patterns found deterministically (N+1, retry loops, repeated calls, masked timeouts, calls that could run concurrently, caches that do not pay), by the time each costs')
    .addHelpText(
      'after',
      '\nExamples:\n  $ tracectl insights fixtures/otlp/hotrod-dispatch.json\n  $ tracectl insights --pattern n_plus_one,retry_loop --min-repeats 3 traces/\n  $ tracectl insights --trace fe65c5beefbe4e96119efbba3da07e99 fixtures/otlp/hotrod-dispatch.json\n',
    )
    .argument('[sources...]', 'trace files, directories, or - for stdin')
    .option('--trace <id>', 'the findings of one trace, with its span ids')
    .addOption(new Option('--pattern <names>', `detectors to run, comma-separated (default all): ${INSIGHT_PATTERNS.join(', ')}`).argParser((v: string, prev: string[] = []) => [...prev, v]))
    .option('--min-repeats <n>', 'calls of one operation under one parent that make an N+1 (default 5)')
    .option('--overlap-tolerance <percent>', 'how much the calls of a serial run may overlap, as a share of their window (default 10%)')
    .option('--top <n>', `show this many findings (default ${DEFAULT_TOP})`);
  addFilterOptions(cmd);
  addCommonOptions(cmd);
  return cmd.action(async (sources: string[], raw: Omit<InsightsOptions, 'sources'>) => {
    done(await runInsights({ ...raw, sources }, io));
  });
}
