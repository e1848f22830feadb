import { InputDecoder, type DecodeOptions, type DecodeSummary } from '../formats/index.js';
import { TraceAssembler } from '../model/assembler.js';
import type { Trace } from '../model/span.js';
import type { Io } from '../io.js';
import { cleanText } from '../report/sanitize.js';
import { expandSources } from '../sources/files.js';

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
    notes.push(inputNote(input.name, summary, spans));
  }
  assembler.flush();
  if (assembler.lateSpans > 0) warnings.push(lateSpansWarning(assembler.lateSpans, options.window));
  return { warnings, notes };
}

/** What `--verbose` says of one input. */
export function inputNote(name: string, summary: DecodeSummary, spans: number): string {
  return `${name}: ${summary.format ?? 'no spans'}, ${spans} spans` + (summary.otherSignalLines > 0 ? `, ${summary.otherSignalLines} metric/log lines skipped` : '');
}

export function lateSpansWarning(lateSpans: number, window: number | undefined): string {
  return (
    `${lateSpans} span${lateSpans === 1 ? '' : 's'} arrived more than ${window} spans after the rest of their trace ` +
    'and were analyzed as separate, partial traces; raise --window to keep such traces whole'
  );
}

/** Reads every source and returns all of its traces: for inputs that fit in memory. */
export async function loadTraces(options: LoadOptions, io: Io): Promise<Loaded> {
  const traces: Trace[] = [];
  const result = await streamTraces({ window: Infinity, ...options }, io, (trace) => traces.push(trace));
  return { traces, ...result };
}

/** Tells the user what reading found: warnings always, and with `--verbose` each input and its format. */
export function tellStreamResult(result: StreamResult, io: Io, verbose: boolean | undefined): void {
  for (const warning of result.warnings) io.stderr.write(`warning: ${cleanText(warning)}\n`);
  if (verbose) for (const note of result.notes) io.stderr.write(`${cleanText(note)}\n`);
}
