import { describe, expect, it } from 'vitest';
import { parseCondition, type TraceFilter } from '../../../src/model/query.js';
import { InputError, UsageError } from '../../../src/model/errors.js';
import { parseBackendSpec, parseHeader, parseTimeOption } from '../../../src/sources/backends/config.js';
import { jaegerV1SearchParams, jaegerV3SearchParams, type JaegerSearch } from '../../../src/sources/backends/jaeger.js';
import { goDuration, spanQuery } from '../../../src/sources/backends/pushdown.js';
import { tempoSearchParams, unwrapTraceByIdResponse } from '../../../src/sources/backends/tempo.js';
import { buildTraceql, serviceScope, traceqlAttribute, traceqlString } from '../../../src/sources/backends/traceql.js';
import { zipkinSearchParams } from '../../../src/sources/backends/zipkin.js';

const filter = (f: Partial<TraceFilter> & { whereText?: string[] } = {}): TraceFilter => {
  const { whereText, ...rest } = f;
  return { where: (whereText ?? []).map(parseCondition), ...rest };
};

const window = { startMs: Date.parse('2026-11-01T10:00:00.250Z'), endMs: Date.parse('2026-11-01T11:00:00.750Z') };

describe('TraceQL', () => {
  it('puts span-level conditions in one spanset, errors and duration in their own', () => {
    expect(buildTraceql(filter())).toBe('{}');
    expect(buildTraceql(filter({ service: 'gateway', operation: 'POST /v1/ask', errors: true, minDurationMs: 2000, maxDurationMs: 9000 }))).toBe(
      '{ resource.service.name = "gateway" && name = "POST /v1/ask" } && { status = error } && { traceDuration >= 2000ms }',
    );
    expect(buildTraceql(filter({ minDurationMs: 1.5 }))).toBe('{ traceDuration >= 1500us }');
  });

  it('pushes a tighter duration bound when asked (the --slow narrowing)', () => {
    expect(buildTraceql(filter({ minDurationMs: 500 }), { minTraceDurationMs: 8000 })).toBe('{ traceDuration >= 8000ms }');
    expect(buildTraceql(filter({ minDurationMs: 9000 }), { minTraceDurationMs: 8000 })).toBe('{ traceDuration >= 9000ms }');
  });

  it('writes --where equalities typed as tracectl compares them, a renamed key under both names, and leaves the rest local', () => {
    const q = buildTraceql(
      filter({
        whereText: ['http.route=/v1/ask', 'http.response.status_code=500', 'cache.hit=true', 'status=error', 'kind=client', 'service=llm-api', 'name=rerank', 'x!=1', 'y>2', 'z~^a', 'latency=1s', 'ratio=0.50', 'status=bogus'],
      }),
    );
    expect(q).toBe(
      '{ .http.route = "/v1/ask" && ((.http.response.status_code = 500 || .http.response.status_code = "500") || (.http.status_code = 500 || .http.status_code = "500")) && (.cache.hit = true || .cache.hit = "true") && status = error && kind = client && resource.service.name = "llm-api" && name = "rerank" }',
    );
  });

  it('escapes quotes, backslashes and control characters, and quotes odd attribute names', () => {
    expect(traceqlString('say "hi" \\ bye\n\t')).toBe('"say \\"hi\\" \\\\ bye\\n\\t"');
    expect(buildTraceql(filter({ service: 'a"b', operation: 'GET /x\\y' }))).toBe('{ resource.service.name = "a\\"b" && name = "GET /x\\\\y" }');
    expect(traceqlAttribute('http.route')).toBe('.http.route');
    expect(traceqlAttribute('my attr')).toBe('."my attr"');
    expect(traceqlAttribute('k"}')).toBe('."k\\"}"');
    expect(serviceScope('gateway')).toBe('{ resource.service.name = "gateway" }');
  });
});

