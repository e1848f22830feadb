import { createRequire } from 'node:module';
import type protobuf from 'protobufjs/light.js';
import { InputError } from '../model/errors.js';
import type { Decoded } from './decoder.js';
import { decodeResourceSpans } from './otlp-json.js';

const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });

/**
 * The depth of AnyValue nesting read, as the JSON decoder reads it (otlp-json.ts
 * MAX_VALUE_DEPTH): values deeper are read as null.
 */
const MAX_VALUE_DEPTH = 64;


/**
 * Field numbers from opentelemetry-proto: trace/v1/trace.proto, common/v1/common.proto and
 * resource/v1/resource.proto. Only the fields tracectl reads are declared; the decoder skips
 * the rest. Field names are the protojson (camelCase) names, so `toObject` yields the shape
 * the JSON decoder reads. Enums are declared as int32 (same wire encoding) so they come out
 * as numbers.
 */
const descriptor: protobuf.INamespace = {
  nested: {
    // Also ExportTraceServiceRequest and Tempo's tempopb.Trace (`batches`): all have field 1.
    TracesData: { fields: { resourceSpans: repeated('ResourceSpans', 1) } },
    ResourceSpans: {
      fields: {
        resource: { type: 'Resource', id: 1 },
        scopeSpans: repeated('ScopeSpans', 2),
        // Deprecated, still written by SDKs older than OTLP 0.15.
        instrumentationLibrarySpans: repeated('InstrumentationLibrarySpans', 1000),
      },
    },
    Resource: { fields: { attributes: repeated('KeyValue0', 1) } },
    ScopeSpans: { fields: { spans: repeated('Span', 2) } },
    InstrumentationLibrarySpans: { fields: { spans: repeated('Span', 2) } },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        parentSpanId: { type: 'bytes', id: 4 },
        name: { type: 'string', id: 5 },
        kind: { type: 'int32', id: 6 },
        startTimeUnixNano: { type: 'fixed64', id: 7 },
        endTimeUnixNano: { type: 'fixed64', id: 8 },
        attributes: repeated('KeyValue0', 9),
        events: repeated('Event', 11),
        links: repeated('Link', 13),
        status: { type: 'Status', id: 15 },
      },
    },
    Event: {
      fields: {
        timeUnixNano: { type: 'fixed64', id: 1 },
        name: { type: 'string', id: 2 },
        attributes: repeated('KeyValue0', 3),
      },
    },
    Link: { fields: { traceId: { type: 'bytes', id: 1 }, spanId: { type: 'bytes', id: 2 } } },
    Status: { fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } } },
    ...anyValueTypes(),
  },
};

/**
 * AnyValue, ArrayValue, KeyValueList and KeyValue once per nesting level, numbered, down to
 * MAX_VALUE_DEPTH, where an AnyValue with no fields stands: protobufjs skips what it holds by
 * its length instead of decoding it. So a value nested 48 (or 48,000) levels deep cannot take
 * the decoder past its recursion limit and lose the whole file (the limit, 100 messages deep,
 * is raised to cover these levels in `tracesDataType`).
 */
function anyValueTypes(): Record<string, protobuf.AnyNestedObject> {
  const types: Record<string, protobuf.AnyNestedObject> = { [`AnyValue${MAX_VALUE_DEPTH}`]: { fields: {} } };
  for (let depth = 0; depth < MAX_VALUE_DEPTH; depth++) {
    const below = depth + 1;
    types[`KeyValue${depth}`] = { fields: { key: { type: 'string', id: 1 }, value: { type: `AnyValue${depth}`, id: 2 } } };
    types[`AnyValue${depth}`] = {
      fields: {
        stringValue: { type: 'string', id: 1 },
        boolValue: { type: 'bool', id: 2 },
        intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 },
        arrayValue: { type: `ArrayValue${depth}`, id: 5 },
        kvlistValue: { type: `KeyValueList${depth}`, id: 6 },
        bytesValue: { type: 'bytes', id: 7 },
      },
    };
    types[`ArrayValue${depth}`] = { fields: { values: repeated(`AnyValue${below}`, 1) } };
    types[`KeyValueList${depth}`] = { fields: { values: repeated(`KeyValue${below}`, 1) } };
  }
  // The deepest KeyValue list holds keys whose values are past the depth.
  types[`KeyValue${MAX_VALUE_DEPTH}`] = { fields: { key: { type: 'string', id: 1 }, value: { type: `AnyValue${MAX_VALUE_DEPTH}`, id: 2 } } };
  return types;
}

/**
 * Messages deep: TracesData → … → Span → Event → KeyValue, then up to three per AnyValue level
 * (AnyValue → KeyValueList → KeyValue), and room to spare.
 */
const RECURSION_LIMIT = 16 + 3 * MAX_VALUE_DEPTH;

let tracesData: protobuf.Type | undefined;

/**
 * The message type, built on first use: protobufjs costs a noticeable part of start-up and
 * most runs read JSON. `require` because decoding is synchronous (protobufjs is CommonJS).
 */
function tracesDataType(): protobuf.Type {
  if (tracesData === undefined) {
    const { Root, Reader, util } = createRequire(import.meta.url)('protobufjs/light.js') as typeof protobuf;
    // Decoding and toObject each check the depth against these (util/minimal.js: 100).
    Reader.recursionLimit = Math.max(Reader.recursionLimit, RECURSION_LIMIT);
    (util as { recursionLimit: number }).recursionLimit = Math.max((util as { recursionLimit: number }).recursionLimit, RECURSION_LIMIT);
    tracesData = Root.fromJSON(descriptor).lookupType('TracesData');
  }
  return tracesData;
}

/** Decodes a binary ExportTraceServiceRequest / TracesData; throws InputError when it is not one. */
export function decodeOtlpProtobuf(bytes: Uint8Array): Decoded {
  const TracesData = tracesDataType();
  let message: protobuf.Message;
  try {
    message = TracesData.decode(bytes);
  } catch (error) {
    throw new InputError('Not a valid OTLP protobuf trace export: the data is truncated or corrupt.', {
      cause: error,
    });
  }
  // int64 as decimal strings (exact, like protojson); bytes stay raw so ids need no hex/base64 guess.
  const object: Record<string, unknown> = TracesData.toObject(message, { longs: String });
  const resourceSpans = object.resourceSpans;
  return decodeResourceSpans(Array.isArray(resourceSpans) ? resourceSpans : []);
}

/** How far into the payload `looksLikeOtlpProtobuf` looks for binary bytes. */
const SNIFF_BYTES = 256;

/**
 * A cheap structural check: the payload opens with field 1 (resource_spans) as a
 * length-delimited record whose length fits in the payload.
 */
export function looksLikeOtlpProtobuf(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x0a) return false;
  let length = 0;
  let pos = 1;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[pos++];
    // A length varint has at most 5 bytes (32 bits).
    if (byte === undefined || shift > 28) return false;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  if (pos + length > bytes.length) return false;
  // 0x0a is also a newline: text (JSON after a blank line) must not pass. Real OTLP has
  // small lengths and binary ids within its first bytes.
  return !bytes.subarray(0, SNIFF_BYTES).every(isTextByte);
}

function isTextByte(byte: number): boolean {
  return byte === 0x09 || byte === 0x0a || byte === 0x0d || (byte >= 0x20 && byte < 0x7f);
}
