import type { AttributeValue, Trace } from '../model/span.js';
import type { MergeableAccumulator } from './accumulator.js';
import { compareText } from './stats.js';

/**
 * `tracectl attrs`: which attribute keys the traces carry, on spans and on resources, with
 * how many spans and traces carry each, its value types, how many distinct values it takes
 * and a few of them, and the service and operation where each key is found: the answer to
 * "what can I filter on?".
 *
 * Memory follows the keys, not the spans: a key keeps at most DISTINCT_CAP distinct values
 * (the smallest, in code-point order, so any split of the traces merges to the same set),
 * and a value is compared on its first VALUE_MAX characters.
 */

/** Distinct values kept per key; past this the count reads "at least". */
export const DISTINCT_CAP = 100;
/** Characters of a value kept for comparing and showing (a 20 MB prompt stays out of memory). */
const VALUE_MAX = 200;
/** Sample values shown per key. */
const SAMPLES = 3;

export type AttrScope = 'span' | 'resource';
export type AttrValueType = 'string' | 'int' | 'double' | 'bool' | 'array' | 'map';

export interface AttrWhere {
  service: string;
  /** The operation (span name); null for a resource key, which belongs to the service. */
  name: string | null;
  spans: number;
}

export interface AttrKey {
  key: string;
  scope: AttrScope;
  /** Spans carrying the key (for a resource key: spans whose resource carries it). */
  spans: number;
  traces: number;
  /** Spans per value type: `{ "string": 40 }`; more than one type means producers disagree. */
  types: Partial<Record<AttrValueType, number>>;
  /** Distinct values seen, exact up to DISTINCT_CAP; see `distinctCapped`. */
  distinct: number;
  /** More than `distinct` distinct values exist (the count is a lower bound: "≥100"). */
  distinctCapped: boolean;
  /** A few of the values, the smallest in code-point order. */
  samples: string[];
  /** Where the key is found, most spans first. */
  where: AttrWhere[];
}

export interface AttrsReport {
  traces: number;
  spans: number;
  /** Span keys, then resource keys, each by key. */
  keys: AttrKey[];
}

interface KeyState {
  spans: number;
  traces: number;
  types: Partial<Record<AttrValueType, number>>;
  /** At most DISTINCT_CAP values, sorted, once trimmed. */
  values: string[];
  capped: boolean;
  /** `["service","name"]` (JSON; name "" for resources) → spans. */
  where: Record<string, number>;
}

export interface AttrsState {
  traces: number;
  spans: number;
  /** Per scope, key → what is known of it. */
  keys: Record<AttrScope, Record<string, KeyState>>;
}

/** A pair as a map key that any text, separators included, round-trips through. */
const pairKey = (a: string, b: string): string => JSON.stringify([a, b]);
const splitPair = (key: string): [string, string] => JSON.parse(key) as [string, string];

export function valueType(value: AttributeValue): AttrValueType {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  return Array.isArray(value) ? 'array' : 'map';
}

function valueText(value: AttributeValue): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > VALUE_MAX ? text.slice(0, VALUE_MAX) : text;
}

/** Live per-key state: the distinct values in a Set, trimmed to the smallest DISTINCT_CAP when it grows past twice that. */
class KeyStats {
  spans = 0;
  traces = 0;
  readonly types: Partial<Record<AttrValueType, number>> = {};
  private values = new Set<string>();
  private capped = false;
  readonly where = new Map<string, number>();

  addValue(text: string): void {
    if (this.values.has(text)) return;
    this.values.add(text);
    if (this.values.size > 2 * DISTINCT_CAP) this.trim();
  }

  private trim(): void {
    const sorted = [...this.values].sort(compareText);
    if (sorted.length > DISTINCT_CAP) this.capped = true;
    this.values = new Set(sorted.slice(0, DISTINCT_CAP));
  }

  state(): KeyState {
    this.trim();
    return { spans: this.spans, traces: this.traces, types: { ...this.types }, values: [...this.values], capped: this.capped, where: Object.fromEntries(this.where) };
  }

  merge(s: KeyState): void {
    this.spans += s.spans;
    this.traces += s.traces;
    for (const [type, n] of Object.entries(s.types) as [AttrValueType, number][]) this.types[type] = (this.types[type] ?? 0) + n;
    for (const [where, n] of Object.entries(s.where)) this.where.set(where, (this.where.get(where) ?? 0) + n);
    if (s.capped) this.capped = true;
    for (const v of s.values) this.addValue(v);
  }
}

export class AttrsAccumulator implements MergeableAccumulator<AttrsReport, AttrsState> {
  private traces = 0;
  private spans = 0;
  private readonly keys: Record<AttrScope, Map<string, KeyStats>> = { span: new Map(), resource: new Map() };

  add(trace: Trace): void {
    this.traces++;
    this.spans += trace.spans.length;
    const inTrace = new Set<KeyStats>();
    for (const span of trace.spans) {
      this.note(span.attributes, 'span', pairKey(span.service, span.name), inTrace);
      this.note(span.resource, 'resource', pairKey(span.service, ''), inTrace);
    }
    for (const stats of inTrace) stats.traces++;
  }

  private note(attributes: Readonly<Record<string, AttributeValue>>, scope: AttrScope, where: string, inTrace: Set<KeyStats>): void {
    for (const key in attributes) {
      const value = attributes[key]!;
      const stats = this.statsOf(scope, key);
      stats.spans++;
      const type = valueType(value);
      stats.types[type] = (stats.types[type] ?? 0) + 1;
      stats.where.set(where, (stats.where.get(where) ?? 0) + 1);
      stats.addValue(valueText(value));
      inTrace.add(stats);
    }
  }

  private statsOf(scope: AttrScope, key: string): KeyStats {
    let stats = this.keys[scope].get(key);
    if (stats === undefined) {
      stats = new KeyStats();
      this.keys[scope].set(key, stats);
    }
    return stats;
  }

  state(): AttrsState {
    const of = (scope: AttrScope): Record<string, KeyState> => Object.fromEntries([...this.keys[scope]].map(([key, stats]) => [key, stats.state()]));
    return { traces: this.traces, spans: this.spans, keys: { span: of('span'), resource: of('resource') } };
  }

  merge(state: AttrsState): void {
    this.traces += state.traces;
    this.spans += state.spans;
    for (const scope of SCOPES) for (const [key, s] of Object.entries(state.keys[scope])) this.statsOf(scope, key).merge(s);
  }

  result(): AttrsReport {
    const state = this.state();
    const keys = SCOPES.flatMap((scope) => Object.entries(state.keys[scope]).sort(([a], [b]) => compareText(a, b)).map(([key, s]) => keyOf(scope, key, s)));
    return { traces: this.traces, spans: this.spans, keys };
  }
}

const SCOPES: readonly AttrScope[] = ['span', 'resource'];

function keyOf(scope: AttrScope, key: string, s: KeyState): AttrKey {
  const where = Object.entries(s.where)
    .map(([w, spans]): AttrWhere => {
      const [service, name] = splitPair(w);
      return { service, name: scope === 'resource' ? null : name, spans };
    })
    .sort((a, b) => b.spans - a.spans || compareText(a.service, b.service) || compareText(a.name ?? '', b.name ?? ''));
  return { key, scope, spans: s.spans, traces: s.traces, types: s.types, distinct: s.values.length, distinctCapped: s.capped, samples: s.values.slice(0, SAMPLES), where };
}
