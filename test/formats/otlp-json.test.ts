import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/model/errors.js';
import type { Decoded } from '../../src/formats/decoder.js';
import { decodeOtlpJson, isOtlpPayload, otlpSignal } from '../../src/formats/otlp-json.js';
import type { SpanRecord } from '../../src/model/span.js';

const fixtureUrl = (path: string): URL => new URL(`../../fixtures/${path}`, import.meta.url);
const readText = (path: string): string => readFileSync(fixtureUrl(path), 'utf8');
const readJson = (path: string): unknown => JSON.parse(readText(path));
const readLines = (path: string): unknown[] =>
  readText(path)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);

/** Decodes a fixture the way the CLI will: JSON lines one by one, skipping non-trace lines. */
function decodeFixture(path: string): Decoded {
  if (!path.endsWith('.jsonl')) return decodeOtlpJson(readJson(path));
  const out: Decoded = { spans: [], warnings: [] };
  for (const line of readLines(path)) {
    if (otlpSignal(line) !== 'traces') continue;
    const decoded = decodeOtlpJson(line);
    out.spans.push(...decoded.spans);
    out.warnings.push(...decoded.warnings);
  }
  return out;
}

function summarize(spans: SpanRecord[]) {
  const ids = new Set(spans.map((s) => `${s.traceId}/${s.spanId}`));
  return {
    spans: spans.length,
    services: [...new Set(spans.map((s) => s.service))].sort(),
    noParent: spans.filter((s) => s.parentSpanId === null).length,
    parentNotInFile: spans.filter((s) => s.parentSpanId !== null && !ids.has(`${s.traceId}/${s.parentSpanId}`))
      .length,
  };
}

const hotrodServices = ['customer', 'driver', 'frontend', 'mysql', 'redis-manual', 'route'];
const demoServices = [
  'adservice',
  'checkoutservice',
  'flagd',
  'frontend',
  'frontend-proxy',
  'loadgenerator',
  'productcatalogservice',
  'recommendationservice',
];

// Counted independently of the decoder, from the raw files.
const expected: Record<string, ReturnType<typeof summarize> & { warnings: number }> = {
  'otlp/hotrod-dispatch.json': { spans: 40, services: hotrodServices, noParent: 1, parentNotInFile: 0, warnings: 0 },
  'otlp/otel-demo-collector-export.jsonl': {
    spans: 547,
    services: demoServices,
    noParent: 140,
    parentNotInFile: 1,
    warnings: 0,
  },
  'otlp/otlp-file-exporter-spec-example.jsonl': { spans: 0, services: [], noParent: 0, parentNotInFile: 0, warnings: 8 },
  'otlp/otlp-jsonl-nodejs-sdk.jsonl': { spans: 4, services: ['example-trace'], noParent: 1, parentNotInFile: 0, warnings: 0 },
  'otlp/otlp-trace-multi-service.json': {
    spans: 5,
    services: ['example-service-1', 'example-service-2', 'example-service-3'],
    noParent: 5,
    parentNotInFile: 0,
    warnings: 0,
  },
  'otlp/otlp-trace.json': { spans: 1, services: ['my.service'], noParent: 0, parentNotInFile: 1, warnings: 0 },
  'tempo/kiali-tempo-v1-trace.json': {
    spans: 8,
    services: [
      'details.bookinfo',
      'istio-ingressgateway.istio-system',
      'productpage.bookinfo',
      'ratings.bookinfo',
      'reviews.bookinfo',
    ],
    noParent: 1,
    parentNotInFile: 0,
    warnings: 0,
  },
  'tempo/tempo-v1-batches-unmarshal-input.json': {
    spans: 1,
    services: ['my.service'],
    noParent: 0,
    parentNotInFile: 1,
    warnings: 0,
  },
  'jaeger/apiv3-hotrod-trace.json': { spans: 40, services: hotrodServices, noParent: 1, parentNotInFile: 0, warnings: 0 },
  'jaeger/jaeger-apiv3-trace.json': { spans: 1, services: ['unknown_service'], noParent: 1, parentNotInFile: 0, warnings: 0 },
};

