/**
 * The parallel read gives the one-thread answer on every file shape the bench measures
 * (bench/shapes.ts), wherever the blocks are cut: at every line for two blocks, and at many
 * seeded random cuts for three to six. The expected answer is the one-thread read of the same
 * file (pipeline/stream.ts), which these files do not exercise differently from the fixtures.
 * A read the blocks cannot make exact must decline (null) rather than differ; on these
 * shapes none should.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shapeLines, type Shape } from '../../bench/shapes.js';
import { startAnalysis, type AnalysisSpec } from '../../src/analyze/analyses.js';
import type { Io } from '../../src/io.js';
import type { FilePart } from '../../src/pipeline/block.js';
import { inThreadRunner, planBlocks, readBlocks, type BlockRunner } from '../../src/pipeline/parallel.js';
import type { ReadPlan } from '../../src/pipeline/plan.js';
import { analyzeSelectedTraces } from '../../src/pipeline/read.js';
import { silentProgress } from '../../src/sources/backends/backend.js';
import { expandSources } from '../../src/sources/files.js';
import { REPO_ROOT } from '../helpers/cli.js';

const io: Io = {
  stdout: { write: () => undefined, isTTY: false },
  stderr: { write: () => undefined, isTTY: false },
  stdin: process.stdin,
  env: {},
  cwd: REPO_ROOT,
  now: () => new Date('2026-11-02T00:00:00Z'),
};

const find: AnalysisSpec = { name: 'find', options: {} };
const analyze: AnalysisSpec = { name: 'analyze', options: { top: 5 } };

/** Small versions of each shape, with a window that keeps their long-lived traces whole. */
const SMALL: Record<Shape, { file: () => string; window: number }> = {
  'small-lines': { file: () => join(REPO_ROOT, 'fixtures/demo/llm-gateway.otlp.jsonl'), window: 100_000 },
  collector: { file: () => write('collector', shapeLines('collector', 3000, 40)), window: 400 },
  'long-traces': { file: () => write('long', shapeLines('long-traces', 3000, 60)), window: 400 },
  // 197 spans of 2 KB, then 803 tiny ones; 360 traces, each with a span every 360 spans.
  'density-change': { file: () => write('density', shapeLines('density-change', 1000, 10)), window: 500 },
};

function write(name: string, lines: Iterable<string>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tracectl-shapes-')), `${name}.jsonl`);
  writeFileSync(file, [...lines].join('\n') + '\n');
  return file;
}

function plan(file: string, window: number, jobs: number): ReadPlan {
  return { sources: [file], window, jobs, strict: false, backend: null, timeWindow: null, filter: { where: [] } };
}

/** The blocks cut at the starts of the given lines (sorted, each above 0 and below the line count). */
function blocksAt(file: string, lineStarts: number[], cuts: number[]): FilePart[][] {
  const offsets = [0, ...cuts.map((c) => lineStarts[c]!), lineStarts.at(-1)!];
  return offsets.slice(1).map((end, i) => [{ input: 0, path: file, name: 'shape.jsonl', start: offsets[i]!, end }]);
}

function lineStartsOf(file: string): number[] {
  const bytes = readFileSync(file);
  const starts = [0];
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) starts.push(i + 1);
  return starts;
}

function seeded(seed: number): () => number {
  let a = seed;
  return () => ((a = (Math.imul(a, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

describe.each(Object.keys(SMALL) as Shape[])('the parallel read of a %s file', (shape) => {
  const { file: make, window } = SMALL[shape];
  const file = make();
  const starts = lineStartsOf(file);
  const lines = starts.length - 1;

  async function compare(analysis: AnalysisSpec, cutSets: number[][]): Promise<void> {
    const inputs = await expandSources([file], io);
    const one = await analyzeSelectedTraces(plan(file, window, 1), { ...io, progress: silentProgress }, analysis);
    for (const cuts of cutSets) {
      const accumulator = startAnalysis(analysis);
      const told = await readBlocks(plan(file, window, cuts.length + 1), inputs, blocksAt(file, starts, cuts), analysis, accumulator, inThreadRunner);
      expect(told, `declined at cuts ${cuts.join(',')}`).not.toBeNull();
      expect(accumulator.result(), `cuts at lines ${cuts.join(',')}`).toEqual(one.value);
      expect(told!.warnings).toEqual(one.warnings);
    }
  }

  it('finds every trace once, whole, with two blocks cut at every line', async () => {
    await compare(find, Array.from({ length: lines - 1 }, (_, i) => [i + 1]));
  });

  it('gives find and analyze as one thread does at many cuts into 3 to 6 blocks', async () => {
    const rnd = seeded(lines);
    const cutSets: number[][] = [];
    for (let jobs = 3; jobs <= 6; jobs++) {
      for (let n = 0; n < 6; n++) {
        const cuts = new Set<number>();
        while (cuts.size < jobs - 1) cuts.add(1 + Math.floor(rnd() * (lines - 1)));
        cutSets.push([...cuts].sort((a, b) => a - b));
      }
    }
    await compare(find, cutSets);
    await compare(analyze, cutSets.slice(0, 8));
  });

  it('gives the one-thread answer with the planned cuts at every --jobs from 2 to 6', async () => {
    const inputs = await expandSources([file], io);
    const one = await analyzeSelectedTraces(plan(file, window, 1), { ...io, progress: silentProgress }, find);
    for (let jobs = 2; jobs <= 6; jobs++) {
      const blocks = (await planBlocks(inputs, jobs, 0, window))!;
      const accumulator = startAnalysis(find);
      expect(await readBlocks(plan(file, window, jobs), inputs, blocks, find, accumulator, inThreadRunner)).not.toBeNull();
      expect(accumulator.result()).toEqual(one.value);
    }
  });
});

describe('a parallel read that cannot be exact', () => {
  it('declines when a block misses a trace begun before it, instead of listing it twice', async () => {
    // The density-change file cut in its middle; the runner hides the bytes before each block
    // from its scan, so no trace crossing the cut is held. Every one of its 360 traces has a
    // span on both sides, within the window of 500 spans, so each block must notice.
    const file = SMALL['density-change'].file();
    const starts = lineStartsOf(file);
    const blind: BlockRunner = (task, links) => inThreadRunner({ ...task, before: [] }, links);
    const inputs = await expandSources([file], io);
    const accumulator = startAnalysis(find);
    const blocks = blocksAt(file, starts, [Math.floor(starts.length / 2)]);
    expect(await readBlocks(plan(file, 500, 2), inputs, blocks, find, accumulator, blind)).toBeNull();
    // Declined before merging: the accumulator holds nothing to print twice.
    expect(accumulator.result()).toEqual({ rows: [], total: 0 });
    // The same cut with the scan is exact (the premise: the decline comes from the blind scan).
    expect(await readBlocks(plan(file, 500, 2), inputs, blocks, find, startAnalysis(find), inThreadRunner)).not.toBeNull();
  });
});
