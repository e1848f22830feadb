import { serviceOf, setAttribute } from '../model/attributes.js';
import type { AttributeValue, Attributes, SpanEventRecord, SpanLink, SpanRecord } from '../model/span.js';
import { intValue, isBlank, isValidId, MAX_VALUE_DEPTH, NO_EVENTS, NO_LINKS, readId, readKind, readNanos, readStatus } from './otlp-json.js';

/**
 * OTLP JSON lines read straight from their bytes, without JSON.parse building the document
 * first: one line of the Collector's file exporter is mostly `{"key": …, "value":
 * {"stringValue": …}}` objects that the decoder would only walk once to make the span's
 * own attribute map, and names, values and trace ids repeated span after span that can be
 * one string each (issue 18).
 *
 * The scanner takes only the line it can read exactly as `JSON.parse` + `decodeOtlpJson`
 * would: the leaves go through the decoder's own readers (ids, times, kinds, int values),
 * and a line that is anything else — not valid JSON, another shape or format, a duplicate
 * key, an escaped key, a span the decoder would warn about or skip — gives `null`, and the
 * caller reads it the ordinary way. So the scanner decides speed, never an answer; the
 * tests hold its spans equal to the decoder's on every fixture and on fuzzed lines.
 *
 * `keep` (a trace id test, e.g. `show`'s) leaves out the spans of other traces, and passes
 * over their attributes unread; everything the decoder could warn about in them is still
 * checked, so the line is given up exactly when it would be without `keep`.
 */
export function scanOtlpJsonLine(bytes: Buffer, start: number, end: number, keep?: (traceId: string) => boolean): SpanRecord[] | null {
  scanner.reset(bytes, start, end, keep);
  try {
    return scanner.line();
  } catch (error) {
    if (error === BAIL) return null;
    throw error;
  } finally {
    scanner.reset(EMPTY, 0, 0, undefined);
  }
}

/** Thrown to give a line up to the ordinary decoder; never seen outside this module. */
const BAIL = Symbol('bail');
const EMPTY = Buffer.alloc(0);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
/** Containers nested deeper than this in a skipped value are left to JSON.parse. */
const MAX_SKIP_DEPTH = 256;

/** The keys one kind of object has that the decoder reads, matched on the bytes, by index in `names`. */
class KeyTable {
  /** By first byte: each name with its closing quote, so a match is the whole key. */
  readonly byFirst: { bytes: Buffer; index: number }[][] = [];

  constructor(names: readonly string[]) {
    names.forEach((name, index) => (this.byFirst[name.charCodeAt(0)] ??= []).push({ bytes: Buffer.from(`${name}"`, 'latin1'), index }));
  }
}

const TOP = new KeyTable(['resourceSpans', 'resource_spans']);
const RESOURCE_SPANS = new KeyTable(['resource', 'scopeSpans', 'scope_spans', 'instrumentationLibrarySpans', 'instrumentation_library_spans']);
const RESOURCE = new KeyTable(['attributes']);
const SCOPE = new KeyTable(['spans']);
const SPAN = new KeyTable([
  'traceId',
  'trace_id',
  'spanId',
  'span_id',
  'parentSpanId',
  'parent_span_id',
  'startTimeUnixNano',
  'start_time_unix_nano',
  'endTimeUnixNano',
  'end_time_unix_nano',
  'status',
  'name',
  'kind',
  'attributes',
  'events',
  'links',
]);
const STATUS = new KeyTable(['code', 'message']);
const KEY_VALUE = new KeyTable(['key', 'value']);
const ANY_VALUE = new KeyTable([
  'stringValue',
  'string_value',
  'boolValue',
  'bool_value',
  'intValue',
  'int_value',
  'doubleValue',
  'double_value',
  'arrayValue',
  'array_value',
  'kvlistValue',
  'kvlist_value',
  'bytesValue',
  'bytes_value',
]);
const VALUES = new KeyTable(['values']);
const EVENT = new KeyTable(['timeUnixNano', 'time_unix_nano', 'name', 'attributes']);
const LINK = new KeyTable(['traceId', 'trace_id', 'spanId', 'span_id']);

