import { InputError, NotTracesError } from '../model/errors.js';
import type { SpanRecord } from '../model/span.js';
import type { Decoded, InputFormat } from './decoder.js';
import { decodeJaegerJson, isJaegerPayload } from './jaeger-json.js';
import { decodeOtlpJson, isOtlpPayload, otlpSignal } from './otlp-json.js';
import { scanOtlpJsonLine } from './otlp-json-scan.js';
import { decodeOtlpProtobuf, looksLikeOtlpProtobuf } from './otlp-proto.js';
import { decodeZipkinJson, isZipkinPayload } from './zipkin-json.js';
import { plural } from '../model/text.js';
import { decodeConsoleSpan, decodeConsoleText, isConsoleSpan, looksLikeConsoleText } from './console.js';
import { pushAll } from '../model/arrays.js';

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
  console: { matches: isConsoleSpan, decode: decodeConsoleSpan },
} satisfies Record<Exclude<InputFormat, 'otlp-proto'>, JsonDecoder>;

export interface DecodeOptions {
  /** `--input-format`: skip detection. */
  format?: InputFormat;
  /** `--strict`: a malformed JSON line is fatal instead of skipped. */
  strict?: boolean;
  /**
   * A cheap test on a JSON line's bytes `[start, end)` before it is parsed: lines it rejects
   * are skipped unparsed (e.g. `show` looking for one trace id). Whole documents are always parsed.
   */
  lineFilter?: (bytes: Buffer, start: number, end: number) => boolean;
  /**
   * Spans of the traces this rejects may be left out (never warned about differently): the
   * byte scanner then passes over their attributes unread. The caller still filters what it is given.
   */
  traceFilter?: (traceId: string) => boolean;
  /**
   * Every line through JSON.parse and the decoders, none through the byte scanner
   * (`scanOtlpJsonLine`): the reference the scanner's tests compare it with.
   */
  textOnly?: boolean;
  /**
   * The input is known to be JSON lines, so detection is skipped: a part of a file that was
   * split at a line start (pipeline/parallel.ts), whose first line may well be a bad one.
   */
  jsonLines?: boolean;
}

/**
 * What an input's decoder has to tell once it ends, kept by line number, so that the parts
 * of one file read apart (pipeline/parallel.ts) can be told as one: `describeTallies`.
 */
export interface DecodeTally {
  /** Format of the first decoded payload. */
  format: InputFormat | null;
  /** Lines read, so the next part of the same file can number its own after them. */
  lines: number;
  malformed: number[];
  unknown: number[];
  /** Lines longer than `inputLimits.lineBytes`, skipped unread. */
  overlong: number[];
  /** Decoders' warnings about single spans, by line. */
  lineWarnings: { line: number; text: string }[];
  /** Warnings about a whole document, already naming the input. */
  warnings: string[];
  otherSignalLines: number;
}

/** What is left to say about an input once its spans have been handed on. */
export interface DecodeSummary {
  /** What was read; for JSON lines, the format of the first decoded line. */
  format: InputFormat | null;
  /** For the user, each naming the input. */
  warnings: string[];
  /** JSON lines holding OTLP metrics or logs, skipped. */
  otherSignalLines: number;
}

export interface DecodedInput extends DecodeSummary {
  spans: SpanRecord[];
}

/**
 * What one input may make tracectl hold at once. A JSON document (or protobuf message) is
 * held whole to be parsed, and V8 cannot make a string over 512 MiB of it, so a bigger one is
 * refused as it is read, not once it has filled memory (`/dev/zero`, a gzip bomb). A JSON
 * line is held until its end, so a longer one is skipped as it streams by, with a warning.
 * Settable for tests only.
 */
export const inputLimits = { documentBytes: 512 * 2 ** 20, lineBytes: 512 * 2 ** 20 };

const mib = (bytes: number): string => (bytes >= 2 ** 20 ? `${Math.round(bytes / 2 ** 20)} MiB` : `${bytes} bytes`);

