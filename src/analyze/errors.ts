import type { Span, Trace } from '../model/span.js';
import { foldTraces, type MergeableAccumulator } from './accumulator.js';
import { GRPC_CODE_NAMES, GRPC_DEADLINE_EXCEEDED, grpcStatus, httpStatus, isErrorSpan, isFailedTrace, protocolFailure, rootSpan } from '../model/error-span.js';
import { compareText } from './stats.js';
import { textAttribute } from '../model/attributes.js';
import { traceStartNs } from '../model/time.js';

/**
 * Error roots (DESIGN.md "Definitions the analyzers share"): where failures start, where
 * they propagate to, and where they are handled.
 *
 * - An **error span** is one whose status is ERROR, or — when its status is unset — whose
 *   protocol status code says it failed (`protocolFailure`). An explicit OK is respected.
 * - An **origin** is an error span none of whose descendants is an error span; every
 *   other error span is **propagated**.
 * - A failure travels up from its origin through error ancestors. The first non-error
 *   ancestor **absorbed** it (a retry, a fallback, a caught exception) — unless that
 *   ancestor merely **relayed** it (see `relayRun`). A failure that reaches the trace's
 *   root is **fatal**; one that reaches the top of an orphan subtree is **detached**.
 *
 * Deliberately not handled: an error span whose own descendants' failure was absorbed
 * below it is still "propagated" (DESIGN.md defines origins by descendants alone), so its
 * own failure is not attributed to anyone; and a failure is followed across an
 * asynchronous (FOLLOWS_FROM) boundary like any other parent link.
 */

/** What a span is to a failure, for spans that take part in one. */
export type ErrorRole =
  /** An error span without an error descendant: where a failure started. */
  | 'origin'
  /** An error span with an error descendant. */
  | 'propagated'
  /** An OK or unset span with an error child that stopped the failure there. */
  | 'absorbed'
  /** An unset span a failure passed through on its way to a failed ancestor (`relayRun`). */
  | 'relayed';

export type FailureOutcome = 'fatal' | 'absorbed' | 'detached';

export interface SpanRef {
  service: string;
  name: string;
}

export interface SpanRefCount extends SpanRef {
  count: number;
}

/** One fingerprint of failure origins: same service, operation, error type and normalized message. */
export interface ErrorRootGroup {
  service: string;
  name: string;
  /** Origin spans in the group. */
  count: number;
  /** The exception type, else `error.type`, else the protocol status (`HTTP 504`, `gRPC UNAVAILABLE`). */
  errorType: string | null;
  /** The message with numbers, ids and quoted values replaced (`normalizeMessage`): the grouping key. */
  message: string | null;
  /** The first message seen, as written. */
  sampleMessage: string | null;
  /** Up to `maxExamples` distinct trace ids, earliest traces first. */
  exampleTraceIds: string[];
  /** Error ancestors the failures reached (distinct spans), most reached first. */
  propagatedTo: SpanRefCount[];
  tracesAffected: number;
  /** Origins whose failure reached the trace's root. */
  fatal: number;
  /** Origins whose failure was stopped by a non-error ancestor. */
  absorbed: number;
  /** Origins whose failure reached the top of an orphan subtree (its parent is not in the trace). */
  detached: number;
  /** The ancestor that absorbed these failures most often. */
  absorbedBy: SpanRefCount | null;
  /** The most common propagation path, from where it ended down to the origin (`describeChain`). */
  chain: string;
  /**
   * `timeout` when the origin is a masked timeout: a span that did not fail but ran until the
   * span above it gave up (`timeoutSuspect`); that span, which failed, is first in
   * `propagatedTo`, and `errorType` and `message` are its. Else `error`.
   */
  cause: FailureCause;
}

export type FailureCause = 'error' | 'timeout';

export interface ErrorReport {
  /** Traces analyzed. */
  traces: number;
  /** Traces whose root span (without a root: its earliest span) is an error span. */
  failedTraces: number;
  errorSpans: number;
  originSpans: number;
  propagatedSpans: number;
  /** OK/unset spans that stopped a failure from going further up. */
  absorbingSpans: number;
  /** Groups found; `roots` may hold fewer when limited. */
  groups: number;
  /** By count, descending; ties: the more fatal, then the one that started first. */
  roots: ErrorRootGroup[];
}

