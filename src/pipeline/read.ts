import { startAnalysis, type AnalysisName, type AnalysisResult, type AnalysisSpec } from '../analyze/analyses.js';
import { spanMatchesCondition, traceMatches, type TraceFilter } from '../model/query.js';
import { InputError } from '../model/errors.js';
import type { InputFormat } from '../formats/decoder.js';
import type { Io } from '../io.js';
import { buildTrace, buildTraces } from '../model/build-trace.js';
import type { Trace } from '../model/span.js';
import { findTrace, parseTraceIdInput } from '../model/ids.js';
import { cleanText } from '../report/sanitize.js';
import type { Backend, SearchRequest } from '../sources/backends/backend.js';
import type { BackendConfig, BackendKind, TimeWindow } from '../sources/backends/config.js';
import { streamTraces, tellStreamResult } from './stream.js';
import type { ParallelRead } from './parallel.js';
import { selectsFileTrace } from './select.js';
import { traceStart } from '../model/time.js';

/** Where a command's traces come from, resolved from its options (commands/common.ts `readRequest`). */
export interface ReadRequest {
  /** Files, directories and `-`; empty when a backend is used. */
  sources: readonly string[];
  format?: InputFormat;
  strict?: boolean;
  verbose?: boolean;
  /** Spans after which a trace read from files is taken as complete (TraceAssembler). */
  window: number;
  /** `--jobs`: threads reading files; undefined for one per core on large inputs (pipeline/parallel.ts). */
  jobs?: number;
  backend: BackendConfig | null;
  /** Start-time window: always set for a backend; for files only when the user asked. */
  timeWindow: TimeWindow | null;
}

/** What a command will show of the selected traces, so a backend can fetch just that (see `SearchRequest.rank`). */
export interface TraceSelection {
  rank?: { by: 'slowest' | 'newest'; count: number };
}

/**
 * Hands every selected trace to `onTrace`: from files as a stream (each trace as soon as it
 * is complete, then dropped, so memory stays bounded), or from a backend, where the filters
 * are pushed down to its search (at most `--max-traces` traces are fetched, and stderr says
 * when more matched). The exact filter then runs here either way, so files and backends
 * select the same traces.
 */
export async function eachSelectedTrace(
  request: ReadRequest,
  filter: TraceFilter,
  io: Io,
  onTrace: (trace: Trace) => void,
  selection: TraceSelection = {},
): Promise<void> {
  const { backend } = request;
  if (backend !== null) {
    const traces = await withBackend(backend, request, io, (b) => searchBackend(b, backend, filter, request, io, selection.rank));
    for (const trace of traces) onTrace(trace);
    return;
  }
  const selects = selectsFileTrace(filter, request.timeWindow);
  await readFiles(request, io, (trace) => {
    if (selects(trace)) onTrace(trace);
  });
}

/**
 * Runs an analysis over the selected traces, as `eachSelectedTrace` hands them over, but
 * reading large files on several threads when it can (pipeline/parallel.ts); `--strict` reads
 * in one, so that the first bad line is the one reported.
 */
export async function analyzeSelectedTraces<K extends AnalysisName>(
  request: ReadRequest,
  filter: TraceFilter,
  io: Io,
  analysis: AnalysisSpec<K>,
  selection: TraceSelection = {},
): Promise<AnalysisResult<K>> {
  const accumulator = startAnalysis(analysis);
  if (request.backend === null && !request.strict && request.jobs !== 1) {
    const { readInParallel } = await import('./parallel.js');
    const read: ParallelRead = { sources: request.sources, window: request.window, filter, timeWindow: request.timeWindow };
    if (request.jobs !== undefined) read.jobs = request.jobs;
    if (request.format !== undefined) read.format = request.format;
    // The worker starts the analysis by name: which one does not matter to the reading.
    const result = await readInParallel(read, analysis as AnalysisSpec, accumulator, io);
    if (result !== null) {
      tellStreamResult(result, io, request.verbose);
      return accumulator.result();
    }
  }
  await eachSelectedTrace(request, filter, io, (trace) => accumulator.add(trace), selection);
  return accumulator.result();
}

/**
 * One trace by id, or undefined when the files do not hold it (a backend that does not is
 * an input error). From files only that trace's spans are kept, and JSON lines that cannot
 * hold it are skipped before they are parsed.
 */