describe('OTLP JSON fixtures', () => {
  it('covers every file in fixtures/otlp and fixtures/tempo', () => {
    const files = ['otlp', 'tempo'].flatMap((dir) => readdirSync(fixtureUrl(dir)).map((f) => `${dir}/${f}`));
    expect(files.filter((f) => !(f in expected))).toEqual([]);
  });

  it.each(Object.entries(expected))('%s: span count, services, roots and orphans', (path, facts) => {
    if (!path.endsWith('.jsonl')) expect(isOtlpPayload(readJson(path))).toBe(true);
    const { spans, warnings } = decodeFixture(path);
    const { warnings: warningCount, ...summary } = facts;
    expect(summarize(spans)).toEqual(summary);
    expect(warnings).toHaveLength(warningCount);
    for (const span of spans) {
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
      if (span.parentSpanId !== null) expect(span.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
      expect(span.durationNs).toBeGreaterThanOrEqual(0);
    }
  });

  it('otlp-trace.json: upper-case ids are lower-cased and the orphan parent is kept', () => {
    const { spans } = decodeOtlpJson(readJson('otlp/otlp-trace.json'));
    expect(spans).toEqual([
      {
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        parentSpanId: 'eee19b7ec3c1b173',
        followsFrom: false,
        name: "I'm a server span",
        service: 'my.service',
        kind: 'server',
        startNs: 1544712660000000000n,
        durationNs: 1_000_000_000,
        status: 'unset',
        statusMessage: null,
        attributes: { 'my.span.attr': 'some value' },
        resource: { 'service.name': 'my.service' },
        events: [],
        links: [],
        shared: false,
      },
    ]);
  });

  it('tempo-v1-batches-unmarshal-input.json: hex ids (not base64) under batches', () => {
    const payload = readJson('tempo/tempo-v1-batches-unmarshal-input.json');
    expect(Object.keys(payload as object)).toEqual(['batches']);
    const [span] = decodeOtlpJson(payload).spans;
    expect(span).toMatchObject({
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      parentSpanId: 'eee19b7ec3c1b173',
    });
  });

  it('kiali-tempo-v1-trace.json: base64 ids decode to the hex their parent references use', () => {
    const { spans } = decodeOtlpJson(readJson('tempo/kiali-tempo-v1-trace.json'));
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set(['3ba55609c3cde49649cd77d1f9dcd936']));
    const root = spans.find((s) => s.parentSpanId === null)!;
    // "Sc130fnc2TY=" in the file.
    expect(root.spanId).toBe('49cd77d1f9dcd936');
    expect(root.kind).toBe('client');
    expect(root.service).toBe('istio-ingressgateway.istio-system');
    const ids = new Set(spans.map((s) => s.spanId));
    expect(ids.size).toBe(8);
    for (const span of spans) if (span.parentSpanId !== null) expect(ids).toContain(span.parentSpanId);
    // "hHVrHasIVvo=" is the productpage server span, child of the gateway's client span.
    expect(spans.find((s) => s.spanId === '84756b1dab0856fa')).toMatchObject({
      parentSpanId: '49cd77d1f9dcd936',
      kind: 'server',
      service: 'productpage.bookinfo',
    });
  });

  it('kiali-tempo-v1-trace.json: enum names for kinds, events kept', () => {
    const { spans } = decodeOtlpJson(readJson('tempo/kiali-tempo-v1-trace.json'));
    expect(spans.filter((s) => s.kind === 'client')).toHaveLength(4);
    expect(spans.filter((s) => s.kind === 'server')).toHaveLength(4);
    expect(root(spans).events).toEqual([{ name: 'cr', timeNs: 1701779876582892000n, attributes: {} }]);
    expect(root(spans).startNs).toBe(1701779876570888000n);
    expect(root(spans).durationNs).toBe(11_932_000);
  });

  it('otlp-file-exporter-spec-example.jsonl: spans with an empty traceId are skipped with a warning', () => {
    const { spans, warnings } = decodeFixture('otlp/otlp-file-exporter-spec-example.jsonl');
    expect(spans).toEqual([]);
    // Every span of the spec's example has empty ids, not only one line's.
    expect(warnings).toHaveLength(8);
    expect(warnings[0]).toBe('span 0 of resourceSpans[0].scopeSpans[0]: empty traceId, skipped');
    for (const warning of warnings) expect(warning).toMatch(/: empty traceId, skipped$/);
  });

  it('otel-demo-collector-export.jsonl: metric and log lines are told apart from trace lines', () => {
    const lines = readLines('otlp/otel-demo-collector-export.jsonl');
    const signals = lines.map(otlpSignal);
    expect(lines).toHaveLength(97);
    expect(signals.filter((s) => s === 'traces')).toHaveLength(41);
    expect(signals.filter((s) => s === 'metrics')).toHaveLength(40);
    expect(signals.filter((s) => s === 'logs')).toHaveLength(16);
    expect(signals[0]).toBe('logs');
    expect(signals[1]).toBe('metrics');
  });

  it('otel-demo-collector-export.jsonl: 547 spans, 141 traces, 107 errors', () => {
    const { spans } = decodeFixture('otlp/otel-demo-collector-export.jsonl');
    expect(spans).toHaveLength(547);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(141);
    expect(spans.filter((s) => s.status === 'error')).toHaveLength(107);
    expect(spans.filter((s) => s.status === 'ok')).toHaveLength(0);
    expect(spans.filter((s) => s.links.length === 1)).toHaveLength(53);
    const orphan = spans.find((s) => s.spanId === '41c59718addbd409')!;
    expect(orphan).toMatchObject({
      traceId: 'ea0982ce5649efddb6af043d73867063',
      parentSpanId: 'b6482e7d0a07f446',
      name: 'flagd.evaluation.v1.Service/EventStream',
    });
    expect(spans.find((s) => s.spanId === 'f4b2e6a7f857c40c')!.links).toEqual([
      { traceId: '4621b4e54f744cfa75e786f8e5979f04', spanId: '0105bc1ddba97760', type: 'link' },
    ]);
    expect(spans.find((s) => s.spanId === '0b4588e3c1511dbb')!.attributes['app.filtered_products.list']).toEqual([
      'LS4PSXUNUM',
      'HQTGWGPNH4',
      'OLJCESPC7Z',
      'L9ECAV7KIM',
      '0PUK6V6EV0',
    ]);
  });

  it('hotrod-dispatch.json: 13 redis GetDriver calls, 3 of them errors, intValue as numbers', () => {
    const { spans } = decodeOtlpJson(readJson('otlp/hotrod-dispatch.json'));
    const getDriver = spans.filter((s) => s.name === 'GetDriver');
    expect(getDriver).toHaveLength(13);
    expect(getDriver.every((s) => s.attributes['db.system.name'] === 'redis')).toBe(true);
    const failed = getDriver.filter((s) => s.status === 'error');
    expect(failed).toHaveLength(3);
    expect(failed.map((s) => s.statusMessage)).toEqual(Array(3).fill('An error occurred'));
    expect(root(spans)).toMatchObject({
      name: 'GET /dispatch',
      spanId: '9c3834fb5a6fea99',
      kind: 'server',
      service: 'frontend',
      startNs: 1787132458639880223n,
      durationNs: 1_116_967_287,
    });
    const retry = spans.flatMap((s) => s.events).find((e) => e.name === 'Retrying GetDriver after error')!;
    expect(retry.attributes).toEqual({ error: 'redis timeout', level: 'error', retry_no: 1 });
  });

  it('apiv3-hotrod-trace.json: OTLP inside {"result": …}', () => {
    const payload = readJson('jaeger/apiv3-hotrod-trace.json');
    expect(Object.keys(payload as object)).toEqual(['result']);
    const { spans } = decodeOtlpJson(payload);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set(['2ea75461946a7dd10f2c15ab36a076cb']));
    expect(root(spans).name).toBe('GET /dispatch');
    expect(spans.filter((s) => s.status === 'error')).toHaveLength(3);
  });

  it('jaeger-apiv3-trace.json: no resource, no times, error status', () => {
    const { spans } = decodeOtlpJson(readJson('jaeger/jaeger-apiv3-trace.json'));
    expect(spans).toEqual([
      expect.objectContaining({
        traceId: '00000000000000000000000000000001',
        spanId: '0000000000000002',
        parentSpanId: null,
        name: 'foobar',
        service: 'unknown_service',
        kind: 'server',
        status: 'error',
        statusMessage: null,
        startNs: 0n,
        durationNs: 0,
        resource: {},
      }),
    ]);
  });

  it('otlp-trace-multi-service.json: events without names, missing kinds, empty status objects', () => {
    const { spans } = decodeOtlpJson(readJson('otlp/otlp-trace-multi-service.json'));
    expect(spans.map((s) => [s.spanId, s.kind])).toEqual([
      ['0000000000000004', 'unspecified'],
      ['0000000000000005', 'unspecified'],
      ['0000000000000003', 'unspecified'],
      ['0000000000000006', 'server'],
      ['0000000000000007', 'client'],
    ]);
    for (const span of spans) {
      expect(span.status).toBe('unset');
      expect(span.durationNs).toBe(100_000);
      expect(span.events).toEqual([
        { name: '', timeNs: 1485449191639875000n, attributes: {} },
        { name: '', timeNs: 1485449191639875000n, attributes: {} },
      ]);
    }
  });

  it('otlp-jsonl-nodejs-sdk.jsonl: one span per line, all internal, one trace', () => {
    const { spans } = decodeFixture('otlp/otlp-jsonl-nodejs-sdk.jsonl');
    expect(spans.map((s) => s.kind)).toEqual(['internal', 'internal', 'internal', 'internal']);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    expect(spans[0]).toMatchObject({ startNs: 1711138246978000000n, durationNs: 46_460_625 });
  });

  it('snake_case keys decode exactly like camelCase', () => {
    for (const path of ['otlp/hotrod-dispatch.json', 'tempo/kiali-tempo-v1-trace.json']) {
      const camel = readJson(path);
      const snake = toSnakeCase(camel);
      expect(JSON.stringify(snake)).toContain('"start_time_unix_nano"');
      const decoded = decodeOtlpJson(snake);
      expect(decoded.spans.length).toBeGreaterThan(0);
      expect(decoded).toEqual(decodeOtlpJson(camel));
    }
  });
});

