import { describe, expect, it } from 'vitest';
import type { AttrsJson } from '../../src/report/json-contract.js';
import { runCli } from '../helpers/cli.js';

const DEMO = 'fixtures/demo/llm-gateway.otlp.jsonl';

describe('tracectl attrs', () => {
  it('lists the span and resource keys of the demo with counts, types, distinct values and samples', async () => {
    const run = await runCli(['attrs', DEMO], { tty: 160, env: { NO_COLOR: '1' } });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.split('\n')[0]).toBe('41 span keys and 4 resource keys in 63 traces (759 spans)');
    // The demo's tenants: acme, globex, hooli, initech, umbrella (scripts/demo-traces.ts), one per root span.
    expect(run.stdout).toMatch(/^app\.tenant +63 +63 +string +5 +acme, globex, hooli +gateway POST \/v1\/chat \(\+1\)$/m);
    expect(run.stdout).toMatch(/^cache\.hit +36 +36 +bool +2 +false, true +gateway cache_lookup$/m);
    expect(run.stdout).toMatch(/^service\.name +759 +63 +string +7 /m);
  });

  it('--by-operation lists, per service, its resource keys and per operation the span keys with their spans', async () => {
    const run = await runCli(['attrs', '--by-operation', DEMO]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const reranker = run.stdout.slice(run.stdout.indexOf('\nreranker\n') + 1).split('\n\n')[0]!;
    // 23 rerank spans, each with the model, the candidate count and top_n (the main table's counts for these keys).
    expect(reranker).toMatch(/^reranker\n {2}resource: service\.name, service\.version, telemetry\.sdk\.language, telemetry\.sdk\.name\n {2}rerank\n/);
    expect(reranker).toMatch(/^ {4}rerank\.candidates +23$/m);
    expect(reranker).toMatch(/^ {4}rerank\.model +23$/m);
    expect(reranker).toMatch(/^ {4}rerank\.top_n +23$/m);
  });

  it('--json follows the contract, and --service narrows the traces', async () => {
    const run = await runCli(['attrs', DEMO, '--json']);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as AttrsJson & { schema: string };
    expect(body).toMatchObject({ schema: 'tracectl/v1', traces: 63, spans: 759 });
    const method = body.keys.find((k) => k.key === 'http.request.method')!;
    expect(method).toMatchObject({ scope: 'span', spans: 417, traces: 63, types: { string: 417 }, distinct: 1, distinctCapped: false, samples: ['POST'] });
    expect(method.where.reduce((sum, w) => sum + w.spans, 0)).toBe(417);
    const narrowed = JSON.parse((await runCli(['attrs', DEMO, '--json', '--service', 'reranker'])).stdout) as AttrsJson;
    expect(narrowed.traces).toBeLessThan(63);
    expect(narrowed.keys.find((k) => k.key === 'rerank.model')!.traces).toBe(narrowed.traces);
  });
});
