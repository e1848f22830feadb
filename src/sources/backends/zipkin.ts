import { InputError } from '../../model/errors.js';
import type { Decoded } from '../../formats/decoder.js';
import { decodeZipkinJson, isZipkinPayload } from '../../formats/zipkin-json.js';
import type { Backend, BackendContext, SearchRequest, SearchResult } from './backend.js';
import type { TimeWindow } from './config.js';
import type { HttpClient, HttpResult } from './http.js';
import { byTrace, spanQuery, type SpanQuery } from './pushdown.js';

/**
 * `GET /api/v2/traces`: durations in µs (Zipkin wants `minDuration` > 0, and `maxDuration`
 * only with it), the window as `endTs` and `lookback` in ms, tags and "has an error" in
 * `annotationQuery` (`key=value and error`), and always a `limit` (Zipkin's default is 10).
 */
export function zipkinSearchParams(q: SpanQuery, window: TimeWindow, limit: number): Record<string, string> {
  const params: Record<string, string> = {
    endTs: String(window.endMs),
    lookback: String(Math.max(1, window.endMs - window.startMs)),
    limit: String(limit),
  };
  if (q.service !== undefined) params.serviceName = q.service;
  if (q.operation !== undefined) params.spanName = q.operation;
  // Zipkin splits the query at " and " and each term at its first "=": values holding " and " stay local.
  const terms = q.tags.filter(([key, value]) => !`${key}=${value}`.includes(' and ')).map(([key, value]) => `${key}=${value}`);
  if (q.errors) terms.push('error');
  if (terms.length > 0) params.annotationQuery = terms.join(' and ');
  if (q.minDurationMs !== undefined || q.maxDurationMs !== undefined) {
    params.minDuration = String(Math.max(1, Math.floor((q.minDurationMs ?? 0) * 1000)));
    if (q.maxDurationMs !== undefined) params.maxDuration = String(Math.max(Number(params.minDuration), Math.ceil(q.maxDurationMs * 1000)));
  }
  return params;
}

/** Zipkin: whole traces from one search request; lower-case hex ids. */
export function createZipkinBackend({ http }: BackendContext): Backend {
  const decode = (result: HttpResult, payload: unknown): Decoded => {
    try {
      return decodeZipkinJson(payload);
    } catch (error) {
      if (error instanceof InputError) throw new InputError(http.redact(`${result.url}: ${error.message}`), { cause: error });
      throw error;
    }
  };

  return {
    kind: 'zipkin',
    label: http.label,

    async trace(traceId) {
      const result = await http.get({ path: `/api/v2/trace/${traceId.toLowerCase()}`, pass: [404] });
      // Zipkin's 404 is a text body ("Cannot find trace …").
      if (result.status === 404) return null;
      const body = http.json(result);
      if (Array.isArray(body) && body.length === 0) return null;
      if (!isZipkinPayload(body)) throw http.unexpected(result, '[span…]');
      return decode(result, body);
    },

    async search(request: SearchRequest): Promise<SearchResult> {
      const params = zipkinSearchParams(spanQuery(request.filter), request.window, request.limit);
      const result = await http.get({ path: '/api/v2/traces', query: params });
      const body = http.json(result);
      if (Array.isArray(body) && body.length === 0) return { spans: [], warnings: [], truncated: false };
      if (!isZipkinPayload(body)) throw http.unexpected(result, '[[span…]…]');
      const decoded = decode(result, body);
      return { spans: decoded.spans, warnings: decoded.warnings, truncated: byTrace(decoded.spans).size >= request.limit };
    },

    async services() {
      return stringList(http, await http.get({ path: '/api/v2/services' }));
    },

    async operations(service) {
      return stringList(http, await http.get({ path: '/api/v2/spans', query: { serviceName: service } }));
    },
  };
}

function stringList(http: HttpClient, result: HttpResult): string[] {
  const body = http.json(result);
  if (!Array.isArray(body)) throw http.unexpected(result, '["name"…]');
  return body.filter((s): s is string => typeof s === 'string');
}