/** A JSON primitive as JSON.parse gives it; containers are never read as one. */
type Primitive = string | number | boolean | null;
/** Not in the object (JSON has no `undefined`). */
const ABSENT = undefined;

/**
 * Buffer's own decoders, which `toString` calls after checking its arguments and
 * encoding name, work this skips for each of the many short strings of a line. Not in
 * Node's types, but on Buffer.prototype in every Node release tracectl supports.
 */
type ScannedBuffer = Buffer & { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };

/** `enter` and `next` when the object has no more members. */
const END = -2;

class LineScanner {
  private b = EMPTY as ScannedBuffer;
  private p = 0;
  private end = 0;
  /** The time fields of the span being read, when given as DIGITS (`time`). */
  private readonly timeHigh = new Float64Array(2);
  private readonly timeLow = new Float64Array(2);
  private startDigits = '';
  /** Which id fields of the span being read `id` found canonical: flags by field, as `span` numbers them. */
  private hexIds = 0;

  private keep: ((traceId: string) => boolean) | undefined;

  reset(bytes: Buffer, start: number, end: number, keep: ((traceId: string) => boolean) | undefined): void {
    this.b = bytes as ScannedBuffer;
    this.p = start;
    this.end = end;
    this.keep = keep;
  }

  line(): SpanRecord[] {
    this.ws();
    if (this.b[this.p] !== OPEN_OBJECT) throw BAIL;
    let spans: SpanRecord[] | undefined;
    for (let key = this.enter(TOP); key !== END; key = this.next(TOP)) {
      // Only `resourceSpans` or `resource_spans`, once, holding an array: any other key may
      // be a wrapper, a status or another signal, which the ordinary decoder judges.
      if (key < 0 || spans !== undefined || this.b[this.p] !== OPEN_ARRAY) throw BAIL;
      spans = [];
      if (this.items()) do this.resourceSpans(spans);
      while (this.more());
    }
    this.ws();
    if (spans === undefined || this.p !== this.end) throw BAIL;
    return spans;
  }

  private resourceSpans(out: SpanRecord[]): void {
    if (this.b[this.p] !== OPEN_OBJECT) throw BAIL;
    let resource: Attributes | undefined;
    // The spans under each key apart: the decoder reads `scopeSpans` (else `scope_spans`) first.
    const parts: (SpanRecord[] | undefined)[] = [undefined, undefined, undefined, undefined, undefined];
    for (let key = this.enter(RESOURCE_SPANS); key !== END; key = this.next(RESOURCE_SPANS)) {
      if (key < 0) {
        this.skip();
        continue;
      }
      if (key === 0) {
        if (resource !== undefined) throw BAIL;
        resource = this.b[this.p] === OPEN_OBJECT ? this.resource() : (this.skip(), {});
        continue;
      }
      if (parts[key] !== undefined) throw BAIL;
      const spans: SpanRecord[] = [];
      if (this.b[this.p] !== OPEN_ARRAY) this.skip();
      else if (this.items()) do this.scope(spans);
      while (this.more());
      parts[key] = spans;
    }
    const attributes = resource ?? {};
    const service = serviceOf(attributes);
    // The resource may come after its spans: they get it once the entry is read.
    for (const spans of [parts[1] ?? parts[2], parts[3] ?? parts[4]]) {
      if (spans === undefined) continue;
      for (const span of spans) {
        span.resource = attributes;
        span.service = service;
        out.push(span);
      }
    }
  }

  private resource(): Attributes {
    let attributes: Attributes | undefined;
    for (let key = this.enter(RESOURCE); key !== END; key = this.next(RESOURCE)) {
      if (key !== 0) this.skip();
      else if (attributes !== undefined) throw BAIL;
      else attributes = this.attributes(0);
    }
    return attributes ?? {};
  }

