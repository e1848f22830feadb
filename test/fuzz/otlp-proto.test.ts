import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeInput } from '../../src/formats/index.js';
import { decodeOtlpProtobuf } from '../../src/formats/otlp-proto.js';
import { DEEP, FUZZ_RUNS, fuzzParams, testTimeout } from './config.js';
import { otlpJsonFixtures } from './fixtures.js';
import { checkDecoded, decodeOrInputError } from './invariants.js';
import { encodeTracesData, otlpJsonToProtobuf } from '../helpers/otlp-proto-encode.js';

/**
 * The OTLP protobuf decoder, directly and through the dispatcher: real fixtures encoded
 * as protobuf then truncated at every position (or sampled ones), with bytes flipped,
 * inserted and deleted; random bytes; and well-formed messages whose content is hostile
 * (ids of every length, times at the ends of fixed64, any int32 as kind and status,
 * AnyValues nested thousands deep). Properties as for the JSON decoders.
 */

const encoded = otlpJsonFixtures.map((f) => ({ name: f.name, bytes: otlpJsonToProtobuf(f.payload) })).filter((f) => f.bytes.length > 0);

/** The header of a length-delimited field: its tag and the varint length. */
function header(number: number, length: number): number[] {
  const out = [(number << 3) | 2];
  for (let n = length; ; n = Math.floor(n / 128)) {
    out.push(n >= 128 ? (n % 128) | 0x80 : n);
    if (n < 128) return out;
  }
}

const field = (number: number, payload: Uint8Array): Buffer => Buffer.concat([Buffer.from(header(number, payload.length)), payload]);

/**
 * TracesData with one span whose one attribute is an AnyValue nested `depth` deep
 * (arrayValue and kvlistValue in turn). Nesting only adds headers in front, so they are
 * worked out from the inside and written from the outside, in linear time.
 */
function deeplyNested(depth: number): Uint8Array {
  const leaf = field(1, Buffer.from('leaf'));
  const prefixes: number[][] = [];
  let length = leaf.length;
  for (let i = 0; i < depth; i++) {
    let prefix: number[];
    if (i % 2 === 0) {
      const values = header(1, length);
      prefix = [...header(5, values.length + length), ...values];
    } else {
      const value = header(2, length);
      const key = [...header(1, 1), 0x6b];
      const keyValue = [...key, ...value];
      const values = header(1, keyValue.length + length);
      prefix = [...header(6, values.length + keyValue.length + length), ...values, ...keyValue];
    }
    prefixes.push(prefix);
    length += prefix.length;
  }
  const value = Buffer.concat([Buffer.from(prefixes.reverse().flat()), leaf]);
  const span = Buffer.concat([field(1, Buffer.alloc(16, 1)), field(2, Buffer.alloc(8, 1)), field(9, Buffer.concat([field(1, Buffer.from('a')), field(2, value)]))]);
  return field(1, field(2, field(2, span)));
}

function decodeAndCheck(bytes: Uint8Array, what: string): void {
  const direct = decodeOrInputError(`decodeOtlpProtobuf: ${what}`, () => decodeOtlpProtobuf(bytes));
  if (direct) checkDecoded(direct.spans, direct.warnings);
  const viaInput = decodeOrInputError(`decodeInput: ${what}`, () => decodeInput(bytes, 'fuzz.pb'));
  if (viaInput) checkDecoded(viaInput.spans, viaInput.warnings);
}

