import { foldTraces, type MergeableAccumulator } from './accumulator.js';
import type { AttributeValue, Ms, Span, Trace } from '../model/span.js';
import { criticalPath, criticalTimeBySpan } from './critical-path.js';
import { compareText, median, percentile, sortedNumbers } from './stats.js';
import { wallClockNs } from '../model/time.js';
import { plural } from '../model/text.js';
import { pushAll } from '../model/arrays.js';

/**
 * The attributes that carry a hit/miss signal by default (DESIGN.md "Cache lookup"), in the
 * order they are consulted. A key whose name says "miss" means the opposite of one that
 * says "hit": `cache_miss=true` is a miss.
 */
export const DEFAULT_CACHE_KEYS: readonly string[] = ['cache.hit', 'cache_hit', 'cache_miss', 'cached'];

/** Span events that mark a hit or a miss; used when no attribute answers. Not configurable. */
export const CACHE_EVENTS: Readonly<Record<string, 'hit' | 'miss'>> = {
  'cache.hit': 'hit',
  cache_hit: 'hit',
  'cache.miss': 'miss',
  cache_miss: 'miss',
};

export interface CacheOptions {
  /** Attribute keys that carry the signal; replaces `DEFAULT_CACHE_KEYS` when given. */
  hitKeys?: readonly string[];
}

/** p50 and p95; null when there is nothing to measure (no hits, or no misses). */
export interface LatencyPercentiles {
  p50: Ms | null;
  p95: Ms | null;
}

/** One cache operation (service + span name of the lookup). */
export interface CacheOperation {
  service: string;
  name: string;
  lookups: number;
  hits: number;
  misses: number;
  /** hits / lookups. */
  hitRatio: number;
  /** Latency of the requests a hit served: the duration of the lookup's parent span. */
  hitMs: LatencyPercentiles;
  /** The same for misses, which include the work the cache would have avoided. */
  missMs: LatencyPercentiles;
  /**
   * (median miss latency − median hit latency) × hits: the request time the hits saved.
   * 0 without hits; null with hits but no misses (nothing to compare with). Negative when
   * hits are slower, which comes with a warning.
   */
  savedMs: Ms | null;
  /** Median duration of the lookup span itself: what asking the cache costs. */
  lookupMs: Ms;
  /** Fraction of the lookups that are on their trace's critical path. */
  onCriticalPath: number;
}

export type CacheWarningKind = 'hits-slower-than-misses' | 'unreadable-signal';

export interface CacheWarning {
  kind: CacheWarningKind;
  /** The cache operation or the model it concerns; null for a warning about the whole input. */
  service: string | null;
  name: string | null;
  /** One sentence; holds trace-derived text, so clean it before printing. */
  message: string;
}

export interface CacheReport {
  traces: number;
  /** The attribute keys that were looked for. */
  keys: string[];
  /** By lookups descending, ties by name, then service. */
  caches: CacheOperation[];
  warnings: CacheWarning[];
}

/** What one span says about a cache lookup. */
export type CacheSignal =
  | { outcome: 'hit' | 'miss'; source: string }
  | { outcome: 'unreadable'; source: string; value: string };

/**
 * The hit/miss signal of a span, or null when it is not a cache lookup. Attributes are
 * consulted in `keys` order, then events (the last cache event wins: it is the outcome).
 * Values read: booleans, numbers (0 is false, as a `hits` count of 0 is a miss), and the
 * strings `true`/`false`, `yes`/`no`, numerals, and `hit`/`miss` (which say what they
 * mean whatever the key).
 */
export function readCacheSignal(span: Span, keys: readonly string[] = DEFAULT_CACHE_KEYS): CacheSignal | null {
  for (const key of keys) {
    if (!(key in span.attributes)) continue;
    const value = span.attributes[key];
    const truth = readTruth(value);
    if (truth === null) return { outcome: 'unreadable', source: key, value: describeValue(value) };
    if (truth === 'hit' || truth === 'miss') return { outcome: truth, source: key };
    const hit = /miss/i.test(key) ? !truth : truth;
    return { outcome: hit ? 'hit' : 'miss', source: key };
  }
  for (let i = span.events.length - 1; i >= 0; i--) {
    const event = span.events[i]!;
    const outcome = CACHE_EVENTS[event.name];
    if (outcome) return { outcome, source: `event ${event.name}` };
  }
  return null;
}