  private scope(out: SpanRecord[]): void {
    if (this.b[this.p] !== OPEN_OBJECT) throw BAIL;
    let seen = false;
    for (let key = this.enter(SCOPE); key !== END; key = this.next(SCOPE)) {
      if (key !== 0) {
        this.skip();
        continue;
      }
      if (seen) throw BAIL;
      seen = true;
      if (this.b[this.p] !== OPEN_ARRAY) this.skip();
      else if (this.items())
        do {
          const span = this.span();
          if (span !== null) out.push(span);
        } while (this.more());
    }
  }

  /** One span, or null when `keep` leaves its trace out. */
  private span(): SpanRecord | null {
    if (this.b[this.p] !== OPEN_OBJECT) throw BAIL;
    // Each field as the document holds it, camelCase and snake_case apart, as the decoder reads them.
    let traceId: Primitive | undefined = ABSENT;
    let trace_id: Primitive | undefined = ABSENT;
    let spanId: Primitive | undefined = ABSENT;
    let span_id: Primitive | undefined = ABSENT;
    let parentSpanId: Primitive | undefined = ABSENT;
    let parent_span_id: Primitive | undefined = ABSENT;
    let startTime: Primitive | typeof DIGITS | undefined = ABSENT;
    let start_time: Primitive | typeof DIGITS | undefined = ABSENT;
    let endTime: Primitive | typeof DIGITS | undefined = ABSENT;
    let end_time: Primitive | typeof DIGITS | undefined = ABSENT;
    let statusCode: Primitive | undefined = ABSENT;
    let statusMessage: Primitive | undefined = ABSENT;
    let name: Primitive | undefined = ABSENT;
    let kind: Primitive | undefined = ABSENT;
    let attributes: Attributes | undefined;
    let events: readonly SpanEventRecord[] = NO_EVENTS;
    let links: readonly SpanLink[] = NO_LINKS;
    let seen = 0;
    /** Of a trace `keep` leaves out. */
    let left = false;
    this.hexIds = 0;
    for (let key = this.enter(SPAN); key !== END; key = this.next(SPAN)) {
      if (key < 0) {
        this.skip();
        continue;
      }
      const bit = 1 << key;
      if (seen & bit) throw BAIL;
      seen |= bit;
      switch (key) {
        case 0:
          traceId = this.id(32, 0);
          // A canonical camelCase id is the span's trace id whatever follows.
          left ||= this.keep !== undefined && typeof traceId === 'string' && (this.hexIds & 1) !== 0 && !this.keep(traceId);
          break;
        case 1:
          trace_id = this.id(32, 1);
          break;
        case 2:
          spanId = this.id(16, 2);
          break;
        case 3:
          span_id = this.id(16, 3);
          break;
        case 4:
          parentSpanId = this.id(16, 4);
          break;
        case 5:
          parent_span_id = this.id(16, 5);
          break;
        case 6:
          startTime = this.time(0);
          break;
        case 7:
          start_time = this.time(0);
          break;
        case 8:
          endTime = this.time(1);
          break;
        case 9:
          end_time = this.time(1);
          break;
        case 10: {
          if (this.b[this.p] !== OPEN_OBJECT) {
            this.skip();
            break;
          }
          let fields = 0;
          for (let field = this.enter(STATUS); field !== END; field = this.next(STATUS)) {
            if (field < 0) {
              this.skip();
              continue;
            }
            if (fields & (1 << field)) throw BAIL;
            fields |= 1 << field;
            if (field === 0) statusCode = this.primitive();
            else statusMessage = this.primitive();
          }
          break;
        }
        case 11:
          name = this.primitive();
          break;
        case 12:
          kind = this.primitive();
          break;
        case 13:
          // Attributes never make the decoder warn: those of a span left out need no reading.
          if (left) this.skip();
          else attributes = this.attributes(0);
          break;
        case 14:
          events = this.events();
          break;
        default:
          links = this.links();
      }
    }

    // Both spellings of one time would be read into one place (`time`): rare, left to the decoder.
    if ((seen & 0xc0) === 0xc0 || (seen & 0x300) === 0x300) throw BAIL;
    const traceIdValue = this.idOf(traceId, trace_id, 0, 16);
    const spanIdValue = this.idOf(spanId, span_id, 2, 8);
    // A span the decoder skips or warns about is for the decoder to tell.
    if (!isValidId(traceIdValue) || !isValidId(spanIdValue)) throw BAIL;
    const rawParent = parentSpanId ?? parent_span_id;
    let parent = isBlank(rawParent) ? null : this.idOf(parentSpanId, parent_span_id, 4, 8);
    if (parent === null && !isBlank(rawParent)) throw BAIL;
    if (parent !== null && !isValidId(parent)) parent = null;
    const start = startTime ?? start_time;
    const end = endTime ?? end_time;
    let startNs: bigint | null;
    let durationNs: number;
    const highs = this.timeHigh[1]! - this.timeHigh[0]!;
    if (start === DIGITS && end === DIGITS && Math.abs(highs) < 9e6) {
      // Both below 2^64 as readNanos takes them; the difference is exact as a double, as Number(end - start) is.
      startNs = BigInt(this.startDigits);
      durationNs = highs * 1e9 + (this.timeLow[1]! - this.timeLow[0]!);
    } else {
      startNs = start === DIGITS ? BigInt(this.startDigits) : readNanos(start);
      const endNs = end === DIGITS ? BigInt(this.timeHigh[1]!) * 1_000_000_000n + BigInt(this.timeLow[1]!) : readNanos(end);
      if (startNs === null || endNs === null) throw BAIL;
      durationNs = Number(endNs - startNs);
    }
    if (left || (this.keep !== undefined && !this.keep(traceIdValue))) return null;
    return {
      traceId: traceIdValue,
      spanId: spanIdValue,
      parentSpanId: parent,
      followsFrom: false,
      name: typeof name === 'string' ? name : '',
      // Set once the resource is read (`resourceSpans`).
      service: '',
      kind: readKind(kind),
      startNs,
      durationNs,
      status: readStatus(statusCode),
      statusMessage: typeof statusMessage === 'string' && statusMessage !== '' ? statusMessage : null,
      attributes: attributes ?? {},
      resource: NO_ATTRIBUTES,
      events,
      links,
      shared: false,
    };
  }

