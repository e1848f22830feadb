import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  errorMessageOf,
  errorRoots,
  errorTypeOf,
  normalizeMessage,
  traceFailures,
  type ErrorReport,
  type ErrorRootGroup,
} from '../../src/analyze/errors.js';
import { isErrorSpan } from '../../src/model/error-span.js';
import type { Io } from '../../src/io.js';
import { buildTrace } from '../../src/model/build-trace.js';
import type { Attributes, SpanRecord, Trace } from '../../src/model/span.js';
import { loadTraces } from '../../src/pipeline/read.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { BASE_NS, record, sid, type SpanSketch } from '../helpers/spans.js';

/** A sketch that may also carry events: `[name, attributes]`, stamped at the span's end. */
type Sketch = SpanSketch & { events?: [string, Attributes][] };

function toRecord(s: Sketch): SpanRecord {
  const r = record(s);
  const at = BASE_NS + BigInt(Math.round((s.start + s.dur) * 1e6));
  return { ...r, events: (s.events ?? []).map(([name, attributes]) => ({ name, timeNs: at, attributes })) };
}

const trace = (sketches: Sketch[], id = '1'): Trace =>
  buildTrace(id.padStart(32, '0'), sketches.map((s) => toRecord({ ...s, trace: id })));

const exception = (type: string, message: string): [string, Attributes] => ['exception', { 'exception.type': type, 'exception.message': message }];

/** A group as one line: what a reader checks first. */
const brief = (g: ErrorRootGroup): string =>
  `${g.count}× ${g.service} ${g.name} [${g.errorType}] fatal ${g.fatal} absorbed ${g.absorbed}${g.absorbedBy ? ` by ${g.absorbedBy.service} ${g.absorbedBy.name}` : ''}`;

function roleOf(t: Trace, id: string): string | undefined {
  return traceFailures(t).roles.get(sid(id));
}