export interface ErrorRootsOptions {
  /** Keep at most this many groups (the most frequent). */
  limit?: number;
  /** Example trace ids per group; 3 unless told. */
  maxExamples?: number;
}

// ---------------------------------------------------------------------------------------
// Describing one failure
// ---------------------------------------------------------------------------------------

/** The last event of this name: a span that retried records one exception per attempt, and the last one ended it. */
function lastEvent(span: Span, name: string): Span['events'][number] | undefined {
  for (let i = span.events.length - 1; i >= 0; i--) if (span.events[i]!.name === name) return span.events[i];
  return undefined;
}

/**
 * The error's type: the `exception` event's `exception.type` (OTel), else the OpenTracing
 * `error` log's `error.kind`, else the `error.type` attribute, else an `error` tag that names
 * the error, else the protocol status.
 */
export function errorTypeOf(span: Span): string | null {
  const fromEvent = textAttribute(lastEvent(span, 'exception')?.attributes['exception.type']) ?? textAttribute(lastEvent(span, 'error')?.attributes['error.kind']);
  if (fromEvent !== null) return fromEvent;
  const attribute = textAttribute(span.attributes['error.type']);
  if (attribute !== null) return attribute;
  // An OpenTracing error tag that names the error (`error: "ClientSideError"`) rather than
  // flags it; a Zipkin tag is the message (the decoder made it the status message).
  const tag = span.attributes.error;
  if (typeof tag === 'string' && /^[A-Za-z_][\w.$]*$/.test(tag) && !/^(true|false)$/i.test(tag) && tag !== span.statusMessage) return tag;
  const failure = protocolFailure(span);
  if (failure === null) return null;
  return failure.protocol === 'http' ? `HTTP ${failure.code}` : `gRPC ${GRPC_CODE_NAMES[failure.code] ?? failure.code}`;
}

/**
 * The error's message as written: the status message (OTLP status, Jaeger
 * `otel.status_description`, Zipkin's `error` tag — the decoders put them there), else
 * the `exception` event's `exception.message`, else an OpenTracing `error` log's `message`
 * or `error.object`.
 */
export function errorMessageOf(span: Span): string | null {
  if (span.statusMessage !== null && span.statusMessage.trim() !== '') return span.statusMessage;
  const exception = textAttribute(lastEvent(span, 'exception')?.attributes['exception.message']);
  if (exception !== null) return exception;
  const log = lastEvent(span, 'error');
  return textAttribute(log?.attributes.message) ?? textAttribute(log?.attributes['error.object']);
}

/**
 * A message with what varies between occurrences of the same failure replaced, so that
 * repeats group together: `timeout after 2000ms` → `timeout after <n>ms`. In order:
 * runs of white space (a message with a stack trace on one line groups with one on many), timestamps, UUIDs, IPv4 addresses (with a port), `0x` hex, short quoted values without
 * spaces (`pool 'pg-main'` → `pool '<v>'`; a long quoted sentence is a nested message and
 * keeps its words), tokens of 8+ letters and digits mixed (hex ids, trace ids, SKUs), then
 * numbers — except digits glued to the end of a word (`v1.2`, `x86_64`, `sha256`), which are
 * names. A number after a hyphen is a value (`worker-12`), so `gpt-4o` reads `gpt-<n>o`:
 * merging two messages that differ in a digit is the smaller harm.
 */
