import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { DetectedResourceAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/model/errors.js';
import type { Decoded } from '../../src/formats/decoder.js';
import { decodeOtlpJson } from '../../src/formats/otlp-json.js';
import { decodeOtlpProtobuf, looksLikeOtlpProtobuf } from '../../src/formats/otlp-proto.js';
import type { SpanKind as TracectlKind, SpanRecord } from '../../src/model/span.js';

const LINKED_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const LINKED_SPAN = '00f067aa0ba902b7';
const BIG = 2 ** 60;

const hrNs = (t: HrTime): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

/** Spans from the OpenTelemetry JS SDK, the producer whose output the decoders must read. */
function produceSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  // The SDK's attribute types stop at primitives and arrays, but resource attributes go
  // to the serializer unchecked, which encodes bytes and maps as bytesValue and kvlistValue.
  const resourceAttributes: Record<string, unknown> = {
    'service.name': 'checkout',
    'host.id': new Uint8Array([0, 1, 2, 250, 255]),
    'deployment': { region: 'eu-west-1', replicas: 3, canary: false },
  };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resourceAttributes as DetectedResourceAttributes),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('tracectl-test', '1.2.3');

  const parent = tracer.startSpan('POST /checkout', {
    kind: SpanKind.SERVER,
    startTime: [1_700_000_000, 100_000_001],
  });
  const child = tracer.startSpan(
    'charge card',
    {
      kind: SpanKind.CLIENT,
      startTime: [1_700_000_000, 200_000_123],
      attributes: {
        'http.request.method': 'POST',
        'retry.count': 3,
        'balance.delta': -42,
        'sample.ratio': 0.25,
        'cache.hit': false,
        'card.brands': ['visa', 'amex'],
        'http.status_codes': [402, 503],
        'flags': [true, false],
        'big.counter': BIG,
      },
      links: [
        {
          context: { traceId: LINKED_TRACE, spanId: LINKED_SPAN, traceFlags: 1 },
          attributes: { reason: 'batch' },
        },
      ],
    },
    trace.setSpan(context.active(), parent),
  );
  child.addEvent('retry', { 'retry.attempt': 2, 'retry.reason': 'timeout' }, [1_700_000_000, 250_000_777]);
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  child.end([1_700_000_000, 900_000_456]);
  parent.end([1_700_000_001, 5]);

  // On the SDK's own clock: real times with sub-millisecond digits.
  const clocked = tracer.startSpan('publish receipt', { kind: SpanKind.PRODUCER }, trace.setSpan(context.active(), parent));
  clocked.setStatus({ code: SpanStatusCode.OK });
  clocked.end();

  return exporter.getFinishedSpans();
}

const kindNames: Record<SpanKind, TracectlKind> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};
const statusNames = { [SpanStatusCode.UNSET]: 'unset', [SpanStatusCode.OK]: 'ok', [SpanStatusCode.ERROR]: 'error' };

