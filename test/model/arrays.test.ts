import { describe, expect, it } from 'vitest';
import { maxOf, pushAll } from '../../src/model/arrays.js';

describe('array helpers for data-sized arrays', () => {
  // 300,000 arguments overflow V8's stack through a spread; these loop.
  const many = Array.from({ length: 300_000 }, (_, i) => i);

  it('appends every item, in order, however many', () => {
    const target = [-1];
    pushAll(target, many);
    expect(target).toHaveLength(300_001);
    expect(target[0]).toBe(-1);
    expect(target[300_000]).toBe(299_999);
  });

  it('finds the largest value, or the floor', () => {
    expect(maxOf(many)).toBe(299_999);
    expect(maxOf([3, 9, 2], 4)).toBe(9);
    expect(maxOf([1, 2], 4)).toBe(4);
    expect(maxOf([])).toBe(-Infinity);
  });
});
