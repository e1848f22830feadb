/** Small readers for untyped JSON that every decoder shares. */

export type JsonObject = Record<string, unknown>;

export function isRecord(x: unknown): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function asArray(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

export function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/**
 * Epoch microseconds or a length in microseconds (Jaeger, Zipkin) that tracectl can use: a
 * finite number no larger than 2^53 (285 years). Anything beyond is a broken producer, and
 * letting it through would overflow: 1e306 µs is Infinity once in nanoseconds, and starts
 * 1e300 µs apart are Infinity milliseconds apart on a trace's axis.
 */
export function isMicros(x: unknown): x is number {
  return isFiniteNumber(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER;
}

/** Epoch microseconds (Jaeger, Zipkin: below 2^53, so exact as a number) to epoch nanoseconds. */
export function microsToNs(us: number): bigint {
  return BigInt(Math.round(us)) * 1000n;
}

/** The most characters of an input value that `preview` puts into a warning. */
const PREVIEW_MAX = 60;

/**
 * A value from the input as a warning quotes it: as JSON, at most `max` characters. A
 * warning must not carry a megabyte of someone's payload, and JSON.stringify of a value
 * nested 10,000 deep overflows the stack, so such a value is only named.
 */
export function preview(value: unknown, max = PREVIEW_MAX): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value.length > max ? value.slice(0, max) : value);
  else if (typeof value !== 'object' || value === null) text = String(value);
  else if (nestsDeeperThan(value, 8)) text = Array.isArray(value) ? 'a deeply nested array' : 'a deeply nested object';
  else text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/**
 * True when `value` nests arrays and objects deeper than `max` levels. Iterative, so it
 * can be asked of a value nested far deeper than the stack allows.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