describe('push-down for Jaeger and Zipkin', () => {
  it('sends span-level conditions together, and trace-level ones only without them', () => {
    expect(spanQuery(filter({ service: 's', operation: 'o', whereText: ['a=1', 'b>2', 'service=x', 'c=1s'], errors: true, minDurationMs: 5 }))).toEqual({
      service: 's',
      operation: 'o',
      tags: [['a', '1']],
      errors: false,
    });
    expect(spanQuery(filter({ minDurationMs: 5, maxDurationMs: 10 }))).toEqual({ tags: [], errors: false, minDurationMs: 5, maxDurationMs: 10 });
    // Both would have to hold on one span (an error span that long): the error tag alone goes down.
    expect(spanQuery(filter({ errors: true, minDurationMs: 5, maxDurationMs: 10 }))).toEqual({ tags: [], errors: true });
  });

  it('converts milliseconds to Go durations', () => {
    expect(goDuration(500)).toBe('500ms');
    expect(goDuration(0.25)).toBe('250us');
    expect(goDuration(1.0000005)).toBe('1000001ns');
  });
});

describe('query parameters', () => {
  const search: JaegerSearch = { service: 'gateway', operation: 'POST /v1/ask', tags: [['app.tenant', 'globex']], errors: false, window, limit: 50 };

  it('Jaeger api_v3: RFC 3339 window, num_traces, attributes as a JSON map', () => {
    expect(jaegerV3SearchParams(search)).toEqual({
      'query.service_name': 'gateway',
      'query.operation_name': 'POST /v1/ask',
      'query.start_time_min': '2026-11-01T10:00:00.250Z',
      'query.start_time_max': '2026-11-01T11:00:00.750Z',
      'query.num_traces': '50',
      'query.attributes': '{"app.tenant":"globex"}',
    });
    expect(jaegerV3SearchParams({ service: 'gateway', tags: [], errors: true, minDurationMs: 500, maxDurationMs: 2500, window, limit: 5 })).toMatchObject({
      'query.attributes': '{"error":"true"}',
    });
    const durations = jaegerV3SearchParams({ service: 'gateway', tags: [], errors: false, minDurationMs: 500, maxDurationMs: 2500.5, window, limit: 5 });
    expect(durations['query.duration_min']).toBe('500ms');
    expect(durations['query.duration_max']).toBe('2500500us');
  });

  it('Jaeger v1: µs window, limit, tags as a JSON map, Go durations (never with tags: Cassandra refuses both)', () => {
    expect(jaegerV1SearchParams(search)).toEqual({
      service: 'gateway',
      operation: 'POST /v1/ask',
      start: '1793527200250000',
      end: '1793530800750000',
      limit: '50',
      tags: '{"app.tenant":"globex"}',
    });
    expect(jaegerV1SearchParams({ service: 's', tags: [], errors: false, minDurationMs: 100, window, limit: 1 })).toMatchObject({ minDuration: '100ms' });
    expect(jaegerV1SearchParams({ service: 's', tags: [], errors: true, minDurationMs: 100, window, limit: 1 })).not.toHaveProperty('minDuration');
  });

  it('Zipkin: µs durations (minDuration > 0, maxDuration only with it), endTs and lookback in ms, always a limit', () => {
    expect(zipkinSearchParams({ service: 'gateway', operation: 'post /v1/ask', tags: [['http.route', '/v1/ask'], ['odd', 'a and b']], errors: false }, window, 25)).toEqual({
      serviceName: 'gateway',
      spanName: 'post /v1/ask',
      annotationQuery: 'http.route=/v1/ask',
      endTs: '1793530800750',
      lookback: '3600500',
      limit: '25',
    });
    expect(zipkinSearchParams({ tags: [], errors: true, maxDurationMs: 2.5 }, window, 10)).toMatchObject({ annotationQuery: 'error', minDuration: '1', maxDuration: '2500' });
    expect(zipkinSearchParams({ tags: [], errors: false, minDurationMs: 1500 }, window, 10)).toMatchObject({ minDuration: '1500000' });
  });

  it('Tempo: TraceQL, epoch seconds (the window widened to whole seconds), limit and spss', () => {
    expect(tempoSearchParams('{}', window, 1000)).toEqual({ q: '{}', start: '1793527200', end: '1793530801', limit: '1000', spss: '1' });
  });
});

