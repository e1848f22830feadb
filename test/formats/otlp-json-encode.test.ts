import { describe, expect, it } from 'vitest';
import { decodeOtlpJson } from '../../src/formats/otlp-json.js';
import { encodeOtlpJsonLine } from '../../src/formats/otlp-json-encode.js';
import type { SpanRecord } from '../../src/model/span.js';

const resource = { 'service.name': 'api' };
const span = (over: Partial<SpanRecord>): SpanRecord => ({
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  parentSpanId: null,
  followsFrom: false,
  name: 'GET /',
  service: 'api',
  kind: 'server',
  startNs: 1767225600123456789n,
  durationNs: 1_000_001,
  status: 'unset',
  statusMessage: null,
  attributes: {},
  resource,
  events: [],
  links: [],
  shared: false,
  ...over,
});

describe('encodeOtlpJsonLine', () => {
  it('writes the Collector file exporter shape: hex ids, string nanos, numeric enums, one resource entry per resource', () => {
    const line = encodeOtlpJsonLine([span({ status: 'error', statusMessage: 'boom', kind: 'client', parentSpanId: 'b7ad6b7169203331' }), span({ spanId: '1111111111111111', resource: { 'service.name': 'db' } })]);
    expect(line.endsWith('}\n')).toBe(true);
    expect(line.split('\n')).toHaveLength(2);
    const json = JSON.parse(line) as { resourceSpans: { resource: unknown; scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
    expect(json.resourceSpans).toHaveLength(2);
    expect(json.resourceSpans[0]!.resource).toEqual({ attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] });
    expect(json.resourceSpans[0]!.scopeSpans[0]!.spans[0]).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      parentSpanId: 'b7ad6b7169203331',
      name: 'GET /',
      kind: 3,
      startTimeUnixNano: '1767225600123456789',
      endTimeUnixNano: '1767225600124456790',
      attributes: [],
      status: { code: 2, message: 'boom' },
    });
  });

  it('attribute values round-trip through the decoder: ints, doubles, NaN, big ints kept as strings, nesting, null', () => {
    const attributes = { n: 42, neg: -7, d: 0.5, nan: NaN, inf: -Infinity, big: '9007199254740993', s: 'x', b: false, list: [1, 'a', [true]], map: { inner: { deep: 2 } }, nothing: null };
    const original = span({ attributes, events: [{ name: 'e', timeNs: 1767225600123456790n, attributes: { k: 'v' } }], links: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', type: 'link' }] });
    const line = encodeOtlpJsonLine([original]);
    expect(line).toContain('{"key":"n","value":{"intValue":"42"}}');
    expect(line).toContain('{"key":"nan","value":{"doubleValue":"NaN"}}');
    expect(line).toContain('{"key":"nothing","value":{}}');
    const [back] = decodeOtlpJson(JSON.parse(line)).spans;
    expect(back).toEqual(original);
  });
});