export async function traceById(request: ReadRequest, input: string, io: Io): Promise<Trace | undefined> {
  const { backend } = request;
  if (backend !== null) {
    return withBackend(backend, request, io, async (b) => {
      const id = backendTraceId(input);
      const decoded = await b.trace(id);
      if (decoded === null || decoded.spans.length === 0) {
        throw new InputError(`trace ${id} not found in ${b.label}; check the id, or run "tracectl find" with the same --backend to list traces`);
      }
      warn(io, b.label, decoded.warnings);
      return findTrace(buildTraces(decoded.spans), input);
    });
  }
  const id = parseTraceIdInput(input)!;
  // A 16-digit id also names the 128-bit trace whose lower half it is (model/ids.ts).
  const short = input.trim().length <= 16;
  const low = id.slice(16);
  const matches = (traceId: string): boolean => traceId === id || (short && traceId.slice(16) === low);
  // A line can only hold the trace if it holds its id as hex (either case) or, as Tempo
  // writes ids, base64; the lower half is enough to test for hex. Only that trace's spans are
  // kept, so it can be held whole however far apart they are (an unbounded window).
  const bytes = Buffer.from(id, 'hex');
  const needles = [low, low.toUpperCase(), ...(short ? [] : [bytes.toString('base64'), bytes.toString('base64url')])];
  const found: Trace[] = [];
  await readFiles({ ...request, window: Infinity }, io, (trace) => found.push(trace), {
    traceFilter: matches,
    lineFilter: (line) => needles.some((n) => line.includes(n)),
  });
  return findTrace(found, input);
}

/** `tracectl services`: what the backend lists, or the services in the files (unsorted). */
export async function readServices(request: ReadRequest, io: Io): Promise<string[]> {
  const { backend } = request;
  if (backend !== null) return withBackend(backend, request, io, (b) => b.services(request.timeWindow!));
  const names = new Set<string>();
  await readFiles(request, io, (t) => t.spans.forEach((s) => names.add(s.service)));
  return [...names];
}

/** `tracectl operations --service S`: span names of one service. */
export async function readOperations(request: ReadRequest, service: string, io: Io): Promise<string[]> {
  const { backend } = request;
  if (backend !== null) return withBackend(backend, request, io, (b) => b.operations(service, request.timeWindow!));
  const names = new Set<string>();
  await readFiles(request, io, (t) => t.spans.forEach((s) => s.service === service && names.add(s.name)));
  return [...names];
}

async function readFiles(
  request: ReadRequest,
  io: Io,
  onTrace: (trace: Trace) => void,
  only: { traceFilter?: (traceId: string) => boolean; lineFilter?: (line: string) => boolean } = {},
): Promise<void> {
  const result = await streamTraces({ sources: request.sources, format: request.format, strict: request.strict, window: request.window, ...only }, io, onTrace);
  tellStreamResult(result, io, request.verbose);
}

/** Opens the backend for `use`; the progress line ends before anything else reaches stderr. */
async function withBackend<T>(config: BackendConfig, request: ReadRequest, io: Io, use: (backend: Backend) => Promise<T>): Promise<T> {
  const { openBackend } = await import('../sources/backends/index.js');
  const log = request.verbose ? (line: string): void => io.stderr.write(`${cleanText(line)}\n`) : undefined;
  const open = await openBackend(config, io, log);
  const backend: Backend = {
    kind: open.backend.kind,
    label: open.backend.label,
    trace: (id) => settled(open.backend.trace(id)),
    search: (search) => settled(open.backend.search(search)),
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
  request: ReadRequest,
  io: Io,
  rank: TraceSelection['rank'],
): Promise<Trace[]> {
  const window = request.timeWindow!;
  const keep = localFilter(filter, backend.kind);
  if (request.verbose) {
    io.stderr.write(`${backend.label}: traces from ${new Date(window.startMs).toISOString()} to ${new Date(window.endMs).toISOString()}, at most ${config.maxTraces}\n`);
  }
  const search: SearchRequest = {
    filter,
    window,
    limit: config.maxTraces,
    judge: (records) => {
      const trace = buildTrace(records[0]?.traceId ?? '', records);
      return keep(trace) ? { durationMs: trace.durationMs, startMs: Date.parse(traceStart(trace)) } : null;
    },
  };
  if (rank !== undefined) search.rank = rank;
  const result = await backend.search(search);
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
