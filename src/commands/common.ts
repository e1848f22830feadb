import type { Command } from 'commander';
import { Option } from 'commander';
import { parseCondition, traceMatches, type TraceFilter } from '../analyze/filter.js';
import { UsageError } from '../errors.js';
import { inputFormats, type InputFormat } from '../formats/decoder.js';
import type { Io } from '../io.js';
import type { Trace } from '../model/span.js';
import { cleanText } from '../report/sanitize.js';
import type { RenderContext } from '../report/style.js';
import { loadTraces } from '../sources/load.js';
import { parseDuration } from '../util/duration.js';

/** Options every command takes: where traces come from and how output looks. */
export interface CommonOptions {
  inputFormat?: InputFormat;
  strict?: boolean;
  json?: boolean;
  verbose?: boolean;
  color?: boolean;
}

export interface FilterOptions {
  service?: string;
  operation?: string;
  where?: string[];
  minDuration?: string;
  maxDuration?: string;
  errors?: boolean;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--input-format <format>', 'skip format detection').choices(inputFormats))
    .option('--strict', 'fail on a malformed JSON line instead of skipping it')
    .option('--json', 'print JSON (schema tracectl/v1) instead of text')
    .option('--color', 'colour output even when not a terminal')
    .option('--no-color', 'never colour output (also NO_COLOR=1)')
    .option('-v, --verbose', 'say which inputs and formats were read; stack traces on errors');
}

export function addFilterOptions(cmd: Command): Command {
  return cmd
    .option('--service <name>', 'traces with a span of this service')
    .option('--operation <name>', 'traces with a span of this operation (span name)')
    .option('--where <condition>', 'traces with a span whose attribute matches: KEY=VALUE, KEY!=VALUE, KEY>N, KEY<N, KEY~REGEX (repeatable; all on one span)', collect)
    .option('--min-duration <duration>', 'traces at least this long, e.g. 500ms, 1.5s')
    .option('--max-duration <duration>', 'traces at most this long')
    .option('--errors', 'traces with at least one error span');
}

export function parseFilter(opts: FilterOptions): TraceFilter {
  const filter: TraceFilter = { where: (opts.where ?? []).map(parseCondition) };
  if (opts.service !== undefined) filter.service = opts.service;
  if (opts.operation !== undefined) filter.operation = opts.operation;
  if (opts.minDuration !== undefined) filter.minDurationMs = durationOption('--min-duration', opts.minDuration);
  if (opts.maxDuration !== undefined) filter.maxDurationMs = durationOption('--max-duration', opts.maxDuration);
  if (opts.errors) filter.errors = true;
  return filter;
}

export function durationOption(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new UsageError(`${flag} "${text}" is not a duration: write e.g. 250ms, 1.5s, 2m or 1h`);
  return ms;
}

export function countOption(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} "${text}" is not a positive whole number`);
  return n;
}

/** Colour: `--color`/`--no-color`, then NO_COLOR, then FORCE_COLOR, then whether stdout is a terminal. */
export function renderContext(opts: CommonOptions, io: Io): RenderContext {
  const env = io.env;
  let color: boolean;
  if (opts.color !== undefined) color = opts.color;
  else if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') color = false;
  else if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') color = true;
  else color = io.stdout.isTTY;
  const width = io.stdout.isTTY ? Math.max(60, io.stdout.columns ?? 80) : 120;
  return { color, width, tty: io.stdout.isTTY };
}

/**
 * Loads the traces a command works on. With no sources, stdin is read when it is piped
 * (as `jq` does); on a terminal that would hang, so it is a usage error instead.
 */
export async function readTraces(sources: readonly string[], opts: CommonOptions, io: Io): Promise<Trace[]> {
  let names = sources;
  if (names.length === 0) {
    if (io.stdin.isTTY) throw new UsageError('no input: name trace files or directories, or pipe traces to stdin (use - for stdin)');
    names = ['-'];
  }
  const loaded = await loadTraces({ sources: names, format: opts.inputFormat, strict: opts.strict }, io);
  for (const warning of loaded.warnings) io.stderr.write(`warning: ${cleanText(warning)}\n`);
  if (opts.verbose) for (const note of loaded.notes) io.stderr.write(`${cleanText(note)}\n`);
  return loaded.traces;
}

/** The traces a command analyzes: every trace read, narrowed by the filter options. */
export async function readSelectedTraces(sources: readonly string[], opts: CommonOptions & FilterOptions, io: Io): Promise<Trace[]> {
  const filter = parseFilter(opts);
  return (await readTraces(sources, opts, io)).filter((t) => traceMatches(t, filter));
}
