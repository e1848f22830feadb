import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createInflate } from 'node:zlib';
import { InputError } from '../../model/errors.js';
import { decodeExportRequest, encodeExportResponse, encodeStatus, RPC_INVALID_ARGUMENT, RPC_RESOURCE_EXHAUSTED, RPC_UNAVAILABLE, type OtlpEncoding } from './export.js';
import type { ExportHandler } from './receivers.js';

export const TRACES_PATH = '/v1/traces';

const MEDIA_TYPES: Record<string, OtlpEncoding> = { 'application/x-protobuf': 'protobuf', 'application/json': 'json' };
const CONTENT_TYPES: Record<OtlpEncoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** OTLP/HTTP (the specification's "OTLP/HTTP" section): `POST /v1/traces`, protobuf or JSON, gzip or deflate. */
export function createHttpReceiver(maxBodyBytes: number, handle: ExportHandler): Server {
  return createServer((req, res) => {
    answer(req, res, maxBodyBytes, handle).catch(() => {
      // A bug, not the client's doing: answer 500 rather than leave the exporter waiting.
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
}

async function answer(req: IncomingMessage, res: ServerResponse, maxBodyBytes: number, handle: ExportHandler): Promise<void> {
  allowLocalOrigin(req, res);
  const path = (req.url ?? '').split('?')[0];
  if (req.method === 'OPTIONS') return preflight(req, res);
  if (path !== TRACES_PATH) return plain(req, res, 404, `not found: tracectl receives traces at POST ${TRACES_PATH}`, handle);
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST, OPTIONS');
    return plain(req, res, 405, `method ${req.method ?? ''} not allowed: POST ${TRACES_PATH}`, handle);
  }
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const encoding = MEDIA_TYPES[mediaType];
  if (encoding === undefined) return plain(req, res, 415, `unsupported content type "${mediaType}": send application/x-protobuf or application/json`, handle);
  const contentEncoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (!['identity', 'gzip', 'deflate'].includes(contentEncoding)) {
    return plain(req, res, 415, `unsupported content encoding "${contentEncoding}": send gzip, deflate or none`, handle);
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBodyBytes) return status(req, res, 413, RPC_RESOURCE_EXHAUSTED, tooLarge(maxBodyBytes), encoding, handle);

  handle.began();
  try {
    let body: Buffer;
    try {
      body = await readBody(req, contentEncoding, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) return status(req, res, 413, RPC_RESOURCE_EXHAUSTED, tooLarge(maxBodyBytes), encoding, handle);
      return status(req, res, 400, RPC_INVALID_ARGUMENT, `the body cannot be read: ${error instanceof Error ? error.message : String(error)}`, encoding, handle);
    }
    let request;
    try {
      request = decodeExportRequest(body, encoding);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return status(req, res, 400, RPC_INVALID_ARGUMENT, error.message, encoding, handle);
    }
    try {
      await handle.accept(request);
    } catch (error) {
      return status(req, res, 503, RPC_UNAVAILABLE, `the spans could not be stored: ${error instanceof Error ? error.message : String(error)}`, encoding, handle);
    }
    res.writeHead(200, { 'Content-Type': CONTENT_TYPES[encoding] }).end(encodeExportResponse(request, encoding));
  } finally {
    handle.ended();
  }
}

function tooLarge(maxBodyBytes: number): string {
  return `the body is over the ${maxBodyBytes}-byte limit (--max-body)`;
}

class BodyTooLarge extends Error {}

/** Counts bytes through a stream and stops it past the cap: before decompression and after it. */
function byteCap(maxBodyBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen > maxBodyBytes) callback(new BodyTooLarge());
      else callback(null, chunk);
    },
  });
}

/**
 * The body, within the cap. The request is piped, not put in the pipeline: a failed read
 * must not destroy the socket before the 413 or 400 is sent, so the rest is drained instead.
 */
async function readBody(req: IncomingMessage, contentEncoding: string, maxBodyBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const collect = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) chunks.push(chunk);
  };
  const wire = byteCap(maxBodyBytes);
  req.pipe(wire);
  try {
    if (contentEncoding === 'identity') await pipeline(wire, collect);
    else await pipeline(wire, contentEncoding === 'gzip' ? createGunzip() : createInflate(), byteCap(maxBodyBytes), collect);
  } catch (error) {
    req.unpipe(wire);
    req.resume();
    throw error;
  }
  return Buffer.concat(chunks);
}

/** An error answer in the request's encoding; an unread body closes the connection. */
function status(req: IncomingMessage, res: ServerResponse, httpStatus: number, rpcCode: number, message: string, encoding: OtlpEncoding, handle: ExportHandler): void {
  handle.refused();
  if (!req.complete) res.setHeader('Connection', 'close');
  res.writeHead(httpStatus, { 'Content-Type': CONTENT_TYPES[encoding] }).end(encodeStatus(rpcCode, message, encoding));
}

/** An error answer before the encoding is known (or for a path that takes none): text. */
function plain(req: IncomingMessage, res: ServerResponse, httpStatus: number, message: string, handle: ExportHandler): void {
  handle.refused();
  if (!req.complete) res.setHeader('Connection', 'close');
  res.writeHead(httpStatus, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${message}\n`);
}

/** A browser app served from localhost may export here: its origin is echoed back; no other origin is. */
function allowLocalOrigin(req: IncomingMessage, res: ServerResponse): void {
  const origin = req.headers.origin;
  if (origin === undefined || !isLocalOrigin(origin)) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
}

function isLocalOrigin(origin: string): boolean {
  try {
    const host = new URL(origin).hostname;
    return host === 'localhost' || host.endsWith('.localhost') || host === '127.0.0.1' || host === '[::1]';
  } catch {
    return false;
  }
}

function preflight(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'Content-Type, Content-Encoding');
  res.setHeader('Access-Control-Max-Age', '86400');
  res.writeHead(204).end();
}
