import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/cli.js';
import { jaegerHandler, send, startServer, type FakeServer, type Handler } from './fake-backends.js';
import { jsonOf, tracectl, withoutUrls } from './run.js';

const DEMO_OTLP = 'fixtures/demo/llm-gateway.otlp.jsonl';
const DEMO_JAEGER = 'fixtures/demo/llm-gateway.jaeger.json';
const SLOWEST = 'c54f2723e9f99318a2801aebd7457eb1';
const WINDOW = ['--from', '2026-11-01T09:00:00Z', '--to', '2026-11-01T12:00:00Z'];
const SERVICES = ['agent-service', 'embedding-service', 'gateway', 'llm-api', 'rag-service', 'reranker', 'usage-worker', 'vector-store', 'vllm'];

interface FindBody {
  traces: { traceId: string; durationMs: number; errorCount: number }[];
}

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function jaeger(handler: Handler): Promise<string> {
  server = await startServer(handler);
  return `jaeger:${server.url}`;
}

const fixture = (name: string): string => readFileSync(`${REPO_ROOT}fixtures/jaeger/${name}`, 'utf8');

describe('Jaeger api_v3', () => {
  it('pushes service, operation and attributes into one search, with RFC 3339 times and the tenant header', async () => {
    const backend = await jaeger(jaegerHandler({ api: 'v3' }));
    const args = ['find', '--service', 'gateway', '--operation', 'POST /v1/ask', '--where', 'app.tenant=globex', '--limit', '100', '--json'];
    const fromBackend = jsonOf<FindBody>(await tracectl([...args, ...WINDOW, '--tenant', 'acme', '--backend', backend]));
    const fromFiles = jsonOf<FindBody>(await tracectl([...args, DEMO_OTLP]));
    expect(withoutUrls(fromBackend)).toEqual(fromFiles);
    expect(fromBackend.traces.length).toBeGreaterThan(0);

    expect(server!.requests.map((r) => r.path)).toEqual(['/api/v3/services', '/api/v3/traces']);
    const search = server!.to('/api/v3/traces')[0]!;
    expect(Object.fromEntries(search.query)).toEqual({
      'query.service_name': 'gateway',
      'query.operation_name': 'POST /v1/ask',
      'query.start_time_min': '2026-11-01T09:00:00.000Z',
      'query.start_time_max': '2026-11-01T12:00:00.000Z',
      'query.num_traces': '1000',
      'query.attributes': '{"app.tenant":"globex"}',
    });
    expect(server!.requests.every((r) => r.headers['x-tenant'] === 'acme')).toBe(true);
  });

  it('without --service searches every service Jaeger lists, once each, and merges the answers', async () => {
    const backend = await jaeger(jaegerHandler({ api: 'v3' }));
    const fromBackend = jsonOf<FindBody>(await tracectl(['find', '--errors', '--limit', '100', '--json', ...WINDOW, '--backend', backend]));
    const fromFiles = jsonOf<FindBody>(await tracectl(['find', '--errors', '--limit', '100', '--json', DEMO_OTLP]));
    expect(withoutUrls(fromBackend)).toEqual(fromFiles);
    const searches = server!.to('/api/v3/traces');
    expect(searches.map((r) => r.query.get('query.service_name')).sort()).toEqual(SERVICES);
    // "has an error span" goes down as the error tag when no span-level condition would pin it to one span.
    expect(searches.every((r) => r.query.get('query.attributes') === '{"error":"true"}')).toBe(true);
  });

  it('pushes durations down (Go durations) only without span-level conditions, and post-filters on the trace duration', async () => {
    const backend = await jaeger(jaegerHandler({ api: 'v3' }));
    const alone = jsonOf<FindBody>(await tracectl(['find', '--min-duration', '8.5s', '--json', ...WINDOW, '--backend', backend]));
    expect(alone.traces.map((t) => t.traceId).sort()).toEqual(['8b67b287e744d32372ec27496725b575', 'c54f2723e9f99318a2801aebd7457eb1']);
    expect(server!.to('/api/v3/traces').every((r) => r.query.get('query.duration_min') === '8500ms')).toBe(true);

    server!.requests.length = 0;
    const withService = jsonOf<FindBody>(await tracectl(['find', '--service', 'reranker', '--min-duration', '8.5s', '--json', ...WINDOW, '--backend', backend]));
    // The reranker's own spans are short: pushed down, the bound would have found nothing.
    expect(withService.traces.map((t) => t.traceId)).toEqual(['c54f2723e9f99318a2801aebd7457eb1']);
    expect(server!.to('/api/v3/traces')[0]!.query.has('query.duration_min')).toBe(false);
  });

  it('fetches a trace by id from /api/v3/traces/{id}', async () => {
    const backend = await jaeger(jaegerHandler({ api: 'v3' }));
    const fromBackend = jsonOf<object>(await tracectl(['show', SLOWEST, '--json', '--backend', backend]));
    expect(withoutUrls(fromBackend)).toEqual(jsonOf<object>(await tracectl(['show', SLOWEST, '--json', DEMO_OTLP])));
    expect(server!.requests.map((r) => r.path)).toEqual([`/api/v3/traces/${SLOWEST}`]);
  });

  it("takes api_v3's 404 JSON as trace not found: exit 3, one sentence, nothing on stdout", async () => {
    const backend = await jaeger(jaegerHandler({ api: 'v3' }));
    const run = await tracectl(['show', '0123456789abcdef0123456789abcdef', '--backend', backend]);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `tracectl: trace 0123456789abcdef0123456789abcdef not found in jaeger at ${server!.url}; check the id, or run "tracectl find" with the same --backend to list traces\n`,
    );
    expect(server!.requests).toHaveLength(1);
  });

  it('lists services and operations from /api/v3/services and /api/v3/operations', async () => {
    const backend = await jaeger(jaegerHandler({ api: 'v3' }));
    const services = await tracectl(['services', '--backend', backend]);
    expect(services.stdout).toBe(`${SERVICES.join('\n')}\n`);
    const operations = jsonOf<{ operations: string[] }>(await tracectl(['operations', '--service', 'llm-api', '--json', '--backend', backend]));
    expect(operations.operations).toEqual(['POST /llm/complete', 'llm_completion', 'render_prompt']);
    expect(server!.to('/api/v3/operations')[0]!.query.get('service')).toBe('llm-api');
  });

  it("reads Jaeger's own api_v3 bodies", async () => {
    const backend = await jaeger((req, res) => {
      if (req.path === '/api/v3/services') return send(res, 200, fixture('jaeger-apiv3-services.json'));
      if (req.path === '/api/v3/operations') return send(res, 200, fixture('jaeger-apiv3-operations.json'));
      if (req.path === '/api/v3/traces/2ea75461946a7dd10f2c15ab36a076cb') return send(res, 200, fixture('apiv3-hotrod-trace.json'));
      if (req.path === '/api/v3/traces') return send(res, 200, fixture('jaeger-apiv3-trace.json'));
      send(res, 404, '404 page not found\n', 'text/plain');
    });
    expect((await tracectl(['services', '--backend', backend])).stdout).toBe('foo\n');
    expect((await tracectl(['operations', '--service', 'foo', '--backend', backend])).stdout).toBe('get_users\n');
    const show = jsonOf<{ spanCount: number; services: string[] }>(await tracectl(['show', '2ea75461946a7dd10f2c15ab36a076cb', '--json', '--backend', backend]));
    expect(show.spanCount).toBe(40);
    const found = jsonOf<FindBody>(await tracectl(['find', '--json', '--backend', backend]));
    expect(found.traces.map((t) => t.traceId)).toEqual(['00000000000000000000000000000001']);
  });
});

