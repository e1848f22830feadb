import { runCli } from '../helpers/cli.js';
import { describe, expect, it } from 'vitest';
import { DEMO_EPOCH_MS, DEMO_SEED, DEMO_TRACE_COUNT, generateDemoTraces, rootSpan } from '../../scripts/demo-traces.js';
import { DEMO_FORMATS } from '../helpers/demo.js';

const run = (args: string[], tty?: number) => runCli(['bottlenecks', ...args], tty === undefined ? {} : { tty });
const model = generateDemoTraces({ seed: DEMO_SEED, count: DEMO_TRACE_COUNT, startEpochMs: DEMO_EPOCH_MS });

describe('tracectl bottlenecks', () => {
  it('prints the contract as JSON, schema tracectl/v1', async () => {
    const { code, stdout, stderr } = await run([DEMO_FORMATS.otlp, '--json']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const body = JSON.parse(stdout) as { schema: string; traces: number; operations: Record<string, unknown>[] };
    expect(body.schema).toBe('tracectl/v1');
    expect(body.traces).toBe(model.length);
    expect(model).toHaveLength(70);
    expect(body.operations).toHaveLength(15);
    for (const op of body.operations) {
      expect(Object.keys(op)).toEqual(expect.arrayContaining(['service', 'name', 'count', 'criticalMs', 'criticalShare', 'selfMs', 'durationMs', 'onPathFrequency']));
      expect(Object.keys(op.selfMs as object).sort()).toEqual(['p50', 'p95', 'p99', 'total']);
      expect(Object.keys(op.durationMs as object).sort()).toEqual(['p50', 'p95', 'p99']);
    }
    const critical = body.operations.map((o) => o.criticalMs as number);
    expect(critical).toEqual([...critical].sort((a, b) => b - a));
    expect(body.operations[0]).toMatchObject({ service: 'llm-api', name: 'llm_completion' });
  });

  it('narrows the traces with the shared filters', async () => {
    const slow = model.filter((t) => rootSpan(t).durationUs >= 2_000_000).length;
    expect(slow).toBeGreaterThan(0);
    expect(slow).toBeLessThan(model.length);
    const { code, stdout, stderr } = await run([DEMO_FORMATS.jaeger, '--min-duration', '2s', '--json']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout).traces).toBe(slow);
    const chat = await run([DEMO_FORMATS.zipkin, '--operation', 'POST /v1/chat', '--json', '--top', '100']);
    const ops = (JSON.parse(chat.stdout).operations as { service: string }[]).map((o) => o.service);
    expect(ops).not.toContain('rag-service');
  });

  it('adds the band comparison with --bands and limits rows with --top', async () => {
    const { stdout } = await run([DEMO_FORMATS.otlp, '--bands', '--top', '3', '--json']);
    const body = JSON.parse(stdout);
    expect(body.operations).toHaveLength(3);
    // 22 operations of the gateway world, 13 of the dialect traces; the fastest half of 70.
    expect(body.operationCount).toBe(35);
    expect(body.bands.fast.traces).toBe(35);
    expect(body.bands.operations).toHaveLength(3);
    expect(body.bands.operations[0]).toMatchObject({ service: 'vector-store', name: 'SELECT' });
  });

  it('prints a table on a terminal, without colour when piped', async () => {
    const { code, stdout, stderr } = await run([DEMO_FORMATS.otlp, '--top', '2']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).not.toContain('\u001b[');
    expect(stdout.split('\n')[0]).toMatch(/^SERVICE +OPERATION +CRITICAL +SHARE +ON PATH +COUNT/);
    expect(stdout).toContain(`${model.length} traces analyzed`);
  });

  it('rejects a bad --top with exit 2 and nothing on stdout', async () => {
    for (const top of ['0', 'ten', '-3', '1.5']) {
      const { code, stdout, stderr } = await run([DEMO_FORMATS.otlp, '--top', top]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(`--top "${top}" is not a positive whole number`);
    }
  });

  it('reports an unreadable input with exit 3', async () => {
    const { code, stdout, stderr } = await run(['fixtures/does-not-exist.json']);
    expect(code).toBe(3);
    expect(stdout).toBe('');
    expect(stderr).toContain('cannot read fixtures/does-not-exist.json');
  });
});