function readTruth(value: AttributeValue | undefined): boolean | 'hit' | 'miss' | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value !== 0 : null;
  if (typeof value !== 'string') return null;
  const text = value.trim().toLowerCase();
  if (text === 'true' || text === 'yes') return true;
  if (text === 'false' || text === 'no') return false;
  if (text === 'hit' || text === 'miss') return text;
  if (text !== '' && Number.isFinite(Number(text))) return Number(text) !== 0;
  return null;
}

function describeValue(value: AttributeValue | undefined): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value ?? null);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** One lookup, kept until the report. */
export interface CacheLookup {
  hit: boolean;
  /** The latency the outcome is judged by (see `requestLatency`). */
  latencyMs: Ms;
  ownMs: Ms;
  critical: boolean;
}

/**
 * The latency a lookup's outcome is judged by: the duration of its parent span, the request
 * the cache serves. The lookup span alone cannot show what a hit saves: a hit and a miss
 * both cost one round trip to the cache (a hit is often a little slower: it returns the
 * value), and the expensive work a miss causes (the LLM call, the database query) runs
 * after the lookup, beside it under the same parent. The parent's duration includes that
 * work only on a miss. A lookup without a parent is judged by its own duration.
 *
 * Deliberately not the trace's root: the root adds every unrelated step of the request,
 * and a parent that performs several lookups mixes their outcomes (each lookup is still
 * judged by the whole parent).
 */
function requestLatency(span: Span, trace: Trace): Ms {
  const parent = span.parentSpanId === null ? undefined : trace.byId.get(span.parentSpanId);
  return parent ? parent.durationMs : span.durationMs;
}

/**
 * Cache effectiveness (DESIGN.md "Cache lookup"): per cache operation, how often it hits,
 * how long requests take on a hit and on a miss, and how much time the hits saved.
 * Application caches only: the LLM provider's prompt cache is in the `llm` analysis.
 */
export function cacheEffectiveness(traces: Iterable<Trace>, options: CacheOptions = {}): CacheReport {
  return foldTraces(new CacheAccumulator(options), traces);
}

/** Values a span could not be read as a hit or miss, for one attribute key. */
export interface UnreadableSignals {
  count: number;
  /** The earliest span's value by wall clock, ties by value: the same whatever order traces arrive in. */
  example: string;
  exampleNs: bigint;
}

/** What a `CacheAccumulator` hands to another one's `merge`. */
export interface CacheState {
  /** Copies must look for the same keys for the merge to mean anything. */
  keys: string[];
  traces: number;
  lookups: { service: string; name: string; items: CacheLookup[] }[];
  unreadable: ({ source: string } & UnreadableSignals)[];
}

/** `cacheEffectiveness` one trace at a time: keeps one small record per lookup. */
export class CacheAccumulator implements MergeableAccumulator<CacheReport, CacheState> {
  private readonly keys: string[];
  private readonly lookups = new Map<string, { service: string; name: string; items: CacheLookup[] }>();
  private readonly unreadable = new Map<string, UnreadableSignals>();
  private traces = 0;

  constructor(options: CacheOptions = {}) {
    this.keys = [...(options.hitKeys ?? DEFAULT_CACHE_KEYS)];
  }

  add(trace: Trace): void {
    this.traces++;
    const { keys } = this;
    let critical: Map<string, Ms> | undefined;
    for (const span of trace.spans) {
      const signal = readCacheSignal(span, keys);
      if (signal?.outcome === 'unreadable') {
        const ns = wallClockNs(trace, span.startMs);
        this.addUnreadable(signal.source, { count: 1, example: signal.value, exampleNs: ns });
      } else if (signal) {
        critical ??= criticalTimeBySpan(criticalPath(trace));
        this.lookupGroup(span.service, span.name).push({
          hit: signal.outcome === 'hit',
          latencyMs: requestLatency(span, trace),
          ownMs: span.durationMs,
          critical: (critical.get(span.spanId) ?? 0) > 0,
        });
      }
    }
  }

