import { buildTrace } from './build-trace.js';
import type { SpanRecord, Trace } from './span.js';

/**
 * Spans read since a trace's last span after which it is taken to be complete. Exporters
 * batch by time, so a trace's spans sit close together in a file; 100,000 spans is hours
 * of batches for a small service and minutes for a busy one, and bounds what is held.
 */
export const DEFAULT_WINDOW_SPANS = 100_000;

/** How often, in spans, the assembler looks for complete traces: every window/8 spans. */
const evictionStep = (window: number): number => Math.max(1, Math.floor(window / 8));

/**
 * The most spans that can be read after a trace's last span while it still waits here: the
 * window, and up to one eviction step more before the next look (1⅛ windows).
 */
export function completionReach(window: number): number {
  return window + evictionStep(window);
}

interface Pending {
  traceId: string;
  /** `hashId(traceId)`, made once per trace. */
  hash: number;
  records: SpanRecord[];
  /** Value of `seen` when the trace received its first span here. */
  firstSeen: number;
  /** Value of `seen` when the trace last received a span. */
  lastSeen: number;
  /** The first spans of this id read here (not a late, partial trace after one handed on). */
  first: boolean;
}

/**
 * For one part of an input read apart from the part before it (pipeline/parallel.ts): traces
 * that may have begun in that part are handed over unbuilt, to be joined with their start.
 */
export interface HeldTraces {
  /** Whether a trace is to be held, given how many spans this assembler had read when it began (asked only of an id's first trace here). */
  holds: (traceId: string, firstSeen: number) => boolean;
  /** `firstSeen`: how many spans this assembler had read at the trace's first span. */
  onHeld: (traceId: string, records: SpanRecord[], firstSeen: number) => void;
}

/**
 * Groups a stream of spans into traces without holding the whole stream: a trace is
 * complete once `window` spans have arrived since its last one (like a tail sampler's
 * decision wait), and is then built and handed to `onTrace`. Memory is bounded by the
 * window, not the input.
 *
 * A span that arrives for a trace already handed on cannot join it; it starts a new,
 * partial trace with the same id (nothing is dropped), and `lateSpans` counts it so the
 * caller can say so and suggest a larger window. With `window = Infinity` nothing is
 * handed on before `flush`, which is exactly `buildTraces` over everything.
 */
export class TraceAssembler {
  private readonly pending = new Map<string, Pending>();
  /**
   * Hashes of the ids of traces already handed on, to notice late spans. A 53-bit hash keeps
   * this small (a number per trace, not a string); with a million traces the chance that two
   * collide, which would only miscount the warning, is about one in ten thousand.
   */
  private readonly completed = new Set<number>();
  private seen = 0;
  private nextCheck: number;
  lateSpans = 0;
  /** Hashes of the ids whose first trace here was built here (not held): where a trace id starts, for a parallel read's count of late spans. */
  readonly started: number[] = [];

  constructor(
    private readonly onTrace: (trace: Trace) => void,
    private readonly window: number = DEFAULT_WINDOW_SPANS,
    private readonly held?: HeldTraces,
  ) {
    this.nextCheck = window;
  }

  add(record: SpanRecord): void {
    this.seen++;
    let entry = this.pending.get(record.traceId);
    // More than `window` spans since its last: complete, whether or not the last look found it
    // so, so that where a trace ends depends only on the spans, not on when the looks fall.
    if (entry !== undefined && this.seen - entry.lastSeen > this.window) {
      this.pending.delete(record.traceId);
      this.complete(record.traceId, entry);
      entry = undefined;
    }
    if (entry === undefined) {
      const hash = hashId(record.traceId);
      const late = this.completed.has(hash);
      if (late) this.lateSpans++;
      entry = { traceId: record.traceId, hash, records: [], firstSeen: this.seen, lastSeen: this.seen, first: !late };
      this.pending.set(record.traceId, entry);
    }
    // One id string per trace held, not one per span: the window holds many spans.
    record.traceId = entry.traceId;
    entry.records.push(record);
    entry.lastSeen = this.seen;
    if (this.seen >= this.nextCheck) this.evict();
  }

  /**
   * Adds spans read elsewhere (the next part of the input, the first of them `offset` spans
   * into it, counting from 1) to a trace still waiting here: `joined`; `late` when a trace of
   * this id was here but would be complete by then (the spans are a late, partial trace);
   * `absent` when this id was never read here.
   */
  join(traceId: string, records: readonly SpanRecord[], offset: number): 'joined' | 'late' | 'absent' {
    const entry = this.pending.get(traceId);
    if (entry === undefined) return this.handedOn(traceId) ? 'late' : 'absent';
    if (this.seen - entry.lastSeen + offset > this.window) return 'late';
    for (const record of records) entry.records.push(record);
    return 'joined';
  }

  /** Spans read here since the last span of the trace of this id still waiting; undefined when none waits. */
  sinceLast(traceId: string): number | undefined {
    const entry = this.pending.get(traceId);
    return entry === undefined ? undefined : this.seen - entry.lastSeen;
  }

  /** Spans read so far. */
  get spansRead(): number {
    return this.seen;
  }

  /** Hashes of every trace id read here, once flushed. */
  idHashes(): number[] {
    return [...this.completed];
  }

  /** Whether a trace of this id waits here, not yet handed on. */
  waiting(traceId: string): boolean {
    return this.pending.has(traceId);
  }

  /** Whether a trace of this id was already handed on (its spans read now are late). */
  handedOn(traceId: string): boolean {
    return this.completed.has(hashId(traceId));
  }

  /** Hands over the held traces still waiting, ahead of building the rest (`flush`). */
  handOverHeld(): void {
    if (this.held === undefined) return;
    for (const [traceId, entry] of this.pending) {
      if (!entry.first || !this.held.holds(traceId, entry.firstSeen)) continue;
      this.pending.delete(traceId);
      this.complete(traceId, entry);
    }
  }

  /** Hands on every trace still held. */
  flush(): void {
    for (const [traceId, entry] of this.pending) this.complete(traceId, entry);
    this.pending.clear();
  }

  /**
   * Scans every held trace, every eviction step: the traces held are those of about one
   * window, so this costs about one step per span read, and a trace is handed on at most
   * `completionReach` spans after its last span.
   */
  private evict(): void {
    this.nextCheck = this.seen + evictionStep(this.window);
    for (const [traceId, entry] of this.pending) {
      if (this.seen - entry.lastSeen < this.window) continue;
      this.pending.delete(traceId);
      this.complete(traceId, entry);
    }
  }

  private complete(traceId: string, entry: Pending): void {
    const { hash } = entry;
    this.completed.add(hash);
    if (entry.first && this.held?.holds(traceId, entry.firstSeen)) return this.held.onHeld(traceId, entry.records, entry.firstSeen);
    if (entry.first && this.held !== undefined) this.started.push(hash);
    this.onTrace(buildTrace(traceId, entry.records));
  }
}

/** Two FNV-1a passes with different offsets, as one 53-bit number (exact in a double). */
export function hashId(id: string): number {
  let low = 0x811c9dc5;
  let high = 0x050c5d1f;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    low = Math.imul(low ^ c, 0x01000193);
    high = Math.imul(high ^ c, 0x01000193);
  }
  return (low >>> 0) + (high >>> 11) * 2 ** 32;
}
