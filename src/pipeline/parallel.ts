import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { MergeableAccumulator } from '../analyze/accumulator.js';
import type { AnalysisSpec } from '../analyze/analyses.js';
import { InputError } from '../model/errors.js';
import { describeTallies, jsonLinesVerdict, type DecodeTally } from '../formats/index.js';
import { readBlock, scanBytes, type BlockLinks, type BlockResult, type BlockTask, type FilePart } from './block.js';
import { openInput, type InputSource } from '../sources/files.js';
import type { ReadPlan, ReadReport } from './plan.js';
import { inputNote, lateSpansWarning } from './stream.js';
import { pushAll } from '../model/arrays.js';

/**
 * Without `--jobs`, the least a block is given a thread for: starting a worker, its scan back
 * and the traces handed across cost about what reading this much in one thread does. Measured
 * on 2 cores on the four bench shapes: at 42–96 MB two threads were slower than one on every
 * shape (the Collector shape at 83 MB: 2.07 s against 1.51 s), at 210–640 MB faster.
 */
export const PARALLEL_MIN_BLOCK_BYTES = 96 * 2 ** 20;
/** Threads used when `--jobs` is not given: one per core, up to this many. */
const MAX_DEFAULT_JOBS = 4;
/** The first line of a JSON-lines file is looked for this far. */
const MAX_FIRST_LINE = 16 * 2 ** 20;

/** Runs one block somewhere (a worker thread, or this thread in tests); `stop` abandons it. */
export type BlockRunner = (task: BlockTask, links: BlockLinks) => { done: Promise<BlockResult>; stop: () => void };

/**
 * Reads the files in blocks on several threads, each running the analysis over its block,
 * and merges their states into `accumulator`. False, having read nothing, when the input is
 * not worth splitting or cannot be split: one block, stdin, gzip, JSON documents or protobuf
 * (which are decoded whole), or, without `--jobs`, inputs too small for two blocks worth a thread each.
 */
export async function readInParallel(
  plan: ReadPlan,
  inputs: readonly InputSource[],
  analysis: AnalysisSpec,
  accumulator: MergeableAccumulator<unknown>,
  runBlock: BlockRunner | null = workerRunner(),
): Promise<ReadReport | null> {
  const jobs = plan.jobs ?? Math.min(availableParallelism(), MAX_DEFAULT_JOBS);
  // Protobuf is decoded whole; forced, it must not be taken for JSON lines.
  if (runBlock === null || jobs < 2 || !Number.isFinite(plan.window) || plan.format === 'otlp-proto' || plan.backend !== null) return null;
  const blocks = await planBlocks(inputs, jobs, plan.jobs === undefined ? PARALLEL_MIN_BLOCK_BYTES : 0, plan.window);
  if (blocks === null) return null;
  return readBlocks(plan, inputs, blocks, analysis, accumulator, runBlock);
}

/**
 * Reads the given blocks (planBlocks, or any cut at line starts: tests cut everywhere) and
 * merges their states into `accumulator`; null, having merged nothing, when a block found
 * that the cuts could not give the one-thread answer (BlockResult.inexact).
 */
