import type { InputFormat } from '../formats/decoder.js';
import type { TraceFilter } from '../model/query.js';
import type { BackendConfig, TimeWindow } from '../sources/backends/config.js';

/**
 * What a command reads and which traces it keeps: resolved once from its options
 * (commands/common.ts `readPlan`) and handed unchanged to every stage of the pipeline, down
 * to the worker threads of a parallel read (which get it as data: for files, `backend` is
 * null and the rest survives structured cloning).
 */
export interface ReadPlan {
  /** Files, directories and `-`; empty when a backend is used. */
  sources: readonly string[];
  /** `--input-format`: skip detection. */
  format?: InputFormat;
  /** `--strict`: a malformed JSON line is fatal instead of skipped. */
  strict: boolean;
  /** Spans after which a trace read from files is taken as complete (TraceAssembler); Infinity holds every trace. */
  window: number;
  /** `--jobs`: threads reading files; undefined for one per core on large inputs (pipeline/parallel.ts). */
  jobs?: number;
  backend: BackendConfig | null;
  /** Start-time window: always set for a backend; for files only when the user asked. */
  timeWindow: TimeWindow | null;
  /** The traces kept. */
  filter: TraceFilter;
}

/** What reading had to say besides its result, for the caller to print: the pipeline never prints. */
export interface ReadReport {
  /** Problems with the input that did not stop it being read (malformed lines, skipped spans, late spans, backend notes). */
  warnings: string[];
  /** What `--verbose` reports: each input and the format it was read as. */
  notes: string[];
}

export const emptyReport = (): ReadReport => ({ warnings: [], notes: [] });

/** A result and what reading it had to say. */
export interface Read<T> extends ReadReport {
  value: T;
}
