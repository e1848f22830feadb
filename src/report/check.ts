import type { Unit } from '../analyze/budget-spec.js';
import type { Breakdown, BudgetResult, CheckReport, OperationChange, ResultStatus } from '../analyze/budgets.js';
import { fitColumns, type FitColumn } from './columns.js';
import { formatNumber, formatShare } from './format.js';
import { cleanAndTruncate, cleanText } from './sanitize.js';
import { palette, type RenderContext } from './style.js';
import { renderTable } from './table.js';
import { warningLines } from './warnings.js';
import { formatDuration } from '../model/duration.js';
import { plural } from '../model/text.js';

/**
 * Renderers of `tracectl check`: the terminal table with the failures explained, and the
 * sentences every format shares (the `--json` body, GitHub annotations, JUnit and Markdown
 * live beside this file).
 * The sentences that explain a result are built once here (`explain`) and shared by every
 * format, so the terminal, the JUnit message and the annotation say the same thing.
 */

const NAME_MAX = 120;
/** Operations shown per critical-path breakdown. */
const BREAKDOWN_ROWS = 6;

/** A value in its metric's unit, as people read it: `1.53s`, `39.4%`, `3`, `4812.5`, `0.000985`; every check format prints through this. */
export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return '-';
  if (unit === 'duration') return formatDuration(value);
  if (unit === 'ratio') return formatShare(value, true);
  return formatNumber(value);
}

/** A difference in the metric's unit: `330ms`, `2.3 pts`, `2`. */
function formatDifference(diff: number, unit: Unit): string {
  if (unit === 'ratio') return `${formatShare(Math.abs(diff), true).replace('%', '')} pts`;
  return formatValue(Math.abs(diff), unit);
}

export function formatLimit(r: BudgetResult): string {
  return r.limitText ?? formatValue(r.limit, r.unit);
}


/** The short cell that says by how much or why: `330ms over`, `3 of 20 samples`. */
export function resultDetail(r: BudgetResult): string {
  switch (r.reason) {
    case 'met':
      return '';
    case 'broken': {
      const diff = formatDifference(r.actual! - r.limit, r.unit);
      if (r.op === '==') return `off by ${diff}`;
      return `${diff} ${r.op.startsWith('<') ? 'over' : 'under'}`;
    }
    case 'too-few-samples':
      return `${r.samples} of ${r.minSamples} samples`;
    case 'no-data':
      return noDataCell(r);
    case 'regressed':
    case 'within-regression':
      return relativeChange(r).replace(/ than$/, '').replace(/^the same as$/, 'unchanged');
  }
}

const percent = formatShare;

/** `34% worse than`, `5.2% better than`, `the same as`, `worse than` (from 0): worse is the assertion's bad direction. */
function relativeChange(r: BudgetResult): string {
  const change = r.change!;
  if (change === Infinity) return 'worse than';
  if (Math.abs(change) < 0.0005) return 'the same as';
  return `${percent(Math.abs(change))} ${change > 0 ? 'worse' : 'better'} than`;
}

function noDataCell(r: BudgetResult): string {
  if (r.metric === 'hit_ratio') return 'no cache lookups';
  const sum = /^sum\((.*)\)_per_trace$/.exec(r.metric);
  if (sum) return `no ${sum[1]} values`;
  return 'no data';
}

/**
 * One sentence saying what happened to a result, for messages: the JUnit failure message,
 * the annotation, the heading of a failure on the terminal. Holds text from the budgets
 * file; clean it before it reaches a terminal.
 */
