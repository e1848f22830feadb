import type { CohortStats, CompareReport } from '../analyze/compare.js';
import { OTHER_NAME } from '../analyze/compare.js';
import { formatDuration } from '../model/duration.js';
import { plural } from '../model/text.js';
import { formatShare } from './format.js';
import { fitColumns, type FitColumn } from './columns.js';
import { jsonMs } from './json.js';
import type { CohortJson, CompareJson } from './json-contract.js';
import { markdownText } from './markdown.js';
import { cleanAndTruncate, cleanText } from './sanitize.js';
import { palette, type RenderContext } from './style.js';
import { renderTable } from './table.js';

/** How the cohorts were chosen, as the JSON says it. */
export type CohortsJson = CompareJson['cohorts'];

const NAME_MAX = 120;

function signed(ms: number): string {
  return ms > 0 ? `+${formatDuration(ms)}` : ms < 0 ? `−${formatDuration(-ms)}` : '0ms';
}

/** A share signed as DELTA is: a minus sign, not a hyphen, before a share that shrank. */
function signedShare(share: number | null): string {
  if (share === null) return '-';
  return share < 0 ? `−${formatShare(-share)}` : formatShare(share);
}

function maybe(ms: number | null): string {
  return ms === null ? '-' : formatDuration(ms);
}

function perTrace(n: number): string {
  return String(+n.toFixed(n < 10 ? 2 : 1));
}

function number(n: number): string {
  return String(+n.toFixed(Math.abs(n) < 10 ? 2 : Math.abs(n) < 100 ? 1 : 0));
}

/** `12 traces slower than 1.2s (p90)`, `8 traces where model=x`, … */
function describeTarget(report: CompareReport, cohorts: CohortsJson): string {
  const n = plural(report.target.traces, 'trace');
  switch (cohorts.kind) {
    case 'slow':
      return `${n} slower than ${maybe(report.thresholdMs)} (p${cohorts.percentile ?? 90})`;
    case 'where':
      return `${n} where ${cleanText(cohorts.where ?? '')}`;
    case 'errors':
      return `${n} that failed`;
    case 'baseline':
      return `${n} from the sources`;
  }
}

function describeBaseline(report: CompareReport, cohorts: CohortsJson): string {
  const n = plural(report.baseline.traces, 'trace');
  return cohorts.kind === 'baseline' ? `${n} from --baseline` : `${n}, the rest`;
}

function stats(s: CohortStats): string {
  return `p50 ${maybe(s.durationMs.p50)}  p95 ${maybe(s.durationMs.p95)}  mean ${maybe(s.durationMs.mean)}`;
}

