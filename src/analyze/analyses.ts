import { AttributeKeyAccumulator } from './attribute-keys.js';
import { AttrsAccumulator } from './attrs.js';
import { combineAccumulators, type MergeableAccumulator } from './accumulator.js';
import { BottleneckAccumulator, type BottleneckOptions } from './bottlenecks.js';
import { BudgetAccumulator, type BudgetAnalysisOptions } from './budgets.js';
import { CacheAccumulator, type CacheOptions } from './cache.js';
import { CompareAccumulator, type CompareAnalysisOptions } from './compare.js';
import { DependencyAccumulator } from './deps.js';
import { ErrorAccumulator, type ErrorRootsOptions } from './errors.js';
import { InsightsAccumulator, type InsightOptions } from './insights.js';
import { LlmAccumulator, type LlmOptions } from './llm.js';
import { FindAccumulator, type FindOrder } from './trace-summary.js';

/**
 * The analyses a command runs over the traces it selects, by name with plain options, so a
 * worker thread can start the same one as the command (pipeline/parallel.ts) and the states
 * of both can be merged.
 */
const analyses = {
  find: (options: FindOrder) => new FindAccumulator(options),
  bottlenecks: (options: BottleneckOptions) => new BottleneckAccumulator(options),
  errors: (options: ErrorRootsOptions) => new ErrorAccumulator(options),
  cache: (options: CacheOptions) => new CacheAccumulator(options),
  deps: (_options: Record<string, never>) => new DependencyAccumulator(),
  insights: (options: InsightOptions) => new InsightsAccumulator(options),
  llm: (options: LlmOptions) => new LlmAccumulator(options),
  /** `tracectl check`: the budgets of a file (with the baseline, compared in `result`). */
  check: (options: BudgetAnalysisOptions) => new BudgetAccumulator(options),
  /** `tracectl compare`: a digest of every trace, split into cohorts in `result`. */
  compare: (options: CompareAnalysisOptions) => new CompareAccumulator(options),
  /** `tracectl attrs`: the attribute keys with their counts, types, distinct values and where they are found. */
  attrs: (_options: Record<string, never>) => new AttrsAccumulator(),
  /** The attribute keys the traces carry (for "did you mean" when a --where key exists nowhere). */
  keys: (_options: Record<string, never>) => new AttributeKeyAccumulator(),
  /** `tracectl analyze`: the analyzers in one pass; `top` limits the error groups; `prices` as in `llm`. */
  analyze: (options: { top: number; prices?: LlmOptions['prices'] }) =>
    combineAccumulators({
      bottlenecks: new BottleneckAccumulator(),
      errors: new ErrorAccumulator({ limit: options.top }),
      cache: new CacheAccumulator(),
      llm: new LlmAccumulator({ prices: options.prices ?? null }),
      deps: new DependencyAccumulator(),
    }),
};

type Analyses = typeof analyses;
export type AnalysisName = keyof Analyses;

/** An analysis to run: which one, and its options (structured-cloneable). */
export type AnalysisSpec<K extends AnalysisName = AnalysisName> = { [N in K]: { name: N; options: Parameters<Analyses[N]>[0] } }[K];

export type AnalysisResult<K extends AnalysisName> = ReturnType<ReturnType<Analyses[K]>['result']>;

export function startAnalysis<K extends AnalysisName>(spec: AnalysisSpec<K>): MergeableAccumulator<AnalysisResult<K>> {
  const start = analyses[spec.name] as (options: AnalysisSpec<K>['options']) => MergeableAccumulator<AnalysisResult<K>>;
  return start(spec.options);
}
