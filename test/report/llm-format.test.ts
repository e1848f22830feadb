import { describe, expect, it } from 'vitest';
import { formatTokens } from '../../src/report/llm.js';

describe('formatTokens', () => {
  it('reads at every size, an absurd count included', () => {
    expect(formatTokens(850)).toBe('850');
    expect(formatTokens(12_345)).toBe('12.3k');
    expect(formatTokens(4_100_000)).toBe('4.1M');
    expect(formatTokens(2_500_000_000)).toBe('2.5B');
    expect(formatTokens(1e308)).toBe('1.0e308');
    expect(formatTokens(Infinity)).toBe('-');
  });
});
