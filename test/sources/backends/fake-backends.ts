import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEMO_EPOCH_MS,
  DEMO_SEED,
  DEMO_TRACE_COUNT,
  generateDemoTraces,
  type DemoSpan,
  type DemoTrace,
} from '../../../scripts/demo-traces.js';
import { parseDuration } from '../../../src/model/duration.js';
import {
  jaegerV1Body,
  jaegerV3Body,
  tempoV1Json,
  tempoV1Protobuf,
  tempoV2Json,
  tempoV2Protobuf,
  zipkinTraceBody,
  zipkinTracesBody,
} from './encode.js';

/**
 * A local HTTP server on 127.0.0.1 (port 0) that records every request, and handlers that
 * answer like Jaeger, Tempo and Zipkin over the demo traces: the real endpoints, parameter
 * names and units, and response shapes. The search semantics are simplified but honest
 * (conditions on spans, windows, limits) so that what tracectl pushes down matters.
 */

export interface Recorded {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export type Handler = (req: Recorded, res: ServerResponse, raw: IncomingMessage) => unknown;

export interface FakeServer {
  url: string;
  requests: Recorded[];
  /** Requests to paths starting with `prefix`. */
  to(prefix: string): Recorded[];
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<FakeServer> {
  const requests: Recorded[] = [];
  const server = createServer((raw, res) => {
    const url = new URL(raw.url ?? '/', 'http://127.0.0.1');
    const recorded: Recorded = { path: url.pathname, query: url.searchParams, headers: raw.headers };
    requests.push(recorded);
    Promise.resolve(handler(recorded, res, raw)).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    to: (prefix) => requests.filter((r) => r.path.startsWith(prefix)),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The demo set, exactly as in fixtures/demo/. */
export const demoTraces: readonly DemoTrace[] = generateDemoTraces({ seed: DEMO_SEED, count: DEMO_TRACE_COUNT, startEpochMs: DEMO_EPOCH_MS });

export function send(res: ServerResponse, status: number, body: string | Buffer, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const spanStartMs = (t: DemoTrace, s: DemoSpan): number => t.epochMs + s.startUs / 1000;
const traceStartMs = (t: DemoTrace): number => Math.min(...t.spans.map((s) => spanStartMs(t, s)));
/** Every span, async followers too: what Tempo calls the trace's duration. */
const traceSpanMs = (t: DemoTrace): number => Math.max(...t.spans.map((s) => spanStartMs(t, s) + s.durationUs / 1000)) - traceStartMs(t);
const newestFirst = (a: DemoTrace, b: DemoTrace): number => traceStartMs(b) - traceStartMs(a);
const attributeText = (s: DemoSpan, key: string): string | undefined => (key in s.attributes ? String(s.attributes[key]) : undefined);
/** As the backends look ids up: a 64-bit id is a 128-bit one with a zero upper half. */
const byId = (traces: readonly DemoTrace[], id: string): DemoTrace | undefined => traces.find((t) => t.traceId === id.toLowerCase().padStart(32, '0'));
const services = (traces: readonly DemoTrace[]): string[] => [...new Set(traces.flatMap((t) => t.spans.map((s) => s.service)))].sort();

// ---------------------------------------------------------------------------------------
// Jaeger
// ---------------------------------------------------------------------------------------

export interface JaegerOptions {
  /** `v1`: a Jaeger 1.x without api_v3 (its /api/v3 paths are plain 404s). */
  api: 'v3' | 'v1';
  traces?: readonly DemoTrace[];
}

interface JaegerQuery {
  service: string;
  operation?: string;
  tags: Record<string, string>;
  minMs?: number;
  maxMs?: number;
  startMs: number;
  endMs: number;
  limit: number;
}

/** Jaeger's search: some span of the service matches operation, tags and duration together. */
function jaegerSearch(traces: readonly DemoTrace[], q: JaegerQuery): DemoTrace[] {
  return traces
    .filter((t) => traceStartMs(t) >= q.startMs && traceStartMs(t) <= q.endMs)
    .filter((t) =>
      t.spans.some(
        (s) =>
          s.service === q.service &&
          (q.operation === undefined || s.name === q.operation) &&
          Object.entries(q.tags).every(([k, v]) => attributeText(s, k) === v || (k === 'error' && v === 'true' && s.status === 'error')) &&
          (q.minMs === undefined || s.durationUs / 1000 >= q.minMs) &&
          (q.maxMs === undefined || s.durationUs / 1000 <= q.maxMs),
      ),
    )
    .sort(newestFirst)
    .slice(0, q.limit);
}

export function jaegerHandler(options: JaegerOptions): Handler {
  const traces = options.traces ?? demoTraces;
  return (req, res) => {
    const { path, query } = req;
    if (path.startsWith('/api/v3/')) {
      if (options.api === 'v1') return send(res, 404, '404 page not found\n', 'text/plain');
      const notFound = (): void => send(res, 404, JSON.stringify({ error: { httpCode: 404, message: 'No traces found' } }));
      if (path === '/api/v3/services') return send(res, 200, JSON.stringify({ services: services(traces) }));
      if (path === '/api/v3/operations') {
        const service = query.get('service') ?? '';
        const seen = new Map<string, string>();
        for (const t of traces) for (const s of t.spans) if (s.service === service) seen.set(`${s.name}/${s.kind}`, s.name);
        const operations = [...seen].map(([key, name]) => ({ name, spanKind: key.slice(name.length + 1) }));
        return send(res, 200, JSON.stringify({ operations }));
      }
      if (path.startsWith('/api/v3/traces/')) {
        const trace = byId(traces, path.slice('/api/v3/traces/'.length));
        return trace ? send(res, 200, jaegerV3Body([trace])) : notFound();
      }
      if (path === '/api/v3/traces') {
        const service = query.get('query.service_name');
        const min = query.get('query.start_time_min');
        const max = query.get('query.start_time_max');
        if (!service || !min || !max) return send(res, 400, JSON.stringify({ error: { httpCode: 400, message: 'service_name, start_time_min and start_time_max are required' } }));
        const found = jaegerSearch(traces, {
          service,
          operation: query.get('query.operation_name') ?? undefined,
          tags: JSON.parse(query.get('query.attributes') ?? '{}') as Record<string, string>,
          minMs: durationParam(query.get('query.duration_min')),
          maxMs: durationParam(query.get('query.duration_max')),
          startMs: Date.parse(min),
          endMs: Date.parse(max),
          limit: Number(query.get('query.num_traces') ?? 20),
        });
        return found.length === 0 ? notFound() : send(res, 200, jaegerV3Body(found));
      }
      return send(res, 404, '404 page not found\n', 'text/plain');
    }
    if (path === '/api/services') return send(res, 200, JSON.stringify({ data: services(traces), total: services(traces).length, limit: 0, offset: 0, errors: null }));
    const ops = /^\/api\/services\/([^/]+)\/operations$/.exec(path);
    if (ops) {
      const service = decodeURIComponent(ops[1]!);
      const names = [...new Set(traces.flatMap((t) => t.spans.filter((s) => s.service === service).map((s) => s.name)))];
      return send(res, 200, JSON.stringify({ data: names, total: names.length, limit: 0, offset: 0, errors: null }));
    }
    if (path.startsWith('/api/traces/')) {
      const trace = byId(traces, path.slice('/api/traces/'.length));
      return trace
        ? send(res, 200, jaegerV1Body([trace]))
        : send(res, 404, JSON.stringify({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: 'trace not found' }] }));
    }
    if (path === '/api/traces') {
      const service = query.get('service');
      if (!service) return send(res, 400, JSON.stringify({ data: null, errors: [{ code: 400, msg: 'parameter \'service\' is required' }] }));
      const found = jaegerSearch(traces, {
        service,
        operation: query.get('operation') ?? undefined,
        tags: JSON.parse(query.get('tags') ?? '{}') as Record<string, string>,
        minMs: durationParam(query.get('minDuration')),
        maxMs: durationParam(query.get('maxDuration')),
        startMs: Number(query.get('start')) / 1000,
        endMs: Number(query.get('end')) / 1000,
        limit: Number(query.get('limit') ?? 20),
      });
      return send(res, 200, jaegerV1Body(found));
    }
    return send(res, 404, '404 page not found\n', 'text/plain');
  };
}

function durationParam(text: string | null): number | undefined {
  if (text === null) return undefined;
  const ms = parseDuration(text);
  if (ms === null) throw new Error(`not a Go duration: ${text}`);
  return ms;
}

// ---------------------------------------------------------------------------------------
// Tempo
// ---------------------------------------------------------------------------------------

export interface TempoOptions {
  traces?: readonly DemoTrace[];
  /** false: a Tempo before /api/v2/traces (2.6) and the v2 tag API. */
  v2?: boolean;
  /** Tempo 2.7 and later: a missing trace is a 200 with an empty trace on v2, not a 404. */
  emptyWhenMissing?: boolean;
  /** Trace ids whose v2 answer says PARTIAL. */
  partial?: ReadonlySet<string>;
}

/**
 * TraceQL as tracectl writes it, evaluated well enough to test with: spansets joined by
 * `&&`, each a conjunction of `resource.service.name`, `name`, `status`, `kind`,
 * `traceDuration >=` and attribute equalities (typed or quoted). A clause it does not know
 * matches everything, so the fake errs on the side of answering more.
 */
export function traceqlMatches(q: string, t: DemoTrace): boolean {
  const spansets = [...q.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!.trim());
  return spansets.every((set) => {
    if (set === '') return true;
    const clauses = set.split(' && ').map((c) => c.trim());
    return t.spans.some((s) => clauses.every((c) => clauseMatches(c, t, s)));
  });
}

function clauseMatches(clause: string, t: DemoTrace, s: DemoSpan): boolean {
  const either = /^\((.+) \|\| (.+)\)$/.exec(clause);
  if (either) return clauseMatches(either[1]!, t, s) || clauseMatches(either[2]!, t, s);
  let m = /^resource\.service\.name = "(.*)"$/.exec(clause);
  if (m) return s.service === unquote(m[1]!);
  if ((m = /^name = "(.*)"$/.exec(clause))) return s.name === unquote(m[1]!);
  if ((m = /^status = (\w+)$/.exec(clause))) return (s.status === 'error' ? 'error' : 'unset') === m[1];
  if ((m = /^kind = (\w+)$/.exec(clause))) return s.kind === m[1];
  if ((m = /^traceDuration >= (\S+)$/.exec(clause))) return traceSpanMs(t) >= parseDuration(m[1]!)!;
  if ((m = /^\.([\w.]+) = "(.*)"$/.exec(clause))) return typeof s.attributes[m[1]!] === 'string' && s.attributes[m[1]!] === unquote(m[2]!);
  if ((m = /^\.([\w.]+) = (true|false|-?[\d.]+)$/.exec(clause))) return typeof s.attributes[m[1]!] !== 'string' && String(s.attributes[m[1]!]) === m[2];
  return true;
}

const unquote = (s: string): string => s.replace(/\\(.)/g, '$1');

export function tempoHandler(options: TempoOptions = {}): Handler {
  const traces = options.traces ?? demoTraces;
  const v2 = options.v2 ?? true;
  return (req, res) => {
    const { path, query, headers } = req;
    const protobuf = String(headers.accept ?? '').includes('application/protobuf');
    if (path.startsWith('/api/v2/') && !v2) return send(res, 404, '404 page not found\n', 'text/plain');
    if (path.startsWith('/api/v2/traces/') || path.startsWith('/api/traces/')) {
      const isV2 = path.startsWith('/api/v2/');
      const trace = byId(traces, path.slice(isV2 ? '/api/v2/traces/'.length : '/api/traces/'.length));
      if (!trace && isV2 && options.emptyWhenMissing) return protobuf ? send(res, 200, Buffer.alloc(0), 'application/protobuf') : send(res, 200, '{"trace":{}}');
      if (!trace) return send(res, 404, '', 'text/plain');
      const partial = options.partial?.has(trace.traceId) === true;
      if (protobuf) return send(res, 200, isV2 ? tempoV2Protobuf(trace, partial) : tempoV1Protobuf(trace), 'application/protobuf');
      return send(res, 200, isV2 ? tempoV2Json(trace, partial) : tempoV1Json(trace));
    }
    if (path === '/api/search') {
      const q = query.get('q') ?? '{}';
      const startMs = Number(query.get('start')) * 1000;
      const endMs = Number(query.get('end')) * 1000;
      const limit = Number(query.get('limit') ?? 20);
      // "The first N found": in trace id order, neither the newest nor the slowest.
      const found = [...traces]
        .sort((a, b) => (a.traceId < b.traceId ? -1 : 1))
        .filter((t) => traceStartMs(t) >= startMs && traceStartMs(t) <= endMs && traceqlMatches(q, t))
        .slice(0, limit);
      const body = {
        traces: found.map((t) => {
          const root = t.spans.find((s) => s.parentSpanId === null)!;
          const durationMs = Math.floor(traceSpanMs(t));
          return {
            traceID: t.traceId.replace(/^0+/, ''),
            rootServiceName: root.service,
            rootTraceName: root.name,
            startTimeUnixNano: String(BigInt(Math.round(traceStartMs(t) * 1000)) * 1000n),
            ...(durationMs === 0 ? {} : { durationMs }),
          };
        }),
        metrics: { inspectedTraces: traces.length, inspectedBytes: '1048576', completedJobs: 1, totalJobs: 1 },
      };
      return send(res, 200, JSON.stringify(body));
    }
    if (path === '/api/v2/search/tag/resource.service.name/values') {
      return send(res, 200, JSON.stringify({ tagValues: services(traces).map((value) => ({ type: 'string', value })), metrics: { inspectedBytes: '100' } }));
    }
    if (path === '/api/search/tag/service.name/values') return send(res, 200, JSON.stringify({ tagValues: services(traces) }));
    if (path === '/api/v2/search/tag/name/values') {
      const service = /resource\.service\.name = "(.*)"/.exec(query.get('q') ?? '')?.[1];
      const names = [...new Set(traces.flatMap((t) => t.spans.filter((s) => service === undefined || s.service === unquote(service)).map((s) => s.name)))];
      return send(res, 200, JSON.stringify({ tagValues: names.map((value) => ({ type: 'string', value })) }));
    }
    return send(res, 404, '404 page not found\n', 'text/plain');
  };
}

// ---------------------------------------------------------------------------------------
// Zipkin
// ---------------------------------------------------------------------------------------

export function zipkinHandler(options: { traces?: readonly DemoTrace[] } = {}): Handler {
  const traces = options.traces ?? demoTraces;
  return (req, res) => {
    const { path, query } = req;
    if (path === '/api/v2/services') return send(res, 200, JSON.stringify(services(traces)));
    if (path === '/api/v2/spans') {
      const service = query.get('serviceName');
      if (!service) return send(res, 400, 'serviceName is required', 'text/plain');
      return send(res, 200, JSON.stringify([...new Set(traces.flatMap((t) => t.spans.filter((s) => s.service === service).map((s) => s.name)))].sort()));
    }
    if (path.startsWith('/api/v2/trace/')) {
      const id = path.slice('/api/v2/trace/'.length);
      const trace = byId(traces, id);
      return trace ? send(res, 200, zipkinTraceBody(trace)) : send(res, 404, `Cannot find trace ${id}`, 'text/plain');
    }
    if (path === '/api/v2/traces') {
      const endTs = Number(query.get('endTs'));
      const lookback = Number(query.get('lookback'));
      const limit = Number(query.get('limit') ?? 10);
      const service = query.get('serviceName') ?? undefined;
      const spanName = query.get('spanName') ?? undefined;
      const minUs = query.has('minDuration') ? Number(query.get('minDuration')) : undefined;
      const maxUs = query.has('maxDuration') ? Number(query.get('maxDuration')) : undefined;
      if (!(endTs > 0) || !(lookback > 0) || !(limit > 0) || (maxUs !== undefined && minUs === undefined)) return send(res, 400, 'bad query', 'text/plain');
      const terms = (query.get('annotationQuery') ?? '').split(' and ').filter((t) => t !== '');
      const found = traces
        .filter((t) => t.spans.every((s) => spanStartMs(t, s) <= endTs && spanStartMs(t, s) >= endTs - lookback))
        .filter((t) =>
          t.spans.some(
            (s) =>
              // Zipkin keeps names in lower case and lower-cases the query too.
              (service === undefined || s.service.toLowerCase() === service.toLowerCase()) &&
              (spanName === undefined || s.name.toLowerCase() === spanName.toLowerCase()) &&
              (minUs === undefined || s.durationUs >= minUs) &&
              (maxUs === undefined || s.durationUs <= maxUs) &&
              terms.every((term) => {
                const eq = term.indexOf('=');
                if (eq < 0) return term in s.attributes || (term === 'error' && s.status === 'error');
                return attributeText(s, term.slice(0, eq)) === term.slice(eq + 1);
              }),
          ),
        )
        .sort(newestFirst)
        .slice(0, limit);
      return send(res, 200, zipkinTracesBody(found));
    }
    return send(res, 404, 'Not Found', 'text/plain');
  };
}
