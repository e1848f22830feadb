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

/** Epoch microseconds (Jaeger, Zipkin: below 2^53, so exact as a number) to epoch nanoseconds. */
export function microsToNs(us: number): bigint {
  return BigInt(Math.round(us)) * 1000n;
}
