import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { AnalysisName, AnalysisResult, AnalysisSpec } from '../analyze/analyses.js';
import { parseCondition, type TraceFilter } from '../model/query.js';
import { UsageError } from '../model/errors.js';
import { inputFormats, type InputFormat } from '../formats/decoder.js';
import type { Io } from '../io.js';
import { DEFAULT_WINDOW_SPANS } from '../model/assembler.js';
import { cleanText } from '../report/sanitize.js';
import type { RenderContext } from '../report/style.js';
import {
  backendKinds,
  parseBackendSpec,
  parseHeader,
  parseTimeOption,
  SECRET_HEADER,
  type BackendConfig,
  type TimeWindow,
} from '../sources/backends/config.js';
import type { Trace } from '../model/span.js';
import { analyzeSelectedTraces, eachSelectedTrace, type ReadRequest, type TraceSelection } from '../pipeline/read.js';
import { parseDuration } from '../model/duration.js';

/** Where a backend is and how to talk to it; every command takes these (see "Backends" in the README). */
export interface BackendOptions {
  /** `KIND:URL`; else TRACECTL_BACKEND. */
  backend?: string;
  header?: string[];
  /** Else TRACECTL_TOKEN. */
  token?: string;
  /** `USER:PASSWORD`; else TRACECTL_USER. */
  user?: string;
  orgId?: string;
  tenant?: string;
  insecure?: boolean;
  caFile?: string;
  since?: string;
  from?: string;
  to?: string;
  maxTraces?: string;
  concurrency?: string;
  timeout?: string;
  deadline?: string;
  protobuf?: boolean;
  allowPartial?: boolean;
}

