import { describe, expect, it } from 'vitest';
import { buildTrace } from '../../src/model/build-trace.js';
import { traceStart } from '../../src/model/time.js';
import { record } from '../helpers/spans.js';

const TRACE = '1'.padStart(32, '0');
/** A one-span trace that starts at `startNs` epoch nanoseconds. */
const startingAt = (startNs: bigint) => buildTrace(TRACE, [{ ...record({ id: 'a', start: 0, dur: 1 }), startNs }]);

describe('traceStart', () => {
  it('writes each start to the millisecond, also one after another within a second', () => {
    const starts: [bigint, string][] = [
      [1_793_527_200_000_000_000n, '2026-11-01T10:00:00.000Z'],
      [1_793_527_200_007_999_999n, '2026-11-01T10:00:00.007Z'],
      [1_793_527_200_042_000_000n, '2026-11-01T10:00:00.042Z'],
      [1_793_527_200_999_000_001n, '2026-11-01T10:00:00.999Z'],
      [1_793_527_201_000_000_000n, '2026-11-01T10:00:01.000Z'],
      [1_793_527_200_500_000_000n, '2026-11-01T10:00:00.500Z'],
      // Before 1970, and beyond year 9999: the digits below the second stay as Date writes them.
      [-1_000_000n, '1969-12-31T23:59:59.999Z'],
      [-999_000_000n, '1969-12-31T23:59:59.001Z'],
      [253_402_300_800_123_000_000n, '+010000-01-01T00:00:00.123Z'],
    ];
    for (const [ns, text] of starts) expect(traceStart(startingAt(ns))).toBe(text);
  });

  it('throws as Date does for a start beyond its range, also right after one in range', () => {
    expect(traceStart(startingAt(0n))).toBe('1970-01-01T00:00:00.000Z');
    expect(() => traceStart(startingAt(9_000_000_000_000_000_000_000n))).toThrow(RangeError);
  });
});
