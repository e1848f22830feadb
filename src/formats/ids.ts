import { createHash } from 'node:crypto';
import { isZeroId, normalizeHexId, type IdWidth } from '../model/ids.js';
import { preview } from './json-values.js';

/** Non-hex ids named in the warning; a generated file may hold thousands. */
const MAX_LISTED = 10;

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
