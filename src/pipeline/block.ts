import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import type { MessagePort } from 'node:worker_threads';
import { startAnalysis, type AnalysisSpec } from '../analyze/analyses.js';
import { IdNormalizer } from '../formats/ids.js';
import { InputDecoder, type DecodeTally } from '../formats/index.js';
import { completionReach, hashId, TraceAssembler } from '../model/assembler.js';
import { buildTrace } from '../model/build-trace.js';
import type { SpanRecord } from '../model/span.js';
import { openInput, readError } from '../sources/files.js';
import type { ReadPlan } from './plan.js';
import { selectsFileTrace } from './select.js';

/** Bytes `start` (inclusive) to `end` (exclusive) of a JSON-lines file; both at line starts. */
export interface FilePart {
  /** Index of the input among the command's inputs. */
  input: number;
  path: string;
  /** As the user named the input, for messages. */
  name: string;
  start: number;
  end: number;
}

/** One block of a parallel read (pipeline/parallel.ts): what a worker thread is given. */
export interface BlockTask {
  /** The command's plan, as it is (for files it is plain data). */
  plan: ReadPlan;
  parts: FilePart[];
  /** Every part before this block, in input order: where a trace that goes on in this block may have begun. */
  before: FilePart[];
  analysis: AnalysisSpec;
}

export interface BlockResult {
  /** The analysis state, to merge (MergeableAccumulator). */
  state: unknown;
  /** What each part's decoder has to tell, in order. */
  parts: { input: number; tally: DecodeTally; spans: number }[];
  lateSpans: number;
  /**
   * A trace of this block may have gone on from a trace still open in the block before it
   * without being held (the scan back missed its id): the blocks cannot give the one-thread
   * answer, so the caller reads in one thread instead.
   */
  inexact: boolean;
  /**
   * Hashes of the ids of the traces begun in this block as far as it can tell (not handed to
   * the block before): those already read in an earlier block are late, as one thread counts them.
   */
  started: number[];
  /** Hashes of every trace id read in this block. */
  idHashes: number[];
}

/** The channels to the blocks on either side: held traces go back, from the next block to this one. */
export interface BlockLinks {
  /** Where this block sends the traces it held; null for the first block. */
  previous: MessagePort | null;
  /** Where the next block's held traces arrive; null for the last block. */
  next: MessagePort | null;
}

/** Traces handed from one block to the one before it, as records in input order, by trace id. */
type Handover = Map<string, { records: SpanRecord[]; offset: number }>;

/**
 * What a block sends the block before it: the traces it held, and the ids of traces it
 * began within reach of its start without holding them (their id was not found before it).
 * The block before checks that none of those is a trace still open there; one that is would
 * have been joined by one thread, so the read is not exact.
 */
interface Reply {
  /** Each with the span it begins at, counted from 1 at the block's start. */
  held: Handover;
  /** Where (in spans, from 1 at the block's start) each trace was first met. */
  unheld: Map<string, number>;
}

const CHUNK_BYTES = 1 << 20;

/** How far into a block a trace begun before it can still go on: as long as the assembler may wait for it. */
const reachInto = completionReach;

/**
 * Bytes scanned before a block for the ids of traces that may go on in it: what twice the
 * reach in spans takes up, at the density (bytes per span) of the file where the block
 * starts. Measured in spans, links and references (which write other ids) cannot shorten it.
 */
export async function scanBytes(window: number, part: FilePart): Promise<number> {
  return 2 * reachInto(window) * (await bytesPerSpan(part));
}

/**
 * Bytes per span where `part` begins: a MiB of it (else up to 16) over the span start fields
 * written in it, counted in the text without parsing (`SPAN_START_FIELDS`: Jaeger's spans
 * count twice, so the estimate errs short, and the scan goes on by count until it has
 * passed the spans asked). Infinity when none is found. Decoding those bytes instead cost a
 * Collector-shaped file 16 MiB of decoding on the main thread and again in each block,
 * its lines being longer than the first MiB.
 */
async function bytesPerSpan(part: FilePart): Promise<number> {
  const handle = await openInput(part.path, part.name);
  try {
    for (const size of [1 << 20, 16 << 20]) {
      const bytes = Buffer.allocUnsafe(Math.min(size, part.end - part.start));
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, part.start);
      const spans = countMatches(bytes.toString('latin1', 0, bytesRead), SPAN_START_FIELDS);
      if (spans > 0) return bytesRead / spans;
      if (bytesRead < bytes.length) break;
    }
    return Infinity;
  } finally {
    await handle.close();
  }
}

