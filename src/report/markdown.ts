import type { Breakdown, BudgetResult, CheckReport, OperationChange } from '../analyze/budgets.js';
import { explain, formatLimit, formatValue, orderResults, resultDetail, summaryLine } from './check.js';
import { formatShare } from './format.js';
import { cleanText } from './sanitize.js';
import { formatDuration } from '../model/duration.js';

/**
 * `check --markdown FILE` and the GitHub job summary: a table of every check (failures
 * first) for a pull-request comment, and each failure in a `<details>` block with its worst
 * traces and critical path.
 *
 * Budget names come from the repository and span names from traces: both are escaped, so a
 * span called `</details><img src=…>` or `| x |` cannot restructure the comment. Not
 * handled: `@name` in a span name still mentions on GitHub.
 */

/** Plain text for a Markdown table cell or paragraph: no HTML, no emphasis, no cell breaks. */
export function markdownText(text: string): string {
  return htmlText(text).replace(/[\\`*_[\]~|#!]/g, '\\$&');
}

/** Text inside an HTML element (`<summary>`), where Markdown is not rendered: HTML escapes only. */
export function htmlText(text: string): string {
  return cleanText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ICON: Record<BudgetResult['status'], string> = { fail: '❌ fail', skip: '⚠️ skip', pass: '✅ pass' };
/** Operations shown per breakdown. */
const BREAKDOWN_ROWS = 6;

export function renderCheckMarkdown(report: CheckReport): string {
  const failed = report.results.filter((r) => r.status === 'fail').length;
  const lines: string[] = [];
  lines.push(failed === 0 ? '### ✅ tracectl check passed' : `### ❌ tracectl check failed: ${failed} of ${report.results.length} checks broken`);
  lines.push('');
  lines.push('| Result | Budget | Assertion | Actual | Limit | Detail |');
  lines.push('| --- | --- | --- | ---: | ---: | --- |');
  const ordered = orderResults(report.results);
  for (const r of ordered) {
    const cells = [
      ICON[r.status],
      markdownText(r.budget),
      markdownText(r.assertion),
      r.actual === null ? '–' : markdownText(formatValue(r.actual, r.unit)),
      markdownText(formatLimit(r)),
      markdownText(resultDetail(r)),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  lines.push('');
  for (const r of ordered) {
    if (r.status !== 'fail') continue;
    lines.push('<details>');
    lines.push(`<summary>${htmlText(`${r.budget}: ${r.assertion}`)}</summary>`);
    lines.push('');
    lines.push(`${markdownText(explain(r))}.`);
    lines.push('');
    if (r.attribution && r.attribution.length > 0) lines.push(...attribution(r.attribution), '');
    if (r.worstTraces.length > 0) {
      lines.push(`Worst traces: ${r.worstTraces.map((t) => `\`${t.traceId}\` (${markdownText(formatValue(t.value, r.unit))})`).join(', ')}`);
      lines.push('');
    }
    if (r.breakdown) lines.push(...breakdown(r.breakdown), '');
    lines.push('</details>');
    lines.push('');
  }
  lines.push(`${markdownText(summaryLine(report))}.`);
  for (const w of report.warnings) lines.push('', `> ${markdownText(`warning: ${w}`)}`);
  return `${lines.join('\n')}\n`;
}

function breakdown(b: Breakdown): string[] {
  const lines = [
    `Critical path of ${markdownText(`${b.service} ${b.name}`)} in \`${b.traceId}\` (${formatDuration(b.durationMs)}):`,
    '',
    '| Operation | Service | Critical | Share |',
    '| --- | --- | ---: | ---: |',
  ];
  for (const op of b.operations.slice(0, BREAKDOWN_ROWS)) {
    lines.push(`| ${markdownText(op.name)} | ${markdownText(op.service)} | ${formatDuration(op.ms)} | ${b.durationMs > 0 ? formatShare(op.ms / b.durationMs) : '–'} |`);
  }
  return lines;
}

function attribution(changes: readonly OperationChange[]): string[] {
  const lines = ['Critical-path time per sample that grew the most:', '', '| Operation | Service | Growth | Before | Now |', '| --- | --- | ---: | ---: | ---: |'];
  for (const c of changes) {
    lines.push(`| ${markdownText(c.name)} | ${markdownText(c.service)} | +${formatDuration(c.deltaMs)} | ${formatDuration(c.baselineMs)} | ${formatDuration(c.currentMs)} |`);
  }
  return lines;
}
