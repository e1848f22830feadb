import type { SpanRecord } from '../../model/span.js';

/** A trace seen lately, for the live line: its extent so far and whether a span failed. */
export interface RecentTrace {
  traceId: string;
  startNs: bigint;
  endNs: bigint;
  error: boolean;
}

/** How many recent traces the tally keeps. */
const RECENT = 3;

/**
 * What the receivers have seen: requests, spans, distinct traces, error answers and
 * rejected spans, and when the last request arrived. Every trace id is remembered (to count
 * distinct traces), about a hundred bytes each.
 */
export class ReceiveTally {
  requests = 0;
  spans = 0;
  errors = 0;
  rejectedSpans = 0;
  /** Requests being read, decoded or written right now. */
  inFlight = 0;
  /** `Date.now()` when a request last arrived or finished; 0 before the first. */
  lastActivity = 0;
  private readonly traceIds = new Set<string>();
  private readonly recent = new Map<string, RecentTrace>();

  get traces(): number {
    return this.traceIds.size;
  }

  /** The traces seen last, newest first. */
  recentTraces(): RecentTrace[] {
    return [...this.recent.values()].reverse();
  }

  began(): void {
    this.inFlight++;
    this.lastActivity = Date.now();
  }

  ended(): void {
    this.inFlight--;
    this.lastActivity = Date.now();
  }

  accepted(spans: readonly SpanRecord[], rejected: number): void {
    this.requests++;
    this.spans += spans.length;
    this.rejectedSpans += rejected;
    for (const span of spans) {
      this.traceIds.add(span.traceId);
      const endNs = span.startNs + BigInt(span.durationNs);
      const seen = this.recent.get(span.traceId);
      const trace: RecentTrace = seen === undefined
        ? { traceId: span.traceId, startNs: span.startNs, endNs, error: span.status === 'error' }
        : { traceId: span.traceId, startNs: seen.startNs < span.startNs ? seen.startNs : span.startNs, endNs: seen.endNs > endNs ? seen.endNs : endNs, error: seen.error || span.status === 'error' };
      // Re-inserted, so the map's order is the order traces were last seen.
      this.recent.delete(span.traceId);
      this.recent.set(span.traceId, trace);
      if (this.recent.size > RECENT) this.recent.delete(this.recent.keys().next().value!);
    }
  }

  refused(): void {
    this.requests++;
    this.errors++;
  }
}
