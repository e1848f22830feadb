import protobuf from 'protobufjs/light.js';

/**
 * An OTLP protobuf encoder for the tests (fuzzing, and the fake Tempo's protobuf answers), written from opentelemetry-proto
 * (trace/v1/trace.proto, common/v1/common.proto) independently of the decoder's own
 * descriptor, and with fields the decoder does not declare (scope, trace state, flags,
 * dropped counts) so that skipping unknown fields is exercised too.
 */
const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const descriptor: protobuf.INamespace = {
  nested: {
    TracesData: { fields: { resourceSpans: repeated('ResourceSpans', 1) } },
    // tempopb.TraceByIDResponse: Trace trace = 1; TraceByIDMetrics metrics = 2; PartialStatus status = 3; string message = 4.
    TraceByIDResponse: { fields: { trace: { type: 'TracesData', id: 1 }, status: { type: 'int32', id: 3 }, message: { type: 'string', id: 4 } } },
    ResourceSpans: {
      fields: {
        resource: { type: 'Resource', id: 1 },
        scopeSpans: repeated('ScopeSpans', 2),
        schemaUrl: { type: 'string', id: 3 },
        instrumentationLibrarySpans: repeated('ScopeSpans', 1000),
      },
    },
    Resource: { fields: { attributes: repeated('KeyValue', 1), droppedAttributesCount: { type: 'uint32', id: 2 } } },
    InstrumentationScope: { fields: { name: { type: 'string', id: 1 }, version: { type: 'string', id: 2 }, attributes: repeated('KeyValue', 3) } },
    ScopeSpans: { fields: { scope: { type: 'InstrumentationScope', id: 1 }, spans: repeated('Span', 2), schemaUrl: { type: 'string', id: 3 } } },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        traceState: { type: 'string', id: 3 },
        parentSpanId: { type: 'bytes', id: 4 },
        name: { type: 'string', id: 5 },
        kind: { type: 'int32', id: 6 },
        startTimeUnixNano: { type: 'fixed64', id: 7 },
        endTimeUnixNano: { type: 'fixed64', id: 8 },
        attributes: repeated('KeyValue', 9),
        droppedAttributesCount: { type: 'uint32', id: 10 },
        events: repeated('Event', 11),
        droppedEventsCount: { type: 'uint32', id: 12 },
        links: repeated('Link', 13),
        droppedLinksCount: { type: 'uint32', id: 14 },
        status: { type: 'Status', id: 15 },
        flags: { type: 'fixed32', id: 16 },
      },
    },
    Event: { fields: { timeUnixNano: { type: 'fixed64', id: 1 }, name: { type: 'string', id: 2 }, attributes: repeated('KeyValue', 3) } },
    Link: { fields: { traceId: { type: 'bytes', id: 1 }, spanId: { type: 'bytes', id: 2 }, traceState: { type: 'string', id: 3 }, attributes: repeated('KeyValue', 4) } },
    Status: { fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } } },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    AnyValue: {
      oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
      fields: {
        stringValue: { type: 'string', id: 1 },
        boolValue: { type: 'bool', id: 2 },
        intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 },
        arrayValue: { type: 'ArrayValue', id: 5 },
        kvlistValue: { type: 'KeyValueList', id: 6 },
        bytesValue: { type: 'bytes', id: 7 },
      },
    },
    ArrayValue: { fields: { values: repeated('AnyValue', 1) } },
    KeyValueList: { fields: { values: repeated('KeyValue', 1) } },
  },
};

const root = protobuf.Root.fromJSON(descriptor);
const TracesData = root.lookupType('TracesData');
const TraceByIDResponse = root.lookupType('TraceByIDResponse');

/** A TracesData message, in protobufjs's object form (bytes as Uint8Array, fixed64 as decimal strings). */
export function encodeTracesData(object: Record<string, unknown>): Uint8Array {
  return TracesData.encode(TracesData.fromObject(object)).finish();
}

const KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];
const STATUSES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'];

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

