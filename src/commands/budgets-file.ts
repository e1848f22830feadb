import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { UsageError } from '../model/errors.js';
import type { SpanKind } from '../model/span.js';
import { DEFAULT_MIN_SAMPLES, metricUnit, type LlmStat, type Assertion, type Budget, type BudgetFile, type BudgetSelect, type Metric, type OnMissing, type Operator, type Unit } from '../analyze/budget-spec.js';
import { INSIGHT_PATTERNS, type InsightPattern } from '../analyze/insights.js';
import { parseDuration } from '../model/duration.js';
import { parseCondition } from '../model/query.js';

/**
 * The budgets file of `tracectl check` (README "CI gate"): YAML, version 1.
 *
 * ```yaml
 * version: 1
 * defaults: { min_samples: 20, on_missing: fail, regression: 10% }
 * budgets:
 *   - name: chat endpoint
 *     select: { service: gateway, name: "POST /v1/chat*", root: true }
 *     assert: ["p(95) < 1.2s", "error_rate < 1%"]
 * ```
 *
 * Parsed from the YAML node tree rather than from plain JS values so that every message
 * can name the line it is about (`budgets.yaml:7: unknown metric "p95" (use p(95))`).
 * Every mistake is a `UsageError` (exit 2): a CI gate that quietly ignores a typo in its
 * configuration is worse than one that refuses to run. Unknown keys are mistakes too.
 */

const METRIC_LIST = 'p(N), avg, min, max, med, count, error_rate, hit_ratio, critical_share, count_per_trace, sum(ATTR)_per_trace, findings(PATTERN), findings_rate(PATTERN), ttft.STAT, tokens_per_request.STAT, cost_per_request.STAT, llm_error_rate, rate_limit_rate';
const SPAN_KINDS: readonly SpanKind[] = ['server', 'client', 'producer', 'consumer', 'internal', 'unspecified'];
const TOP_KEYS = ['version', 'defaults', 'budgets'];
const DEFAULT_KEYS = ['min_samples', 'on_missing', 'regression'];
const BUDGET_KEYS = ['name', 'select', 'assert', 'min_samples', 'on_missing', 'regression'];
const SELECT_KEYS = ['service', 'name', 'kind', 'root', 'where'];

/**
 * What a budgets file may hold. Aliases let a small file name the same long list thousands
 * of times (4,000 budgets through one alias to 4,000 conditions took 41 s and 1.8 GB), so the
 * lists are bounded as they are expanded, far above what a CI gate needs.
 */
export const BUDGET_LIMITS = { budgets: 1000, conditions: 100, assertions: 100, aliases: 1000 };

