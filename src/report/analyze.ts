import type { BottleneckReport } from '../analyze/bottlenecks.js';
import type { CacheReport } from '../analyze/cache.js';
import type { DependencyMap } from '../analyze/deps.js';
import type { ErrorReport } from '../analyze/errors.js';
import type { LlmReport } from '../analyze/llm.js';
import { bottlenecksJson, renderBottlenecks } from './bottlenecks.js';
import { cacheJson, renderCache } from './cache.js';
import { depsJson, renderDepsTree } from './deps.js';
import { errorsJson, renderErrors } from './errors.js';
import { llmJson, renderLlm } from './llm.js';
import { palette, type RenderContext } from './style.js';
import type { AnalyzeJson } from './json-contract.js';

/** The analyses of `tracectl analyze`, run over the same traces. */
export interface Analysis {
  bottlenecks: BottleneckReport;
  errors: ErrorReport;
  cache: CacheReport;
  llm: LlmReport;
  deps: DependencyMap;
}

export interface AnalysisView {
  /** Operations shown in the bottleneck table. */
  top: number;
}

/** One report: the top of each analysis under its own heading, each rendered as its command would; LLM calls only when there are some. */
export function renderAnalysis(analysis: Analysis, view: AnalysisView, ctx: RenderContext): string {
  const p = palette(ctx);
  const rule = (title: string, command: string): string => `${p.bold(title)}  ${p.dim(`(tracectl ${command} for more)`)}\n`;
  return [
    rule('Bottlenecks: time on the critical path', 'bottlenecks'),
    renderBottlenecks(analysis.bottlenecks, { top: view.top }, ctx),
    rule('Errors: where failures start', 'errors'),
    renderErrors(analysis.errors, ctx),
    rule('Cache effectiveness', 'cache'),
    renderCache(analysis.cache, ctx),
    ...(hasLlmCalls(analysis.llm) ? [rule('LLM calls: tokens, cost and latency per model', 'llm'), renderLlm(analysis.llm, ctx)] : []),
    rule('Service dependencies', 'deps'),
    renderDepsTree(analysis.deps, ctx),
  ].join('\n');
}

/** Model calls, agents or tools: what `llm` would report on. */
function hasLlmCalls(report: LlmReport): boolean {
  return report.models.length > 0 || report.tools.length > 0 || report.agents.length > 0;
}

/** `analyze --json`: `{bottlenecks, errors, cache, llm, deps}`, each as its own command prints it (`llm` null without LLM calls). */
export function analysisJson(analysis: Analysis, view: AnalysisView): AnalyzeJson {
  return {
    bottlenecks: bottlenecksJson(analysis.bottlenecks, { top: view.top }),
    errors: errorsJson(analysis.errors),
    cache: cacheJson(analysis.cache),
    llm: hasLlmCalls(analysis.llm) ? llmJson(analysis.llm) : null,
    deps: depsJson(analysis.deps),
  };
}
