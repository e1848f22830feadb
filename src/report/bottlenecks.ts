import type { BandComparison, BottleneckReport, OperationBottleneck, Percentiles } from '../analyze/bottlenecks.js';
import { fitColumns, type FitColumn } from './columns.js';
import { formatPercent } from './format.js';
import { jsonMs } from './json.js';
import { cleanAndTruncate } from './sanitize.js';
import { palette, type RenderContext } from './style.js';
import { renderTable } from './table.js';
import { formatDuration } from '../model/duration.js';
import type { BottlenecksJson } from './json-contract.js';
import { plural } from '../model/text.js';

export interface BottleneckView {
  /** Show at most this many operations (and band rows). */
  top: number;
}

/** Cells of a share bar; each holds eight steps. */
const BAR_CELLS = 10;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
/** Names are cleaned and cut to this before fitting: the table never needs more. */
const NAME_MAX = 120;

/** `share` of 1 as a bar of `cells` full blocks, in eighths of a cell. */
export function shareBar(share: number, cells = BAR_CELLS): string {
  const eighths = Math.round(Math.min(1, Math.max(0, Number.isFinite(share) ? share : 0)) * cells * 8);
  const bar = '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
  return bar + ' '.repeat(cells - bar.length);
}

/**
 * The `bottlenecks` table: operations by time on the critical path, with a share bar,
 * how often they are on the path, and self-time and duration percentiles; then the band
 * comparison when asked for, and a note of what was analyzed. On a narrow terminal the
 * least telling columns give way (see `fitColumns`).
 */
export function renderBottlenecks(report: BottleneckReport, view: BottleneckView, ctx: RenderContext): string {
  if (report.traces === 0) return 'no traces to analyze\n';
  const p = palette(ctx);
  const shown = report.operations.slice(0, view.top);
  const columns: FitColumn[] = [
    { header: 'SERVICE', shrinkTo: 12 },
    { header: 'OPERATION', shrinkTo: 24 },
    { header: 'CRITICAL', align: 'right' },
    { header: 'SHARE' },
    { header: 'ON PATH', align: 'right', drop: 5 },
    { header: 'COUNT', align: 'right', drop: 4 },
    { header: 'SELF p50', align: 'right', drop: 6 },
    { header: 'SELF p95', align: 'right', drop: 2 },
    { header: 'DUR p50', align: 'right', drop: 1 },
    { header: 'DUR p95', align: 'right', drop: 7 },
    { header: 'DUR p99', align: 'right', drop: 3 },
  ];
  const rows = shown.map((op) => [
    cleanAndTruncate(op.service, NAME_MAX),
    cleanAndTruncate(op.name, NAME_MAX),
    formatDuration(op.criticalMs),
    share(op.criticalShare, ctx),
    formatPercent(op.onPathFrequency),
    String(op.count),
    formatDuration(op.selfMs.p50),
    formatDuration(op.selfMs.p95),
    formatDuration(op.durationMs.p50),
    formatDuration(op.durationMs.p95),
    formatDuration(op.durationMs.p99),
  ]);
  const fitted = fitColumns(columns, rows, ctx);
  let out = renderTable(fitted.columns, fitted.rows.map((r) => colourShare(r, fitted.columns, p.critical)), ctx);
  if (report.bands !== undefined) out += `\n${renderBands(report.bands, view, ctx)}`;
  return out + p.dim(`${note(report, shown, ctx)}\n`);
}

function share(value: number, ctx: RenderContext): string {
  const pct = formatPercent(value).padStart(5);
  return ctx.tty ? `${pct} ${shareBar(value)}` : pct.trim();
}

/** Colours the bar part of the SHARE cell after fitting, so fitting measures plain text. */
function colourShare(row: string[], columns: readonly FitColumn[], colour: (s: string) => string): string[] {
  const at = columns.findIndex((c) => c.header === 'SHARE');
  return row.map((cell, i) => (i === at ? cell.replace(/[█▏▎▍▌▋▊▉]+/, (bar) => colour(bar)) : cell));
}

/** What was analyzed and what is hidden; on a narrow terminal the two halves go on two lines. */
function note(report: BottleneckReport, shown: readonly OperationBottleneck[], ctx: RenderContext): string {
  const traces = `${plural(report.traces, 'trace')} analyzed, ${formatDuration(report.totalDurationMs)} in total`;
  const total = report.operations.length;
  const ops = shown.length < total ? `showing ${shown.length} of ${total} operations (--top N for more)` : plural(total, 'operation');
  const line = `${traces}; ${ops}`;
  return ctx.tty && line.length > ctx.width ? `${traces};\n${ops}` : line;
}

