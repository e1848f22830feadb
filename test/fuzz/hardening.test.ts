import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputDecoder, inputLimits } from '../../src/formats/index.js';
import type { SpanRecord } from '../../src/model/span.js';
import { traceLineFilter } from '../../src/pipeline/read.js';
import { redactCutEdge, redactSecrets } from '../../src/sources/backends/http.js';
import { FUZZ_RUNS, fuzzParams, testTimeout } from './config.js';

// Generators for the shapes of issue 19: bad and over-long JSON lines among good ones, fed in
// any chunking; trace ids in every spelling a decoder accepts; secrets cut anywhere.

const goodLine = (n: number): string =>
  JSON.stringify({
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: n.toString(16).padStart(16, '0'), name: 'op', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000' }] }] }],
  });

/** Feeds `input` cut at `cuts` (fractions of its length), as a stream would. */
function decodeChunked(input: string, cuts: number[]): { spans: SpanRecord[]; warnings: string[] } {
  const bytes = Buffer.from(input);
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const spans: SpanRecord[] = [];
  const decoder = new InputDecoder('x.jsonl', {}, (span) => spans.push(span));
  let start = 0;
  for (const end of [...at, bytes.length]) {
    if (end > start) decoder.push(bytes.subarray(start, end));
    start = Math.max(start, end);
  }
  return { spans, warnings: decoder.end().warnings };
}

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

describe('JSON lines with bad and over-long lines, in any chunking', () => {
  it(
    'a truncated first line: every good line after it is read, the bad one counted',
    () => {
      fc.assert(
        fc.property(fc.integer({ min: 2, max: 20 }), fc.integer({ min: 1, max: 200 }), cutsArb, (good, cut, cuts) => {
          const first = goodLine(0).slice(0, Math.min(cut, goodLine(0).length - 1));
          fc.pre(!parses(first) && first.trim() !== '');
          const lines = [first, ...Array.from({ length: good }, (_, i) => goodLine(i + 1))];
          const { spans, warnings } = decodeChunked(`${lines.join('\n')}\n`, cuts);
          expect(spans).toHaveLength(good);
          expect(warnings).toEqual(['x.jsonl: skipped 1 malformed line (line 1)']);
        }),
        fuzzParams(),
      );
    },
    testTimeout(FUZZ_RUNS),
  );

  it(
    'over-long lines anywhere: skipped and listed by number, every other line read',
    () => {
      const saved = { ...inputLimits };
      inputLimits.lineBytes = 400;
      try {
        fc.assert(
          fc.property(fc.array(fc.boolean(), { minLength: 2, maxLength: 12 }), cutsArb, (longs, cuts) => {
            // The first line stays good, so the input is JSON lines from its start.
            const shape = [false, ...longs];
            const lines = shape.map((long, i) => (long ? `{"pad":"${'x'.repeat(500 + i)}"}` : goodLine(i + 1)));
            const { spans, warnings } = decodeChunked(`${lines.join('\n')}\n`, cuts);
            expect(spans).toHaveLength(shape.filter((l) => !l).length);
            const numbers = shape.flatMap((long, i) => (long ? [i + 1] : []));
            if (numbers.length === 0) expect(warnings).toEqual([]);
            else expect(warnings[0]).toMatch(new RegExp(`^x\\.jsonl: skipped ${numbers.length} lines? over 400 bytes, too long to read \\(lines? ${numbers.slice(0, 5).join(', ')}`));
          }),
          fuzzParams(),
        );
      } finally {
        Object.assign(inputLimits, saved);
      }
    },
    testTimeout(FUZZ_RUNS),
  );
});

describe("show's line pre-filter", () => {
  it(
    'passes every line holding the id in a spelling the decoder accepts',
    () => {
      const hex = fc.array(fc.constantFrom(...'0123456789abcdef'), { minLength: 1, maxLength: 32 }).map((d) => d.join(''));
      fc.assert(
        fc.property(hex, fc.array(fc.boolean(), { minLength: 32, maxLength: 32 }), fc.nat({ max: 32 }), (raw, upper, strip) => {
          const id = raw.padStart(32, '0');
          // Written with some leading zeros dropped, in mixed case, as a producer may.
          const zeros = id.length - id.replace(/^0+/, '').length;
          const written = [...id.slice(Math.min(strip, zeros, id.length - 1))].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('');
          const line = `[{"traceId":"${written}","id":"1","name":"naïve ☃"}]`;
          // The line as the decoder hands it over: a stretch of a chunk that holds other lines.
          const chunk = Buffer.from(`{"x":"é"}\n${line}\n[]`);
          const start = chunk.indexOf('\n') + 1;
          const end = chunk.lastIndexOf('\n');
          expect(traceLineFilter(id, false)(chunk, start, end)).toBe(true);
          expect(traceLineFilter(id, true)(chunk, start, end)).toBe(true);
          // Not found in the lines around it.
          expect(traceLineFilter(id, false)(chunk, end + 1, chunk.length)).toBe(false);
        }),
        fuzzParams(),
      );
    },
    testTimeout(FUZZ_RUNS),
  );
});

describe('redaction before cutting', () => {
  it(
    'no secret, whole or begun at the cut, survives redacting then cutting anywhere',
    () => {
      const secretArb = fc.string({ minLength: 3, maxLength: 40 }).filter((s) => s.trim() === s && s.length >= 3);
      fc.assert(
        fc.property(secretArb, fc.string({ maxLength: 60 }), fc.string({ maxLength: 60 }), fc.nat({ max: 200 }), (secret, before, after, cut) => {
          const redacted = redactSecrets(`${before}${secret}${after}`, [secret]);
          expect(redacted).not.toContain(secret);
          const shown = redactCutEdge(redacted.slice(0, cut), [secret]);
          for (let k = 1; k < secret.length; k++) if (!shown.endsWith('***')) expect(shown.endsWith(secret.slice(0, k))).toBe(false);
        }),
        fuzzParams(),
      );
    },
    testTimeout(FUZZ_RUNS),
  );
});