  /**
   * An OTLP key-value list (`attributesOf`): a value that is no array is no attributes, an
   * entry that is no object or has no string key is passed over, later keys win.
   */
  private attributes(depth: number): Attributes {
    const out: Attributes = {};
    if (this.b[this.p] !== OPEN_ARRAY) {
      this.skip();
      return out;
    }
    if (!this.items()) return out;
    do {
      if (this.b[this.p] !== OPEN_OBJECT) {
        this.skip();
        continue;
      }
      let key: Primitive | undefined = ABSENT;
      let value: AttributeValue = null;
      let seen = 0;
      for (let field = this.enter(KEY_VALUE); field !== END; field = this.next(KEY_VALUE)) {
        if (field < 0) {
          this.skip();
          continue;
        }
        if (seen & (1 << field)) throw BAIL;
        seen |= 1 << field;
        if (field === 1) value = this.anyValue(depth);
        else if (this.b[this.p] === QUOTE) key = this.string();
        else this.skip();
      }
      if (typeof key !== 'string') continue;
      setAttribute(out, key, value);
    } while (this.more());
    return out;
  }

  /** One AnyValue (the decoder's `anyValue`): the first of its fields, in document order, that holds its type. */
  private anyValue(depth: number): AttributeValue {
    if (this.b[this.p] !== OPEN_OBJECT || depth >= MAX_VALUE_DEPTH) {
      this.skip();
      return null;
    }
    let result: AttributeValue = null;
    let found = false;
    let seen = 0;
    for (let key = this.enter(ANY_VALUE); key !== END; key = this.next(ANY_VALUE)) {
      if (key >= 0) {
        if (seen & (1 << key)) throw BAIL;
        seen |= 1 << key;
      }
      if (found || key < 0) {
        this.skip();
        continue;
      }
      const next = this.b[this.p];
      found = true;
      switch (key >> 1) {
        case 0: // stringValue
        case 6: // bytesValue
          if (next === QUOTE) result = this.string();
          else found = false;
          break;
        case 1: // boolValue
          if (next === 0x74 || next === 0x66) result = this.primitive();
          else found = false;
          break;
        case 2: // intValue: any value is taken, a container as nothing
          if (next === OPEN_OBJECT || next === OPEN_ARRAY) this.skip();
          else result = intValue(this.primitive());
          break;
        case 3: // doubleValue; protojson writes NaN and the infinities as strings
          if (next === QUOTE) result = Number(this.string());
          else if (next === 0x2d || isDigit(next)) result = this.number();
          else found = false;
          break;
        case 4: // arrayValue
          if (next === OPEN_OBJECT) result = this.arrayValue(depth);
          else found = false;
          break;
        default: // kvlistValue
          if (next === OPEN_OBJECT) result = this.kvlistValue(depth);
          else found = false;
      }
      if (!found) this.skip();
    }
    return result;
  }

