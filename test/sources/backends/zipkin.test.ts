import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { toZipkinJson } from '../../../scripts/demo-traces.js';
import { REPO_ROOT } from '../../helpers/cli.js';
import { demoTraces, send, startServer, zipkinHandler, type FakeServer, type Handler } from './fake-backends.js';
import { jsonOf, tracectl, withoutUrls } from './run.js';

const DEMO = 'fixtures/demo/llm-gateway.zipkin.json';
const SLOWEST = 'c54f2723e9f99318a2801aebd7457eb1';
const WINDOW = ['--from', '2026-11-01T10:00:00Z', '--to', '2026-11-01T11:30:00Z'];

interface FindBody {
  traces: { traceId: string; durationMs: number; errorCount: number }[];
}

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function zipkin(handler: Handler): Promise<string> {
  server = await startServer(handler);
  return `zipkin:${server.url}`;
}

describe('Zipkin', () => {
  it('searches with serviceName, spanName and annotationQuery, endTs and lookback in ms, and always a limit', async () => {
    const backend = await zipkin(zipkinHandler());
    const args = ['find', '--service', 'llm-api', '--operation', 'llm_completion', '--where', 'gen_ai.request.model=gpt-4o', '--limit', '100', '--json'];
    const fromBackend = jsonOf<FindBody>(await tracectl([...args, ...WINDOW, '--backend', backend]));
    expect(withoutUrls(fromBackend)).toEqual(jsonOf<FindBody>(await tracectl([...args, DEMO])));
    expect(fromBackend.traces.length).toBeGreaterThan(0);
    expect(server!.requests).toHaveLength(1);
    expect(server!.requests[0]!.path).toBe('/api/v2/traces');
    expect(Object.fromEntries(server!.requests[0]!.query)).toEqual({
      serviceName: 'llm-api',
      spanName: 'llm_completion',
      annotationQuery: 'gen_ai.request.model=gpt-4o',
      endTs: String(Date.parse('2026-11-01T11:30:00Z')),
      lookback: String(90 * 60 * 1000),
      limit: '1000',
    });
  });

  it('pushes "has an error" or durations (µs) down when no span-level condition pins them to one span', async () => {
    const backend = await zipkin(zipkinHandler());
    for (const [args, pushed] of [
      [['--min-duration', '1.5s', '--max-duration', '9s'], { minDuration: '1500000', maxDuration: '9000000' }],
      [['--errors', '--min-duration', '1.5s'], { annotationQuery: 'error' }],
    ] as const) {
      server!.requests.length = 0;
      const find = ['find', ...args, '--limit', '100', '--json'];
      const fromBackend = jsonOf<FindBody>(await tracectl([...find, ...WINDOW, '--backend', backend]));
      expect(withoutUrls(fromBackend)).toEqual(jsonOf<FindBody>(await tracectl([...find, DEMO])));
      expect(fromBackend.traces.length).toBeGreaterThan(0);
      const query = Object.fromEntries(server!.requests[0]!.query);
      expect(query).toMatchObject(pushed);
      // The other kind stays local: both would have to hold on one span.
      expect(Object.keys(query).filter((k) => ['annotationQuery', 'minDuration', 'maxDuration'].includes(k)).sort()).toEqual(Object.keys(pushed).sort());
    }
  });

  it('compares service and span names case-insensitively, as Zipkin stores them in lower case', async () => {
    const lowered = demoTraces.map((t) => ({ ...t, spans: t.spans.map((s) => ({ ...s, name: s.name.toLowerCase() })) }));
    const backend = await zipkin(zipkinHandler({ traces: lowered }));
    const found = jsonOf<FindBody>(await tracectl(['find', '--operation', 'POST /v1/ask', '--limit', '100', '--json', ...WINDOW, '--backend', backend]));
    const fromFiles = jsonOf<FindBody>(await tracectl(['find', '--operation', 'POST /v1/ask', '--limit', '100', '--json', DEMO]));
    expect(found.traces.map((t) => t.traceId)).toEqual(fromFiles.traces.map((t) => t.traceId));
  });

  it('fetches a trace from /api/v2/trace/{id} in lower-case hex; its text 404 is trace not found (exit 3)', async () => {
    const backend = await zipkin(zipkinHandler());
    const fromBackend = jsonOf<object>(await tracectl(['show', SLOWEST.toUpperCase(), '--json', '--backend', backend]));
    expect(withoutUrls(fromBackend)).toEqual(jsonOf<object>(await tracectl(['show', SLOWEST, '--json', DEMO])));
    expect(server!.requests.map((r) => r.path)).toEqual([`/api/v2/trace/${SLOWEST}`]);

    const missing = await tracectl(['show', 'ABCDEF0123456789', '--backend', backend]);
    expect(missing.code).toBe(3);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(`tracectl: trace abcdef0123456789 not found in zipkin at ${server!.url}; check the id, or run "tracectl find" with the same --backend to list traces\n`);
    expect(server!.requests.at(-1)!.path).toBe('/api/v2/trace/abcdef0123456789');
  });

  it('lists services from /api/v2/services and span names from /api/v2/spans', async () => {
    const backend = await zipkin(zipkinHandler());
    expect((await tracectl(['services', '--backend', backend])).stdout).toBe('agent-service\nembedding-service\ngateway\nllm-api\nrag-service\nreranker\nusage-worker\nvector-store\nvllm\n');
    const operations = jsonOf<{ service: string; operations: string[] }>(await tracectl(['operations', '--service', 'gateway', '--json', '--backend', backend]));
    expect(operations).toEqual({ schema: 'tracectl/v1', service: 'gateway', operations: ['POST /agent/run', 'POST /llm/complete', 'POST /rag/ask', 'POST /summarize', 'POST /v1/agent', 'POST /v1/ask', 'POST /v1/chat', 'POST /v1/summarize', 'SELECT', 'cache_lookup', 'load_history', 'publish usage-event'] });
    expect(server!.requests.map((r) => `${r.path}?${r.query.toString()}`)).toEqual(['/api/v2/services?', '/api/v2/spans?serviceName=gateway']);
  });

  it("reads Zipkin's own trace bodies (Yelp's trace, shared span ids)", async () => {
    const yelp = readFileSync(`${REPO_ROOT}fixtures/zipkin/yelp-trace.json`, 'utf8');
    const backend = await zipkin((req, res) => {
      if (req.path === '/api/v2/trace/a03ee8fff1dcd9b9') return send(res, 200, yelp);
      if (req.path === '/api/v2/traces') return send(res, 200, `[${yelp}]`);
      send(res, 404, 'Not Found', 'text/plain');
    });
    const fromBackend = jsonOf<object>(await tracectl(['show', 'a03ee8fff1dcd9b9', '--json', '--backend', backend]));
    expect(withoutUrls(fromBackend)).toEqual(jsonOf<object>(await tracectl(['show', 'a03ee8fff1dcd9b9', '--json', 'fixtures/zipkin/yelp-trace.json'])));
    const found = jsonOf<FindBody>(await tracectl(['find', '--json', '--backend', backend]));
    expect(found.traces).toHaveLength(1);
  });

  it('treats an empty answer as no traces, not an error', async () => {
    const backend = await zipkin((_req, res) => send(res, 200, '[]'));
    const run = await tracectl(['find', '--json', '--backend', backend]);
    expect(jsonOf<FindBody>(run).traces).toEqual([]);
    expect(toZipkinJson([])).toBe('[]\n');
  });
});