export function normalizeMessage(message: string): string {
  return message
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g, '<ip>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<id>')
    .replace(/(^|[\s=:([{,])(['"`])[^'"`\s]{1,64}\2(?=$|[\s,.;:)\]}])/g, '$1$2<v>$2')
    .replace(/\b(?=[a-z0-9]*\d)(?=[a-z0-9]*[a-z])[a-z0-9]{8,}\b/gi, '<id>')
    .replace(/(?<![\w.])\d+(?:\.\d+)?/g, '<n>');
}

const TIMEOUT_WORDS = /time[ds]?[\s_-]?out|deadline/i;

/** The span failed because it gave up waiting: its type or message says so, or an HTTP 504 / gRPC DEADLINE_EXCEEDED. */
export function isTimeout(span: Span): boolean {
  const texts = [errorTypeOf(span), errorMessageOf(span), textAttribute(lastEvent(span, 'exception')?.attributes['exception.message'])];
  if (texts.some((t) => t !== null && TIMEOUT_WORDS.test(t))) return true;
  const http = httpStatus(span);
  return http === 504 || grpcStatus(span) === GRPC_DEADLINE_EXCEEDED;
}

/**
 * For an origin that timed out: the child still running when it gave up — it ended within
 * 1 ms or 1% of the span's duration (whichever is more) of the span's end, or after it —
 * which is why it timed out although nothing below it failed. Of several, the one that
 * ended last. The search descends while a grandchild also ran until the timeout, so a
 * client call names the slow database query beneath it rather than itself.
 */
export function timeoutSuspect(trace: Trace, span: Span): Span | null {
  if (!isTimeout(span)) return null;
  const end = span.startMs + span.durationMs;
  const tolerance = Math.max(1, span.durationMs * 0.01);
  const ranUntilEnd = (parent: Span): Span | null => {
    let best: Span | null = null;
    for (const child of trace.children.get(parent.spanId) ?? []) {
      const childEnd = child.startMs + child.durationMs;
      if (child.startMs >= end || childEnd < end - tolerance || isErrorSpan(child)) continue;
      if (best === null || childEnd > best.startMs + best.durationMs) best = child;
    }
    return best;
  };
  let suspect = ranUntilEnd(span);
  for (let next = suspect && ranUntilEnd(suspect); next; next = ranUntilEnd(next)) suspect = next;
  return suspect;
}

// ---------------------------------------------------------------------------------------
// Following failures through a trace
// ---------------------------------------------------------------------------------------

/** One origin and where its failure went. */
export interface FailurePath {
  /** Where the failure started: the error span, or for a masked timeout the span that ran until it struck. */
  origin: Span;
  /** Error spans from the origin upwards, the origin first; relayed spans left out. */
  path: Span[];
  cause: FailureCause;
  /** The span whose error describes the failure: the origin, or the one that gave up on it. */
  failed: Span;
  outcome: FailureOutcome;
  /** The span that stopped it, when absorbed. */
  absorber: Span | null;
}

export interface TraceFailures {
  errors: ReadonlySet<string>;
  roles: ReadonlyMap<string, ErrorRole>;
  failures: FailurePath[];
}

/**
 * Walks every failure of one trace. Derived data lives in Maps and Sets keyed by span id;
 * the trace is not touched.
 */
export function traceFailures(trace: Trace): TraceFailures {
  const errors = new Set<string>();
  for (const s of trace.spans) if (isErrorSpan(s)) errors.add(s.spanId);
  const roles = new Map<string, ErrorRole>();
  if (errors.size === 0) return { errors, roles, failures: [] };

  // `spans` is in depth-first tree order, so walking it backwards sees children before parents.
  const errorBelow = new Set<string>();
  const errorChild = new Set<string>();
  for (let i = trace.spans.length - 1; i >= 0; i--) {
    const s = trace.spans[i]!;
    if (s.parentSpanId === null || !trace.byId.has(s.parentSpanId)) continue;
    if (errors.has(s.spanId)) errorChild.add(s.parentSpanId);
    if (errors.has(s.spanId) || errorBelow.has(s.spanId)) errorBelow.add(s.parentSpanId);
  }
  for (const id of errors) roles.set(id, errorBelow.has(id) ? 'propagated' : 'origin');

  const relays = new Map<string, boolean>();
  const relaysFailure = (span: Span): boolean => {
    let known = relays.get(span.spanId);
    if (known === undefined) {
      const run = relayRun(trace, span, errors, errorChild);
      for (const s of run ?? [span]) relays.set(s.spanId, run !== null);
      known = run !== null;
    }
    return known;
  };

  const failures: FailurePath[] = [];
  for (const origin of trace.spans) {
    if (roles.get(origin.spanId) !== 'origin') continue;
    const path = [origin];
    let current = origin;
    let outcome: FailureOutcome | null = null;
    let absorber: Span | null = null;
    while (outcome === null) {
      const parent = current.parentSpanId === null ? undefined : trace.byId.get(current.parentSpanId);
      if (parent === undefined) {
        outcome = current === rootSpan(trace) ? 'fatal' : 'detached';
      } else if (errors.has(parent.spanId)) {
        path.push(parent);
        current = parent;
      } else if (relaysFailure(parent)) {
        roles.set(parent.spanId, 'relayed');
        current = parent;
      } else {
        roles.set(parent.spanId, 'absorbed');
        outcome = 'absorbed';
        absorber = parent;
      }
    }
    // A proxy or client that gave up while a span below it still ran: the time went there,
    // so that span is the origin (Jaeger's team found people and agents name the proxy).
    const slow = timeoutSuspect(trace, origin);
    if (slow) failures.push({ origin: slow, path: [slow, ...path], cause: 'timeout', failed: origin, outcome, absorber });
    else failures.push({ origin, path, cause: 'error', failed: origin, outcome, absorber });
  }
  // The origin that started first is listed first.
  failures.sort((a, b) => a.origin.startMs - b.origin.startMs);
  // An OK/unset span with an error child that no origin's walk reached (its error child's
  // failure has no origin of its own, see the module comment) still handled a failure.
  for (const id of errorChild) {
    if (errors.has(id) || roles.has(id)) continue;
    const span = trace.byId.get(id);
    if (span) roles.set(id, relaysFailure(span) ? 'relayed' : 'absorbed');
  }
  return { errors, roles, failures };
}

/**
 * A failure passes through a non-error span without being handled when instrumentation
 * simply did not record it: a run of unset spans (not OK: OK means someone decided it
 * succeeded) in one service, directly under an error span of the same service that has
 * no error child — that span failed, and the only way a failure from below could have
 * reached it is through this run. The OpenTelemetry Demo's checkout service shows it: a
 * failing `CartService/GetCart` call returns its error through an unset internal
 * `prepareOrderItemsAndShippingQuoteFromCart` to the failing `PlaceOrder`. Returns the
 * run, bottom first, or null when the span absorbs the failure.
 */
function relayRun(trace: Trace, span: Span, errors: ReadonlySet<string>, errorChild: ReadonlySet<string>): Span[] | null {
  const run: Span[] = [];
  let current: Span | undefined = span;
  while (current !== undefined && !errors.has(current.spanId)) {
    if (current.status !== 'unset' || current.service !== span.service) return null;
    run.push(current);
    current = current.parentSpanId === null ? undefined : trace.byId.get(current.parentSpanId);
  }
  if (current === undefined || current.service !== span.service || errorChild.has(current.spanId)) return null;
  return run;
}

/**
 * A failure path as text, from where it ended down to the origin:
 * `gateway POST /v1/ask → rag-service ask → vector-store search [TimeoutError]`. A
 * client (or producer) span between a span of its own service and the server (or
 * consumer) span it called adds nothing the two around it do not say, and is left out;
 * at the top of the chain (a load generator's request) it stays. An absorbed failure
 * starts at the span that absorbed it, marked `(absorbed)`.
 */
export function describeChain(failure: FailurePath): string {
  const spans = [...(failure.absorber ? [failure.absorber] : []), ...[...failure.path].reverse()];
  const steps: string[] = [];
  spans.forEach((span, i) => {
    const above = spans[i - 1];
    const below = spans[i + 1];
    const isCall = span.kind === 'client' || span.kind === 'producer';
    const calleeBelow = below !== undefined && below.parentSpanId === span.spanId && (below.kind === 'server' || below.kind === 'consumer');
    if (isCall && calleeBelow && above !== undefined && above.service === span.service) return;
    steps.push(span === failure.absorber ? `${label(span)} (absorbed)` : label(span));
  });
  const type = errorTypeOf(failure.failed);
  const timeout = failure.cause === 'timeout' ? ' (ran until the timeout)' : '';
  return `${steps.join(' → ')}${timeout}${type === null ? '' : ` [${type}]`}`;
}

const label = (span: Span): string => `${span.service} ${span.name}`;

// ---------------------------------------------------------------------------------------
// Grouping across traces
// ---------------------------------------------------------------------------------------

/** A tally of named things, each kept with the value first seen for its key. */
class Tally<T> {
  private readonly counts = new Map<string, { value: T; count: number }>();
  add(key: string, value: T): void {
    const entry = this.counts.get(key);
    if (entry) entry.count++;
    else this.counts.set(key, { value, count: 1 });
  }
  /** Most counted first; ties by key, so the result does not depend on the order traces arrive in. */
  ranked(): { value: T; count: number }[] {
    return [...this.counts]
      .sort(([ka, a], [kb, b]) => b.count - a.count || compareText(ka, kb))
      .map(([, entry]) => entry);
  }
  entries(): TallyEntry<T>[] {
    return [...this.counts].map(([key, { value, count }]) => ({ key, value, count }));
  }
  /** Every copy derives a key's value from the key alone, so keeping ours loses nothing. */
  merge(entries: readonly TallyEntry<T>[]): void {
    for (const { key, value, count } of entries) {
      const entry = this.counts.get(key);
      if (entry) entry.count += count;
      else this.counts.set(key, { value, count });
    }
  }
}

export interface TallyEntry<T> {
  key: string;
  value: T;
  count: number;
}

interface GroupDraft {
  service: string;
  name: string;
  errorType: string | null;
  message: string | null;
  /** The earliest origin's own message, and when that trace started. */
  sampleMessage: string | null;
  sampleStart: TraceStart;
  count: number;
  /** The earliest traces, at most `maxExamples`, earliest first. */
  examples: TraceStart[];
  tracesAffected: number;
  /** Index of the last trace counted in `tracesAffected`. */
  lastTrace: number;
  fatal: number;
  absorbed: number;
  detached: number;
  /** Error ancestors reached, by service and name: distinct spans, and the nearest they were to the origin. */
  propagatedTo: Map<string, { ref: SpanRef; spans: number; nearest: number }>;
  absorbers: Tally<SpanRef>;
  chains: Tally<string>;
  cause: FailureCause;
  /** When the earliest origin of the group started, epoch nanoseconds: ties in the ranking go to the first. */
  firstNs: bigint;
}

const refKey = (s: SpanRef): string => JSON.stringify([s.service, s.name]);

/** When a trace started, to order examples by wall clock whatever order the traces arrive in. */
export interface TraceStart {
  ns: bigint;
  traceId: string;
}

const groupKey = (service: string, name: string, errorType: string | null, message: string | null, cause: FailureCause): string =>
  JSON.stringify([service, name, errorType, message, cause]);

function newDraft(service: string, name: string, errorType: string | null, message: string | null, sampleMessage: string | null, sampleStart: TraceStart, cause: FailureCause, firstNs: bigint): GroupDraft {
  return {
    cause,
    firstNs,
    service,
    name,
    errorType,
    message,
    sampleMessage,
    sampleStart,
    count: 0,
    examples: [],
    tracesAffected: 0,
    lastTrace: -1,
    fatal: 0,
    absorbed: 0,
    detached: 0,
    propagatedTo: new Map(),
    absorbers: new Tally(),
    chains: new Tally(),
  };
}

export type ErrorCounts = Omit<ErrorReport, 'groups' | 'roots'>;

/** A group draft as plain data: its maps and tallies as lists, and no trace index (it means nothing elsewhere). */
export type ErrorGroupState = Omit<GroupDraft, 'lastTrace' | 'propagatedTo' | 'absorbers' | 'chains'> & {
  propagatedTo: { ref: SpanRef; spans: number; nearest: number }[];
  absorbers: TallyEntry<SpanRef>[];
  chains: TallyEntry<string>[];
};

/** What an `ErrorAccumulator` hands to another one's `merge`. */
export interface ErrorState {
  /** Copies must keep the same number of examples for the merge to be exact. */
  maxExamples: number;
  counts: ErrorCounts;
  groups: ErrorGroupState[];
}

const startOf = (trace: Trace): TraceStart => ({ ns: traceStartNs(trace), traceId: trace.traceId });
const earlier = (a: TraceStart, b: TraceStart): boolean => a.ns < b.ns || (a.ns === b.ns && a.traceId < b.traceId);

/**
 * Error roots across `traces`: failures grouped by where they start, with how far they
 * propagated and where they were absorbed. Examples and the sample message are the
 * earliest by wall clock, so the report does not depend on the order of the input.
 */
export function errorRoots(traces: Iterable<Trace>, options: ErrorRootsOptions = {}): ErrorReport {
  return foldTraces(new ErrorAccumulator(options), traces);
}

/** `errorRoots` one trace at a time: keeps one draft per group. */
export class ErrorAccumulator implements MergeableAccumulator<ErrorReport, ErrorState> {
  private readonly groups = new Map<string, GroupDraft>();
  private readonly maxExamples: number;
  private readonly counts: ErrorCounts = { traces: 0, failedTraces: 0, errorSpans: 0, originSpans: 0, propagatedSpans: 0, absorbingSpans: 0 };

  constructor(private readonly options: ErrorRootsOptions = {}) {
    this.maxExamples = options.maxExamples ?? 3;
  }

  add(trace: Trace): void {
    const { counts, groups } = this;
    const traceIndex = counts.traces++;
    const { errors, roles, failures } = traceFailures(trace);
    if (isFailedTrace(trace)) counts.failedTraces++;
    counts.errorSpans += errors.size;
    for (const role of roles.values()) {
      if (role === 'origin') counts.originSpans++;
      else if (role === 'propagated') counts.propagatedSpans++;
      else if (role === 'absorbed') counts.absorbingSpans++;
    }
    if (failures.length === 0) return;

    const start = startOf(trace);
    // Ancestors already counted in this trace, per group: a span several failures pass through is one span.
    const reached = new Set<string>();
    for (const failure of failures) {
      const { origin, failed, cause } = failure;
      const errorType = errorTypeOf(failed);
      const rawMessage = errorMessageOf(failed);
      const message = rawMessage === null ? null : normalizeMessage(rawMessage);
      const key = groupKey(origin.service, origin.name, errorType, message, cause);
      const originNs = start.ns + BigInt(Math.round((origin.startMs - trace.startMs) * 1e6));
      let group = groups.get(key);
      if (!group) {
        group = newDraft(origin.service, origin.name, errorType, message, rawMessage, start, cause, originNs);
        groups.set(key, group);
      } else if (earlier(start, group.sampleStart)) {
        group.sampleMessage = rawMessage;
        group.sampleStart = start;
      }
      if (originNs < group.firstNs) group.firstNs = originNs;
      group.count++;
      if (group.lastTrace !== traceIndex) {
        group.lastTrace = traceIndex;
        group.tracesAffected++;
        this.addExample(group, start);
      }
      group[failure.outcome]++;
      failure.path.slice(1).forEach((ancestor, distance) => {
        const ref = { service: ancestor.service, name: ancestor.name };
        const entry = group.propagatedTo.get(refKey(ref)) ?? { ref, spans: 0, nearest: distance };
        entry.nearest = Math.min(entry.nearest, distance);
        if (!reached.has(`${key}/${ancestor.spanId}`)) {
          reached.add(`${key}/${ancestor.spanId}`);
          entry.spans++;
        }
        group.propagatedTo.set(refKey(ref), entry);
      });
      if (failure.absorber) group.absorbers.add(refKey(failure.absorber), { service: failure.absorber.service, name: failure.absorber.name });
      const chain = describeChain(failure);
      group.chains.add(chain, chain);
    }
  }

  result(): ErrorReport {
    const counted = (entry: { value: SpanRef; count: number } | undefined): SpanRefCount | null =>
      entry ? { service: entry.value.service, name: entry.value.name, count: entry.count } : null;
    const drafts = [...this.groups.values()].sort(
      (a, b) =>
        b.count - a.count ||
        b.fatal - a.fatal ||
        (a.firstNs < b.firstNs ? -1 : a.firstNs > b.firstNs ? 1 : 0) ||
        compareText(a.service, b.service) ||
        compareText(a.name, b.name) ||
        compareText(a.errorType ?? '', b.errorType ?? '') ||
        compareText(a.message ?? '', b.message ?? '') ||
        compareText(a.cause, b.cause),
    );
    const roots = drafts.map((g): ErrorRootGroup => ({
      service: g.service,
      name: g.name,
      count: g.count,
      errorType: g.errorType,
      message: g.message,
      sampleMessage: g.sampleMessage,
      exampleTraceIds: g.examples.map((e) => e.traceId),
      // Equally reached ancestors: the nearer to the origin first.
      propagatedTo: [...g.propagatedTo.values()]
        .sort((a, b) => b.spans - a.spans || a.nearest - b.nearest || compareText(refKey(a.ref), refKey(b.ref)))
        .map((e) => ({ ...e.ref, count: e.spans })),
      tracesAffected: g.tracesAffected,
      fatal: g.fatal,
      absorbed: g.absorbed,
      detached: g.detached,
      absorbedBy: counted(g.absorbers.ranked()[0]),
      chain: g.chains.ranked()[0]?.value ?? '',
      cause: g.cause,
    }));
    return {
      ...this.counts,
      groups: roots.length,
      roots: this.options.limit === undefined ? roots : roots.slice(0, this.options.limit),
    };
  }

  state(): ErrorState {
    const groups = [...this.groups.values()].map(
      (g): ErrorGroupState => ({
        service: g.service,
        name: g.name,
        errorType: g.errorType,
        message: g.message,
        sampleMessage: g.sampleMessage,
        sampleStart: g.sampleStart,
        count: g.count,
        examples: [...g.examples],
        tracesAffected: g.tracesAffected,
        fatal: g.fatal,
        absorbed: g.absorbed,
        detached: g.detached,
        propagatedTo: [...g.propagatedTo.values()].map((e) => ({ ...e })),
        absorbers: g.absorbers.entries(),
        chains: g.chains.entries(),
        cause: g.cause,
        firstNs: g.firstNs,
      }),
    );
    return { maxExamples: this.maxExamples, counts: { ...this.counts }, groups };
  }

  merge(state: ErrorState): void {
    if (state.maxExamples !== this.maxExamples) throw new Error(`cannot merge error roots kept with ${state.maxExamples} examples into ones kept with ${this.maxExamples}`);
    for (const k of Object.keys(this.counts) as (keyof ErrorCounts)[]) this.counts[k] += state.counts[k];
    for (const other of state.groups) {
      const key = groupKey(other.service, other.name, other.errorType, other.message, other.cause);
      let group = this.groups.get(key);
      if (!group) {
        // lastTrace -1: traces added later get indexes past every merged one.
        group = newDraft(other.service, other.name, other.errorType, other.message, other.sampleMessage, other.sampleStart, other.cause, other.firstNs);
        this.groups.set(key, group);
      } else if (earlier(other.sampleStart, group.sampleStart)) {
        group.sampleMessage = other.sampleMessage;
        group.sampleStart = other.sampleStart;
      }
      group.count += other.count;
      group.tracesAffected += other.tracesAffected;
      group.fatal += other.fatal;
      group.absorbed += other.absorbed;
      group.detached += other.detached;
      // Each side holds its own earliest; the earliest of both are among them.
      for (const example of other.examples) this.addExample(group, example);
      for (const e of other.propagatedTo) {
        const entry = group.propagatedTo.get(refKey(e.ref));
        if (entry) {
          entry.spans += e.spans;
          entry.nearest = Math.min(entry.nearest, e.nearest);
        } else group.propagatedTo.set(refKey(e.ref), { ...e });
      }
      group.absorbers.merge(other.absorbers);
      group.chains.merge(other.chains);
      if (other.firstNs < group.firstNs) group.firstNs = other.firstNs;
    }
  }

  /** Keeps the `maxExamples` earliest traces, earliest first. */
  private addExample(group: GroupDraft, start: TraceStart): void {
    const examples = group.examples;
    if (this.maxExamples <= 0) return;
    if (examples.length === this.maxExamples && !earlier(start, examples[examples.length - 1]!)) return;
    let i = examples.length;
    while (i > 0 && earlier(start, examples[i - 1]!)) i--;
    examples.splice(i, 0, start);
    if (examples.length > this.maxExamples) examples.pop();
  }
}

