import type { Condition } from '../model/query.js';
import type { SpanKind } from '../model/span.js';
import type { InsightPattern } from './insights.js';

/**
 * A budgets file as `tracectl check` evaluates it (docs/ci.md "The budgets file"): what
 * commands/budgets-file.ts parses the YAML into, and analyze/budgets.ts evaluates.
 */

/** What the limit of a metric is measured in; a limit written in another unit is an error. */
export type Unit = 'duration' | 'ratio' | 'number';
export type Operator = '<' | '<=' | '>' | '>=' | '==';
export type OnMissing = 'fail' | 'skip';

export type Metric =
  | { kind: 'percentile'; p: number }
  /** Findings of one anti-pattern (analyze/insights.ts): how many in all, or the share of traces with one. */
  | { kind: 'findings' | 'findings_rate'; pattern: InsightPattern }
  | { kind: 'avg' | 'min' | 'max' | 'med' | 'count' | 'error_rate' | 'hit_ratio' | 'critical_share' | 'count_per_trace' }
  | { kind: 'sum_per_trace'; attribute: string }
  /**
   * LLM calls (analyze/llm.ts) among the budget's spans: a statistic of the calls' time to
   * first token, or of each request's tokens or cost; or the share of calls in error or
   * refused for a rate limit.
   */
  | { kind: 'llm'; of: 'ttft' | 'tokens_per_request' | 'cost_per_request'; stat: LlmStat }
  | { kind: 'llm_error_rate' | 'rate_limit_rate' };

/** A statistic of an LLM series: a percentile, or avg, min, max, med. */
export type LlmStat = { kind: 'percentile'; p: number } | { kind: 'avg' | 'min' | 'max' | 'med' };

export interface Assertion {
  /** As written (trimmed): `p(95) < 1.2s`. */
  text: string;
  metric: Metric;
  /** The metric in canonical form: `p(95)`, `sum(gen_ai.usage.input_tokens)_per_trace`. */
  metricName: string;
  op: Operator;
  /** In the metric's unit: milliseconds, a fraction of 1 (for percentages), or a number. */
  limit: number;
  /** The limit as written: `1.2s`, `1%`. */
  limitText: string;
  unit: Unit;
  line: number;
}

/** Which spans a budget measures; every condition given must hold on the span. */
export interface BudgetSelect {
  /** Glob (`*`, `?`) on the service name. */
  service?: string;
  /** Glob (`*`, `?`) on the span name. */
  name?: string;
  kind?: SpanKind;
  /** true: only the trace's root span (its duration is the trace's); false: never the root. */
  root?: boolean;
  where: Condition[];
}

export interface Budget {
  name: string;
  /** The line of the budget's entry in the file. */
  line: number;
  select: BudgetSelect;
  /** The select block as written, for `--json`. */
  selectText: Record<string, unknown>;
  assertions: Assertion[];
  minSamples: number;
  onMissing: OnMissing;
  /** The budget's own `regression:` (a fraction), null when it has none. */
  regression: number | null;
}

export interface BudgetFile {
  /** The name messages use for the file: the path as the user gave it. */
  file: string;
  budgets: Budget[];
  /** `defaults.regression`, null when not set. */
  defaultRegression: number | null;
}

/** Without `min_samples` anywhere, one span is enough; zero never is. */
export const DEFAULT_MIN_SAMPLES = 1;

export const METRIC_UNITS: Readonly<Record<Metric['kind'], Unit>> = {
  percentile: 'duration',
  avg: 'duration',
  min: 'duration',
  max: 'duration',
  med: 'duration',
  count: 'number',
  error_rate: 'ratio',
  hit_ratio: 'ratio',
  critical_share: 'ratio',
  count_per_trace: 'number',
  sum_per_trace: 'number',
  findings: 'number',
  findings_rate: 'ratio',
  llm: 'number',
  llm_error_rate: 'ratio',
  rate_limit_rate: 'ratio',
};


/** The unit a metric's limit is written in. */
export function metricUnit(metric: Metric): Unit {
  if (metric.kind === 'llm') return metric.of === 'ttft' ? 'duration' : 'number';
  return METRIC_UNITS[metric.kind];
}