/**
 * Reads one block of the input and runs the analysis over the traces in it, as the whole
 * input would be read in one thread, but for the traces that cross into the blocks around it:
 *
 * - a trace that began in the blocks before may go on here: the trace ids written in the
 *   last stretch before the block are gathered first (`traceIdsBefore`, a text scan, no
 *   parsing), and a trace with one of those ids that starts within a window of the block's
 *   start is held, unbuilt, and handed back to the block before, which joins it with its
 *   beginning;
 * - a trace still waiting at the end of the block waits on until the next block has handed
 *   back what it held, then is built here.
 *
 * So each trace is built exactly once, whole, and a block holds only what it would hold
 * anyway plus the few traces that cross its start.
 */
export async function readBlock(task: BlockTask, links: BlockLinks): Promise<BlockResult> {
  const { plan } = task;
  const accumulator = startAnalysis(task.analysis);
  const selects = selectsFileTrace(plan);
  const onTrace = (trace: Parameters<typeof selects>[0]): void => {
    if (selects(trace)) accumulator.add(trace);
  };
  const reach = reachInto(plan.window);
  const { window } = plan;
  const begunBefore =
    links.previous === null ? new Set<string>() : await traceIdsBefore(task.before, await scanBytes(plan.window, task.parts[0]!), 2 * reach);
  // The traces met in the first `window` spans of the block, by where they were first met
  // (counting from 1): the only ones that can go on from a trace of the block before.
  const early = new Map<string, number>();
  const handover: Handover = new Map();
  const handBack = (traceId: string, records: SpanRecord[], offset: number): void => void handover.set(traceId, { records, offset });
  const assembler = new TraceAssembler(onTrace, window, {
    holds: (traceId, firstSeen) => firstSeen <= window && begunBefore.has(traceId),
    onHeld: handBack,
  });
  // Hashes of the ids of late traces found here that begin where this block's reading sees them.
  const startedHere: number[] = [];

  const parts: BlockResult['parts'] = [];
  for (const part of task.parts) {
    let spans = 0;
    const decoder = new InputDecoder(part.name, { format: plan.format, jsonLines: true }, (span) => {
      spans++;
      assembler.add(span);
      const at = assembler.spansRead;
      if (links.previous !== null && at <= window && !early.has(span.traceId)) early.set(span.traceId, at);
    });
    for await (const chunk of readPart(part)) decoder.push(chunk);
    parts.push({ input: part.input, tally: decoder.finish(), spans });
  }

  const read = assembler.spansRead;
  const unheld = new Map([...early].filter(([traceId]) => !begunBefore.has(traceId)));
  early.clear();
  let inexact = false;
  if (links.next !== null) {
    const [reply] = (await once(links.next, 'message')) as [Reply];
    links.next.close();
    for (const [traceId, offset] of reply.unheld) {
      const since = assembler.sinceLast(traceId);
      // A trace open here that one thread would have joined with the next block's, which was built there.
      if (since !== undefined) inexact ||= since + offset <= window;
      // Never met here: it may still go on from a trace open in the blocks further back.
      else if (!assembler.handedOn(traceId) && offset + read <= window && !unheld.has(traceId)) unheld.set(traceId, offset + read);
    }
    for (const [traceId, { records, offset }] of reply.held) {
      const joined = assembler.join(traceId, records, offset);
      if (joined === 'joined') continue;
      if (joined === 'late') assembler.lateSpans++;
      // Never met here: it may go on from a trace further back, or begins here as far as this block can tell.
      else if (links.previous !== null && offset + read <= window) {
        handBack(traceId, records, offset + read);
        continue;
      } else if (links.previous !== null) startedHere.push(hashId(traceId));
      onTrace(buildTrace(traceId, records));
    }
  }
  // The block before waits for these: send them before building the traces that stay here.
  assembler.handOverHeld();
  if (links.previous !== null) {
    links.previous.postMessage({ held: handover, unheld } satisfies Reply);
    links.previous.close();
  }
  assembler.flush();
  return {
    state: accumulator.state(),
    parts,
    lateSpans: assembler.lateSpans,
    inexact,
    started: links.previous === null ? [] : [...assembler.started, ...startedHere],
    idHashes: assembler.idHashes(),
  };
}

