/**
 * `npm run bench`: tracectl against the parse floor on a large generated OTLP JSON-lines
 * file, plus a scaling series. Each case runs in its own process under /usr/bin/time
 * (wall time and peak RSS); ratios are to the floor measured in the same run on the same
 * file, and at the first scale each case runs twice and the faster run counts. Results are
 * printed as a table and appended to bench/results/history.jsonl so a run can be compared
 * with the last one.
 *
 *   npm run bench -- [--traces 80000] [--scales 1,2,4] [--quick]
 *
 * Timing goals live here, never in unit tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { generateLargeFile } from './generate-large.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2).filter((a) => a !== '--');
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const quick = args.includes('--quick');
const traces = Number(option('traces', quick ? '5000' : '80000'));
const scales = option('scales', quick ? '1,2' : '1,2,4').split(',').map(Number);

interface Measurement {
  case: string;
  scale: number;
  wallMs: number;
  peakRssMb: number | null;
  ratio: number | null;
  exitCode: number;
}

const hasTime = existsSync('/usr/bin/time');
const hasJq = spawnSync('jq', ['--version']).status === 0;

/** The faster of `runs` runs: this machine's neighbours make single runs vary by a third. */
function measure(label: string, scale: number, command: string[], floorMs: number | null, runs = scale === scales[0] ? 2 : 1): Measurement {
  let best = measureOnce(label, scale, command, floorMs);
  for (let i = 1; i < runs; i++) {
    const next = measureOnce(label, scale, command, floorMs);
    if (next.wallMs < best.wallMs) best = next;
  }
  return best;
}

function measureOnce(label: string, scale: number, command: string[], floorMs: number | null): Measurement {
  const started = process.hrtime.bigint();
  const run = hasTime
    ? spawnSync('/usr/bin/time', ['-f', '%M', ...command], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'ignore', 'pipe'] })
    : spawnSync(command[0]!, command.slice(1), { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'ignore', 'pipe'] });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const lastLine = (run.stderr ?? '').trim().split('\n').at(-1) ?? '';
  const peakRssMb = hasTime && /^\d+$/.test(lastLine) ? Number(lastLine) / 1024 : null;
  const exitCode = run.status ?? -1;
  if (exitCode !== 0) console.error(`${label}: exit ${exitCode}: ${(run.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  return { case: label, scale, wallMs, peakRssMb, ratio: floorMs ? wallMs / floorMs : null, exitCode };
}

async function dataFile(scale: number): Promise<string> {
  const dir = `${root}bench/data`;
  mkdirSync(dir, { recursive: true });
  const path = `${dir}/otlp-${traces * scale}-traces.jsonl`;
  if (!existsSync(path)) {
    console.error(`generating ${path} …`);
    const { spans, bytes } = await generateLargeFile(path, traces * scale);
    console.error(`  ${traces * scale} traces, ${spans} spans, ${(bytes / 1e6).toFixed(0)} MB`);
  }
  return path;
}

/** A trace id from the middle of the file, for `show`. */
function middleTraceId(path: string): string {
  const out = execFileSync('node', ['bin/tracectl.js', 'find', '--slow', '1', '--json', path], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  return (JSON.parse(out) as { traces: { traceId: string }[] }).traces[0]!.traceId;
}

const tracectl = (...rest: string[]): string[] => ['node', 'bin/tracectl.js', ...rest];
const results: Measurement[] = [];
for (const scale of scales) {
  const file = await dataFile(scale);
  const floor = measure('floor: read lines + JSON.parse', scale, ['node', 'bench/floor.mjs', file], null);
  floor.ratio = 1;
  results.push(floor);
  results.push(measure('tracectl find --slow 10', scale, tracectl('find', '--slow', '10', file), floor.wallMs));
  results.push(measure('tracectl analyze', scale, tracectl('analyze', file), floor.wallMs));
  if (scale === scales[0]) {
    // The same in one thread: what the threads buy.
    results.push(measure('tracectl find --slow 10 --jobs 1', scale, tracectl('find', '--slow', '10', '--jobs', '1', file), floor.wallMs));
    results.push(measure('tracectl analyze --jobs 1', scale, tracectl('analyze', '--jobs', '1', file), floor.wallMs));
    results.push(measure('tracectl show <id>', scale, tracectl('show', middleTraceId(file), file), floor.wallMs));
    if (hasJq) {
      results.push(measure('jq: span durations', scale, ['jq', '-c', '.resourceSpans[].scopeSpans[].spans[] | ((.endTimeUnixNano|tonumber) - (.startTimeUnixNano|tonumber))', file], floor.wallMs));
    }
  }
}

const file1 = `${root}bench/data/otlp-${traces * scales[0]!}-traces.jsonl`;
// Threads must not change an answer: the JSON of both commands, read in one thread and in several.
const sameAnswers = [['find', '--slow', '10'], ['analyze']].every((command) => {
  const read = (jobs: string): string => execFileSync('node', ['bin/tracectl.js', ...command, '--json', '--jobs', jobs, file1], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  return read('1') === read(String(Math.min(cpus().length, 4)));
});
console.log(`find and analyze --json give the same answers in one thread and in ${Math.min(cpus().length, 4)}: ${sameAnswers ? 'yes' : 'NO'}`);
const header = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ${traces} traces per 1× (${(statSync(file1).size / 1e6).toFixed(0)} MB)`;
console.log(header);
console.log('| case | scale | wall | peak RSS | × floor |');
console.log('|---|---|---|---|---|');
for (const r of results) {
  const rss = r.peakRssMb === null ? '-' : `${r.peakRssMb.toFixed(0)} MB`;
  const ratio = r.ratio === null ? '-' : `${r.ratio.toFixed(2)}×`;
  console.log(`| ${r.case}${r.exitCode === 0 ? '' : ` (exit ${r.exitCode})`} | ${r.scale}× | ${(r.wallMs / 1000).toFixed(2)} s | ${rss} | ${ratio} |`);
}

const historyPath = `${root}bench/results/history.jsonl`;
mkdirSync(`${root}bench/results`, { recursive: true });
if (existsSync(historyPath)) {
  const previous = readFileSync(historyPath, 'utf8').trim().split('\n').at(-1);
  if (previous) {
    const last = JSON.parse(previous) as { results: Measurement[] };
    console.log('\nagainst the previous run:');
    for (const r of results) {
      const before = last.results.find((p) => p.case === r.case && p.scale === r.scale);
      if (before) console.log(`  ${r.case} ${r.scale}×: ${(r.wallMs / before.wallMs).toFixed(2)}× the time`);
    }
  }
}
appendFileSync(historyPath, `${JSON.stringify({ at: new Date().toISOString(), machine: header, traces, sameAnswers, results })}\n`);
if (!sameAnswers) process.exitCode = 1;