describe('round trip through the OpenTelemetry JS SDK and otlp-transformer', () => {
  let sdkSpans: ReadableSpan[];
  let protoBytes: Uint8Array;
  let jsonText: string;
  let fromProto: Decoded;
  let fromJson: Decoded;

  beforeAll(() => {
    sdkSpans = produceSpans();
    protoBytes = ProtobufTraceSerializer.serializeRequest(sdkSpans)!;
    jsonText = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(sdkSpans)!);
    fromProto = decodeOtlpProtobuf(protoBytes);
    fromJson = decodeOtlpJson(JSON.parse(jsonText));
  });

  const byName = (decoded: Decoded, name: string): SpanRecord => decoded.spans.find((s) => s.name === name)!;

  it('produced the spans the test expects', () => {
    expect(sdkSpans.map((s) => s.name).sort()).toEqual(['POST /checkout', 'charge card', 'publish receipt']);
    expect(looksLikeOtlpProtobuf(protoBytes)).toBe(true);
  });

  it.each(['protobuf', 'JSON'])('%s: ids, parents, names, kinds, times and status match the SDK', (format) => {
    const decoded = format === 'JSON' ? fromJson : fromProto;
    expect(decoded.warnings).toEqual([]);
    expect(decoded.spans).toHaveLength(sdkSpans.length);
    for (const sdk of sdkSpans) {
      const span = byName(decoded, sdk.name);
      expect(span.traceId).toBe(sdk.spanContext().traceId);
      expect(span.spanId).toBe(sdk.spanContext().spanId);
      expect(span.parentSpanId).toBe(sdk.parentSpanContext?.spanId ?? null);
      expect(span.kind).toBe(kindNames[sdk.kind]);
      expect(span.startNs).toBe(hrNs(sdk.startTime));
      expect(span.durationNs).toBe(Number(hrNs(sdk.duration)));
      expect(span.status).toBe(statusNames[sdk.status.code]);
      expect(span.statusMessage).toBe(sdk.status.message ?? null);
      expect(span.service).toBe('checkout');
      expect(span.followsFrom).toBe(false);
      expect(span.shared).toBe(false);
    }
  });

  it.each(['protobuf', 'JSON'])('%s: exact nanoseconds, attributes, events, links, resource', (format) => {
    const decoded = format === 'JSON' ? fromJson : fromProto;
    const parent = byName(decoded, 'POST /checkout');
    const child = byName(decoded, 'charge card');
    expect(parent.parentSpanId).toBe(null);
    expect(child.parentSpanId).toBe(parent.spanId);
    expect(byName(decoded, 'publish receipt').parentSpanId).toBe(parent.spanId);
    expect(child.startNs).toBe(1_700_000_000_200_000_123n);
    expect(child.durationNs).toBe(700_000_333);
    expect(parent.durationNs).toBe(900_000_004);
    expect(child).toMatchObject({ kind: 'client', status: 'error', statusMessage: 'card declined' });
    expect(child.attributes).toEqual({
      'http.request.method': 'POST',
      'retry.count': 3,
      'balance.delta': -42,
      'sample.ratio': 0.25,
      'cache.hit': false,
      'card.brands': ['visa', 'amex'],
      'http.status_codes': [402, 503],
      'flags': [true, false],
      // 2^60 is beyond 2^53: kept as its exact decimal string.
      'big.counter': '1152921504606846976',
    });
    expect(child.events).toEqual([
      { name: 'retry', timeNs: 1_700_000_000_250_000_777n, attributes: { 'retry.attempt': 2, 'retry.reason': 'timeout' } },
    ]);
    expect(child.links).toEqual([{ traceId: LINKED_TRACE, spanId: LINKED_SPAN, type: 'link' }]);
    expect(child.resource).toMatchObject({
      'service.name': 'checkout',
      'host.id': Buffer.from([0, 1, 2, 250, 255]).toString('base64'),
      'deployment': { region: 'eu-west-1', replicas: 3, canary: false },
    });
  });

  it('protobuf and JSON decode to the same records', () => {
    expect(fromProto).toEqual(fromJson);
  });

  it('snake_case JSON decodes to the same records', () => {
    const snake = jsonText.replace(/"([a-z]+[A-Z][A-Za-z]*)":/g, (_, key: string) =>
      `"${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}":`,
    );
    expect(snake).toContain('"resource_spans":');
    expect(snake).toContain('"start_time_unix_nano":');
    expect(snake).toContain('"string_value":');
    expect(snake).not.toContain('"startTimeUnixNano":');
    expect(decodeOtlpJson(JSON.parse(snake))).toEqual(fromJson);
  });

  it('a truncated buffer is an InputError with a plain message, wherever it is cut', () => {
    // The SDK wrote one resourceSpans record, so every cut falls inside it.
    expect(protoBytes[0]).toBe(0x0a);
    for (let end = 1; end < protoBytes.length; end++) {
      let thrown: unknown;
      try {
        decodeOtlpProtobuf(protoBytes.subarray(0, end));
      } catch (error) {
        thrown = error;
      }
      expect(thrown, `cut at byte ${end}`).toBeInstanceOf(InputError);
      expect((thrown as InputError).message).toBe(
        'Not a valid OTLP protobuf trace export: the data is truncated or corrupt.',
      );
      expect(looksLikeOtlpProtobuf(protoBytes.subarray(0, end))).toBe(false);
    }
  });

  it('the sniffer rejects the JSON encoding, even after a leading newline', () => {
    const json = new TextEncoder().encode(jsonText);
    expect(looksLikeOtlpProtobuf(json)).toBe(false);
    expect(looksLikeOtlpProtobuf(new TextEncoder().encode(`\n${jsonText}`))).toBe(false);
    expect(looksLikeOtlpProtobuf(new TextEncoder().encode(`\n${JSON.stringify(JSON.parse(jsonText), null, 2)}`))).toBe(
      false,
    );
  });
});

