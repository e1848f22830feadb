import { plural } from '../../model/text.js';
import { InputError } from '../../model/errors.js';
import type { Decoded } from '../../formats/decoder.js';
import { isRecord } from '../../formats/json-values.js';
import { decodeOtlpJson, isOtlpPayload } from '../../formats/otlp-json.js';
import { decodeOtlpProtobuf } from '../../formats/otlp-proto.js';
import type { SpanRecord } from '../../model/span.js';
import { settleAll, type Backend, type BackendContext, type SearchRequest, type SearchResult } from './backend.js';
import type { TimeWindow } from './config.js';
import type { HttpClient, HttpResult } from './http.js';
import { buildTraceql, serviceScope } from './traceql.js';
import { pushAll } from '../../model/arrays.js';

/** One trace of a `/api/search` answer. */
export interface TempoHit {
  /** 32 hex digits (Tempo trims leading zeros; they are put back). */
  traceId: string;
  startMs: number;
  /** Tempo's own trace duration (every span, async followers too), whole ms. */
  durationMs: number;
}

/** The query string of `/api/search`: TraceQL, the window in epoch seconds, the limit. */
export function tempoSearchParams(q: string, window: TimeWindow, limit: number): Record<string, string> {
  return {
    q,
    start: String(Math.floor(window.startMs / 1000)),
    end: String(Math.ceil(window.endMs / 1000)),
    limit: String(limit),
    // Spans per span set: tracectl reads whole traces, the matched spans are not needed.
    spss: '1',
  };
}

/** How many narrowing searches `--slow`/newest ranking may make when the first one hit the limit. */
const NARROWING_ROUNDS = 4;

/**
 * Grafana Tempo: TraceQL search for ids, then each trace by id, concurrently.
 *
 * Tempo's search answers with the first traces it finds, not the slowest nor the newest.
 * When a command shows only the top N (`find --slow N`, `find`'s newest N), the search's
 * summaries (start, duration) pick which traces to fetch, in Tempo's order, until no
 * unfetched trace can beat the Nth one tracectl keeps. When the search hit the limit, the
 * query is narrowed until its answer is complete: `traceDuration >=` a bound (or a later
 * window start), first from Tempo's summaries, then checked against the durations tracectl
 * measured — Tempo's count asynchronous followers that tracectl's leave out, so its bound
 * may be too high and is then relaxed. The top N is then exact; if narrowing cannot make the
 * answer complete, the result says it was truncated.
 */
