import { describe, expect, it } from 'vitest';
import { warningLines } from '../../src/report/warnings.js';

describe('warningLines (issue 12.4)', () => {
  const noDuration = (i: number): string => `t.json: span "a${String(i).padStart(3, '0')}" of trace "abc1" has no duration; taken as 0`;

  it('tells a kind seen more than twice as one line with its count and two examples', () => {
    const warnings = [...Array.from({ length: 175 }, (_, i) => noDuration(i)), 't.json: 1 malformed line skipped (line 7)'];
    expect(warningLines(warnings, false)).toEqual([
      `warning: 175 warnings like ${noDuration(0)}; e.g. also ${noDuration(1)} (--verbose lists them)`,
      'warning: t.json: 1 malformed line skipped (line 7)',
    ]);
  });

  it('lists two of a kind, and every one with --verbose', () => {
    expect(warningLines([noDuration(1), noDuration(2)], false)).toEqual([`warning: ${noDuration(1)}`, `warning: ${noDuration(2)}`]);
    expect(warningLines(Array.from({ length: 5 }, (_, i) => noDuration(i)), true)).toHaveLength(5);
  });

  it('keeps different problems apart and strips control characters', () => {
    const lines = warningLines(['a.json: span "x" has no id; skipped', 'a.json: span "\u001b[31mred" has no timestamp and no annotations; skipped'], false);
    expect(lines).toEqual(['warning: a.json: span "x" has no id; skipped', expect.not.stringContaining('\u001b')]);
  });
});
