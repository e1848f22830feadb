import type { LlmReport } from '../analyze/llm.js';
import { formatDuration } from '../model/duration.js';
import { plural } from '../model/text.js';
import { fitColumns, type FitColumn } from './columns.js';
import { formatPercent } from './format.js';
import type { LlmJson } from './json-contract.js';
import { jsonMs } from './json.js';
import { cleanAndTruncate } from './sanitize.js';
import { palette, type RenderContext } from './style.js';
import { renderTable } from './table.js';

const NAME_MAX = 120;

/** US dollars as people read them: `$0.0021`, `$1.24`, `$1,240`. */
export function formatUsd(usd: number | null): string {
  if (usd === null || !Number.isFinite(usd)) return '-';
  if (usd === 0) return '$0';
  if (usd < 0.01) return `$${usd.toPrecision(2)}`;
  if (usd < 100) return `$${usd.toFixed(2)}`;
  return `$${Math.round(usd).toLocaleString('en-US')}`;
}

/** Token counts: `850`, `12.3k`, `4.1M`, `2.5B`; absurd ones (a producer's `1e308`) as `1.0e308`, not 300 digits. */
export function formatTokens(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n < 1000) return String(Math.round(n));
  if (n < 1e6) return `${+(n / 1000).toFixed(n < 10_000 ? 2 : 1)}k`;
  if (n < 1e9) return `${+(n / 1e6).toFixed(n < 1e7 ? 2 : 1)}M`;
  if (n < 1e12) return `${+(n / 1e9).toFixed(n < 1e10 ? 2 : 1)}B`;
  return n.toExponential(1).replace('e+', 'e');
}

/**
 * `tracectl llm`: per model, per request, tools and the prompt cache, on one screen — which
 * model is slow, what a request costs, time to first token, how often calls are rate limited.
 */
