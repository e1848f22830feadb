import type { Unit } from '../analyze/budget-spec.js';
import type { Baseline, CheckReport, OperationTime, ResultStatus } from '../analyze/budgets.js';
import { explain } from './check.js';
import { JSON_SCHEMA, type CheckBudgetJson, type CheckJson, type CheckResultJson } from './json-contract.js';
import { jsonMs } from './json.js';

/** Durations go out as milliseconds rounded to nanoseconds; shares and numbers as they are. */
function valueJson(value: number | null | undefined, unit: Unit): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  return unit === 'duration' ? jsonMs(value) : value;
}

/**
 * `check --json` (DESIGN.md: `{passed, results[{name, metric, actual, limit, passed}]}`),
 * results in file order. `budgets[].criticalPath` is what a later run's `--baseline`
 * attributes a regression with, so it is always included.
 */
export function checkJson(report: CheckReport): CheckJson {
  const count = (s: ResultStatus): number => report.results.filter((r) => r.status === s).length;
  return {
    passed: report.passed,
    traces: report.traces,
    summary: { checks: report.results.length, passed: count('pass'), failed: count('fail'), skipped: count('skip') },
    results: report.results.map((r) => ({
      name: r.budget,
      metric: r.metric,
      actual: valueJson(r.actual, r.unit),
      limit: valueJson(r.limit, r.unit),
      passed: r.status !== 'fail',
      status: r.status,
      reason: r.reason,
      kind: r.kind,
      assertion: r.assertion,
      op: r.op,
      unit: r.unit,
      line: r.line,
      samples: r.samples,
      traces: r.traces,
      minSamples: r.minSamples,
      message: explain(r),
      worstTraces: r.worstTraces.map((t) => ({ traceId: t.traceId, value: valueJson(t.value, r.unit) })),
      breakdown: r.breakdown && {
        traceId: r.breakdown.traceId,
        spanId: r.breakdown.spanId,
        service: r.breakdown.service,
        name: r.breakdown.name,
        durationMs: jsonMs(r.breakdown.durationMs),
        operations: r.breakdown.operations.map((o) => ({ service: o.service, name: o.name, criticalMs: jsonMs(o.ms) })),
      },
      ...(r.kind === 'regression'
        ? {
            baseline: valueJson(r.baseline, r.unit),
            // Infinity (a worsening from 0) has no JSON form: null.
            change: r.change !== undefined && Number.isFinite(r.change) ? r.change : null,
            maxRegression: r.maxRegression,
            attribution: (r.attribution ?? []).map((c) => ({
              service: c.service,
              name: c.name,
              baselineMs: jsonMs(c.baselineMs),
              currentMs: jsonMs(c.currentMs),
              deltaMs: jsonMs(c.deltaMs),
            })),
          }
        : {}),
    })),
    budgets: report.budgets.map((b) => ({
      name: b.name,
      line: b.line,
      status: b.status,
      samples: b.samples,
      traces: b.traces,
      minSamples: b.minSamples,
      onMissing: b.onMissing,
      select: b.select,
      criticalPath: b.criticalPath.map((o) => ({ service: o.service, name: o.name, msPerSample: jsonMs(o.ms) })),
    })),
    warnings: report.warnings,
  };
}

/**
 * Reads the `--json` output of an earlier check (`CheckJson`, what `checkJson` writes) as a
 * baseline; null when `json` is not one. Only what a comparison needs is kept: each
 * assertion's actual value, and each budget's critical-path composition (missing in a
 * baseline only loses the attribution).
 */
export function readBaseline(json: unknown): Baseline | null {
  if (typeof json !== 'object' || json === null) return null;
  const body = json as Partial<Record<keyof CheckJson | 'schema', unknown>>;
  if (body.schema !== JSON_SCHEMA || !Array.isArray(body.results)) return null;
  const results: Baseline['results'] = [];
  for (const r of body.results as unknown[]) {
    if (typeof r !== 'object' || r === null) return null;
    const { name, metric, actual, kind } = r as Partial<Record<keyof CheckResultJson, unknown>>;
    if (typeof name !== 'string' || typeof metric !== 'string') return null;
    if (kind !== undefined && kind !== 'assertion') continue;
    results.push({ name, metric, actual: typeof actual === 'number' && Number.isFinite(actual) ? actual : null });
  }
  const budgets = new Map<string, OperationTime[]>();
  if (Array.isArray(body.budgets)) {
    for (const b of body.budgets as unknown[]) {
      const { name, criticalPath: ops } = (b ?? {}) as Partial<Record<keyof CheckBudgetJson, unknown>>;
      if (typeof name !== 'string' || !Array.isArray(ops)) continue;
      budgets.set(
        name,
        (ops as unknown[]).flatMap((o) => {
          const { service, name: opName, msPerSample } = (o ?? {}) as Partial<Record<keyof CheckBudgetJson['criticalPath'][number], unknown>>;
          return typeof service === 'string' && typeof opName === 'string' && typeof msPerSample === 'number' ? [{ service, name: opName, ms: msPerSample }] : [];
        }),
      );
    }
  }
  return { results, budgets };
}
