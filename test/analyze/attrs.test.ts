import { describe, expect, it } from 'vitest';
import { foldTraces } from '../../src/analyze/accumulator.js';
import { AttrsAccumulator, DISTINCT_CAP } from '../../src/analyze/attrs.js';
import { buildTrace } from '../../src/model/build-trace.js';
import type { Trace } from '../../src/model/span.js';
import { DEMO_FORMATS, loadFixture } from '../helpers/demo.js';
import { expectMergesToMatch } from '../helpers/merge.js';
import { records, type SpanSketch } from '../helpers/spans.js';

const trace = (id: string, sketches: SpanSketch[]): Trace => buildTrace(id.padStart(32, '0'), records(sketches.map((s) => ({ ...s, trace: id }))));

/*
 * Two traces, no timeline needed (attributes only):
 *   trace 1: gateway GET  {http.status: 200, user: "ann"}  ─ db query {db.rows: 3}
 *   trace 2: gateway GET  {http.status: "500", user: "bob"}
 */
const two = [
  trace('1', [
    { id: '1', service: 'gateway', name: 'GET', start: 0, dur: 10, attrs: { 'http.status': 200, user: 'ann' } },
    { id: '2', parent: '1', service: 'db', name: 'query', start: 1, dur: 5, attrs: { 'db.rows': 3 } },
  ]),
  trace('2', [{ id: '1', service: 'gateway', name: 'GET', start: 0, dur: 10, attrs: { 'http.status': '500', user: 'bob' } }]),
];

describe('AttrsAccumulator', () => {
  it('counts spans, traces, types, distinct values and where each key is found (worked by hand)', () => {
    const report = foldTraces(new AttrsAccumulator(), two);
    expect(report).toMatchObject({ traces: 2, spans: 3 });
    const status = report.keys.find((k) => k.key === 'http.status')!;
    expect(status).toEqual({
      key: 'http.status', scope: 'span', spans: 2, traces: 2, types: { int: 1, string: 1 }, distinct: 2, distinctCapped: false,
      samples: ['200', '500'], where: [{ service: 'gateway', name: 'GET', spans: 2 }],
    });
    // Resource keys belong to services: service.name on all three spans, in two services.
    const service = report.keys.find((k) => k.key === 'service.name' && k.scope === 'resource')!;
    expect(service).toMatchObject({ spans: 3, traces: 2, distinct: 2, samples: ['db', 'gateway'], where: [{ service: 'gateway', name: null, spans: 2 }, { service: 'db', name: null, spans: 1 }] });
    // Span keys first, each scope by key.
    expect(report.keys.map((k) => `${k.scope}:${k.key}`)).toEqual(['span:db.rows', 'span:http.status', 'span:user', 'resource:service.name']);
  });

  it('caps distinct values at DISTINCT_CAP, keeping the smallest, and says the count is a lower bound', () => {
    const spans = Array.from({ length: 3 * DISTINCT_CAP }, (_, i) => ({ id: String(i + 1), start: 0, dur: 1, attrs: { n: `v${String(3 * DISTINCT_CAP - i).padStart(4, '0')}` } }));
    const report = foldTraces(new AttrsAccumulator(), [trace('1', spans)]);
    const n = report.keys.find((k) => k.key === 'n')!;
    expect(n).toMatchObject({ spans: 300, distinct: DISTINCT_CAP, distinctCapped: true, samples: ['v0001', 'v0002', 'v0003'] });
  });

  it('merges any split of the demo traces into the one-thread answer', async () => {
    const traces = await loadFixture(DEMO_FORMATS.otlp);
    expectMergesToMatch(() => new AttrsAccumulator(), traces);
  });

  it('merges capped value sets into the one-thread answer', () => {
    const traces = Array.from({ length: 6 }, (_, t) =>
      trace(String(t + 1), Array.from({ length: 60 }, (_, i) => ({ id: String(i + 1), start: 0, dur: 1, attrs: { n: (i * 7 + t * 13) % 250 } }))),
    );
    expectMergesToMatch(() => new AttrsAccumulator(), traces);
    expect(foldTraces(new AttrsAccumulator(), traces).keys[0]).toMatchObject({ key: 'n', distinctCapped: true, distinct: DISTINCT_CAP });
  });
});
