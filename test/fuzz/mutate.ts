import fc from 'fast-check';

/**
 * Structural mutations of a parsed JSON payload, as fast-check data: each mutation names a
 * node by a seed (taken modulo the number of nodes when it is applied) and says what to do
 * there. Applying them to a clone of a real fixture gives payloads that are almost right —
 * where decoders break — and shrinking leaves the fewest mutations that still break one.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Values that real producers get wrong, and values meant to hurt. */
const nastyNumber = fc.constantFrom(
  0, -0, -1, 1, 0.5, -1.5, 1e-300, 2 ** 31, -(2 ** 31), 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 63, 2 ** 64, 2 ** 64 * 1024,
  1e21, 1e300, -1e300, Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE,
);
const nastyString = fc.constantFrom(
  '', ' ', '0', '-1', '1.5', '1e3', '1e400', 'NaN', 'Infinity', '-Infinity', '0x10', ' 12', '12 ', '+1', '٣',
  '18446744073709551615', '18446744073709551616', '99999999999999999999999999999999', '-9223372036854775808',
  'null', 'true', '{}', '[]', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
  '00000000000000000000000000000000', '0000000000000000', 'ffffffffffffffffffffffffffffffff', 'FFFFFFFFFFFFFFFF',
  'AAAAAAAAAAAAAAAAAAAAAA==', 'AAAAAAAAAAA=', '////////////////////////', 'zzzz', 'g', '=', '==', 'a=b',
  'SPAN_KIND_SERVER', 'SPAN_KIND_', 'STATUS_CODE_ERROR', 'FOLLOWS_FROM', 'CHILD_OF', 'CLIENT', 'error', 'true',
  '\u0000', '\u001b[31mred', '\ud800', '\u202e', 'é'.repeat(3), '🙂',
);
/** Hex and base64 ids of every near-valid length, the way a broken producer writes them. */
const mangledId = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 0, maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefghxyzABZ+/=-_ '), minLength: 0, maxLength: 40 }),
  fc.uint8Array({ minLength: 0, maxLength: 20 }).map((b) => Buffer.from(b).toString('base64')),
  fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((n) => n.toString(16)),
);

const leaf: fc.Arbitrary<Json> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  nastyNumber,
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  nastyString,
  mangledId,
  fc.string({ maxLength: 12 }),
);

/** A small random JSON value: what replaces a node when it is retyped. */
export const smallJson: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: leaf },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('key', 'value', 'stringValue', 'intValue', 'spanId', 'traceId', 'spans', 'x'), leaf, { maxKeys: 3 }) },
);

export type Mutation =
  | { op: 'delete'; at: number }
  | { op: 'retype'; at: number; to: 'string' | 'number' | 'object' | 'array' | 'null' | 'boolean' }
  | { op: 'replace'; at: number; value: Json }
  | { op: 'id'; at: number; value: string }
  | { op: 'number'; at: number; value: number | string }
  | { op: 'duplicate'; at: number }
  | { op: 'long'; at: number; length: number }
  | { op: 'nest'; at: number; depth: number; style: 'array' | 'any-value'; anywhere: boolean };

const at = fc.nat();
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), at }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('retype' as const), at, to: fc.constantFrom('string', 'number', 'object', 'array', 'null', 'boolean') }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('replace' as const), at, value: smallJson }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('id' as const), at, value: mangledId }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('number' as const), at, value: fc.oneof(nastyNumber, nastyString) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('long' as const), at, length: fc.constantFrom(1_000, 100_000) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('nest' as const), at, depth: fc.constantFrom(50, 5_000, 50_000), style: fc.constantFrom('array' as const, 'any-value' as const), anywhere: fc.boolean() }) },
);

export const mutations = (maxLength = 6): fc.Arbitrary<Mutation[]> => fc.array(mutation, { minLength: 1, maxLength });

interface Slot {
  parent: Json[] | { [key: string]: Json };
  key: string | number;
  value: Json;
}

