import { createRequire } from 'node:module';
import type protobuf from 'protobufjs/light.js';
import { decodeOtlpProtobuf } from '../../formats/otlp-proto.js';
import { decodeResourceSpans, isOtlpPayload, decodeOtlpJson } from '../../formats/otlp-json.js';
import { isRecord } from '../../formats/json-values.js';
import { InputError } from '../../model/errors.js';
import type { SpanRecord } from '../../model/span.js';

/** The two OTLP encodings of a request body, and of its answer. */
export type OtlpEncoding = 'protobuf' | 'json';

/** One export request, decoded by the project's own OTLP decoders. */
export interface ExportRequest {
  spans: SpanRecord[];
  /** Spans the request held that could not be kept (an invalid id or time): `partial_success.rejected_spans`. */
  rejected: number;
  /** Why, when some were rejected: the first warning. */
  rejectedWhy: string;
}

/** Decodes an ExportTraceServiceRequest; throws InputError when the body is not one (an HTTP 400, a gRPC INVALID_ARGUMENT). */
export function decodeExportRequest(body: Uint8Array, encoding: OtlpEncoding): ExportRequest {
  const decoded = encoding === 'protobuf' ? decodeOtlpProtobuf(body) : decodeJsonRequest(body);
  const rejected = decoded.skipped ?? 0;
  return { spans: decoded.spans, rejected, rejectedWhy: rejected > 0 ? (decoded.warnings[0] ?? '') : '' };
}

function decodeJsonRequest(body: Uint8Array): ReturnType<typeof decodeOtlpJson> {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    throw new InputError('the body is not JSON');
  }
  if (isOtlpPayload(payload)) return decodeOtlpJson(payload);
  // `{}` is an empty request in protojson, as an empty body is in protobuf.
  if (isRecord(payload) && Object.keys(payload).length === 0) return decodeResourceSpans([]);
  throw new InputError('the body is not an OTLP ExportTraceServiceRequest: no "resourceSpans"');
}

let writerClass: typeof protobuf.Writer | undefined;

function newWriter(): protobuf.Writer {
  writerClass ??= (createRequire(import.meta.url)('protobufjs/light.js') as typeof protobuf).Writer;
  return writerClass.create();
}

/** The ExportTraceServiceResponse: empty on full success, else `partial_success` (field 1) with the count and why. */
export function encodeExportResponse(request: ExportRequest, encoding: OtlpEncoding): Buffer {
  if (encoding === 'json') {
    const body = request.rejected === 0 ? {} : { partialSuccess: { rejectedSpans: String(request.rejected), errorMessage: request.rejectedWhy } };
    return Buffer.from(JSON.stringify(body));
  }
  if (request.rejected === 0) return Buffer.alloc(0);
  const writer = newWriter().uint32(0x0a).fork().uint32(0x08).int64(request.rejected);
  if (request.rejectedWhy !== '') writer.uint32(0x12).string(request.rejectedWhy);
  return Buffer.from(writer.ldelim().finish());
}

/** gRPC status codes an OTLP/HTTP error body carries (google.rpc.Status). */
export const RPC_INVALID_ARGUMENT = 3;
export const RPC_RESOURCE_EXHAUSTED = 8;
export const RPC_UNAVAILABLE = 14;

/** An error answer's body, a google.rpc.Status in the request's encoding. */
export function encodeStatus(code: number, message: string, encoding: OtlpEncoding): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code, message }));
  return Buffer.from(newWriter().uint32(0x08).int32(code).uint32(0x12).string(message).finish());
}