/** Options every command takes: where traces come from and how output looks. */
export interface CommonOptions extends BackendOptions {
  inputFormat?: InputFormat;
  strict?: boolean;
  window?: string;
  jobs?: string;
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

/** Commander's way to let an option repeat: each value appended. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Backend defaults (README "Backends"). */
const DEFAULTS = { since: '1h', maxTraces: 1000, concurrency: 8, timeout: '30s', deadline: '5m' } as const;

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--input-format <format>', 'skip format detection').choices(inputFormats))
    .option('--strict', 'fail on a malformed JSON line instead of skipping it')
    .option('--json', 'print JSON (schema tracectl/v1) instead of text')
    .option('--color', 'colour output even when not a terminal')
    .option('--no-color', 'never colour output (also NO_COLOR=1)')
    .option('-v, --verbose', 'say which inputs and formats were read, and each backend request; stack traces on errors')
    .option('--window <spans>', `files: a trace is complete once this many spans have been read after its last one (default ${DEFAULT_WINDOW_SPANS}; "all" holds every trace until the end)`)
    .option('--jobs <n>', 'files: threads that read a large JSON-lines input in parallel (default: one per core, up to 4, from 32 MiB of input; 1 reads in one thread)')
    .addOption(backendOption(`--backend <kind:url>`, `read traces from a backend: ${backendKinds.join(', ')} (also TRACECTL_BACKEND), e.g. tempo:http://localhost:3200`))
    .addOption(backendOption('--header <header>', "send this header with every backend request, 'NAME: VALUE' (repeatable)").argParser(collect))
    .addOption(backendOption('--token <token>', 'bearer token for the backend (better: TRACECTL_TOKEN, which stays out of the process list)'))
    .addOption(backendOption('--user <user:password>', 'basic auth for the backend (better: TRACECTL_USER)'))
    .addOption(backendOption('--org-id <id>', "Tempo tenant: X-Scope-OrgID (several as 'a|b')"))
    .addOption(backendOption('--tenant <id>', 'Jaeger tenant: the x-tenant header'))
    .addOption(backendOption('--insecure', 'do not verify the backend\'s TLS certificate'))
    .addOption(backendOption('--ca-file <file>', 'trust this CA certificate (PEM) for the backend\'s TLS'))
    .addOption(backendOption('--since <duration>', `search traces from this long ago until now (default ${DEFAULTS.since}); with files, only when given`))
    .addOption(backendOption('--from <time>', 'search window start: RFC 3339 (2026-11-01T10:00:00Z) or epoch seconds'))
    .addOption(backendOption('--to <time>', 'search window end (default: now)'))
    .addOption(backendOption('--max-traces <n>', `fetch at most this many matching traces (default ${DEFAULTS.maxTraces}); stderr says when a search reached it`))
    .addOption(backendOption('--concurrency <n>', `backend requests in flight at once (default ${DEFAULTS.concurrency})`))
    .addOption(backendOption('--timeout <duration>', `per request: the longest wait for an answer, or between two parts of it (default ${DEFAULTS.timeout})`))
    .addOption(backendOption('--deadline <duration>', `for the whole command (default ${DEFAULTS.deadline})`))
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
 * Where a command's traces come from: the files named (or stdin), or a backend
 * (`--backend`, else `TRACECTL_BACKEND` when no file is named). With no source at all,
 * stdin is read when it is piped (as `jq` does); on a terminal that would hang, so it is a
 * usage error instead. All options are checked here, before anything is read.
 */
export async function readRequest(sources: readonly string[], opts: CommonOptions, io: Io): Promise<ReadRequest> {
  const backend = await resolveBackend(sources, opts, io);
  let names = sources;
  if (backend === null && names.length === 0) {
    if (io.stdin.isTTY) throw new UsageError('no input: name trace files or directories, or pipe traces to stdin (use - for stdin)');
    names = ['-'];
  }
  const request: ReadRequest = {
    sources: names,
    verbose: opts.verbose === true,
    strict: opts.strict === true,
    window: windowOption(opts.window),
    backend,
    timeWindow: backend !== null ? timeWindow(opts, io) : explicitWindow(opts, io),
  };
  if (opts.inputFormat !== undefined) request.format = opts.inputFormat;
  if (opts.jobs !== undefined) request.jobs = countOption('--jobs', opts.jobs);
  return request;
}

/**
 * Runs an analysis over the traces the options select, one trace at a time: from files in
 * bounded memory, from a backend with the filters pushed down. Options are checked first.
 */
export async function analyzeSelected<K extends AnalysisName>(
  sources: readonly string[],
  opts: CommonOptions & FilterOptions,
  io: Io,
  analysis: AnalysisSpec<K>,
  selection: TraceSelection = {},
): Promise<AnalysisResult<K>> {
  const filter = parseFilter(opts);
  const request = await readRequest(sources, opts, io);
  return analyzeSelectedTraces(request, filter, io, analysis, selection);
}

/** Every selected trace, held at once: for `check`, whose budgets look at all of them together. */
export async function collectSelected(sources: readonly string[], opts: CommonOptions & FilterOptions, io: Io): Promise<Trace[]> {
  const filter = parseFilter(opts);
  const request = await readRequest(sources, opts, io);
  const traces: Trace[] = [];
  await eachSelectedTrace(request, filter, io, (trace) => traces.push(trace));
  return traces;
}

function windowOption(text: string | undefined): number {
  if (text === undefined) return DEFAULT_WINDOW_SPANS;
  if (text === 'all') return Infinity;
  return countOption('--window', text);
}

// ---------------------------------------------------------------------------------------
// Backends
// ---------------------------------------------------------------------------------------

/**
 * The backend to read from, or null for files. `--backend` and file arguments together are
 * a usage error (one source of truth per run); `TRACECTL_BACKEND` applies only when no file
 * is named, so an exported variable never hides the files a user names.
 */
export async function resolveBackend(sources: readonly string[], opts: CommonOptions, io: Io): Promise<BackendConfig | null> {
  let text: string | undefined;
  let from: string;
  if (opts.backend !== undefined) {
    if (sources.length > 0) {
      throw new UsageError(`--backend reads traces from the backend, so ${cleanText(sources.join(', '))} would be ignored: drop the file arguments, or drop --backend to read the files`);
    }
    text = opts.backend;
    from = '--backend';
  } else {
    const env = io.env.TRACECTL_BACKEND;
    if (env === undefined || env.trim() === '' || sources.length > 0) return null;
    text = env.trim();
    from = 'TRACECTL_BACKEND';
  }
  const spec = parseBackendSpec(text, from);
  const headers: Record<string, string> = {};
  const secrets: string[] = [];
  for (const raw of opts.header ?? []) {
    const [name, value] = parseHeader(raw);
    headers[name] = value;
    if (SECRET_HEADER.test(name)) secrets.push(value);
  }
  const token = opts.token ?? nonEmpty(io.env.TRACECTL_TOKEN);
  const user = opts.user ?? nonEmpty(io.env.TRACECTL_USER) ?? (spec.user === undefined ? undefined : `${spec.user}:${spec.password ?? ''}`);
  if (token !== undefined && user !== undefined) throw new UsageError('give either a bearer token (--token, TRACECTL_TOKEN) or basic credentials (--user, TRACECTL_USER, or user:password in the URL), not both');
  const hasAuthHeader = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
  if ((token !== undefined || user !== undefined) && hasAuthHeader) throw new UsageError('--header Authorization and --token/--user both set credentials: keep one');
  if (token !== undefined) {
    headers.authorization = `Bearer ${token}`;
    secrets.push(token, headers.authorization);
  } else if (user !== undefined) {
    const colon = user.indexOf(':');
    if (colon < 0) throw new UsageError('--user (or TRACECTL_USER) must be USER:PASSWORD');
    const password = user.slice(colon + 1);
    const basic = Buffer.from(user, 'utf8').toString('base64');
    headers.authorization = `Basic ${basic}`;
    secrets.push(basic, headers.authorization);
    if (password !== '') secrets.push(password);
  }
  for (const [name, value] of [['X-Scope-OrgID', opts.orgId], ['x-tenant', opts.tenant]] as const) {
    if (value === undefined) continue;
    if (value.trim() === '' || /[\r\n\0]/.test(value)) throw new UsageError(`${name === 'x-tenant' ? '--tenant' : '--org-id'} must be a non-empty single line`);
    headers[name] = value.trim();
  }
  let ca: string | undefined;
  if (opts.caFile !== undefined) {
    ca = await readFile(resolve(io.cwd, opts.caFile), 'utf8').catch((error: unknown) => {
      throw new UsageError(`cannot read --ca-file ${cleanText(opts.caFile!)}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    });
  }
  const config: BackendConfig = {
    kind: spec.kind,
    url: spec.url,
    headers,
    secrets: secrets.filter((s) => s !== ''),
    insecure: opts.insecure === true,
    timeoutMs: durationOption('--timeout', opts.timeout ?? DEFAULTS.timeout),
    deadlineMs: durationOption('--deadline', opts.deadline ?? DEFAULTS.deadline),
    concurrency: opts.concurrency === undefined ? DEFAULTS.concurrency : countOption('--concurrency', opts.concurrency),
    maxTraces: opts.maxTraces === undefined ? DEFAULTS.maxTraces : countOption('--max-traces', opts.maxTraces),
    protobuf: opts.protobuf === true,
    allowPartial: opts.allowPartial === true,
  };
  if (ca !== undefined) config.ca = ca;
  if (config.timeoutMs <= 0 || config.deadlineMs <= 0) throw new UsageError('--timeout and --deadline must be longer than 0');
  timeWindow(opts, io); // a bad --since/--from/--to is a usage error before anything is fetched
  return config;
}

/** The search window: `--from`/`--to` (RFC 3339 or epoch seconds), else the last `--since` (1h). */
export function timeWindow(opts: BackendOptions, io: Io): TimeWindow {
  if (opts.since !== undefined && opts.from !== undefined) throw new UsageError('--since and --from both set where the window starts: keep one');
  const endMs = opts.to === undefined ? io.now().getTime() : parseTimeOption('--to', opts.to);
  const startMs = opts.from === undefined ? endMs - durationOption('--since', opts.since ?? DEFAULTS.since) : parseTimeOption('--from', opts.from);
  if (startMs >= endMs) throw new UsageError(`the time window is empty: it starts (${new Date(startMs).toISOString()}) at or after it ends (${new Date(endMs).toISOString()})`);
  return { startMs, endMs };
}

/** For files the window applies only when asked for (`--since`, `--from`, `--to`): files have no "now". */
function explicitWindow(opts: BackendOptions, io: Io): TimeWindow | null {
  return opts.since === undefined && opts.from === undefined && opts.to === undefined ? null : timeWindow(opts, io);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

