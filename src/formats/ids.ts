import { createHash } from 'node:crypto';
import { preview } from './json-values.js';

/** Hex digits of a trace id (128 bits) or a span id (64 bits). */
export type IdWidth = 32 | 16;

const HEX = /^[0-9a-fA-F]+$/;
/** Non-hex ids named in the warning; a generated file may hold thousands. */
const MAX_LISTED = 10;

/**
 * `raw` as lower-case hex left-padded to `width`, or null when it is not 1 to `width` hex
 * digits. Jaeger and Zipkin ids are numbers written in hex: producers drop leading zeros
 * (a 31-digit trace id) and write 64-bit trace ids, which are 128-bit ids with a zero
 * upper half.
 */
export function normalizeHexId(raw: string, width: IdWidth): string | null {
  return raw.length <= width && HEX.test(raw) ? raw.toLowerCase().padStart(width, '0') : null;
}

/** An all-zero id: what several producers write for "no parent". */
export function isZeroId(id: string): boolean {
  return /^0+$/.test(id);
}

/**
 * Normalizes the ids of one payload. An id that is not hex (test data such as span "G")
 * still names its span consistently, so rather than dropping the span it is replaced by
 * hex derived from it — the same stand-in wherever it is referenced — and the payload
 * gets one warning listing such ids.
 */
export class IdNormalizer {
  private readonly derived = new Set<string>();

  /** A 32-digit trace id, or null when `raw` is missing or empty. */
  traceId(raw: unknown): string | null {
    return this.normalize(raw, 32);
  }

  /** A 16-digit span id, or null when `raw` is missing or empty. */
  spanId(raw: unknown): string | null {
    return this.normalize(raw, 16);
  }

  /** A parent span id, or null when `raw` is missing, empty or all zeros. */
  parentId(raw: unknown): string | null {
    const id = this.spanId(raw);
    return id === null || isZeroId(id) ? null : id;
  }

  warnings(): string[] {
    if (this.derived.size === 0) return [];
    const shown = [...this.derived].slice(0, MAX_LISTED).map((raw) => preview(raw));
    const more = this.derived.size > MAX_LISTED ? ` and ${this.derived.size - MAX_LISTED} more` : '';
    return [`ids that are not hex were replaced by hex derived from them: ${shown.join(', ')}${more}`];
  }

  private normalize(raw: unknown, width: IdWidth): string | null {
    if (typeof raw !== 'string' || raw === '') return null;
    const id = normalizeHexId(raw, width);
    if (id !== null) return id;
    this.derived.add(raw);
    return createHash('sha256').update(raw).digest('hex').slice(0, width);
  }
}