/** An id as OTLP JSON writes it (hex, or base64 as Tempo does) to bytes. */
function idBytes(id: unknown): Uint8Array | undefined {
  if (typeof id !== 'string' || id === '') return undefined;
  return /^[0-9a-fA-F]*$/.test(id) && id.length % 2 === 0 ? Buffer.from(id, 'hex') : Buffer.from(id, 'base64');
}

const enumNumber = (value: unknown, names: string[]): number => (typeof value === 'number' ? value : Math.max(0, names.indexOf(String(value))));

function anyValue(v: unknown): Obj {
  if (!isObj(v)) return {};
  if (typeof v.stringValue === 'string') return { stringValue: v.stringValue };
  if (typeof v.boolValue === 'boolean') return { boolValue: v.boolValue };
  if (v.intValue !== undefined) return { intValue: String(v.intValue) };
  if (typeof v.doubleValue === 'number') return { doubleValue: v.doubleValue };
  if (isObj(v.arrayValue)) return { arrayValue: { values: arr(v.arrayValue.values).map(anyValue) } };
  if (isObj(v.kvlistValue)) return { kvlistValue: { values: keyValues(v.kvlistValue.values) } };
  if (typeof v.bytesValue === 'string') return { bytesValue: Buffer.from(v.bytesValue, 'base64') };
  return {};
}

const keyValues = (kvs: unknown): Obj[] => arr(kvs).filter(isObj).map((kv) => ({ key: String(kv.key ?? ''), value: anyValue(kv.value) }));

function span(s: Obj): Obj {
  const status = isObj(s.status) ? s.status : {};
  return {
    traceId: idBytes(s.traceId),
    spanId: idBytes(s.spanId),
    parentSpanId: idBytes(s.parentSpanId),
    traceState: typeof s.traceState === 'string' ? s.traceState : 'vendor=x',
    name: typeof s.name === 'string' ? s.name : '',
    kind: enumNumber(s.kind, KINDS),
    startTimeUnixNano: String(s.startTimeUnixNano ?? '0'),
    endTimeUnixNano: String(s.endTimeUnixNano ?? '0'),
    attributes: keyValues(s.attributes),
    droppedAttributesCount: 1,
    events: arr(s.events).filter(isObj).map((e) => ({ timeUnixNano: String(e.timeUnixNano ?? '0'), name: String(e.name ?? ''), attributes: keyValues(e.attributes) })),
    links: arr(s.links).filter(isObj).map((l) => ({ traceId: idBytes(l.traceId), spanId: idBytes(l.spanId), attributes: keyValues(l.attributes) })),
    status: { code: enumNumber(status.code, STATUSES), message: typeof status.message === 'string' ? status.message : '' },
    flags: 257,
  };
}

/** An OTLP JSON payload (`resourceSpans` or Tempo's `batches`) as protobuf bytes. */
export function otlpJsonToProtobuf(payload: unknown): Uint8Array {
  return encodeTracesData(tracesDataObject(payload));
}

/** Tempo's `/api/v2/traces/{id}` protobuf answer: a `TraceByIDResponse` around the trace. */
export function traceByIdResponseProtobuf(payload: unknown, partial = false): Uint8Array {
  const message = TraceByIDResponse.fromObject({ trace: tracesDataObject(payload), ...(partial ? { status: 1, message: 'querier timed out' } : {}) });
  return TraceByIDResponse.encode(message).finish();
}

function tracesDataObject(payload: unknown): Obj {
  const root = isObj(payload) ? payload : {};
  const inner = isObj(root.result) ? root.result : isObj(root.trace) ? root.trace : root;
  const resourceSpans = arr(inner.resourceSpans ?? inner.batches)
    .filter(isObj)
    .map((rs) => ({
      resource: { attributes: keyValues(isObj(rs.resource) ? rs.resource.attributes : []) },
      scopeSpans: arr(rs.scopeSpans ?? rs.instrumentationLibrarySpans)
        .filter(isObj)
        .map((ss) => ({ scope: { name: 'fuzz', version: '1' }, spans: arr(ss.spans).filter(isObj).map(span) })),
      schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
    }));
  return { resourceSpans };
}