describe("Tempo's TraceByIDResponse envelope", () => {
  it('finds the trace (field 1), the PARTIAL status (field 3) and the message (field 4)', () => {
    const inner = Buffer.from([0x0a, 0x00]);
    const bytes = Buffer.from([0x0a, inner.length, ...inner, 0x18, 0x01, 0x22, 0x02, 0x68, 0x69, 0x2d, 1, 2, 3, 4]);
    const envelope = unwrapTraceByIdResponse(bytes);
    expect([...envelope.trace]).toEqual([...inner]);
    expect(envelope.partial).toBe(true);
    expect(envelope.message).toBe('hi');
    expect(() => unwrapTraceByIdResponse(Buffer.from([0x0a, 0x05, 0x01]))).toThrow(InputError);
  });
});

describe('option parsing', () => {
  it('reads KIND:URL, moving credentials out of the URL', () => {
    const spec = parseBackendSpec('tempo:https://alice:p%40ss@tempo.example:3200/prefix/?x=1#y', '--backend');
    expect(spec.kind).toBe('tempo');
    expect(spec.url.href).toBe('https://tempo.example:3200/prefix/');
    expect([spec.user, spec.password]).toEqual(['alice', 'p@ss']);
  });

  it('rejects what is not KIND:URL, without echoing credentials', () => {
    // Neither the password (even one that breaks the URL) nor a query value is repeated.
    for (const bad of ['jaeger:http://user:p/ss@127.0.0.1:1', 'jaeger:http://u:%zz@127.0.0.1:1', 'jaeger:ftp://u:pw@x/?token=SECRET']) {
      let message = '';
      try {
        parseBackendSpec(bad, 'TRACECTL_BACKEND');
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        message = (error as Error).message;
      }
      expect(message).toMatch(/^TRACECTL_BACKEND "jaeger:(http|ftp):\/\/\*\*\*@/);
      expect(message).not.toMatch(/p\/ss|%zz|SECRET|pw/);
    }
    expect(() => parseBackendSpec('http://localhost:16686', '--backend')).toThrow(UsageError);
    expect(() => parseBackendSpec('jaeger', '--backend')).toThrow(/is not KIND:URL/);
    expect(() => parseBackendSpec('jaeger:ftp://x', 'TRACECTL_BACKEND')).toThrow(/TRACECTL_BACKEND .*http:\/\/ or https:\/\//);
    expect(() => parseBackendSpec('loki:http://bob:hunter2@x', '--backend')).toThrow(/"loki:http:\/\/\*\*\*@x"/);
  });

  it('reads --header NAME: VALUE, never echoing a value', () => {
    expect(parseHeader('X-Scope-OrgID: team-a|team-b')).toEqual(['X-Scope-OrgID', 'team-a|team-b']);
    for (const bad of ['Authorization Bearer hunter2', 'Bad Name: hunter2', 'hunter2']) {
      expect(() => parseHeader(bad)).toThrow(UsageError);
      expect(() => parseHeader(bad)).not.toThrow(/hunter/);
    }
    expect(() => parseHeader('Bad Name: hunter2')).toThrow('--header "Bad Name: …" is not NAME: VALUE');
  });

  it('reads RFC 3339 and epoch seconds', () => {
    expect(parseTimeOption('--from', '2026-11-01T10:00:00Z')).toBe(Date.parse('2026-11-01T10:00:00Z'));
    expect(parseTimeOption('--from', '2026-11-01T12:00:00.5+02:00')).toBe(Date.parse('2026-11-01T10:00:00.500Z'));
    expect(parseTimeOption('--to', '1793527200')).toBe(1793527200000);
    expect(parseTimeOption('--to', '1793527200.25')).toBe(1793527200250);
    expect(() => parseTimeOption('--from', '2026-11-01T10:00:00')).toThrow(/RFC 3339/);
    expect(() => parseTimeOption('--from', 'yesterday')).toThrow(UsageError);
  });
});
