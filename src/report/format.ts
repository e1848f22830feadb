export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return '-';
  const pct = share * 100;
  return `${pct < 10 && pct !== 0 ? pct.toFixed(1) : Math.round(pct)}%`;
}

/** `2026-11-01T10:00:03.123Z` → `2026-11-01 10:00:03` (UTC, as traces are compared across zones). */
export function formatTimestamp(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/**
 * A plain number as people read it, for every format that prints one (terminal, JUnit,
 * Markdown, annotations): up to three decimals from 1 up (`3`, `4812.5`, `1.235`), three
 * significant digits below (`0.000985`, `0.0005`, `0.123`), so a small value is never
 * rounded into its limit (`0.001` next to `0.0005`) or to `0`.
 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return String(Math.abs(value) >= 1 || value === 0 ? +value.toFixed(3) : +value.toPrecision(3));
}

/**
 * A share of 1 as a percentage, no trailing zeros: 0.3939 → `39.4%`, 0.0123 → `1.23%`,
 * 1 → `100%`; `precise` gives three significant digits below 1% too (0.000527 → `0.0527%`,
 * for a value read against a limit), and a non-zero share never reads `0%`.
 */
export function formatShare(share: number, precise = false): string {
  const pct = share * 100;
  if (pct === 0) return '0%';
  const digits = Math.abs(pct) < 10 ? 2 : Math.abs(pct) < 100 ? 1 : 0;
  const rounded = +pct.toFixed(digits);
  return `${(precise && Math.abs(pct) < 1) || rounded === 0 ? formatNumber(pct) : rounded}%`;
}
