export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return '-';
  const pct = share * 100;
  return `${pct < 10 && pct !== 0 ? pct.toFixed(1) : Math.round(pct)}%`;
}

/** `2026-11-01T10:00:03.123Z` → `2026-11-01 10:00:03` (UTC, as traces are compared across zones). */
export function formatTimestamp(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