export async function readBlocks(
  plan: ReadPlan,
  inputs: readonly InputSource[],
  blocks: FilePart[][],
  analysis: AnalysisSpec,
  accumulator: MergeableAccumulator<unknown>,
  runBlock: BlockRunner,
): Promise<ReadReport | null> {

  const channels = blocks.slice(1).map(() => new MessageChannel());
  const runs = blocks.map((parts, i) =>
    runBlock({ plan, parts, before: blocks.slice(0, i).flat(), analysis }, { previous: channels[i - 1]?.port2 ?? null, next: channels[i]?.port1 ?? null }),
  );
  let results: BlockResult[];
  try {
    results = await Promise.all(runs.map((run) => run.done));
  } catch (error) {
    // A block that failed never hands back its held traces, so the block before it would wait on.
    for (const run of runs) run.stop();
    throw error;
  }

  if (results.some((r) => r.inexact)) return null;
  for (const result of results) accumulator.merge(result.state);
  const warnings: string[] = [];
  const notes: string[] = [];
  inputs.forEach((input, index) => {
    const tallies: DecodeTally[] = [];
    let spans = 0;
    for (const result of results) {
      for (const part of result.parts) {
        if (part.input !== index) continue;
        tallies.push(part.tally);
        spans += part.spans;
      }
    }
    const summary = describeTallies(input.name, tallies);
    pushAll(warnings, summary.warnings);
    notes.push(inputNote(input.name, summary, spans));
  });
  notes.push(`read in ${blocks.length} blocks on as many threads`);
  let lateSpans = results.reduce((n, r) => n + r.lateSpans, 0);
  // A trace that begins in a block with the id of one read in an earlier block is late, as one thread finds.
  const earlier = new Set<number>();
  for (const result of results) {
    for (const hash of result.started) if (earlier.has(hash)) lateSpans++;
    for (const hash of result.idHashes) earlier.add(hash);
  }
  if (lateSpans > 0) warnings.push(lateSpansWarning(lateSpans, plan.window));
  return { warnings, notes };
}

/** Scanning a byte for trace ids costs about a seventh of reading and analyzing it (measured on the bench file). */
const SCAN_COST = 1 / 7;

/**
 * Splits the inputs, taken one after another, into `jobs` blocks, each boundary moved on to
 * the start of a line. Every block but the first also scans the bytes before it for trace
 * ids (`traceIdsBefore`, as far as `window` spans reach), so the first is made larger by
 * what that costs the others, and all end together. With `minBlockBytes` (when `--jobs` did
 * not ask), fewer blocks than `jobs` when each would hold less than that or than the stretch
 * the next block scans back over. Null unless every input is a plain JSON-lines file and there
 * are two blocks to make.
 */
export async function planBlocks(inputs: readonly InputSource[], jobs: number, minBlockBytes: number, window = 0): Promise<FilePart[][] | null> {
  const files: { input: number; path: string; name: string; size: number }[] = [];
  for (const [input, source] of inputs.entries()) {
    // Stdin, a named pipe or a device can be read only once, and has no size to cut.
    if (source.path === undefined || source.size === undefined) return null;
    files.push({ input, path: source.path, name: source.name, size: source.size });
  }
  const total = files.reduce((n, f) => n + f.size, 0);
  if (total < 2 * minBlockBytes || total === 0) return null;
  for (const file of files) if (!(await startsJsonLines(file.path, file.name, file.size))) return null;

  const scanned = window === 0 ? 0 : await scanBytes(window, { ...files[0]!, start: 0, end: files[0]!.size });
  // A block no larger than the stretch the next one scans back over hands that one's traces
  // to it nearly all (the file of spans 90k apart in issue 18: two threads took 1.4× one).
  if (minBlockBytes > 0) jobs = Math.min(jobs, Math.floor(total / Math.max(minBlockBytes, scanned)));
  if (jobs < 2) return null;
  const scan = Math.min(total / jobs / 2, scanned * SCAN_COST);
  const first = (total + (jobs - 1) * scan) / jobs;
  // Boundaries as [file, offset] positions, each at the start of a line.
  const cuts: { file: number; offset: number }[] = [];
  for (let i = 1; i < jobs; i++) {
    let target = Math.floor(first + (i - 1) * (first - scan));
    let file = 0;
    while (target >= files[file]!.size) target -= files[file++]!.size;
    const offset = target === 0 ? 0 : await nextLineStart(files[file]!, target);
    const cut = offset === files[file]!.size ? { file: file + 1, offset: 0 } : { file, offset };
    const last = cuts.at(-1);
    if (cut.file < files.length && (last === undefined || cut.file > last.file || cut.offset > last.offset)) cuts.push(cut);
  }
  if (cuts.length === 0) return null;

  const blocks: FilePart[][] = [];
  const ends = [...cuts, { file: files.length, offset: 0 }];
  let from = { file: 0, offset: 0 };
  for (const to of ends) {
    const parts: FilePart[] = [];
    for (let f = from.file; f <= Math.min(to.file, files.length - 1); f++) {
      const file = files[f]!;
      const start = f === from.file ? from.offset : 0;
      const end = f === to.file ? to.offset : file.size;
      if (end > start) parts.push({ input: file.input, path: file.path, name: file.name, start, end });
    }
    blocks.push(parts);
    from = to;
  }
  return blocks;
}

