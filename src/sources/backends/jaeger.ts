import { InputError } from '../../model/errors.js';
import type { Decoded } from '../../formats/decoder.js';
import { isRecord } from '../../formats/json-values.js';
import { decodeJaegerJson, isJaegerPayload } from '../../formats/jaeger-json.js';
import { decodeOtlpJson, isOtlpPayload } from '../../formats/otlp-json.js';
import type { SpanRecord } from '../../model/span.js';
import { settleAll, type Backend, type BackendContext, type SearchRequest, type SearchResult } from './backend.js';
import type { TimeWindow } from './config.js';
import type { HttpResult } from './http.js';
import { goDuration, keepNewest, mergeTraces, spanQuery, type SpanQuery } from './pushdown.js';
import { pushAll } from '../../model/arrays.js';

/** One search as Jaeger takes it: always for one service. */
export interface JaegerSearch extends Omit<SpanQuery, 'service'> {
  service: string;
  window: TimeWindow;
  limit: number;
}

/**
 * api_v3 (Jaeger 2, and 1.x query services that serve it): `GET /api/v3/traces`. Times are
 * RFC 3339, durations Go durations, attributes a JSON map (Jaeger ≥ 2.19; older versions
 * ignore it and the local filter does the work). Both ends of the window are required.
 */
export function jaegerV3SearchParams(q: JaegerSearch): Record<string, string> {
  const params: Record<string, string> = {
    'query.service_name': q.service,
    'query.start_time_min': new Date(q.window.startMs).toISOString(),
    'query.start_time_max': new Date(q.window.endMs).toISOString(),
    'query.num_traces': String(q.limit),
  };
  if (q.operation !== undefined) params['query.operation_name'] = q.operation;
  const tags = tagMap(q);
  if (tags !== undefined) params['query.attributes'] = JSON.stringify(tags);
  // Cassandra cannot search by duration and tags at once: with tags, durations stay local.
  if (tags === undefined && q.minDurationMs !== undefined) params['query.duration_min'] = goDuration(q.minDurationMs);
  if (tags === undefined && q.maxDurationMs !== undefined) params['query.duration_max'] = goDuration(q.maxDurationMs);
  return params;
}

/** The v1 API (`GET /api/traces`) of Jaeger 1.x: times in µs, tags a JSON map, durations Go durations. */
export function jaegerV1SearchParams(q: JaegerSearch): Record<string, string> {
  const params: Record<string, string> = {
    service: q.service,
    start: String(q.window.startMs * 1000),
    end: String(q.window.endMs * 1000),
    limit: String(q.limit),
  };
  if (q.operation !== undefined) params.operation = q.operation;
  const tags = tagMap(q);
  if (tags !== undefined) params.tags = JSON.stringify(tags);
  if (tags === undefined && q.minDurationMs !== undefined) params.minDuration = goDuration(q.minDurationMs);
  if (tags === undefined && q.maxDurationMs !== undefined) params.maxDuration = goDuration(q.maxDurationMs);
  return params;
}

/** Attribute equalities, plus OpenTracing's `error=true` tag for `--errors`. */
function tagMap(q: JaegerSearch): Record<string, string> | undefined {
  const tags: Record<string, string> = Object.fromEntries(q.tags);
  if (q.errors) tags.error = 'true';
  return Object.keys(tags).length === 0 ? undefined : tags;
}

type Api = 'v3' | 'v1';

/**
 * Jaeger's query service: api_v3 first, the v1 API when api_v3 is absent. Which one answers
 * is learnt once, from `/api/v3/services` (404 or not JSON there means v1); a trace by id
 * tells it from the shape of the 404 itself.
 */
