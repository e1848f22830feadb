import type { Ms } from '../model/span.js';

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