export function createTempoBackend({ http, config, progress }: BackendContext): Backend {
  const accept = config.protobuf ? 'application/protobuf' : 'application/json';
  /**
   * Which trace-by-id endpoint this Tempo has: `/api/v2/traces` (2.6 and later) or only
   * `/api/traces`. Until an answer settles it, fetches go one at a time: v2 first, v1 on a 404.
   */
  let api: 'unknown' | 'v2' | 'v1' = 'unknown';
  let probing: Promise<void> | undefined;

  const fetchTrace = async (traceId: string): Promise<Decoded | null> => {
    while (api === 'unknown' && probing !== undefined) await probing;
    if (api === 'unknown') {
      let settle = (): void => undefined;
      probing = new Promise((resolve) => (settle = resolve));
      try {
        const v2 = await http.get({ path: `/api/v2/traces/${traceId}`, accept, pass: [404] });
        if (v2.status !== 404) {
          api = 'v2';
          return decodeTrace(http, v2, 'v2');
        }
        const v1 = await http.get({ path: `/api/traces/${traceId}`, accept, pass: [404] });
        if (v1.status === 404) return null;
        api = 'v1';
        return decodeTrace(http, v1, 'v1');
      } finally {
        probing = undefined;
        settle();
      }
    }
    const path = api === 'v2' ? `/api/v2/traces/${traceId}` : `/api/traces/${traceId}`;
    const result = await http.get({ path, accept, pass: [404] });
    return result.status === 404 ? null : decodeTrace(http, result, api);
  };

  /** One search; ids that are no trace id (not 1-32 hex digits) are skipped and added to `invalid`. */
  const searchOnce = async (q: string, window: TimeWindow, limit: number, invalid: Set<string>): Promise<{ hits: TempoHit[]; truncated: boolean }> => {
    const result = await http.get({ path: '/api/search', query: tempoSearchParams(q, window, limit) });
    const body = http.json(result);
    if (!isRecord(body) || !(Array.isArray(body.traces) || body.traces === undefined)) throw http.unexpected(result, '{"traces": […], "metrics": {…}}');
    const hits = (Array.isArray(body.traces) ? body.traces : []).flatMap((t): TempoHit[] => {
      if (!isRecord(t)) return [];
      if (typeof t.traceID !== 'string' || !/^[0-9a-fA-F]{1,32}$/.test(t.traceID)) {
        invalid.add(typeof t.traceID === 'string' ? t.traceID : JSON.stringify(t.traceID ?? null));
        return [];
      }
      return [{ traceId: t.traceID.toLowerCase().padStart(32, '0'), startMs: nanosToMs(t.startTimeUnixNano), durationMs: Number(t.durationMs ?? 0) || 0 }];
    });
    // Counted before the skipping: Tempo stopped at `limit` results, valid or not.
    const listed = Array.isArray(body.traces) ? body.traces.length : 0;
    return { hits, truncated: listed >= limit };
  };

  return {
    kind: 'tempo',
    label: http.label,

    async trace(traceId) {
      return fetchTrace(traceId.padStart(32, '0'));
    },

    async search(request: SearchRequest): Promise<SearchResult> {
      const { filter, rank, limit } = request;
      const warnings: string[] = [];
      /** Every trace fetched, with tracectl's verdict: its ranking score, or null when the local filter drops it. */
      const fetched = new Map<string, { spans: SpanRecord[]; score: number | null }>();
      const counter = { done: 0, total: 0 };

      /** Fetches traces concurrently (the HTTP layer bounds how many at once), with progress. */
      const fetchMany = async (ids: readonly string[]): Promise<void> => {
        counter.total = Math.max(counter.total, counter.done + ids.length);
        const failed = await settleAll(
          ids,
          async (id) => {
            const decoded = await fetchTrace(id);
            progress.update(`fetched ${++counter.done}/${counter.total} traces`);
            if (decoded === null) {
              warnings.push(`trace ${id} was in the search results but is not there any more; skipped`);
              fetched.set(id, { spans: [], score: null });
              return;
            }
            for (const w of decoded.warnings) warnings.push(`trace ${id}: ${w}`);
            const verdict = rank && decoded.spans.length > 0 ? request.judge(decoded.spans) : null;
            fetched.set(id, { spans: decoded.spans, score: verdict === null ? null : rank!.by === 'slowest' ? verdict.durationMs : verdict.startMs });
          },
          'traces',
          config.allowPartial === true,
        );
        pushAll(warnings, failed);
        // With --allow-partial, a trace that could not be fetched counts as asked for, so ranking does not ask again.
        for (const id of ids) if (!fetched.has(id)) fetched.set(id, { spans: [], score: null });
      };
      const invalid = new Set<string>();
      const done = (truncated: boolean): SearchResult => {
        if (invalid.size > 0) warnings.push(invalidIdsWarning(invalid));
        return { spans: [...fetched.values()].flatMap((f) => f.spans), warnings, truncated };
      };

      let window = request.window;
      let { hits, truncated } = await searchOnce(buildTraceql(filter), window, limit, invalid);
      if (!rank) {
        await fetchMany(hits.map((h) => h.traceId));
        return done(truncated);
      }

      const key = (h: TempoHit): number => (rank.by === 'slowest' ? h.durationMs : h.startMs);
      /**
       * Fetches `pool` in Tempo's order until `rank.count` traces pass the local filter and no
       * unfetched one can beat the last of them. Tempo's duration spans every span (async
       * followers too) and is rounded down, so tracectl's is at most Tempo's + 1 ms; starts agree.
       * Returns the score of the Nth trace kept, if there are that many.
       */
      const fetchBest = async (pool: readonly TempoHit[]): Promise<number | undefined> => {
        const ordered = [...pool].sort((a, b) => key(b) - key(a) || (a.traceId < b.traceId ? -1 : 1));
        for (;;) {
          const kept = [...fetched.values()].flatMap((f) => (f.score === null ? [] : [f.score])).sort((a, b) => b - a);
          const nth = kept[rank.count - 1];
          const unfetched = ordered.filter((h) => !fetched.has(h.traceId));
          if (unfetched.length === 0) return nth;
          if (nth !== undefined && nth >= key(unfetched[0]!) + 1) return nth;
          await fetchMany(unfetched.slice(0, Math.max(1, rank.count - kept.length)).map((h) => h.traceId));
        }
      };

      // The search stops at --max-traces, so the traces that make the cut may be missing from
      // its answer. Narrow it: first with Tempo's own summaries (cheap: no trace is fetched), to
      // traces at least as slow (or recent) as the Nth in the answer; then check the bound
      // against what tracectl measured, relaxing it when Tempo's durations ran long.
      const boundFor = (score: number): number => (rank.by === 'slowest' ? Math.floor(score) : Math.floor(score / 1000) * 1000);
      let bound = -Infinity;
      const narrow = async (to: number): Promise<void> => {
        bound = to;
        if (rank.by === 'slowest') {
          ({ hits, truncated } = await searchOnce(buildTraceql(filter, to === -Infinity ? {} : { minTraceDurationMs: to }), window, limit, invalid));
        } else {
          window = { startMs: Math.max(request.window.startMs, to), endMs: request.window.endMs };
          ({ hits, truncated } = await searchOnce(buildTraceql(filter), window, limit, invalid));
        }
      };
      for (let round = 0; truncated && round < NARROWING_ROUNDS; round++) {
        const pivot = [...hits].map(key).sort((a, b) => b - a)[rank.count - 1];
        if (pivot === undefined || boundFor(pivot) <= bound) break;
        await narrow(boundFor(pivot));
      }
      for (let round = 0; round < NARROWING_ROUNDS; round++) {
        const nth = await fetchBest(hits);
        // Exact: the answer is complete, and everything that could rank above the Nth was asked for.
        if (!truncated && (bound === -Infinity || (nth !== undefined && boundFor(nth) >= bound))) return done(false);
        if (nth === undefined) {
          if (bound === -Infinity) break;
          await narrow(-Infinity);
          continue;
        }
        if (truncated && boundFor(nth) <= bound) break;
        await narrow(boundFor(nth));
      }
      return done(true);
    },

    async services(window) {
      const range = { start: Math.floor(window.startMs / 1000), end: Math.ceil(window.endMs / 1000) };
      const v2 = await http.get({ path: '/api/v2/search/tag/resource.service.name/values', query: range, pass: [404] });
      if (v2.status !== 404) return tagValues(http, v2);
      const v1 = await http.get({ path: '/api/search/tag/service.name/values', query: range });
      return tagValues(http, v1);
    },

    async operations(service, window) {
      const query = { q: serviceScope(service), start: Math.floor(window.startMs / 1000), end: Math.ceil(window.endMs / 1000) };
      const v2 = await http.get({ path: '/api/v2/search/tag/name/values', query, pass: [404] });
      if (v2.status === 404) {
        throw new InputError(`${http.label} has no /api/v2/search/tag API, which lists the operations of one service (Tempo 2.0 or later)`);
      }
      return tagValues(http, v2);
    },
  };
}

