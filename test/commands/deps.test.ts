import { runCli } from '../helpers/cli.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_FORMATS } from '../helpers/demo.js';
import { HOSTILE, parseDot, parseMermaid, UNPRINTABLE } from '../helpers/graph-text.js';
import { cleanText } from '../../src/report/sanitize.js';

const deps = (args: string[], fake = {}) => runCli(['deps', ...args], fake);

interface DepsBody {
  schema: string;
  traces: number;
  services: { name: string; spans: number; errors: number; entry: boolean; virtual: boolean }[];
  edges: { from: string; to: string; calls: number; errors: number; p50Ms: number; p95Ms: number; kind: string; callsPerTrace: number }[];
}

async function depsJson(args: string[]): Promise<DepsBody> {
  const run = await deps([...args, '--json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as DepsBody;
}

/** A Zipkin file whose callee service is named to break out of Mermaid, DOT and the terminal. */
function hostileFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tracectl-deps-'));
  const file = join(dir, 'hostile.json');
  const span = (id: string, parentId: string | undefined, kind: string, service: string, extra: object = {}) => ({
    traceId: '00000000000000a1',
    id,
    ...(parentId ? { parentId } : {}),
    kind,
    name: 'call',
    timestamp: 1_793_527_200_000_000,
    duration: 1000,
    localEndpoint: { serviceName: service },
    ...extra,
  });
  writeFileSync(
    file,
    JSON.stringify([
      span('0000000000000001', undefined, 'SERVER', 'gw'),
      span('0000000000000002', '0000000000000001', 'CLIENT', 'gw'),
      span('0000000000000003', '0000000000000002', 'SERVER', HOSTILE),
      span('0000000000000004', '0000000000000003', 'CLIENT', HOSTILE, { remoteEndpoint: { serviceName: `db"]\n${HOSTILE}` } }),
    ]),
  );
  return file;
}

describe('tracectl deps', () => {
  it('prints the map as JSON (schema tracectl/v1), the same from every demo format', async () => {
    const bodies = await Promise.all(Object.values(DEMO_FORMATS).map((f) => depsJson([f])));
    const body = bodies[0]!;
    expect(body.schema).toBe('tracectl/v1');
    expect(body.traces).toBe(70);
    for (const s of body.services) expect(Object.keys(s)).toEqual(expect.arrayContaining(['name', 'spans', 'errors']));
    for (const e of body.edges) expect(Object.keys(e)).toEqual(expect.arrayContaining(['from', 'to', 'calls', 'errors', 'p50Ms', 'p95Ms']));
    expect(body.edges.map((e) => `${e.from} → ${e.to} ${e.calls}`)).toEqual([
      // The dialect traces' edges worked out in test/analyze/deps.test.ts.
      'agent-service → anthropic 9',
      'gateway → agent-service 5',
      'gateway → llm-api 23',
      'gateway → postgresql 27',
      'gateway → rag-service 29',
      'gateway → usage-worker 51',
      'llm-api → openai 48',
      'rag-service → embedding-service 29',
      'rag-service → llm-api 23',
      'rag-service → reranker 25',
      'rag-service → vector-store 58',
      'rag-service → vllm 2',
      'usage-worker → postgresql 51',
      'vector-store → postgresql 54',
    ]);
    expect(bodies[1]).toEqual(body);
    expect(bodies[2]).toEqual(body);
  });

  it('applies the shared filters before mapping', async () => {
    // The 4 traces whose vector-store search timed out: no reranker, no LLM, no usage event.
    const body = await depsJson([DEMO_FORMATS.otlp, '--where', 'error.type=TimeoutError', '--service', 'vector-store']);
    expect(body.traces).toBe(4);
    expect(body.edges.map((e) => `${e.from} → ${e.to} ${e.calls}/${e.errors}`)).toEqual([
      'gateway → rag-service 4/4',
      'rag-service → embedding-service 4/0',
      'rag-service → vector-store 8/4',
      'vector-store → postgresql 4/0',
    ]);
  });

  it('draws a tree by default, fitted to the terminal', async () => {
    const run = await deps([DEMO_FORMATS.zipkin], { tty: 80, env: { NO_COLOR: '1' } });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^70 traces · 9 services · 3 uninstrumented peers · 14 edges\n\nSERVICE +CALLS +ERR +P50 +P95\ngateway \(entry\)\n├─→ usage-worker/);
    expect(Math.max(...run.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
  });

  it('prints Mermaid with --format mermaid and DOT with --format dot', async () => {
    const mermaid = await deps([DEMO_FORMATS.jaeger, '--format', 'mermaid']);
    expect([mermaid.code, mermaid.stderr]).toEqual([0, '']);
    expect([...parseMermaid(mermaid.stdout).values()]).toEqual([
      'agent-service', 'anthropic', 'embedding-service', 'gateway', 'llm-api', 'openai', 'postgresql', 'rag-service', 'reranker', 'usage-worker', 'vector-store', 'vllm',
    ]);
    expect(mermaid.stdout.match(/-->/g)).toHaveLength(14);

    const dot = await deps([DEMO_FORMATS.jaeger, '--format', 'dot']);
    expect([dot.code, dot.stderr]).toEqual([0, '']);
    expect(parseDot(dot.stdout).size).toBe(12);
    expect(dot.stdout.match(/ -> /g)).toHaveLength(14);
  });

  it('keeps a hostile service name inside its label in Mermaid, DOT and the tree', async () => {
    const file = hostileFile();
    const mermaid = await deps([file, '--format', 'mermaid']);
    const dot = await deps([file, '--format', 'dot']);
    const tree = await deps([file]);
    for (const run of [mermaid, dot, tree]) expect([run.code, run.stderr]).toEqual([0, '']);
    const expected = ['gw', cleanText(HOSTILE), cleanText(`db"]\n${HOSTILE}`)].sort();
    expect([...parseMermaid(mermaid.stdout).values()].sort()).toEqual(expected);
    expect([...parseDot(dot.stdout).values()].sort()).toEqual(expected);
    expect(tree.stdout).not.toMatch(UNPRINTABLE);
    expect(tree.stdout.split('\n')).toHaveLength(7);
  });

  it('prints an empty map for an empty selection', async () => {
    const run = await deps([DEMO_FORMATS.otlp, '--service', 'no-such-service']);
    expect(run).toEqual({ code: 0, stdout: 'no traces match\n', stderr: '' });
    const body = await depsJson([DEMO_FORMATS.otlp, '--service', 'no-such-service']);
    expect(body).toEqual({ schema: 'tracectl/v1', traces: 0, services: [], edges: [], unresolvedCalls: 0 });
  });

  it('refuses an unknown --format with exit 2', async () => {
    const run = await deps([DEMO_FORMATS.otlp, '--format', 'svg']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("argument 'svg' is invalid. Allowed choices are tree, mermaid, dot.");
  });

  it('refuses --format together with --json with exit 2', async () => {
    const run = await deps([DEMO_FORMATS.otlp, '--format', 'dot', '--json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("option '--format <format>' cannot be used with option '--json'");
  });

  it('exits 3 on a missing file', async () => {
    const run = await deps(['fixtures/no-such-file.json']);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^tracectl: cannot read fixtures\/no-such-file\.json/);
  });
});
