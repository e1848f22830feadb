import { InputDecoder, type DecodeOptions } from '../formats/index.js';
import type { InputFormat } from '../formats/decoder.js';
import { TraceAssembler } from '../model/assembler.js';
import type { Trace } from '../model/span.js';
import type { Io } from '../io.js';
import { expandSources } from './files.js';

export interface LoadOptions extends DecodeOptions {
  sources: readonly string[];
  /**
   * Spans read after a trace's last one before it is taken as complete and handed on
   * (see TraceAssembler); Infinity holds every trace until the input ends.
   */
  window?: number;
  /** Only spans of traces this accepts are kept (e.g. `show` wants one trace). */
  traceFilter?: (traceId: string) => boolean;
}

export interface StreamResult {
  /** Problems with the input that did not stop it being read (malformed lines, skipped spans, late spans). */
  warnings: string[];
  /** What `--verbose` reports: each input and the format it was read as. */
  notes: string[];
}

export interface Loaded extends StreamResult {
  traces: Trace[];
}

/**
 * Reads every source as a stream, decodes it and hands each trace to `onTrace` once it is
 * complete; spans of one trace may come from many inputs (within the window). Nothing
 * holds more than the window of spans, whatever the size of the input.
 */
export async function streamTraces(options: LoadOptions, io: Io, onTrace: (trace: Trace) => void): Promise<StreamResult> {
  const inputs = await expandSources(options.sources, io);
  const assembler = new TraceAssembler(onTrace, options.window);
  const { traceFilter } = options;
  const warnings: string[] = [];
  const notes: string[] = [];
  for (const input of inputs) {
    let spans = 0;
    const decoder = new InputDecoder(input.name, options, (span) => {
      if (traceFilter && !traceFilter(span.traceId)) return;
      spans++;
      assembler.add(span);
    });
    for await (const chunk of input.chunks()) decoder.push(chunk);
    const summary = decoder.end();
    warnings.push(...summary.warnings);
    notes.push(`${input.name}: ${describeFormat(summary.format)}, ${spans} spans` +
      (summary.otherSignalLines > 0 ? `, ${summary.otherSignalLines} metric/log lines skipped` : ''));
  }
  assembler.flush();
  if (assembler.lateSpans > 0) {
    warnings.push(
      `${assembler.lateSpans} span${assembler.lateSpans === 1 ? '' : 's'} arrived more than ${options.window} spans after the rest of their trace ` +
        'and were analyzed as separate, partial traces; raise --window to keep such traces whole',
    );
  }
  return { warnings, notes };
}

/** Reads every source and returns all of its traces: for inputs that fit in memory. */
export async function loadTraces(options: LoadOptions, io: Io): Promise<Loaded> {
  const traces: Trace[] = [];
  const result = await streamTraces({ window: Infinity, ...options }, io, (trace) => traces.push(trace));
  return { traces, ...result };
}

function describeFormat(format: InputFormat | null): string {
  return format ?? 'no spans';
}
