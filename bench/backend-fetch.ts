/**
 * How much concurrent fetching buys against a backend with some latency: 1,000 traces from
 * a local Tempo-shaped server that waits 20 ms before every answer, fetched by
 * `tracectl bottlenecks` with the default --concurrency (8) and with --concurrency 1.
 *
 *   npx vite-node bench/backend-fetch.ts [--traces 1000] [--latency 20]
 *
 * Tempo is the backend where this matters: its search returns ids, and every trace is one
 * more request (Jaeger and Zipkin return whole traces from the search).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { generateDemoTraces, toOtlpJsonLines, type DemoTrace } from '../scripts/demo-traces.js';
import { main } from '../src/cli.js';
import type { Io } from '../src/io.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const TRACES = arg('--traces', 1000);
const LATENCY_MS = arg('--latency', 20);
const EPOCH_MS = Date.UTC(2026, 10, 1, 10, 0, 0);

const traces = generateDemoTraces({ seed: 7, count: TRACES, startEpochMs: EPOCH_MS });
const bodies = new Map<string, string>();
for (const trace of traces) bodies.set(trace.traceId, traceBody(trace));
const starts = new Map(traces.map((t) => [t.traceId, t.epochMs + Math.min(...t.spans.map((s) => s.startUs / 1000))]));

/** `/api/v2/traces/{id}`: one trace as OTLP JSON under `trace`, its service batches merged. */
function traceBody(trace: DemoTrace): string {
  const resourceSpans = toOtlpJsonLines([trace])
    .split('\n')
    .filter((line) => line !== '')
    .flatMap((line) => (JSON.parse(line) as { resourceSpans: unknown[] }).resourceSpans);
  return JSON.stringify({ trace: { resourceSpans } });
}

let requests = 0;
const server = createServer((req, res) => {
  requests++;
  const url = new URL(req.url ?? '/', 'http://localhost');
  setTimeout(() => {
    if (url.pathname === '/api/search') {
      const limit = Number(url.searchParams.get('limit'));
      const hits = traces.slice(0, limit).map((t) => ({ traceID: t.traceId, startTimeUnixNano: `${starts.get(t.traceId)!}000000`, durationMs: 1 }));
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ traces: hits, metrics: { inspectedTraces: traces.length } }));
      return;
    }
    const body = bodies.get(url.pathname.replace('/api/v2/traces/', ''));
    res.statusCode = body === undefined ? 404 : 200;
    res.setHeader('content-type', 'application/json');
    res.end(body ?? '');
  }, LATENCY_MS);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const backend = `tempo:http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const quiet: Io = {
  stdout: { write: () => undefined, isTTY: false },
  // The search returns exactly --max-traces hits, so tracectl notes that more may match: not news here.
  stderr: { write: () => undefined, isTTY: false },
  stdin: Readable.from([]) as Io['stdin'],
  env: {},
  cwd: process.cwd(),
  now: () => new Date(EPOCH_MS + 48 * 3_600_000),
};

async function timed(extra: string[]): Promise<number> {
  requests = 0;
  const started = performance.now();
  const code = await main(['bottlenecks', '--json', '--since', '72h', '--max-traces', String(TRACES), '--backend', backend, ...extra], quiet);
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`tracectl exited ${code}`);
  if (requests !== TRACES + 1) throw new Error(`expected ${TRACES + 1} requests, saw ${requests}`);
  return ms;
}

console.log(`${TRACES} traces, ${LATENCY_MS} ms server latency per request (1 search + ${TRACES} trace fetches)`);
await timed(['--concurrency', '8']); // warm-up: JIT, undici, decoders
const concurrent = await timed([]);
console.log(`  --concurrency 8 (default): ${(concurrent / 1000).toFixed(2)} s`);
const sequential = await timed(['--concurrency', '1']);
console.log(`  --concurrency 1:           ${(sequential / 1000).toFixed(2)} s`);
console.log(`  speed-up: ${(sequential / concurrent).toFixed(1)}×`);
server.close();
