import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/model/errors.js';
import { decodeJaegerJson, isJaegerPayload } from '../../src/formats/jaeger-json.js';
import type { SpanRecord } from '../../src/model/span.js';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../fixtures/jaeger/${name}`, import.meta.url), 'utf8'));
}

function services(spans: readonly SpanRecord[]): string[] {
  return [...new Set(spans.map((s) => s.service))].sort();
}

/** Ids of spans without a parent or whose parent is not in the payload. */
function rootIds(spans: readonly SpanRecord[]): string[] {
  const ids = new Set(spans.map((s) => s.spanId));
  return spans.filter((s) => s.parentSpanId === null || !ids.has(s.parentSpanId)).map((s) => s.spanId);
}

function only(spans: readonly SpanRecord[], spanId: string): SpanRecord {
  const matches = spans.filter((s) => s.spanId === spanId);
  expect(matches).toHaveLength(1);
  return matches[0]!;
}

const T = '00000000000000000000000000000abc';

/** A minimal one-trace payload around the given spans, all in process p1 ("svc"). */
function trace(spans: object[], processTags: object[] = []): object {
  return { traceID: 'abc', spans, processes: { p1: { serviceName: 'svc', tags: processTags } } };
}

function span(spanID: string, extra: object = {}): object {
  return { traceID: 'abc', spanID, operationName: `op-${spanID}`, references: [], startTime: 1_700_000_000_000_000, duration: 250, tags: [], logs: [], processID: 'p1', ...extra };
}

function decodeOne(extra: object): SpanRecord {
  const { spans, warnings } = decodeJaegerJson(trace([span('1', extra)]));
  expect(warnings).toEqual([]);
  expect(spans).toHaveLength(1);
  return spans[0]!;
}

describe('Jaeger JSON fixtures', () => {
  it('jaeger-v1-response-envelope.json: the {data, total, limit, offset, errors} envelope, a duplicated orphan span kept twice', () => {
    const payload = fixture('jaeger-v1-response-envelope.json');
    expect(isJaegerPayload(payload)).toBe(true);
    const { spans, warnings } = decodeJaegerJson(payload);
    expect(warnings).toEqual([]);
    expect(spans).toHaveLength(2);
    expect(services(spans)).toEqual(['telemetrygen']);
    // Both copies point at 909541b92cf05311, which is not in the file.
    expect(rootIds(spans)).toEqual(['e127af99e3b3e074', 'e127af99e3b3e074']);
    expect(spans.map((s) => s.parentSpanId)).toEqual(['909541b92cf05311', '909541b92cf05311']);
    expect(spans[0]).toMatchObject({ traceId: '83a9efd15c1c98a977e0711cc93ee28b', kind: 'server', name: 'okey-dokey-0', durationNs: 123_000 });
    expect(spans[0]!.startNs).toBe(1706678909209712000n);
    expect(spans[0]!.attributes['peer.service']).toBe('telemetrygen-client');
  });

  it('jaeger-v1-trace.json: a bare trace object with a 31-digit trace id', () => {
    const payload = fixture('jaeger-v1-trace.json');
    expect(isJaegerPayload(payload)).toBe(true);
    const { spans, warnings } = decodeJaegerJson(payload);
    expect(warnings).toEqual([]);
    expect(spans).toHaveLength(17);
    expect(services(spans)).toEqual(['api-gateway', 'customers-service']);
    expect(rootIds(spans)).toEqual(['9afcdf2e24e8d70a']);
    // The file's trace id lost its leading zero; padding restores the 32 digits.
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set(['0df84e36b9e2ee3815d07f0867a5be1f']));
    expect(spans.filter((s) => s.name === 'HikariProxyPreparedStatement.executeQuery')).toHaveLength(14);
    expect(spans.filter((s) => s.kind === 'unspecified')).toHaveLength(14);
    expect(only(spans, '9afcdf2e24e8d70a')).toMatchObject({ kind: 'server', service: 'api-gateway', durationNs: 3_720_000 });
  });

  describe('jaeger-v1-trace-edgecases.json', () => {
    const { spans, warnings } = decodeJaegerJson(fixture('jaeger-v1-trace-edgecases.json'));
    const [first, second] = spans.filter((s) => s.spanId === '0000000000000002');

    it('keeps every span, the duplicate id twice, with 64-bit trace ids padded', () => {
      expect(warnings).toEqual([]);
      expect(spans).toHaveLength(5);
      expect(services(spans)).toEqual(['service-x', 'service-y']);
      expect(rootIds(spans)).toEqual(['0000000000000002', '0000000000000002']);
      expect(first!.name).toBe('test-general-conversion');
      expect(second!.name).toBe('some-operation');
      expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set(['00000000000000000000000000000001']));
    });

    it('keeps every tag type: int64 beyond 2^53 as the exact string, binary as base64', () => {
      expect(second!.attributes).toEqual({
        'peer.service': 'service-y',
        'peer.ipv4': 23456,
        error: true,
        temperature: 72.5,
        javascript_limit: '9223372036854775222',
        blob: 'AAAwOQ==',
      });
      expect(second!.status).toBe('error');
      expect(first!.status).toBe('unset');
    });

    it('turns logs into events named by their event field', () => {
      expect(first!.events).toEqual([
        { name: 'some-event', timeNs: 1485467191639875000n, attributes: {} },
        { name: 'log', timeNs: 1485467191639875000n, attributes: { x: 'y' } },
      ]);
    });

    it('takes the first CHILD_OF within the trace as parent and keeps the other references as links', () => {
      expect(only(spans, '0000000000000003').parentSpanId).toBe('0000000000000002');
      expect(only(spans, '0000000000000005').parentSpanId).toBe('0000000000000004');
      const multi = only(spans, '0000000000000004');
      expect(multi.parentSpanId).toBe('0000000000000002');
      expect(multi.followsFrom).toBe(false);
      expect(multi.links).toEqual([
        { traceId: '000000000000000000000000000000ff', spanId: '00000000000000ff', type: 'child_of' },
        { traceId: '00000000000000000000000000000001', spanId: '0000000000000002', type: 'follows_from' },
      ]);
    });
  });

  it('crisp-18.json: one-letter ids, non-hex ones replaced consistently, five errors', () => {
    const payload = fixture('crisp-18.json');
    expect(isJaegerPayload(payload)).toBe(true);
    const { spans, warnings } = decodeJaegerJson(payload);
    expect(spans).toHaveLength(9);
    expect(services(spans)).toEqual(['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8', 'S9']);
    expect(rootIds(spans)).toEqual(['000000000000000a']);
    // error: true on S2, error: "ClientSideError" on S4, S5, S8 and S9: CRISP's error path reads all five.
    expect(spans.filter((s) => s.status === 'error').map((s) => s.service)).toEqual(['S2', 'S4', 'S5', 'S8', 'S9']);
    // "G", "H" and "I" are not hex: each gets one stand-in, used by its references too.
    expect(warnings).toEqual(['ids that are not hex were replaced by hex derived from them: "G", "H", "I"']);
    const byService = new Map(spans.map((s) => [s.service, s]));
    const g = byService.get('S7')!;
    expect(g.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(g.parentSpanId).toBe('000000000000000f');
    expect(byService.get('S8')!.parentSpanId).toBe(g.spanId);
    expect(byService.get('S9')!.parentSpanId).toBe(g.spanId);
    expect(byService.get('S1')!.startNs).toBe(0n);
    // An error tag holding any value but false marks an error (jaeger-ui, CRISP); the value is kept.
    expect(byService.get('S4')).toMatchObject({ status: 'error', attributes: { error: 'ClientSideError' } });
    expect(byService.get('S6')!.events).toEqual([{ name: 'error', timeNs: 140_000n, attributes: {} }]);
  });

  it.each(['apiv3-hotrod-trace.json', 'jaeger-apiv3-trace.json', 'jaeger-apiv3-trace-summaries.json', 'jaeger-apiv3-services.json', 'jaeger-apiv3-operations.json', 'jaeger-v1-dependencies-data.json'])(
    'does not take %s (OTLP or no traces) for Jaeger JSON',
    (name) => {
      const payload = fixture(name);
      expect(isJaegerPayload(payload)).toBe(false);
      expect(() => decodeJaegerJson(payload)).toThrow(InputError);
    },
  );
});

describe('Jaeger JSON shapes', () => {
  it('accepts {data: trace} with data an object', () => {
    const payload = { data: trace([span('1'), span('2')]) };
    expect(isJaegerPayload(payload)).toBe(true);
    expect(decodeJaegerJson(payload).spans.map((s) => s.spanId)).toEqual(['0000000000000001', '0000000000000002']);
  });

  it('accepts a bare array of traces', () => {
    const other = { traceID: 'def', spans: [{ ...span('3'), traceID: 'def' }], processes: { p1: { serviceName: 'other', tags: [] } } };
    const payload = [trace([span('1')]), other];
    expect(isJaegerPayload(payload)).toBe(true);
    const { spans } = decodeJaegerJson(payload);
    expect(spans.map((s) => [s.traceId, s.service])).toEqual([
      [T, 'svc'],
      ['00000000000000000000000000000def', 'other'],
    ]);
  });

  it('reports the errors of a failed query as warnings', () => {
    const payload = { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: 'trace not found', traceID: 'abc' }] };
    expect(isJaegerPayload(payload)).toBe(true);
    expect(decodeJaegerJson(payload)).toEqual({ spans: [], warnings: ['Jaeger reported an error for trace abc: trace not found'] });
  });

  it('rejects arrays of other objects and Zipkin spans', () => {
    expect(isJaegerPayload([])).toBe(false);
    expect(isJaegerPayload([{ traceId: 'abc', id: '1', timestamp: 1 }])).toBe(false);
    expect(isJaegerPayload({ data: [{ parent: 'a', child: 'b', callCount: 1 }] })).toBe(false);
    expect(isJaegerPayload({ resourceSpans: [] })).toBe(false);
  });
});

describe('Jaeger JSON spans', () => {
  it('skips a span without a spanID or startTime with a warning, keeps the others, takes a missing duration as 0', () => {
    const { spans, warnings } = decodeJaegerJson(trace([span('1'), { ...span('2'), spanID: undefined }, { ...span('3'), startTime: 'soon' }, { ...span('4'), duration: null }]));
    expect(spans.map((s) => [s.spanId, s.durationNs])).toEqual([
      ['0000000000000001', 250_000],
      ['0000000000000004', 0],
    ]);
    expect(warnings).toEqual([
      'span null of trace "abc" has no spanID; skipped',
      'span "3" of trace "abc" has no startTime; skipped',
      'span "4" of trace "abc" has no duration; taken as 0',
    ]);
  });

  it('keeps a span without a known process under "unknown", with a warning', () => {
    const { spans, warnings } = decodeJaegerJson(trace([{ ...span('1'), processID: 'p9' }]));
    expect(spans[0]!.service).toBe('unknown');
    expect(warnings).toEqual(['span "1" of trace "abc" names no known process; service taken as "unknown"']);
  });

  it('normalizes upper-case ids and converts microseconds to nanoseconds', () => {
    const s = decodeOne({ spanID: 'ABCDEF', duration: 1.5 });
    expect(s.spanId).toBe('0000000000abcdef');
    expect(s.startNs).toBe(1_700_000_000_000_000_000n);
    expect(s.durationNs).toBe(1500);
  });

  it('maps otel.status_code and otel.status_description', () => {
    const error = decodeOne({ tags: [{ key: 'otel.status_code', type: 'string', value: 'ERROR' }, { key: 'otel.status_description', type: 'string', value: 'deadline exceeded' }] });
    expect([error.status, error.statusMessage]).toEqual(['error', 'deadline exceeded']);
    const ok = decodeOne({ tags: [{ key: 'otel.status_code', type: 'string', value: 'OK' }] });
    expect([ok.status, ok.statusMessage]).toEqual(['ok', null]);
    expect(decodeOne({}).status).toBe('unset');
  });

  it('takes an error tag written as the string "true", with the message of the error log', () => {
    const s = decodeOne({
      tags: [{ key: 'error', type: 'string', value: 'true' }],
      logs: [{ timestamp: 1_700_000_000_000_100, fields: [{ key: 'event', type: 'string', value: 'error' }, { key: 'message', type: 'string', value: 'connection refused' }] }],
    });
    expect(s.status).toBe('error');
    expect(s.statusMessage).toBe('connection refused');
    expect(s.events).toEqual([{ name: 'error', timeNs: 1_700_000_000_000_100_000n, attributes: { message: 'connection refused' } }]);
  });

  it('falls back to error.object of the error log, not the message of another log', () => {
    const s = decodeOne({
      tags: [{ key: 'error', type: 'bool', value: true }],
      logs: [
        { timestamp: 1, fields: [{ key: 'event', type: 'string', value: 'retry' }, { key: 'message', type: 'string', value: 'retrying' }] },
        { timestamp: 2, fields: [{ key: 'event', type: 'string', value: 'error' }, { key: 'error.object', type: 'string', value: 'TimeoutError' }] },
      ],
    });
    expect(s.statusMessage).toBe('TimeoutError');
  });

  it('reads the kind from the span.kind tag', () => {
    expect(decodeOne({ tags: [{ key: 'span.kind', type: 'string', value: 'producer' }] }).kind).toBe('producer');
    expect(decodeOne({ tags: [{ key: 'span.kind', type: 'string', value: 'sideways' }] }).kind).toBe('unspecified');
    expect(decodeOne({}).kind).toBe('unspecified');
  });

  it('converts typed tags written as strings', () => {
    const s = decodeOne({
      tags: [
        { key: 'small', type: 'int64', value: '42' },
        { key: 'huge', type: 'int64', value: '-9007199254740993' },
        { key: 'yes', type: 'bool', value: 'true' },
        { key: 'no', type: 'bool', value: 'false' },
      ],
    });
    expect(s.attributes).toEqual({ small: 42, huge: '-9007199254740993', yes: true, no: false });
  });

  it('reads an embedded process and turns process tags into the resource', () => {
    const { spans } = decodeJaegerJson(
      trace([span('1'), { ...span('2'), processID: undefined, process: { serviceName: 'embedded', tags: [{ key: 'hostname', type: 'string', value: 'h2' }] } }], [
        { key: 'hostname', type: 'string', value: 'h1' },
      ]),
    );
    expect(spans.map((s) => [s.service, s.resource])).toEqual([
      ['svc', { hostname: 'h1' }],
      ['embedded', { hostname: 'h2' }],
    ]);
  });

  it('takes a FOLLOWS_FROM reference as parent when there is no CHILD_OF', () => {
    const s = decodeOne({ references: [{ refType: 'FOLLOWS_FROM', traceID: 'abc', spanID: '7' }] });
    expect([s.parentSpanId, s.followsFrom, s.links]).toEqual(['0000000000000007', true, []]);
  });

  it('reads the older parentSpanID field, with zero meaning no parent', () => {
    expect(decodeOne({ parentSpanID: '7' }).parentSpanId).toBe('0000000000000007');
    expect(decodeOne({ parentSpanID: '0' }).parentSpanId).toBeNull();
    // The same parent named both ways is one parent, not a parent and a link.
    const both = decodeOne({ parentSpanID: '7', references: [{ refType: 'CHILD_OF', traceID: 'abc', spanID: '0000000000000007' }] });
    expect([both.parentSpanId, both.links]).toEqual(['0000000000000007', []]);
  });
});
