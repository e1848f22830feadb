import { InputError } from '../../model/errors.js';
import type { TraceFilter } from '../../model/query.js';
import type { Decoded } from '../../formats/decoder.js';
import type { SpanRecord } from '../../model/span.js';
import type { BackendConfig, BackendKind, TimeWindow } from './config.js';
import type { HttpClient } from './http.js';

/**
 * A tracing backend as a source of traces. Each client translates tracectl's filter into
 * its backend's own query language (pushing down what that language can say exactly),
 * fetches, and decodes with the same decoders files go through; the caller then applies
 * the exact local filter to whatever comes back.
 */
export interface Backend {
  readonly kind: BackendKind;
  /** For messages: `jaeger at http://localhost:16686`. */
  readonly label: string;
  /** One trace by id (16 or 32 lower-case hex digits); null when the backend does not have it. */
  trace(traceId: string): Promise<Decoded | null>;
  search(request: SearchRequest): Promise<SearchResult>;
  services(window: TimeWindow): Promise<string[]>;
  operations(service: string, window: TimeWindow): Promise<string[]>;
}

export interface SearchRequest {
  filter: TraceFilter;
  window: TimeWindow;
  /** The most traces to fetch (`--max-traces`). */
  limit: number;
  /**
   * What the command will show when it shows only part of the matches. A backend whose
   * search returns trace ids and summaries (Tempo) fetches only the traces that can make
   * that cut; the others return whole traces and leave the ordering to the command.
   */
  rank?: { by: 'slowest' | 'newest'; count: number };
  /**
   * tracectl's own verdict on fetched spans of one trace: null when the local filter drops
   * it, else its duration and start (epoch ms) as the command ranks them.
   */
  judge: (records: readonly SpanRecord[]) => { durationMs: number; startMs: number } | null;
}

export interface SearchResult {
  /** Spans of every trace fetched, each trace complete and once. */
  spans: SpanRecord[];
  warnings: string[];
  /** More traces matched than were fetched (`--max-traces` was reached). */
  truncated: boolean;
}

/** A line of progress (`fetched 120/500 traces`) while a backend is queried; the caller draws it. */
export interface Progress {
  update(text: string): void;
  stop(): void;
}

export const silentProgress: Progress = { update: () => undefined, stop: () => undefined };

/** What every client is built from. */
export interface BackendContext {
  http: HttpClient;
  config: BackendConfig;
  progress: Progress;
}

export type BackendFactory = (context: BackendContext) => Backend;

/**
 * Runs `work` for every item at once (the HTTP layer bounds how many are in flight); one
 * failure does not stop the others. Then, if any failed: nothing partial is presented as
 * complete — the search ends with one sentence saying how many of how many failed and why,
 * unless `allowPartial`, when that sentence is returned as a warning and what succeeded is
 * kept. Only input errors (the backend's failures, already retried) count; a bug still throws.
 */
export async function settleAll<T>(items: readonly T[], work: (item: T) => Promise<void>, what: string, allowPartial: boolean): Promise<string[]> {
  const results = await Promise.allSettled(items.map(work));
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length === 0) return [];
  const bug = failures.find((f) => !(f.reason instanceof InputError));
  if (bug) throw bug.reason;
  // Nothing fetched: the first failure says it best (there is nothing partial to analyze).
  if (failures.length === items.length) throw failures[0]!.reason;
  const first = (failures[0]!.reason as InputError).message;
  const sentence = `fetched ${items.length - failures.length} of ${items.length} ${what}; ${failures.length} failed, the first with: ${first}`;
  if (!allowPartial) throw new InputError(`${sentence} — rerun, or pass --allow-partial to analyze what was fetched`);
  return [`${sentence}; the results are partial (--allow-partial)`];
}
