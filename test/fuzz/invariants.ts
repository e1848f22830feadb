import { bottlenecks } from '../../src/analyze/bottlenecks.js';
import { cacheEffectiveness } from '../../src/analyze/cache.js';
import { criticalPath } from '../../src/analyze/critical-path.js';
import { dependencyMap } from '../../src/analyze/deps.js';
import { errorRoots } from '../../src/analyze/errors.js';
import { selfTimes } from '../../src/analyze/self-time.js';
import { InputError } from '../../src/model/errors.js';
import { buildTraces } from '../../src/model/build-trace.js';
import type { Attributes, Span, SpanRecord, Trace, TraceWarningKind } from '../../src/model/span.js';
import { CASE_MS } from './config.js';

/**
 * The properties every fuzz test checks, written as plain functions that throw a
 * descriptive Error: fast-check then shrinks the input to the smallest that breaks one.
 */

export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

function check(condition: boolean, message: () => string): asserts condition {
  if (!condition) throw new InvariantError(message());
}

/**
 * Runs `fn` (a decode) and returns its result, or `undefined` when it threw the typed
 * input error. Anything else it throws fails the property, and so does taking longer than
 * CASE_MS (a synchronous call cannot be interrupted: a true hang ends at the test timeout).
 */
export function decodeOrInputError<T>(what: string, fn: () => T): T | undefined {
  const started = performance.now();
  let result: T | undefined;
  try {
    result = fn();
  } catch (error) {
    if (!(error instanceof InputError)) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new InvariantError(`${what} threw something other than InputError: ${detail.slice(0, 300)}`, { cause: error });
    }
    check(error.message.length > 0 && error.message.length < 2_000, () => `${what}: InputError message of ${error.message.length} characters`);
  }
  timed(what, started);
  return result;
}

