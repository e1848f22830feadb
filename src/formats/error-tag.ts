import type { Attributes } from '../model/span.js';

/**
 * The OpenTracing and Zipkin `error` tag: present with any value but false marks the span
 * failed (`true`, an empty string, `"ClientSideError"`, a code), as jaeger-ui and CRISP read it.
 */
export function isErrorTag(attributes: Attributes): boolean {
  if (!Object.hasOwn(attributes, 'error')) return false;
  const value = attributes.error;
  return !(value === false || (typeof value === 'string' && value.trim().toLowerCase() === 'false'));
}
