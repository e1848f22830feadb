import { describe, expect, it } from 'vitest';
import { decodeZipkinJson } from '../../src/formats/zipkin-json.js';
import { buildTrace, buildTraces } from '../../src/model/build-trace.js';
import type { Trace } from '../../src/model/span.js';
import { records, sid, type SpanSketch } from '../helpers/spans.js';

const TRACE = '1'.padStart(32, '0');

/** Zipkin v2 spans of one trace, built as the file reader builds them. */
function zipkinTrace(spans: object[]): Trace {
  const traces = buildTraces(decodeZipkinJson(spans).spans);
  expect(traces).toHaveLength(1);
  return traces[0]!;
}

const T0 = 1_700_000_000_000_000; // µs

describe('one Zipkin span id shared by several halves (zipkin-lens span-node: keyed by endpoint)', () => {
  // A Kafka send (PRODUCER) whose id five consumers report again, one per endpoint: as
  // zipkin-lens's SpanNode builds it, one producer with five children. Hand-built: each
  // receive starts 5 ms apart after the send, on its own clock; none may move.
  const send = { traceId: 'a1', id: 'b1', name: 'send', kind: 'PRODUCER', timestamp: T0 + 1_000, duration: 300, localEndpoint: { serviceName: 'orders' }, remoteEndpoint: { serviceName: 'kafka' } };
  const root = { traceId: 'a1', id: 'a1', name: 'POST /orders', kind: 'SERVER', timestamp: T0, duration: 2_000, localEndpoint: { serviceName: 'orders' } };
  const receives = [1, 2, 3, 4, 5].map((n) => ({
    traceId: 'a1', id: 'b1', parentId: 'a1', name: 'receive', kind: 'CONSUMER', shared: true,
    timestamp: T0 + 5_000 * n, duration: 800,
    localEndpoint: { serviceName: 'billing', ipv4: `10.0.0.${n}` }, remoteEndpoint: { serviceName: 'kafka' },
  }));
  // Work done by the consumer on 10.0.0.3, a child of the shared id.
  const charge = { traceId: 'a1', id: 'c3', parentId: 'b1', name: 'charge', timestamp: T0 + 15_100, duration: 500, localEndpoint: { serviceName: 'billing', ipv4: '10.0.0.3' } };

  it('is one producer and five consumer children, each keeping its own time', () => {
    const t = zipkinTrace([root, send, ...receives, charge]);
    expect(t.spans).toHaveLength(8);
    const producer = t.byId.get(sid('b1'))!;
    expect(producer.name).toBe('send');
    const kids = t.children.get(producer.spanId) ?? [];
    expect(kids.map((k) => k.name)).toEqual(['receive', 'receive', 'receive', 'receive', 'receive']);
    // Starts as written (ms after the root): 5, 10, 15, 20, 25; no clock-skew shift.
    expect(kids.map((k) => k.startMs)).toEqual([5, 10, 15, 20, 25]);
    expect(t.warnings.map((w) => w.kind)).toEqual(['shared-span-id', 'shared-span-id', 'shared-span-id', 'shared-span-id', 'shared-span-id']);
    // The charge ran on 10.0.0.3: it belongs under that consumer, not another.
    const chargeSpan = t.byId.get(sid('c3'))!;
    const third = kids.find((k) => k.resource['host.address'] === '10.0.0.3')!;
    expect(chargeSpan.parentSpanId).toBe(third.spanId);
  });

  it('gives every server half its own id, the same on every build', () => {
    const a = zipkinTrace([root, send, ...receives]);
    const b = zipkinTrace([...[...receives].reverse(), send, root]);
    const ids = (t: Trace): string[] => t.spans.map((s) => s.spanId).sort();
    expect(new Set(ids(a)).size).toBe(7);
    expect(ids(b)).toEqual(ids(a));
  });
});