/** Fails when more than CASE_MS passed since `started`. */
export function timed(what: string, started: number): void {
  const elapsed = performance.now() - started;
  check(elapsed <= CASE_MS, () => `${what} took ${Math.round(elapsed)} ms (bound ${CASE_MS} ms)`);
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const KINDS = new Set(['server', 'client', 'producer', 'consumer', 'internal', 'unspecified']);
const STATUSES = new Set(['ok', 'error', 'unset']);

/** What a decoder promises of each span record (SpanRecord's documentation). */
export function checkRecords(records: readonly SpanRecord[], warnings: readonly string[]): void {
  for (const w of warnings) check(typeof w === 'string' && w.length < 4_000, () => `a warning of ${String(w).length} characters: ${String(w).slice(0, 120)}…`);
  const attributeObjects = new Set<Attributes>();
  for (const r of records) {
    const id = `span ${r.spanId}`;
    // (All-zero ids are invalid in OTLP and skipped there; Jaeger and Zipkin input may keep them.)
    check(TRACE_ID.test(r.traceId), () => `${id}: trace id ${JSON.stringify(r.traceId)}`);
    check(SPAN_ID.test(r.spanId), () => `${id}: span id ${JSON.stringify(r.spanId)}`);
    // An all-zero parent means "no parent" in every format: it must arrive as null.
    check(r.parentSpanId === null || (SPAN_ID.test(r.parentSpanId) && !/^0+$/.test(r.parentSpanId)), () => `${id}: parent ${JSON.stringify(r.parentSpanId)}`);
    check(typeof r.startNs === 'bigint', () => `${id}: startNs ${typeof r.startNs}`);
    check(typeof r.durationNs === 'number', () => `${id}: durationNs ${typeof r.durationNs}`);
    check(Number.isFinite(r.durationNs), () => `${id}: durationNs ${r.durationNs}`);
    check(typeof r.name === 'string' && typeof r.service === 'string' && r.service !== '', () => `${id}: name/service`);
    check(KINDS.has(r.kind) && STATUSES.has(r.status), () => `${id}: kind ${r.kind} status ${r.status}`);
    check(r.statusMessage === null || typeof r.statusMessage === 'string', () => `${id}: statusMessage`);
    check(isPlainObject(r.attributes) && isPlainObject(r.resource), () => `${id}: attributes/resource not objects`);
    check(!attributeObjects.has(r.attributes), () => `${id}: shares its attributes object with another span`);
    attributeObjects.add(r.attributes);
    for (const e of r.events) check(typeof e.timeNs === 'bigint' && typeof e.name === 'string' && isPlainObject(e.attributes), () => `${id}: event`);
    for (const l of r.links) check(TRACE_ID.test(l.traceId) && SPAN_ID.test(l.spanId), () => `${id}: link ${JSON.stringify(l)}`);
  }
}

function isPlainObject(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The repairs that can turn a span whose record named a parent into a root. */
const MADE_ROOT: ReadonlySet<TraceWarningKind> = new Set(['orphan', 'self-parent', 'parent-cycle']);

/**
 * Builds the traces and checks the model's invariants (span.ts): every parent exists in
 * its trace or the span is a root, and a root whose record named a parent says why; no
 * cycles; ids unique; tree order; depths; finite, non-negative times; every record either
 * in the trace or dropped as an exact duplicate. Returns the traces.
 */
export function buildAndCheck(records: readonly SpanRecord[]): Trace[] {
  const before = records.map(snapshot);
  const started = performance.now();
  const traces = buildTraces(records);
  timed(`buildTraces(${records.length} records)`, started);
  check(
    records.every((r, i) => snapshot(r) === before[i]),
    () => 'buildTraces changed its input records',
  );

  // Spans keep their record's attributes object: that is how a span is traced back to its record.
  const recordOf = new Map<Attributes, SpanRecord>(records.map((r) => [r.attributes, r]));
  const recordsPerTrace = new Map<string, number>();
  for (const r of records) recordsPerTrace.set(r.traceId, (recordsPerTrace.get(r.traceId) ?? 0) + 1);
  check(traces.length === recordsPerTrace.size, () => `${recordsPerTrace.size} trace ids but ${traces.length} traces`);
  for (const trace of traces) checkTrace(trace, recordOf, recordsPerTrace.get(trace.traceId) ?? 0);
  return traces;
}

function checkTrace(trace: Trace, recordOf: ReadonlyMap<Attributes, SpanRecord>, recordCount: number): void {
  const t = `trace ${trace.traceId}`;
  // A dropped copy and a merged fragment each take one record.
  const dropped = trace.warnings.filter((w) => w.kind === 'duplicate-span' || w.kind === 'merged-span').length;
  check(trace.spans.length + dropped === recordCount, () => `${t}: ${recordCount} records, ${trace.spans.length} spans, ${dropped} dropped as duplicates or merged`);
  // A span merged from fragments has attributes of its own making.
  const merged = new Set(trace.warnings.filter((w) => w.kind === 'merged-span').map((w) => w.spanId));
  check(trace.byId.size === trace.spans.length, () => `${t}: span ids not unique (${trace.byId.size} ids for ${trace.spans.length} spans)`);
  check(Number.isFinite(trace.durationMs) && trace.durationMs >= 0, () => `${t}: durationMs ${trace.durationMs}`);
  check(Number.isFinite(trace.startMs) && trace.startMs >= 0, () => `${t}: startMs ${trace.startMs}`);

  const madeRoot = new Set(trace.warnings.filter((w) => MADE_ROOT.has(w.kind)).map((w) => w.spanId));
  const position = new Map<string, number>();
  // The ancestors of the current span in a depth-first walk: checks tree (pre-)order.
  const ancestors: Span[] = [];
  trace.spans.forEach((span, i) => {
    const s = `${t}: span ${span.spanId} "${span.name.slice(0, 40)}"`;
    check(span.traceId === trace.traceId, () => `${s}: trace id ${span.traceId}`);
    check(!position.has(span.spanId), () => `${s}: id appears twice`);
    position.set(span.spanId, i);
    check(trace.byId.get(span.spanId) === span, () => `${s}: byId does not hold it`);
    check(Number.isFinite(span.startMs) && span.startMs >= 0, () => `${s}: startMs ${span.startMs}`);
    check(Number.isFinite(span.durationMs) && span.durationMs >= 0, () => `${s}: durationMs ${span.durationMs}`);
    for (const e of span.events) check(Number.isFinite(e.timeMs), () => `${s}: event time ${e.timeMs}`);
    const record = recordOf.get(span.attributes) ?? (merged.has(span.spanId) ? null : undefined);
    check(record !== undefined, () => `${s}: comes from no input record`);

    if (span.parentSpanId === null) {
      check(span.depth === 0, () => `${s}: a root at depth ${span.depth}`);
      check(trace.roots.includes(span), () => `${s}: parentless but not among the roots`);
      check(
        record === null || record.parentSpanId === null || madeRoot.has(span.spanId),
        () => `${s}: its record names parent ${record?.parentSpanId} but it became a root without an orphan/self-parent/parent-cycle warning`,
      );
      ancestors.length = 0;
    } else {
      const parent = trace.byId.get(span.parentSpanId);
      check(parent !== undefined, () => `${s}: parent ${span.parentSpanId} is not in the trace`);
      check(parent.spanId !== span.spanId, () => `${s}: its own parent`);
      check(span.depth === parent.depth + 1, () => `${s}: depth ${span.depth}, parent's ${parent.depth}`);
      check((position.get(parent.spanId) ?? Infinity) < i, () => `${s}: comes before its parent`);
      while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== parent) ancestors.pop();
      check(ancestors.length > 0, () => `${s}: not in depth-first order (its parent's subtree ended before it)`);
      check(trace.children.get(parent.spanId)?.includes(span) === true, () => `${s}: missing from its parent's children`);
    }
    ancestors.push(span);
  });
  check(trace.roots.every((r) => r.parentSpanId === null && trace.byId.get(r.spanId) === r), () => `${t}: a root with a parent`);
  for (const [parentId, kids] of trace.children) {
    check(trace.byId.has(parentId), () => `${t}: children listed for unknown span ${parentId}`);
    for (let i = 1; i < kids.length; i++) {
      check(kids[i - 1]!.startMs <= kids[i]!.startMs, () => `${t}: children of ${parentId} not by start time`);
    }
  }
  for (const id of trace.asyncSpanIds) check(trace.byId.has(id), () => `${t}: async span ${id} not in the trace`);
}

/** Serializes what a builder must not change about a record. */
function snapshot(r: SpanRecord): string {
  return JSON.stringify(r, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));
}

