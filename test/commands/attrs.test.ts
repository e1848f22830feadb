import { describe, expect, it } from 'vitest';
import type { AttrsJson } from '../../src/report/json-contract.js';
import { runCli } from '../helpers/cli.js';

const DEMO = 'fixtures/demo/llm-gateway.otlp.jsonl';

describe('tracectl attrs', () => {
  it('lists the span and resource keys of the demo with counts, types, distinct values and samples', async () => {
    const run = await runCli(['attrs', DEMO], { tty: 160, env: { NO_COLOR: '1' } });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    // 41 keys of the gateway world and 27 of the dialect traces (vLLM's, OpenInference's, OpenLLMetry's, GenAI streaming and cache writes).
    expect(run.stdout.split('\n')[0]).toBe('68 span keys and 4 resource keys in 70 traces (847 spans)');
    // The demo's tenants: acme, globex, hooli, initech, umbrella (scripts/demo-traces.ts), one per root span.
    expect(run.stdout).toMatch(/^app\.tenant +70 +70 +string +5 +acme, globex, hooli +gateway POST \/v1\/chat \(\+3\)$/m);
    expect(run.stdout).toMatch(/^cache\.hit +36 +36 +bool +2 +false, true +gateway cache_lookup$/m);
    expect(run.stdout).toMatch(/^service\.name +847 +70 +string +9 /m);
  });

  it('--by-operation lists, per service, its resource keys and per operation the span keys with their spans', async () => {
    const run = await runCli(['attrs', '--by-operation', DEMO]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const reranker = run.stdout.slice(run.stdout.indexOf('\nreranker\n') + 1).split('\n\n')[0]!;
    // 25 rerank spans, each with the model, the candidate count and top_n (the main table's counts for these keys).
    expect(reranker).toMatch(/^reranker\n {2}resource: service\.name, service\.version, telemetry\.sdk\.language, telemetry\.sdk\.name\n {2}rerank\n/);
    expect(reranker).toMatch(/^ {4}rerank\.candidates +25$/m);
    expect(reranker).toMatch(/^ {4}rerank\.model +25$/m);
    expect(reranker).toMatch(/^ {4}rerank\.top_n +25$/m);
  });

  it('--json follows the contract, and --service narrows the traces', async () => {
    const run = await runCli(['attrs', DEMO, '--json']);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as AttrsJson & { schema: string };
    expect(body).toMatchObject({ schema: 'tracectl/v1', traces: 70, spans: 847 });
    // 417 in the earlier traces; 3 in each agent and summary request (root, client, server)
    // and 12 in each ask on vLLM (vLLM's llm_request has none): 417 + 15 + 24.
    const method = body.keys.find((k) => k.key === 'http.request.method')!;
    expect(method).toMatchObject({ scope: 'span', spans: 456, traces: 70, types: { string: 456 }, distinct: 1, distinctCapped: false, samples: ['POST'] });
    expect(method.where.reduce((sum, w) => sum + w.spans, 0)).toBe(456);
    const narrowed = JSON.parse((await runCli(['attrs', DEMO, '--json', '--service', 'reranker'])).stdout) as AttrsJson;
    expect(narrowed.traces).toBeLessThan(70);
    expect(narrowed.keys.find((k) => k.key === 'rerank.model')!.traces).toBe(narrowed.traces);
  });
});
