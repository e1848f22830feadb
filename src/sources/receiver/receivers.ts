import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import { InputError } from '../../model/errors.js';
import type { SpanRecord } from '../../model/span.js';
import type { ExportRequest } from './export.js';
import { createGrpcReceiver } from './grpc.js';
import { createHttpReceiver } from './http.js';
import { ReceiveTally } from './tally.js';

export interface ListenAddress {
  host: string;
  /** 0: any free port (the bound one is in `Receivers`). */
  port: number;
}

export interface ReceiverOptions {
  http: ListenAddress;
  /** null: no gRPC receiver. */
  grpc: ListenAddress | null;
  /** The largest request body, before and after decompression. */
  maxBodyBytes: number;
  /** Keeps the spans of one request; the request is answered once it settles. */
  store: (spans: readonly SpanRecord[]) => Promise<void>;
}

/** What the HTTP and gRPC receivers do with a request; the tally counts it. */
export interface ExportHandler {
  began(): void;
  ended(): void;
  accept(request: ExportRequest): Promise<void>;
  refused(): void;
}

export interface Receivers {
  /** Where they listen, ports as bound. */
  http: ListenAddress;
  grpc: ListenAddress | null;
  tally: ReceiveTally;
  /** Stops listening, lets requests in flight finish, then resolves. */
  close(): Promise<void>;
}

/** Starts the OTLP receivers; an address that cannot be had is an InputError (exit 3). */
export async function startReceivers(options: ReceiverOptions): Promise<Receivers> {
  const tally = new ReceiveTally();
  const handle: ExportHandler = {
    began: () => tally.began(),
    ended: () => tally.ended(),
    refused: () => tally.refused(),
    async accept(request) {
      await options.store(request.spans);
      tally.accepted(request.spans, request.rejected);
    },
  };
  const httpServer = createHttpReceiver(options.maxBodyBytes, handle);
  const http = await listen(httpServer, options.http);
  let grpcServer: grpc.Server | null = null;
  let grpcAddress: ListenAddress | null = null;
  if (options.grpc !== null) {
    try {
      const created = await createGrpcReceiver(options.maxBodyBytes, handle);
      grpcServer = created.server;
      grpcAddress = await bindGrpc(created.server, created.grpc, options.grpc);
    } catch (error) {
      await closeHttp(httpServer);
      throw error;
    }
  }
  const grpcToClose = grpcServer;
  return {
    http,
    grpc: grpcAddress,
    tally,
    async close() {
      await Promise.all([closeHttp(httpServer, tally), grpcToClose === null ? undefined : closeGrpc(grpcToClose)]);
    },
  };
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatAddress(address: ListenAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

function listenError(kind: string, address: ListenAddress, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'EADDRINUSE' || /EADDRINUSE|address already in use/i.test(String(error))
    ? 'the address is already in use (another receiver or Collector?)'
    : code === 'EACCES' ? 'permission denied' : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' ? 'no such address on this machine' : String(error);
  return new InputError(`cannot listen for ${kind} on ${formatAddress(address)}: ${why}`, { cause: error });
}

async function listen(server: Server, address: ListenAddress): Promise<ListenAddress> {
  try {
    server.listen(address.port, address.host);
    await once(server, 'listening');
  } catch (error) {
    throw listenError('OTLP/HTTP', address, error);
  }
  const bound = server.address() as AddressInfo;
  return { host: address.host, port: bound.port };
}

function bindGrpc(server: grpc.Server, grpcJs: typeof grpc, address: ListenAddress): Promise<ListenAddress> {
  return new Promise((resolve, reject) => {
    server.bindAsync(formatAddress(address), grpcJs.ServerCredentials.createInsecure(), (error, port) => {
      if (error) reject(listenError('OTLP/gRPC', address, error));
      else resolve({ host: address.host, port });
    });
  });
}

async function closeHttp(server: Server, tally?: ReceiveTally): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // Keep-alive connections would hold close() open: requests in flight finish, then every connection goes.
  while (tally !== undefined && tally.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  server.closeAllConnections();
  await closed;
}

function closeGrpc(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => server.tryShutdown(() => resolve()));
}