const NOT_TRACES = 'not a trace file: expected OTLP, Jaeger or Zipkin JSON, or OTLP protobuf';

/** Decodes one input held in memory (a file's bytes, already gunzipped) whatever its format. */
export function decodeInput(bytes: Uint8Array, name: string, options: DecodeOptions = {}): DecodedInput {
  const spans: SpanRecord[] = [];
  const decoder = new InputDecoder(name, options, (span) => spans.push(span));
  decoder.push(bytes);
  return { ...decoder.end(), spans };
}

/**
 * Decodes one input as its bytes arrive, handing each span to `onSpan`, so a file of any
 * size is read in bounded memory when it is JSON lines (the OpenTelemetry Collector's file
 * exporter). The format is decided from the first bytes:
 *
 * - OTLP protobuf, and JSON documents (one per input, possibly pretty-printed), are held
 *   and decoded whole at the end;
 * - JSON lines are decoded line by line. An input is taken for JSON lines when its first
 *   line is a complete JSON value on its own, or when it is not (truncated) but the two
 *   lines after it are (`jsonLinesVerdict`); the bad first line is then skipped and
 *   counted as any other. Otherwise the input is one document, and a broken one is an error.
 *
 * Malformed lines are skipped and counted (`--strict` makes the first fatal); lines of
 * OTLP metrics or logs are skipped and counted apart.
 */
export class InputDecoder {
  private mode: 'undecided' | 'lines' | 'whole';
  /** Bytes held while undecided or for a whole document. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** The unfinished last line, in pieces, in lines mode. */
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** In lines mode: the current line is over `inputLimits.lineBytes` and is passed over to its end. */
  private skippingLine = false;
  /** While undecided: the first significant byte was `{` or `[`. */
  private sawOpener = false;
  /** Lines may go to the byte scanner (`scanOtlpJsonLine`). */
  private readonly scans: boolean;
  private readonly tally: DecodeTally = { format: null, lines: 0, malformed: [], unknown: [], overlong: [], lineWarnings: [], warnings: [], otherSignalLines: 0 };

  constructor(
    private readonly name: string,
    private readonly options: DecodeOptions,
    private readonly onSpan: (span: SpanRecord) => void,
  ) {
    this.mode = options.jsonLines ? 'lines' : 'undecided';
    this.scans = options.textOnly !== true && (options.format === undefined || options.format === 'otlp-json');
  }

