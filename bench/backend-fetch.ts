/**
 * How much concurrent fetching buys against a backend with some latency: 1,000 traces from
 * a local Tempo-shaped server that waits 20 ms before every answer, fetched by
 * `tracectl bottlenecks` with the default --concurrency (8), with 16, and with 1.
 *
 *   npm run bench:backend -- [--traces 1000] [--latency 20]
 *
 * Tempo is the backend where this matters: its search returns ids, and every trace is one
 * more request (Jaeger and Zipkin return whole traces from the search).
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
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

/**
 * The server runs in a worker thread, as a real backend runs elsewhere: its own work (HTTP
 * parsing, the timers) must not take turns with tracectl's on one thread.
 */
const SERVER = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { bodies, hits, inspected, latencyMs, counter } = workerData;
const byId = new Map(bodies);
const requests = new Int32Array(counter);
const server = createServer((req, res) => {
  Atomics.add(requests, 0, 1);
  const url = new URL(req.url ?? '/', 'http://localhost');
  setTimeout(() => {
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/api/search') {
      const limit = Number(url.searchParams.get('limit'));
      res.end(JSON.stringify({ traces: hits.slice(0, limit), metrics: { inspectedTraces: inspected } }));
      return;
    }
    const body = byId.get(url.pathname.replace('/api/v2/traces/', ''));
    res.statusCode = body === undefined ? 404 : 200;
    res.end(body ?? '');
  }, latencyMs);
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;
const counter = new SharedArrayBuffer(4);
const requests = new Int32Array(counter);
const hits = traces.map((t) => ({ traceID: t.traceId, startTimeUnixNano: `${starts.get(t.traceId)!}000000`, durationMs: 1 }));
const server = new Worker(SERVER, { eval: true, workerData: { bodies: [...bodies], hits, inspected: traces.length, latencyMs: LATENCY_MS, counter } });
const [port] = (await once(server, 'message')) as [number];
const backend = `tempo:http://127.0.0.1:${port}`;

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
  Atomics.store(requests, 0, 0);
  const started = performance.now();
  const code = await main(['bottlenecks', '--json', '--since', '72h', '--max-traces', String(TRACES), '--backend', backend, ...extra], quiet);
  const ms = performance.now() - started;
  if (code !== 0) throw new Error(`tracectl exited ${code}`);
  const seen = Atomics.load(requests, 0);
  if (seen !== TRACES + 1) throw new Error(`expected ${TRACES + 1} requests, saw ${seen}`);
  return ms;
}

console.log(`${TRACES} traces, ${LATENCY_MS} ms server latency per request (1 search + ${TRACES} trace fetches)`);
await timed(['--concurrency', '8']); // warm-up: JIT, undici, decoders
const concurrent = await timed([]);
console.log(`  --concurrency 8 (default): ${(concurrent / 1000).toFixed(2)} s`);
const wider = await timed(['--concurrency', '16']);
console.log(`  --concurrency 16:          ${(wider / 1000).toFixed(2)} s`);
const sequential = await timed(['--concurrency', '1']);
console.log(`  --concurrency 1:           ${(sequential / 1000).toFixed(2)} s`);
// Each request waits the latency at least once, so N in flight can be at most N times faster.
console.log(`  speed-up: ${(sequential / concurrent).toFixed(1)}× at the default (at most 8×), ${(sequential / wider).toFixed(1)}× at 16`);
await server.terminate();