  private arrayValue(depth: number): AttributeValue[] {
    let items: AttributeValue[] | undefined;
    for (let key = this.enter(VALUES); key !== END; key = this.next(VALUES)) {
      if (key < 0) {
        this.skip();
        continue;
      }
      if (items !== undefined) throw BAIL;
      items = [];
      if (this.b[this.p] !== OPEN_ARRAY) this.skip();
      else if (this.items()) do items.push(this.anyValue(depth + 1));
      while (this.more());
    }
    return items ?? [];
  }

  private kvlistValue(depth: number): Attributes {
    let values: Attributes | undefined;
    for (let key = this.enter(VALUES); key !== END; key = this.next(VALUES)) {
      if (key < 0) this.skip();
      else if (values !== undefined) throw BAIL;
      else values = this.attributes(depth + 1);
    }
    return values ?? {};
  }

  private events(): readonly SpanEventRecord[] {
    if (this.b[this.p] !== OPEN_ARRAY) {
      this.skip();
      return [];
    }
    if (!this.items()) return NO_EVENTS;
    const events: SpanEventRecord[] = [];
    do {
      if (this.b[this.p] !== OPEN_OBJECT) throw BAIL;
      let time: Primitive | undefined = ABSENT;
      let time_: Primitive | undefined = ABSENT;
      let name: Primitive | undefined = ABSENT;
      let attributes: Attributes | undefined;
      let seen = 0;
      for (let key = this.enter(EVENT); key !== END; key = this.next(EVENT)) {
        if (key < 0) {
          this.skip();
          continue;
        }
        if (seen & (1 << key)) throw BAIL;
        seen |= 1 << key;
        if (key === 0) time = this.primitive();
        else if (key === 1) time_ = this.primitive();
        else if (key === 2) name = this.primitive();
        else attributes = this.attributes(0);
      }
      // `get`: the camelCase field when present at all, even as null.
      const timeNs = readNanos(seen & 1 ? time : time_);
      if (timeNs === null) throw BAIL;
      events.push({ name: typeof name === 'string' ? name : '', timeNs, attributes: attributes ?? {} });
    } while (this.more());
    return events;
  }

