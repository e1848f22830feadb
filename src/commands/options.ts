import { Command, Option } from 'commander';
import { inputFormats, type InputFormat } from '../formats/decoder.js';
import type { Io } from '../io.js';
import { DEFAULT_WINDOW_SPANS } from '../model/assembler.js';
import { parseDuration } from '../model/duration.js';
import { UsageError } from '../model/errors.js';
import { parseCondition, type TraceFilter } from '../model/query.js';
import { cleanText } from '../report/sanitize.js';
import type { RenderContext } from '../report/style.js';
import { backendKinds } from '../sources/backends/config.js';
import { BACKEND_DEFAULTS, type BackendOptions } from './backend-options.js';

/** Piped output without `--width` or COLUMNS is this wide, and keeps values whole. */
const PIPED_WIDTH = 120;
/** The narrowest width the renderers lay out for. */
const MIN_WIDTH = 40;
/** The widest `--width` or COLUMNS taken. */
const MAX_WIDTH = 1000;

/** Options every command takes: where traces come from and how output looks. */
export interface CommonOptions extends BackendOptions {
  inputFormat?: InputFormat;
  strict?: boolean;
  window?: string;
  jobs?: string;
  json?: boolean;
  verbose?: boolean;
  color?: boolean;
  width?: string;
}

export interface FilterOptions {
  service?: string;
  operation?: string;
  where?: string[];
  minDuration?: string;
  maxDuration?: string;
  errors?: boolean;
}

/** Commander's way to let an option repeat: each value appended. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * What a command reads, so its --help lists only the options it uses: `search` (the
 * default) reads many traces (window, jobs, the backend search); `trace` reads one by id.
 */
export type ReadKind = 'search' | 'trace';

/** The options only a search reads: `show` (one trace by id) leaves them out. */
const SEARCH_ONLY = new Set(['--window', '--jobs', '--max-traces']);

export function addCommonOptions(cmd: Command, kind: ReadKind = 'search'): Command {
  if (kind === 'trace') {
    const all = addCommonOptions(new Command());
    for (const option of all.options) if (!SEARCH_ONLY.has(option.long ?? '')) cmd.addOption(option);
    return cmd;
  }
  return cmd
    .addOption(new Option('--input-format <format>', 'skip format detection').choices(inputFormats))
    .option('--strict', 'fail on a malformed JSON line instead of skipping it')
    .option('--json', 'print JSON (schema tracectl/v1) instead of text')
    .option('--color', 'colour output even when not a terminal')
    .option('--no-color', 'never colour output (also NO_COLOR=1)')
    // Checked as it is parsed, so a bad width fails before anything is read.
    .option('--width <columns>', `fit text output to this many columns, piped too (also COLUMNS; default: the terminal's width, or ${PIPED_WIDTH} whole-valued when piped)`, (text: string) => String(countOption('--width', text, MAX_WIDTH)))
    .option('-v, --verbose', 'say which inputs and formats were read, and each backend request; stack traces on errors')
    .option('--window <spans>', `files: a trace is complete once this many spans have been read after its last one (default ${DEFAULT_WINDOW_SPANS}; "all" holds every trace until the end)`)
    .option('--jobs <n>', 'files: threads that read a large JSON-lines input in parallel (default: one per core, up to 4, from 192 MiB of input; 1 reads in one thread)')
    .addOption(backendOption(`--backend <kind:url>`, `read traces from a backend: ${backendKinds.join(', ')} (also TRACECTL_BACKEND), e.g. tempo:http://localhost:3200`))
    .addOption(backendOption('--context <name>', 'read from this named backend of the config file (also TRACECTL_CONTEXT; tracectl config list)'))
    .addOption(backendOption('--ui-url <url>', "the backend's web UI, for trace links: Grafana for Tempo (also TRACECTL_UI_URL; default: the backend's own address for Jaeger and Zipkin)"))
    .addOption(backendOption('--header <header>', "send this header with every backend request, 'NAME: VALUE' (repeatable)").argParser(collect))
    .addOption(backendOption('--token <token>', 'bearer token for the backend (better: TRACECTL_TOKEN, which stays out of the process list)'))
    .addOption(backendOption('--user <user:password>', 'basic auth for the backend (better: TRACECTL_USER)'))
    .addOption(backendOption('--org-id <id>', "Tempo tenant: X-Scope-OrgID (several as 'a|b')"))
    .addOption(backendOption('--tenant <id>', 'Jaeger tenant: the x-tenant header'))
    .addOption(backendOption('--insecure', 'do not verify the backend\'s TLS certificate'))
    .addOption(backendOption('--ca-file <file>', 'trust this CA certificate (PEM) for the backend\'s TLS'))
    .addOption(backendOption('--since <duration>', `search traces from this long ago until now (default ${BACKEND_DEFAULTS.since}); with files, only when given`))
    .addOption(backendOption('--from <time>', 'search window start: RFC 3339 (2026-11-01T10:00:00Z) or epoch seconds'))
    .addOption(backendOption('--to <time>', 'search window end (default: now)'))
    .addOption(backendOption('--max-traces <n>', `fetch at most this many matching traces (default ${BACKEND_DEFAULTS.maxTraces}); stderr says when a search reached it`))
    .addOption(backendOption('--concurrency <n>', `backend requests in flight at once (default ${BACKEND_DEFAULTS.concurrency})`))
    .addOption(backendOption('--timeout <duration>', `per request: the longest wait for an answer, or between two parts of it (default ${BACKEND_DEFAULTS.timeout})`))
    .addOption(backendOption('--deadline <duration>', `for the whole command (default ${BACKEND_DEFAULTS.deadline})`))
    .addOption(backendOption('--protobuf', 'Tempo: fetch traces as OTLP protobuf instead of JSON'))
    .addOption(backendOption('--allow-partial', 'when some traces cannot be fetched, analyze the rest (with a warning) instead of failing'));
}

function backendOption(flags: string, description: string): Option {
  return new Option(flags, description).helpGroup('Backend options:');
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

/** A count on the command line: a whole number from 1 to `max` (by default the largest one a double holds exactly). */
export function countOption(flag: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? 'a positive whole number' : `a whole number from 1 to ${max}`;
    throw new UsageError(`${flag} "${cleanText(text)}" is not ${range}`);
  }
  return n;
}

/**
 * Colour: `--color`/`--no-color`, then NO_COLOR, then FORCE_COLOR, then whether stdout is a terminal.
 * Width: `--width`, then COLUMNS, then the terminal's; a width asked for is fitted piped too
 * (`tracectl show … --width 100 | less -R`).
 */
export function renderContext(opts: CommonOptions, io: Io): RenderContext {
  const env = io.env;
  let color: boolean;
  if (opts.color !== undefined) color = opts.color;
  else if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') color = false;
  else if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') color = true;
  else color = io.stdout.isTTY;
  const asked = opts.width !== undefined ? Number(opts.width) : columnsEnv(env.COLUMNS);
  const measured = io.stdout.isTTY ? (io.stdout.columns ?? 80) : PIPED_WIDTH;
  return { color, width: Math.max(MIN_WIDTH, asked ?? measured), tty: io.stdout.isTTY || asked !== undefined };
}

/** COLUMNS as the shells set it; anything but a whole number of columns is ignored, as ls does. */
function columnsEnv(text: string | undefined): number | undefined {
  const n = Number(text);
  return text !== undefined && Number.isInteger(n) && n > 0 && n <= MAX_WIDTH ? n : undefined;
}

