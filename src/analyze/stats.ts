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

/**
 * A set of non-negative values that answers percentiles in bounded memory. Up to
 * `EXACT_LIMIT` values it keeps them all and answers exactly (the R-7 definition above);
 * past that it folds them into logarithmic buckets that are 2% wide (DDSketch's scheme),
 * so a percentile is within 1% of the true value whatever the number of values, and memory
 * stays a few kilobytes. Analyzers keep one per operation or edge across millions of spans.
 */
export class QuantileSketch {
  private exact: number[] | null = [];
  private readonly buckets = new Map<number, number>();
  private zeros = 0;
  count = 0;
  total = 0;

  add(value: number): void {
    this.count++;
    this.total += value;
    if (this.exact !== null) {
      this.exact.push(value);
      if (this.exact.length > EXACT_LIMIT) {
        for (const v of this.exact) this.addToBuckets(v);
        this.exact = null;
      }
    } else {
      this.addToBuckets(value);
    }
  }

  percentile(p: number): number {
    if (this.exact !== null) return percentile(sortedNumbers(this.exact), p);
    // The value at rank p·(n−1), read off the buckets in order.
    const rank = Math.round((p / 100) * (this.count - 1));
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    for (const index of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(index)!;
      if (seen > rank) return (2 * GAMMA ** index) / (GAMMA + 1);
    }
    return NaN;
  }

  private addToBuckets(value: number): void {
    if (!(value > 0)) {
      this.zeros++;
      return;
    }
    const index = Math.ceil(Math.log(value) / LOG_GAMMA);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
  }
}

/** Values kept exactly before a sketch switches to buckets. */
export const EXACT_LIMIT = 10_000;
/** Relative accuracy 1%: bucket i holds (γ^(i−1), γ^i] with γ = (1 + 0.01) / (1 − 0.01). */
const GAMMA = 1.01 / 0.99;
const LOG_GAMMA = Math.log(GAMMA);
