import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/model/errors.js';
import { decodeZipkinJson, isZipkinPayload } from '../../src/formats/zipkin-json.js';
import type { SpanRecord } from '../../src/model/span.js';

function fixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8'));
}

function decodeFixture(name: string): SpanRecord[] {
  const payload = fixture(`zipkin/${name}`);
  expect(isZipkinPayload(payload)).toBe(true);
  const { spans, warnings } = decodeZipkinJson(payload);
  expect(warnings).toEqual([]);
  return spans;
}

function services(spans: readonly SpanRecord[]): string[] {
  return [...new Set(spans.map((s) => s.service))].sort();
}

/** Ids of spans without a parent or whose parent is not in the payload. */
function rootIds(spans: readonly SpanRecord[]): string[] {
  const ids = new Set(spans.map((s) => s.spanId));
  return spans.filter((s) => s.parentSpanId === null || !ids.has(s.parentSpanId)).map((s) => s.spanId);
}

function withId(spans: readonly SpanRecord[], spanId: string): SpanRecord[] {
  return spans.filter((s) => s.spanId === spanId);
}

function countBy<K>(spans: readonly SpanRecord[], key: (s: SpanRecord) => K): Map<K, number> {
  const counts = new Map<K, number>();
  for (const s of spans) counts.set(key(s), (counts.get(key(s)) ?? 0) + 1);
  return counts;
}

function span(id: string, extra: object = {}): object {
  return { traceId: 'abc', id, name: `op-${id}`, timestamp: 1_700_000_000_000_000, duration: 250, localEndpoint: { serviceName: 'svc' }, ...extra };
}

describe('Zipkin JSON fixtures', () => {
  it('yelp-trace.json: client and server halves sharing span ids', () => {
    const spans = decodeFixture('yelp-trace.json');
    expect(spans).toHaveLength(16);
    expect(services(spans)).toEqual(['mobile_api', 'routing', 'spectre', 'unknown', 'yelp-main', 'yelp_main/api_proxy']);
    expect(rootIds(spans)).toEqual(['2e8cfb154b59a41f']);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set(['0000000000000000a03ee8fff1dcd9b9']));
    expect(spans.filter((s) => s.shared).map((s) => s.spanId)).toEqual(['7a778764a0d0b594', 'f5f268651b2a2b34', '668ed78ad94b35a1', '2e8cfb154b59a41f']);
    for (const id of ['7a778764a0d0b594', 'f5f268651b2a2b34', '668ed78ad94b35a1']) {
      const halves = withId(spans, id).map((s) => [s.kind, s.shared]);
      expect(halves).toHaveLength(2);
      expect(halves).toContainEqual(['client', false]);
      expect(halves).toContainEqual(['server', true]);
    }
    const proxy = withId(spans, '668ed78ad94b35a1').find((s) => s.shared)!;
    expect(proxy.events).toEqual([{ name: 'py_zipkin.logging_end', timeNs: 1571896375355436000n, attributes: {} }]);
    expect(proxy.resource).toEqual({ 'host.port': 31523 });
    const spectreCall = withId(spans, '7a778764a0d0b594').find((s) => !s.shared)!;
    expect(spectreCall.attributes).toMatchObject({ 'peer.service': 'spectre', 'server.port': 31286, client_status_code: '200' });
  });

  it('zipkin-v2-trace-128bit-messaging.json: a 128-bit trace id and messaging kinds', () => {
    const spans = decodeFixture('zipkin-v2-trace-128bit-messaging.json');
    expect(spans).toHaveLength(4);
    expect(services(spans)).toEqual(['backend', 'frontend']);
    expect(rootIds(spans)).toEqual(['b33447baae403ed6']);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set(['5aab74dbb904746bb33447baae403ed6']));
    expect(spans.map((s) => [s.spanId, s.kind])).toEqual([
      ['e457b5a2e4d86bd1', 'consumer'],
      ['4ad2db84ac76def7', 'internal'],
      ['05e3ac9a4f6e3b90', 'producer'],
      ['b33447baae403ed6', 'server'],
    ]);
    const [consumer, , , server] = spans;
    expect(consumer!.attributes).toEqual({ 'peer.service': 'rabbitmq', 'rabbit.exchange': '', 'rabbit.queue': 'backend', 'rabbit.routing_key': 'backend' });
    expect(consumer!.resource).toEqual({ 'host.address': '192.168.0.10' });
    // A server span's remote endpoint is its caller.
    expect(server!.attributes).toMatchObject({ 'client.address': '::1', 'client.port': 54602 });
    expect(server!.attributes).not.toHaveProperty('server.address');
  });

  it('zipkin-v2-trace-skew.json: the server half starts before its client, as recorded', () => {
    const spans = decodeFixture('zipkin-v2-trace-skew.json');
    expect(spans).toHaveLength(4);
    expect(services(spans)).toEqual(['servicea', 'serviceb']);
    expect(rootIds(spans)).toEqual(['bf396325699c84bf']);
    expect(spans[0]!.traceId).toBe('00000000000000001e223ff1f80f1c69');
    const halves = withId(spans, '74280ae0c10d8062');
    const server = halves.find((s) => s.kind === 'server')!;
    const client = halves.find((s) => s.kind === 'client')!;
    expect([server.shared, client.shared]).toEqual([true, false]);
    expect(server.startNs).toBe(1470150004008761000n);
    expect(client.startNs).toBe(1470150004074202000n);
    const root = withId(spans, 'bf396325699c84bf')[0]!;
    // ~62 ms before the client's parent, ~65 ms before the client itself: not repaired here.
    expect(root.startNs - server.startNs).toBe(62_307_000n);
    expect(client.startNs - server.startNs).toBe(65_441_000n);
    expect(server.durationNs).toBe(93_577_000);
  });

  it('messaging-kafka.json: an empty error tag still marks an error', () => {
    const spans = decodeFixture('messaging-kafka.json');
    expect(spans).toHaveLength(28);
    expect(services(spans)).toEqual(['servicea', 'serviceb']);
    expect(rootIds(spans)).toEqual(['0562809467078eab']);
    expect(spans[0]!.traceId).toBe('00000000000000000562809467078eab');
    expect(countBy(spans, (s) => s.kind)).toEqual(new Map([['consumer', 7], ['internal', 12], ['producer', 9]]));
    expect(spans.filter((s) => s.status === 'error').map((s) => [s.spanId, s.statusMessage])).toEqual([
      ['2f77d5b0b8e0de35', 'some error'],
      ['4a64a63e4b58e665', 'some error'],
      ['568b33e6af8a225a', null],
    ]);
    expect(withId(spans, '568b33e6af8a225a')[0]!.attributes).toEqual({ error: '' });
    expect(spans.filter((s) => s.status === 'unset')).toHaveLength(25);
  });

  it.each(['jaeger/jaeger-v1-trace.json', 'jaeger/crisp-18.json', 'jaeger/jaeger-v1-dependencies-data.json', 'otlp/otlp-trace.json'])('does not take %s for Zipkin', (path) => {
    const payload = fixture(path);
    expect(isZipkinPayload(payload)).toBe(false);
    expect(() => decodeZipkinJson(payload)).toThrow(InputError);
  });
});

