import type { Trace } from '../model/span.js';
import type { MergeableAccumulator } from './accumulator.js';
import { keyAliases } from '../model/semconv.js';

/** Which attribute keys (span and resource) the traces carry, and in how many traces each. */
export type KeyCounts = Record<string, number>;

/**
 * The keys that exist, for "no span has KEY; did you mean …": one count per key, so
 * memory follows the number of distinct keys, not of spans.
 */
export class AttributeKeyAccumulator implements MergeableAccumulator<KeyCounts, KeyCounts> {
  private readonly traces = new Map<string, number>();

  add(trace: Trace): void {
    const seen = new Set<string>();
    for (const span of trace.spans) {
      for (const key in span.attributes) seen.add(key);
      for (const key in span.resource) seen.add(key);
    }
    for (const key of seen) this.traces.set(key, (this.traces.get(key) ?? 0) + 1);
  }

  state(): KeyCounts {
    return Object.fromEntries(this.traces);
  }

  merge(state: KeyCounts): void {
    for (const [key, n] of Object.entries(state)) this.traces.set(key, (this.traces.get(key) ?? 0) + n);
  }

  result(): KeyCounts {
    return this.state();
  }
}

/** Edit distance, for suggesting a key close to one that does not exist. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length]!;
}

/**
 * Up to `max` existing keys closest to `key`: those sharing its last dotted part
 * (`status_code`), or within a few edits, nearest first, then by traces.
 */
export function closestKeys(key: string, counts: KeyCounts, max = 3): { key: string; traces: number }[] {
  const last = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  const limit = Math.max(2, Math.floor(key.length / 3));
  return Object.entries(counts)
    .map(([k, traces]) => {
      // A typo of a key's other semantic-convention name counts too (http.stauts_code → http.response.status_code).
      const d = Math.min(...[k, ...keyAliases(k)].map((name) => distance(key.toLowerCase(), name.toLowerCase())));
      const sharesLast = last.length >= 3 && k.toLowerCase().slice(k.lastIndexOf('.') + 1) === last;
      return { key: k, traces, score: sharesLast ? Math.min(d, limit) : d };
    })
    .filter((c) => c.score <= limit)
    .sort((a, b) => a.score - b.score || b.traces - a.traces || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, max)
    .map(({ key: k, traces }) => ({ key: k, traces }));
}
