import type { TraceSummary } from '../analyze/trace-summary.js';
import { fitColumns, type FitColumn } from './columns.js';
import { formatTimestamp } from './format.js';
import { cleanText } from './sanitize.js';
import { palette, type RenderContext } from './style.js';
import { renderTable } from './table.js';
import { formatDuration } from '../model/duration.js';
import { formatTokens, formatUsd } from './llm.js';

/**
 * The `find` table: one trace per row, full ids so they can be pasted into `show`. Below
 * FULL_WIDTH columns the headers are shorter and START is the time of day (UTC) when all the
 * traces share a day; then the span count gives way, names are cut, and START goes last.
 * Piped, every column and value stays whole.
 */
/** What the full table takes with a demo-like trace (109 columns), with room for a longer name. */
const FULL_WIDTH = 110;

/** START as `10:47:08` when every trace started on one UTC day, else `11-01 10:47`. */
function compactStart(rows: readonly TraceSummary[]): (start: TraceSummary['start']) => string {
  const days = new Set(rows.map((r) => formatTimestamp(r.start).slice(0, 10)));
  return days.size === 1 ? (start) => formatTimestamp(start).slice(11, 19) : (start) => formatTimestamp(start).slice(5, 16);
}

export function renderTraceTable(rows: readonly TraceSummary[], ctx: RenderContext): string {
  if (rows.length === 0) return 'no traces match\n';
  const p = palette(ctx);
  const compact = ctx.tty && ctx.width < FULL_WIDTH;
  const columns: FitColumn[] = [
    { header: 'TRACE ID' },
    { header: compact ? 'SERVICE' : 'ROOT SERVICE', shrinkTo: 16 },
    { header: compact ? 'OPERATION' : 'ROOT OPERATION', shrinkTo: 24 },
    { header: compact ? 'START' : 'START (UTC)', drop: 2, outlastsNames: true },
    { header: 'DURATION', align: 'right' },
    { header: 'SPANS', align: 'right', drop: 1 },
    { header: 'ERRORS', align: 'right' },
  ];
  // TOKENS and COST only when some trace holds an LLM call; the first to give way when narrow.
  const llm = rows.some((r) => r.llmCalls > 0);
  if (llm) columns.push({ header: 'TOKENS', align: 'right', drop: 0 }, { header: 'COST', align: 'right', drop: 0 });
  const startCell = compact ? compactStart(rows) : formatTimestamp;
  const cells = rows.map((r) => {
    const row = [r.traceId, cleanText(r.rootService), cleanText(r.rootName), startCell(r.start), formatDuration(r.durationMs), String(r.spanCount), String(r.errorCount)];
    if (llm) row.push(r.llmCalls > 0 ? formatTokens(r.tokens) : '-', r.llmCalls === 0 ? '-' : r.costUsd === null ? 'unpriced' : formatUsd(r.costUsd) + (r.unpricedCalls > 0 ? '+' : ''));
    return row;
  });
  const fitted = fitColumns(columns, cells, ctx);
  // Colour goes on after fitting: cut cells must be plain text.
  const errorsColumn = fitted.columns.findIndex((c) => c.header === 'ERRORS');
  const coloured = fitted.rows.map((row) => row.map((cell, i) => (i === errorsColumn && cell !== '0' ? p.error(cell) : cell)));
  return renderTable(fitted.columns, coloured, ctx);
}