/** The compare report for a terminal: each table fits `ctx.width` (80 columns included). */
export function renderCompare(report: CompareReport, cohorts: CohortsJson, ctx: RenderContext): string {
  const p = palette(ctx);
  const out: string[] = [];
  out.push(`${p.bold('target')}    ${describeTarget(report, cohorts)}`);
  out.push(`          ${stats(report.target)}`);
  out.push(`${p.bold('baseline')}  ${describeBaseline(report, cohorts)}`);
  out.push(`          ${stats(report.baseline)}`);
  if (report.deltaMeanMs === null) {
    out.push('', 'one cohort is empty: nothing to compare');
    return `${out.join('\n')}\n`;
  }
  out.push('', `mean duration ${p.bold(signed(report.deltaMeanMs))}; by operation (mean critical-path time per trace):`, '');
  const table = (columns: FitColumn[], rows: string[][]): void => {
    const fit = fitColumns(columns, rows, ctx);
    out.push(renderTable(fit.columns, fit.rows, ctx).trimEnd());
  };
  table(
    [
      { header: 'SERVICE', shrinkTo: 12 },
      { header: 'OPERATION', shrinkTo: 22 },
      { header: 'TARGET', align: 'right' },
      { header: 'BASELINE', align: 'right' },
      { header: 'DELTA', align: 'right' },
      { header: 'SHARE', align: 'right', drop: 1 },
    ],
    report.attribution.map((r) => [
      r.name === OTHER_NAME && r.service === '' ? '' : cleanAndTruncate(r.service, NAME_MAX),
      r.name === OTHER_NAME && r.service === '' ? OTHER_NAME : cleanAndTruncate(r.name, NAME_MAX),
      formatDuration(r.targetMs),
      formatDuration(r.baselineMs),
      signed(r.deltaMs),
      signedShare(r.share),
    ]),
  );
  if (report.counts.length > 0) {
    out.push('', 'called a different number of times per trace:', '');
    table(
      [
        { header: 'SERVICE', shrinkTo: 14 },
        { header: 'OPERATION', shrinkTo: 30 },
        { header: 'TARGET', align: 'right' },
        { header: 'BASELINE', align: 'right' },
      ],
      report.counts.map((r) => [cleanAndTruncate(r.service, NAME_MAX), cleanAndTruncate(r.name, NAME_MAX), perTrace(r.targetPerTrace), perTrace(r.baselinePerTrace)]),
    );
  }
  for (const [side, rows] of [['target', report.onlyIn.target], ['baseline', report.onlyIn.baseline]] as const) {
    if (rows.length === 0) continue;
    out.push('', `only in the ${side}:`);
    for (const r of rows) out.push(`  ${cleanAndTruncate(r.service, 30)} ${cleanAndTruncate(r.name, 40)}  in ${formatShare(r.traceShare)} of traces, ${perTrace(r.perTrace)} per trace`);
  }
  out.push('');
  if (report.attributes.length === 0) out.push('no attribute value is over-represented in the target beyond noise (score ≥ 3)');
  else {
    out.push('attribute values over-represented in the target (score: z, ≥ 3 beyond noise):', '');
    table(
      [
        { header: 'KEY', shrinkTo: 20 },
        { header: 'VALUE', shrinkTo: 22 },
        { header: 'TARGET', align: 'right' },
        { header: 'BASELINE', align: 'right' },
        { header: 'SCORE', align: 'right' },
      ],
      report.attributes.map((r) => [cleanAndTruncate(r.key, NAME_MAX), cleanAndTruncate(r.value, NAME_MAX), formatShare(r.targetShare), formatShare(r.baselineShare), r.score.toFixed(1)]),
    );
  }
  if (report.numeric.length > 0) {
    out.push('', 'numeric attributes, largest per trace, median (score: Mann–Whitney z):', '');
    table(
      [
        { header: 'KEY', shrinkTo: 30 },
        { header: 'TARGET', align: 'right' },
        { header: 'BASELINE', align: 'right' },
        { header: 'SCORE', align: 'right' },
      ],
      report.numeric.map((r) => [cleanAndTruncate(r.key, NAME_MAX), number(r.targetMedian), number(r.baselineMedian), r.score.toFixed(1)]),
    );
  }
  if (report.skippedKeys.length > 0) {
    const keys = report.skippedKeys.map((k) => cleanAndTruncate(k, 40));
    const listed = [...keys.slice(0, 8), ...(keys.length > 8 ? [`+${keys.length - 8} more`] : [])];
    const line = `skipped, too many distinct values (--attr KEY compares one): ${listed.join(', ')}`;
    const lines = ctx.tty && line.length > ctx.width ? ['skipped, too many distinct values (--attr KEY compares one):', ...commaLines(listed, ctx.width - 2).map((l) => `  ${l}`)] : [line];
    out.push('', ...lines.map((l) => p.dim(l)));
  }
  return `${out.join('\n')}\n`;
}