describe('Jaeger v1 (no api_v3)', () => {
  it('falls back when /api/v3/services is a 404: µs window, tags JSON, limit', async () => {
    const backend = await jaeger(jaegerHandler({ api: 'v1' }));
    const args = ['find', '--slow', '5', '--where', 'app.tenant=globex', '--json'];
    const fromBackend = jsonOf<FindBody>(await tracectl([...args, ...WINDOW, '--backend', backend]));
    expect(withoutUrls(fromBackend)).toEqual(jsonOf<FindBody>(await tracectl([...args, DEMO_JAEGER])));
    expect(server!.requests.slice(0, 2).map((r) => r.path)).toEqual(['/api/v3/services', '/api/services']);
    const searches = server!.to('/api/traces');
    expect(searches.map((r) => r.query.get('service')).sort()).toEqual(SERVICES);
    expect(Object.fromEntries(searches[0]!.query)).toMatchObject({
      start: String(Date.parse('2026-11-01T09:00:00Z') * 1000),
      end: String(Date.parse('2026-11-01T12:00:00Z') * 1000),
      limit: '1000',
      tags: '{"app.tenant":"globex"}',
    });
    expect(server!.to('/api/v3/traces')).toEqual([]);
  });

  it('fetches a trace by id from /api/traces/{id} after api_v3 answers a plain 404', async () => {
    const backend = await jaeger(jaegerHandler({ api: 'v1' }));
    const fromBackend = jsonOf<object>(await tracectl(['show', SLOWEST, '--json', '--backend', backend]));
    expect(withoutUrls(fromBackend)).toEqual(jsonOf<object>(await tracectl(['show', SLOWEST, '--json', DEMO_JAEGER])));
    expect(server!.requests.map((r) => r.path)).toEqual([`/api/v3/traces/${SLOWEST}`, `/api/traces/${SLOWEST}`]);

    const missing = await tracectl(['show', 'ffffffffffffffff', '--backend', backend]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('trace ffffffffffffffff not found in jaeger at');
  });

  it('lists services and operations from /api/services and /api/services/{service}/operations', async () => {
    const backend = await jaeger(jaegerHandler({ api: 'v1' }));
    expect(jsonOf<{ services: string[] }>(await tracectl(['services', '--json', '--backend', backend])).services).toEqual(SERVICES);
    const operations = await tracectl(['operations', '--service', 'vector-store', '--backend', backend]);
    expect(operations.stdout).toBe('SELECT\nsearch\n');
    expect(server!.requests.map((r) => r.path)).toEqual(['/api/v3/services', '/api/services', '/api/v3/services', '/api/services', '/api/services/vector-store/operations']);
  });

  it("reads Jaeger's v1 envelope for a trace", async () => {
    const backend = await jaeger((req, res) => {
      if (req.path === '/api/traces/83a9efd15c1c98a977e0711cc93ee28b') return send(res, 200, fixture('jaeger-v1-response-envelope.json'));
      send(res, 404, '404 page not found\n', 'text/plain');
    });
    const run = await tracectl(['show', '83a9efd15c1c98a977e0711cc93ee28b', '--json', '--backend', backend]);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { traceId: string }).traceId).toBe('83a9efd15c1c98a977e0711cc93ee28b');
  });
});