export function explain(r: BudgetResult): string {
  const actual = r.actual === null ? null : formatValue(r.actual, r.unit);
  const samples = `${plural(r.samples, 'sample')} in ${plural(r.traces, 'trace')}`;
  switch (r.reason) {
    case 'met':
      return `${r.metric} is ${actual} (limit ${r.op} ${formatLimit(r)}; ${samples})`;
    case 'broken': {
      const side = r.op === '==' ? `not ${formatLimit(r)}` : `${r.op.startsWith('<') ? 'over' : 'under'} the limit of ${formatLimit(r)} by ${formatDifference(r.actual! - r.limit, r.unit)}`;
      return `${r.metric} is ${actual}, ${side} (${samples})`;
    }
    case 'too-few-samples':
      return `${r.samples === 0 ? 'no span matches the select' : `only ${plural(r.samples, 'matching span')}, fewer than min_samples ${r.minSamples}`}${r.status === 'skip' ? ': skipped (on_missing: skip)' : ''}`;
    case 'no-data': {
      const what = noDataCell(r).replace(/^no /, '');
      const where = r.metric === 'hit_ratio' || r.metric.startsWith('sum(') ? ` among ${plural(r.samples, 'selected span')}` : '';
      return `no ${what}${where}, so ${r.metric} has no value${r.status === 'skip' ? ': skipped (on_missing: skip)' : ''}`;
    }
    case 'regressed':
    case 'within-regression':
      return `${r.metric} is ${actual}, ${relativeChange(r)} ${formatValue(r.baseline!, r.unit)} in the baseline (allowed: ${percent(r.maxRegression!)} worse)`;
  }
}

/** The lines under a failure: worst traces, the critical path of the worst, what grew. Plain text. */
export function failureLines(r: BudgetResult, width: number): string[] {
  const lines: string[] = [];
  if (r.attribution && r.attribution.length > 0) {
    lines.push('critical-path time per sample that grew the most:');
    lines.push(...attributionTable(r.attribution, width));
  } else if (r.kind === 'regression') {
    lines.push('no operation’s critical-path time per sample grew (the baseline has no breakdown to compare with, or the change is spread out)');
  }
  if (r.worstTraces.length > 0) {
    lines.push(`worst ${r.worstTraces.length === 1 ? 'trace' : 'traces'}:`);
    const values = r.worstTraces.map((t) => formatValue(t.value, r.unit));
    const w = Math.max(...values.map((v) => v.length));
    for (const [i, t] of r.worstTraces.entries()) lines.push(`  ${t.traceId}  ${values[i]!.padStart(w)}`);
  }
  if (r.breakdown) lines.push(...breakdownLines(r.breakdown, width));
  return lines;
}

function breakdownLines(b: Breakdown, width: number): string[] {
  const head = `critical path of ${cleanText(b.service)} ${cleanText(b.name)} in ${b.traceId} (${formatDuration(b.durationMs)}):`;
  const rows = b.operations.slice(0, BREAKDOWN_ROWS).map((op) => [
    cleanAndTruncate(op.name, NAME_MAX),
    cleanAndTruncate(op.service, NAME_MAX),
    formatDuration(op.ms),
    b.durationMs > 0 ? formatShare(op.ms / b.durationMs) : '-',
  ]);
  const hidden = b.operations.length - rows.length;
  return [fitHead(head, width), ...subTable([{ header: 'OPERATION', shrinkTo: 20 }, { header: 'SERVICE', shrinkTo: 14 }, { header: 'CRITICAL', align: 'right' }, { header: 'SHARE', align: 'right' }], rows, width), ...(hidden > 0 ? [`  (+${hidden} more)`] : [])];
}

function attributionTable(changes: readonly OperationChange[], width: number): string[] {
  const rows = changes.map((c) => [
    cleanAndTruncate(c.name, NAME_MAX),
    cleanAndTruncate(c.service, NAME_MAX),
    `+${formatDuration(c.deltaMs)}`,
    formatDuration(c.baselineMs),
    formatDuration(c.currentMs),
  ]);
  return subTable([{ header: 'OPERATION', shrinkTo: 20 }, { header: 'SERVICE', shrinkTo: 14 }, { header: 'GROWTH', align: 'right' }, { header: 'BEFORE', align: 'right' }, { header: 'NOW', align: 'right' }], rows, width);
}

