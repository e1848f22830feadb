import { keyAliases } from '../../model/semconv.js';
import { hasSpanConditions, type Condition, type TraceFilter } from '../../model/query.js';
import type { SpanRecord } from '../../model/span.js';

/**
 * What of a filter the query-parameter backends (Jaeger, Zipkin) can be asked for.
 *
 * Their searches test every condition on one span: service, operation, tags — and also
 * duration and the error tag. tracectl's span-level conditions (service, operation,
 * `--where`) hold on one span too, so those go down together. Its trace-level conditions
 * (trace duration, "has an error span") would become conditions on that same span, so they
 * are pushed down only when there are no span-level ones, and only one kind of them — then
 * "some span of the trace" and "this span" agree well enough for the backend to pre-select
 * (a trace is as long as its root span; the local filter makes the final, exact call).
 */
export interface SpanQuery {
  service?: string;
  operation?: string;
  /** `--where KEY=VALUE` conditions a backend compares as strings. */
  tags: [string, string][];
  minDurationMs?: number;
  maxDurationMs?: number;
  errors: boolean;
}

/** `--where` keys that name span fields rather than attributes. */
export const PSEUDO_KEYS: ReadonlySet<string> = new Set(['service', 'name', 'status', 'kind']);

export function spanQuery(filter: TraceFilter): SpanQuery {
  const query: SpanQuery = { tags: [], errors: false };
  if (filter.service !== undefined) query.service = filter.service;
  if (filter.operation !== undefined) query.operation = filter.operation;
  for (const c of filter.where) if (isStringEquality(c) && !PSEUDO_KEYS.has(c.key)) query.tags.push([c.key, c.value]);
  if (!hasSpanConditions(filter)) {
    // The error tag and a duration would also land on one span (an error span that long):
    // one of them only, the error tag (Jaeger on Cassandra cannot take tags and durations at once).
    if (filter.errors) query.errors = true;
    else {
      if (filter.minDurationMs !== undefined) query.minDurationMs = filter.minDurationMs;
      if (filter.maxDurationMs !== undefined) query.maxDurationMs = filter.maxDurationMs;
    }
  }
  return query;
}

/**
 * An equality a backend can test by comparing strings and find exactly what tracectl
 * finds: not a duration (`1s` equals `1000` to tracectl) nor a number written two ways
 * (`500.0`).
 */
export function isStringEquality(c: Condition): boolean {
  // A set, or a renamed semantic-convention key (which matches under either name), is tested here only.
  if (c.op !== '=' || c.values.length !== 1 || keyAliases(c.key).length > 0) return false;
  return c.numeric === null || String(Number(c.value)) === c.value;
}

/** Milliseconds as a Go duration (`500ms`, `1500us`), which Jaeger and TraceQL parse. */
export function goDuration(ms: number): string {
  if (Number.isInteger(ms)) return `${ms}ms`;
  const us = ms * 1000;
  if (Number.isInteger(us)) return `${us}us`;
  return `${Math.round(ms * 1e6)}ns`;
}

/** Groups spans by trace id, in first-seen order. */
export function byTrace(spans: readonly SpanRecord[]): Map<string, SpanRecord[]> {
  const traces = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    const group = traces.get(span.traceId);
    if (group) group.push(span);
    else traces.set(span.traceId, [span]);
  }
  return traces;
}

/** The earliest span start of a trace, epoch ms. */
export function traceStartMs(spans: readonly SpanRecord[]): number {
  let min: bigint | undefined;
  for (const s of spans) if (min === undefined || s.startNs < min) min = s.startNs;
  return min === undefined ? 0 : Number(min / 1_000_000n);
}

/**
 * Adds the traces of one search answer to `into`, skipping traces already there (searches
 * per service return the same trace more than once). Returns how many distinct traces the
 * answer held, so the caller can tell whether it hit its limit.
 */
export function mergeTraces(into: Map<string, SpanRecord[]>, spans: readonly SpanRecord[]): number {
  const answer = byTrace(spans);
  for (const [id, group] of answer) if (!into.has(id)) into.set(id, group);
  return answer.size;
}

/** Keeps the `limit` newest traces; true when some were dropped. */
export function keepNewest(traces: Map<string, SpanRecord[]>, limit: number): boolean {
  if (traces.size <= limit) return false;
  const ordered = [...traces].sort((a, b) => traceStartMs(b[1]) - traceStartMs(a[1]) || (a[0] < b[0] ? -1 : 1));
  traces.clear();
  for (const [id, group] of ordered.slice(0, limit)) traces.set(id, group);
  return true;
}
