import type { AnalysisName, AnalysisResult, AnalysisSpec } from '../analyze/analyses.js';
import type { Io } from '../io.js';
import { DEFAULT_WINDOW_SPANS } from '../model/assembler.js';
import { UsageError } from '../model/errors.js';
import type { TraceFilter } from '../model/query.js';
import type { Read, ReadPlan, ReadReport } from '../pipeline/plan.js';
import { analyzeSelectedTraces, type ReadContext, type TraceSelection } from '../pipeline/read.js';
import { cleanText } from '../report/sanitize.js';
import { warningLines } from '../report/warnings.js';
import { silentProgress } from '../sources/backends/backend.js';
import { explicitWindow, resolveBackend, timeWindow } from './backend-options.js';
import { countOption, parseFilter, type CommonOptions, type FilterOptions } from './options.js';
import { startProgress } from './progress.js';

/**
 * Where a command's traces come from and which it keeps: the files named (or stdin), or a
 * backend (`--backend`, else `TRACECTL_BACKEND` when no file is named). With no source at
 * all, stdin is read when it is piped (as `jq` does); on a terminal that would hang, so it
 * is a usage error instead. All options are checked here, before anything is read.
 */
export async function readPlan(sources: readonly string[], opts: CommonOptions & Partial<FilterOptions>, io: Io, filter: TraceFilter = parseFilter(opts)): Promise<ReadPlan> {
  const backend = await resolveBackend(sources, opts, io);
  let names = sources;
  if (backend === null && names.length === 0) {
    if (io.stdin.isTTY) throw new UsageError('no input: name trace files or directories, or pipe traces to stdin (use - for stdin)');
    names = ['-'];
  }
  const plan: ReadPlan = {
    sources: names,
    strict: opts.strict === true,
    window: windowOption(opts.window),
    backend,
    timeWindow: backend !== null ? timeWindow(opts, io) : explicitWindow(opts, io),
    filter,
  };
  if (opts.inputFormat !== undefined) plan.format = opts.inputFormat;
  // More threads than this only add heaps: each holds a window of spans (docs/inputs.md).
  if (opts.jobs !== undefined) plan.jobs = countOption('--jobs', opts.jobs, MAX_JOBS);
  return plan;
}

/**
 * What the pipeline may use of the process: the inputs, and stderr for live backend output
 * (`--verbose` request lines, else a spinner when stderr is a terminal: a spinner would garble
 * the request lines).
 */
export async function readContext(opts: CommonOptions, io: Io): Promise<ReadContext> {
  if (opts.verbose) return { cwd: io.cwd, stdin: io.stdin, progress: silentProgress, log: (line) => io.stderr.write(`${cleanText(line)}\n`) };
  return { cwd: io.cwd, stdin: io.stdin, progress: await startProgress(io) };
}

/** The one place reading's warnings reach the user: always, and with `--verbose` each input and its format. */
export function tellReport(report: ReadReport, opts: CommonOptions, io: Io): void {
  for (const line of warningLines(report.warnings, opts.verbose === true)) io.stderr.write(`${line}\n`);
  if (opts.verbose) for (const note of report.notes) io.stderr.write(`${cleanText(note)}\n`);
}

/**
 * Runs an analysis over the traces the options select, one trace at a time: from files in
 * bounded memory (on several threads when large), from a backend with the filters pushed
 * down. Options are checked first; what reading had to say is told on stderr.
 */
export async function analyzeSelected<K extends AnalysisName>(
  sources: readonly string[],
  opts: CommonOptions & FilterOptions,
  io: Io,
  analysis: AnalysisSpec<K>,
  selection: TraceSelection = {},
): Promise<AnalysisResult<K>> {
  return readSelected(sources, opts, io, (plan, ctx) => analyzeSelectedTraces(plan, ctx, analysis, selection));
}

/** Plans a read from the options, runs `read` with it and tells what reading had to say: every command's way in. */
export async function readSelected<T>(
  sources: readonly string[],
  opts: CommonOptions & Partial<FilterOptions>,
  io: Io,
  read: (plan: ReadPlan, ctx: ReadContext) => Promise<Read<T>>,
  filter?: TraceFilter,
): Promise<T> {
  const plan = await readPlan(sources, opts, io, filter);
  const result = await read(plan, await readContext(opts, io));
  tellReport(result, opts, io);
  return result.value;
}

/** The most threads `--jobs` may ask for. */
export const MAX_JOBS = 16;

function windowOption(text: string | undefined): number {
  if (text === undefined) return DEFAULT_WINDOW_SPANS;
  if (text === 'all') return Infinity;
  return countOption('--window', text);
}