describe('OTLP protobuf', () => {
  it('the encoded fixtures decode to the spans their JSON decodes to', () => {
    const hotrod = encoded.find((f) => f.name === 'otlp/hotrod-dispatch.json')!;
    const decoded = decodeInput(hotrod.bytes, 'hotrod.pb');
    expect(decoded.format).toBe('otlp-proto');
    expect(decoded.spans).toHaveLength(40);
    checkDecoded(decoded.spans, decoded.warnings);
  });

  const EVERY_POSITION_MAX = DEEP ? 20_000 : 1_500;
  it.each(encoded.map((f) => [f.name, f.bytes.length, f] as const))(
    '%s (%i bytes) truncated',
    (_name, length, { name, bytes }) => {
      if (length <= EVERY_POSITION_MAX) {
        for (let end = 0; end <= length; end++) decodeAndCheck(bytes.subarray(0, end), `${name} cut at ${end}`);
      } else {
        fc.assert(
          fc.property(fc.integer({ min: 0, max: length }), (end) => decodeAndCheck(bytes.subarray(0, end), `${name} cut at ${end}`)),
          fuzzParams(1),
        );
      }
    },
    testTimeout(20_000, 2),
  );

  it(
    'bytes flipped, inserted and deleted: only InputError, and what decodes holds the invariants',
    () => {
      fc.assert(
        fc.property(
          fc.nat({ max: encoded.length - 1 }),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'insert', 'delete')), { minLength: 1, maxLength: 8 }),
          (i, edits) => {
            let bytes = Buffer.from(encoded[i]!.bytes);
            for (const [at, byte, op] of edits) {
              const pos = at % (bytes.length + 1);
              if (op === 'flip' && pos < bytes.length) bytes[pos] = byte;
              else if (op === 'insert') bytes = Buffer.concat([bytes.subarray(0, pos), Buffer.from([byte]), bytes.subarray(pos)]);
              else bytes = Buffer.concat([bytes.subarray(0, pos), bytes.subarray(pos + 1 + (byte % 8))]);
            }
            decodeAndCheck(bytes, encoded[i]!.name);
          },
        ),
        fuzzParams(4),
      );
    },
    testTimeout(FUZZ_RUNS * 4, 50),
  );

  it(
    'random bytes: only InputError',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }),
            fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.concat([Buffer.from([0x0a, Math.min(127, b.length)]), b])),
          ),
          (bytes) => decodeAndCheck(bytes, 'random bytes'),
        ),
        fuzzParams(4),
      );
    },
    testTimeout(FUZZ_RUNS * 4),
  );

  const id = fc.uint8Array({ minLength: 0, maxLength: 20 });
  const fixed64 = fc.oneof(
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fc.constantFrom(0n, 1n, (1n << 64n) - 1n, 1n << 63n, 1_700_000_000_000_000_000n),
  ).map(String);
  const anyValue: fc.Arbitrary<Record<string, unknown>> = fc.letrec<{ value: Record<string, unknown> }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.record({ stringValue: fc.string({ maxLength: 20 }) }),
      fc.record({ intValue: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }).map(String) }),
      fc.record({ doubleValue: fc.double() }),
      fc.record({ boolValue: fc.boolean() }),
      fc.record({ bytesValue: fc.uint8Array({ maxLength: 8 }) }),
      fc.record({ arrayValue: fc.record({ values: fc.array(tie('value'), { maxLength: 3 }) }) }),
      fc.record({ kvlistValue: fc.record({ values: fc.array(fc.record({ key: fc.string({ maxLength: 5 }), value: tie('value') }), { maxLength: 3 }) }) }),
    ),
  })).value;
  const span = fc.record({
    traceId: fc.oneof(id, fc.constant(new Uint8Array(16).fill(1))),
    spanId: fc.oneof(id, fc.constantFrom(new Uint8Array(8).fill(1), new Uint8Array(8).fill(2))),
    parentSpanId: fc.oneof(id, fc.constantFrom(new Uint8Array(8).fill(1), new Uint8Array(8).fill(2), new Uint8Array(8))),
    name: fc.string({ maxLength: 10 }),
    kind: fc.oneof(fc.integer({ min: -1, max: 7 }), fc.integer()),
    startTimeUnixNano: fixed64,
    endTimeUnixNano: fixed64,
    attributes: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: anyValue }), { maxLength: 3 }),
    events: fc.array(fc.record({ timeUnixNano: fixed64, name: fc.string({ maxLength: 5 }) }), { maxLength: 2 }),
    links: fc.array(fc.record({ traceId: id, spanId: id }), { maxLength: 2 }),
    status: fc.record({ code: fc.integer(), message: fc.string({ maxLength: 10 }) }),
  });
  const message = fc.record({
    resourceSpans: fc.array(
      fc.record({
        resource: fc.record({ attributes: fc.array(fc.record({ key: fc.constantFrom('service.name', 'x'), value: anyValue }), { maxLength: 2 }) }),
        scopeSpans: fc.array(fc.record({ spans: fc.array(span, { maxLength: 6 }) }), { maxLength: 2 }),
        instrumentationLibrarySpans: fc.array(fc.record({ spans: fc.array(span, { maxLength: 2 }) }), { maxLength: 1 }),
      }),
      { maxLength: 3 },
    ),
  });

  it.each([1, 10, 30, 40, 50, 1_000, 100_000])(
    'an AnyValue nested %i deep, written by hand (protobufjs will not encode one nested past 100 messages): the span is read',
    (depth) => {
      const bytes = deeplyNested(depth);
      decodeAndCheck(bytes, `AnyValue nested ${depth} deep`);
      // Past 64 levels the value is cut to null, as the JSON decoder does; the span, and the file, stay.
      expect(decodeOtlpProtobuf(bytes).spans[0]!.attributes.a).toBeDefined();
    },
  );

  it(
    'well-formed messages with hostile content: what decodes holds the invariants',
    () => {
      fc.assert(
        fc.property(message, (m) => {
          let bytes: Uint8Array;
          try {
            bytes = encodeTracesData(m);
          } catch {
            // protobufjs's encoder recurses too: a value it cannot encode is no file anyone has.
            return;
          }
          decodeAndCheck(bytes, 'generated message');
        }),
        fuzzParams(2),
      );
    },
    testTimeout(FUZZ_RUNS * 2, 100),
  );
});