describe('fragments of one span merge (zipkin-lens span-cleaner: mergeV2ById)', () => {
  it('a timed piece and a piece with only annotations and tags, same id and endpoint, are one span', () => {
    // As a Zipkin server reports a span in two messages: first the finished span, then a late
    // annotation with a tag. zipkin-lens merges them: one span, tags united, annotations united.
    const t = zipkinTrace([
      { traceId: 'f1', id: 'f1', name: 'get /', kind: 'SERVER', timestamp: T0, duration: 10_000, localEndpoint: { serviceName: 'web', ipv4: '10.1.1.1' }, tags: { 'http.path': '/' }, annotations: [{ timestamp: T0 + 100, value: 'wr' }] },
      { traceId: 'f1', id: 'f1', kind: 'SERVER', localEndpoint: { serviceName: 'web', ipv4: '10.1.1.1' }, tags: { 'http.status_code': '200' }, annotations: [{ timestamp: T0 + 9_000, value: 'ws' }] },
    ]);
    expect(t.spans).toHaveLength(1);
    const span = t.spans[0]!;
    expect(span.name).toBe('get /');
    expect(span.durationMs).toBe(10);
    expect(span.attributes).toMatchObject({ 'http.path': '/', 'http.status_code': '200' });
    expect(span.events.map((e) => [e.name, e.timeMs])).toEqual([['wr', 0.1], ['ws', 9]]);
    expect(t.warnings.map((w) => w.kind)).toEqual(['merged-span']);
  });

  it('pieces on different endpoints are not merged', () => {
    const t = zipkinTrace([
      { traceId: 'f2', id: 'f2', name: 'work', timestamp: T0, duration: 1_000, localEndpoint: { serviceName: 'a' } },
      { traceId: 'f2', id: 'f2', name: 'work', timestamp: T0, duration: 1_000, localEndpoint: { serviceName: 'b' } },
    ]);
    expect(t.spans).toHaveLength(2);
    expect(t.warnings.map((w) => w.kind)).toEqual(['duplicate-span-id']);
  });
});

describe('spans that differ are not dropped as copies (issue 19.4)', () => {
  it('same id, name and times but other attributes: merged, nothing lost', () => {
    const t = buildTrace(TRACE, records([
      { id: 'r', start: 0, dur: 10, attrs: { 'http.route': '/a' } },
      { id: 'r', start: 0, dur: 10, attrs: { 'user.id': '42' }, status: 'error', message: 'boom' },
    ]));
    expect(t.spans).toHaveLength(1);
    expect(t.spans[0]!.attributes).toEqual({ 'http.route': '/a', 'user.id': '42' });
    expect(t.spans[0]!.status).toBe('error');
    expect(t.spans[0]!.statusMessage).toBe('boom');
    expect(t.warnings.map((w) => w.kind)).toEqual(['merged-span']);
  });

  it('a byte-for-byte copy is still dropped', () => {
    const t = buildTrace(TRACE, records([
      { id: 'r', start: 0, dur: 10, attrs: { k: 1 } },
      { id: 'r', start: 0, dur: 10, attrs: { k: 1 } },
    ]));
    expect(t.spans).toHaveLength(1);
    expect(t.warnings.map((w) => w.kind)).toEqual(['duplicate-span']);
  });

  it('same id, other times: both kept, one renamed', () => {
    const t = buildTrace(TRACE, records([
      { id: 'r', start: 0, dur: 100, name: 'root' },
      { id: 'x', parent: 'r', start: 10, dur: 10 },
      { id: 'x', parent: 'r', start: 40, dur: 10 },
    ]));
    expect(t.spans).toHaveLength(3);
    expect(t.warnings.map((w) => w.kind)).toEqual(['duplicate-span-id']);
  });
});

describe('many spans sharing one id', () => {
  it('each gets its own id, derived in order from the shared one', () => {
    const n = 5_000;
    const sketches: SpanSketch[] = [{ id: 'r', start: 0, dur: 10_000, name: 'root' }];
    for (let i = 0; i < n; i++) sketches.push({ id: 'd0', parent: 'r', start: i, dur: 0.5, name: `op${i}` } );
    const t = buildTrace(TRACE, records(sketches));
    expect(t.spans).toHaveLength(n + 1);
    expect(t.byId.size).toBe(n + 1);
    // The first keeps …d0; the next are …d0 + 1, + 2, …
    const renamed = t.warnings.filter((w) => w.kind === 'duplicate-span-id').map((w) => w.spanId);
    expect(renamed).toHaveLength(n - 1);
    expect(renamed.slice(0, 3)).toEqual(['00000000000000d1', '00000000000000d2', '00000000000000d3']);
  });
});
