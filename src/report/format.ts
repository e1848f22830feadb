import type { Ms } from '../model/span.js';

/** A duration in the unit that reads best: `850µs`, `12.3ms`, `2.41s`, `3m05s`. */
export function formatDuration(ms: Ms): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0ms';
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 1000) return `${threeDigits(ms)}ms`;
  if (ms < 60_000) return `${threeDigits(ms / 1000)}s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(totalSeconds / 3600)}h${String(Math.floor((totalSeconds % 3600) / 60)).padStart(2, '0')}m`;
}

/** Three significant digits, without trailing zeros: 2.41, 12.3, 850. */
function threeDigits(n: number): string {
  const digits = n < 10 ? 2 : n < 100 ? 1 : 0;
  const text = n.toFixed(digits);
  // 999.96ms rounds to "1000": let it read as such rather than switch units mid-number.
  return digits === 0 ? text : text.replace(/\.?0+$/, '');
}

export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return '-';
  const pct = share * 100;
  return `${pct < 10 && pct !== 0 ? pct.toFixed(1) : Math.round(pct)}%`;
}

/** `2026-11-01T10:00:03.123Z` → `2026-11-01 10:00:03` (UTC, as traces are compared across zones). */
export function formatTimestamp(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** `1 span`, `3 spans`. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
