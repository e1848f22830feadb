import { InputError } from '../errors.js';
import type { SpanRecord } from '../model/span.js';
import type { Decoded, InputFormat } from './decoder.js';
import { decodeJaegerJson, isJaegerPayload } from './jaeger-json.js';
import { decodeOtlpJson, isOtlpPayload, otlpSignal } from './otlp-json.js';
import { decodeOtlpProtobuf, looksLikeOtlpProtobuf } from './otlp-proto.js';
import { decodeZipkinJson, isZipkinPayload } from './zipkin-json.js';

interface JsonDecoder {
  /** A structural guard: true when the parsed JSON has this format's shape. */
  matches: (payload: unknown) => boolean;
  decode: (payload: unknown) => Decoded;
}

/**
 * The JSON formats, tried in this order when nothing is forced. To add one, write a guard
 * and a decoder in its own file and list it here; detection is by structure, never by
 * file name. OTLP goes first: its envelopes are the most specific.
 */
export const jsonDecoders = {
  'otlp-json': { matches: isOtlpPayload, decode: decodeOtlpJson },
  'jaeger-json': { matches: isJaegerPayload, decode: decodeJaegerJson },
  'zipkin-json': { matches: isZipkinPayload, decode: decodeZipkinJson },
} satisfies Record<Exclude<InputFormat, 'otlp-proto'>, JsonDecoder>;

export interface DecodeOptions {
  /** `--input-format`: skip detection. */
  format?: InputFormat;
  /** `--strict`: a malformed JSON line is fatal instead of skipped. */
  strict?: boolean;
}

export interface DecodedInput {
  /** What was read; for JSON lines, the format of the first decoded line. */
  format: InputFormat | null;
  spans: SpanRecord[];
  /** For the user, each naming the input. */
  warnings: string[];
  /** JSON lines holding OTLP metrics or logs, skipped. */
  otherSignalLines: number;
}

const NOT_TRACES = 'not a trace file: expected OTLP, Jaeger or Zipkin JSON, or OTLP protobuf';

/** Decodes one input (a file's bytes, already gunzipped) whatever its format. `name` is for messages. */
export function decodeInput(bytes: Uint8Array, name: string, options: DecodeOptions = {}): DecodedInput {
  const first = firstSignificantByte(bytes);
  // Protobuf starts with 0x0a (a newline to a text reader): tell them apart by control bytes too.
  const isJsonText = (first === 0x7b /* { */ || first === 0x5b) /* [ */ && looksLikeText(bytes);
  if (options.format === 'otlp-proto' || (!options.format && !isJsonText && looksLikeOtlpProtobuf(bytes))) {
    const decoded = decodeWithName(name, () => decodeOtlpProtobuf(bytes));
    return { format: 'otlp-proto', spans: decoded.spans, warnings: prefix(name, decoded.warnings), otherSignalLines: 0 };
  }
  if (first === undefined) return { format: null, spans: [], warnings: [`${name}: empty input, no traces in it`], otherSignalLines: 0 };
  if (!isJsonText) throw new InputError(`${name}: ${NOT_TRACES}`);

  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  let whole: unknown;
  let wholeError: unknown;
  try {
    whole = JSON.parse(text);
  } catch (error) {
    wholeError = error;
  }
  if (wholeError === undefined) {
    const { format, decoded } = decodePayload(whole, name, options.format);
    return { format, spans: decoded.spans, warnings: prefix(name, decoded.warnings), otherSignalLines: 0 };
  }
  return decodeJsonLines(text, name, options, wholeError);
}

function decodePayload(payload: unknown, name: string, forced: InputFormat | undefined): { format: InputFormat; decoded: Decoded } {
  if (forced && forced !== 'otlp-proto') {
    const decoder = jsonDecoders[forced];
    if (!decoder.matches(payload)) throw new InputError(`${name}: not ${forced} input (--input-format ${forced}); drop the flag to detect the format`);
    return { format: forced, decoded: decodeWithName(name, () => decoder.decode(payload)) };
  }
  for (const [format, decoder] of Object.entries(jsonDecoders) as [keyof typeof jsonDecoders, JsonDecoder][]) {
    if (decoder.matches(payload)) return { format, decoded: decodeWithName(name, () => decoder.decode(payload)) };
  }
  throw new InputError(`${name}: ${NOT_TRACES}`);
}

/**
 * JSON lines, as the OpenTelemetry Collector's file exporter writes them. A file is taken
 * for JSON lines only when its first line is a complete JSON value on its own; otherwise it
 * is one broken document (truncated, most likely) and that is an error, not a warning.
 */
function decodeJsonLines(text: string, name: string, options: DecodeOptions, wholeError: unknown): DecodedInput {
  const lines = text.split('\n');
  const firstLine = lines.findIndex((l) => l.trim() !== '');
  if (firstLine < 0 || !parses(lines[firstLine]!)) {
    const reason = wholeError instanceof Error ? wholeError.message : String(wholeError);
    throw new InputError(`${name}: not valid JSON (is the file truncated?): ${reason}`);
  }
  const spans: SpanRecord[] = [];
  const warnings: string[] = [];
  const malformed: number[] = [];
  const unknown: number[] = [];
  let format: InputFormat | null = null;
  let otherSignalLines = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    let payload: unknown;
    try {
      payload = JSON.parse(line);
    } catch {
      if (options.strict) throw new InputError(`${name}:${i + 1}: malformed JSON line (--strict); drop --strict to skip bad lines`);
      malformed.push(i + 1);
      continue;
    }
    const signal = otlpSignal(payload);
    if (signal === 'metrics' || signal === 'logs') {
      otherSignalLines++;
      continue;
    }
    let decoded: { format: InputFormat; decoded: Decoded };
    try {
      decoded = decodePayload(payload, `${name}:${i + 1}`, options.format);
    } catch (error) {
      if (options.strict || !(error instanceof InputError)) throw error;
      unknown.push(i + 1);
      continue;
    }
    format ??= decoded.format;
    for (const s of decoded.decoded.spans) spans.push(s);
    for (const w of decoded.decoded.warnings) warnings.push(`${name}:${i + 1}: ${w}`);
  }
  if (malformed.length > 0) warnings.push(`${name}: skipped ${plural(malformed.length, 'malformed line')} (${lineList(malformed)})`);
  if (unknown.length > 0) warnings.push(`${name}: skipped ${plural(unknown.length, 'line')} of no known trace format (${lineList(unknown)})`);
  return { format, spans, warnings, otherSignalLines };
}

function parses(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/** Decoder failures that are not already ours get the input's name and lose their stack. */
function decodeWithName(name: string, decode: () => Decoded): Decoded {
  try {
    return decode();
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${name}: ${error.message}`, { cause: error });
    throw error;
  }
}

function firstSignificantByte(bytes: Uint8Array): number | undefined {
  let i = 0;
  // UTF-8 byte order mark
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  for (; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  }
  return undefined;
}

function looksLikeText(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 512);
  for (let i = 0; i < end; i++) {
    const b = bytes[i]!;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  }
  return true;
}

const prefix = (name: string, warnings: string[]): string[] => warnings.map((w) => `${name}: ${w}`);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const lineList = (lines: number[]): string =>
  `line${lines.length === 1 ? '' : 's'} ${lines.slice(0, 5).join(', ')}${lines.length > 5 ? `, … ${lines.length - 5} more` : ''}`;
