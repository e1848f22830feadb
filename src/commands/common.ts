import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { parseCondition, spanMatchesCondition, traceMatches, type TraceFilter } from '../analyze/filter.js';
import { traceStart } from '../analyze/trace-summary.js';
import { InputError, UsageError } from '../errors.js';
import { inputFormats, type InputFormat } from '../formats/decoder.js';
import type { Io } from '../io.js';
import { buildTrace, buildTraces } from '../model/build-trace.js';
import type { Trace } from '../model/span.js';
import { cleanText } from '../report/sanitize.js';
import type { RenderContext } from '../report/style.js';
import type { Backend, SearchRequest } from '../sources/backends/backend.js';
import {
  backendKinds,
  parseBackendSpec,
  parseHeader,
  parseTimeOption,
  SECRET_HEADER,
  type BackendConfig,
  type BackendKind,
  type TimeWindow,
} from '../sources/backends/config.js';
import { loadTraces } from '../sources/load.js';
import { parseDuration } from '../util/duration.js';

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
}

/** Options every command takes: where traces come from and how output looks. */
export interface CommonOptions extends BackendOptions {
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
    .addOption(backendOption('--protobuf', 'Tempo: fetch traces as OTLP protobuf instead of JSON'));
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
 * Loads the traces a command works on: from the files named (or stdin), or from a backend
 * (`--backend`, else `TRACECTL_BACKEND` when no file is named). With no source at all,
 * stdin is read when it is piped (as `jq` does); on a terminal that would hang, so it is a
 * usage error instead. `request.traceId` makes a backend fetch that one trace by id (a
 * trace it does not have is an input error, exit 3); without it a backend is searched.
 */
export async function readTraces(sources: readonly string[], opts: CommonOptions, io: Io, request: { traceId?: string } = {}): Promise<Trace[]> {
  const config = await resolveBackend(sources, opts, io);
  if (config === null) return readFiles(sources, opts, io);
  return withBackend(config, opts, io, async (backend) => {
    if (request.traceId === undefined) return searchBackend(backend, config, { where: [] }, opts, io, undefined);
    const id = backendTraceId(request.traceId);
    const decoded = await backend.trace(id);
    if (decoded === null || decoded.spans.length === 0) {
      throw new InputError(`trace ${id} not found in ${backend.label}; check the id, or run "tracectl find" with the same --backend to list traces`);
    }
    warn(io, backend.label, decoded.warnings);
    return buildTraces(decoded.spans);
  });
}

/** What a command will show of the selected traces, so a backend can fetch just that (see `SearchRequest.rank`). */
export interface TraceSelection {
  rank?: { by: 'slowest' | 'newest'; count: number };
}

/**
 * The traces a command analyzes: every trace read, narrowed by the filter options. With a
 * backend the filters are pushed down to its search (at most `--max-traces` traces are
 * fetched, and stderr says when more matched); the exact filter then runs here on what
 * came back either way, so files and backends select the same traces.
 */
export async function readSelectedTraces(
  sources: readonly string[],
  opts: CommonOptions & FilterOptions,
  io: Io,
  selection: TraceSelection = {},
): Promise<Trace[]> {
  const filter = parseFilter(opts);
  const config = await resolveBackend(sources, opts, io);
  if (config !== null) return withBackend(config, opts, io, (backend) => searchBackend(backend, config, filter, opts, io, selection.rank));
  const window = explicitWindow(opts, io);
  const keep = localFilter(filter, null);
  return (await readFiles(sources, opts, io)).filter((t) => keep(t) && (window === null || inWindow(t, window)));
}

/** `tracectl services`: what the backend lists, or the services in the files. */
export async function readServices(sources: readonly string[], opts: CommonOptions, io: Io): Promise<string[]> {
  const config = await resolveBackend(sources, opts, io);
  if (config !== null) return withBackend(config, opts, io, (backend) => backend.services(timeWindow(opts, io)));
  return distinct((await readFiles(sources, opts, io)).flatMap((t) => t.spans.map((s) => s.service)));
}

/** `tracectl operations --service S`: span names of one service. */
export async function readOperations(service: string, sources: readonly string[], opts: CommonOptions, io: Io): Promise<string[]> {
  const config = await resolveBackend(sources, opts, io);
  if (config !== null) return withBackend(config, opts, io, (backend) => backend.operations(service, timeWindow(opts, io)));
  return distinct((await readFiles(sources, opts, io)).flatMap((t) => t.spans.filter((s) => s.service === service).map((s) => s.name)));
}

async function readFiles(sources: readonly string[], opts: CommonOptions, io: Io): Promise<Trace[]> {
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

function inWindow(trace: Trace, window: TimeWindow): boolean {
  const startMs = Date.parse(traceStart(trace));
  return startMs >= window.startMs && startMs <= window.endMs;
}

/** Opens the backend for `use`; the progress line ends before anything else reaches stderr. */
async function withBackend<T>(config: BackendConfig, opts: CommonOptions, io: Io, use: (backend: Backend) => Promise<T>): Promise<T> {
  const { openBackend } = await import('../sources/backends/index.js');
  const log = opts.verbose ? (line: string): void => io.stderr.write(`${cleanText(line)}\n`) : undefined;
  const open = await openBackend(config, io, log);
  const backend: Backend = {
    kind: open.backend.kind,
    label: open.backend.label,
    trace: (id) => settled(open.backend.trace(id)),
    search: (request) => settled(open.backend.search(request)),
    services: (window) => settled(open.backend.services(window)),
    operations: (service, window) => settled(open.backend.operations(service, window)),
  };
  async function settled<R>(work: Promise<R>): Promise<R> {
    try {
      return await work;
    } finally {
      open.progress.stop();
    }
  }
  try {
    return await use(backend);
  } finally {
    await open.close();
  }
}

async function searchBackend(
  backend: Backend,
  config: BackendConfig,
  filter: TraceFilter,
  opts: CommonOptions,
  io: Io,
  rank: TraceSelection['rank'],
): Promise<Trace[]> {
  const window = timeWindow(opts, io);
  const keep = localFilter(filter, backend.kind);
  if (opts.verbose) {
    io.stderr.write(`${backend.label}: traces from ${new Date(window.startMs).toISOString()} to ${new Date(window.endMs).toISOString()}, at most ${config.maxTraces}\n`);
  }
  const request: SearchRequest = {
    filter,
    window,
    limit: config.maxTraces,
    judge: (records) => {
      const trace = buildTrace(records[0]?.traceId ?? '', records);
      return keep(trace) ? { durationMs: trace.durationMs, startMs: Date.parse(traceStart(trace)) } : null;
    },
  };
  if (rank !== undefined) request.rank = rank;
  const result = await backend.search(request);
  warn(io, backend.label, result.warnings);
  if (result.truncated) {
    warn(io, backend.label, [
      `the search reached --max-traces ${config.maxTraces}, so more traces may match than the ${config.maxTraces} analyzed (narrow the filters or the time window, or raise --max-traces)`,
    ]);
  }
  // Backends answer in their own order (per service, by id, newest first): put the traces in
  // the order they started, as recorded, so every analysis is deterministic.
  return buildTraces(result.spans)
    .filter(keep)
    .map((trace) => ({ trace, start: traceStart(trace) }))
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.trace.traceId < b.trace.traceId ? -1 : 1))
    .map(({ trace }) => trace);
}