describe('errorRoots on hand-drawn traces', () => {
  it('finds the origin deep in a chain and follows it to the root', () => {
    // 0    10                               190  200
    // root      |========================================|  gateway SERVER    ✗ 500
    //  call       |====================================|    gateway CLIENT    ✗ 500
    //   ask         |================================|      rag SERVER        ✗ "search timed out"
    //    lookup       |====|                                rag               ok
    //    search              |==================|           store SERVER      ✗ TimeoutError  ← origin
    //     select              |============|                store CLIENT      ok (not a timeout child: ends early)
    // fatal: every ancestor of the origin failed, up to the root
    const t = trace([
      { id: 'r', start: 0, dur: 200, service: 'gateway', name: 'POST /v1/ask', kind: 'server', status: 'error', message: 'upstream 500' },
      { id: 'c', parent: 'r', start: 5, dur: 190, service: 'gateway', name: 'POST /rag/ask', kind: 'client', status: 'error', message: 'HTTP 500' },
      { id: 'a', parent: 'c', start: 10, dur: 180, service: 'rag', name: 'ask', kind: 'server', status: 'error', message: 'search timed out' },
      { id: 'l', parent: 'a', start: 15, dur: 20, service: 'rag', name: 'lookup' },
      { id: 's', parent: 'a', start: 40, dur: 100, service: 'store', name: 'search', kind: 'server', status: 'error', message: 'query took 2000ms', events: [exception('TimeoutError', 'took too long')] },
      { id: 'q', parent: 's', start: 45, dur: 60, service: 'store', name: 'SELECT', kind: 'client' },
    ]);
    const report = errorRoots([t]);
    expect(report).toMatchObject({ traces: 1, failedTraces: 1, errorSpans: 4, originSpans: 1, propagatedSpans: 3, absorbingSpans: 0, groups: 1 });
    const [g] = report.roots;
    expect(brief(g!)).toBe('1× store search [TimeoutError] fatal 1 absorbed 0');
    expect(g!.message).toBe('query took <n>ms');
    expect(g!.sampleMessage).toBe('query took 2000ms');
    expect(g!.chain).toBe('gateway POST /v1/ask → rag ask → store search [TimeoutError]');
    expect(g!.propagatedTo).toEqual([
      { service: 'rag', name: 'ask', count: 1 },
      { service: 'gateway', name: 'POST /rag/ask', count: 1 },
      { service: 'gateway', name: 'POST /v1/ask', count: 1 },
    ]);
    expect(g!.exampleTraceIds).toEqual([t.traceId]);
    // The origin timed out, but its only child ended at 105, long before it gave up at 140: not masked.
    expect(g!.cause).toBe('error');
    expect(roleOf(t, 's')).toBe('origin');
    expect(roleOf(t, 'r')).toBe('propagated');
  });

  it('records a failure a retrying parent absorbed', () => {
    // 0   10        60  70        120  130
    // call |===============================|   llm CLIENT   unset: the retry worked
    //  try1   |========|                       llm          ✗ 429 RateLimitError   ← origin, absorbed by call
    //  try2                |========|          llm          ok
    const t = trace([
      { id: 'c', start: 0, dur: 130, service: 'llm', name: 'complete', kind: 'client' },
      { id: 'a1', parent: 'c', start: 10, dur: 50, service: 'llm', name: 'attempt', status: 'error', message: 'rate limited, retry in 300ms', events: [exception('RateLimitError', 'rate limited')] },
      { id: 'a2', parent: 'c', start: 70, dur: 50, service: 'llm', name: 'attempt', status: 'ok' },
    ]);
    const report = errorRoots([t]);
    expect(report).toMatchObject({ failedTraces: 0, errorSpans: 1, originSpans: 1, absorbingSpans: 1 });
    expect(brief(report.roots[0]!)).toBe('1× llm attempt [RateLimitError] fatal 0 absorbed 1 by llm complete');
    expect(report.roots[0]!.absorbedBy).toEqual({ service: 'llm', name: 'complete', count: 1 });
    expect(report.roots[0]!.propagatedTo).toEqual([]);
    expect(report.roots[0]!.chain).toBe('llm complete (absorbed) → llm attempt [RateLimitError]');
    expect(roleOf(t, 'c')).toBe('absorbed');
  });

  it('keeps two origins of one trace apart and counts both as fatal', () => {
    // 0    10       50  60       100  110
    // root |=================================|   api SERVER   ✗
    //  auth    |=======|                          auth CLIENT  ✗ 503 (HTTP only)   ← origin
    //  db                  |========|             api CLIENT   ✗ DeadlockError      ← origin
    //  cache               |==|                   api          ok
    const t = trace([
      { id: 'r', start: 0, dur: 110, service: 'api', name: 'GET /orders', kind: 'server', status: 'error' },
      { id: 'a', parent: 'r', start: 10, dur: 40, service: 'api', name: 'GET /auth', kind: 'client', attrs: { 'http.response.status_code': 503 } },
      { id: 'd', parent: 'r', start: 60, dur: 40, service: 'api', name: 'UPDATE orders', kind: 'client', status: 'error', attrs: { 'error.type': 'DeadlockError' } },
      { id: 'k', parent: 'r', start: 60, dur: 5, service: 'api', name: 'cache' },
    ]);
    const report = errorRoots([t]);
    expect(report).toMatchObject({ failedTraces: 1, errorSpans: 3, originSpans: 2, propagatedSpans: 1 });
    expect(report.roots.map(brief)).toEqual([
      '1× api GET /auth [HTTP 503] fatal 1 absorbed 0',
      '1× api UPDATE orders [DeadlockError] fatal 1 absorbed 0',
    ]);
    for (const g of report.roots) expect(g.propagatedTo).toEqual([{ service: 'api', name: 'GET /orders', count: 1 }]);
  });

  it('takes a server-side 503 from HTTP attributes alone, as the semantic conventions say', () => {
    // 0   10                 90  100
    // call |======================|    web CLIENT    unset, http.status_code "503" (old name, a Zipkin string)
    //  serve  |================|       api SERVER    unset, http.response.status_code 503   ← origin
    //   find    |====|                 api CLIENT    unset, 404 on a client: an error too... but ok status wins
    const t = trace([
      { id: 'c', start: 0, dur: 100, service: 'web', name: 'GET /api', kind: 'client', attrs: { 'http.status_code': '503' } },
      { id: 's', parent: 'c', start: 10, dur: 80, service: 'api', name: 'GET /items', kind: 'server', attrs: { 'http.response.status_code': 503 } },
      { id: 'f', parent: 's', start: 20, dur: 10, service: 'api', name: 'lookup', kind: 'client', status: 'ok', attrs: { 'http.response.status_code': 404 } },
    ]);
    const report = errorRoots([t]);
    expect(report).toMatchObject({ failedTraces: 1, errorSpans: 2, originSpans: 1 });
    expect(brief(report.roots[0]!)).toBe('1× api GET /items [HTTP 503] fatal 1 absorbed 0');
    expect(report.roots[0]!.message).toBeNull();
    expect(report.roots[0]!.chain).toBe('web GET /api → api GET /items [HTTP 503]');
  });

  it('reads HTTP and gRPC codes per span kind', () => {
    const span = (kind: SpanSketch['kind'], attrs: Attributes, status?: SpanSketch['status']) =>
      trace([{ id: 'x', start: 0, dur: 1, kind, attrs, status }]).spans[0]!;
    // HTTP: 4xx fails a client, not a server; 5xx fails both.
    expect(isErrorSpan(span('client', { 'http.response.status_code': 404 }))).toBe(true);
    expect(isErrorSpan(span('server', { 'http.response.status_code': 404 }))).toBe(false);
    expect(isErrorSpan(span('server', { 'http.status_code': 500 }))).toBe(true);
    expect(isErrorSpan(span('server', { 'http.response.status_code': 308 }))).toBe(false);
    // gRPC: every non-OK code fails a client; a server only on UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS.
    expect(isErrorSpan(span('client', { 'rpc.grpc.status_code': 5 }))).toBe(true);
    expect(isErrorSpan(span('server', { 'rpc.grpc.status_code': 5 }))).toBe(false);
    expect(isErrorSpan(span('server', { 'rpc.grpc.status_code': 14 }))).toBe(true);
    expect(isErrorSpan(span('server', { 'rpc.response.status_code': 'DEADLINE_EXCEEDED' }))).toBe(true);
    expect(isErrorSpan(span('client', { 'rpc.grpc.status_code': 0 }))).toBe(false);
    // An explicit OK is a decision someone made; internal spans have no side to judge from.
    expect(isErrorSpan(span('server', { 'http.response.status_code': 500 }, 'ok'))).toBe(false);
    expect(isErrorSpan(span('internal', { 'http.response.status_code': 500 }))).toBe(false);
    expect(errorTypeOf(span('client', { 'rpc.grpc.status_code': 14 }))).toBe('gRPC UNAVAILABLE');
  });

  it('makes the span that ran until a timeout struck the origin, the caller that gave up propagated (issue 12.7)', () => {
    // 0   10                                    1010 1020
    // call |=========================================|        rag CLIENT    ✗ "deadline exceeded after 1000ms"  ← origin
    //  serve   |=============================================|  store SERVER  unset, still running when the caller gave up
    //   warm     |===|                                          store         ok, ended early: not the cause
    //   select        |=======================================| store CLIENT  unset, ran past the deadline  ← the origin, cause timeout
    const t = trace([
      { id: 'c', start: 0, dur: 1010, service: 'rag', name: 'POST /search', kind: 'client', status: 'error', message: 'deadline exceeded after 1000ms' },
      { id: 's', parent: 'c', start: 10, dur: 1200, service: 'store', name: 'search', kind: 'server' },
      { id: 'w', parent: 's', start: 12, dur: 5, service: 'store', name: 'warm' },
      { id: 'q', parent: 's', start: 20, dur: 1180, service: 'store', name: 'SELECT', kind: 'client' },
    ]);
    const [g] = errorRoots([t]).roots;
    // The error type and message are the caller's: it is the one that said what happened.
    expect(brief(g!)).toBe('1× store SELECT [null] fatal 1 absorbed 0');
    expect(g!.cause).toBe('timeout');
    expect(g!.sampleMessage).toBe('deadline exceeded after 1000ms');
    expect(g!.propagatedTo).toEqual([{ service: 'rag', name: 'POST /search', count: 1 }]);
    expect(g!.chain).toBe('rag POST /search → store SELECT (ran until the timeout)');
  });

  it('names a direct child within 1% of a timed-out parent, and no child that ended early', () => {
    // 0          2000  2010
    // op  |===========|          api  ✗ HTTP 504 (no message)   ← origin
    //  call |========|           api  ok, ends at 1985: within 1% (20ms) of 2000  ← suspect
    const near = trace([
      { id: 'o', start: 0, dur: 2000, service: 'api', name: 'op', kind: 'server', attrs: { 'http.response.status_code': 504 } },
      { id: 'k', parent: 'o', start: 5, dur: 1980, service: 'api', name: 'call' },
    ]);
    expect(errorRoots([near]).roots[0]).toMatchObject({ service: 'api', name: 'call', cause: 'timeout', errorType: 'HTTP 504' });
    // The same child ending at 1900 did not hold the parent up to its deadline.
    const early = trace([
      { id: 'o', start: 0, dur: 2000, service: 'api', name: 'op', kind: 'server', attrs: { 'http.response.status_code': 504 } },
      { id: 'k', parent: 'o', start: 5, dur: 1895, service: 'api', name: 'call' },
    ]);
    expect(errorRoots([early]).roots[0]).toMatchObject({ name: 'op', cause: 'error' });
    // Not a timeout at all: no suspect even though the child ran to the end.
    const notTimeout = trace([
      { id: 'o', start: 0, dur: 2000, service: 'api', name: 'op', status: 'error', message: 'bad input' },
      { id: 'k', parent: 'o', start: 5, dur: 1995, service: 'api', name: 'call' },
    ]);
    expect(errorRoots([notTimeout]).roots[0]).toMatchObject({ name: 'op', cause: 'error' });
  });

  it('groups messages that differ only by numbers, ids and quoted values', () => {
    // Two traces, one failing span each:
    // t1: db ✗ "timeout after 2000ms on conn 10.0.0.7:5432 for req 3f2a9c1e-1b2c-4d5e-8f90-123456789abc"
    // t2: db ✗ "timeout after 1500ms on conn 10.0.0.9:5432 for req 0e8400aa-e29b-41d4-a716-446655440000"
    // t3: db ✗ "pool 'main' is exhausted"   — a different message, a group of its own
    const failing = (id: string, message: string, start: number): Trace =>
      trace([{ id: 'q', start, dur: 10, service: 'db', name: 'query', kind: 'client', status: 'error', message }], id);
    const t1 = failing('1', 'timeout after 2000ms on conn 10.0.0.7:5432 for req 3f2a9c1e-1b2c-4d5e-8f90-123456789abc', 0);
    const t2 = failing('2', 'timeout after 1500ms on conn 10.0.0.9:5432 for req 0e8400aa-e29b-41d4-a716-446655440000', 100);
    const t3 = failing('3', "pool 'main' is exhausted", 200);
    // Given newest first, examples still list the earliest trace first.
    const report = errorRoots([t3, t2, t1]);
    expect(report.roots.map((g) => [g.count, g.message])).toEqual([
      [2, 'timeout after <n>ms on conn <ip> for req <id>'],
      [1, "pool '<v>' is exhausted"],
    ]);
    expect(report.roots[0]!.exampleTraceIds).toEqual([t1.traceId, t2.traceId]);
    expect(report.roots[0]!.sampleMessage).toBe('timeout after 2000ms on conn 10.0.0.7:5432 for req 3f2a9c1e-1b2c-4d5e-8f90-123456789abc');
    expect(report.roots[0]!.tracesAffected).toBe(2);
  });

  it('lets a failure pass through an unset span of the failing service, but not through an OK one', () => {
    // 0   10                     90 100
    // place |=========================|   checkout SERVER  ✗ "cart failure"
    //  prepare |=================|        checkout         unset: returned the error without recording it (relayed)
    //   getcart  |=======|                checkout CLIENT  ✗ UNAVAILABLE   ← origin, fatal
    const relayed = trace([
      { id: 'p', start: 0, dur: 100, service: 'checkout', name: 'PlaceOrder', kind: 'server', status: 'error', message: 'cart failure' },
      { id: 'r', parent: 'p', start: 10, dur: 80, service: 'checkout', name: 'prepare' },
      { id: 'g', parent: 'r', start: 20, dur: 30, service: 'checkout', name: 'GetCart', kind: 'client', attrs: { 'rpc.grpc.status_code': 14 } },
    ]);
    const [g] = errorRoots([relayed]).roots;
    expect(brief(g!)).toBe('1× checkout GetCart [gRPC UNAVAILABLE] fatal 1 absorbed 0');
    expect(g!.propagatedTo).toEqual([{ service: 'checkout', name: 'PlaceOrder', count: 1 }]);
    expect(roleOf(relayed, 'r')).toBe('relayed');

    // The same shape with `prepare` explicitly OK: it handled the failure; PlaceOrder failed for
    // its own reasons, which DESIGN.md's definition cannot attribute (it has an error descendant).
    const handled = trace([
      { id: 'p', start: 0, dur: 100, service: 'checkout', name: 'PlaceOrder', kind: 'server', status: 'error' },
      { id: 'r', parent: 'p', start: 10, dur: 80, service: 'checkout', name: 'prepare', status: 'ok' },
      { id: 'g', parent: 'r', start: 20, dur: 30, service: 'checkout', name: 'GetCart', kind: 'client', attrs: { 'rpc.grpc.status_code': 14 } },
    ]);
    expect(brief(errorRoots([handled]).roots[0]!)).toBe('1× checkout GetCart [gRPC UNAVAILABLE] fatal 0 absorbed 1 by checkout prepare');
    expect(roleOf(handled, 'r')).toBe('absorbed');
  });

  it('calls a failure that tops out in an orphan subtree detached', () => {
    // main  |=====|            ok
    // orphan        |=====|    ✗  parent "zz" is not in the trace
    const t = trace([
      { id: 'm', start: 0, dur: 40, name: 'main' },
      { id: 'o', parent: 'zz', start: 50, dur: 50, name: 'orphan', status: 'error', message: 'boom' },
    ]);
    const report = errorRoots([t]);
    expect(report.failedTraces).toBe(0);
    expect(report.roots[0]).toMatchObject({ count: 1, fatal: 0, absorbed: 0, detached: 1 });
  });

  it('limits the groups it returns but counts them all, and has nothing to say about clean traces', () => {
    const t = trace([
      { id: 'r', start: 0, dur: 100, name: 'root', status: 'error' },
      { id: 'a', parent: 'r', start: 10, dur: 10, name: 'a', status: 'error' },
      { id: 'b', parent: 'r', start: 30, dur: 10, name: 'b', status: 'error' },
    ]);
    const limited = errorRoots([t], { limit: 1 });
    expect(limited.groups).toBe(2);
    expect(limited.roots).toHaveLength(1);
    const clean = errorRoots([trace([{ id: 'r', start: 0, dur: 10 }])]);
    expect(clean).toEqual({ traces: 1, failedTraces: 0, errorSpans: 0, originSpans: 0, propagatedSpans: 0, absorbingSpans: 0, groups: 0, roots: [] } satisfies ErrorReport);
  });

  it('does not modify the traces it reads', () => {
    const t = trace([
      { id: 'r', start: 0, dur: 100, status: 'error' },
      { id: 'a', parent: 'r', start: 10, dur: 90, status: 'error', message: 'deadline exceeded' },
      { id: 'b', parent: 'a', start: 20, dur: 80 },
    ]);
    const before = JSON.stringify(t, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Map || v instanceof Set ? [...v] : v));
    errorRoots([t]);
    traceFailures(t);
    const after = JSON.stringify(t, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Map || v instanceof Set ? [...v] : v));
    expect(after).toBe(before);
  });
});

