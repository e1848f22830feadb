import type { Finding, InsightGroup, InsightsReport } from '../analyze/insights.js';
import { formatDuration } from '../model/duration.js';
import { plural } from '../model/text.js';
import { fitColumns, type FitColumn } from './columns.js';
import { formatPercent } from './format.js';
import type { InsightsJson, TraceInsightsJson } from './json-contract.js';
import { jsonMs } from './json.js';
import { cleanAndTruncate, cleanText } from './sanitize.js';
import { palette, type RenderContext } from './style.js';
import { renderTable } from './table.js';

/** Names are cleaned and cut to this before fitting. */
const NAME_MAX = 120;

/** What each pattern is called for a human. */
export const PATTERN_TITLES: Readonly<Record<Finding['pattern'], string>> = {
  n_plus_one: 'N+1 (serial repeats)',
  sequential_calls: 'could run concurrently?',
  retry_loop: 'retry loop',
  repeated_call: 'repeated identical call',
  masked_timeout: 'masked timeout',
  cache_not_paying: 'cache not paying',
};

const where = (g: Pick<InsightGroup, 'service' | 'name' | 'parentService' | 'parentName'>): string =>
  g.parentName === null ? `${g.service} ${g.name}` : `${g.parentService} ${g.parentName} → ${g.service} ${g.name}`;

/**
 * `tracectl insights` over many traces: one row per pattern and place, by the time it costs
 * in all, then the evidence and examples of the top findings.
 */
export function renderInsights(report: InsightsReport, ctx: RenderContext, top: number): string {
  if (report.traces === 0) return 'no traces to analyze\n';
  if (report.findings.length === 0) return `no anti-patterns found in ${plural(report.traces, 'trace')}\n`;
  const p = palette(ctx);
  const shown = report.findings.slice(0, top);
  const columns: FitColumn[] = [
    { header: 'PATTERN' },
    { header: 'WHERE', shrinkTo: 32 },
    { header: 'SAVABLE', align: 'right' },
    { header: 'p50/TRACE', align: 'right', drop: 2 },
    { header: 'TRACES', align: 'right' },
    { header: 'SHARE', align: 'right', drop: 1 },
    { header: 'CALLS p50', align: 'right', drop: 3 },
  ];
  const rows = shown.map((g) => [
    PATTERN_TITLES[g.pattern],
    cleanAndTruncate(where(g), NAME_MAX),
    formatDuration(g.savableMs.total),
    formatDuration(g.savableMs.p50),
    String(g.traces),
    formatPercent(g.share),
    String(Math.round(g.countP50)),
  ]);
  const fitted = fitColumns(columns, rows, ctx);
  let out = renderTable(fitted.columns, fitted.rows, ctx);
  out += '\n';
  for (const g of shown.slice(0, 3)) {
    out += `${p.bold(`${PATTERN_TITLES[g.pattern]}: ${cleanText(where(g))}`)}\n`;
    out += `  ${cleanText(g.evidence)}\n`;
    if (g.exampleTraceIds.length > 0) out += `  ${p.dim('examples')} ${g.exampleTraceIds.join('  ')}\n`;
  }
  const hidden = report.findings.length - shown.length;
  out += `\n${plural(report.findings.length, 'finding')} in ${plural(report.traces, 'trace')}${hidden > 0 ? `, showing ${shown.length} (--top N for more)` : ''}\n`;
  return out;
}

/** `insights --trace ID`: the findings of one trace, each with its spans. */
export function renderTraceInsights(traceId: string, findings: readonly Finding[], ctx: RenderContext): string {
  if (findings.length === 0) return `no anti-patterns found in trace ${traceId}\n`;
  const p = palette(ctx);
  let out = `${p.bold(`trace ${traceId}`)}  ${plural(findings.length, 'finding')}\n\n`;
  for (const f of findings) {
    out += `${p.bold(`${PATTERN_TITLES[f.pattern]}: ${cleanText(where(f))}`)}  ${p.dim(`savable ${formatDuration(f.savableMs)}`)}\n`;
    out += `  ${cleanText(f.evidence)}\n`;
    out += `  ${p.dim('spans')} ${f.spanIds.slice(0, 8).join(' ')}${f.spanIds.length > 8 ? ` … ${f.spanIds.length - 8} more` : ''}\n`;
  }
  return out;
}

export function insightsJson(report: InsightsReport): InsightsJson {
  return {
    traces: report.traces,
    findings: report.findings.map((g) => ({
      pattern: g.pattern,
      service: g.service,
      name: g.name,
      parentService: g.parentService,
      parentName: g.parentName,
      traces: g.traces,
      share: g.share,
      findings: g.findings,
      countP50: g.countP50,
      savableMs: { total: jsonMs(g.savableMs.total), p50: jsonMs(g.savableMs.p50) },
      exampleTraceIds: g.exampleTraceIds,
      evidence: g.evidence,
    })),
  };
}

export function traceInsightsJson(traceId: string, findings: readonly Finding[]): TraceInsightsJson {
  return {
    traceId,
    findings: findings.map((f) => ({ ...f, wallMs: jsonMs(f.wallMs), sumMs: jsonMs(f.sumMs), savableMs: jsonMs(f.savableMs) })),
  };
}
