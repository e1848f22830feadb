import { otlpJsonToProtobuf, traceByIdResponseProtobuf } from '../../helpers/otlp-proto-encode.js';
import { toJaegerJson, toOtlpJsonLines, toZipkinJson, type DemoTrace } from '../../../scripts/demo-traces.js';

/**
 * The demo traces as each backend's API returns them, made with the demo generator's own
 * encoders (scripts/demo-traces.ts) and reshaped the way each backend reshapes OTLP.
 */

type Json = Record<string, unknown>;

/** One ExportTraceServiceRequest holding every span of `traces` (the generator writes one per service batch). */
export function otlpRequest(traces: readonly DemoTrace[]): { resourceSpans: Json[] } {
  const resourceSpans = toOtlpJsonLines(traces)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => (JSON.parse(line) as { resourceSpans: Json[] }).resourceSpans);
  return { resourceSpans };
}

/** Jaeger api_v3: OTLP JSON (hex ids, numeric enums) inside `{"result": …}`, all traces merged. */
export function jaegerV3Body(traces: readonly DemoTrace[]): string {
  return JSON.stringify({ result: otlpRequest(traces) });
}

/** Jaeger's v1 `/api/traces` envelope. */
export function jaegerV1Body(traces: readonly DemoTrace[]): string {
  return toJaegerJson(traces);
}

/** Zipkin `/api/v2/traces`: an array of traces, each an array of spans. */
export function zipkinTracesBody(traces: readonly DemoTrace[]): string {
  return JSON.stringify(traces.map((t) => JSON.parse(toZipkinJson([t])) as unknown));
}

/** Zipkin `/api/v2/trace/{id}`: one array of spans. */
export function zipkinTraceBody(trace: DemoTrace): string {
  return toZipkinJson([trace]);
}

const KIND_NAMES = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUS_NAMES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

const base64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

/** Tempo's JSON: OTLP with base64 ids and enum names, as Go's jsonpb writes `tempopb.Trace`. */
export function tempoOtlp(traces: readonly DemoTrace[]): { resourceSpans: Json[] } {
  const request = otlpRequest(traces);
  for (const rs of request.resourceSpans) {
    for (const ss of rs.scopeSpans as Json[]) {
      for (const span of ss.spans as Json[]) {
        span.traceId = base64(span.traceId as string);
        span.spanId = base64(span.spanId as string);
        if (span.parentSpanId === '') delete span.parentSpanId;
        else span.parentSpanId = base64(span.parentSpanId as string);
        span.kind = KIND_NAMES[span.kind as number];
        const status = span.status as Json;
        if (typeof status.code === 'number') status.code = STATUS_NAMES[status.code];
        for (const link of (span.links as Json[] | undefined) ?? []) {
          link.traceId = base64(link.traceId as string);
          link.spanId = base64(link.spanId as string);
        }
      }
    }
  }
  return request;
}

/** `/api/v2/traces/{id}` as JSON; `partial` adds Tempo's PARTIAL status. */
export function tempoV2Json(trace: DemoTrace, partial = false): string {
  return JSON.stringify({ trace: tempoOtlp([trace]), ...(partial ? { status: 'PARTIAL', message: 'querier timed out' } : {}) });
}

/** `/api/traces/{id}` as JSON (Tempo 1.x and 2.x: `batches`). */
export function tempoV1Json(trace: DemoTrace): string {
  return JSON.stringify({ batches: tempoOtlp([trace]).resourceSpans });
}

// ---------------------------------------------------------------------------------------
// OTLP protobuf, for Tempo's `Accept: application/protobuf` answers
// ---------------------------------------------------------------------------------------

/** `/api/traces/{id}` with `Accept: application/protobuf`: a bare `tempopb.Trace` (wire-identical to TracesData). */
export function tempoV1Protobuf(trace: DemoTrace): Buffer {
  return Buffer.from(otlpJsonToProtobuf(otlpRequest([trace])));
}

/** `/api/v2/traces/{id}` with `Accept: application/protobuf`: a `TraceByIDResponse`. */
export function tempoV2Protobuf(trace: DemoTrace, partial = false): Buffer {
  return Buffer.from(traceByIdResponseProtobuf(otlpRequest([trace]), partial));
}
