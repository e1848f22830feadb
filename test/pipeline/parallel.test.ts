import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startAnalysis, type AnalysisSpec } from '../../src/analyze/analyses.js';
import type { Io } from '../../src/io.js';
import { DEFAULT_WINDOW_SPANS } from '../../src/model/assembler.js';
import { traceIdsBefore } from '../../src/pipeline/block.js';
import { expandSources } from '../../src/sources/files.js';
import { inThreadRunner, planBlocks, readInParallel, type BlockRunner } from '../../src/pipeline/parallel.js';
import type { ReadPlan } from '../../src/pipeline/plan.js';
import { InputError } from '../../src/model/errors.js';
import { analyzeSelectedTraces } from '../../src/pipeline/read.js';
import { silentProgress } from '../../src/sources/backends/backend.js';
import { REPO_ROOT } from '../helpers/cli.js';

const DEMO = 'fixtures/demo/llm-gateway.otlp.jsonl';

function quietIo(): Io & { errors: () => string } {
  let stderr = '';
  return {
    stdout: { write: () => undefined, isTTY: false },
    stderr: { write: (s) => void (stderr += s), isTTY: false },
    stdin: process.stdin,
    env: {},
    cwd: REPO_ROOT,
    now: () => new Date('2026-11-02T00:00:00Z'),
    errors: () => stderr,
  };
}

/** The analysis read in one thread, as every command did before. */
async function inOneThread(sources: string[], analysis: AnalysisSpec, window = DEFAULT_WINDOW_SPANS): Promise<{ result: unknown; warnings: string[] }> {
  const io = quietIo();
  const plan: ReadPlan = { sources, window, jobs: 1, strict: false, backend: null, timeWindow: null, filter: { where: [] } };
  const read = await analyzeSelectedTraces(plan, { ...io, progress: silentProgress }, analysis);
  return { result: read.value, warnings: read.warnings };
}

/** The same, in `jobs` blocks, each block read by readBlock in this thread (the worker's code, without the thread). */
async function inBlocks(sources: string[], analysis: AnalysisSpec, jobs: number, window = DEFAULT_WINDOW_SPANS) {
  const io = quietIo();
  const accumulator = startAnalysis(analysis);
  const plan: ReadPlan = { sources, jobs, window, strict: false, backend: null, timeWindow: null, filter: { where: [] } };
  const told = await readInParallel(plan, await expandSources(sources, io), analysis, accumulator, inThreadRunner);
  expect(told).not.toBeNull();
  return { result: accumulator.result(), told: told! };
}

const everyTrace: AnalysisSpec = { name: 'find', options: {} };

