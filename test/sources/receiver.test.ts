import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeOtlpJson } from '../../src/formats/otlp-json.js';
import type { SpanRecord } from '../../src/model/span.js';
import { OtlpLinesFile } from '../../src/sources/receiver/out-file.js';
import { startReceivers, type Receivers } from '../../src/sources/receiver/receivers.js';
import { encodeTracesData } from '../helpers/otlp-proto-encode.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const LINKED_TRACE = '0af7651916cd43dd8448eb211c80319c';

/** Two spans made with the real SDK, at nanosecond times that no millisecond clock could give. */
function makeSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'checkout', 'host.name': 'ci-1' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('receiver-test');
  const parentContext = { traceId: TRACE_ID, spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true };
  const root = tracer.startSpan('GET /cart', { kind: SpanKind.SERVER, startTime: [1767225600, 123456789], attributes: { 'http.status_code': 200, ratio: 0.25, cached: true, tags: ['a', 'b'] } }, trace.setSpanContext(context.active(), parentContext));
  root.addEvent('cache miss', { key: 'cart:7' }, [1767225600, 200000001]);
  root.addLink({ context: { traceId: LINKED_TRACE, spanId: '00f067aa0ba902b7', traceFlags: 1 } });
  const child = tracer.startSpan('SELECT carts', { kind: SpanKind.CLIENT, startTime: [1767225600, 300000007] }, trace.setSpan(context.active(), root));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock' });
  child.end([1767225600, 400000009]);
  root.end([1767225601, 5]);
  return memory.getFinishedSpans();
}

/** What the receiver must write back: worked out by hand from makeSpans. */
function expected(): Partial<SpanRecord>[] {
  return [
    {
      traceId: TRACE_ID,
      name: 'SELECT carts',
      kind: 'client',
      startNs: 1767225600300000007n,
      durationNs: 100000002,
      status: 'error',
      statusMessage: 'deadlock',
      attributes: {},
      events: [],
      links: [],
      service: 'checkout',
    },
    {
      traceId: TRACE_ID,
      parentSpanId: 'b7ad6b7169203331',
      name: 'GET /cart',
      kind: 'server',
      startNs: 1767225600123456789n,
      durationNs: 876543216,
      status: 'unset',
      attributes: { 'http.status_code': 200, ratio: 0.25, cached: true, tags: ['a', 'b'] },
      events: [{ name: 'cache miss', timeNs: 1767225600200000001n, attributes: { key: 'cart:7' } }],
      links: [{ traceId: LINKED_TRACE, spanId: '00f067aa0ba902b7', type: 'link' }],
      resource: { 'service.name': 'checkout', 'host.name': 'ci-1' },
      service: 'checkout',
    },
  ];
}

let dir: string;
let out: OtlpLinesFile;
let receivers: Receivers;

async function start(maxBodyBytes = 1 << 20): Promise<void> {
  out = await OtlpLinesFile.open(join(dir, 'out.jsonl'), 'out.jsonl');
  receivers = await startReceivers({ http: { host: '127.0.0.1', port: 0 }, grpc: { host: '127.0.0.1', port: 0 }, maxBodyBytes, store: (spans) => out.append(spans) });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tracectl-receiver-'));
  await start();
});

afterEach(async () => {
  await receivers.close();
  await out.close();
  rmSync(dir, { recursive: true, force: true });
});