function root(spans: SpanRecord[]): SpanRecord {
  const roots = spans.filter((s) => s.parentSpanId === null);
  expect(roots).toHaveLength(1);
  return roots[0]!;
}

function toSnakeCase(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toSnakeCase);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), toSnakeCase(v)]),
  );
}

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

/** A one-span payload around the given span fields. */
function payloadWith(span: Record<string, unknown>, resourceAttributes: unknown[] = []): unknown {
  return {
    resourceSpans: [
      {
        resource: { attributes: resourceAttributes },
        scopeSpans: [{ spans: [{ traceId: TRACE, spanId: SPAN, name: 'op', ...span }] }],
      },
    ],
  };
}

describe('payload shapes', () => {
  const inner = { resourceSpans: [] };
  it.each([
    ['resourceSpans', inner],
    ['resource_spans', { resource_spans: [] }],
    ['Tempo batches', { batches: [] }],
    ['Tempo v2 trace', { trace: inner }],
    ['Tempo v2 partial trace', { trace: { batches: [] }, status: 'PARTIAL' }],
    ['Jaeger api_v3', { result: inner }],
  ])('recognizes %s', (_, payload) => {
    expect(isOtlpPayload(payload)).toBe(true);
    expect(otlpSignal(payload)).toBe('traces');
  });

  it.each([
    ['null', null],
    ['an array (Zipkin)', [{ traceId: TRACE }]],
    ['Jaeger v1', { data: [{ traceID: TRACE, spans: [] }] }],
    ['metrics', { resourceMetrics: [] }],
    ['snake_case logs', { resource_logs: [] }],
    ['resourceSpans that is not an array', { resourceSpans: {} }],
  ])('rejects %s', (_, payload) => {
    expect(isOtlpPayload(payload)).toBe(false);
    expect(() => decodeOtlpJson(payload)).toThrow(InputError);
  });

  it('names the other signals', () => {
    expect(otlpSignal({ resourceMetrics: [] })).toBe('metrics');
    expect(otlpSignal({ resource_logs: [] })).toBe('logs');
    expect(otlpSignal({ data: [] })).toBe(null);
    expect(otlpSignal('resourceSpans')).toBe(null);
  });

  it('warns when Tempo marks a trace PARTIAL', () => {
    const decoded = decodeOtlpJson({
      trace: payloadWith({}),
      status: 'PARTIAL',
      message: 'trace exceeds max size',
    });
    expect(decoded.spans).toHaveLength(1);
    expect(decoded.warnings).toEqual([
      'the backend marked the trace PARTIAL, some spans may be missing: trace exceeds max size',
    ]);
  });

  it('reads legacy instrumentationLibrarySpans next to scopeSpans', () => {
    const { spans } = decodeOtlpJson({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'legacy' } }] },
          instrumentationLibrarySpans: [
            { instrumentationLibrary: { name: 'lib' }, spans: [{ traceId: TRACE, spanId: SPAN, name: 'old' }] },
          ],
          scopeSpans: [{ spans: [{ traceId: TRACE, spanId: '00000000000000aa', name: 'new' }] }],
        },
      ],
    });
    expect(spans.map((s) => [s.name, s.service])).toEqual([
      ['new', 'legacy'],
      ['old', 'legacy'],
    ]);
  });
});