describe('describing an error', () => {
  const one = (s: Partial<Sketch>) => trace([{ id: 'x', start: 0, dur: 1, ...s }]).spans[0]!;

  it('takes the type from the exception event, then error.type, then the protocol status', () => {
    expect(errorTypeOf(one({ status: 'error', attrs: { 'error.type': 'Outer' }, events: [exception('Inner', 'm')] }))).toBe('Inner');
    expect(errorTypeOf(one({ status: 'error', attrs: { 'error.type': 'Outer', 'http.response.status_code': 500 }, kind: 'server' }))).toBe('Outer');
    expect(errorTypeOf(one({ status: 'error', kind: 'client', attrs: { 'http.response.status_code': 504 } }))).toBe('HTTP 504');
    expect(errorTypeOf(one({ status: 'error', events: [['error', { 'error.kind': 'IOError', message: 'eof' }]] }))).toBe('IOError');
    expect(errorTypeOf(one({ status: 'error' }))).toBeNull();
  });

  it('takes the message from the status, then the exception, then an OpenTracing error log', () => {
    expect(errorMessageOf(one({ status: 'error', message: 'status says', events: [exception('E', 'exception says')] }))).toBe('status says');
    expect(errorMessageOf(one({ status: 'error', events: [exception('E', 'exception says')] }))).toBe('exception says');
    expect(errorMessageOf(one({ status: 'error', events: [['error', { 'error.object': 'log says' }]] }))).toBe('log says');
    expect(errorMessageOf(one({ status: 'error' }))).toBeNull();
  });

  it.each([
    ['timeout after 2000ms', 'timeout after <n>ms'],
    ["timed out waiting for pool 'pg-main'", "timed out waiting for pool '<v>'"],
    ['trace 4bf92f3577b34da6a3ce929d0e0e4736 at 2024-10-30T12:24:19.178Z', 'trace <id> at <time>'],
    ['object at 0x739d97391730', 'object at <id>'],
    ['connect ECONNREFUSED 172.25.0.9:7070', 'connect ECONNREFUSED <ip>'],
    ['/api/products/OLJCESPC7Z not found', '/api/products/<id> not found'],
    ['utf8 x86_64 v1.2.3 sha256', 'utf8 x86_64 v1.2.3 sha256'],
    ['desc = "transport: dial tcp: lookup cart on 127.0.0.11:53"', 'desc = "transport: dial tcp: lookup cart on <ip>"'],
  ])('normalizes %j', (input, expected) => {
    expect(normalizeMessage(input)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------
// Demo and real fixtures
// ---------------------------------------------------------------------------------------

const io = { cwd: REPO_ROOT, env: {} } as unknown as Io;
const load = async (file: string): Promise<Trace[]> => (await loadTraces([file], io)).value;

interface Manifest {
  traceCount: number;
  failedTraces: number;
  errorSpans: number;
  absorbedErrors: number;
  errorOrigins: { service: string; name: string; count: number; failedTraces: number; absorbed: number }[];
}
const manifest = JSON.parse(readFileSync(new URL('../../fixtures/demo/manifest.json', import.meta.url), 'utf8')) as Manifest;

/** Groups summed by service and operation: the manifest does not split by type or message. */
function byOperation(report: ErrorReport) {
  const sums = new Map<string, { service: string; name: string; count: number; failedTraces: number; absorbed: number }>();
  for (const g of report.roots) {
    const key = `${g.service} ${g.name}`;
    const s = sums.get(key) ?? { service: g.service, name: g.name, count: 0, failedTraces: 0, absorbed: 0 };
    s.count += g.count;
    s.failedTraces += g.fatal;
    s.absorbed += g.absorbed;
    sums.set(key, s);
  }
  return [...sums.values()].sort((a, b) => b.count - a.count || a.service.localeCompare(b.service));
}

describe('errorRoots on the demo', () => {
  it('finds the origins the generator planted, with their fates', async () => {
    const report = errorRoots(await load('fixtures/demo/llm-gateway.otlp.jsonl'));
    expect(report).toMatchObject({ traces: manifest.traceCount, failedTraces: manifest.failedTraces, errorSpans: manifest.errorSpans });
    const expected = [...manifest.errorOrigins].sort((a, b) => b.count - a.count || a.service.localeCompare(b.service));
    expect(byOperation(report)).toEqual(expected);
    expect(report.roots.reduce((n, g) => n + g.absorbed, 0)).toBe(manifest.absorbedErrors);
    expect(report.roots.every((g) => g.detached === 0)).toBe(true);

    const timeout = report.roots.find((g) => g.service === 'vector-store')!;
    expect(timeout).toMatchObject({ count: 4, errorType: 'TimeoutError', fatal: 4, absorbedBy: null, cause: 'error' });
    expect(timeout.message).toBe("timed out after <n>ms waiting for a connection from pool '<v>'");
    expect(timeout.chain).toBe('gateway POST /v1/ask → rag-service ask → vector-store search [TimeoutError]');
    expect(timeout.propagatedTo.map((p) => `${p.service} ${p.name} ${p.count}`)).toEqual([
      'rag-service POST /search 4',
      'rag-service ask 4',
      'gateway POST /rag/ask 4',
      'gateway POST /v1/ask 4',
    ]);
    const rerank = report.roots.find((g) => g.service === 'reranker')!;
    expect(rerank.absorbedBy).toEqual({ service: 'rag-service', name: 'ask', count: 3 });
    expect(rerank.chain).toBe('rag-service ask (absorbed) → reranker rerank [ModelOverloadedError]');
  });

  it('gives the same answer from the OTLP, Jaeger and Zipkin files', async () => {
    const [otlp, jaeger, zipkin] = await Promise.all(
      ['llm-gateway.otlp.jsonl', 'llm-gateway.jaeger.json', 'llm-gateway.zipkin.json'].map(async (f) => errorRoots(await load(`fixtures/demo/${f}`))),
    );
    expect(jaeger).toEqual(otlp);
    expect(zipkin).toEqual(otlp);
  });
});

describe('which origin came first (issue 12.6)', () => {
  it('ranks equal groups by the origin that started first, not by name (Jaeger sibling errors)', () => {
    // As in Jaeger's sibling-errors case: two siblings fail under one root, the payment call
    // first (+22 ms), the email call later (+122 ms). Alphabetically "email" would lead.
    // 0    22   40       122  140     200
    // root |=================================|  frontend  ✗
    //  charge |===|                            payment   ✗ card declined
    //  email           |====|                  email     ✗ smtp down
    const t = trace([
      { id: 'r', start: 0, dur: 200, service: 'frontend', name: 'PlaceOrder', kind: 'server', status: 'error', message: 'order failed' },
      { id: 'e', parent: 'r', start: 122, dur: 18, service: 'email', name: 'SendOrderConfirmation', kind: 'server', status: 'error', message: 'smtp down' },
      { id: 'p', parent: 'r', start: 22, dur: 18, service: 'payment', name: 'Charge', kind: 'server', status: 'error', message: 'card declined' },
    ]);
    const report = errorRoots([t]);
    expect(report.roots.map((g) => `${g.service} ${g.name}`)).toEqual(['payment Charge', 'email SendOrderConfirmation']);
    expect(traceFailures(t).failures.map((f) => f.origin.name)).toEqual(['Charge', 'SendOrderConfirmation']);
  });
});

describe('errorRoots on real traces', () => {
  it('HotROD: three failed redis GetDriver calls, absorbed by the driver service', async () => {
    const report = errorRoots(await load('fixtures/otlp/hotrod-dispatch.json'));
    expect(report).toMatchObject({ traces: 1, failedTraces: 0, errorSpans: 3, originSpans: 3, propagatedSpans: 0, absorbingSpans: 1 });
    expect(report.roots).toHaveLength(1);
    const [g] = report.roots;
    expect(brief(g!)).toBe('3× redis-manual GetDriver [*errors.errorString] fatal 0 absorbed 3 by driver driver.DriverService/FindNearest');
    expect(g!.message).toBe('An error occurred');
    expect(g!.propagatedTo).toEqual([]);
    // "redis timeout" (the exception message) makes it a timeout, but GetDriver has no child to blame.
    expect(g!.cause).toBe('error');
  });

  it('Zipkin Kafka: three failed message handlers, one with an empty error tag', async () => {
    const report = errorRoots(await load('fixtures/zipkin/messaging-kafka.json'));
    expect(report).toMatchObject({ errorSpans: 3, originSpans: 3, failedTraces: 0 });
    expect(report.roots.map((g) => [g.count, g.message, g.absorbedBy?.name])).toEqual([
      [2, 'some error', 'poll'],
      [1, null, 'poll'],
    ]);
    expect(report.roots.every((g) => g.service === 'serviceb' && g.name === 'on-message' && g.errorType === null)).toBe(true);
  });

  it('OpenTelemetry Demo: every origin reaches the root once proxy spans count their HTTP 500s', async () => {
    const traces = await load('fixtures/otlp/otel-demo-collector-export.jsonl');
    const byStatus = traces.reduce((n, t) => n + t.spans.filter((s) => s.status === 'error').length, 0);
    expect(byStatus).toBe(107);
    const report = errorRoots(traces);
    // 40 frontend-proxy (Envoy) spans carry HTTP 500 with an unset status: 20 ingress SERVER, 20 egress CLIENT.
    expect(report).toMatchObject({ traces: 141, failedTraces: 59, errorSpans: 147, originSpans: 59, propagatedSpans: 88, absorbingSpans: 0, groups: 13 });
    expect(report.roots.every((g) => g.fatal === g.count)).toBe(true);
    expect(byOperation(report).map((o) => `${o.count} ${o.service} ${o.name}`)).toEqual([
      '15 frontend POST',
      '13 loadgenerator GET',
      '11 frontend grpc.oteldemo.CartService/AddItem',
      '6 loadgenerator POST',
      '5 frontend GET',
      '4 checkoutservice oteldemo.CartService/GetCart',
      '3 frontend grpc.oteldemo.CartService/GetCart',
      '2 frontend grpc.oteldemo.AdService/GetAds',
    ]);
    const post = report.roots[0]!;
    expect(post).toMatchObject({ service: 'frontend', name: 'POST', count: 15, errorType: 'HTTP 500', message: null });
    expect(post.chain).toBe('loadgenerator POST → frontend-proxy ingress → frontend POST [HTTP 500]');
    const getCart = report.roots.find((g) => g.service === 'checkoutservice')!;
    expect(getCart.errorType).toBe('gRPC UNAVAILABLE');
    expect(getCart.chain).toBe('frontend HTTP POST → checkoutservice oteldemo.CheckoutService/PlaceOrder → checkoutservice oteldemo.CartService/GetCart [gRPC UNAVAILABLE]');
    expect(getCart.propagatedTo.map((p) => p.name)).toEqual(['oteldemo.CheckoutService/PlaceOrder', 'grpc.oteldemo.CheckoutService/PlaceOrder', 'HTTP POST']);
  });

  /*
   * CRISP's test case 18 (uber-research/CRISP test_cases/18.json), worked out by hand; its
   * error tags are `true` on O2 and "ClientSideError" on O4, O5, O8 and O9, which CRISP and
   * jaeger-ui read as errors:
   *   O1 S1 |=========================|          root, no error
   *   O2 S2  |==========|✗                        error: true
   *   O3 S3    |=|
   *   O4 S4      |=|✗                             ClientSideError  → origin, via O2, absorbed by O1
   *   O5 S5        |=|✗                           ClientSideError  → origin, via O2, absorbed by O1
   *   O6 S6              |==========|
   *   O7 S7                |======|
   *   O8 S8                 |==|✗                 ClientSideError  → origin, absorbed by O7
   *   O9 S9                    |=|✗               ClientSideError  → origin, absorbed by O7
   * 5 error spans, 4 origins, O2 propagated; the root did not fail.
   */
  it('CRISP: four origins below two spans that absorbed them', async () => {
    const report = errorRoots(await load('fixtures/jaeger/crisp-18.json'));
    expect(report).toMatchObject({ errorSpans: 5, originSpans: 4, propagatedSpans: 1, failedTraces: 0 });
    expect(report.roots.map(brief).sort()).toEqual([
      '1× S4 O4 [ClientSideError] fatal 0 absorbed 1 by S1 O1',
      '1× S5 O5 [ClientSideError] fatal 0 absorbed 1 by S1 O1',
      '1× S8 O8 [ClientSideError] fatal 0 absorbed 1 by S7 O7',
      '1× S9 O9 [ClientSideError] fatal 0 absorbed 1 by S7 O7',
    ]);
  });
});