describe('Zipkin JSON shapes and spans', () => {
  it('accepts an array of traces (arrays of spans)', () => {
    const payload = [[span('1'), span('2', { parentId: '1' })], [span('3', { traceId: 'def' })]];
    expect(isZipkinPayload(payload)).toBe(true);
    const { spans, warnings } = decodeZipkinJson(payload);
    expect(warnings).toEqual([]);
    expect(spans.map((s) => [s.traceId, s.spanId, s.parentSpanId])).toEqual([
      ['00000000000000000000000000000abc', '0000000000000001', null],
      ['00000000000000000000000000000abc', '0000000000000002', '0000000000000001'],
      ['00000000000000000000000000000def', '0000000000000003', null],
    ]);
  });

  it('accepts the empty answer of a search', () => {
    expect(isZipkinPayload([])).toBe(true);
    expect(decodeZipkinJson([])).toEqual({ spans: [], warnings: [] });
  });

  it('dates a span without timestamp by its earliest annotation', () => {
    const annotations = [
      { timestamp: 1_700_000_000_000_900, value: 'cr' },
      { timestamp: 1_700_000_000_000_100, value: 'cs' },
    ];
    const { spans, warnings } = decodeZipkinJson([span('1', { timestamp: undefined, annotations })]);
    expect(warnings).toEqual([]);
    expect(spans[0]!.startNs).toBe(1_700_000_000_000_100_000n);
    expect(spans[0]!.events.map((e) => e.name)).toEqual(['cr', 'cs']);
  });

  it('skips a span with neither timestamp nor annotations, with a warning', () => {
    const { spans, warnings } = decodeZipkinJson([span('1'), span('2', { timestamp: undefined })]);
    expect(spans.map((s) => s.spanId)).toEqual(['0000000000000001']);
    expect(warnings).toEqual(['span "2" of trace "abc" has no timestamp and no annotations; skipped']);
  });

  it('takes a missing duration as 0 with a warning', () => {
    const { spans, warnings } = decodeZipkinJson([span('1', { duration: undefined, tags: { a: 'b' } })]);
    expect(spans[0]!.durationNs).toBe(0);
    expect(spans[0]!.attributes).toEqual({ a: 'b' });
    expect(warnings).toEqual(['span "1" of trace "abc" has no duration; taken as 0']);
  });

  it('skips a span without id with a warning and keeps the others', () => {
    const { spans, warnings } = decodeZipkinJson([span('1'), span('', { name: 'broken' }), span('3')]);
    expect(spans.map((s) => s.spanId)).toEqual(['0000000000000001', '0000000000000003']);
    expect(warnings).toEqual(['span "" of trace "abc" has no id; skipped']);
  });

  it('fills in what a sparse span leaves out and ignores debug', () => {
    const s = decodeZipkinJson([{ traceId: 'abc', id: '1', parentId: '0000000000000000', timestamp: 5, duration: 1, debug: true }]).spans[0]!;
    expect(s).toMatchObject({ name: '', service: 'unknown', kind: 'internal', parentSpanId: null, status: 'unset', statusMessage: null, attributes: {}, resource: {}, shared: false });
    expect(s.startNs).toBe(5000n);
    expect(decodeZipkinJson([span('1', { kind: 'SIDEWAYS' })]).spans[0]!.kind).toBe('unspecified');
  });

  it('puts the remote endpoint of a client span into server attributes', () => {
    const s = decodeZipkinJson([
      span('1', { kind: 'CLIENT', remoteEndpoint: { serviceName: 'db', ipv6: '2001:db8::1', port: 5432 }, localEndpoint: { serviceName: 'api', ipv4: '10.0.0.1', port: 8080 } }),
    ]).spans[0]!;
    expect(s.attributes).toEqual({ 'peer.service': 'db', 'server.address': '2001:db8::1', 'server.port': 5432 });
    expect(s.resource).toEqual({ 'host.address': '10.0.0.1', 'host.port': 8080 });
  });
});
