import type { TraceSummary } from '../analyze/trace-summary.js';
import { fitColumns, type FitColumn } from './columns.js';
import { formatTimestamp } from './format.js';
import { cleanText } from './sanitize.js';
import { palette, type RenderContext } from './style.js';
import { renderTable } from './table.js';
import { formatDuration } from '../model/duration.js';

/**
 * The `find` table: one trace per row, full ids so they can be pasted into `show`. On a
 * narrow terminal the start time and span count give way first and names are cut; piped,
 * every column and value stays whole.
 */
export function renderTraceTable(rows: readonly TraceSummary[], ctx: RenderContext): string {
  if (rows.length === 0) return 'no traces match\n';
  const p = palette(ctx);
  const columns: FitColumn[] = [
    { header: 'TRACE ID' },
    { header: 'ROOT SERVICE', shrinkTo: 16 },
    { header: 'ROOT OPERATION', shrinkTo: 24 },
    { header: 'START (UTC)', drop: 1 },
    { header: 'DURATION', align: 'right' },
    { header: 'SPANS', align: 'right', drop: 2 },
    { header: 'ERRORS', align: 'right' },
  ];
  const cells = rows.map((r) => [
    r.traceId,
    cleanText(r.rootService),
    cleanText(r.rootName),
    formatTimestamp(r.start),
    formatDuration(r.durationMs),
    String(r.spanCount),
    String(r.errorCount),
  ]);
  const fitted = fitColumns(columns, cells, ctx);
  // Colour goes on after fitting: cut cells must be plain text.
  const errorsColumn = fitted.columns.findIndex((c) => c.header === 'ERRORS');
  const coloured = fitted.rows.map((row) => row.map((cell, i) => (i === errorsColumn && cell !== '0' ? p.error(cell) : cell)));
  return renderTable(fitted.columns, coloured, ctx);
}
