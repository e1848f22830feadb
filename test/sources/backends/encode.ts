import protobuf from 'protobufjs/light.js';
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

const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const root = protobuf.Root.fromJSON({
  nested: {
    TracesData: { fields: { resourceSpans: repeated('ResourceSpans', 1) } },
    // tempopb.TraceByIDResponse: Trace trace = 1; TraceByIDMetrics metrics = 2; PartialStatus status = 3; string message = 4.
    TraceByIDResponse: { fields: { trace: { type: 'TracesData', id: 1 }, status: { type: 'int32', id: 3 }, message: { type: 'string', id: 4 } } },
    ResourceSpans: { fields: { resource: { type: 'Resource', id: 1 }, scopeSpans: repeated('ScopeSpans', 2), schemaUrl: { type: 'string', id: 3 } } },
    Resource: { fields: { attributes: repeated('KeyValue', 1) } },
    ScopeSpans: { fields: { scope: { type: 'Scope', id: 1 }, spans: repeated('Span', 2) } },
    Scope: { fields: { name: { type: 'string', id: 1 }, version: { type: 'string', id: 2 } } },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        parentSpanId: { type: 'bytes', id: 4 },
        name: { type: 'string', id: 5 },
        kind: { type: 'int32', id: 6 },
        startTimeUnixNano: { type: 'fixed64', id: 7 },
        endTimeUnixNano: { type: 'fixed64', id: 8 },
        attributes: repeated('KeyValue', 9),
        events: repeated('Event', 11),
        links: repeated('Link', 13),
        status: { type: 'Status', id: 15 },
        flags: { type: 'fixed32', id: 16 },
      },
    },
    Event: { fields: { timeUnixNano: { type: 'fixed64', id: 1 }, name: { type: 'string', id: 2 }, attributes: repeated('KeyValue', 3) } },
    Link: { fields: { traceId: { type: 'bytes', id: 1 }, spanId: { type: 'bytes', id: 2 }, flags: { type: 'fixed32', id: 6 } } },
    Status: { fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } } },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    AnyValue: {
      fields: {
        stringValue: { type: 'string', id: 1 },
        boolValue: { type: 'bool', id: 2 },
        intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 },
      },
    },
  },
});
const TracesData = root.lookupType('TracesData');
const TraceByIDResponse = root.lookupType('TraceByIDResponse');

/** The OTLP JSON of the generator with hex ids turned into bytes (protobufjs reads base64 for bytes). */
function protoReady(traces: readonly DemoTrace[]): { resourceSpans: Json[] } {
  const request = otlpRequest(traces);
  for (const rs of request.resourceSpans) {
    for (const ss of rs.scopeSpans as Json[]) {
      for (const span of ss.spans as Json[]) {
        span.traceId = base64(span.traceId as string);
        span.spanId = base64(span.spanId as string);
        span.parentSpanId = base64(span.parentSpanId as string);
        for (const link of (span.links as Json[] | undefined) ?? []) {
          link.traceId = base64(link.traceId as string);
          link.spanId = base64(link.spanId as string);
        }
      }
    }
  }
  return request;
}

/** `/api/traces/{id}` with `Accept: application/protobuf`: a bare `tempopb.Trace` (wire-identical to TracesData). */
export function tempoV1Protobuf(trace: DemoTrace): Buffer {
  return Buffer.from(TracesData.encode(TracesData.fromObject(protoReady([trace]))).finish());
}

/** `/api/v2/traces/{id}` with `Accept: application/protobuf`: a `TraceByIDResponse`. */
export function tempoV2Protobuf(trace: DemoTrace, partial = false): Buffer {
  const message = TraceByIDResponse.fromObject({ trace: protoReady([trace]), ...(partial ? { status: 1, message: 'querier timed out' } : {}) });
  return Buffer.from(TraceByIDResponse.encode(message).finish());
}