  state(): CacheState {
    return {
      keys: [...this.keys],
      traces: this.traces,
      lookups: [...this.lookups.values()].map(({ service, name, items }) => ({ service, name, items: items.map((l) => ({ ...l })) })),
      unreadable: [...this.unreadable].map(([source, u]) => ({ source, ...u })),
    };
  }

  merge(state: CacheState): void {
    if (state.keys.length !== this.keys.length || state.keys.some((k, i) => k !== this.keys[i])) {
      throw new Error(`cannot merge cache lookups read from ${state.keys.join(', ')} into ones read from ${this.keys.join(', ')}`);
    }
    this.traces += state.traces;
    // Item order does not matter: the report sorts latencies before using them.
    for (const { service, name, items } of state.lookups) pushAll(this.lookupGroup(service, name), items.map((l) => ({ ...l })));
    for (const { source, count, example, exampleNs } of state.unreadable) this.addUnreadable(source, { count, example, exampleNs });
  }

  result(): CacheReport {
    const { keys, lookups, unreadable } = this;
    // Ties fall back to code units so no order depends on which lookup came first.
    const caches = [...lookups.values()]
      .map(({ service, name, items }) => summarize(service, name, items))
      .sort(
        (a, b) =>
          b.lookups - a.lookups ||
          a.name.localeCompare(b.name) ||
          a.service.localeCompare(b.service) ||
          compareText(a.name, b.name) ||
          compareText(a.service, b.service),
      );

    const warnings: CacheWarning[] = [];
    for (const { service, name, hitMs, missMs } of caches) {
      if (hitMs.p50 !== null && missMs.p50 !== null && hitMs.p50 > missMs.p50) {
        warnings.push({
          kind: 'hits-slower-than-misses',
          service,
          name,
          message: `${service} ${name}: requests that hit the cache are slower than those that miss; is the hit flag inverted, or does the hit path do extra work?`,
        });
      }
    }
    for (const [key, { count, example }] of [...unreadable].sort(([a], [b]) => compareText(a, b))) {
      warnings.push({
        kind: 'unreadable-signal',
        service: null,
        name: null,
        message: `${plural(count, 'span')} had a "${key}" value that is not a hit/miss flag (e.g. ${example}); they were not counted as lookups`,
      });
    }
    return { traces: this.traces, keys, caches, warnings };
  }

  /** JSON keys: a service and a name joined by a separator could collide with another pair. */
  private lookupGroup(service: string, name: string): CacheLookup[] {
    const key = JSON.stringify([service, name]);
    let group = this.lookups.get(key);
    if (!group) {
      group = { service, name, items: [] };
      this.lookups.set(key, group);
    }
    return group.items;
  }

  private addUnreadable(source: string, seen: UnreadableSignals): void {
    const kept = this.unreadable.get(source);
    if (!kept) {
      this.unreadable.set(source, { ...seen });
      return;
    }
    kept.count += seen.count;
    if (seen.exampleNs < kept.exampleNs || (seen.exampleNs === kept.exampleNs && compareText(seen.example, kept.example) < 0)) {
      kept.example = seen.example;
      kept.exampleNs = seen.exampleNs;
    }
  }
}

function summarize(service: string, name: string, items: readonly CacheLookup[]): CacheOperation {
  const hits = items.filter((l) => l.hit).map((l) => l.latencyMs);
  const misses = items.filter((l) => !l.hit).map((l) => l.latencyMs);
  const hitMs = latency(hits);
  const missMs = latency(misses);
  let savedMs: Ms | null;
  if (hits.length === 0) savedMs = 0;
  else if (misses.length === 0) savedMs = null;
  else savedMs = (missMs.p50! - hitMs.p50!) * hits.length;
  return {
    service,
    name,
    lookups: items.length,
    hits: hits.length,
    misses: misses.length,
    hitRatio: hits.length / items.length,
    hitMs,
    missMs,
    savedMs,
    lookupMs: median(items.map((l) => l.ownMs)),
    onCriticalPath: items.filter((l) => l.critical).length / items.length,
  };
}

function latency(values: readonly Ms[]): LatencyPercentiles {
  if (values.length === 0) return { p50: null, p95: null };
  const sorted = sortedNumbers(values);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}
