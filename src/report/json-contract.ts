import type { AttrsReport } from '../analyze/attrs.js';
import type { BandComparison, BottleneckReport } from '../analyze/bottlenecks.js';
import type { CacheReport } from '../analyze/cache.js';
import type { DependencyMap } from '../analyze/deps.js';
import type { ErrorReport } from '../analyze/errors.js';
import type { Finding, InsightGroup } from '../analyze/insights.js';
import type { LlmReport, SpanLlmUsage, TraceLlmUsage } from '../analyze/llm.js';
import type { TraceSummary } from '../analyze/trace-summary.js';

/**
 * The `--json` contract, schema `tracectl/v1` (DESIGN.md "JSON output contract"; documented
 * field by field in docs/json.md): one type per command's document. Renderers return these
 * types and `readBaseline` reads `CheckJson` back, so the writing and the reading side cannot
 * drift apart. Every object may gain fields; none listed here may go missing. Times are
 * milliseconds, rounded to whole nanoseconds.
 */

/** The version every document carries; bump on an incompatible change. */
export const JSON_SCHEMA = 'tracectl/v1';

export interface SpanRefJson {
  service: string;
  name: string;
}

// ---------------------------------------------------------------------------------------
// show, find
// ---------------------------------------------------------------------------------------

export interface ShowSpanJson {
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  kind: string;
  /** Offset from the trace's start, after clock-skew correction. */
  startMs: number;
  /** The same instant as wall-clock time, ISO 8601 (UTC) to the nanosecond. */
  start: string;
  durationMs: number;
  selfMs: number;
  depth: number;
  status: 'ok' | 'error' | 'unset';
  statusMessage: string | null;
  critical: boolean;
  criticalMs: number;
  attributes: Record<string, unknown>;
  events: { name: string; timeMs: number; attributes: Record<string, unknown> }[];
  /** Only on LLM model calls (docs/llm.md): what the call used and cost. */
  llm?: ShowLlmSpanJson;
}

/** A model call in `show`, as the analysis reports it (analyze/llm.ts): input counts cached tokens; `counted` false for a wrapper. */
export type ShowLlmSpanJson = SpanLlmUsage;

/** A trace's model calls in all, each counted once, as the analysis reports them; `costUsd` null when none could be priced. */
export type ShowLlmTotalsJson = TraceLlmUsage;

export interface ShowJson {
  traceId: string;
  /** When the trace started (its earliest span, after repairs), ISO 8601 (UTC) to the nanosecond. */
  start: string;
  durationMs: number;
  spanCount: number;
  services: string[];
  warnings: readonly { kind: string; spanId: string; message: string }[];
  spans: ShowSpanJson[];
  /** The LLM calls in all; null when the trace has none. */
  llm: ShowLlmTotalsJson | null;
  /** The trace in the backend's web UI; only when read from a backend whose UI is known. */
  url?: string;
}

/** A row of `find`: the analysis's own summary, times in ms and `start` ISO 8601; `url` as in `show`. */
export type TraceRowJson = TraceSummary & { url?: string };

export interface FindJson {
  traces: TraceRowJson[];
}

// ---------------------------------------------------------------------------------------
// bottlenecks, errors, cache, deps, analyze
// ---------------------------------------------------------------------------------------

/**
 * The analyses' documents are their result types as they are (times in ms, rounded to whole
 * nanoseconds): what the analysis computes is what scripts read.
 */
export type BottlenecksJson = Omit<BottleneckReport, 'totalDurationMs' | 'bands'> & {
  totalDurationMs: number;
  /** Operations found; `operations` holds the top ones. */
  operationCount: number;
  /** With `--bands`; null when fewer than two traces leave nothing to compare. */
  bands?: BandComparison | null;
};

export type ErrorsJson = ErrorReport;

export type CacheJson = CacheReport;

export type DepsJson = DependencyMap;

export interface AnalyzeJson {
  bottlenecks: BottlenecksJson;
  errors: ErrorsJson;
  cache: CacheJson;
  /** As `llm --json` prints it; null when the traces hold no LLM call, agent or tool. */
  llm: LlmJson | null;
  deps: DepsJson;
}

/** `llm`: per provider and model, per request, tools and agents (the analysis's own report). */
export type LlmJson = LlmReport;

/** `insights`: findings grouped by pattern and place, by total savable time. */
export interface InsightsJson {
  traces: number;
  findings: InsightGroup[];
}

/** `insights --trace ID`: one trace's findings, each with its parent and spans. */
export interface TraceInsightsJson {
  traceId: string;
  findings: Finding[];
}

// ---------------------------------------------------------------------------------------
// check
// ---------------------------------------------------------------------------------------

export interface CheckResultJson {
  /** The budget's name. */
  name: string;
  metric: string;
  /** In the metric's unit (ms for durations, a fraction for shares); null without data. */
  actual: number | null;
  limit: number | null;
  passed: boolean;
  status: 'pass' | 'fail' | 'skip';
  reason: string;
  kind: 'assertion' | 'regression';
  assertion: string;
  op: string;
  unit: 'duration' | 'ratio' | 'number';
  line: number;
  samples: number;
  traces: number;
  minSamples: number;
  message: string;
  worstTraces: { traceId: string; value: number | null }[];
  breakdown: { traceId: string; spanId: string; service: string; name: string; durationMs: number; operations: (SpanRefJson & { criticalMs: number })[] } | null;
  /** Regression rows only. */
  baseline?: number | null;
  change?: number | null;
  maxRegression?: number;
  attribution?: (SpanRefJson & { baselineMs: number; currentMs: number; deltaMs: number })[];
}

