import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runBin, runCli } from '../helpers/cli.js';

// Through bin/ (run `npm run build` first): the receiver is a real process on 127.0.0.1.
const scratch = mkdtempSync(join(tmpdir(), 'tracectl-receive-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function spans(names: string[]): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'shop' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  for (const name of names) provider.getTracer('t').startSpan(name, { startTime: [1767225600, 5] }).end([1767225600, 250_000_005]);
  return memory.getFinishedSpans();
}

function exportWith(exporter: SpanExporter, batch: ReadableSpan[]): Promise<number> {
  return new Promise((resolve) => exporter.export(batch, (result) => resolve(result.code)));
}

/** Starts `receive` with `args`; resolves with its bound ports once it says where it listens, and with its end. */
function startReceive(args: string[]): { ports: Promise<{ http: number; grpc: number | null }>; done: ReturnType<typeof runBin> } {
  let found: (ports: { http: number; grpc: number | null }) => void;
  const ports = new Promise<{ http: number; grpc: number | null }>((resolve) => (found = resolve));
  const done = runBin(['receive', ...args], {}, (stderr) => {
    const match = /receiving OTLP on http:\/\/127\.0\.0\.1:(\d+)\/v1\/traces(?: and grpc 127\.0\.0\.1:(\d+))?/.exec(stderr);
    if (match) found({ http: Number(match[1]), grpc: match[2] === undefined ? null : Number(match[2]) });
  });
  return { ports, done };
}

describe('tracectl receive', () => {
  it('receives from the real exporters over HTTP protobuf and gRPC, appends Collector JSON lines, stops when idle with a JSON summary', async () => {
    const out = join(scratch, 'idle.jsonl');
    const receive = startReceive(['--http', '127.0.0.1:0', '--grpc', '127.0.0.1:0', '--out', out, '--exit-when-idle', '1s', '--json']);
    const ports = await receive.ports;
    const http = new HttpProtoExporter({ url: `http://127.0.0.1:${ports.http}/v1/traces` });
    expect(await exportWith(http, spans(['a', 'b']))).toBe(0);
    const grpc = new GrpcExporter({ url: `http://127.0.0.1:${ports.grpc!}` });
    expect(await exportWith(grpc, spans(['c']))).toBe(0);
    await Promise.all([http.shutdown(), grpc.shutdown()]);
    const run = await receive.done;
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ schema: 'tracectl/v1', out, http: `127.0.0.1:${ports.http}`, grpc: `127.0.0.1:${ports.grpc!}`, requests: 2, spans: 3, traces: 3, errors: 0, rejectedSpans: 0 });
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    const names = lines.flatMap((l) => (JSON.parse(l) as { resourceSpans: { scopeSpans: { spans: { name: string; startTimeUnixNano: string; endTimeUnixNano: string }[] }[] }[] }).resourceSpans[0]!.scopeSpans[0]!.spans);
    expect(names.map((s) => [s.name, s.startTimeUnixNano, s.endTimeUnixNano])).toEqual([
      ['a', '1767225600000000005', '1767225600250000005'],
      ['b', '1767225600000000005', '1767225600250000005'],
      ['c', '1767225600000000005', '1767225600250000005'],
    ]);
    // A file every command reads.
    const find = await runCli(['find', '--json', out]);
    expect(find.code).toBe(0);
  });

  it('appends to what the file holds; --exit-after stops it; the text summary', async () => {
    const out = join(scratch, 'append.jsonl');
    for (const name of ['first', 'second']) {
      const receive = startReceive(['--http', '127.0.0.1:0', '--grpc', 'off', '--out', out, '--exit-after', '800ms']);
      const ports = await receive.ports;
      const http = new HttpProtoExporter({ url: `http://127.0.0.1:${ports.http}/v1/traces` });
      expect(await exportWith(http, spans([name]))).toBe(0);
      await http.shutdown();
      const run = await receive.done;
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^received 1 request, 1 span in 1 trace, 0 errors in \\S+ on http 127\\.0\\.0\\.1:${ports.http}; spans appended to `));
    }
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] }).resourceSpans[0]!.scopeSpans[0]!.spans[0]!.name)).toEqual(['first', 'second']);
  });

  it('SIGTERM stops it cleanly: exit 0 and the summary', async () => {
    const child = spawn(process.execPath, ['bin/tracectl.js', 'receive', '--http', '127.0.0.1:0', '--grpc', 'off', '--out', join(scratch, 'term.jsonl')], { cwd: REPO_ROOT });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    await new Promise<void>((resolve) => child.stderr.on('data', (c: Buffer) => c.toString().includes('receiving OTLP') && resolve()));
    const code = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    child.kill('SIGTERM');
    expect(await code).toBe(0);
    expect(stdout).toMatch(/^received 0 requests, 0 spans in 0 traces, 0 errors/);
  });

  it('a port in use is one sentence and exit 3', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = await runBin(['receive', '--http', `127.0.0.1:${port}`, '--grpc', 'off', '--out', join(scratch, 'busy.jsonl')]);
      expect(run.stderr).toBe(`tracectl: cannot listen for OTLP/HTTP on 127.0.0.1:${port}: the address is already in use (another receiver or Collector?)\n`);
      expect(run.code).toBe(3);
    } finally {
      blocker.close();
    }
  });

  it('on a terminal, a live line on stderr, cleared before the summary', async () => {
    const run = await runCli(['receive', '--http', '127.0.0.1:0', '--grpc', 'off', '--out', join(scratch, 'tty.jsonl'), '--exit-after', '500ms'], { stderrTTY: true });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('\r\u001b[2Kreceiving: 0 requests, 0 spans in 0 traces, 0 errors');
    expect(run.stderr.endsWith('\r\u001b[2K')).toBe(true);
    expect(run.stdout).toMatch(/^received 0 requests/);
  });

  it('bad addresses and sizes are usage errors (exit 2)', async () => {
    expect(await runCli(['receive', '--http', 'localhost'])).toMatchObject({ code: 2, stderr: 'tracectl: --http "localhost" is not an address: write HOST:PORT, e.g. 127.0.0.1:4318\n' });
    expect(await runCli(['receive', '--max-body', '16 parsecs'])).toMatchObject({ code: 2, stderr: 'tracectl: --max-body "16 parsecs" is not a size: write e.g. 16MiB, 512KiB or a number of bytes\n' });
  });
});