export function createJaegerBackend({ http, config, progress }: BackendContext): Backend {
  let api: Promise<{ api: Api; services: string[] }> | undefined;

  const detect = (): Promise<{ api: Api; services: string[] }> => {
    api ??= (async () => {
      const v3 = await http.get({ path: '/api/v3/services', pass: [404] });
      const body = v3.status === 200 ? http.tryJson(v3) : undefined;
      if (isRecord(body) && (Array.isArray(body.services) || body.services === undefined)) {
        return { api: 'v3' as const, services: strings(body.services) };
      }
      const v1 = await http.get({ path: '/api/services' });
      const data = http.json(v1);
      if (!isRecord(data) || !(Array.isArray(data.data) || data.data === null)) throw http.unexpected(v1, '{"data": [service…]}');
      return { api: 'v1' as const, services: strings(data.data) };
    })();
    return api;
  };

  const decode = (result: HttpResult, payload: unknown): Decoded => {
    try {
      return isJaegerPayload(payload) ? decodeJaegerJson(payload) : decodeOtlpJson(payload);
    } catch (error) {
      if (error instanceof InputError) throw new InputError(http.redact(`${result.url}: ${error.message}`), { cause: error });
      throw error;
    }
  };

  const nothing: Decoded = { spans: [], warnings: [] };
  const searchOne = async (which: Api, q: JaegerSearch): Promise<Decoded> => {
    if (which === 'v3') {
      const result = await http.get({ path: '/api/v3/traces', query: jaegerV3SearchParams(q), pass: [404] });
      // api_v3 says "No traces found" with a 404.
      if (result.status === 404) return nothing;
      const body = http.json(result);
      if (isOtlpPayload(body)) return decode(result, body);
      if (isEmptyV3(body)) return nothing;
      throw http.unexpected(result, '{"result": {"resourceSpans": …}}');
    }
    const result = await http.get({ path: '/api/traces', query: jaegerV1SearchParams(q) });
    const body = http.json(result);
    if (isRecord(body) && body.data === null) return nothing;
    if (!isJaegerPayload(body)) throw http.unexpected(result, '{"data": [trace…]}');
    return decode(result, body);
  };

  return {
    kind: 'jaeger',
    label: http.label,

    async trace(traceId) {
      const v3 = await http.get({ path: `/api/v3/traces/${traceId}`, pass: [404] });
      const answer = http.tryJson(v3);
      if (v3.status === 200 && answer !== undefined) return isEmptyV3(answer) ? null : decode(v3, answer);
      // api_v3 says "not found" in its own JSON error; another 404 (or a web page) means there is no api_v3.
      if (v3.status === 404 && isV3Error(answer)) return null;
      const v1 = await http.get({ path: `/api/traces/${traceId}`, pass: [404] });
      if (v1.status === 404) return null;
      const body = http.json(v1);
      if (isRecord(body) && (body.data === null || (Array.isArray(body.data) && body.data.length === 0))) return null;
      return decode(v1, body);
    },

    async search(request: SearchRequest): Promise<SearchResult> {
      const { api: which, services } = await detect();
      const query = spanQuery(request.filter);
      // Jaeger searches one service at a time: without --service, every service it lists.
      const targets = query.service !== undefined ? [query.service] : services;
      const traces = new Map<string, SpanRecord[]>();
      const warnings: string[] = [];
      let truncated = false;
      let done = 0;
      if (targets.length > 1) progress.update(`searched 0/${targets.length} services`);
      const failed = await settleAll(
        targets,
        async (service) => {
          const decoded = await searchOne(which, { ...query, service, window: request.window, limit: request.limit });
          for (const w of decoded.warnings) warnings.push(`search in ${service}: ${w}`);
          if (mergeTraces(traces, decoded.spans) >= request.limit) truncated = true;
          if (targets.length > 1) progress.update(`searched ${++done}/${targets.length} services`);
        },
        'service searches',
        config.allowPartial === true,
      );
      pushAll(warnings, failed);
      if (keepNewest(traces, request.limit)) truncated = true;
      return { spans: [...traces.values()].flat(), warnings, truncated };
    },

    async services() {
      return (await detect()).services;
    },

    async operations(service) {
      const { api: which } = await detect();
      if (which === 'v3') {
        const result = await http.get({ path: '/api/v3/operations', query: { service } });
        const body = http.json(result);
        if (!isRecord(body)) throw http.unexpected(result, '{"operations": […]}');
        return [...new Set((Array.isArray(body.operations) ? body.operations : []).map((o) => (isRecord(o) && typeof o.name === 'string' ? o.name : '')).filter((n) => n !== ''))];
      }
      const result = await http.get({ path: `/api/services/${encodeURIComponent(service)}/operations` });
      const body = http.json(result);
      if (!isRecord(body)) throw http.unexpected(result, '{"data": [operation…]}');
      return strings(body.data);
    },
  };
}

function strings(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
}

/** api_v3's error body: `{"error": {"httpCode": 404, "message": "No traces found"}}`. */
function isV3Error(x: unknown): boolean {
  return isRecord(x) && isRecord(x.error) && ('httpCode' in x.error || 'message' in x.error);
}

/** `{"result": {}}` or `{}`: api_v3 with nothing in it. */
function isEmptyV3(x: unknown): boolean {
  return isRecord(x) && (Object.keys(x).length === 0 || (isRecord(x.result) && x.result.resourceSpans === undefined));
}