function written(): SpanRecord[] {
  const lines = readFileSync(join(dir, 'out.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
  return lines.flatMap((line) => decodeOtlpJson(JSON.parse(line)).spans);
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<number> {
  return new Promise((resolve) => exporter.export(spans, (result) => resolve(result.code)));
}

const httpUrl = (): string => `http://127.0.0.1:${receivers.http.port}/v1/traces`;

describe('the OTLP receivers, with the real OpenTelemetry JS exporters', () => {
  const exporters: [string, () => SpanExporter][] = [
    ['OTLP/HTTP JSON', () => new HttpJsonExporter({ url: httpUrl() })],
    ['OTLP/HTTP protobuf', () => new HttpProtoExporter({ url: httpUrl() })],
    ['OTLP/HTTP protobuf, gzip', () => new HttpProtoExporter({ url: httpUrl(), compression: 'gzip' as never })],
    ['OTLP/HTTP JSON, gzip', () => new HttpJsonExporter({ url: httpUrl(), compression: 'gzip' as never })],
    ['OTLP/gRPC', () => new GrpcExporter({ url: `http://127.0.0.1:${receivers.grpc!.port}` })],
    ['OTLP/gRPC, gzip', () => new GrpcExporter({ url: `http://127.0.0.1:${receivers.grpc!.port}`, compression: 'gzip' as never })],
  ];

  it.each(exporters)('%s: every span written back identical, to the nanosecond', async (_name, make) => {
    const exporter = make();
    expect(await exportWith(exporter, makeSpans())).toBe(0);
    await exporter.shutdown();
    const spans = written();
    expect(spans).toHaveLength(2);
    const [child, root] = expected();
    expect(spans[0]).toMatchObject(child!);
    expect(spans[0]!.parentSpanId).toBe(spans[1]!.spanId);
    expect(spans[1]).toMatchObject(root!);
    expect(spans[1]!.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(receivers.tally).toMatchObject({ requests: 1, spans: 2, traces: 1, errors: 0, rejectedSpans: 0 });
  });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function post(path: string, body: Buffer, headers: Record<string, string>, method = 'POST'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: receivers.http.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const oneSpan = (spanId: string): Record<string, unknown> => ({
  traceId: TRACE_ID,
  spanId,
  name: 'op',
  startTimeUnixNano: '1767225600000000000',
  endTimeUnixNano: '1767225600001000000',
});
const request2 = { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [oneSpan('00f067aa0ba902b7'), oneSpan('not an id!'), oneSpan('')] }] }] };

describe('the OTLP/HTTP answers', () => {
  it('JSON: 200 with partial_success counting the two spans without a valid id; the good one is written', async () => {
    const answer = await post('/v1/traces', Buffer.from(JSON.stringify(request2)), { 'Content-Type': 'application/json' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    const body = JSON.parse(answer.body.toString()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(body.partialSuccess.rejectedSpans).toBe('2');
    expect(body.partialSuccess.errorMessage).toContain('invalid spanId');
    expect(written().map((s) => s.spanId)).toEqual(['00f067aa0ba902b7']);
  });

  it('protobuf: partial_success in protobuf (field 1: rejected_spans 1, then the message)', async () => {
    const proto = Buffer.from(encodeTracesData({ resourceSpans: [{ scopeSpans: [{ spans: [{ ...oneSpan('00f067aa0ba902b7'), traceId: Buffer.from(TRACE_ID, 'hex'), spanId: Buffer.from('00f067aa0ba902b7', 'hex') }, { ...oneSpan(''), traceId: Buffer.from(TRACE_ID, 'hex'), spanId: Buffer.alloc(0) }] }] }] }));
    const answer = await post('/v1/traces', proto, { 'Content-Type': 'application/x-protobuf' });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/x-protobuf');
    // 0x0a <len> 0x08 0x01 (rejected_spans = 1) 0x12 <len> message
    expect([...answer.body.subarray(0, 4)]).toEqual([0x0a, answer.body.length - 2, 0x08, 0x01]);
    expect(answer.body.subarray(6).toString()).toContain('empty spanId');
  });

  it('a full success answers an empty response: {} in JSON, no bytes in protobuf', async () => {
    const json = await post('/v1/traces', Buffer.from(JSON.stringify({ resourceSpans: [] })), { 'Content-Type': 'application/json; charset=utf-8' });
    expect([json.status, json.body.toString()]).toEqual([200, '{}']);
    const proto = await post('/v1/traces', Buffer.alloc(0), { 'Content-Type': 'application/x-protobuf' });
    expect([proto.status, proto.body.length]).toEqual([200, 0]);
  });

  it('gzip: a compressed JSON body is read', async () => {
    const answer = await post('/v1/traces', gzipSync(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [oneSpan('00f067aa0ba902b7')] }] }] })), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    expect(answer.status).toBe(200);
    expect(written()).toHaveLength(1);
  });

  it('400 for a body that is not OTLP, in the request encoding (google.rpc.Status, code 3)', async () => {
    const json = await post('/v1/traces', Buffer.from('{"resourceSpans": ['), { 'Content-Type': 'application/json' });
    expect(json.status).toBe(400);
    expect(JSON.parse(json.body.toString())).toEqual({ code: 3, message: 'the body is not JSON' });
    const proto = await post('/v1/traces', Buffer.from([0x0a, 0x05, 0x01]), { 'Content-Type': 'application/x-protobuf' });
    expect(proto.status).toBe(400);
    expect(proto.body[0]).toBe(0x08);
    expect(proto.body[1]).toBe(3);
    const badGzip = await post('/v1/traces', Buffer.from('not gzip'), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    expect(badGzip.status).toBe(400);
    expect(receivers.tally.errors).toBe(3);
    expect(written()).toEqual([]);
  });

  it('415 for an unknown content type or encoding', async () => {
    expect((await post('/v1/traces', Buffer.from('x'), { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await post('/v1/traces', Buffer.from('x'), { 'Content-Type': 'application/json', 'Content-Encoding': 'br' })).status).toBe(415);
  });

  it('404 for another path, 405 for another method on /v1/traces', async () => {
    expect((await post('/v1/metrics', Buffer.from('{}'), { 'Content-Type': 'application/json' })).status).toBe(404);
    const get = await post('/v1/traces', Buffer.alloc(0), {}, 'GET');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST, OPTIONS');
  });

  it('CORS: a preflight from a localhost origin is allowed and echoed; another origin is not', async () => {
    const local = await post('/v1/traces', Buffer.alloc(0), { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' }, 'OPTIONS');
    expect(local.status).toBe(204);
    expect(local.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(local.headers['access-control-allow-headers']).toBe('content-type');
    expect(local.headers['access-control-allow-methods']).toBe('POST, OPTIONS');
    const posted = await post('/v1/traces', Buffer.from('{}'), { Origin: 'http://127.0.0.1:3000', 'Content-Type': 'application/json' });
    expect(posted.headers['access-control-allow-origin']).toBe('http://127.0.0.1:3000');
    const other = await post('/v1/traces', Buffer.alloc(0), { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' }, 'OPTIONS');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('the body cap', () => {
  beforeEach(async () => {
    await receivers.close();
    await out.close();
    await start(1000);
  });

  const big = Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ ...oneSpan('00f067aa0ba902b7'), name: 'x'.repeat(5000) }] }] }] }));

  it('413 when Content-Length says it is over the cap', async () => {
    const answer = await post('/v1/traces', big, { 'Content-Type': 'application/json' });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body.toString())).toMatchObject({ code: 8 });
  });

  it('413 while streaming a chunked body past the cap', async () => {
    const answer = await post('/v1/traces', big, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    expect(answer.status).toBe(413);
  });

  it('413, not a reset connection, for a body of megabytes streamed past the cap', async () => {
    const huge = Buffer.concat([big, Buffer.alloc(4 << 20, 0x20)]);
    const answer = await post('/v1/traces', huge, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
  });

  it('413 when a small gzip body inflates past the cap', async () => {
    const zipped = gzipSync(big);
    expect(zipped.length).toBeLessThan(1000);
    const answer = await post('/v1/traces', zipped, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    expect(answer.status).toBe(413);
    expect(written()).toEqual([]);
  });
});

describe('the OTLP/gRPC answers', () => {
  function call(body: Buffer): Promise<{ code: number; details: string } | null> {
    const client = new grpc.Client(`127.0.0.1:${receivers.grpc!.port}`, grpc.credentials.createInsecure());
    const asIs = (b: Buffer): Buffer => b;
    return new Promise((resolve) => {
      client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', asIs, asIs, body, (error) => {
        client.close();
        resolve(error === null ? null : { code: error.code, details: error.details });
      });
    });
  }

  it('INVALID_ARGUMENT for a message that does not decode, counted as an error', async () => {
    expect(await call(Buffer.from([0x0a, 0x05, 0x01]))).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: 'Not a valid OTLP protobuf trace export: the data is truncated or corrupt.' });
    expect(receivers.tally.errors).toBe(1);
  });

  it('RESOURCE_EXHAUSTED for a message over the cap', async () => {
    await receivers.close();
    await out.close();
    await start(1000);
    const result = await call(Buffer.concat([Buffer.from([0x0a, 0xd0, 0x0f]), Buffer.alloc(2000)]));
    expect(result?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });
});

describe('listening', () => {
  it('an address in use is one sentence (InputError, exit 3)', async () => {
    const attempt = startReceivers({ http: { host: '127.0.0.1', port: receivers.http.port }, grpc: null, maxBodyBytes: 1000, store: async () => undefined });
    await expect(attempt).rejects.toMatchObject({ exitCode: 3, message: `cannot listen for OTLP/HTTP on 127.0.0.1:${receivers.http.port}: the address is already in use (another receiver or Collector?)` });
  });
});
