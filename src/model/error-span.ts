import { integerAttribute } from './attributes.js';
import type { Span, Trace } from './span.js';

/**
 * What counts as an error span and a failed trace, in one place for every layer (DESIGN.md
 * "Definitions the analyzers share"). An error span is: status
 * ERROR (decoders map OTLP status, Jaeger `error`/`otel.status_code` tags and Zipkin
 * `error` tags to it), or — when the status is unset — a protocol status code that says
 * the span failed. An explicit OK is respected.
 */

/**
 * gRPC codes a *server* span reports as an error, per the OpenTelemetry semantic
 * conventions for gRPC (https://opentelemetry.io/docs/specs/semconv/rpc/grpc/): UNKNOWN,
 * DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS. The others
 * (NOT_FOUND, INVALID_ARGUMENT, …) are the caller's problem, so the server did its job. A
 * *client* span fails on every code but OK.
 */
const GRPC_SERVER_ERRORS: ReadonlySet<number> = new Set([2, 4, 12, 13, 14, 15]);
export const GRPC_CODE_NAMES = [
  'OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE',
  'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
] as const;
export const GRPC_DEADLINE_EXCEEDED = 4;

/** A protocol status code that says a span failed. */
export type ProtocolFailure = { protocol: 'http'; code: number } | { protocol: 'grpc'; code: number };

export function httpStatus(span: Span): number | null {
  // Semantic conventions 1.23 renamed `http.status_code` to `http.response.status_code`; producers write either.
  return integerAttribute(span.attributes['http.response.status_code']) ?? integerAttribute(span.attributes['http.status_code']);
}

export function grpcStatus(span: Span): number | null {
  const numeric = integerAttribute(span.attributes['rpc.grpc.status_code']);
  if (numeric !== null) return numeric;
  // Newer conventions: `rpc.response.status_code`, the code's name as a string (`DEADLINE_EXCEEDED`).
  const named = span.attributes['rpc.response.status_code'];
  if (typeof named !== 'string') return null;
  const index = (GRPC_CODE_NAMES as readonly string[]).indexOf(named.toUpperCase());
  return index >= 0 ? index : null;
}

/**
 * The protocol status code that marks a span failed, read the way the OpenTelemetry
 * semantic conventions tell instrumentations to set span status — for spans whose
 * instrumentation did not (status unset), and for naming an error type:
 *
 * - HTTP (`http.response.status_code`, or the older `http.status_code`): a CLIENT span
 *   fails on 4xx and 5xx; a SERVER span only on 5xx, because a 4xx is the caller's mistake
 *   and the server answered correctly (semconv "HTTP spans", status).
 * - gRPC (`rpc.grpc.status_code`, or `rpc.response.status_code` by name): a CLIENT span
 *   fails on any code but OK; a SERVER span on the codes in `GRPC_SERVER_ERRORS`.
 *
 * Other kinds (internal, producer, consumer, or unknown) have no side to judge from and
 * are not counted.
 */
export function protocolFailure(span: Span): ProtocolFailure | null {
  if (span.kind !== 'client' && span.kind !== 'server') return null;
  const http = httpStatus(span);
  if (http !== null && (http >= 500 || (http >= 400 && span.kind === 'client')) && http < 600) return { protocol: 'http', code: http };
  const grpc = grpcStatus(span);
  if (grpc !== null && grpc > 0 && (span.kind === 'client' || GRPC_SERVER_ERRORS.has(grpc))) return { protocol: 'grpc', code: grpc };
  return null;
}

/** An error span: status ERROR, or status unset and a protocol status code that says it failed. */
export function isErrorSpan(span: Span): boolean {
  return span.status === 'error' || (span.status === 'unset' && protocolFailure(span) !== null);
}

/** The span that stands for the trace: its real root, else its earliest span. */
export function rootSpan(trace: Trace): Span | undefined {
  return trace.roots[0];
}

/** DESIGN.md: a failed trace is one whose root span (without a root: its earliest span) is an error span. */
export function isFailedTrace(trace: Trace): boolean {
  const root = rootSpan(trace);
  return root !== undefined && isErrorSpan(root);
}

export function errorCount(trace: Trace): number {
  let n = 0;
  for (const s of trace.spans) if (isErrorSpan(s)) n++;
  return n;
}
