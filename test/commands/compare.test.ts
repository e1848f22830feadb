import { describe, expect, it } from 'vitest';
import type { CompareJson, DiffJson } from '../../src/report/json-contract.js';
import { runCli } from '../helpers/cli.js';

const DEMO = 'fixtures/demo/llm-gateway.otlp.jsonl';
// The slowest chat request of the demo and one of median duration (`find --operation 'POST /v1/chat' --json`).
const SLOWEST = '8b67b287e744d32372ec27496725b575';
const TYPICAL = '7146c725abc3c5cc2983d34409fbe808';

describe('tracectl compare', () => {
  it('names llm_completion and the model on the demo chat endpoint, in 80 columns', async () => {
    const run = await runCli(['compare', '--slow', 'p90', '--operation', 'POST /v1/chat', DEMO], { tty: 80, env: { NO_COLOR: '1' } });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    // The first attribution row names the LLM call; the first attribute the model.
    const table = lines.findIndex((l) => l.startsWith('SERVICE'));
    expect(lines[table + 1]).toMatch(/llm_completion/);
    // A share that shrank is signed as its DELTA is (the gateway's SELECT ran only in the baseline).
    expect(lines.find((l) => /^gateway\s+SELECT\s/.test(l))).toMatch(/−\S+\s+−[\d.]+%$/);
    const attrs = lines.findIndex((l) => l.startsWith('KEY'));
    expect(lines[attrs + 1]).toMatch(/gen_ai\.(request|response)\.model\s+gpt-4o/);
    // The keys skipped for too many values (the N+1's SELECT texts among them) wrap to the width.
    expect(run.stdout).toMatch(/\nskipped, too many distinct values \(--attr KEY compares one\):\n {2}db\.query\.text, gen_ai\.usage\.input_tokens,/);
  });

  it('--json follows the contract and the attribution adds up', async () => {
    const run = await runCli(['compare', '--operation', 'POST /v1/chat', '--json', DEMO]);
    const doc = JSON.parse(run.stdout) as CompareJson & { schema: string };
    expect(doc.schema).toBe('tracectl/v1');
    expect(doc.cohorts).toMatchObject({ kind: 'slow', percentile: 90 });
    expect(doc.target.traces + doc.baseline.traces).toBe(36);
    expect(doc.attribution[0]).toMatchObject({ service: 'llm-api', name: 'llm_completion' });
    const total = doc.attribution.reduce((s, r) => s + r.deltaMs, 0);
    expect(Math.abs(total - doc.deltaMeanMs!)).toBeLessThan(1e-3);
    expect(doc.attributes[0]!.value).toBe('gpt-4o');
  });

  it('--markdown prints tables for a pull-request comment', async () => {
    const run = await runCli(['compare', '--operation', 'POST /v1/chat', '--markdown', DEMO]);
    expect(run.stdout).toMatch(/^## tracectl compare/);
    expect(run.stdout).toMatch(/\| llm-api \| llm\\_completion \|/);
  });

  it('--baseline compares two sets of sources; --errors the failed traces', async () => {
    const base = await runCli(['compare', DEMO, '--json', '--baseline', DEMO]);
    const doc = JSON.parse(base.stdout) as CompareJson;
    expect(doc.cohorts.kind).toBe('baseline');
    expect(doc.deltaMeanMs).toBe(0);
    expect(doc.attributes).toEqual([]);
    const errors = JSON.parse((await runCli(['compare', '--errors', '--json', DEMO])).stdout) as CompareJson;
    expect(errors.cohorts.kind).toBe('errors');
    expect(errors.target.traces).toBeGreaterThan(0);
  });

  it('one way to split at a time; a bad percentile is a usage error', async () => {
    expect((await runCli(['compare', '--errors', '--slow', 'p50', DEMO])).code).toBe(2);
    const bad = await runCli(['compare', '--slow', 'p100', DEMO]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a percentile/);
  });
});

describe('tracectl diff', () => {
  it('shows the slowest request against a typical one: llm_completion changed most', async () => {
    const run = await runCli(['diff', TYPICAL, SLOWEST, DEMO], { tty: 80, env: { NO_COLOR: '1' } });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(lines.at(-2)).toMatch(/^B is 8\.04s slower than A .*most changed: llm-api llm_completion \+8\.04s/);
    expect(lines.at(-1)).toBe('6 slower, 0 faster, 0 added, 0 removed, 3 within tolerance');
  });

  it('--json lists every span with its change', async () => {
    const doc = JSON.parse((await runCli(['diff', TYPICAL, SLOWEST, DEMO, '--json'])).stdout) as DiffJson;
    expect(doc.a.traceId).toBe(TYPICAL);
    expect(doc.spans.find((s) => s.name === 'llm_completion')).toMatchObject({ change: 'slower' });
    expect(doc.spans.every((s) => ['same', 'slower', 'faster', 'added', 'removed'].includes(s.change))).toBe(true);
  });

  it('an unknown trace is exit 3', async () => {
    const run = await runCli(['diff', TYPICAL, 'ffffffffffffffffffffffffffffffff', DEMO]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/not found/);
  });
});