  push(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.mode === 'lines') return this.consumeLines(bytes);
    this.held.push(bytes);
    this.heldBytes += bytes.length;
    if (this.mode === 'undecided') this.decide(bytes);
    // Emptied when the first line made it JSON lines.
    if (this.held.length > 0 && this.heldBytes > inputLimits.documentBytes) this.overDocumentLimit();
  }

  /**
   * More bytes held than a document may have. Still undecided with no line ended, it may be
   * JSON lines whose first line is that long: that line is skipped as any over-long one, and
   * if the input ends there, it was the one document too large to read.
   */
  private overDocumentLimit(): void {
    if (this.mode === 'undecided' && this.sawOpener && !this.held.some((b) => b.includes(0x0a))) {
      this.mode = 'lines';
      this.held = [];
      this.skippingLine = true;
      return;
    }
    throw new InputError(`${this.name}: a single document over ${mib(inputLimits.documentBytes)} cannot be read; export JSON lines instead`);
  }

  end(): DecodeSummary {
    return describeTallies(this.name, [this.finish()]);
  }

  /** Ends the input, keeping what there is to tell by line number (see `DecodeTally`). */
  finish(): DecodeTally {
    if (this.mode === 'lines') {
      if (this.skippingLine && this.tally.lines === 0) {
        throw new InputError(`${this.name}: a single document over ${mib(inputLimits.documentBytes)} cannot be read; export JSON lines instead`);
      }
      if (this.skippingLine) this.overlongLine();
      if (this.carry.length > 0) {
        const joined = Buffer.concat(this.carry);
        this.lineAt(joined, 0, joined.length);
      }
      this.carry = [];
      this.carryBytes = 0;
      this.skippingLine = false;
    } else {
      const bytes = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held);
      this.held = [];
      // Too short to decide while reading: a bad first line and one good line after it.
      if (this.mode === 'undecided' && this.sawOpener && jsonLinesVerdict(bytes, true) === true) {
        this.mode = 'lines';
        this.consumeLines(bytes);
        return this.finish();
      }
      this.decodeWhole(bytes);
    }
    return this.tally;
  }

  /**
   * Picks the mode once the first line is in, or as soon as the first bytes rule out JSON
   * lines. Looks only at the new chunk until then, so tiny chunks cost no more than big ones.
   */
  private decide(latest: Buffer): void {
    if (this.options.format === 'otlp-proto') {
      this.mode = 'whole';
      return;
    }
    if (!this.sawOpener) {
      const first = firstSignificant(latest, this.held.length === 1);
      if (first === undefined) return;
      const opener = latest[first];
      if (opener !== 0x7b /* { */ && opener !== 0x5b /* [ */) {
        this.mode = 'whole';
        return;
      }
      this.sawOpener = true;
    }
    if (latest.indexOf(0x0a) < 0) return;
    const bytes = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held);
    this.held = [bytes];
    const verdict = jsonLinesVerdict(bytes);
    if (verdict === undefined) return;
    if (!verdict) {
      this.mode = 'whole';
      return;
    }
    this.mode = 'lines';
    this.held = [];
    // From the first byte: blank lines before the first count, so line numbers are the file's.
    this.consumeLines(bytes);
  }

  private consumeLines(bytes: Buffer): void {
    let start = 0;
    let newline = bytes.indexOf(0x0a);
    if (this.skippingLine) {
      if (newline < 0) return;
      this.overlongLine();
      this.skippingLine = false;
      start = newline + 1;
      newline = bytes.indexOf(0x0a, start);
    }
    if (newline >= 0 && this.carry.length > 0) {
      if (this.carryBytes + newline - start > inputLimits.lineBytes) this.overlongLine();
      else {
        this.carry.push(bytes.subarray(start, newline));
        const joined = Buffer.concat(this.carry);
        this.lineAt(joined, 0, joined.length);
      }
      this.carry = [];
      this.carryBytes = 0;
      start = newline + 1;
      newline = bytes.indexOf(0x0a, start);
    }
    while (newline >= 0) {
      if (newline - start > inputLimits.lineBytes) this.overlongLine();
      else this.lineAt(bytes, start, newline);
      start = newline + 1;
      newline = bytes.indexOf(0x0a, start);
    }
    if (start === bytes.length) return;
    this.carryBytes += bytes.length - start;
    if (this.carryBytes > inputLimits.lineBytes) {
      // Dropped as it comes: the line cannot be parsed, and holding it is what would hurt.
      this.carry = [];
      this.carryBytes = 0;
      this.skippingLine = true;
      return;
    }
    // Copied: the chunk's buffer may be reused by the stream that produced it.
    this.carry.push(Buffer.from(bytes.subarray(start)));
  }

  /** Counts the line just passed over for its length (`--strict`: stops there). */
  private overlongLine(): void {
    const lineNumber = ++this.tally.lines;
    if (this.options.strict) throw new InputError(`${this.name}:${lineNumber}: a JSON line over ${mib(inputLimits.lineBytes)} (--strict); drop --strict to skip such lines`);
    this.tally.overlong.push(lineNumber);
  }

  /**
   * One line, bytes [start, end) of `bytes`: read straight from the bytes when the scanner
   * can (OTLP JSON in its usual shape), else as text through JSON.parse and the decoders.
   */
  private lineAt(bytes: Buffer, start: number, end: number): void {
    if (this.options.lineFilter && !this.options.lineFilter(bytes, start, end)) {
      this.tally.lines++;
      return;
    }
    if (this.scans) {
      const spans = scanOtlpJsonLine(bytes, start, end, this.options.traceFilter);
      if (spans !== null) {
        this.tally.lines++;
        this.tally.format ??= 'otlp-json';
        for (const span of spans) this.onSpan(span);
        return;
      }
    }
    this.line(bytes.toString('utf8', start, end));
  }

  private line(text: string): void {
    const lineNumber = ++this.tally.lines;
    if (lineNumber === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.length === 0 || (text.trim() === '')) return;
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      if (this.options.strict) throw new InputError(`${this.name}:${lineNumber}: malformed JSON line (--strict); drop --strict to skip bad lines`);
      this.tally.malformed.push(lineNumber);
      return;
    }
    const signal = otlpSignal(payload);
    if (signal === 'metrics' || signal === 'logs') {
      this.tally.otherSignalLines++;
      return;
    }
    let decoded: { format: InputFormat; decoded: Decoded };
    try {
      decoded = decodePayload(payload, `${this.name}:${lineNumber}`, this.options.format);
    } catch (error) {
      if (this.options.strict || !(error instanceof InputError)) throw error;
      this.tally.unknown.push(lineNumber);
      return;
    }
    this.tally.format ??= decoded.format;
    for (const span of decoded.decoded.spans) this.onSpan(span);
    for (const text of decoded.decoded.warnings) this.tally.lineWarnings.push({ line: lineNumber, text });
  }

  private decodeWhole(bytes: Buffer): void {
    const { name, options, tally } = this;
    const first = firstSignificant(bytes);
    const isJsonText = first !== undefined && (bytes[first] === 0x7b || bytes[first] === 0x5b) && looksLikeText(bytes);
    let decoded: Decoded;
    if (options.format === 'otlp-proto' || (!options.format && !isJsonText && looksLikeOtlpProtobuf(bytes))) {
      decoded = decodeWithName(name, () => decodeOtlpProtobuf(bytes));
      tally.format = 'otlp-proto';
    } else if (first === undefined) {
      tally.warnings.push(`${name}: empty input, no traces in it`);
      return;
    } else if ((!options.format || options.format === 'console') && (!isJsonText || !parses(bytes.toString('utf8', first))) && looksLikeConsoleText(bytes.toString('utf8', first))) {
      // The SDK console exporters: objects one after another, among the application's own lines.
      decoded = decodeConsoleText(bytes.toString('utf8', first));
      tally.format = 'console';
    } else if (!isJsonText) {
      throw new NotTracesError(`${name}: ${NOT_TRACES}`);
    } else {
      let payload: unknown;
      try {
        payload = JSON.parse(bytes.toString('utf8', first));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (/string longer than/i.test(reason)) {
          throw new InputError(`${name}: a single JSON document this large (${(bytes.length / 2 ** 20).toFixed(0)} MiB) cannot be read; export JSON lines instead`);
        }
        throw new InputError(`${name}: not valid JSON (is the file truncated?): ${reason}`);
      }
      const result = decodePayload(payload, name, options.format);
      decoded = result.decoded;
      tally.format = result.format;
    }
    for (const span of decoded.spans) this.onSpan(span);
    for (const w of decoded.warnings) tally.warnings.push(`${name}: ${w}`);
  }
}