describe('planBlocks', () => {
  it.each([2, 3, 7])('cuts the input into %i blocks at line starts, covering every byte once', async (jobs) => {
    const inputs = await expandSources([DEMO], quietIo());
    const blocks = (await planBlocks(inputs, jobs, 0))!;
    const bytes = readFileSync(join(REPO_ROOT, DEMO));
    expect(blocks).toHaveLength(jobs);
    const parts = blocks.flat();
    expect(parts[0]!.start).toBe(0);
    expect(parts.at(-1)!.end).toBe(bytes.length);
    for (let i = 1; i < parts.length; i++) {
      expect(parts[i]!.start).toBe(parts[i - 1]!.end);
      expect(bytes[parts[i]!.start - 1]).toBe(0x0a);
    }
  });

  it('runs across files, and declines stdin, gzip, JSON documents and small inputs', async () => {
    const io = quietIo();
    const two = (await planBlocks(await expandSources([DEMO, DEMO], io), 2, 0))!;
    expect(two.map((parts) => parts.map((p) => p.input))).toEqual([[0], [1]]);
    expect(await planBlocks(await expandSources(['-'], io), 2, 0)).toBeNull();
    expect(await planBlocks(await expandSources(['fixtures/demo/llm-gateway.jaeger.json'], io), 2, 0)).toBeNull();
    const dir = mkdtempSync(join(tmpdir(), 'tracectl-parallel-'));
    const { gzipSync } = await import('node:zlib');
    writeFileSync(join(dir, 'demo.jsonl.gz'), gzipSync(readFileSync(join(REPO_ROOT, DEMO))));
    expect(await planBlocks(await expandSources([join(dir, 'demo.jsonl.gz')], io), 2, 0)).toBeNull();
    expect(await planBlocks(await expandSources([DEMO], io), 2, 1 << 30)).toBeNull();
  });

  it('unasked, makes no block smaller than the least worth a thread or than the stretch the next one scans back over', async () => {
    const inputs = await expandSources([DEMO], quietIo());
    const size = readFileSync(join(REPO_ROOT, DEMO)).length;
    // Room for two blocks of half the file, not three.
    expect(await planBlocks(inputs, 3, Math.floor(size / 2), 0)).toHaveLength(2);
    expect(await planBlocks(inputs, 3, Math.floor(size / 2) + 1, 0)).toBeNull();
    // Twice a window of 100,000 spans reaches back over the whole demo file: a second block would hand its traces to the first.
    expect(await planBlocks(inputs, 2, 1, DEFAULT_WINDOW_SPANS)).toBeNull();
    expect(await planBlocks(inputs, 2, 1, 10)).toHaveLength(2);
    // Asked (`--jobs`), it splits all the same.
    expect(await planBlocks(inputs, 2, 0, DEFAULT_WINDOW_SPANS)).toHaveLength(2);
  });

  it('declines a named pipe without opening it (it could be read only once)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracectl-parallel-'));
    const fifo = join(dir, 'spans.jsonl');
    execFileSync('mkfifo', [fifo]);
    // Opening the pipe would wait for a writer, so a plan that tried would never return.
    expect(await planBlocks(await expandSources([DEMO, fifo], quietIo()), 2, 0)).toBeNull();
  });
});

describe('readInParallel', () => {
  it.each([2, 3, 5, 9])('finds every trace whole in %i blocks, as one thread does', async (jobs) => {
    const one = await inOneThread([DEMO], everyTrace);
    const many = await inBlocks([DEMO], everyTrace, jobs);
    expect(many.result).toEqual(one.result);
    expect((many.result as { rows: unknown[]; total: number }).rows.length).toBe(70);
    expect((many.result as { rows: unknown[]; total: number }).total).toBe(70);
  });

  it.each([40, 400])('with a window of %i spans gives what one thread gives', async (window) => {
    for (const analysis of [everyTrace, { name: 'analyze', options: { top: 5 } }] as AnalysisSpec[]) {
      const one = await inOneThread([DEMO], analysis, window);
      const many = await inBlocks([DEMO], analysis, 4, window);
      expect(many.result).toEqual(one.result);
    }
  });

  it('gives the analyze report one thread gives, for every analysis', async () => {
    for (const analysis of [
      { name: 'analyze', options: { top: 5 } },
      { name: 'bottlenecks', options: { bands: true } },
      { name: 'errors', options: { limit: 3 } },
      { name: 'cache', options: {} },
      { name: 'deps', options: {} },
      { name: 'find', options: { slowest: 7 } },
    ] as AnalysisSpec[]) {
      const one = await inOneThread([DEMO, DEMO], analysis);
      const many = await inBlocks([DEMO, DEMO], analysis, 3);
      expect(many.result).toEqual(one.result);
    }
  });

  it('joins a trace whose spans lie on both sides of a block boundary', async () => {
    // Trace a has a span on the first line and one on the last; trace b lies in between.
    const line = (traceId: string, spanId: string, parent: string, startMs: number): string =>
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId,
                    spanId,
                    parentSpanId: parent,
                    name: `op-${spanId}`,
                    startTimeUnixNano: String(BigInt(startMs) * 1_000_000n + 1_700_000_000_000_000_000n),
                    endTimeUnixNano: String(BigInt(startMs + 10) * 1_000_000n + 1_700_000_000_000_000_000n),
                  },
                ],
              },
            ],
          },
        ],
      });
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(32);
    const lines = [line(a, '1'.repeat(16), '', 0), ...Array.from({ length: 20 }, (_, i) => line(b, String(i + 1).padStart(16, '0'), '', i)), line(a, '2'.repeat(16), '1'.repeat(16), 5)];
    const dir = mkdtempSync(join(tmpdir(), 'tracectl-parallel-'));
    const file = join(dir, 'split.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const many = await inBlocks([file], everyTrace, 2);
    const { rows } = many.result as { rows: { traceId: string; spanCount: number }[] };
    expect(rows.map((r) => [r.traceId, r.spanCount]).sort()).toEqual([
      [a, 2],
      [b, 20],
    ]);
  });

  it('numbers the lines of warnings across blocks as one thread does', async () => {
    const demo = readFileSync(join(REPO_ROOT, DEMO), 'utf8').trimEnd().split('\n');
    const broken = demo.flatMap((l, i) => (i % 30 === 29 ? [l, '{"resourceSpans": [ broken'] : [l]));
    const dir = mkdtempSync(join(tmpdir(), 'tracectl-parallel-'));
    const file = join(dir, 'broken.jsonl');
    writeFileSync(file, broken.join('\n') + '\n');
    const one = await inOneThread([file], everyTrace);
    const many = await inBlocks([file], everyTrace, 3);
    expect(many.result).toEqual(one.result);
    expect(many.told.warnings).toEqual(one.warnings);
    expect(one.warnings.join('\n')).toContain('skipped 3 malformed lines (lines 31, 62, 93)');
  });
});