/** Parses and validates a budgets file; `file` is the name messages use. Throws `UsageError`. */
export function parseBudgetFile(text: string, file: string): BudgetFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lines.linePos(offset).line);
  const fail = (offset: number | undefined, message: string): never => {
    throw new UsageError(`${file}:${lineOf(offset)}: ${message}`);
  };
  const firstError = doc.errors[0];
  // The yaml parser recurses per level and reports the stack running out as an error of the text.
  if (firstError && /call stack/i.test(firstError.message)) fail(firstError.pos[0], 'the YAML is nested too deeply to read: a budgets file needs only a few levels');
  if (firstError) fail(firstError.pos[0], `YAML syntax error: ${firstError.message.replace(/\s+/g, ' ').trim()}`);

  const reader = new NodeReader(doc, fail);
  const root = reader.resolve(doc.contents);
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    fail(0, 'the file is empty: it needs "version: 1" and a "budgets:" list');
  }
  const top = reader.map(root, 'the file', TOP_KEYS);

  const version = top.get('version');
  if (!version) fail(0, 'missing "version: 1" at the top of the file');
  else if (reader.scalar(version.value) !== 1) fail(version.offset, `version ${JSON.stringify(reader.scalar(version.value))} is not supported: this tracectl reads version 1`);

  let defaultMinSamples = DEFAULT_MIN_SAMPLES;
  let defaultOnMissing: OnMissing = 'fail';
  let defaultRegression: number | null = null;
  const defaults = top.get('defaults');
  if (defaults) {
    const d = reader.map(defaults.value, '"defaults"', DEFAULT_KEYS);
    const minSamples = d.get('min_samples');
    if (minSamples) defaultMinSamples = reader.minSamples(minSamples.value);
    const onMissing = d.get('on_missing');
    if (onMissing) defaultOnMissing = reader.onMissing(onMissing.value);
    const regression = d.get('regression');
    if (regression) defaultRegression = reader.percentage(regression.value, 'regression');
  }

  const list = top.get('budgets');
  if (!list) fail(0, 'missing "budgets:": list the budgets to check');
  if (!isSeq(reader.resolve(list!.value))) fail(list!.offset, '"budgets" must be a list of budgets, each starting with "- name: …"');
  const items = (reader.resolve(list!.value) as { items: unknown[] }).items;
  if (items.length === 0) fail(list!.offset, '"budgets" is empty: a gate with nothing to check would always pass');
  if (items.length > BUDGET_LIMITS.budgets) fail(list!.offset, `"budgets" lists ${items.length} budgets: at most ${BUDGET_LIMITS.budgets} are read; split the file`);

  const seen = new Map<string, number>();
  const budgets = items.map((item): Budget => {
    const node = reader.resolve(item);
    const b = reader.map(node, 'a budget', BUDGET_KEYS);
    const at = reader.offset(node);
    const nameEntry = b.get('name');
    if (!nameEntry) fail(at, 'this budget has no "name": give each budget a name, it is how results are reported');
    const name = reader.string(nameEntry!.value, '"name"').trim();
    if (name === '') fail(nameEntry!.offset, 'a budget name cannot be empty');
    const earlier = seen.get(name);
    if (earlier !== undefined) fail(nameEntry!.offset, `budget name "${name}" is already used on line ${earlier}: names must be unique (a baseline is matched by name)`);
    seen.set(name, lineOf(at));

    const assertEntry = b.get('assert');
    if (!assertEntry) fail(at, `budget "${name}" has no "assert": add e.g. assert: ["p(95) < 500ms"]`);
    const assertNode = reader.resolve(assertEntry!.value);
    const assertNodes = isSeq(assertNode) ? assertNode.items.map((n) => reader.resolve(n)) : [assertNode];
    if (assertNodes.length === 0) fail(assertEntry!.offset, `budget "${name}" has an empty "assert" list`);
    if (assertNodes.length > BUDGET_LIMITS.assertions) fail(assertEntry!.offset, `budget "${name}" has ${assertNodes.length} assertions: at most ${BUDGET_LIMITS.assertions} are read`);
    const assertions = assertNodes.map((n) => {
      const textValue = reader.string(n, 'an assertion');
      return parseAssertion(textValue, lineOf(reader.offset(n) ?? assertEntry!.offset), file);
    });

    const selectEntry = b.get('select');
    const { select, selectText } = selectEntry ? readSelect(reader, selectEntry.value, fail) : { select: { where: [] }, selectText: {} };

    const minSamples = b.get('min_samples');
    const onMissing = b.get('on_missing');
    const regression = b.get('regression');
    return {
      name,
      line: lineOf(at),
      select,
      selectText,
      assertions,
      minSamples: minSamples ? reader.minSamples(minSamples.value) : defaultMinSamples,
      onMissing: onMissing ? reader.onMissing(onMissing.value) : defaultOnMissing,
      regression: regression ? reader.percentage(regression.value, 'regression') : null,
    };
  });
  return { file, budgets, defaultRegression };
}

