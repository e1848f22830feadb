import fc from 'fast-check';
import { describe, it } from 'vitest';
import { inputFormats, type InputFormat } from '../../src/formats/decoder.js';
import { decodeInput, type DecodeOptions } from '../../src/formats/index.js';
import { DEEP, FUZZ_RUNS, fuzzParams, testTimeout } from './config.js';
import { byteFixtures, jaegerJsonFixtures, otlpJsonFixtures, readFixtureBytes, zipkinJsonFixtures } from './fixtures.js';
import { checkDecoded, decodeOrInputError } from './invariants.js';
import { applyMutations, mutations } from './mutate.js';

/**
 * The dispatcher on bytes, as a file or stdin delivers them: fixtures truncated at every
 * position (small files) or at sampled ones (larger files), bytes flipped, inserted,
 * deleted and spliced between files, mutated payloads serialized as documents or JSON
 * lines, and random bytes — with and without `--input-format` and `--strict`. Properties:
 * only InputError, within the case bound, and what decodes builds into traces that hold
 * the model's invariants.
 */

/** Files up to this size are cut at every byte (in `npm test` the smallest; with `npm run fuzz` all but the largest). */
const EVERY_POSITION_MAX = DEEP ? 16_000 : 2_500;

function decodeAndCheck(bytes: Uint8Array, what: string, options: DecodeOptions = {}): void {
  const decoded = decodeOrInputError(what, () => decodeInput(bytes, 'fuzz.json', options));
  if (decoded) checkDecoded(decoded.spans, decoded.warnings);
}

const optionsArb: fc.Arbitrary<DecodeOptions> = fc.record(
  { format: fc.constantFrom<InputFormat>(...inputFormats), strict: fc.boolean() },
  { requiredKeys: [] },
);

describe('decodeInput on truncated files', () => {
  const small = byteFixtures.filter((path) => readFixtureBytes(path).length <= EVERY_POSITION_MAX);
  const large = byteFixtures.filter((path) => !small.includes(path));

  it.each(small)(
    '%s cut at every position',
    (path) => {
      const bytes = readFixtureBytes(path);
      for (let end = 0; end <= bytes.length; end++) decodeAndCheck(bytes.subarray(0, end), `${path} cut at ${end}`);
    },
    testTimeout(20_000, 1),
  );

  it.each(large)(
    '%s cut at sampled positions',
    (path) => {
      const bytes = readFixtureBytes(path);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: bytes.length }), (end) => decodeAndCheck(bytes.subarray(0, end), `${path} cut at ${end}`)),
        fuzzParams(1),
      );
    },
    testTimeout(FUZZ_RUNS, 50),
  );
});

/** A byte-level edit of a file. */
type Edit =
  | { op: 'flip'; at: number; byte: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number };

const interesting = fc.constantFrom(0x00, 0x0a, 0x0d, 0x22, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x5c, 0x30, 0x39, 0x2d, 0x65, 0x7f, 0x80, 0xc3, 0xe2, 0xef, 0xff, 0x1b);
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), byte: fc.oneof(interesting, fc.integer({ min: 0, max: 255 })) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 256 }) }),
);

function applyEdits(source: Uint8Array, edits: readonly Edit[]): Uint8Array {
  let bytes = Buffer.from(source);
  for (const e of edits) {
    const at = bytes.length === 0 ? 0 : e.at % (bytes.length + 1);
    switch (e.op) {
      case 'flip':
        if (at < bytes.length) bytes[at] = e.byte;
        break;
      case 'insert':
        bytes = Buffer.concat([bytes.subarray(0, at), e.bytes, bytes.subarray(at)]);
        break;
      case 'delete':
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + e.length)]);
        break;
      case 'duplicate':
        bytes = Buffer.concat([bytes.subarray(0, at + e.length), bytes.subarray(at)]);
        break;
    }
  }
  return bytes;
}

/** A JSON document on one line (a JSON-lines file stays as it is). */
function oneLine(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('utf8');
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

const fixtureBytes = byteFixtures.map((path) => ({ path, bytes: readFixtureBytes(path) }));

describe('decodeInput on edited bytes', () => {
  it(
    'bytes flipped, inserted, deleted and duplicated: only InputError, and what decodes holds the invariants',
    () => {
      fc.assert(
        fc.property(fc.nat({ max: fixtureBytes.length - 1 }), fc.array(editArb, { minLength: 1, maxLength: 6 }), optionsArb, (i, edits, options) => {
          const { path, bytes } = fixtureBytes[i]!;
          decodeAndCheck(applyEdits(bytes, edits), path, options);
        }),
        fuzzParams(4),
      );
    },
    testTimeout(FUZZ_RUNS * 4, 50),
  );

  it(
    'two files spliced, or concatenated as JSON lines',
    () => {
      fc.assert(
        fc.property(fc.nat({ max: fixtureBytes.length - 1 }), fc.nat({ max: fixtureBytes.length - 1 }), fc.nat(), fc.nat(), fc.boolean(), (i, j, cutA, cutB, asLines) => {
          const a = fixtureBytes[i]!.bytes;
          const b = fixtureBytes[j]!.bytes;
          const joined = asLines
            ? Buffer.concat([Buffer.from(oneLine(a)), Buffer.from('\n'), b.subarray(0, cutB % (b.length + 1))])
            : Buffer.concat([a.subarray(0, cutA % (a.length + 1)), b.subarray(cutB % (b.length + 1))]);
          decodeAndCheck(joined, `${fixtureBytes[i]!.path} + ${fixtureBytes[j]!.path}`);
        }),
        fuzzParams(2),
      );
    },
    testTimeout(FUZZ_RUNS * 2, 50),
  );

  it(
    'random bytes and random text: only InputError',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.uint8Array({ maxLength: 512 }),
            // A protobuf-looking start: field 1, length-delimited.
            fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.concat([Buffer.from([0x0a, b.length & 0x7f]), b])),
            fc.string({ maxLength: 200 }).map((s) => Buffer.from(`{${s}`)),
            fc.string({ maxLength: 200 }).map((s) => Buffer.from(`[${s}`)),
            fc.array(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), { maxLength: 5 }).map((lines) => Buffer.from(lines.join('\n'))),
          ),
          optionsArb,
          (bytes, options) => decodeAndCheck(bytes, 'random input', options),
        ),
        fuzzParams(4),
      );
    },
    testTimeout(FUZZ_RUNS * 4),
  );
});

const jsonFixtures = [...otlpJsonFixtures, ...jaegerJsonFixtures, ...zipkinJsonFixtures];

describe('decodeInput on mutated payloads, serialized', () => {
  it(
    'as a document, pretty or compact, or as JSON lines with a broken line among them',
    () => {
      fc.assert(
        fc.property(
          fc.nat({ max: jsonFixtures.length - 1 }),
          mutations(4),
          fc.constantFrom('compact', 'pretty', 'lines'),
          optionsArb,
          (i, list, layout, options) => {
            const fixture = jsonFixtures[i]!;
            let text: string;
            try {
              const payload = applyMutations(fixture.payload, list);
              text = layout === 'pretty' ? JSON.stringify(payload, null, 2) : JSON.stringify(payload);
            } catch {
              // Nested too deep for JSON.stringify: not a file anyone can write.
              return;
            }
            if (layout === 'lines') text = `${JSON.stringify(fixture.payload)}\n${text}\n{"resourceSpans": [\n${text}`;
            decodeAndCheck(Buffer.from(text), `${fixture.name} (${layout})`, options);
          },
        ),
        fuzzParams(3),
      );
    },
    testTimeout(FUZZ_RUNS * 3, 100),
  );
});
