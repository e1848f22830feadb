import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateBudgets } from '../../src/analyze/budgets.js';
import { errorRoots } from '../../src/analyze/errors.js';
import { parseBudgetFile } from '../../src/commands/budgets-file.js';
import { processIo } from '../../src/io.js';
import { buildTrace } from '../../src/model/build-trace.js';
import { isFailedTrace } from '../../src/model/error-span.js';
import type { Trace } from '../../src/model/span.js';
import { loadTraces } from '../../src/pipeline/read.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { records } from '../helpers/spans.js';

/** Every trace's root measured: `error_rate` over roots is the share of failed traces. */
const ROOTS = parseBudgetFile('version: 1\nbudgets:\n  - name: roots\n    select: {}\n    assert: ["error_rate < 100%"]\n', 'b.yaml');

/** How many traces each of `errors` and `check` counts as failed. */
function failedBy(traces: readonly Trace[]): { errors: number; check: number; model: number } {
  const row = evaluateBudgets(traces, ROOTS).results[0]!;
  return {
    errors: errorRoots(traces).failedTraces,
    check: row.actual === null ? 0 : Math.round(row.actual * row.samples),
    model: traces.filter(isFailedTrace).length,
  };
}

const FIXTURE_DIRS = ['otlp', 'jaeger', 'tempo', 'zipkin', 'demo'];
const traceFiles = FIXTURE_DIRS.flatMap((dir) =>
  readdirSync(join(REPO_ROOT, 'fixtures', dir))
    .filter((f) => /\.(json|jsonl)$/.test(f) && !/services|operations|summaries|dependencies|manifest/.test(f))
    .map((f) => `fixtures/${dir}/${f}`),
);

describe('errors and check agree on which traces failed', () => {
  it.each(traceFiles)('%s', async (file) => {
    const traces = (await loadTraces([join(REPO_ROOT, file)], processIo())).value;
    const counts = failedBy(traces);
    expect(counts.check).toBe(counts.errors);
    expect(counts.model).toBe(counts.errors);
  });

  /*
   * A root with status unset and HTTP 503 (a server error, semconv "HTTP spans"): a failed
   * trace for every command, although nothing set its status.
   *
   *   POST /checkout  |==========|  server, status unset, http.response.status_code 503
   */
  it('a root with status unset and HTTP 503 is a failed trace for both', () => {
    const trace = buildTrace('1'.padStart(32, '0'), records([
      { id: 'a', name: 'POST /checkout', service: 'shop', kind: 'server', start: 0, dur: 10, attrs: { 'http.response.status_code': 503 } },
    ]));
    const ok = buildTrace('2'.padStart(32, '0'), records([{ id: 'b', name: 'POST /checkout', service: 'shop', kind: 'server', start: 0, dur: 10, trace: '2' }]));
    expect(failedBy([trace, ok])).toEqual({ errors: 1, check: 1, model: 1 });
    const row = evaluateBudgets([trace, ok], parseBudgetFile('version: 1\nbudgets:\n  - name: r\n    select: {}\n    assert: ["error_rate < 1%"]\n', 'b.yaml')).results[0]!;
    expect(row).toMatchObject({ status: 'fail', actual: 0.5 });
  });
});
