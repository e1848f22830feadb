import type { AttributeValue, Attributes } from './span.js';

/**
 * An attribute read as a number: a finite number, or text holding one — Zipkin tags are all
 * strings, and some SDKs write counts as text. Everything else (booleans, lists, NaN, an
 * empty string) is not a number. Every analyzer reads numbers this way.
 */
export function numberAttribute(value: AttributeValue | undefined): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** An attribute read as a whole number (a status code), by the same rule. */
export function integerAttribute(value: AttributeValue | undefined): number | null {
  const n = numberAttribute(value);
  return n !== null && Number.isInteger(n) ? n : null;
}

/** An attribute as non-empty text; numbers and booleans as they would be written. */
export function textAttribute(value: AttributeValue | undefined): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** The service a resource names (`service.name`); `unknown_service`, as the SDKs write it, when it names none. */
export function serviceOf(resource: Attributes): string {
  const name = resource['service.name'];
  return typeof name === 'string' && name !== '' ? name : 'unknown_service';
}

/** `out[key] = value`, but for "__proto__", which a plain assignment would take for the object's prototype. */
export function setAttribute(out: Attributes, key: string, value: AttributeValue): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
