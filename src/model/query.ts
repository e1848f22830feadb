import { UsageError } from './errors.js';
import type { AttributeValue, Ms, Span, Trace } from './span.js';
import { parseDuration } from './duration.js';
import { isErrorSpan } from './error-span.js';
import { numberAttribute } from './attributes.js';
import { keyAliases } from './semconv.js';
import { linearRegex, type LinearRegex } from './regex.js';

/**
 * `--where` conditions:
 * - `KEY=VALUE`, `KEY!=VALUE`; `KEY=a,b` is a set (any of them; `\,` is a comma in a value)
 * - `KEY>N`, `KEY<N`, `KEY>=N`, `KEY<=N` (numbers, or durations such as 250ms)
 * - `KEY~REGEX` (RE2 syntax, linear time)
 * - `KEY` alone: the span has it; `!KEY`: it has not.
 */
export interface Condition {
  key: string;
  op: '=' | '!=' | '>' | '<' | '>=' | '<=' | '~' | 'present' | 'absent';
  /** The value as typed (empty for present/absent). */
  value: string;
  /** `=`/`!=`: the values of a set, one when no comma was given. */
  values: string[];
  /** The value as a number when it is one (or a duration, in ms); a single value only. */
  numeric: number | null;
}

// Conditions are plain data (a plan crosses to worker threads): `~` patterns are compiled once per thread.
const compiled = new Map<string, LinearRegex>();

function conditionRegex(pattern: string): LinearRegex {
  let re = compiled.get(pattern);
  if (re === undefined) {
    re = linearRegex(pattern);
    compiled.set(pattern, re);
  }
  return re;
}

/**
 * Which traces a command looks at. Span-level conditions (service, operation, where) must
 * hold together on one span of the trace; trace-level ones on the trace.
 */
export interface TraceFilter {
  service?: string;
  operation?: string;
  where: Condition[];
  minDurationMs?: Ms;
  maxDurationMs?: Ms;
  /** Only traces holding at least one error span. */
  errors?: boolean;
}

const SYNTAX = 'write KEY=VALUE, KEY=A,B, KEY!=VALUE, KEY>N, KEY>=N, KEY<N, KEY<=N, KEY~REGEX, KEY (present) or !KEY (absent)';

export function parseCondition(expr: string): Condition {
  const bare = /^\s*(!?)\s*([^=!<>~,\s\p{C}]+)\s*$/u.exec(expr);
  if (bare) return { key: bare[2]!, op: bare[1] === '!' ? 'absent' : 'present', value: '', values: [], numeric: null };
  // The first operator after a non-empty key: keys are dotted names and never contain one.
  const match = /^([^=!<>~]+?)\s*(!=|>=|<=|=|>|<|~)\s*(.*)$/s.exec(expr);
  if (!match) throw new UsageError(`--where "${expr}" is not a condition: ${SYNTAX}`);
  const op = match[2] as Condition['op'];
  const key = match[1]!.trim();
  const value = match[3]!;
  if (op === '~') {
    try {
      conditionRegex(value);
    } catch {
      throw new UsageError(`--where "${expr}": "${value}" is not a valid regular expression (RE2 syntax: no backreferences or lookaround)`);
    }
  }
  const values = op === '=' || op === '!=' ? splitSet(value) : [value];
  const numeric = values.length === 1 ? toNumber(values[0]!) : null;
  if ((op === '>' || op === '<' || op === '>=' || op === '<=') && numeric === null) {
    throw new UsageError(`--where "${expr}": ${op} needs a number or a duration such as 250ms`);
  }
  return { key, op, value, values, numeric };
}

/** `a,b` → [a, b]; `a\,b` is the one value `a,b`. */
function splitSet(value: string): string[] {
  if (!value.includes(',')) return [value];
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && value[i + 1] === ',') {
      current += ',';
      i++;
    } else if (ch === ',') {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out;
}

/** A value compared as a number: a number, or a duration such as 250ms (in ms). */
function toNumber(value: string): number | null {
  return numberAttribute(value) ?? parseDuration(value);
}

/**
 * The attribute a condition names: span attributes first, then the resource's, each under
 * the key or a name the semantic conventions gave it before or after (semconv.ts);
 * `status`, `kind`, `name`, `service` too.
 */
export function lookupKey(span: Span, key: string): AttributeValue | undefined {
  const direct = lookupExact(span, key);
  if (direct !== undefined) return direct;
  for (const alias of keyAliases(key)) {
    const value = lookupExact(span, alias);
    if (value !== undefined) return value;
  }
  switch (key) {
    case 'name':
      return span.name;
    case 'service':
      return span.service;
    case 'status':
      return span.status;
    case 'kind':
      return span.kind;
    default:
      return undefined;
  }
}

function lookupExact(span: Span, key: string): AttributeValue | undefined {
  if (key in span.attributes) return span.attributes[key];
  if (key in span.resource) return span.resource[key];
  return undefined;
}

export function spanMatchesCondition(span: Span, c: Condition): boolean {
  const actual = lookupKey(span, c.key);
  const missing = actual === undefined || actual === null;
  if (c.op === 'present' || c.op === 'absent') return missing === (c.op === 'absent');
  if (missing) return c.op === '!=';
  const text = typeof actual === 'object' ? JSON.stringify(actual) : String(actual);
  switch (c.op) {
    case '~':
      return conditionRegex(c.value).test(text);
    case '=':
    case '!=': {
      const actualNumber = typeof actual === 'number' ? actual : toNumber(text);
      const equal = c.values.some((v) => {
        const wanted = c.values.length === 1 ? c.numeric : toNumber(v);
        return wanted !== null && actualNumber !== null ? actualNumber === wanted : text === v;
      });
      return c.op === '=' ? equal : !equal;
    }
    default: {
      const actualNumber = typeof actual === 'number' ? actual : toNumber(text);
      if (actualNumber === null) return false;
      const n = c.numeric!;
      return c.op === '>' ? actualNumber > n : c.op === '<' ? actualNumber < n : c.op === '>=' ? actualNumber >= n : actualNumber <= n;
    }
  }
}

function spanMatches(span: Span, f: TraceFilter): boolean {
  if (f.service !== undefined && span.service !== f.service) return false;
  if (f.operation !== undefined && span.name !== f.operation) return false;
  return f.where.every((c) => spanMatchesCondition(span, c));
}

export function hasSpanConditions(f: TraceFilter): boolean {
  return f.service !== undefined || f.operation !== undefined || f.where.length > 0;
}

export function traceMatches(trace: Trace, f: TraceFilter): boolean {
  if (f.minDurationMs !== undefined && trace.durationMs < f.minDurationMs) return false;
  if (f.maxDurationMs !== undefined && trace.durationMs > f.maxDurationMs) return false;
  if (f.errors && !trace.spans.some(isErrorSpan)) return false;
  if (hasSpanConditions(f) && !trace.spans.some((s) => spanMatches(s, f))) return false;
  return true;
}
