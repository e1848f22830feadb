import { startAnalysis, type AnalysisName, type AnalysisResult, type AnalysisSpec } from '../analyze/analyses.js';
import { buildTrace, buildTraces } from '../model/build-trace.js';
import { InputError } from '../model/errors.js';
import { findTrace, parseTraceIdInput } from '../model/ids.js';
import { spanMatchesCondition, traceMatches, type TraceFilter } from '../model/query.js';
import type { Trace } from '../model/span.js';
import { traceStart } from '../model/time.js';
import type { Backend, Progress, SearchRequest } from '../sources/backends/backend.js';
import type { BackendConfig, BackendKind } from '../sources/backends/config.js';
import { expandSources, type InputContext } from '../sources/files.js';
import { emptyReport, type Read, type ReadPlan, type ReadReport } from './plan.js';
import { selectsFileTrace } from './select.js';
import { streamTraces, type StreamOnly } from './stream.js';
import { pushAll } from '../model/arrays.js';

/** What the pipeline needs of its caller: inputs to open, and where live backend output goes. */
export interface ReadContext extends InputContext {
  /** `--verbose`: each backend request as it is made; absent, nothing is logged. */
  log?: (line: string) => void;
  /** The progress line of a backend fetch. */
  progress: Progress;
}

/** What a command will show of the selected traces, so a backend can fetch just that (see `SearchRequest.rank`). */
export interface TraceSelection {
  rank?: { by: 'slowest' | 'newest'; count: number };
}

/**
 * Hands every selected trace to `onTrace`: from files as a stream (each trace as soon as it
 * is complete, then dropped, so memory stays bounded), or from a backend, where the filters
 * are pushed down to its search (at most `--max-traces` traces are fetched, and a warning
 * says when more matched). The exact filter then runs here either way, so files and
 * backends select the same traces.
 */
export async function eachSelectedTrace(plan: ReadPlan, ctx: ReadContext, onTrace: (trace: Trace) => void, selection: TraceSelection = {}): Promise<ReadReport> {
  const { backend } = plan;
  if (backend !== null) {
    const report = emptyReport();
    const traces = await withBackend(backend, ctx, (b) => searchBackend(b, backend, plan, ctx, report, selection.rank));
    for (const trace of traces) onTrace(trace);
    return report;
  }
  const selects = selectsFileTrace(plan);
  return streamFiles(plan, plan.sources, ctx, (trace) => {
    if (selects(trace)) onTrace(trace);
  });
}

/** `streamTraces` over the named sources, with what expanding them had to say told first. */
async function streamFiles(
  plan: Pick<ReadPlan, 'format' | 'strict' | 'window'>,
  sources: readonly string[],
  ctx: InputContext,
  onTrace: (trace: Trace) => void,
  only?: StreamOnly,
): Promise<ReadReport> {
  const warnings: string[] = [];
  const report = await streamTraces(plan, await expandSources(sources, ctx, warnings), onTrace, only);
  return { ...report, warnings: [...warnings, ...report.warnings] };
}

/**
 * Runs an analysis over the selected traces, as `eachSelectedTrace` hands them over, but
 * reading large files on several threads when it can (pipeline/parallel.ts); `--strict` reads
 * in one, so that the first bad line is the one reported.
 */
export async function analyzeSelectedTraces<K extends AnalysisName>(
  plan: ReadPlan,
  ctx: ReadContext,
  analysis: AnalysisSpec<K>,
  selection: TraceSelection = {},
): Promise<Read<AnalysisResult<K>>> {
  const accumulator = startAnalysis(analysis);
  if (plan.backend === null) {
    const expanding: string[] = [];
    const inputs = await expandSources(plan.sources, ctx, expanding);
    if (!plan.strict && plan.jobs !== 1) {
      const { readInParallel } = await import('./parallel.js');
      // The worker starts the analysis by name: which one does not matter to the reading.
      const report = await readInParallel(plan, inputs, analysis as AnalysisSpec, accumulator);
      if (report !== null) return { value: accumulator.result(), ...report, warnings: [...expanding, ...report.warnings] };
    }
    const selects = selectsFileTrace(plan);
    const report = await streamTraces(plan, inputs, (trace) => {
      if (selects(trace)) accumulator.add(trace);
    });
    return { value: accumulator.result(), ...report, warnings: [...expanding, ...report.warnings] };
  }
  const report = await eachSelectedTrace(plan, ctx, (trace) => accumulator.add(trace), selection);
  return { value: accumulator.result(), ...report };
}

/**
 * One trace by id, or undefined when the files do not hold it (a backend that does not is
 * an input error). From files only that trace's spans are kept, and JSON lines that cannot
 * hold it are skipped before they are parsed.
 */
export async function traceById(plan: ReadPlan, input: string, ctx: ReadContext): Promise<Read<Trace | undefined>> {
  const { backend } = plan;
  if (backend !== null) {
    const report = emptyReport();
    const value = await withBackend(backend, ctx, async (b) => {
      const id = backendTraceId(input);
      const decoded = await b.trace(id);
      if (decoded === null || decoded.spans.length === 0) {
        throw new InputError(`trace ${id} not found in ${b.label}; check the id, or run "tracectl find" with the same --backend to list traces`);
      }
      pushAll(report.warnings, decoded.warnings.map((w) => `${b.label}: ${w}`));
      return findTrace(buildTraces(decoded.spans), input);
    });
    return { value, ...report };
  }
  const id = parseTraceIdInput(input)!;
  // A 16-digit id also names the 128-bit trace whose lower half it is (model/ids.ts).
  const short = input.trim().length <= 16;
  const low = id.slice(16);
  const matches = (traceId: string): boolean => traceId === id || (short && traceId.slice(16) === low);
  const only: StreamOnly = { traceFilter: matches, lineFilter: traceLineFilter(id, short) };
  const found: Trace[] = [];
  const report = await streamFiles({ ...plan, window: Infinity }, plan.sources, ctx, (trace) => found.push(trace), only);
  return { value: findTrace(found, input), ...report };
}

