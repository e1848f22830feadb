import type * as grpc from '@grpc/grpc-js';
import { InputError } from '../../model/errors.js';
import { decodeExportRequest, encodeExportResponse } from './export.js';
import type { ExportHandler } from './receivers.js';

const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Bytes in, bytes out: the project's own protobuf decoder reads the message. */
const asIs = (bytes: Buffer): Buffer => bytes;

/**
 * OTLP/gRPC: the TraceService's one unary method, with raw Buffer (de)serializers.
 * grpc-js enforces the message cap (RESOURCE_EXHAUSTED) and decompresses gzip itself; it is
 * loaded only when gRPC is asked for.
 */
export async function createGrpcReceiver(maxBodyBytes: number, handle: ExportHandler): Promise<{ grpc: typeof grpc; server: grpc.Server }> {
  const grpcJs = await import('@grpc/grpc-js');
  const server = new grpcJs.Server({ 'grpc.max_receive_message_length': maxBodyBytes });
  const service: grpc.ServiceDefinition = {
    Export: { path: EXPORT_PATH, requestStream: false, responseStream: false, requestSerialize: asIs, requestDeserialize: asIs, responseSerialize: asIs, responseDeserialize: asIs },
  };
  const implementation: grpc.UntypedServiceImplementation = {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      handle.began();
      let request;
      try {
        request = decodeExportRequest(call.request, 'protobuf');
      } catch (error) {
        handle.refused();
        handle.ended();
        const details = error instanceof InputError ? error.message : String(error);
        callback({ code: grpcJs.status.INVALID_ARGUMENT, details });
        return;
      }
      const answer = request;
      handle.accept(answer).then(
        () => callback(null, encodeExportResponse(answer, 'protobuf')),
        (error: unknown) => {
          handle.refused();
          callback({ code: grpcJs.status.UNAVAILABLE, details: `the spans could not be stored: ${error instanceof Error ? error.message : String(error)}` });
        },
      ).finally(() => handle.ended());
    },
  };
  server.addService(service, implementation);
  return { grpc: grpcJs, server };
}