function readSelect(reader: NodeReader, value: unknown, fail: (offset: number | undefined, message: string) => never): { select: BudgetSelect; selectText: Record<string, unknown> } {
  const node = reader.resolve(value);
  // `select:` with nothing after it is an empty select: every trace's root.
  if (isScalar(node) && node.value === null) return { select: { where: [] }, selectText: {} };
  const s = reader.map(node, '"select"', SELECT_KEYS);
  const select: BudgetSelect = { where: [] };
  const service = s.get('service');
  if (service) select.service = reader.string(service.value, '"service"');
  const name = s.get('name');
  if (name) select.name = reader.string(name.value, '"name"');
  const kind = s.get('kind');
  if (kind) {
    const text = reader.string(kind.value, '"kind"').trim().toLowerCase() as SpanKind;
    if (!SPAN_KINDS.includes(text)) fail(kind.offset, `kind "${reader.scalar(kind.value)}" is not a span kind: use one of ${SPAN_KINDS.join(', ')}`);
    select.kind = text;
  }
  const root = s.get('root');
  if (root) {
    const flag = reader.scalar(root.value);
    if (typeof flag !== 'boolean') fail(root.offset, `root must be true or false, not ${JSON.stringify(flag)}`);
    select.root = flag as boolean;
  }
  const where = s.get('where');
  if (where) {
    const whereNode = reader.resolve(where.value);
    const nodes = isSeq(whereNode) ? whereNode.items : [whereNode];
    if (nodes.length > BUDGET_LIMITS.conditions) fail(where.offset, `"where" lists ${nodes.length} conditions: at most ${BUDGET_LIMITS.conditions} are read`);
    select.where = nodes.map((item) => {
      const n = reader.resolve(item);
      const expr = reader.string(n, 'a "where" condition');
      try {
        return parseCondition(expr);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return fail(reader.offset(n) ?? where.offset, message.replace(/^--where /, 'where '));
      }
    });
  }
  return { select, selectText: reader.plain(s.node, value) };
}

interface Entry {
  value: unknown;
  /** Offset of the key, for messages about the entry. */
  offset: number | undefined;
}

/** Typed access to YAML nodes that names the line of anything wrong. */
class NodeReader {
  constructor(
    private readonly doc: Document,
    private readonly fail: (offset: number | undefined, message: string) => never,
  ) {}

  resolve(value: unknown): Node | null {
    if (value === null || value === undefined) return null;
    if (isAlias(value)) return (value.resolve(this.doc) as Node | undefined) ?? null;
    return value as Node;
  }

  /** A node as plain values, its aliases expanded within `BUDGET_LIMITS.aliases` (yaml's own guard). */
  plain(node: Node, at: unknown): Record<string, unknown> {
    try {
      return node.toJS(this.doc, { maxAliasCount: BUDGET_LIMITS.aliases }) as Record<string, unknown>;
    } catch (error) {
      if (!(error instanceof ReferenceError)) throw error;
      return this.fail(this.offset(this.resolve(at)), `aliases here expand to more than yaml's limit of ${BUDGET_LIMITS.aliases} nodes: write the list out, or make it shorter`);
    }
  }

  offset(node: unknown): number | undefined {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range?.[0];
  }

  /** A map's entries by key; unknown keys are refused with the list of known ones. */
  map(value: unknown, what: string, known: readonly string[]): { get(key: string): Entry | undefined; node: Node } {
    const node = this.resolve(value);
    if (!isMap(node)) return this.fail(this.offset(node), `${what} must be a map of keys (${known.join(', ')})`);
    const entries = new Map<string, Entry>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const offset = this.offset(pair.key);
      if (!known.includes(key)) {
        const near = known.find((k) => k.replace(/_/g, '') === key.replace(/[-_]/g, '').toLowerCase() || `${k}s` === key || k === `${key}s`);
        this.fail(offset, `unknown key "${key}" in ${what}${near ? ` (did you mean "${near}"?)` : `: use ${known.join(', ')}`}`);
      }
      entries.set(key, { value: pair.value, offset });
    }
    return { get: (key) => entries.get(key), node };
  }

  scalar(value: unknown): unknown {
    const node = this.resolve(value);
    return isScalar(node) ? node.value : undefined;
  }

  string(value: unknown, what: string): string {
    const node = this.resolve(value);
    if (!isScalar(node) || node.value === null || typeof node.value === 'object') {
      return this.fail(this.offset(node), `${what} must be text${isSeq(node) ? ', not a list' : isMap(node) ? ', not a map (quote it if it contains ": ")' : ''}`);
    }
    return String(node.value);
  }

  minSamples(value: unknown): number {
    const v = this.scalar(value);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      return this.fail(this.offset(this.resolve(value)), `min_samples must be a whole number of at least 1, not ${JSON.stringify(v ?? null)}`);
    }
    return v;
  }

  onMissing(value: unknown): OnMissing {
    const v = this.scalar(value);
    if (v !== 'fail' && v !== 'skip') return this.fail(this.offset(this.resolve(value)), `on_missing must be fail or skip, not ${JSON.stringify(v ?? null)}`);
    return v;
  }

  percentage(value: unknown, what: string): number {
    const v = this.scalar(value);
    const share = typeof v === 'string' ? parsePercentage(v) : null;
    if (share === null || share < 0) return this.fail(this.offset(this.resolve(value)), `${what} must be a percentage such as 10%, not ${JSON.stringify(v ?? null)}`);
    return share;
  }
}

