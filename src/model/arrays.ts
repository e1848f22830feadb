/**
 * Array helpers for data-sized arrays. `target.push(...items)` and `Math.max(...values)`
 * pass every element as an argument, and past about 120,000 of them V8 runs out of stack
 * (a block of 125k cache lookups merged, a 130k-span trace shown); these loop instead.
 */

/** Appends every item of `items` to `target`. */
export function pushAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item);
}

/** The largest of `values`, or `floor` when there are none (or all are smaller). */
export function maxOf(values: Iterable<number>, floor = -Infinity): number {
  let max = floor;
  for (const value of values) if (value > max) max = value;
  return max;
}