export function renderLlm(report: LlmReport, ctx: RenderContext): string {
  if (report.traces === 0) return 'no traces to analyze\n';
  if (report.llmTraces === 0 && report.tools.length === 0) return `no LLM calls in ${plural(report.traces, 'trace')}\n`;
  const p = palette(ctx);
  const out: string[] = [];
  const columns: FitColumn[] = [
    { header: 'PROVIDER', shrinkTo: 10 },
    { header: 'MODEL', shrinkTo: 20 },
    { header: 'CALLS', align: 'right' },
    { header: 'ERR', align: 'right' },
    { header: '429', align: 'right', drop: 3 },
    { header: 'p50', align: 'right' },
    { header: 'p95', align: 'right' },
    { header: 'TTFT p95', align: 'right', drop: 4 },
    { header: 'TOK/S', align: 'right', drop: 2 },
    { header: 'IN', align: 'right', drop: 5 },
    { header: 'OUT', align: 'right', drop: 6 },
    { header: 'CACHED', align: 'right', drop: 1 },
    { header: 'COST', align: 'right' },
  ];
  const rows = report.models.map((m) => [
    cleanAndTruncate(m.provider, NAME_MAX),
    cleanAndTruncate(m.model, NAME_MAX),
    String(m.calls),
    String(m.errors),
    String(m.rateLimited),
    formatDuration(m.latencyMs.p50),
    formatDuration(m.latencyMs.p95),
    m.ttftMs === null ? '-' : formatDuration(m.ttftMs.p95),
    m.outputTokensPerSec === null ? '-' : String(Math.round(m.outputTokensPerSec.p50)),
    formatTokens(m.tokens.input),
    formatTokens(m.tokens.output),
    m.tokens.input > 0 ? formatPercent(m.cachedInputShare) : '-',
    m.costUsd === null ? 'unpriced' : formatUsd(m.costUsd) + (m.unpricedCalls > 0 ? '+' : ''),
  ]);
  if (rows.length > 0) {
    const fitted = fitColumns(columns, rows, ctx);
    out.push(renderTable(fitted.columns, fitted.rows, ctx).trimEnd());
  }
  const t = report.perTrace;
  if (report.llmTraces > 0) {
    out.push('');
    out.push(p.bold(`per request (${plural(report.llmTraces, 'trace')} with LLM calls of ${report.traces})`));
    out.push(`  tokens  p50 ${formatTokens(t.tokens.p50)}  p95 ${formatTokens(t.tokens.p95)}  max ${formatTokens(t.tokens.max)}`);
    if (t.costUsd !== null) out.push(`  cost    p50 ${formatUsd(t.costUsd.p50)}  p95 ${formatUsd(t.costUsd.p95)}  max ${formatUsd(t.costUsd.max)}`);
    if (t.costUsd !== null && report.tracesWithUnpriced > 0) out.push(p.dim(`          (${plural(report.tracesWithUnpriced, 'trace')} with unpriced calls: a lower bound)`));
    out.push(`  LLM calls  p50 ${Math.round(t.llmCalls.p50)}  max ${t.llmCalls.max}`);
    out.push(`  ${formatPercent(t.llmCriticalShare)} of request time on the critical path is in LLM calls`);
    const topCost = t.topByCost[0];
    const topTokens = t.topByTokens[0];
    if (topCost) out.push(`  most expensive  ${topCost.traceId}  ${formatUsd(topCost.costUsd)}  ${formatTokens(topCost.tokens)} tokens`);
    else if (topTokens) out.push(`  most tokens     ${topTokens.traceId}  ${formatTokens(topTokens.tokens)} tokens`);
  }
  const cached = report.models.filter((m) => m.tokens.cacheRead > 0 || m.tokens.cacheCreation > 0);
  if (cached.length > 0) {
    out.push('');
    out.push(`${p.bold('prompt cache')} ${p.dim('(share of input tokens the provider read from its cache)')}`);
    const cacheColumns: FitColumn[] = [
      { header: 'PROVIDER', shrinkTo: 10 },
      { header: 'MODEL', shrinkTo: 20 },
      { header: 'CALLS', align: 'right' },
      { header: 'CACHED CALLS', align: 'right', drop: 1 },
      { header: 'INPUT', align: 'right' },
      { header: 'CACHE READ', align: 'right' },
      { header: 'CACHE WRITE', align: 'right', drop: 2 },
      { header: 'CACHED', align: 'right' },
    ];
    const cacheRows = cached.map((m) => [
      cleanAndTruncate(m.provider, NAME_MAX),
      cleanAndTruncate(m.model, NAME_MAX),
      String(m.calls),
      String(m.cachedCalls),
      formatTokens(m.tokens.input),
      formatTokens(m.tokens.cacheRead),
      formatTokens(m.tokens.cacheCreation),
      formatPercent(m.cachedInputShare),
    ]);
    const fitted = fitColumns(cacheColumns, cacheRows, ctx);
    out.push(renderTable(fitted.columns, fitted.rows, ctx).trimEnd());
  }
  if (report.tools.length > 0 || report.agents.length > 0) {
    out.push('');
    out.push(p.bold('agents and tools'));
    for (const a of report.agents) out.push(`  agent ${cleanAndTruncate(a.name, 60)}  ${plural(a.calls, 'run')}, ${a.errors} failed, p95 ${formatDuration(a.p95Ms)}`);
    for (const tool of report.tools) {
      out.push(`  tool  ${cleanAndTruncate(tool.name, 60)}  ${plural(tool.calls, 'call')}, ${tool.errors} failed, p95 ${formatDuration(tool.p95Ms)}${tool.repeated > 0 ? p.warn(`, ${tool.repeated} repeated with the same arguments`) : ''}`);
    }
  }
  if (report.unpriced.length > 0) {
    out.push('');
    // One a line, cut to the terminal: model names come from the traces and may be long.
    out.push(p.warn('unpriced (give their prices with --prices FILE):'));
    for (const name of report.unpriced) out.push(p.warn(`  ${cleanAndTruncate(name, ctx.tty ? Math.max(8, ctx.width - 2) : NAME_MAX)}`));
  }
  return `${out.join('\n')}\n`;
}

export function llmJson(report: LlmReport): LlmJson {
  const t = report.perTrace;
  return {
    traces: report.traces,
    llmTraces: report.llmTraces,
    models: report.models.map((m) => ({
      ...m,
      latencyMs: { p50: jsonMs(m.latencyMs.p50), p95: jsonMs(m.latencyMs.p95), p99: jsonMs(m.latencyMs.p99) },
      ttftMs: m.ttftMs === null ? null : { p50: jsonMs(m.ttftMs.p50), p95: jsonMs(m.ttftMs.p95) },
    })),
    perTrace: t,
    tools: report.tools.map((tool) => ({ ...tool, p95Ms: jsonMs(tool.p95Ms) })),
    agents: report.agents.map((a) => ({ ...a, p95Ms: jsonMs(a.p95Ms) })),
    unpriced: report.unpriced,
    tracesWithUnpriced: report.tracesWithUnpriced,
  };
}