async function* readPart(part: FilePart): AsyncIterable<Buffer> {
  const stream = createReadStream(part.path, { start: part.start, end: part.end - 1, highWaterMark: CHUNK_BYTES });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (error) {
    throw readError(part.name, error);
  }
}

/** A trace id field in any of the JSON formats: OTLP `traceId`/`trace_id`, Jaeger `traceID`, Zipkin `traceId`. */
const TRACE_ID_FIELDS = /"(?:traceId|trace_id|traceID)"\s*:\s*"([^"\\]{1,64})"/g;

/** Longer than any trace id field, so one cut by a chunk boundary is whole in the text before it. */
const FIELD_OVERLAP = 200;

/**
 * The trace ids written in the last `bytes` bytes of `parts` (read backwards from the end,
 * a MiB at a time), in every form a decoder may normalize them to (hex, base64, or a
 * stand-in for a non-hex id), so a trace begun there is surely among them. Scanning text for
 * the field is far cheaper than parsing it; ids from links and references come along, which
 * only means holding a trace that did not need it.
 */
export async function traceIdsBefore(parts: readonly FilePart[], bytes: number, spans = 0): Promise<Set<string>> {
  // A trace's id is written once per span: gather each once, normalize it once.
  const written = new Set<string>();
  let left = bytes;
  let starts = 0;
  // On until both the bytes and the spans asked for are behind (spans counted by their start
  // fields, so a stretch of larger spans than where the block starts is still covered); when no
  // start field is found at all, the bytes alone.
  const more = (): boolean => left > 0 || (starts > 0 && starts < spans);
  for (let i = parts.length - 1; i >= 0 && more(); i--) {
    const part = parts[i]!;
    const handle = await openInput(part.path, part.name);
    try {
      let end = part.end;
      let after = Buffer.alloc(0);
      while (end > part.start && more()) {
        const start = Math.max(part.start, end - CHUNK_BYTES);
        const chunk = Buffer.allocUnsafe(end - start + after.length);
        let filled = 0;
        while (filled < end - start) {
          const { bytesRead } = await handle.read(chunk, filled, end - start - filled, start + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        after.copy(chunk, filled);
        const text = chunk.subarray(0, filled + after.length);
        for (const match of text.toString('latin1').matchAll(TRACE_ID_FIELDS)) {
          // Copied out of the bytes: a substring of the text would keep the whole chunk alive.
          const valueEnd = match.index + match[0].length - 1;
          written.add(text.toString('latin1', valueEnd - match[1]!.length, valueEnd));
        }
        // Counted in the chunk's own bytes only: a field cut by the chunk's start is counted with the chunk before.
        starts += countMatches(chunk.toString('latin1', 0, filled), SPAN_START_FIELDS);
        after = Buffer.from(text.subarray(0, FIELD_OVERLAP));
        left -= end - start;
        end = start;
      }
    } finally {
      await handle.close();
    }
  }
  const ids = new Set<string>();
  const normalizer = new IdNormalizer();
  for (const raw of written) {
    const id = normalizer.traceId(raw);
    if (id !== null) ids.add(id);
    if (BASE64.test(raw)) {
      const bytes = Buffer.from(raw, 'base64');
      if (bytes.length > 0 && bytes.length <= 16) ids.add(bytes.toString('hex').padStart(32, '0'));
    }
  }
  return ids;
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * A span's start time field, as a key (a string value cannot hold an unescaped quote): OTLP
 * `startTimeUnixNano`/`start_time_unix_nano`, Jaeger `startTime`, Zipkin `duration` (Jaeger
 * writes it too, so its spans count twice: the scan then covers half the spans asked, still
 * the reach). Links, events and references have none, so they never make the count run ahead.
 */
const SPAN_START_FIELDS = /"(?:startTimeUnixNano|start_time_unix_nano|startTime|duration)"\s*:/g;

function countMatches(text: string, pattern: RegExp): number {
  let n = 0;
  pattern.lastIndex = 0;
  while (pattern.exec(text) !== null) n++;
  return n;
}

