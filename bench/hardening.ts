/**
 * `npm run bench:hardening`: the large inputs of issue 19, each run in its own process under
 * /usr/bin/time (wall time, peak RSS, exit code), for this build and, with `--baseline
 * path/to/bin/tracectl.js`, for another one, with the ratios. The inputs are generated into
 * bench/data/hardening (several GB of disk at full size; `--quick` makes them a tenth).
 *
 *   npm run bench:hardening -- [--quick] [--baseline ../old/bin/tracectl.js] [--cases deps-chain,show-json]
 *
 * Never part of `npm test`: figures go in bench/README.md ("Hardening").
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';

const root = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2).filter((a) => a !== '--');
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const scale = quick ? 0.1 : 1;
const cli = option('cli') ?? 'bin/tracectl.js';
const baseline = option('baseline');
const dir = `${root}bench/data/hardening${quick ? '-quick' : ''}`;
const MIB = 2 ** 20;

/** Writes `lines()` to `path` once, with backpressure. */
async function generate(path: string, lines: () => Iterable<string>, gzip = false): Promise<string> {
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  console.error(`generating ${path} …`);
  const file = createWriteStream(path);
  const out = gzip ? createGzip({ level: 1 }) : file;
  if (gzip) out.pipe(file);
  for (const line of lines()) if (!out.write(line)) await once(out, 'drain');
  out.end();
  await once(file, 'close');
  return path;
}

const zipkin = (trace: string, id: number, parent: number | null, service: string, kind: string, start: number, duration: number): string =>
  JSON.stringify({ traceId: trace, id: id.toString(16).padStart(16, '0'), ...(parent === null ? {} : { parentId: parent.toString(16).padStart(16, '0') }), name: 'op', kind, timestamp: 1_700_000_000_000_000 + start, duration, localEndpoint: { serviceName: service } });

/** A call chain `depth` services deep (a client and a server span per hop), one JSON array. */
function* chain(depth: number): Iterable<string> {
  yield '[';
  let parent: number | null = null;
  for (let i = 0; i < depth; i++) {
    yield `${i === 0 ? '' : ','}${zipkin('7'.padStart(32, '0'), 2 * i + 1, parent, `s${i}`, 'SERVER', i, 10 * depth - 2 * i)}`;
    yield `,${zipkin('7'.padStart(32, '0'), 2 * i + 2, 2 * i + 1, `s${i}`, 'CLIENT', i, 10 * depth - 2 * i - 1)}`;
    parent = 2 * i + 2;
  }
  yield ']\n';
}

/** One trace of `spans` spans, a root and its children, 1,000 a line. */
function* wide(spans: number): Iterable<string> {
  for (let line = 0; line < spans / 1000; line++) {
    const batch: string[] = [];
    for (let j = 0; j < 1000; j++) {
      const i = line * 1000 + j;
      batch.push(zipkin('abc'.padStart(32, '0'), i + 1, i === 0 ? null : 1, `s${i % 7}`, 'SERVER', i, i === 0 ? 2 * spans : 5));
    }
    yield `[${batch.join(',')}]\n`;
  }
}

/** Good JSON lines around one line of `bytes` bytes. */
function* longLine(bytes: number): Iterable<string> {
  const good = (n: number) => `[${zipkin(n.toString(16).padStart(32, '0'), 1, null, 'api', 'SERVER', n, 5)}]\n`;
  yield good(1);
  yield '[{"pad":"';
  const piece = 'x'.repeat(MIB);
  for (let i = 0; i < bytes / MIB; i++) yield piece;
  yield '"}]\n';
  yield good(2);
}

/** One pretty-printed JSON document of about `bytes` bytes. */
function* document(bytes: number): Iterable<string> {
  const span = (i: number) => zipkin((i + 1).toString(16).padStart(32, '0'), 1, null, 'api', 'SERVER', i, 5).replace('}', `,"tags":{"pad":"${'x'.repeat(900)}"}}`);
  yield '[\n';
  const count = Math.round(bytes / 1100);
  for (let i = 0; i < count; i++) yield `${span(i)}${i < count - 1 ? ',' : ''}\n`;
  yield ']\n';
}

