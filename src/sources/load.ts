import { decodeInput, type DecodeOptions } from '../formats/index.js';
import type { InputFormat } from '../formats/decoder.js';
import { buildTraces } from '../model/build-trace.js';
import type { SpanRecord, Trace } from '../model/span.js';
import type { Io } from '../io.js';
import { expandSources } from './files.js';

export interface LoadOptions extends DecodeOptions {
  sources: readonly string[];
}

export interface Loaded {
  traces: Trace[];
  /** Problems with the input that did not stop it being read (malformed lines, skipped spans). */
  warnings: string[];
  /** What `--verbose` reports: each input and the format it was read as. */
  notes: string[];
}

/** Reads every source, decodes it, and builds the traces; spans of one trace may come from many inputs. */
export async function loadTraces(options: LoadOptions, io: Io): Promise<Loaded> {
  const inputs = await expandSources(options.sources, io);
  const spans: SpanRecord[] = [];
  const warnings: string[] = [];
  const notes: string[] = [];
  for (const input of inputs) {
    const decoded = decodeInput(await input.read(), input.name, options);
    for (const s of decoded.spans) spans.push(s);
    warnings.push(...decoded.warnings);
    notes.push(`${input.name}: ${describeFormat(decoded.format)}, ${decoded.spans.length} spans` +
      (decoded.otherSignalLines > 0 ? `, ${decoded.otherSignalLines} metric/log lines skipped` : ''));
  }
  return { traces: buildTraces(spans), warnings, notes };
}

function describeFormat(format: InputFormat | null): string {
  return format ?? 'no spans';
}
