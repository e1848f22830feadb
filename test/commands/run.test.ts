import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBin as tracectl } from '../helpers/cli.js';

// Through bin/ (run `npm run build` first): the command's stdio is the real process's.
const APP = 'test/commands/apps/checkout-app.mjs';
const BUDGETS = 'test/commands/apps/checkout-budgets.yaml';
const scratch = mkdtempSync(join(tmpdir(), 'tracectl-run-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('tracectl run -- <command>', () => {
  it('passes when the app, instrumented with the real SDK, keeps the budget; its output passes through', async () => {
    const out = join(scratch, 'fast.jsonl');
    const run = await tracectl(['run', '--flush-timeout', '200ms', '--budgets', BUDGETS, '--out', out, '--', 'node', APP]);
    expect(run.stderr).toContain('tracectl: 10 spans in 5 traces from "node test/commands/apps/checkout-app.mjs"');
    expect(run.stdout).toContain('checkout-app: 5 requests\n');
    expect(run.stdout).toMatch(/PASS +checkout endpoint +p\(95\) < 500ms +120ms/);
    expect(run.code).toBe(0);
    // --out keeps what arrived: Collector JSON lines.
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    const spans = lines.flatMap((l) => (JSON.parse(l) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
    expect(spans).toHaveLength(10);
  });

  it('fails (exit 1) when the app breaks the budget: roots of 900 ms against p(95) < 500ms; --junit as check writes it', async () => {
    const junit = join(scratch, 'junit.xml');
    const run = await tracectl(['run', '--flush-timeout', '200ms', '--budgets', BUDGETS, '--junit', junit, '--', 'node', APP, '--slow']);
    expect(run.stdout).toMatch(/FAIL +checkout endpoint +p\(95\) < 500ms +900ms/);
    expect(run.code).toBe(1);
    expect(readFileSync(junit, 'utf8')).toContain('failures="1"');
  });

  it("the command's own failure wins over a passing check", async () => {
    const run = await tracectl(['run', '--flush-timeout', '200ms', '--budgets', BUDGETS, '--', 'node', APP, '--exit', '7']);
    expect(run.stdout).toMatch(/PASS +checkout endpoint/);
    expect(run.code).toBe(7);
  });

  it.each(['grpc', 'http/json'])('keeps the protocol the environment names (%s) and points the endpoint at the matching receiver', async (protocol) => {
    const run = await tracectl(['run', '--flush-timeout', '200ms', '--budgets', BUDGETS, '--', 'node', APP], { OTEL_EXPORTER_OTLP_PROTOCOL: protocol });
    expect(run.stderr).toContain('tracectl: 10 spans in 5 traces');
    expect(run.code).toBe(0);
  });

  it('without --budgets prints the analyze summary', async () => {
    const run = await tracectl(['run', '--flush-timeout', '200ms', '--json', '--', 'node', APP, '--requests', '2']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as { schema: string; bottlenecks: { operations: { name: string }[] } };
    expect(json.schema).toBe('tracectl/v1');
    expect(json.bottlenecks.operations.map((o) => o.name).sort()).toEqual(['GET /checkout', 'SELECT orders']);
    expect(run.stdout.slice(0, run.stdout.indexOf('{'))).toBe('checkout-app: 2 requests\n');
  });

  it('a command that sends no spans fails (exit 3) with the sentence on what to check', async () => {
    const run = await tracectl(['run', '--flush-timeout', '200ms', '--', 'node', 'test/commands/apps/silent-app.mjs'], { OTEL_SDK_DISABLED: 'true' });
    expect(run.stdout).toBe('silent-app: no tracing here\n');
    expect(run.stderr).toBe('tracectl: no spans arrived from "node test/commands/apps/silent-app.mjs": is an OpenTelemetry SDK installed and started in it with an OTLP trace exporter (OTEL_SDK_DISABLED is true here: unset it)?\n');
    expect(run.code).toBe(3);
  });

  it('a bad budgets file is exit 2 before the command runs; a missing program is exit 3', async () => {
    const bad = await tracectl(['run', '--budgets', 'no-such-budgets.yaml', '--', 'node', APP]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    const missing = await tracectl(['run', '--', 'no-such-program-tracectl']);
    expect(missing.stderr).toBe('tracectl: cannot run "no-such-program-tracectl": no such program\n');
    expect(missing.code).toBe(3);
  });
});