/**
 * What there is to tell of one input, from the tallies of its parts in order: each part
 * numbers its lines from 1, so a part's line numbers follow the lines of the parts before it.
 */
export function describeTallies(name: string, parts: readonly DecodeTally[]): DecodeSummary {
  const warnings: string[] = [];
  const malformed: number[] = [];
  const unknown: number[] = [];
  const overlong: number[] = [];
  let format: InputFormat | null = null;
  let otherSignalLines = 0;
  let offset = 0;
  for (const part of parts) {
    format ??= part.format;
    otherSignalLines += part.otherSignalLines;
    pushAll(warnings, part.warnings);
    for (const { line, text } of part.lineWarnings) warnings.push(`${name}:${offset + line}: ${text}`);
    for (const line of part.malformed) malformed.push(offset + line);
    for (const line of part.unknown) unknown.push(offset + line);
    for (const line of part.overlong) overlong.push(offset + line);
    offset += part.lines;
  }
  if (malformed.length > 0) warnings.push(`${name}: skipped ${plural(malformed.length, 'malformed line')} (${lineList(malformed)})`);
  if (overlong.length > 0) warnings.push(`${name}: skipped ${plural(overlong.length, 'line')} over ${mib(inputLimits.lineBytes)}, too long to read (${lineList(overlong)})`);
  if (unknown.length > 0) warnings.push(`${name}: skipped ${plural(unknown.length, 'line')} of no known trace format (${lineList(unknown)})`);
  return { format, warnings, otherSignalLines };
}