  private links(): readonly SpanLink[] {
    if (this.b[this.p] !== OPEN_ARRAY) {
      this.skip();
      return [];
    }
    if (!this.items()) return NO_LINKS;
    const links: SpanLink[] = [];
    do {
      if (this.b[this.p] !== OPEN_OBJECT) throw BAIL;
      const ids: (Primitive | undefined)[] = [ABSENT, ABSENT, ABSENT, ABSENT];
      let seen = 0;
      for (let key = this.enter(LINK); key !== END; key = this.next(LINK)) {
        if (key < 0) {
          this.skip();
          continue;
        }
        if (seen & (1 << key)) throw BAIL;
        seen |= 1 << key;
        ids[key] = this.id(key < 2 ? 32 : 16, -1);
      }
      const traceId = readId(seen & 1 ? ids[0] : ids[1], 16);
      const spanId = readId(seen & 4 ? ids[2] : ids[3], 8);
      if (!isValidId(traceId) || !isValidId(spanId)) throw BAIL;
      links.push({ traceId, spanId, type: 'link' });
    } while (this.more());
    return links;
  }

  // --- JSON, on the bytes -------------------------------------------------------------

  /** At `{`: the index in `keys` of the first member's key (-1 for others), the scanner at its value; END when empty. */
  private enter(keys: KeyTable): number {
    this.p++;
    this.ws();
    if (this.b[this.p] === CLOSE_OBJECT) {
      this.p++;
      return END;
    }
    return this.key(keys);
  }

  /** After a member's value: the next member's key, as `enter`; END past the closing `}`. */
  private next(keys: KeyTable): number {
    this.ws();
    const c = this.b[this.p++];
    if (c === COMMA) {
      this.ws();
      return this.key(keys);
    }
    if (c === CLOSE_OBJECT && this.p <= this.end) return END;
    throw BAIL;
  }

  /** At `[`: true when the array holds an item, the scanner at it. */
  private items(): boolean {
    this.p++;
    this.ws();
    if (this.b[this.p] === CLOSE_ARRAY) {
      this.p++;
      return false;
    }
    return true;
  }

  /** After an item: true when another follows, the scanner at it; false past the closing `]`. */
  private more(): boolean {
    this.ws();
    const c = this.b[this.p++];
    if (c === COMMA) {
      this.ws();
      return true;
    }
    if (c === CLOSE_ARRAY && this.p <= this.end) return false;
    throw BAIL;
  }

  /** A member's key, as its index in `keys`, and the colon after it; escaped keys are left to JSON.parse. */
  private key(keys: KeyTable): number {
    const b = this.b;
    if (b[this.p] !== QUOTE) throw BAIL;
    const start = this.p + 1;
    let index = -1;
    let i = start;
    const candidates = keys.byFirst[b[start]!];
    if (candidates !== undefined) {
      for (const candidate of candidates) {
        const name = candidate.bytes;
        if (start + name.length > this.end) continue;
        let k = 1;
        while (k < name.length && b[start + k] === name[k]) k++;
        if (k === name.length) {
          index = candidate.index;
          i = start + name.length - 1;
          break;
        }
      }
    }
    if (index < 0) {
      for (;;) {
        if (i >= this.end) throw BAIL;
        const c = b[i]!;
        if (c === QUOTE) break;
        if (c === BACKSLASH || c < 0x20) throw BAIL;
        i++;
      }
    }
    this.p = i + 1;
    this.ws();
    if (b[this.p] !== COLON) throw BAIL;
    this.p++;
    this.ws();
    return index;
  }