describe('span fields', () => {
  const decodeOne = (span: Record<string, unknown>, resourceAttributes?: unknown[]): Decoded =>
    decodeOtlpJson(payloadWith(span, resourceAttributes));

  it.each([
    ['upper-case hex', '0AF7651916CD43DD8448EB211C80319C', TRACE],
    ['64-bit hex, left-padded', '8448eb211c80319c', '00000000000000008448eb211c80319c'],
    ['base64', 'CvdlGRbNQ92ESOshHIAxnA==', TRACE],
    ['unpadded base64', 'CvdlGRbNQ92ESOshHIAxnA', TRACE],
    ['url-safe base64', 'O6VWCcPN5JZJzXfR-dzZNg', '3ba55609c3cde49649cd77d1f9dcd936'],
    ['64-bit base64, left-padded', 'hEjrIRyAMZw=', '00000000000000008448eb211c80319c'],
  ])('trace id as %s', (_, traceId, hex) => {
    expect(decodeOne({ traceId }).spans[0]!.traceId).toBe(hex);
  });

  it.each([
    ['hex', 'B7AD6B7169203331', SPAN],
    ['base64', 't61rcWkgMzE=', SPAN],
  ])('span id as %s', (_, spanId, hex) => {
    expect(decodeOne({ spanId }).spans[0]!.spanId).toBe(hex);
  });

  it.each([
    ['missing traceId', { traceId: undefined }, 'empty traceId'],
    ['empty spanId', { spanId: '' }, 'empty spanId'],
    ['all-zero traceId', { traceId: '0'.repeat(32) }, `invalid traceId "${'0'.repeat(32)}"`],
    ['too long spanId', { spanId: '0123456789abcdef01' }, 'invalid spanId "0123456789abcdef01"'],
    ['not an id', { spanId: 'not an id!' }, 'invalid spanId "not an id!"'],
    ['bad start time', { startTimeUnixNano: '12:00' }, 'invalid startTimeUnixNano "12:00"'],
  ])('skips a span with a %s and says why', (_, fields, why) => {
    const { spans, warnings } = decodeOne(fields);
    expect(spans).toEqual([]);
    expect(warnings).toEqual([`span 0 of resourceSpans[0].scopeSpans[0]: ${why}, skipped`]);
  });

  it('keeps decoding the other spans of the payload after a bad one', () => {
    const { spans, warnings } = decodeOtlpJson({
      resourceSpans: [
        { scopeSpans: [{ spans: [42, { traceId: TRACE, spanId: SPAN }] }] },
        'not a resource',
      ],
    });
    expect(spans.map((s) => s.spanId)).toEqual([SPAN]);
    expect(warnings).toEqual([
      'span 0 of resourceSpans[0].scopeSpans[0]: not an object, skipped',
      'resourceSpans[1]: not an object, skipped',
    ]);
  });

  it('treats empty and all-zero parents as roots, and warns about a malformed one', () => {
    expect(decodeOne({ parentSpanId: '' }).spans[0]!.parentSpanId).toBe(null);
    expect(decodeOne({ parentSpanId: '0000000000000000' }).spans[0]!.parentSpanId).toBe(null);
    const bad = decodeOne({ parentSpanId: 'xyz!' });
    expect(bad.spans[0]!.parentSpanId).toBe(null);
    expect(bad.warnings).toEqual([
      'span 0 of resourceSpans[0].scopeSpans[0]: invalid parentSpanId "xyz!", treated as a root',
    ]);
  });

  it.each([
    [0, 'unspecified'],
    [1, 'internal'],
    [2, 'server'],
    [3, 'client'],
    [4, 'producer'],
    [5, 'consumer'],
    [9, 'unspecified'],
    ['SPAN_KIND_PRODUCER', 'producer'],
    ['SPAN_KIND_CONSUMER', 'consumer'],
    ['SPAN_KIND_INTERNAL', 'internal'],
    ['SPAN_KIND_BOGUS', 'unspecified'],
  ])('kind %s is %s', (kind, name) => {
    expect(decodeOne({ kind }).spans[0]!.kind).toBe(name);
  });

  it.each([
    [{ code: 0 }, 'unset', null],
    [{ code: 1, message: '' }, 'ok', null],
    [{ code: 2, message: 'boom' }, 'error', 'boom'],
    [{ code: 'STATUS_CODE_OK' }, 'ok', null],
    [{ code: 'STATUS_CODE_ERROR', message: 'timeout' }, 'error', 'timeout'],
    [{}, 'unset', null],
  ])('status %j', (status, code, message) => {
    const [span] = decodeOne({ status }).spans;
    expect(span!.status).toBe(code);
    expect(span!.statusMessage).toBe(message);
  });

  it('reads int64 times as strings or numbers, exact to the nanosecond', () => {
    const fromStrings = decodeOne({ startTimeUnixNano: '1700000000123456789', endTimeUnixNano: '1700000000123556790' });
    expect(fromStrings.spans[0]!.startNs).toBe(1700000000123456789n);
    expect(fromStrings.spans[0]!.durationNs).toBe(100_001);
    const fromNumbers = decodeOne({ startTimeUnixNano: 1_000_000_000, endTimeUnixNano: 3_500_000_000 });
    expect(fromNumbers.spans[0]!.startNs).toBe(1_000_000_000n);
    expect(fromNumbers.spans[0]!.durationNs).toBe(2_500_000_000);
  });

  it('reads every AnyValue type', () => {
    const { spans } = decodeOne({
      attributes: [
        { key: 's', value: { stringValue: 'text' } },
        { key: 'b', value: { boolValue: false } },
        { key: 'i', value: { intValue: '-42' } },
        { key: 'inum', value: { intValue: 7 } },
        { key: 'big', value: { intValue: '9223372036854775807' } },
        { key: 'd', value: { doubleValue: 0.25 } },
        { key: 'nan', value: { doubleValue: 'NaN' } },
        { key: 'a', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: '1' }, {}] } } },
        { key: 'emptyArray', value: { arrayValue: {} } },
        { key: 'kv', value: { kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } } },
        { key: 'bytes', value: { bytesValue: 'AAEC' } },
        { key: 'snake', value: { string_value: 'snake' } },
        { key: 'empty', value: {} },
      ],
    });
    const attributes = spans[0]!.attributes;
    expect(attributes).toEqual({
      s: 'text',
      b: false,
      i: -42,
      inum: 7,
      big: '9223372036854775807',
      d: 0.25,
      nan: Number.NaN,
      a: ['x', 1, null],
      emptyArray: [],
      kv: { k: true },
      bytes: 'AAEC',
      snake: 'snake',
      empty: null,
    });
  });

  it('keeps an attribute named __proto__ as a key, not as the prototype', () => {
    const { attributes } = decodeOne({
      attributes: [{ key: '__proto__', value: { kvlistValue: { values: [{ key: 'polluted', value: { boolValue: true } }] } } }],
    }).spans[0]!;
    expect(Object.getPrototypeOf(attributes)).toBe(Object.prototype);
    expect('polluted' in attributes).toBe(false);
    expect(Object.getOwnPropertyDescriptor(attributes, '__proto__')?.value).toEqual({ polluted: true });
  });

  it('takes the service from service.name and keeps every resource attribute', () => {
    const resource = [
      { key: 'service.name', value: { stringValue: 'cart' } },
      { key: 'host.name', value: { stringValue: 'node-1' } },
    ];
    const [span] = decodeOne({}, resource).spans;
    expect(span!.service).toBe('cart');
    expect(span!.resource).toEqual({ 'service.name': 'cart', 'host.name': 'node-1' });
    expect(decodeOne({}, [{ key: 'service.name', value: { stringValue: '' } }]).spans[0]!.service).toBe(
      'unknown_service',
    );
  });

  it('reads events and links, and drops a link without ids with a warning', () => {
    const { spans, warnings } = decodeOne({
      events: [{ name: 'exception', time_unix_nano: '5', attributes: [{ key: 'k', value: { intValue: 1 } }] }],
      links: [
        { traceId: TRACE.toUpperCase(), spanId: SPAN },
        { traceId: '', spanId: SPAN },
      ],
    });
    expect(spans[0]!.events).toEqual([{ name: 'exception', timeNs: 5n, attributes: { k: 1 } }]);
    expect(spans[0]!.links).toEqual([{ traceId: TRACE, spanId: SPAN, type: 'link' }]);
    expect(warnings).toEqual(['link 1 of span 0 of resourceSpans[0].scopeSpans[0]: empty traceId, dropped']);
  });
});
