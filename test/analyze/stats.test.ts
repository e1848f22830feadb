import { describe, expect, it } from 'vitest';
import { EXACT_LIMIT, percentile, QuantileSketch, sortedNumbers } from '../../src/analyze/stats.js';

describe('percentile (R-7, linear between closest ranks)', () => {
  it('interpolates as worked out by hand', () => {
    // ranks 0..4 of [100, 200, 300, 400, 1000]: p95 at rank 3.8 = 400 + 0.8 × 600 = 880
    expect(percentile([100, 200, 300, 400, 1000], 95)).toBeCloseTo(880, 9);
    expect(percentile([10, 20], 50)).toBe(15);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('QuantileSketch', () => {
  it('is exact while it holds few values', () => {
    const sketch = new QuantileSketch();
    for (const v of [100, 200, 300, 400, 1000]) sketch.add(v);
    expect(sketch.percentile(95)).toBeCloseTo(880, 9);
    expect(sketch.count).toBe(5);
    expect(sketch.total).toBe(2000);
  });

  it('stays within 1% of the exact percentile past the exact limit, zeros included', () => {
    const sketch = new QuantileSketch();
    const all: number[] = [];
    let x = 1;
    for (let i = 0; i < EXACT_LIMIT * 20; i++) {
      x = (x * 16807) % 2147483647;
      // A long-tailed mix, with a share of zero-length spans.
      const v = i % 50 === 0 ? 0 : (x % 1000) / 10 + (i % 100 === 1 ? (x % 100_000) : 0);
      all.push(v);
      sketch.add(v);
    }
    const sorted = sortedNumbers(all);
    for (const p of [1, 50, 90, 95, 99, 99.9]) {
      const exact = percentile(sorted, p);
      const approx = sketch.percentile(p);
      if (exact === 0) expect(approx).toBe(0);
      else expect(Math.abs(approx - exact) / exact).toBeLessThan(0.0101);
    }
    expect(sketch.count).toBe(all.length);
  });

  it('stays within 1% for values far apart (some beyond the buckets kept in an array), and merges into the same answers', () => {
    const all: number[] = [];
    // Sub-microsecond and multi-day values around a first value of 1: twelve orders of magnitude.
    for (let i = 1; i <= EXACT_LIMIT; i++) all.push(1, i * 1e-9, i * 1e6);
    const whole = new QuantileSketch();
    for (const v of all) whole.add(v);
    const [left, right] = [new QuantileSketch(), new QuantileSketch()];
    all.forEach((v, i) => (i % 2 === 0 ? left : right).add(v));
    left.merge(right.state());
    const sorted = sortedNumbers(all);
    for (const p of [5, 25, 50, 75, 95]) {
      const exact = percentile(sorted, p);
      expect(Math.abs(whole.percentile(p) - exact) / exact).toBeLessThan(0.0101);
      expect(left.percentile(p)).toBe(whole.percentile(p));
    }
  });
});
