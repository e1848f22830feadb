import type { Ms } from './span.js';

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration as users write it on the command line and in budget files:
 * `250ms`, `1.5s`, `2m`, `1h`, `500us`; also compound Go-style `1m30s`. Returns
 * milliseconds, or null when the text is not a duration.
 */
export function parseDuration(text: string): Ms | null {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)((\d+(\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h))*$/.test(trimmed)) return null;
  let total = 0;
  for (const [, value, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(value) * UNIT_MS[unit!]!;
  }
  return total;
}

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