/** One OTLP JSON line holding one span, with `links` links to other traces. */
function spanLine(traceId: string, spanId: string, startMs: number, links = 0): string {
  const ns = (ms: number): string => String(BigInt(ms) * 1_000_000n + 1_700_000_000_000_000_000n);
  const span = {
    traceId,
    spanId,
    name: 'op',
    startTimeUnixNano: ns(startMs),
    endTimeUnixNano: ns(startMs + 1),
    links: Array.from({ length: links }, (_, i) => ({ traceId: `${i + 1}`.repeat(32), spanId: `${i + 1}`.repeat(16) })),
  };
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans: [span] }] }] });
}

function writeLines(name: string, lines: string[], prefix = ''): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tracectl-parallel-')), name);
  writeFileSync(file, prefix + lines.join('\n') + '\n');
  return file;
}

describe('readInParallel at the edges', () => {
  const id = (n: number): string => n.toString(16).padStart(32, '0');

  it('joins a trace across a cut even when every span writes more trace ids in links', async () => {
    // 6,000 one-span traces with three links each; trace T has a span 2,000 lines before the
    // middle and one just after it, well within the window of 5,000 spans.
    const lines = Array.from({ length: 6000 }, (_, i) => spanLine(id(i + 1), (i + 1).toString(16).padStart(16, '0'), i, 3));
    lines[1000] = spanLine('f'.repeat(32), 'a'.repeat(16), 1000, 3);
    lines[3010] = spanLine('f'.repeat(32), 'b'.repeat(16), 3010, 3);
    const file = writeLines('links.jsonl', lines);
    const one = await inOneThread([file], everyTrace, 5000);
    const many = await inBlocks([file], everyTrace, 2, 5000);
    expect(many.result).toEqual(one.result);
    expect((one.result as { rows: { traceId: string; spanCount: number }[] }).rows.find((r) => r.traceId === 'f'.repeat(32))?.spanCount).toBe(2);
  });

  it('counts spans that arrive later than the window across a cut as late, as one thread does', async () => {
    const lines = Array.from({ length: 400 }, (_, i) => spanLine(id(i + 1), (i + 1).toString(16).padStart(16, '0'), i));
    lines[130] = spanLine('f'.repeat(32), 'a'.repeat(16), 130);
    lines[215] = spanLine('f'.repeat(32), 'b'.repeat(16), 215);
    const file = writeLines('late.jsonl', lines);
    // The premise: the cut falls between T's two spans.
    const cut = (await planBlocks(await expandSources([file], quietIo()), 2, 0, 50))![1]![0]!.start;
    const lineAtCut = readFileSync(file, 'utf8').slice(0, cut).split('\n').length - 1;
    expect(lineAtCut).toBeGreaterThan(130);
    expect(lineAtCut).toBeLessThanOrEqual(215);
    const one = await inOneThread([file], everyTrace, 50);
    const many = await inBlocks([file], everyTrace, 2, 50);
    expect(many.result).toEqual(one.result);
    expect(one.warnings.join('\n')).toContain('1 span arrived more than 50 spans after the rest of their trace');
    expect(many.told.warnings).toEqual(one.warnings);
  });

  it('reads a file that starts with a byte order mark', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => spanLine(id(i + 1), (i + 1).toString(16).padStart(16, '0'), i));
    const file = writeLines('bom.jsonl', lines, '\ufeff');
    const one = await inOneThread([file], everyTrace);
    const many = await inBlocks([file], everyTrace, 2);
    expect((one.result as { rows: unknown[] }).rows.length).toBe(50);
    expect(many.result).toEqual(one.result);
    expect(many.told.warnings).toEqual([]);
  });

  it('leaves a forced --input-format otlp-proto to one thread', async () => {
    const plan: ReadPlan = { sources: [DEMO], jobs: 2, window: DEFAULT_WINDOW_SPANS, format: 'otlp-proto', strict: false, backend: null, timeWindow: null, filter: { where: [] } };
    expect(await readInParallel(plan, await expandSources(plan.sources, quietIo()), everyTrace, startAnalysis(everyTrace), inThreadRunner)).toBeNull();
  });
});

