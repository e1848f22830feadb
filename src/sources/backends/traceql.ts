import type { Condition, TraceFilter } from '../../model/query.js';
import { keyAliases } from '../../model/semconv.js';
import { goDuration } from './pushdown.js';

/**
 * tracectl's filter as a TraceQL query for Tempo's `/api/search`.
 *
 * Span-level conditions (service, operation, `--where` equalities) go into one spanset,
 * so they must hold on one span, as tracectl requires; "has an error span" and the trace
 * duration are spansets of their own, joined with `&&` (the trace must hold both):
 *
 *   { resource.service.name = "gateway" && name = "POST /v1/ask" } && { status = error } && { traceDuration >= 2s }
 *
 * `--max-duration` is not pushed down: Tempo's trace duration spans every span, asynchronous
 * followers included, which tracectl's leaves out, so `traceDuration <= X` would drop traces
 * tracectl keeps. (`>=` is safe the other way round.) Conditions TraceQL cannot say exactly
 * (`!=`, `>`, `<`, regular expressions) stay with the local filter.
 */
export function buildTraceql(filter: TraceFilter, bounds: { minTraceDurationMs?: number } = {}): string {
  const span: string[] = [];
  if (filter.service !== undefined) span.push(`resource.service.name = ${traceqlString(filter.service)}`);
  if (filter.operation !== undefined) span.push(`name = ${traceqlString(filter.operation)}`);
  for (const c of filter.where) {
    const clause = whereClause(c);
    if (clause !== null) span.push(clause);
  }
  const parts: string[] = [];
  if (span.length > 0) parts.push(`{ ${span.join(' && ')} }`);
  if (filter.errors) parts.push('{ status = error }');
  const min = Math.max(filter.minDurationMs ?? 0, bounds.minTraceDurationMs ?? 0);
  if (min > 0) parts.push(`{ traceDuration >= ${goDuration(min)} }`);
  return parts.length === 0 ? '{}' : parts.join(' && ');
}

/** `{ resource.service.name = "S" }`: the spans of one service (Tempo's tag-values scope). */
export function serviceScope(service: string): string {
  return `{ resource.service.name = ${traceqlString(service)} }`;
}

const STATUSES: ReadonlySet<string> = new Set(['ok', 'error', 'unset']);
const KINDS: ReadonlySet<string> = new Set(['server', 'client', 'producer', 'consumer', 'internal', 'unspecified']);

function whereClause(c: Condition): string | null {
  if (c.op !== '=' || c.values.length !== 1) return null;
  switch (c.key) {
    case 'service':
      return `resource.service.name = ${traceqlString(c.value)}`;
    case 'name':
      return `name = ${traceqlString(c.value)}`;
    case 'status':
      return STATUSES.has(c.value) ? `status = ${c.value}` : null;
    case 'kind':
      return KINDS.has(c.value) ? `kind = ${c.value}` : null;
  }
  const keys = [c.key, ...keyAliases(c.key)];
  const clauses = keys.map((key) => attributeClause(key, c));
  if (clauses.some((clause) => clause === null)) return null;
  // A renamed semantic-convention key matches under either name, as it does locally.
  return clauses.length === 1 ? clauses[0]! : `(${clauses.join(' || ')})`;
}

function attributeClause(key: string, c: Condition): string | null {
  const attribute = traceqlAttribute(key);
  // TraceQL compares typed values; tracectl compares `500` and "500" (and true and "true") as equal.
  if (c.value === 'true' || c.value === 'false') return `(${attribute} = ${c.value} || ${attribute} = ${traceqlString(c.value)})`;
  if (c.numeric !== null) {
    if (String(Number(c.value)) !== c.value) return null; // `1s` or `500.0`: equal to other spellings locally
    return `(${attribute} = ${c.value} || ${attribute} = ${traceqlString(c.value)})`;
  }
  return `${attribute} = ${traceqlString(c.value)}`;
}

/** An unscoped attribute (span or resource, as tracectl looks it up), quoted when its name needs it. */
export function traceqlAttribute(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(key) && !key.endsWith('.') ? `.${key}` : `.${traceqlString(key)}`;
}

/** A double-quoted TraceQL string with `\` and `"` (and control characters) escaped. */
export function traceqlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default:
        out += ch;
    }
  }
  return `${out}"`;
}
