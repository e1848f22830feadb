import { InputDecoder, type DecodeSummary } from '../formats/index.js';
import { TraceAssembler } from '../model/assembler.js';
import { NotTracesError } from '../model/errors.js';
import type { Trace } from '../model/span.js';
import { plural } from '../model/text.js';
import type { InputSource } from '../sources/files.js';
import type { ReadPlan, ReadReport } from './plan.js';
import { pushAll } from '../model/arrays.js';

/** What a read of files may narrow beyond the plan: only some traces' spans, only some lines. */
export interface StreamOnly {
  /** Only spans of traces this accepts are kept (e.g. `show` wants one trace). */
  traceFilter?: (traceId: string) => boolean;
  /** A cheap test on a JSON line's bytes before it is parsed (see `DecodeOptions.lineFilter`). */
  lineFilter?: (bytes: Buffer, start: number, end: number) => boolean;
}

/**
 * Reads every input as a stream, decodes it and hands each trace to `onTrace` once it is
 * complete; spans of one trace may come from many inputs (within the window). Nothing
 * holds more than the window of spans, whatever the size of the input.
 */
export async function streamTraces(
  plan: Pick<ReadPlan, 'format' | 'strict' | 'window'>,
  inputs: readonly InputSource[],
  onTrace: (trace: Trace) => void,
  only: StreamOnly = {},
): Promise<ReadReport> {
  const assembler = new TraceAssembler(onTrace, plan.window);
  const { traceFilter } = only;
  const warnings: string[] = [];
  const notes: string[] = [];
  const options = { format: plan.format, strict: plan.strict, lineFilter: only.lineFilter, traceFilter };
  for (const input of inputs) {
    let spans = 0;
    const decoder = new InputDecoder(input.name, options, (span) => {
      if (traceFilter && !traceFilter(span.traceId)) return;
      spans++;
      assembler.add(span);
    });
    let summary: DecodeSummary;
    try {
      for await (const chunk of input.chunks()) decoder.push(chunk);
      summary = decoder.end();
    } catch (error) {
      // A file that is no trace file inside a named directory (a manifest beside the traces)
      // is passed over with a warning; named on its own, it is the error it is.
      if (!(error instanceof NotTracesError) || input.directory === undefined) throw error;
      warnings.push(`${input.name}: skipped, not a trace file (found in directory ${input.directory})`);
      continue;
    }
    pushAll(warnings, summary.warnings);
    notes.push(inputNote(input.name, summary, spans));
  }
  assembler.flush();
  if (assembler.lateSpans > 0) warnings.push(lateSpansWarning(assembler.lateSpans, plan.window));
  return { warnings, notes };
}

/** What `--verbose` says of one input. */
export function inputNote(name: string, summary: DecodeSummary, spans: number): string {
  return `${name}: ${summary.format ?? 'no spans'}, ${spans} spans` + (summary.otherSignalLines > 0 ? `, ${summary.otherSignalLines} metric/log lines skipped` : '');
}

export function lateSpansWarning(lateSpans: number, window: number): string {
  return (
    `${plural(lateSpans, 'span')} arrived more than ${window} spans after the rest of their trace ` +
    'and were analyzed as separate, partial traces; raise --window to keep such traces whole'
  );
}
