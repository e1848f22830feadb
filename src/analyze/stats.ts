/**
 * Percentiles by linear interpolation between the two closest ranks (the "R-7" definition:
 * numpy's and Excel's default, and what k6 reports), over values sorted ascending.
 * p50 of [10, 20] is 15; p95 of a single value is that value; of none, NaN.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const a = sorted[lower]!;
  const b = sorted[upper]!;
  return a + (b - a) * (rank - lower);
}

export function sortedNumbers(values: Iterable<number>): number[] {
  return Array.from(values).sort((a, b) => a - b);
}

export function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

export function median(values: Iterable<number>): number {
  return percentile(sortedNumbers(values), 50);
}

/** Code-unit order: the same in every locale, unlike localeCompare, so output never depends on where it runs. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