/**
 * Whether bytes from the start of an input are JSON lines: the first line is a complete JSON
 * value on its own. A first line that is not (truncated, most likely) is still JSON lines
 * when the two lines after it are complete objects or arrays on their own: inside one
 * pretty-printed document only an array's last element can be, and the line after it closes
 * the array. Undefined while the lines that decide have not ended; `ended` says no more
 * bytes will come, so a line that is missing cannot arrive.
 */
export function jsonLinesVerdict(bytes: Buffer, ended = false): boolean | undefined {
  const first = firstSignificant(bytes);
  if (first === undefined) return undefined;
  // Protobuf starts with 0x0a (a newline to a text reader): tell them apart by control bytes too.
  if (!looksLikeText(bytes) || (bytes[first] !== 0x7b && bytes[first] !== 0x5b)) return false;
  let newline = bytes.indexOf(0x0a, first);
  if (newline < 0) return ended ? false : undefined;
  if (parses(bytes.toString('utf8', first, newline))) return true;
  for (let wanted = 2; wanted > 0; wanted--) {
    const start = firstSignificant(bytes.subarray(newline + 1), false);
    if (start === undefined) return ended && wanted < 2 ? true : ended ? false : undefined;
    const lineStart = newline + 1 + start;
    newline = bytes.indexOf(0x0a, lineStart);
    if (newline < 0 && !ended) return undefined;
    const line = bytes.toString('utf8', lineStart, newline < 0 ? bytes.length : newline);
    if ((line[0] !== '{' && line[0] !== '[') || !parses(line)) return false;
    if (newline < 0) return true;
  }
  return true;
}

function decodePayload(payload: unknown, name: string, forced: InputFormat | undefined): { format: InputFormat; decoded: Decoded } {
  if (forced && forced !== 'otlp-proto') {
    const decoder = jsonDecoders[forced];
    if (!decoder.matches(payload)) {
      const actual = detectJsonFormat(payload);
      const looks = actual === null ? 'it is not a trace format tracectl reads' : `it looks like ${actual}`;
      throw new InputError(`${name}: not ${forced} input (--input-format ${forced}): ${looks}; drop the flag to detect the format`);
    }
    return { format: forced, decoded: decodeWithName(name, () => decoder.decode(payload)) };
  }
  const format = detectJsonFormat(payload);
  if (format === null) throw new NotTracesError(`${name}: ${NOT_TRACES}`);
  return { format, decoded: decodeWithName(name, () => jsonDecoders[format].decode(payload)) };
}

/** The first JSON format, in `jsonDecoders` order, whose guard accepts the payload. */
function detectJsonFormat(payload: unknown): keyof typeof jsonDecoders | null {
  for (const format of Object.keys(jsonDecoders) as (keyof typeof jsonDecoders)[]) {
    if (jsonDecoders[format].matches(payload)) return format;
  }
  return null;
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

/** Index of the first byte that is not white space (or, at the start of an input, a UTF-8 byte order mark). */
function firstSignificant(bytes: Uint8Array, atStart = true): number | undefined {
  let i = 0;
  if (atStart && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  for (; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return i;
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

const lineList = (lines: number[]): string =>
  `line${lines.length === 1 ? '' : 's'} ${lines.slice(0, 5).join(', ')}${lines.length > 5 ? `, … ${lines.length - 5} more` : ''}`;