/** Absolute slack for comparing times of the size of `scale`: doubles keep ~15 digits. */
function slack(...scale: number[]): number {
  return 1e-6 + 1e-9 * Math.max(0, ...scale.map(Math.abs));
}

/**
 * Critical path and self time on a built trace: sections inside the trace window and
 * their span, in order and not overlapping, adding up to at most the trace duration;
 * every self time within [0, duration]. The other analyzers must simply not throw.
 */
export function checkAnalyses(trace: Trace): void {
  const t = `trace ${trace.traceId}`;
  const started = performance.now();
  const sections = criticalPath(trace);
  const windowStart = trace.startMs;
  const windowEnd = trace.startMs + trace.durationMs;
  const eps = slack(windowStart, windowEnd);
  let total = 0;
  let previousEnd = -Infinity;
  for (const section of sections) {
    const s = `${t}: critical section ${section.spanId} [${section.startMs}, ${section.endMs}]`;
    check(Number.isFinite(section.startMs) && Number.isFinite(section.endMs) && section.startMs < section.endMs, () => `${s}: empty or not finite`);
    check(section.startMs >= windowStart - eps && section.endMs <= windowEnd + eps, () => `${s}: outside the trace window [${windowStart}, ${windowEnd}]`);
    const span = trace.byId.get(section.spanId);
    check(span !== undefined, () => `${s}: no such span`);
    check(section.startMs >= span.startMs - eps && section.endMs <= span.startMs + span.durationMs + eps, () => `${s}: outside its span`);
    check(section.startMs >= previousEnd - eps, () => `${s}: overlaps the section before (ends ${previousEnd})`);
    check(!trace.asyncSpanIds.has(section.spanId), () => `${s}: an asynchronous follower on the critical path`);
    previousEnd = section.endMs;
    total += section.endMs - section.startMs;
  }
  check(total <= trace.durationMs + eps * Math.max(1, sections.length), () => `${t}: critical path ${total} ms longer than the trace (${trace.durationMs} ms)`);

  const self = selfTimes(trace);
  check(self.size === trace.spans.length, () => `${t}: self time for ${self.size} of ${trace.spans.length} spans`);
  for (const span of trace.spans) {
    const ms = self.get(span.spanId);
    check(ms !== undefined && Number.isFinite(ms) && ms >= 0 && ms <= span.durationMs + slack(span.durationMs), () => `${t}: span ${span.spanId} self time ${ms} outside [0, ${span.durationMs}]`);
  }
  timed(`critical path and self time of ${trace.spans.length} spans`, started);
}

/** Every analyzer over the traces: must not throw, whatever the traces hold. */
export function runAnalyzers(traces: readonly Trace[]): void {
  const started = performance.now();
  bottlenecks(traces, { bands: true });
  errorRoots(traces);
  cacheEffectiveness(traces);
  dependencyMap(traces);
  timed(`analyzers over ${traces.length} traces`, started);
}

/** Decoded records → traces → every invariant. */
export function checkDecoded(records: readonly SpanRecord[], warnings: readonly string[]): void {
  checkRecords(records, warnings);
  const traces = buildAndCheck(records);
  for (const trace of traces) checkAnalyses(trace);
  runAnalyzers(traces);
}
