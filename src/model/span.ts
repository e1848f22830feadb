/**
 * The normalized span and trace every decoder produces and every analyzer reads.
 *
 * Time representation: producers write nanoseconds since the Unix epoch (OTLP) or
 * microseconds (Jaeger, Zipkin). An epoch in nanoseconds (~1.7e18) is far beyond
 * Number.MAX_SAFE_INTEGER (~9.0e15), so a plain number would silently lose the last
 * three digits and reorder spans that start within the same microsecond. Decoders
 * therefore hand over the start as a `bigint` of epoch nanoseconds (`SpanRecord`);
 * the trace builder picks one `bigint` origin per trace and turns every start into a
 * `number` of milliseconds from that origin. Offsets within a trace are small
 * (hours at most), where a double still resolves well below a nanosecond, and plain
 * numbers keep the analyzers fast and simple.
 */

/** Milliseconds, as an offset from the trace origin or as a length. The one time unit past `formats/`. */
export type Ms = number;

export type SpanKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal' | 'unspecified';
export type SpanStatus = 'ok' | 'error' | 'unset';

/**
 * An attribute value as the producer typed it. Integers beyond 2^53 stay strings so
 * nothing is rounded; bytes arrive as base64 strings.
 */
export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | readonly AttributeValue[]
  | { readonly [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

export interface SpanEventRecord {
  name: string;
  timeNs: bigint;
  attributes: Attributes;
}

/** A reference to another span: Jaeger references beyond the parent, OTLP links. */
export interface SpanLink {
  traceId: string;
  spanId: string;
  type: 'child_of' | 'follows_from' | 'link';
}

/**
 * A span as a decoder produced it: absolute times, ids normalized to lower-case hex
 * (trace ids 32 characters, span ids 16), before tree building and repairs.
 */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  /** The parent reference is FOLLOWS_FROM: the span is an asynchronous follower. */
  followsFrom: boolean;
  name: string;
  service: string;
  kind: SpanKind;
  /** Start, nanoseconds since the Unix epoch. */
  startNs: bigint;
  /** Duration in nanoseconds; bad input may make it negative (the builder clamps it). */
  durationNs: number;
  status: SpanStatus;
  statusMessage: string | null;
  /** The span's own attributes (OTLP attributes, Jaeger tags, Zipkin tags). */
  attributes: Attributes;
  /** Attributes of the process that emitted it (OTLP resource, Jaeger process tags). */
  resource: Attributes;
  events: readonly SpanEventRecord[];
  links: readonly SpanLink[];
  /** Zipkin: a server half that shares its span id with the client half. */
  shared: boolean;
}

export interface SpanEvent {
  name: string;
  /** Offset from the trace origin. */
  timeMs: Ms;
  attributes: Attributes;
}

/** A span inside a built trace: times are offsets from the trace origin, after repairs. */
export interface Span {
  readonly traceId: string;
  readonly spanId: string;
  /** The parent within this trace after repairs; null for a root (including orphans). */
  readonly parentSpanId: string | null;
  readonly followsFrom: boolean;
  readonly name: string;
  readonly service: string;
  readonly kind: SpanKind;
  readonly startMs: Ms;
  readonly durationMs: Ms;
  readonly status: SpanStatus;
  readonly statusMessage: string | null;
  readonly attributes: Attributes;
  readonly resource: Attributes;
  readonly events: readonly SpanEvent[];
  readonly links: readonly SpanLink[];
  /** 0 for roots. */
  readonly depth: number;
}

export type TraceWarningKind =
  | 'clock-skew'
  | 'orphan'
  | 'duplicate-span'
  | 'merged-span'
  | 'duplicate-span-id'
  | 'shared-span-id'
  | 'parent-cycle'
  | 'self-parent'
  | 'negative-duration';

/** A repair the builder made; renderers count and summarize them. */
export interface TraceWarning {
  kind: TraceWarningKind;
  spanId: string;
  message: string;
}

export interface Trace {
  readonly traceId: string;
  /** Epoch nanoseconds that `startMs = 0` stands for: the earliest span start after repairs. */
  readonly originNs: bigint;
  /** Every span, in tree order: depth first, siblings by start time. */
  readonly spans: readonly Span[];
  /** Spans without a parent: the real root first, then orphans, by start. */
  readonly roots: readonly Span[];
  readonly byId: ReadonlyMap<string, Span>;
  /** Children of each span id, by start time. */
  readonly children: ReadonlyMap<string, readonly Span[]>;
  /** Spans that are asynchronous followers or below one (DESIGN.md "Trace duration"). */
  readonly asyncSpanIds: ReadonlySet<string>;
  /** Offset of the trace start (earliest non-async start); usually 0. */
  readonly startMs: Ms;
  /** Earliest start to latest end among spans that are not asynchronous followers. */
  readonly durationMs: Ms;
  readonly warnings: readonly TraceWarning[];
}
