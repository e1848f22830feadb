import { expect } from 'vitest';
import type { MergeableAccumulator } from '../../src/analyze/accumulator.js';
import type { Trace } from '../../src/model/span.js';

/** Ways of dealing items out to workers: in runs, in turns, backwards, uneven, and with idle workers. */
export function splits<T>(items: readonly T[]): [string, T[][]][] {
  const n = items.length;
  const half = Math.ceil(n / 2);
  const third = Math.ceil(n / 3);
  const reversed = [...items].reverse();
  const dealt = (parts: number): T[][] => Array.from({ length: parts }, (_, k) => items.filter((_t, i) => i % parts === k));
  return [
    ['contiguous halves', [items.slice(0, half), items.slice(half)]],
    ['interleaved halves', dealt(2)],
    ['reversed halves', [reversed.slice(0, half), reversed.slice(half)]],
    ['an empty part and everything', [[], [...items]]],
    ['everything and an empty part', [[...items], []]],
    ['contiguous thirds', [items.slice(0, third), items.slice(third, 2 * third), items.slice(2 * third)]],
    ['interleaved thirds', dealt(3)],
    ['reversed uneven thirds', [reversed.slice(0, 1), reversed.slice(1, n - 2), reversed.slice(n - 2)]],
    ['thirds with an empty middle', [items.slice(0, half), [], items.slice(half)]],
  ];
}

export function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

export function fold<R, S>(make: () => MergeableAccumulator<R, S>, traces: readonly Trace[]): MergeableAccumulator<R, S> {
  const acc = make();
  for (const t of traces) acc.add(t);
  return acc;
}

/**
 * Every part folded on its own and merged in every order: into the accumulator of the
 * order's first part, which took its traces itself, and into a fresh one. States travel
 * through `structuredClone`, as they do between worker threads.
 */
export function expectMergesToMatch<R, S>(make: () => MergeableAccumulator<R, S>, traces: readonly Trace[]): void {
  const expected = fold(make, traces).result();
  for (const [how, parts] of splits(traces)) {
    const states = parts.map((part) => {
      const state = fold(make, part).state();
      // Plain data only: a class instance would come out of the clone as a plain object.
      expect(structuredClone(state), how).toStrictEqual(state);
      return state;
    });
    for (const order of permutations(parts.length)) {
      const [first, ...rest] = order;
      const receiver = fold(make, parts[first!]!);
      for (const i of rest) receiver.merge(structuredClone(states[i]!));
      expect(receiver.result(), `${how}, into part ${first}, then ${rest.join(', ')}`).toEqual(expected);

      const fresh = make();
      for (const i of order) fresh.merge(structuredClone(states[i]!));
      expect(fresh.result(), `${how}, into a fresh accumulator in order ${order.join(', ')}`).toEqual(expected);
    }
  }
}