/** `10%` → 0.1; null when the text is not a percentage. */
export function parsePercentage(text: string): number | null {
  const m = /^\s*(-?(?:\d+(?:\.\d+)?|\.\d+))\s*%\s*$/.exec(text);
  return m ? Number(m[1]) / 100 : null;
}

const OPERATOR = /^(.*?)\s*(<=|>=|==|=<|=>|!=|<|>|=)\s*(.*)$/s;

/**
 * One k6-style assertion, `METRIC OP VALUE`. `line` and `file` are only for messages.
 * Values: a duration (`250ms`, `1.2s`), a percentage (`1%`) or a number (`3`), which
 * must match the metric's unit; a bare number is not read as milliseconds (k6 does), so
 * `p(95) < 200` is refused rather than guessed at.
 */
export function parseAssertion(text: string, line: number, file: string): Assertion {
  const fail = (message: string): never => {
    throw new UsageError(`${file}:${line}: ${message}`);
  };
  const trimmed = text.trim();
  const m = OPERATOR.exec(trimmed);
  if (!m || m[1] === '' || m[3] === '') fail(`"${trimmed}" is not an assertion: write METRIC OP VALUE, e.g. "p(95) < 1.2s"`);
  const [, metricText, opText, valueText] = m!;
  if (opText === '=') fail(`"${trimmed}": use == to compare for equality`);
  if (opText === '!=') fail(`"${trimmed}": != is not supported: use <, <=, >, >= or ==`);
  if (opText === '=<' || opText === '=>') fail(`"${trimmed}": write ${opText === '=<' ? '<=' : '>='} instead of ${opText}`);
  const op = opText as Operator;
  const { metric, name } = parseMetric(metricText!.trim(), fail);
  const unit = metricUnit(metric);
  const value = valueText!.trim();
  const limit = parseLimit(value, unit, name, trimmed, fail);
  return { text: trimmed, metric, metricName: name, op, limit, limitText: value, unit, line };
}

