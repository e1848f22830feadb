/**
 * Percentiles by linear interpolation between the two closest ranks (the "R-7" definition:
 * numpy's and Excel's default, and what k6 reports), over values sorted ascending.
 * p50 of [10, 20] is 15; p95 of a single value is that value; of none, NaN.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
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
 * A float sum kept exactly, as Shewchuk's non-overlapping partials (Python's `math.fsum`):
 * `exactSum` is the correctly rounded sum of every value added, so the total does not depend
 * on the order of the values, nor on how they were split and merged (`addExact` each partial
 * of another sum). A plain `+=` differs in the last bits with the order. Plain data: it
 * survives structured cloning.
 */
export type ExactSum = number[];

export function addExact(partials: ExactSum, value: number): void {
  // A non-finite value makes the sum the sum of the non-finite values alone (as fsum does),
  // kept as the only partial; the trace builder never produces one.
  const special = partials.length === 1 && !Number.isFinite(partials[0]!);
  if (!Number.isFinite(value)) {
    partials[0] = special ? partials[0]! + value : value;
    partials.length = 1;
    return;
  }
  if (special) return;
  let x = value;
  let kept = 0;
  for (let j = 0; j < partials.length; j++) {
    let y = partials[j]!;
    if (Math.abs(x) < Math.abs(y)) {
      const t = x;
      x = y;
      y = t;
    }
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) partials[kept++] = lo;
    x = hi;
  }
  partials[kept] = x;
  if (partials.length > kept + 1) partials.length = kept + 1;
}

export function exactSum(partials: readonly number[]): number {
  let n = partials.length;
  if (n === 0) return 0;
  let hi = partials[--n]!;
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = partials[--n]!;
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // Round half to even across the partials below, as fsum does.
  if (n > 0 && ((lo < 0 && partials[n - 1]! < 0) || (lo > 0 && partials[n - 1]! > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  // −0 only from zeros: report 0, as `0 + (−0)` did.
  return hi + 0;
}

/** A `QuantileSketch` as plain data, for `merge` in another thread. */
export interface SketchState {
  /** Every value while at most `EXACT_LIMIT` are held; null once they went to buckets. */
  exact: number[] | null;
  /** Bucket index → values in it. */
  buckets: Array<[index: number, count: number]>;
  zeros: number;
  count: number;
  total: ExactSum;
}

/**
 * A set of non-negative values that answers percentiles in bounded memory. Up to
 * `EXACT_LIMIT` values it keeps them all and answers exactly (the R-7 definition above);
 * past that it folds them into logarithmic buckets that are 2% wide (DDSketch's scheme),
 * so a percentile is within 1% of the true value whatever the number of values, and memory
 * stays a few kilobytes. Analyzers keep one per operation or edge across millions of spans.
 * Sketches of parts of the values merge into exactly the sketch of all of them.
 */
export class QuantileSketch {
  private exact: number[] | null = [];
  /** The exact values sorted, made on the first percentile asked after a change: a report asks several. */
  private sortedExact: Float64Array | null = null;
  /**
   * Bucket counts, dense by index from `low` around the first value bucketed: one
   * quantity's values fall in a few hundred neighbouring buckets, where an array is far
   * cheaper than a map per value. The rare index beyond goes to `farBuckets`.
   */
  private nearBuckets: Float64Array | null = null;
  private low = 0;
  private readonly farBuckets = new Map<number, number>();
  private zeros = 0;
  private readonly sum: ExactSum = [];
  count = 0;

  /** The sum of the values, correctly rounded: the same in whatever order they came. */
  get total(): number {
    return exactSum(this.sum);
  }

  add(value: number): void {
    this.count++;
    addExact(this.sum, value);
    if (this.exact !== null) {
      this.sortedExact = null;
      this.exact.push(value);
      if (this.exact.length > EXACT_LIMIT) this.foldExact();
    } else {
      this.addToBuckets(value);
    }
  }

  state(): SketchState {
    return {
      exact: this.exact === null ? null : [...this.exact],
      buckets: this.bucketCounts(),
      zeros: this.zeros,
      count: this.count,
      total: [...this.sum],
    };
  }

  /** Takes in another sketch's values: the same sketch as if they had been `add`ed here. */
  merge(state: SketchState): void {
    this.count += state.count;
    for (const partial of state.total) addExact(this.sum, partial);
    this.sortedExact = null;
    if (this.exact !== null && state.exact !== null && this.exact.length + state.exact.length <= EXACT_LIMIT) {
      for (const v of state.exact) this.exact.push(v);
      return;
    }
    // Past the limit together: buckets, as `add` would have switched to.
    if (this.exact !== null) this.foldExact();
    if (state.exact !== null) {
      for (const v of state.exact) this.addToBuckets(v);
    } else {
      this.zeros += state.zeros;
      for (const [index, n] of state.buckets) this.addToBucket(index, n);
    }
  }

  percentile(p: number): number {
    if (this.exact !== null) {
      // A typed array sorts numerically without a comparator call per pair.
      this.sortedExact ??= Float64Array.from(this.exact).sort();
      return percentile(this.sortedExact, p);
    }
    // The value at rank p·(n−1), read off the buckets in order.
    const rank = Math.round((p / 100) * (this.count - 1));
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    for (const [index, n] of this.bucketCounts().sort((a, b) => a[0] - b[0])) {
      seen += n;
      if (seen > rank) return (2 * GAMMA ** index) / (GAMMA + 1);
    }
    return NaN;
  }

  /** Every bucket that holds values, with its count. */
  private bucketCounts(): Array<[index: number, count: number]> {
    const counts: Array<[number, number]> = [...this.farBuckets];
    const near = this.nearBuckets;
    if (near !== null) for (let i = 0; i < near.length; i++) if (near[i]! > 0) counts.push([this.low + i, near[i]!]);
    return counts;
  }

  private foldExact(): void {
    for (const v of this.exact ?? []) this.addToBuckets(v);
    this.exact = null;
    this.sortedExact = null;
  }

  private addToBuckets(value: number): void {
    if (!(value > 0)) {
      this.zeros++;
      return;
    }
    this.addToBucket(Math.ceil(Math.log(value) / LOG_GAMMA), 1);
  }

  private addToBucket(index: number, n: number): void {
    if (this.nearBuckets === null) {
      this.nearBuckets = new Float64Array(NEAR_BUCKETS);
      this.low = index - NEAR_BUCKETS / 2;
    }
    const i = index - this.low;
    if (i >= 0 && i < NEAR_BUCKETS) this.nearBuckets[i]! += n;
    else this.farBuckets.set(index, (this.farBuckets.get(index) ?? 0) + n);
  }
}

/** Buckets kept in an array around the first: 2% each, so values within 10^±4.3 of it (8 KB, only for sketches past EXACT_LIMIT). */
const NEAR_BUCKETS = 1024;

/** Values kept exactly before a sketch switches to buckets. */
export const EXACT_LIMIT = 10_000;
/** Relative accuracy 1%: bucket i holds (γ^(i−1), γ^i] with γ = (1 + 0.01) / (1 − 0.01). */
const GAMMA = 1.01 / 0.99;
const LOG_GAMMA = Math.log(GAMMA);