function* zeros(bytes: number): Iterable<string> {
  const piece = '\u0000'.repeat(MIB);
  for (let i = 0; i < bytes / MIB; i++) yield piece;
}

/** 4,000 budgets each selecting through an alias to one 4,000-condition list. */
function* aliasBudgets(count: number): Iterable<string> {
  yield 'version: 1\nbudgets:\n  - name: b0\n    select:\n      where: &conds\n';
  for (let i = 0; i < count; i++) yield `        - "attr.k${i}=v"\n`;
  yield '    assert: ["p(95) < 1s"]\n';
  for (let i = 1; i < count; i++) yield `  - {name: b${i}, select: {where: *conds}, assert: ["p(95) < 1s"]}\n`;
}

interface Case {
  name: string;
  /** The command after the CLI, its input made on first use. */
  command: () => Promise<string[]>;
}

const n = (x: number): number => Math.round(x * scale);
const CASES: Case[] = [
  { name: 'deps-chain', command: async () => ['deps', '--window', 'all', await generate(`${dir}/chain-${n(100_000)}.json`, () => chain(n(100_000)))] },
  { name: 'show-json', command: async () => ['show', 'abc', '--json', await generate(`${dir}/wide-${n(1_000_000)}.jsonl`, () => wide(n(1_000_000)))] },
  { name: 'long-line', command: async () => ['find', '--jobs', '1', await generate(`${dir}/long-line-${n(600)}.jsonl`, () => longLine(n(600) * MIB))] },
  { name: 'document', command: async () => ['find', await generate(`${dir}/document-${n(640)}.json`, () => document(n(640) * MIB))] },
  { name: 'gzip-bomb', command: async () => ['find', await generate(`${dir}/zeros-${n(2048)}.gz`, () => zeros(n(2048) * MIB), true)] },
  { name: 'alias-budgets', command: async () => ['check', '--budgets', await generate(`${dir}/alias-${n(4000)}.yaml`, () => aliasBudgets(n(4000))), 'fixtures/otlp/otlp-trace.json'] },
];

interface Measurement {
  wallMs: number;
  peakRssMb: number;
  exitCode: number;
}

function measure(bin: string, command: string[]): Measurement {
  const started = process.hrtime.bigint();
  // A baseline may grow without bound: 4 GB of address space, ten minutes, at most.
  const run = spawnSync('/bin/sh', ['-c', 'ulimit -v 4000000; exec /usr/bin/time -f %M timeout 600 node "$@" > /dev/null', 'sh', bin, ...command], { cwd: root, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const last = (run.stderr ?? '').trim().split('\n').at(-1) ?? '';
  return { wallMs, peakRssMb: /^\d+$/.test(last) ? Number(last) / 1024 : NaN, exitCode: run.status ?? -1 };
}

const wanted = option('cases')?.split(',');
const show = (m: Measurement): string => `${(m.wallMs / 1000).toFixed(2)} s, ${m.peakRssMb.toFixed(0)} MB, exit ${m.exitCode}`;
console.log(`| case | ${baseline ? 'baseline | ' : ''}this build |${baseline ? ' time × | RSS × |' : ''}`);
console.log(`|---|${baseline ? '---|' : ''}---|${baseline ? '---|---|' : ''}`);
for (const c of CASES) {
  if (wanted && !wanted.includes(c.name)) continue;
  const command = await c.command();
  const now = measure(cli, command);
  if (!baseline) {
    console.log(`| ${c.name} | ${show(now)} |`);
    continue;
  }
  const before = measure(baseline, command);
  console.log(`| ${c.name} | ${show(before)} | ${show(now)} | ${(now.wallMs / before.wallMs).toFixed(2)} | ${(now.peakRssMb / before.peakRssMb).toFixed(2)} |`);
}