/**
 * A cheap test that a JSON line may hold the trace, before it is parsed: it must hold the
 * id's hex as the decoder accepts it (model/ids.ts: either case, leading zeros optional, so
 * Zipkin's `abc123` is `0…0abc123`) or, as Tempo writes ids, its base64. The significant
 * digits are enough: every accepted spelling contains them. A 16-digit id also names the
 * 128-bit traces whose lower half it is, so only that half is required then.
 */
export function traceLineFilter(id: string, short: boolean): (bytes: Buffer, start: number, end: number) => boolean {
  const digits = (short ? id.slice(16) : id).replace(/^0+/, '') || '0';
  // Hex digits only, so the pattern is literal; `i` covers every mix of cases.
  const hex = new RegExp(digits, 'i');
  // The longest runs of decimal digits in it are the same in every case: a line without
  // them cannot hold the id, and searching the bytes for them spares decoding the line.
  const anchors = (digits.match(/[0-9]+/g) ?? []).sort((a, b) => b.length - a.length).slice(0, 2).map((run) => Buffer.from(run, 'latin1'));
  const idBytes = Buffer.from(id, 'hex');
  const base64 = short ? [] : [idBytes.toString('base64'), idBytes.toString('base64url')].map((text) => Buffer.from(text, 'latin1'));
  return (chunk, start, end) => {
    const line = chunk.subarray(start, end);
    if (base64.some((b) => line.includes(b))) return true;
    return anchors.every((anchor) => line.includes(anchor)) && hex.test(line.toString('utf8'));
  };
}

/** `tracectl services`: what the backend lists, or the services in the files (unsorted). */
export async function readServices(plan: ReadPlan, ctx: ReadContext): Promise<Read<string[]>> {
  const { backend } = plan;
  if (backend !== null) {
    const report = emptyReport();
    const value = await withBackend(backend, ctx, (b) => b.services(plan.timeWindow!));
    return { value, ...report };
  }
  const names = new Set<string>();
  const report = await streamFiles(plan, plan.sources, ctx, (t) => t.spans.forEach((s) => names.add(s.service)));
  return { value: [...names], ...report };
}

/** `tracectl operations --service S`: span names of one service. */
export async function readOperations(plan: ReadPlan, service: string, ctx: ReadContext): Promise<Read<string[]>> {
  const { backend } = plan;
  if (backend !== null) {
    const report = emptyReport();
    const value = await withBackend(backend, ctx, (b) => b.operations(service, plan.timeWindow!));
    return { value, ...report };
  }
  const names = new Set<string>();
  const report = await streamFiles(plan, plan.sources, ctx, (t) => t.spans.forEach((s) => s.service === service && names.add(s.name)));
  return { value: [...names], ...report };
}

/** Every trace of the inputs, held at once: for tests and inputs that fit in memory. */
export async function loadTraces(sources: readonly string[], ctx: InputContext, plan: Partial<Pick<ReadPlan, 'format' | 'strict'>> = {}): Promise<Read<Trace[]>> {
  const traces: Trace[] = [];
  const report = await streamFiles({ strict: false, ...plan, window: Infinity }, sources, ctx, (trace) => traces.push(trace));
  return { value: traces, ...report };
}

/** Opens the backend for `use`; the progress line ends before anything else reaches stderr. */
async function withBackend<T>(config: BackendConfig, ctx: ReadContext, use: (backend: Backend) => Promise<T>): Promise<T> {
  const { openBackend } = await import('../sources/backends/index.js');
  const open = await openBackend(config, ctx.progress, ctx.log);
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
  plan: ReadPlan,
  ctx: ReadContext,
  report: ReadReport,
  rank: TraceSelection['rank'],
): Promise<Trace[]> {
  const window = plan.timeWindow!;
  const keep = localFilter(plan.filter, backend.kind);
  ctx.log?.(`${backend.label}: traces from ${new Date(window.startMs).toISOString()} to ${new Date(window.endMs).toISOString()}, at most ${config.maxTraces}`);
  const search: SearchRequest = {
    filter: plan.filter,
    window,
    limit: config.maxTraces,
    judge: (records) => {
      const trace = buildTrace(records[0]?.traceId ?? '', records);
      return keep(trace) ? { durationMs: trace.durationMs, startMs: Date.parse(traceStart(trace)) } : null;
    },
  };
  if (rank !== undefined) search.rank = rank;
  const result = await backend.search(search);
  pushAll(report.warnings, result.warnings.map((w) => `${backend.label}: ${w}`));
  if (result.truncated) {
    report.warnings.push(
      `${backend.label}: the search reached --max-traces ${config.maxTraces}, so more traces may match than the ${config.maxTraces} analyzed (narrow the filters or the time window, or raise --max-traces)`,
    );
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
