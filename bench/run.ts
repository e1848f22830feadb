/**
 * `npm run bench`: tracectl against the parse floor on each file shape of bench/shapes.ts
 * (small lines, the Collector's batches, long traces over many large lines, a change of span
 * density). Each case runs in its own process under /usr/bin/time (wall time and peak RSS);
 * ratios are to the floor measured in the same run on the same file, medians of `--runs`
 * runs. Every command runs as a user runs it (the planner choosing the threads) and with
 * `--jobs 1`, and the bench checks
 * that `find --json` and `analyze --json` give the same answer on every `--jobs` from 1 to 4
 * (exit code 1 if not). Results are printed as a table and appended to
 * bench/results/history.jsonl.
 *
 *   npm run bench -- [--quick] [--runs 3] [--shapes collector,density-change] [--cli path/to/bin/tracectl.js]
 *
 * `--quick` uses files a twentieth of the size (about a minute in all), to iterate; the full
 * run takes several minutes and is never part of `npm test`. Timing goals live here, never in unit tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { generateLargeFile } from './generate-large.js';
import { SHAPES, shapeLines, writeLines, type Shape } from './shapes.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2).filter((a) => a !== '--');
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
const runs = Number(option('runs', quick ? '1' : '3'));
const shapes = option('shapes', SHAPES.join(',')).split(',') as Shape[];
const cli = option('cli', 'bin/tracectl.js');
/** Spans per shape at full size (small-lines: demo traces, about 11.6 spans each). */
const FULL: Record<Shape, number> = { 'small-lines': 80_000, collector: 880_000, 'long-traces': 600_000, 'density-change': 249_000 };
const size = (shape: Shape): number => Math.round(FULL[shape] / (quick ? 20 : 1));

interface Measurement {
  shape: Shape;
  case: string;
  wallMs: number;
  peakRssMb: number | null;
  ratio: number | null;
  exitCode: number;
}

const hasTime = existsSync('/usr/bin/time');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

function measure(shape: Shape, label: string, command: string[], floorMs: number | null): Measurement {
  const all = Array.from({ length: runs }, () => measureOnce(shape, label, command, floorMs));
  const wallMs = median(all.map((m) => m.wallMs));
  const rss = all.map((m) => m.peakRssMb).filter((m): m is number => m !== null);
  return { shape, case: label, wallMs, peakRssMb: rss.length > 0 ? Math.max(...rss) : null, ratio: floorMs ? wallMs / floorMs : null, exitCode: Math.max(...all.map((m) => m.exitCode)) };
}

function measureOnce(shape: Shape, label: string, command: string[], floorMs: number | null): Measurement {
  const started = process.hrtime.bigint();
  const options = { cwd: root, encoding: 'utf8' as const, maxBuffer: 1 << 30, stdio: ['ignore', 'ignore', 'pipe'] as ['ignore', 'ignore', 'pipe'] };
  const run = hasTime ? spawnSync('/usr/bin/time', ['-f', '%M', ...command], options) : spawnSync(command[0]!, command.slice(1), options);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const lastLine = (run.stderr ?? '').trim().split('\n').at(-1) ?? '';
  const peakRssMb = hasTime && /^\d+$/.test(lastLine) ? Number(lastLine) / 1024 : null;
  const exitCode = run.status ?? -1;
  if (exitCode !== 0) console.error(`${label}: exit ${exitCode}: ${(run.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  return { shape, case: label, wallMs, peakRssMb, ratio: floorMs ? wallMs / floorMs : null, exitCode };
}

async function dataFile(shape: Shape): Promise<string> {
  const dir = `${root}bench/data`;
  mkdirSync(dir, { recursive: true });
  const path = `${dir}/${shape}-${size(shape)}.jsonl`;
  if (!existsSync(path)) {
    console.error(`generating ${path} …`);
    if (shape === 'small-lines') await generateLargeFile(path, size(shape));
    else await writeLines(path, shapeLines(shape, size(shape)));
    console.error(`  ${(statSync(path).size / 1e6).toFixed(0)} MB`);
  }
  return path;
}

const tracectl = (...rest: string[]): string[] => ['node', cli, ...rest];
const json = (rest: string[]): string => execFileSync('node', [cli, ...rest], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30 });
const run = (rest: string[]): { stderr: string } => spawnSync('node', [cli, ...rest], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30 });

/** A trace id from the middle of the slowest list, for `show`. */
function someTraceId(path: string): string {
  return (JSON.parse(json(['find', '--slow', '5', '--json', '--jobs', '1', path])) as { traces: { traceId: string }[] }).traces.at(-1)!.traceId;
}

const results: Measurement[] = [];
const answers: { shape: Shape; same: boolean }[] = [];
for (const shape of shapes) {
  const file = await dataFile(shape);
  const floor = measure(shape, 'floor: read lines + JSON.parse', ['node', 'bench/floor.mjs', file], null);
  floor.ratio = 1;
  results.push(floor);
  // The default read, as a user runs it: the planner picks the threads (or one) by itself.
  const blocks = /read in (\d+) blocks/.exec(run(['find', '--slow', '1', '--verbose', file]).stderr)?.[1];
  const chosen = blocks === undefined ? 'default: 1 thread' : `default: ${blocks} threads`;
  for (const command of [['find', '--slow', '10'], ['analyze'], ['insights']]) {
    results.push(measure(shape, `${command.join(' ')} (${chosen})`, tracectl(...command, file), floor.wallMs));
    results.push(measure(shape, `${command.join(' ')} --jobs 1`, tracectl(...command, '--jobs', '1', file), floor.wallMs));
  }
  results.push(measure(shape, 'show <id>', tracectl('show', someTraceId(file), file), floor.wallMs));
  // Threads must not change an answer: every trace found, and the analysis, on every --jobs.
  let same = true;
  for (const command of [['find', '--limit', '1000000'], ['analyze']]) {
    const one = json([...command, '--json', '--jobs', '1', file]);
    for (let jobs = 2; jobs <= 4; jobs++) if (json([...command, '--json', '--jobs', String(jobs), file]) !== one) same = false;
  }
  answers.push({ shape, same });
  console.error(`${shape}: same answers on --jobs 1 to 4: ${same ? 'yes' : 'NO'}`);
}

const header = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ${quick ? 'quick (1/20 size)' : 'full size'}, medians of ${runs}; ${cli}`;
console.log(header);
console.log('| shape | case | wall | peak RSS | × floor |');
console.log('|---|---|---|---|---|');
for (const r of results) {
  const rss = r.peakRssMb === null ? '-' : `${r.peakRssMb.toFixed(0)} MB`;
  const ratio = r.ratio === null ? '-' : `${r.ratio.toFixed(2)}×`;
  console.log(`| ${r.shape} | ${r.case}${r.exitCode === 0 ? '' : ` (exit ${r.exitCode})`} | ${(r.wallMs / 1000).toFixed(2)} s | ${rss} | ${ratio} |`);
}
for (const a of answers) console.log(`${a.shape}: find --json and analyze --json the same on --jobs 1 to 4: ${a.same ? 'yes' : 'NO'}`);

mkdirSync(`${root}bench/results`, { recursive: true });
appendFileSync(`${root}bench/results/history.jsonl`, `${JSON.stringify({ at: new Date().toISOString(), machine: header, answers, results })}\n`);
if (answers.some((a) => !a.same) || results.some((r) => r.exitCode !== 0)) process.exitCode = 1;