/** Minimal protobuf writer, independent of protobufjs, for hand-built messages. */
const varint = (value: number): number[] => {
  const out: number[] = [];
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
};
const tag = (field: number, wireType: number): number[] => varint(field * 8 + wireType);
const bytesField = (field: number, payload: ArrayLike<number>): number[] => [
  ...tag(field, 2),
  ...varint(payload.length),
  ...Array.from(payload),
];
const stringField = (field: number, text: string): number[] => bytesField(field, new TextEncoder().encode(text));
const varintField = (field: number, value: number): number[] => [...tag(field, 0), ...varint(value)];
const fixed64Field = (field: number, value: bigint): number[] => {
  const out = tag(field, 1);
  for (let i = 0n; i < 8n; i++) out.push(Number((value >> (8n * i)) & 0xffn));
  return out;
};
const hex = (id: string): number[] => Array.from(Buffer.from(id, 'hex'));

describe('hand-built protobuf', () => {
  const traceId = '5b8efff798038103d269b633813fc60c';

  function span(fields: number[][]): number[] {
    return fields.flat();
  }

  it('reads deprecated instrumentation_library_spans (field 1000) and exact fixed64 times', () => {
    const legacySpan = span([
      bytesField(1, hex(traceId)),
      bytesField(2, hex('eee19b7ec3c1b174')),
      bytesField(4, hex('eee19b7ec3c1b173')),
      stringField(5, 'legacy'),
      varintField(6, 4),
      fixed64Field(7, 18_446_744_073_709_551_000n),
      fixed64Field(8, 18_446_744_073_709_551_615n),
      bytesField(15, [...stringField(2, 'queue full'), ...varintField(3, 2)]),
    ]);
    const resource = bytesField(1, bytesField(1, [...stringField(1, 'service.name'), ...bytesField(2, stringField(1, 'legacy-svc'))]));
    const resourceSpans = [...resource, ...bytesField(1000, bytesField(2, legacySpan))];
    const message = Uint8Array.from(bytesField(1, resourceSpans));

    expect(looksLikeOtlpProtobuf(message)).toBe(true);
    const { spans, warnings } = decodeOtlpProtobuf(message);
    expect(warnings).toEqual([]);
    expect(spans).toEqual([
      {
        traceId,
        spanId: 'eee19b7ec3c1b174',
        parentSpanId: 'eee19b7ec3c1b173',
        followsFrom: false,
        name: 'legacy',
        service: 'legacy-svc',
        kind: 'producer',
        startNs: 18_446_744_073_709_551_000n,
        durationNs: 615,
        status: 'error',
        statusMessage: 'queue full',
        attributes: {},
        resource: { 'service.name': 'legacy-svc' },
        events: [],
        links: [],
        shared: false,
      },
    ]);
  });

  it('skips spans with missing or all-zero ids with a warning, pads a 64-bit trace id', () => {
    const spanBytes = (fields: number[][]) => bytesField(2, span(fields));
    const scope = [
      ...spanBytes([bytesField(2, hex('eee19b7ec3c1b174')), stringField(5, 'no trace id')]),
      ...spanBytes([bytesField(1, Array(16).fill(0)), bytesField(2, hex('eee19b7ec3c1b174'))]),
      ...spanBytes([bytesField(1, hex('d269b633813fc60c')), bytesField(2, hex('eee19b7ec3c1b174'))]),
    ];
    const message = Uint8Array.from(bytesField(1, bytesField(2, scope)));
    const { spans, warnings } = decodeOtlpProtobuf(message);
    expect(spans.map((s) => [s.traceId, s.service, s.parentSpanId])).toEqual([
      ['0000000000000000d269b633813fc60c', 'unknown_service', null],
    ]);
    expect(warnings).toEqual([
      'span 0 of resourceSpans[0].scopeSpans[0]: empty traceId, skipped',
      `span 1 of resourceSpans[0].scopeSpans[0]: invalid traceId "${'0'.repeat(32)}", skipped`,
    ]);
  });

  it('an empty buffer is an empty export', () => {
    expect(decodeOtlpProtobuf(new Uint8Array())).toEqual({ spans: [], warnings: [], skipped: 0 });
    expect(looksLikeOtlpProtobuf(new Uint8Array())).toBe(false);
  });

  it('the sniffer wants field 1, wire type 2, with a length that fits', () => {
    expect(looksLikeOtlpProtobuf(Uint8Array.from([0x0a, 0x02, 0x12, 0x00]))).toBe(true);
    expect(looksLikeOtlpProtobuf(Uint8Array.from([0x12, 0x02, 0x12, 0x00]))).toBe(false);
    expect(looksLikeOtlpProtobuf(Uint8Array.from([0x0a, 0x05, 0x12, 0x00]))).toBe(false);
    // An unterminated or over-long length varint.
    expect(looksLikeOtlpProtobuf(Uint8Array.from([0x0a, 0x80]))).toBe(false);
    expect(looksLikeOtlpProtobuf(Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(false);
  });
});

describe('deeply nested attribute values in protobuf', () => {
  // Hand-encoded, as the test encoder (protobufjs too) stops at the same depth limit.
  const varint = (n: number): number[] => {
    const out: number[] = [];
    for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
    out.push(n);
    return out;
  };
  const field = (num: number, bytes: Uint8Array): Uint8Array => Buffer.concat([Buffer.from([(num << 3) | 2, ...varint(bytes.length)]), bytes]);
  const fixed64 = (num: number, value: bigint): Uint8Array => {
    const b = Buffer.alloc(9);
    b[0] = (num << 3) | 1;
    b.writeBigUInt64LE(value, 1);
    return b;
  };
  /** `{arrayValue: {values: [ … {stringValue: "x"} … ]}}`, `levels` arrays deep. */
  const nested = (levels: number): Uint8Array => {
    let value = field(1, Buffer.from('x'));
    for (let i = 0; i < levels; i++) value = field(5, field(1, value));
    return value;
  };
  const tracesData = (levels: number): Uint8Array => {
    const attribute = (key: string, value: Uint8Array) => field(9, Buffer.concat([field(1, Buffer.from(key)), field(2, value)]));
    const span = Buffer.concat([
      field(1, Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex')),
      field(2, Buffer.from('b7ad6b7169203331', 'hex')),
      field(5, Buffer.from('op')),
      fixed64(7, 1_700_000_000_000_000_000n),
      fixed64(8, 1_700_000_000_100_000_000n),
      attribute('deep', nested(levels)),
      attribute('plain', field(1, Buffer.from('kept'))),
    ]);
    return field(1, field(2, field(2, span)));
  };
  const depthOf = (value: unknown): number => {
    let depth = 0;
    for (let v = value; Array.isArray(v); v = v[0]) depth++;
    return depth;
  };

  it('reads a value nested 48 arrays deep whole, and the rest of the span', () => {
    const decoded = decodeOtlpProtobuf(tracesData(48));
    expect(decoded.spans).toHaveLength(1);
    const { attributes } = decoded.spans[0]!;
    expect(attributes['plain']).toBe('kept');
    expect(depthOf(attributes['deep'])).toBe(48);
  });

  it('reads a value nested 5,000 deep as JSON reads it: the part past 64 levels is null', () => {
    const decoded = decodeOtlpProtobuf(tracesData(5000));
    const { attributes } = decoded.spans[0]!;
    expect(attributes['plain']).toBe('kept');
    // Levels 0-63 are read; the AnyValue at depth 64 is null, so 64 arrays, the last holding null.
    expect(depthOf(attributes['deep'])).toBe(64);
    let v: unknown = attributes['deep'];
    for (let i = 0; i < 64; i++) v = (v as unknown[])[0];
    expect(v).toBeNull();
  });
});
