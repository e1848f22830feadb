import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanAndTruncate, cleanText, fitText } from '../../src/report/sanitize.js';
import { displayWidth } from '../../src/report/style.js';
import { FUZZ_RUNS, fuzzParams, testTimeout } from './config.js';

/**
 * The sanitizer every renderer relies on, on strings built from the pieces of escape
 * sequences, C0 and C1 controls, DEL, bidi controls and line separators mixed with any
 * other text. Properties: nothing dangerous survives, cleaning is idempotent, and the
 * truncating forms keep their length bounds and mark every cut.
 */

/** Characters a terminal acts on or that reorder text; written out here, not taken from the implementation. */
// eslint-disable-next-line no-control-regex
export const DANGEROUS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

const pieces = [
  '\u001b', '[', ']', '\u0007', '\u001b\\', '\u009b', '\u009d', '\u009c', '\u0090', '\u001bP', '\u001b_',
  '31m', '0;', '1;2;3', '8;;', '52;c;', 'http://x', '?25l', '2J', 'H',
  '\r', '\n', '\t', '\b', '\u0000', '\u007f', '\u0085', '\u000b', '\u000c',
  '\u202e', '\u202d', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c', '\u2028', '\u2029',
  '\ud83d\ude00', '\ud800', 'é', '界', 'a', ' ', '…',
];
const unit = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...pieces) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) });
const hostile = fc.array(unit, { maxLength: 60 }).map((parts) => parts.join(''));
const longHostile = fc.tuple(hostile, fc.integer({ min: 1, max: 2_000 }), hostile).map(([a, n, b]) => a.repeat(n) + b);
const text = fc.oneof({ weight: 4, arbitrary: hostile }, { weight: 1, arbitrary: longHostile });

describe('cleanText', () => {
  it(
    'leaves no control, escape or bidi character, and is idempotent',
    () => {
      fc.assert(
        fc.property(text, (s) => {
          const clean = cleanText(s);
          expect(clean).not.toMatch(DANGEROUS);
          expect(cleanText(clean)).toBe(clean);
        }),
        fuzzParams(10),
      );
    },
    testTimeout(FUZZ_RUNS * 10, 5),
  );

  it(
    'changes nothing in text that holds nothing dangerous',
    () => {
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
          fc.pre(!DANGEROUS.test(s));
          expect(cleanText(s)).toBe(s);
        }),
        fuzzParams(5),
      );
    },
    testTimeout(FUZZ_RUNS * 5, 5),
  );
});

describe('cleanAndTruncate', () => {
  it(
    'is clean, at most max columns wide, whole when it fits, and says how long the value was when cut',
    () => {
      fc.assert(
        fc.property(text, fc.integer({ min: 1, max: 300 }), (s, max) => {
          const out = cleanAndTruncate(s, max);
          expect(out).not.toMatch(DANGEROUS);
          expect(cleanText(out)).toBe(out);
          expect(displayWidth(out)).toBeLessThanOrEqual(max);
          const clean = cleanText(s);
          if (displayWidth(clean) <= max) {
            expect(out).toBe(clean);
            return;
          }
          const note = `… (${s.length.toLocaleString('en-US')} chars)`;
          // Room for the note and a few characters of text: the note; else a bare ellipsis.
          const ending = max >= note.length + 8 ? note : '…';
          expect(out.endsWith(ending)).toBe(true);
          // What is kept is the start of the cleaned text, however much invisible padding came first.
          expect(clean.startsWith(out.slice(0, -ending.length))).toBe(true);
        }),
        fuzzParams(10),
      );
    },
    testTimeout(FUZZ_RUNS * 10, 5),
  );
});

describe('fitText', () => {
  it(
    'is clean, at most width columns wide, whole when it fits, marked with … when cut, and idempotent',
    () => {
      fc.assert(
        fc.property(text, fc.integer({ min: 1, max: 200 }), (s, width) => {
          const out = fitText(s, width);
          expect(out).not.toMatch(DANGEROUS);
          expect(displayWidth(out)).toBeLessThanOrEqual(width);
          const clean = cleanText(s);
          if (displayWidth(clean) <= width) expect(out).toBe(clean);
          else {
            expect(out.endsWith('…')).toBe(true);
            expect(clean.startsWith(out.slice(0, -1))).toBe(true);
          }
          expect(fitText(out, width)).toBe(out);
        }),
        fuzzParams(10),
      );
    },
    testTimeout(FUZZ_RUNS * 10, 5),
  );
});

describe('the truncating forms on huge values', () => {
  it('clean only as far as they need, and still find the text behind megabytes of escape codes', () => {
    const name = 'checkout';
    const padded = '\u001b[0m'.repeat(1_000_000) + name;
    const started = performance.now();
    expect(fitText(padded, 20)).toBe(name);
    expect(cleanAndTruncate(padded, 20)).toBe(name);
    const huge = 'x'.repeat(20_000_000);
    expect(fitText(huge, 10)).toBe(`${'x'.repeat(9)}…`);
    expect(cleanAndTruncate(huge, 40)).toBe(`${'x'.repeat(20)}… (20,000,000 chars)`);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