describe('a failing block', () => {
  it('fails the read with its error, without waiting for the block before it', async () => {
    const accumulator = startAnalysis(everyTrace);
    const plan: ReadPlan = { sources: [DEMO], jobs: 3, window: DEFAULT_WINDOW_SPANS, strict: false, backend: null, timeWindow: null, filter: { where: [] } };
    let stopped = 0;
    const failing: BlockRunner = (task, links) => {
      // The last block fails before handing anything back; the others would wait for it.
      if (links.next === null) return { done: Promise.reject(new InputError('cannot read x: permission denied')), stop: () => void stopped++ };
      const run = inThreadRunner(task, links);
      return { done: run.done, stop: () => (stopped++, run.stop()) };
    };
    await expect(readInParallel(plan, await expandSources(plan.sources, quietIo()), everyTrace, accumulator, failing)).rejects.toThrow('cannot read x: permission denied');
    expect(stopped).toBe(3);
  });
});

describe('traceIdsBefore', () => {
  it('finds the ids of the last fields before a block, in hex and from base64', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracectl-parallel-'));
    const file = join(dir, 'ids.jsonl');
    const base64 = Buffer.from('c'.repeat(32), 'hex').toString('base64');
    const text = ['{"traceId":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}', `{"trace_id": "${base64}"}`, '{"traceID":"1f"}', ''].join('\n');
    writeFileSync(file, text);
    const part = { input: 0, path: file, name: 'ids.jsonl', start: 0, end: text.length };
    const all = await traceIdsBefore([part], 10);
    expect(all.has('a'.repeat(32))).toBe(true);
    expect(all.has('c'.repeat(32))).toBe(true);
    expect(all.has('1f'.padStart(32, '0'))).toBe(true);
    const last = await traceIdsBefore([part], 1);
    // One field asked for, and the chunk holds all three: a chunk is scanned whole, never less.
    expect(last.has('1f'.padStart(32, '0'))).toBe(true);
  });
});

describe('worker threads', () => {
  const run = promisify(execFile);
  it('the built CLI reads in blocks on threads and prints what one thread prints', async () => {
    const cli = join(REPO_ROOT, 'bin/tracectl.js');
    for (const args of [['find', '--slow', '60', '--json'], ['analyze', '--json']]) {
      const one = await run(process.execPath, [cli, ...args, '--jobs', '1', DEMO, DEMO], { cwd: REPO_ROOT });
      const three = await run(process.execPath, [cli, ...args, '--jobs', '3', '--verbose', DEMO, DEMO], { cwd: REPO_ROOT });
      expect(three.stdout).toBe(one.stdout);
      expect(three.stderr).toContain('read in 3 blocks on as many threads');
    }
  });
});