async function startsJsonLines(path: string, name: string, size: number): Promise<boolean> {
  const handle = await openInput(path, name);
  try {
    let held = Buffer.alloc(0);
    for (let position = 0; position < Math.min(size, MAX_FIRST_LINE); ) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 16, size - position));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      // Gzip is decompressed by the one-thread reader; its bytes cannot be split.
      if (position === 0 && chunk[0] === 0x1f && chunk[1] === 0x8b) return false;
      held = Buffer.concat([held, chunk.subarray(0, bytesRead)]);
      position += bytesRead;
      const verdict = jsonLinesVerdict(held);
      if (verdict !== undefined) return verdict;
    }
    return false;
  } finally {
    await handle.close();
  }
}

/** The offset just past the first newline at or after `offset`, or the file's size when there is none. */
async function nextLineStart(file: { path: string; name: string; size: number }, offset: number): Promise<number> {
  const handle = await openInput(file.path, file.name);
  try {
    const chunk = Buffer.allocUnsafe(1 << 16);
    for (let position = offset; position < file.size; ) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      const newline = chunk.subarray(0, bytesRead).indexOf(0x0a);
      if (newline >= 0) return position + newline + 1;
      position += bytesRead;
    }
    return file.size;
  } finally {
    await handle.close();
  }
}

/**
 * A worker's space for new objects (V8's default is 48 MB, in every thread). Parsing makes
 * much short-lived garbage: on the Collector-shaped bench file, two threads took 3.66 s and
 * 6.6 s of CPU with 16 MB, 3.27 s and 6.0 s with 32 MB (peak memory 420 and 463 MB, one
 * thread 3.9 s); 48 MB gained nothing more there and little on the other shapes.
 */
const YOUNG_GENERATION_MB = 32;

/**
 * How far V8 lets a heap grow past what the last full collection kept before collecting
 * again. Left to itself it allows up to 4×, in every thread; the window a worker holds is
 * about 65 MB, so on the bench file 2.5× took peak memory from about 550 to 420 MB for two
 * threads, at a cost lost in the noise of this machine. A process-wide V8 flag, set before
 * the workers' heaps are made.
 */
const HEAP_GROWING_PERCENT = 150;

/** Worker threads run the compiled block-worker.js; run from TypeScript sources (tests) there is none. */
const WORKER_SCRIPT = new URL('./block-worker.js', import.meta.url);

export function workerRunner(): BlockRunner | null {
  return existsSync(fileURLToPath(WORKER_SCRIPT)) ? runInWorker : null;
}

/** What a worker posts when its block is read. */
export type WorkerReply = { result: BlockResult } | { error: { message: string; input: boolean; stack?: string } };

function runInWorker(task: BlockTask, links: BlockLinks): { done: Promise<BlockResult>; stop: () => void } {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  const ports = [links.previous, links.next].filter((p): p is MessagePort => p !== null);
  const worker = new Worker(WORKER_SCRIPT, {
    workerData: { task, links },
    transferList: ports,
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  const done = new Promise<BlockResult>((resolve, reject) => {
    worker.once('message', (reply: WorkerReply) => {
      if ('result' in reply) return resolve(reply.result);
      const error = reply.error.input ? new InputError(reply.error.message) : new Error(reply.error.message);
      if (reply.error.stack !== undefined) error.stack = reply.error.stack;
      reject(error);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`a thread reading ${task.parts[0]?.name ?? 'the input'} stopped with exit code ${code}`)));
  });
  return { done, stop: () => void worker.terminate() };
}

/** The same, in this thread: for tests, which run from sources. */
export const inThreadRunner: BlockRunner = (task, links) => ({
  done: readBlock(task, links),
  stop: () => {
    links.previous?.close();
    links.next?.close();
  },
});