/**
 * tracectl's exact filter over fetched traces. Zipkin stores service and span names in
 * lower case, so against Zipkin those two compare case-insensitively.
 */
function localFilter(filter: TraceFilter, kind: BackendKind | null): (trace: Trace) => boolean {
  if (kind !== 'zipkin' || (filter.service === undefined && filter.operation === undefined)) return (t) => traceMatches(t, filter);
  const traceLevel: TraceFilter = { where: [] };
  if (filter.minDurationMs !== undefined) traceLevel.minDurationMs = filter.minDurationMs;
  if (filter.maxDurationMs !== undefined) traceLevel.maxDurationMs = filter.maxDurationMs;
  if (filter.errors) traceLevel.errors = true;
  const service = filter.service?.toLowerCase();
  const operation = filter.operation?.toLowerCase();
  return (t) =>
    traceMatches(t, traceLevel) &&
    t.spans.some(
      (s) =>
        (service === undefined || s.service.toLowerCase() === service) &&
        (operation === undefined || s.name.toLowerCase() === operation) &&
        filter.where.every((c) => spanMatchesCondition(s, c)),
    );
}

/** The id as the user typed it, in the width they typed: a 64-bit id stays 16 digits for Jaeger and Zipkin. */
function backendTraceId(input: string): string {
  const id = input.trim().toLowerCase();
  return id.length <= 16 ? id.padStart(16, '0') : id.padStart(32, '0');
}

function warn(io: Io, label: string, warnings: readonly string[]): void {
  for (const w of warnings) io.stderr.write(`warning: ${cleanText(`${label}: ${w}`)}\n`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Distinct names in code-point order (stable across locales). */
function distinct(names: readonly string[]): string[] {
  return [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
