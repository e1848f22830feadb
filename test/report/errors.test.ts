import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DemoManifest } from '../../scripts/demo-traces.js';
import { errorRoots } from '../../src/analyze/errors.js';
import { buildTrace } from '../../src/model/build-trace.js';
import { renderErrors } from '../../src/report/errors.js';
import { runCli } from '../helpers/cli.js';
import { records } from '../helpers/spans.js';

const DEMO = 'fixtures/demo/llm-gateway.otlp.jsonl';
const manifest = JSON.parse(readFileSync(new URL('../../fixtures/demo/manifest.json', import.meta.url), 'utf8')) as DemoManifest;

interface RootJson {
  service: string;
  name: string;
  count: number;
  errorType: string | null;
  message: string | null;
  exampleTraceIds: string[];
  propagatedTo: { service: string; name: string; count: number }[];
}

async function errorsJson(args: string[]): Promise<{ schema: string; traces: number; failedTraces: number; groups: number; roots: RootJson[] }> {
  const run = await runCli(['errors', ...args, '--json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Awaited<ReturnType<typeof errorsJson>>;
}

describe('tracectl errors', () => {
  it('--json follows the contract: {traces, failedTraces, roots[]}, by count', async () => {
    const body = await errorsJson([DEMO]);
    expect(body.schema).toBe('tracectl/v1');
    expect(body).toMatchObject({ traces: manifest.traceCount, failedTraces: manifest.failedTraces });
    expect(body.roots.length).toBeGreaterThan(0);
    for (const root of body.roots) {
      expect(Object.keys(root)).toEqual(expect.arrayContaining(['service', 'name', 'count', 'errorType', 'message', 'exampleTraceIds', 'propagatedTo']));
      expect(Object.keys(root)).toEqual(expect.arrayContaining(['fatal', 'absorbed', 'absorbedBy', 'chain', 'tracesAffected', 'cause']));
      expect(root.exampleTraceIds.length).toBeGreaterThan(0);
      expect(root.exampleTraceIds.length).toBeLessThanOrEqual(3);
      for (const id of root.exampleTraceIds) expect(id).toMatch(/^[0-9a-f]{32}$/);
    }
    const counts = body.roots.map((r) => r.count);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
  });

  it('--service narrows the traces analyzed', async () => {
    const body = await errorsJson([DEMO, '--service', 'reranker']);
    expect(body.traces).toBeLessThan(manifest.traceCount);
    expect(body.failedTraces).toBe(0);
    expect(body.roots.map((r) => `${r.count} ${r.service} ${r.name}`)).toEqual(['3 reranker rerank']);
  });

  it('--top keeps the most frequent groups and says how many there are', async () => {
    const body = await errorsJson([DEMO, '--top', '1']);
    expect(body.roots).toHaveLength(1);
    expect(body.groups).toBeGreaterThan(1);
    const text = await runCli(['errors', DEMO, '--top', '2']);
    expect(text.stdout).toContain(`… ${body.groups - 2} more groups (--top ${body.groups} shows all)`);
  });

  it('rejects a --top that is not a count, as a usage error', async () => {
    const run = await runCli(['errors', DEMO, '--top', 'many']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--top "many" is not a positive whole number');
  });

  it.each([80, 160])('prints the demo readably at %i columns', async (width) => {
    const run = await runCli(['errors', DEMO, '--no-color'], { tty: width });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    await expect(run.stdout).toMatchFileSnapshot(`./__golden__/errors-${width}.txt`);
    const lines = run.stdout.split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(width);
    // One group per origin and error type: the 5 of the gateway traces and the agent's Anthropic 429.
    const origins = manifest.errorOrigins.reduce((n, o) => n + o.count, 0);
    expect(origins).toBe(12);
    expect(lines[0]).toBe(`${manifest.traceCount} traces, ${manifest.failedTraces} failed · ${origins} error origins in 6 groups · ${manifest.errorSpans} error spans`);
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('keeps values whole when piped', async () => {
    const run = await runCli(['errors', 'fixtures/otlp/otel-demo-collector-export.jsonl', '--top', '40']);
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toContain('…');
    expect(run.stdout).toContain('    loadgenerator POST → frontend-proxy ingress → frontend POST [HTTP 500]\n');
  });

  it('says so when nothing failed', async () => {
    const run = await runCli(['errors', 'fixtures/jaeger/jaeger-v1-trace.json']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^1 trace, 0 failed · no error spans\n$/);
  });
});

describe('renderErrors', () => {
  it('reports a masked timeout at the span that ran until it struck, and fits a narrow terminal', () => {
    // call |=====================|      rag CLIENT ✗ "deadline exceeded"   ← gave up
    //  select |========================|  store CLIENT, ran past the deadline ← origin (timeout)
    const trace = buildTrace('1'.padStart(32, '0'), records([
      { id: 'c', start: 0, dur: 1000, service: 'rag', name: 'POST /search', kind: 'client', status: 'error', message: 'deadline exceeded after 1000ms while waiting for the vector store to answer the query' },
      { id: 'q', parent: 'c', start: 5, dur: 1200, service: 'store', name: 'SELECT', kind: 'client' },
    ]));
    const text = renderErrors(errorRoots([trace]), { color: false, width: 60, tty: true });
    expect(text).toBe([
      '1 trace, 1 failed · 1 error origin in 1 group · 1 error span',
      '',
      ' 1  store SELECT',
      '    deadline exceeded after <n>ms while waiting for the',
      '    vector store to answer the query',
      '    fatal 1 · 1 trace',
      '    timeout ran until rag POST /search gave up waiting',
      '    rag POST /search → store SELECT (ran until the timeout)',
      '    examples 00000000000000000000000000000001',
      '',
    ].join('\n'));
  });


  it('cleans escape sequences and bidi overrides out of trace-derived text', () => {
    const trace = buildTrace('1'.padStart(32, '0'), records([
      { id: 'r', start: 0, dur: 10, service: 'evil\u001b]0;pwned\u0007', name: 'op\u202e', status: 'error', message: 'boom\u001b[2J\nsecond line' },
    ]));
    const text = renderErrors(errorRoots([trace]), { color: false, width: 80, tty: true });
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/u);
    expect(text).toContain(' second line\n');
    expect(text).toContain(' 1  evil op\n');
  });
});