/** `items` joined by commas onto lines of at most `width` (an item longer than that gets a line of its own). */
function commaLines(items: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const [i, item] of items.entries()) {
    const piece = i < items.length - 1 ? `${item},` : item;
    if (line !== '' && line.length + 1 + piece.length > width) {
      lines.push(line);
      line = piece;
    } else line = line === '' ? piece : `${line} ${piece}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The same report as Markdown for a pull-request comment; names escaped as in `check`. */
export function renderCompareMarkdown(report: CompareReport, cohorts: CohortsJson): string {
  const md = markdownText;
  const out: string[] = ['## tracectl compare', ''];
  out.push(`| cohort | traces | p50 | p95 | mean |`, `|---|---:|---:|---:|---:|`);
  out.push(`| target: ${md(describeTarget(report, cohorts))} | ${report.target.traces} | ${maybe(report.target.durationMs.p50)} | ${maybe(report.target.durationMs.p95)} | ${maybe(report.target.durationMs.mean)} |`);
  out.push(`| baseline: ${md(describeBaseline(report, cohorts))} | ${report.baseline.traces} | ${maybe(report.baseline.durationMs.p50)} | ${maybe(report.baseline.durationMs.p95)} | ${maybe(report.baseline.durationMs.mean)} |`);
  if (report.deltaMeanMs === null) return `${out.join('\n')}\n\nOne cohort is empty: nothing to compare.\n`;
  out.push('', `Mean duration differs by **${signed(report.deltaMeanMs)}**; by operation (mean critical-path time per trace):`, '');
  out.push('| service | operation | target | baseline | delta | share |', '|---|---|---:|---:|---:|---:|');
  for (const r of report.attribution) out.push(`| ${md(r.service)} | ${md(r.name)} | ${formatDuration(r.targetMs)} | ${formatDuration(r.baselineMs)} | ${signed(r.deltaMs)} | ${signedShare(r.share)} |`);
  if (report.attributes.length > 0) {
    out.push('', 'Attribute values over-represented in the target (score: Agresti–Caffo z; ≥ 3 is beyond noise):', '');
    out.push('| key | value | target | baseline | score |', '|---|---|---:|---:|---:|');
    for (const r of report.attributes) out.push(`| ${md(r.key)} | ${md(r.value)} | ${formatShare(r.targetShare)} | ${formatShare(r.baselineShare)} | ${r.score.toFixed(1)} |`);
  }
  if (report.numeric.length > 0) {
    out.push('', 'Numeric attributes, largest per trace (median):', '');
    out.push('| key | target | baseline | score |', '|---|---:|---:|---:|');
    for (const r of report.numeric) out.push(`| ${md(r.key)} | ${number(r.targetMedian)} | ${number(r.baselineMedian)} | ${r.score.toFixed(1)} |`);
  }
  return `${out.join('\n')}\n`;
}

function cohortJson(s: CohortStats): CohortJson {
  const ms = (v: number | null): number | null => (v === null ? null : jsonMs(v));
  return { traces: s.traces, durationMs: { p50: ms(s.durationMs.p50), p95: ms(s.durationMs.p95), mean: ms(s.durationMs.mean) } };
}

const round4 = (n: number): number => Math.round(n * 1e4) / 1e4;

export function compareJson(report: CompareReport, cohorts: CohortsJson): CompareJson {
  return {
    cohorts: cohorts.kind === 'slow' ? { ...cohorts, thresholdMs: report.thresholdMs === null ? null : jsonMs(report.thresholdMs) } : cohorts,
    target: cohortJson(report.target),
    baseline: cohortJson(report.baseline),
    deltaMeanMs: report.deltaMeanMs === null ? null : jsonMs(report.deltaMeanMs),
    attribution: report.attribution.map((r) => ({ service: r.service, name: r.name, targetMs: jsonMs(r.targetMs), baselineMs: jsonMs(r.baselineMs), deltaMs: jsonMs(r.deltaMs), share: r.share === null ? null : round4(r.share) })),
    counts: report.counts.map((r) => ({ ...r, targetPerTrace: round4(r.targetPerTrace), baselinePerTrace: round4(r.baselinePerTrace) })),
    onlyIn: {
      target: report.onlyIn.target.map((r) => ({ ...r, perTrace: round4(r.perTrace), traceShare: round4(r.traceShare) })),
      baseline: report.onlyIn.baseline.map((r) => ({ ...r, perTrace: round4(r.perTrace), traceShare: round4(r.traceShare) })),
    },
    attributes: report.attributes.map((r) => ({ ...r, targetShare: round4(r.targetShare), baselineShare: round4(r.baselineShare), score: round4(r.score) })),
    numeric: report.numeric.map((r) => ({ ...r, score: round4(r.score) })),
    skippedKeys: report.skippedKeys,
  };
}