  /** The string at the scanner, as JSON.parse decodes it. */
  private string(): string {
    const b = this.b;
    const start = this.p + 1;
    let i = start;
    let escaped = false;
    let ascii = true;
    for (;;) {
      if (i >= this.end) throw BAIL;
      const c = b[i]!;
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        escaped = true;
        i += 2;
        continue;
      }
      if (c < 0x20) throw BAIL;
      if (c >= 0x80) ascii = false;
      i++;
    }
    this.p = i + 1;
    if (escaped) return parseString(b.utf8Slice(start - 1, i + 1));
    // Invalid UTF-8 decodes to U+FFFD here as in the whole line: a quote never continues a sequence.
    if (!ascii) return b.utf8Slice(start, i);
    return i - start <= MAX_INTERNED ? textCache.get(b, start, i) ?? textCache.put(b, start, i) : b.latin1Slice(start, i);
  }

  /**
   * An id field: a string of `hexLength` lower-case hex digits, the form nearly every
   * producer writes, as the string itself (what `readId` would make of it); any other value
   * as the primitive it is, for `readId` to judge.
   */
  private id(hexLength: number, flag: number): Primitive {
    const b = this.b;
    if (b[this.p] !== QUOTE) return this.primitive();
    const start = this.p + 1;
    const close = start + hexLength;
    if (close < this.end && b[close] === QUOTE) {
      // A trace's id comes with each of its spans, and the cache holds only canonical ids; a span's own id comes once.
      let id = hexLength === 32 ? traceIdCache.get(b, start, close) : undefined;
      if (id === undefined) {
        let i = start;
        while (i < close && LOWER_HEX[b[i]!] === 1) i++;
        if (i === close) id = hexLength === 32 ? traceIdCache.put(b, start, close) : b.latin1Slice(start, close);
      }
      if (id !== undefined) {
        this.p = close + 1;
        if (flag >= 0) this.hexIds |= 1 << flag;
        return id;
      }
    }
    return this.string();
  }

  /**
   * `readId(camel ?? snake)` for the id fields read by `id` with flags `bit` and `bit + 1`:
   * a value `id` found canonical is what readId would make of it.
   */
  private idOf(camel: Primitive | undefined, snake: Primitive | undefined, bit: number, size: 8 | 16): string | null {
    if (camel !== undefined && camel !== null) return typeof camel === 'string' && this.hexIds & (1 << bit) ? camel : readId(camel, size);
    return typeof snake === 'string' && this.hexIds & (1 << (bit + 1)) ? snake : readId(snake, size);
  }

  /**
   * A time field (0 the start, 1 the end): a string of 1 to 19 decimal digits, the form
   * every producer writes, is read into `timeHigh`/`timeLow` (all but the last nine digits,
   * the last nine: each exact as a double) and given as DIGITS, the start's digits kept as
   * text for its BigInt; anything else as the primitive it is, for readNanos to judge.
   */
  private time(which: 0 | 1): Primitive | typeof DIGITS {
    const b = this.b;
    if (b[this.p] === QUOTE) {
      const start = this.p + 1;
      let i = start;
      while (i < this.end && i - start < 20 && isDigit(b[i])) i++;
      const digits = i - start;
      if (b[i] === QUOTE && i < this.end && digits >= 1 && digits <= 19) {
        const split = Math.max(start, i - 9);
        let high = 0;
        let low = 0;
        for (let k = start; k < split; k++) high = high * 10 + b[k]! - 0x30;
        for (let k = split; k < i; k++) low = low * 10 + b[k]! - 0x30;
        this.timeHigh[which] = high;
        this.timeLow[which] = low;
        if (which === 0) this.startDigits = b.latin1Slice(start, i);
        this.p = i + 1;
        return DIGITS;
      }
    }
    return this.primitive();
  }

  /** A string, number, true, false or null; a container is given up to JSON.parse. */
  private primitive(): Primitive {
    const c = this.b[this.p];
    if (c === QUOTE) return this.string();
    if (c === 0x2d || isDigit(c)) return this.number();
    if (c === 0x74) return this.literal('true', true);
    if (c === 0x66) return this.literal('false', false);
    if (c === 0x6e) return this.literal('null', null);
    throw BAIL;
  }

  private literal<T extends boolean | null>(word: string, value: T): T {
    if (this.p + word.length > this.end || this.b.latin1Slice(this.p, this.p + word.length) !== word) throw BAIL;
    this.p += word.length;
    return value;
  }

  /** A number in JSON's grammar (no leading zeros, no bare dot), converted as JSON.parse does. */
  private number(): number {
    const b = this.b;
    const start = this.p;
    let i = start;
    if (b[i] === 0x2d) i++;
    if (b[i] === 0x30) i++;
    else if (isDigit(b[i])) while (isDigit(b[i])) i++;
    else throw BAIL;
    if (b[i] === 0x2e) {
      i++;
      if (!isDigit(b[i])) throw BAIL;
      while (isDigit(b[i])) i++;
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      if (b[i] === 0x2b || b[i] === 0x2d) i++;
      if (!isDigit(b[i])) throw BAIL;
      while (isDigit(b[i])) i++;
    }
    if (i > this.end) throw BAIL;
    this.p = i;
    return Number(b.latin1Slice(start, i));
  }

  /** Passes over one value of any kind, checking it is valid JSON. */
  private skip(depth = 0): void {
    const c = this.b[this.p];
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth >= MAX_SKIP_DEPTH) throw BAIL;
      if (c === OPEN_OBJECT) for (let key = this.enter(NO_KEYS); key !== END; key = this.next(NO_KEYS)) this.skip(depth + 1);
      else if (this.items()) do this.skip(depth + 1);
      while (this.more());
    } else {
      this.primitive();
    }
  }

  private ws(): void {
    const b = this.b;
    let i = this.p;
    for (;;) {
      const c = b[i];
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d) break;
      i++;
    }
    this.p = i;
  }
}