export interface CheckBudgetJson {
  name: string;
  line: number;
  status: 'pass' | 'fail' | 'skip';
  samples: number;
  traces: number;
  minSamples: number;
  onMissing: 'fail' | 'skip';
  select: Record<string, unknown>;
  /** Mean critical-path time per sample by operation: what a later `--baseline` attributes a regression with. */
  criticalPath: (SpanRefJson & { msPerSample: number })[];
}

export interface CheckJson {
  passed: boolean;
  traces: number;
  summary: { checks: number; passed: number; failed: number; skipped: number };
  results: CheckResultJson[];
  budgets: CheckBudgetJson[];
  warnings: string[];
}

// ---------------------------------------------------------------------------------------
// services, operations, errors
// ---------------------------------------------------------------------------------------

export interface ServicesJson {
  services: string[];
}

export interface OperationsJson {
  service: string;
  operations: string[];
}

/** What every command prints on stdout with `--json` when it fails. */
export interface ErrorJson {
  error: { code: number; message: string };
}

// ---------------------------------------------------------------------------------------
// compare, diff
// ---------------------------------------------------------------------------------------

export interface CohortJson {
  traces: number;
  /** null when the cohort is empty. */
  durationMs: { p50: number | null; p95: number | null; mean: number | null };
}

export interface CompareJson {
  /** How the cohorts were chosen: `slow` (with `percentile`, `thresholdMs`), `where`, `errors`, `baseline`. */
  cohorts: { kind: 'slow' | 'where' | 'errors' | 'baseline'; percentile?: number; thresholdMs?: number | null; where?: string };
  target: CohortJson;
  baseline: CohortJson;
  /** target mean − baseline mean; null when a cohort is empty. */
  deltaMeanMs: number | null;
  /** Operations by contribution, then `{service: "", name: "(other)"}`; deltaMs adds up to deltaMeanMs. */
  attribution: Array<{ service: string; name: string; targetMs: number; baselineMs: number; deltaMs: number; share: number | null }>;
  counts: Array<{ service: string; name: string; targetPerTrace: number; baselinePerTrace: number }>;
  onlyIn: {
    target: Array<{ service: string; name: string; perTrace: number; traceShare: number }>;
    baseline: Array<{ service: string; name: string; perTrace: number; traceShare: number }>;
  };
  attributes: Array<{ key: string; value: string; targetShare: number; baselineShare: number; targetTraces: number; baselineTraces: number; score: number }>;
  numeric: Array<{ key: string; targetMedian: number; baselineMedian: number; targetTraces: number; baselineTraces: number; score: number }>;
  skippedKeys: string[];
}

export interface DiffSideJson {
  traceId: string;
  durationMs: number;
  criticalPath: Array<{ service: string; name: string; ms: number }>;
}

export interface DiffJson {
  a: DiffSideJson;
  b: DiffSideJson;
  tolerance: { ratio: number; ms: number };
  summary: { added: number; removed: number; slower: number; faster: number; same: number };
  spans: Array<{
    service: string;
    name: string;
    path: string;
    depth: number;
    aMs: number | null;
    bMs: number | null;
    deltaMs: number | null;
    change: 'same' | 'slower' | 'faster' | 'added' | 'removed';
    critical: { a: number | null; b: number | null };
  }>;
}

// ---------------------------------------------------------------------------------------
// attrs
// ---------------------------------------------------------------------------------------

/** `attrs`: the analysis's report as it is (analyze/attrs.ts). */
export type AttrsJson = AttrsReport;

// ---------------------------------------------------------------------------------------
// config
// ---------------------------------------------------------------------------------------

/** A named backend of the config file; header values that are credentials read `***`. */
export interface NamedBackendJson {
  name: string;
  kind: string;
  url: string;
  headers: Record<string, string>;
  /** The variable holding the token (never the token). */
  tokenEnv?: string;
  uiUrl?: string;
  datasource?: string;
}

/** `config list`, `config use`, `config current`. */
export interface ConfigJson {
  path: string;
  current: string | null;
  backends: NamedBackendJson[];
}

// ---------------------------------------------------------------------------------------
// receive
// ---------------------------------------------------------------------------------------

/** What `receive` got, printed when it stops. */
export interface ReceiveJson {
  /** The file the spans were appended to. */
  out: string;
  /** Where it listened, `host:port`; `grpc` null with --grpc off. */
  http: string;
  grpc: string | null;
  /** Export requests answered, errors included. */
  requests: number;
  /** Spans written. */
  spans: number;
  /** Distinct trace ids among them. */
  traces: number;
  /** Requests answered with an error (400, 404, 405, 413, 415; gRPC INVALID_ARGUMENT). */
  errors: number;
  /** Spans answered as rejected in a partial success (an invalid id or time). */
  rejectedSpans: number;
  /** How long it listened. */
  durationMs: number;
}

/** Any document of the contract. */
export type TracectlJson =
  | ShowJson
  | AttrsJson
  | ConfigJson
  | FindJson
  | BottlenecksJson
  | ErrorsJson
  | CacheJson
  | DepsJson
  | AnalyzeJson
  | LlmJson
  | InsightsJson
  | TraceInsightsJson
  | CompareJson
  | DiffJson
  | CheckJson
  | ServicesJson
  | OperationsJson
  | ReceiveJson
  | ErrorJson;
