import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decoded } from '../../src/formats/decoder.js';
import { decodeJaegerJson } from '../../src/formats/jaeger-json.js';
import { decodeOtlpJson } from '../../src/formats/otlp-json.js';
import { decodeZipkinJson } from '../../src/formats/zipkin-json.js';
import { FUZZ_RUNS, fuzzParams, testTimeout } from './config.js';
import { jaegerJsonFixtures, otlpJsonFixtures, zipkinJsonFixtures, type Fixture } from './fixtures.js';
import { checkDecoded, decodeOrInputError } from './invariants.js';
import { applyMutations, mutations } from './mutate.js';

/**
 * Each JSON decoder on real fixtures with fields deleted, retyped, duplicated, ids mangled,
 * numbers made huge, negative or strings, values made long or deeply nested; and on random
 * JSON. Properties: it throws nothing but InputError, finishes within the case bound, and
 * whatever it decodes builds into traces that hold the model's invariants, on which the
 * critical path, self time and every analyzer behave.
 */

type Decoder = (payload: unknown) => Decoded;

const decoders: [string, Decoder, Fixture[]][] = [
  ['decodeOtlpJson', decodeOtlpJson, otlpJsonFixtures],
  ['decodeJaegerJson', decodeJaegerJson, jaegerJsonFixtures],
  ['decodeZipkinJson', decodeZipkinJson, zipkinJsonFixtures],
];

/** Names the fixture in a failure: fast-check prints only the shrunk mutations. */
function onFixture(fixture: Fixture, body: () => void): void {
  try {
    body();
  } catch (error) {
    if (error instanceof Error) error.message = `${fixture.name}: ${error.message}`;
    throw error;
  }
}

const allFixtures = decoders.flatMap(([, , fixtures]) => fixtures);

describe.each(decoders)('%s', (name, decode, fixtures) => {
  it('decodes every fixture as it is, into traces that hold the invariants', () => {
    for (const fixture of fixtures) {
      onFixture(fixture, () => {
        const decoded = decode(fixture.payload);
        // (The file exporter spec's example lines have empty trace ids: no spans, only warnings.)
        expect(decoded.spans.length + decoded.warnings.length).toBeGreaterThan(0);
        checkDecoded(decoded.spans, decoded.warnings);
      });
    }
  });

  it(
    'mutated fixtures: only InputError, and what decodes holds the invariants',
    () => {
      // Mostly this decoder's own fixtures; sometimes another format's, which it must refuse or read.
      // (By name: fast-check prints a counterexample, and a fixture's payload is long.)
      const names = (list: Fixture[]): string[] => list.map((f) => f.name);
      const fixtureArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...names(fixtures)) }, { weight: 1, arbitrary: fc.constantFrom(...names(allFixtures)) });
      fc.assert(
        fc.property(fixtureArb, mutations(), (fixtureName, list) => {
          const fixture = allFixtures.find((f) => f.name === fixtureName)!;
          onFixture(fixture, () => {
            const payload = applyMutations(fixture.payload, list);
            const decoded = decodeOrInputError(name, () => decode(payload));
            if (decoded) checkDecoded(decoded.spans, decoded.warnings);
          });
        }),
        fuzzParams(3),
      );
    },
    testTimeout(FUZZ_RUNS * 3, 100),
  );

  it(
    'random JSON: only InputError',
    () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 6 }), (payload) => {
          const decoded = decodeOrInputError(name, () => decode(payload));
          if (decoded) checkDecoded(decoded.spans, decoded.warnings);
        }),
        fuzzParams(2),
      );
    },
    testTimeout(FUZZ_RUNS * 2),
  );
});
