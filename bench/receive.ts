/**
 * `npm run bench:receive`: how fast `tracectl receive` takes spans over OTLP/HTTP protobuf,
 * next to how fast tracectl reads the same spans back from the file it wrote. A load
 * generator in this process posts a bounded number of spans (the Collector-shaped lines of
 * bench/shapes.ts, as protobuf export requests of 500 to 2,000 spans) over `--concurrency`
 * keep-alive connections to `tracectl receive` running in its own process; then
 * `find --slow 10 --jobs 1` and the parse floor (bench/floor.mjs) read the received file.
 * Ratios are of figures measured in the same run.
 *
 *   npm run bench:receive -- [--spans 200000] [--concurrency 4] [--runs 3]
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { otlpJsonToProtobuf } from '../test/helpers/otlp-proto-encode.js';
import { shapeLines } from './shapes.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SPANS = arg('--spans', 200_000);
const CONCURRENCY = arg('--concurrency', 4);
const RUNS = arg('--runs', 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

interface ExportBody {
  bytes: Uint8Array;
  spans: number;
}

function requests(): ExportBody[] {
  return [...shapeLines('collector', SPANS, 500)].map((line) => {
    const payload = JSON.parse(line) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
    const spans = payload.resourceSpans.reduce((n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0), 0);
    return { bytes: otlpJsonToProtobuf(payload), spans };
  });
}

/** Starts `tracectl receive` on a free port; resolves with the port and its --json summary to come. */
async function startReceiver(out: string): Promise<{ port: number; summary: Promise<{ spans: number; errors: number }> }> {
  const child = spawn('node', ['bin/tracectl.js', 'receive', '--http', '127.0.0.1:0', '--grpc', 'off', '--out', out, '--exit-when-idle', '1s', '--json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const summary = new Promise<{ spans: number; errors: number }>((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as { spans: number; errors: number }) : reject(new Error(`receive exited ${code}`)))));
  const port = await new Promise<number>((resolve) => {
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      const match = /http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (match) resolve(Number(match[1]));
    });
  });
  return { port, summary };
}

function post(agent: Agent, port: number, body: Uint8Array): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent, headers: { 'Content-Type': 'application/x-protobuf', 'Content-Length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Posts every request over `CONCURRENCY` connections; the wall time from the first send to the last answer. */
async function load(port: number, bodies: readonly ExportBody[]): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const status = await post(agent, port, bodies[next++]!.bytes);
        if (status !== 200) throw new Error(`receive answered ${status}`);
      }
    }),
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  agent.destroy();
  return ms;
}

function timed(command: string[]): number {
  const started = process.hrtime.bigint();
  const run = spawnSync(command[0]!, command.slice(1), { cwd: root, stdio: 'ignore' });
  if (run.status !== 0) throw new Error(`${command.join(' ')}: exit ${run.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const bodies = requests();
const total = bodies.reduce((n, b) => n + b.spans, 0);
const dir = mkdtempSync(join(tmpdir(), 'tracectl-bench-receive-'));
try {
  const receiveMs: number[] = [];
  const findMs: number[] = [];
  const floorMs: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const out = join(dir, `received-${run}.jsonl`);
    const receiver = await startReceiver(out);
    receiveMs.push(await load(receiver.port, bodies));
    const summary = await receiver.summary;
    if (summary.spans !== total || summary.errors !== 0) throw new Error(`receive kept ${summary.spans} of ${total} spans, ${summary.errors} errors`);
    findMs.push(timed(['node', 'bin/tracectl.js', 'find', '--slow', '10', '--jobs', '1', out]));
    floorMs.push(timed(['node', 'bench/floor.mjs', out]));
  }
  const rate = (ms: number): number => total / (ms / 1000);
  const rows = [
    { case: `receive: OTLP/HTTP protobuf, ${bodies.length} requests, ${CONCURRENCY} connections`, spansPerSecond: rate(median(receiveMs)) },
    { case: 'file read: find --slow 10 --jobs 1 on the received file', spansPerSecond: rate(median(findMs)) },
    { case: 'file read: parse floor (lines + JSON.parse) on it', spansPerSecond: rate(median(floorMs)) },
  ];
  const header = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ${total} spans, medians of ${RUNS}`;
  console.log(header);
  console.log('| case | spans/s | × file read (find) |');
  console.log('|---|---|---|');
  for (const row of rows) console.log(`| ${row.case} | ${Math.round(row.spansPerSecond).toLocaleString('en-US')} | ${(row.spansPerSecond / rows[1]!.spansPerSecond).toFixed(2)}× |`);
  mkdirSync(`${root}bench/results`, { recursive: true });
  appendFileSync(`${root}bench/results/history.jsonl`, `${JSON.stringify({ at: new Date().toISOString(), bench: 'receive', machine: header, rows })}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