function renderBands(bands: BandComparison | null, view: BottleneckView, ctx: RenderContext): string {
  const p = palette(ctx);
  if (bands === null) return p.dim('critical-path mix by speed: needs at least 2 traces\n\n');
  const range = (min: number, max: number): string => (min === max ? formatDuration(min) : `${formatDuration(min)}–${formatDuration(max)}`);
  const count = (n: number): string => plural(n, 'trace');
  const title =
    `${p.bold('Critical-path mix, fastest 50% vs slowest 10% of traces')}\n` +
    p.dim(`fast: ${count(bands.fast.traces)}, ${range(bands.fast.minDurationMs, bands.fast.maxDurationMs)}; ` +
      `slow: ${count(bands.slow.traces)}, ${range(bands.slow.minDurationMs, bands.slow.maxDurationMs)}`);
  const columns: FitColumn[] = [
    { header: 'SERVICE', shrinkTo: 12 },
    { header: 'OPERATION', shrinkTo: 24 },
    { header: 'FAST', align: 'right' },
    { header: 'SLOW', align: 'right' },
    { header: 'GROWTH', align: 'right' },
    { header: 'FAST/TRACE', align: 'right', drop: 1 },
    { header: 'SLOW/TRACE', align: 'right', drop: 2 },
  ];
  const rows = bands.operations.slice(0, view.top).map((op) => [
    cleanAndTruncate(op.service, NAME_MAX),
    cleanAndTruncate(op.name, NAME_MAX),
    formatPercent(op.fastShare),
    formatPercent(op.slowShare),
    growth(op.growth),
    formatDuration(op.fastMsPerTrace),
    formatDuration(op.slowMsPerTrace),
  ]);
  const fitted = fitColumns(columns, rows, ctx);
  const at = fitted.columns.findIndex((c) => c.header === 'GROWTH');
  const coloured = fitted.rows.map((r) => r.map((cell, i) => (i === at && cell.startsWith('+') ? p.warn(cell) : cell)));
  return `${title}\n${renderTable(fitted.columns, coloured, ctx)}\n`;
}

/** A change of share in percentage points: `+31 pts`, `-4.2 pts`, `0 pts`. */
function growth(change: number): string {
  if (Math.abs(change) < 0.0005) return '0 pts';
  return `${change > 0 ? '+' : '-'}${formatPercent(Math.abs(change)).replace('%', ' pts')}`;
}

const percentilesJson = (p: Percentiles): Percentiles => ({ p50: jsonMs(p.p50), p95: jsonMs(p.p95), p99: jsonMs(p.p99) });

/** `bottlenecks --json` (DESIGN.md contract), limited to the operations shown. */
export function bottlenecksJson(report: BottleneckReport, view: BottleneckView): BottlenecksJson {
  return {
    traces: report.traces,
    totalDurationMs: jsonMs(report.totalDurationMs),
    operationCount: report.operations.length,
    operations: report.operations.slice(0, view.top).map((op) => ({
      service: op.service,
      name: op.name,
      count: op.count,
      traces: op.traces,
      criticalMs: jsonMs(op.criticalMs),
      criticalShare: op.criticalShare,
      onPathFrequency: op.onPathFrequency,
      selfMs: { ...percentilesJson(op.selfMs), total: jsonMs(op.selfMs.total) },
      durationMs: percentilesJson(op.durationMs),
    })),
    ...(report.bands === undefined
      ? {}
      : {
          bands:
            report.bands === null
              ? null
              : {
                  fast: bandJson(report.bands.fast),
                  slow: bandJson(report.bands.slow),
                  operations: report.bands.operations.slice(0, view.top).map((op) => ({
                    ...op,
                    fastMsPerTrace: jsonMs(op.fastMsPerTrace),
                    slowMsPerTrace: jsonMs(op.slowMsPerTrace),
                  })),
                },
        }),
  };
}

function bandJson(b: BandComparison['fast']): BandComparison['fast'] {
  return { traces: b.traces, minDurationMs: jsonMs(b.minDurationMs), maxDurationMs: jsonMs(b.maxDurationMs) };
}