function parseMetric(text: string, fail: (message: string) => never): { metric: Metric; name: string } {
  const percentileMatch = /^p\s*\(\s*([^)]*?)\s*\)$/i.exec(text);
  if (percentileMatch) {
    const p = Number(percentileMatch[1]);
    if (percentileMatch[1] === '' || !Number.isFinite(p) || p < 0 || p > 100) fail(`"${text}": a percentile must be between 0 and 100, as in p(95) or p(99.9)`);
    return { metric: { kind: 'percentile', p }, name: `p(${p})` };
  }
  const llmMatch = /^(ttft|tokens_per_request|cost_per_request)\s*\.\s*(.+)$/i.exec(text);
  if (llmMatch) {
    const of = llmMatch[1]!.toLowerCase() as 'ttft' | 'tokens_per_request' | 'cost_per_request';
    const statText = llmMatch[2]!.trim().toLowerCase();
    const p = /^p\s*\(\s*(\d+(?:\.\d+)?)\s*\)$/.exec(statText);
    let stat: LlmStat;
    if (p && Number(p[1]) <= 100) stat = { kind: 'percentile', p: Number(p[1]) };
    else if (statText === 'avg' || statText === 'min' || statText === 'max' || statText === 'med') stat = { kind: statText };
    else return fail(`"${text}": ${of} takes a statistic: ${of}.p(95), ${of}.avg, ${of}.max, ${of}.med or ${of}.min`);
    return { metric: { kind: 'llm', of, stat }, name: `${of}.${stat.kind === 'percentile' ? `p(${stat.p})` : stat.kind}` };
  }
  const findingsMatch = /^(findings|findings_rate)\s*\(\s*([^()\s]*)\s*\)$/i.exec(text);
  if (findingsMatch) {
    const kind = findingsMatch[1]!.toLowerCase() as 'findings' | 'findings_rate';
    const pattern = findingsMatch[2]!.toLowerCase();
    if (!(INSIGHT_PATTERNS as readonly string[]).includes(pattern)) fail(`"${text}": "${findingsMatch[2]}" is not an anti-pattern: use one of ${INSIGHT_PATTERNS.join(', ')}`);
    return { metric: { kind, pattern: pattern as InsightPattern }, name: `${kind}(${pattern})` };
  }
  const sumMatch = /^sum\s*\(\s*([^()\s]+)\s*\)_per_trace$/i.exec(text);
  if (sumMatch) return { metric: { kind: 'sum_per_trace', attribute: sumMatch[1]! }, name: `sum(${sumMatch[1]})_per_trace` };
  const lower = text.toLowerCase();
  const plain = ['avg', 'min', 'max', 'med', 'count', 'error_rate', 'hit_ratio', 'critical_share', 'count_per_trace', 'llm_error_rate', 'rate_limit_rate'] as const;
  const found = plain.find((k) => k === lower);
  if (found) return { metric: { kind: found }, name: found };
  return fail(`unknown metric "${text}" (${metricHint(text)})`);
}

function metricHint(text: string): string {
  const lower = text.toLowerCase().replace(/\s+/g, '');
  const p = /^p(\d+(?:\.\d+)?)$/.exec(lower);
  if (p) return `use p(${p[1]})`;
  const sum = /^sum\(([^()]+)\)$/.exec(lower);
  if (sum) return `use sum(${text.trim().slice(4, -1).trim()})_per_trace`;
  const aliases: Record<string, string> = {
    mean: 'avg',
    average: 'avg',
    median: 'med',
    minimum: 'min',
    maximum: 'max',
    rate: 'error_rate',
    errors: 'error_rate',
    error_ratio: 'error_rate',
    errorrate: 'error_rate',
    hit_rate: 'hit_ratio',
    hitrate: 'hit_ratio',
    hits: 'hit_ratio',
    cache_hit_ratio: 'hit_ratio',
    critical_path: 'critical_share',
    calls_per_trace: 'count_per_trace',
    per_trace: 'count_per_trace',
  };
  const alias = aliases[lower.replace(/-/g, '_')];
  return alias ? `use ${alias}` : `use one of ${METRIC_LIST}`;
}

function parseLimit(value: string, unit: Unit, metric: string, assertion: string, fail: (message: string) => never): number {
  const percent = parsePercentage(value);
  const duration = parseDuration(value);
  const number = /^-?(\d+(\.\d+)?|\.\d+)(e[+-]?\d+)?$/i.test(value) ? Number(value) : null;
  const given: Unit | null = percent !== null ? 'ratio' : duration !== null ? 'duration' : number !== null ? 'number' : null;
  if (given === null) {
    if (/^\d+(\.\d+)?[a-zµ]+$/i.test(value)) fail(`"${assertion}": "${value}" is not a duration: write e.g. 250ms, 1.5s, 2m or 1h`);
    fail(`"${assertion}": "${value}" is not a duration, a percentage or a number`);
  }
  if (given !== unit) {
    const want: Record<Unit, string> = {
      duration: 'is a duration: write the limit as one, e.g. 250ms or 1.2s',
      ratio: 'is a share: write the limit as a percentage, e.g. 1% or 35%',
      number: 'is a number: write the limit without a unit, e.g. 3',
    };
    fail(`"${assertion}": ${metric} ${want[unit]}`);
  }
  return given === 'ratio' ? percent! : given === 'duration' ? duration! : number!;
}