/** Every node below the root, depth first (iterative: a mutation may have nested deeply). */
function slots(root: Json): Slot[] {
  const out: Slot[] = [];
  const stack: Json[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Array.isArray(node)) {
      node.forEach((value, key) => {
        out.push({ parent: node, key, value });
        stack.push(value);
      });
    } else if (node !== null && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        out.push({ parent: node, key, value });
        stack.push(value);
      }
    }
  }
  return out;
}

/** Slots whose key says they hold an id, a time or a number: where mutations hurt most. */
const ID_KEY = /id$|^id|ID/i;
const NUMBER_KEY = /time|nano|duration|timestamp|value|code|kind|port/i;
/** Where attribute values, tags and log fields live. */
const VALUE_KEY = /^(value|values|tags|fields)$/;

function retype(value: Json, to: Extract<Mutation, { op: 'retype' }>['to']): Json {
  switch (to) {
    case 'string':
      return typeof value === 'string' ? value : jsonText(value);
    case 'number':
      return typeof value === 'string' ? Number(value) || value.length : typeof value === 'number' ? -value : Array.isArray(value) ? value.length : 1;
    case 'object':
      return Array.isArray(value) ? Object.fromEntries(value.map((v, i) => [String(i), v])) : { value };
    case 'array':
      return Array.isArray(value) ? [] : value !== null && typeof value === 'object' ? Object.values(value) : [value];
    case 'null':
      return null;
    case 'boolean':
      return !value;
  }
}

/** JSON text of a value, or a stand-in for one nested too deep to stringify. */
function jsonText(value: Json): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '[deep]';
  }
}

function set(slot: Slot, value: Json): void {
  (slot.parent as Record<string | number, Json>)[slot.key] = value;
}

/** Applies the mutations in order to a deep copy of `payload`. */
export function applyMutations(payload: unknown, list: readonly Mutation[]): unknown {
  let root = structuredClone(payload) as Json;
  for (const m of list) {
    const all = slots(root);
    if (all.length === 0) {
      if (m.op === 'replace') root = m.value;
      continue;
    }
    // Ids and numbers go where ids and numbers live, so they meet the code that reads them.
    const preferred =
      m.op === 'id'
        ? all.filter((s) => ID_KEY.test(String(s.key)))
        : m.op === 'number'
          ? all.filter((s) => NUMBER_KEY.test(String(s.key)))
          : m.op === 'nest' && !m.anywhere
            ? all.filter((s) => VALUE_KEY.test(String(s.key)))
            : all;
    const pool = preferred.length > 0 ? preferred : all;
    const slot = pool[m.at % pool.length]!;
    switch (m.op) {
      case 'delete':
        if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
        else Reflect.deleteProperty(slot.parent, slot.key);
        break;
      case 'retype':
        set(slot, retype(slot.value, m.to));
        break;
      case 'replace':
        set(slot, structuredClone(m.value));
        break;
      case 'id':
      case 'number':
        set(slot, m.value);
        break;
      case 'duplicate':
        // The same node twice, not a copy: decoders never write to their input, and a
        // node nested 50,000 deep cannot be cloned.
        if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 0, slot.value);
        else if (Array.isArray(slot.value)) set(slot, [...slot.value, ...slot.value]);
        else set(slot, [slot.value, slot.value]);
        break;
      case 'long':
        set(slot, typeof slot.value === 'string' ? slot.value.repeat(Math.ceil(m.length / Math.max(1, slot.value.length))) : 'x'.repeat(m.length));
        break;
      case 'nest':
        set(slot, nest(slot.value, m.depth, m.style));
        break;
    }
  }
  return root;
}

/**
 * `value` wrapped `depth` times in plain arrays, or in the two ways OTLP nests an AnyValue
 * (`{"arrayValue": {"values": [...]}}`, `{"kvlistValue": {"values": [{key, value}]}}`) in
 * turn, so every recursive reader meets it.
 */
function nest(value: Json, depth: number, style: 'array' | 'any-value'): Json {
  let v: Json = value !== null && typeof value === 'object' ? { stringValue: 'leaf' } : value;
  for (let i = 0; i < depth; i++) {
    if (style === 'array') v = [v];
    else v = i % 2 === 0 ? { arrayValue: { values: [v] } } : { kvlistValue: { values: [{ key: 'k', value: v }] } };
  }
  return v;
}