/** A small table indented by two, fitted to `width`; plain text (no colour, no header styling). */
function subTable(columns: FitColumn[], rows: string[][], width: number): string[] {
  const ctx: RenderContext = { color: false, width: width - 2, tty: true };
  const fitted = fitColumns(columns, rows, ctx);
  return renderTable(fitted.columns, fitted.rows, ctx)
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`);
}

/** A heading line that would overflow is wrapped after the colon-free part, not cut: the trace id must stay whole. */
function fitHead(line: string, width: number): string {
  if (line.length <= width) return line;
  const at = line.lastIndexOf(' in ');
  return at > 0 ? `${line.slice(0, at)}\n  in${line.slice(at + 3)}` : line;
}

const STATUS_ORDER: Record<ResultStatus, number> = { fail: 0, skip: 1, pass: 2 };

/** Failures first, then skipped, then passes; file order within each. */
export function orderResults(results: readonly BudgetResult[]): BudgetResult[] {
  return results.map((r, i) => ({ r, i })).sort((a, b) => STATUS_ORDER[a.r.status] - STATUS_ORDER[b.r.status] || a.i - b.i).map(({ r }) => r);
}

export function summaryLine(report: CheckReport): string {
  const count = (s: ResultStatus): number => report.results.filter((r) => r.status === s).length;
  const parts = [`${count('pass')} passed`, `${count('fail')} failed`];
  if (count('skip') > 0) parts.push(`${count('skip')} skipped`);
  return `${plural(report.budgets.length, 'budget')}, ${plural(report.results.length, 'check')} over ${plural(report.traces, 'trace')}: ${parts.join(', ')}`;
}

/**
 * The terminal report: one row per check, failures first; then each failure explained
 * with its worst traces and the critical path of the worst; then a summary line. On a
 * terminal the table fits `ctx.width` (names are cut, SAMPLES and LIMIT give way first);
 * piped output keeps everything.
 */
export function renderCheck(report: CheckReport, ctx: RenderContext): string {
  const p = palette(ctx);
  const ordered = orderResults(report.results);
  const status: Record<ResultStatus, string> = { fail: p.error('FAIL'), skip: p.warn('SKIP'), pass: p.ok('PASS') };
  const columns: FitColumn[] = [
    { header: 'RESULT' },
    { header: 'BUDGET', shrinkTo: 16 },
    { header: 'ASSERTION', shrinkTo: 24 },
    { header: 'ACTUAL', align: 'right' },
    { header: 'LIMIT', align: 'right', drop: 2 },
    { header: 'DETAIL', shrinkTo: 16 },
    { header: 'SAMPLES', align: 'right', drop: 1 },
  ];
  const rows = ordered.map((r) => [
    r.status,
    cleanAndTruncate(r.budget, NAME_MAX),
    cleanAndTruncate(r.assertion, NAME_MAX),
    r.actual === null ? '-' : formatValue(r.actual, r.unit),
    formatLimit(r),
    resultDetail(r),
    String(r.samples),
  ]);
  const fitted = fitColumns(columns, rows, ctx);
  let out = renderTable(fitted.columns, fitted.rows.map(([s, ...rest]) => [status[s as ResultStatus], ...rest]), ctx);

  const width = ctx.tty ? ctx.width : 120;
  const explained = new Set<string>();
  for (const r of ordered) {
    if (r.status !== 'fail') continue;
    // A budget without enough samples fails every assertion for one reason: say it once.
    if (r.reason === 'too-few-samples') {
      if (explained.has(r.budget)) continue;
      explained.add(r.budget);
    }
    const title = r.reason === 'too-few-samples' ? cleanText(r.budget) : `${cleanText(r.budget)}: ${cleanText(r.assertion)}`;
    out += `\n${p.error('✗')} ${p.bold(title)}\n`;
    const lines = [...wrap(explainLine(r), width - 2), ...failureLines(r, width - 2)];
    for (const line of lines) out += `${line.split('\n').map((l) => `  ${l}`).join('\n')}\n`;
  }

  out += `\n${summaryLine(report)}\n`;
  for (const line of warningLines(report.warnings, false)) out += p.warn(`${line}\n`);
  return out;
}

/** Word-wraps a sentence to `width`, continuation lines indented by two. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `  ${word}`;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

function explainLine(r: BudgetResult): string {
  const sentence = cleanText(explain(r));
  if (r.reason === 'too-few-samples') return `${sentence}; on_missing: skip would skip the budget instead`;
  if (r.reason === 'no-data') return `${sentence}; on_missing: skip would skip the budget instead`;
  return sentence;
}
