import { UsageError } from './errors.js';
import type { AttributeValue, Ms, Span, Trace } from './span.js';
import { parseDuration } from './duration.js';
import { isErrorSpan } from './error-span.js';
import { numberAttribute } from './attributes.js';

/** `--where KEY=VALUE` and friends. */
export interface Condition {
  key: string;
  op: '=' | '!=' | '>' | '<' | '~';
  value: string;
  /** The value as a number when it is one (or a duration, in ms). */
  numeric: number | null;
  regex: RegExp | null;
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

const OPERATORS = ['!=', '>', '<', '~', '='] as const;

export function parseCondition(expr: string): Condition {
  // The first operator after a non-empty key: keys are dotted names and never contain one.
  const match = /^([^=!<>~]+?)\s*(!=|=|>|<|~)\s*(.*)$/s.exec(expr);
  const op = match?.[2] as Condition['op'] | undefined;
  if (!match || !op || !OPERATORS.includes(op)) {
    throw new UsageError(`--where "${expr}" is not a condition: write KEY=VALUE, KEY!=VALUE, KEY>N, KEY<N or KEY~REGEX`);
  }
  const key = match[1]!.trim();
  const value = match[3]!;
  let regex: RegExp | null = null;
  if (op === '~') {
    try {
      regex = new RegExp(value);
    } catch {
      throw new UsageError(`--where "${expr}": "${value}" is not a valid regular expression`);
    }
  }
  const numeric = toNumber(value);
  if ((op === '>' || op === '<') && numeric === null) {
    throw new UsageError(`--where "${expr}": ${op} needs a number or a duration such as 250ms`);
  }
  return { key, op, value, numeric, regex };
}

/** A value compared as a number: a number, or a duration such as 250ms (in ms). */
function toNumber(value: string): number | null {
  return numberAttribute(value) ?? parseDuration(value);
}

/** The attribute a condition names: span attributes first, then the resource's; `status`, `kind`, `name`, `service` too. */
function lookup(span: Span, key: string): AttributeValue | undefined {
  if (key in span.attributes) return span.attributes[key];
  if (key in span.resource) return span.resource[key];
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

export function spanMatchesCondition(span: Span, c: Condition): boolean {
  const actual = lookup(span, c.key);
  if (actual === undefined || actual === null) return c.op === '!=';
  const text = typeof actual === 'object' ? JSON.stringify(actual) : String(actual);
  switch (c.op) {
    case '~':
      return c.regex!.test(text);
    case '=':
    case '!=': {
      const actualNumber = typeof actual === 'number' ? actual : toNumber(text);
      const equal = c.numeric !== null && actualNumber !== null ? actualNumber === c.numeric : text === c.value;
      return c.op === '=' ? equal : !equal;
    }
    case '>':
    case '<': {
      const actualNumber = typeof actual === 'number' ? actual : toNumber(text);
      if (actualNumber === null) return false;
      return c.op === '>' ? actualNumber > c.numeric! : actualNumber < c.numeric!;
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