const NO_KEYS = new KeyTable([]);
/** 1 for the bytes of lower-case hex digits. */
const LOWER_HEX = new Uint8Array(256);
for (const c of Buffer.from('0123456789abcdef', 'latin1')) LOWER_HEX[c] = 1;
/** A time field read by `time`. */
const DIGITS = Symbol('digits');
/** Strings up to this long are looked up in the cache (`StringCache`). */
const MAX_INTERNED = 64;

/**
 * ASCII strings read lately, each the same string object as last time its bytes were read
 * while it is still here: a line repeats its names, keys, values and trace ids span after
 * span, and the spans held until their trace ends then share one copy of each.
 */
class StringCache {
  private readonly strings: (string | undefined)[];
  private readonly hashes: Int32Array;

  constructor(private readonly slots: number) {
    this.strings = new Array<string | undefined>(slots).fill(undefined);
    this.hashes = new Int32Array(slots);
  }

  /** The cached string with bytes [start, end), if any. */
  get(b: Buffer, start: number, end: number): string | undefined {
    const hash = hashOf(b, start, end);
    const slot = hash & (this.slots - 1);
    const cached = this.strings[slot];
    if (cached === undefined || this.hashes[slot] !== hash || cached.length !== end - start) return undefined;
    let i = start;
    while (i < end && cached.charCodeAt(i - start) === b[i]) i++;
    return i === end ? cached : undefined;
  }

  put(b: Buffer, start: number, end: number): string {
    const text = (b as ScannedBuffer).latin1Slice(start, end);
    const hash = hashOf(b, start, end);
    this.strings[hash & (this.slots - 1)] = text;
    this.hashes[hash & (this.slots - 1)] = hash;
    return text;
  }
}

/** Of the length, the first byte and the last eight: where names, values and ids of one line differ. */
function hashOf(b: Buffer, start: number, end: number): number {
  let hash = Math.imul(end - start, 0x9e3779b1) + (b[start] ?? 0);
  for (let i = Math.max(start + 1, end - 8); i < end; i++) hash = (Math.imul(hash, 31) + b[i]!) | 0;
  return (hash ^ (hash >>> 15)) | 0;
}

const textCache = new StringCache(1 << 13);
const traceIdCache = new StringCache(1 << 12);
/** Every span's resource until its `resourceSpans` entry is read. */
const NO_ATTRIBUTES: Attributes = Object.freeze({});
const scanner = new LineScanner();

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** A string with escapes, decoded by JSON.parse itself (rare: the scanner's fast path has none). */
function parseString(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    throw BAIL;
  }
}
