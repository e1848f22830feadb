import type { TraceSummary } from '../analyze/trace-summary.js';
import { formatDuration, formatTimestamp } from './format.js';
import { cleanAndTruncate } from './sanitize.js';
import { palette, type RenderContext } from './style.js';
import { renderTable } from './table.js';

/** The `find` table: one trace per row, full ids so they can be pasted into `show`. */
export function renderTraceTable(rows: readonly TraceSummary[], ctx: RenderContext): string {
  if (rows.length === 0) return 'no traces match\n';
  const p = palette(ctx);
  const nameWidth = ctx.tty ? Math.max(16, Math.min(48, ctx.width - 100)) : 200;
  return renderTable(
    [
      { header: 'TRACE ID' },
      { header: 'ROOT SERVICE' },
      { header: 'ROOT OPERATION' },
      { header: 'START (UTC)' },
      { header: 'DURATION', align: 'right' },
      { header: 'SPANS', align: 'right' },
      { header: 'ERRORS', align: 'right' },
    ],
    rows.map((r) => [
      r.traceId,
      cleanAndTruncate(r.rootService, 24),
      cleanAndTruncate(r.rootName, nameWidth),
      formatTimestamp(r.start),
      formatDuration(r.durationMs),
      String(r.spanCount),
      r.errorCount > 0 ? p.error(String(r.errorCount)) : '0',
    ]),
    ctx,
  );
}