/**
 * A trace-by-id answer in JSON or protobuf, whichever Tempo sent (it may ignore `Accept`);
 * null for a trace without spans: Tempo 2.7 and later answer a missing trace on v2 with 200
 * and an empty trace rather than 404.
 */
function decodeTrace(http: HttpClient, result: HttpResult, api: 'v1' | 'v2'): Decoded | null {
  const decoded = decodeTraceBody(http, result, api);
  return decoded === null || decoded.spans.length === 0 ? null : decoded;
}

function decodeTraceBody(http: HttpClient, result: HttpResult, api: 'v1' | 'v2'): Decoded | null {
  const looksJson = /json/i.test(result.contentType) || (!/protobuf/i.test(result.contentType) && /^\s*[{[]/.test(result.body.subarray(0, 16).toString('latin1')));
  try {
    if (looksJson) {
      const body = http.json(result);
      if (!isOtlpPayload(body)) {
        if (isRecord(body) && (body.trace === undefined || (isRecord(body.trace) && Object.keys(body.trace).length === 0))) return null;
        throw http.unexpected(result, '{"trace": {"resourceSpans": …}} or {"batches": …}');
      }
      return decodeOtlpJson(body);
    }
    if (result.body.length === 0) return null;
    if (api === 'v1') return decodeOtlpProtobuf(result.body);
    const envelope = unwrapTraceByIdResponse(result.body);
    const decoded = decodeOtlpProtobuf(envelope.trace);
    if (envelope.partial) {
      decoded.warnings.push(`the backend marked the trace PARTIAL, some spans may be missing${envelope.message === '' ? '' : `: ${envelope.message}`}`);
    }
    return decoded;
  } catch (error) {
    if (error instanceof InputError && !error.message.startsWith(result.url)) {
      throw new InputError(http.redact(`${result.url}: ${error.message}`), { cause: error });
    }
    throw error;
  }
}

/**
 * Tempo's `TraceByIDResponse` (the v2 protobuf answer) is `{ Trace trace = 1; … PartialStatus
 * status = 3; string message = 4; }`, and `Trace` is wire-identical to OTLP `TracesData`:
 * this reads the envelope and hands the trace's bytes to the OTLP protobuf decoder.
 */
export function unwrapTraceByIdResponse(bytes: Uint8Array): { trace: Uint8Array; partial: boolean; message: string } {
  const corrupt = (): InputError => new InputError('not a valid Tempo TraceByIDResponse protobuf: the data is truncated or corrupt');
  const parts: Uint8Array[] = [];
  let partial = false;
  let message = '';
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (pos >= bytes.length) throw corrupt();
      const b = bytes[pos++]!;
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    throw corrupt();
  };
  while (pos < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) {
      const value = varint();
      if (field === 3) partial = value === 1;
    } else if (wire === 2) {
      const length = varint();
      if (pos + length > bytes.length) throw corrupt();
      const slice = bytes.subarray(pos, pos + length);
      pos += length;
      if (field === 1) parts.push(slice);
      else if (field === 4) message = Buffer.from(slice).toString('utf8');
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw corrupt();
  }
  if (pos > bytes.length) throw corrupt();
  // Repeated occurrences of an embedded message merge: their bytes concatenate.
  return { trace: parts.length === 1 ? parts[0]! : Buffer.concat(parts), partial, message };
}

/** `/api/v2/search/tag/…/values` (`{tagValues: [{type, value}]}`) or v1's (`{tagValues: [string]}`). */
function tagValues(http: HttpClient, result: HttpResult): string[] {
  const body = http.json(result);
  if (!isRecord(body) || !(Array.isArray(body.tagValues) || body.tagValues === undefined)) throw http.unexpected(result, '{"tagValues": […]}');
  const values = (Array.isArray(body.tagValues) ? body.tagValues : []).map((v) => (typeof v === 'string' ? v : isRecord(v) && typeof v.value === 'string' ? v.value : ''));
  return [...new Set(values.filter((v) => v !== ''))];
}

function nanosToMs(x: unknown): number {
  if (typeof x === 'string' && /^\d+$/.test(x)) return Number(BigInt(x) / 1_000_000n);
  if (typeof x === 'number' && Number.isFinite(x)) return Math.floor(x / 1e6);
  return 0;
}

/** The search results whose trace id was not one, named (the first three, shortened) in one warning. */
function invalidIdsWarning(invalid: ReadonlySet<string>): string {
  const shown = [...invalid].slice(0, 3).map((id) => JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id));
  const more = invalid.size > 3 ? ` and ${invalid.size - 3} more` : '';
  return `skipped ${plural(invalid.size, 'search result')} whose trace id is not 1-32 hex digits: ${shown.join(', ')}${more}`;
}
