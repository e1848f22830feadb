import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/cli.js';
import { demoTraces, send, startServer, tempoHandler, type FakeServer, type Handler } from './fake-backends.js';
import { jsonOf, tracectl } from './run.js';

const DEMO = 'fixtures/demo/llm-gateway.otlp.jsonl';
const SLOWEST = 'c54f2723e9f99318a2801aebd7457eb1';
const WINDOW = ['--from', '2026-11-01T09:59:59.5Z', '--to', '1793530800.5'];

interface FindBody {
  traces: { traceId: string; durationMs: number; start: string }[];
}

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function tempo(handler: Handler): Promise<string> {
  server = await startServer(handler);
  return `tempo:${server.url}`;
}

describe('Tempo search', () => {
  it('sends the filters as TraceQL, the window in epoch seconds, the limit and spss; fetches each hit by id', async () => {
    const backend = await tempo(tempoHandler());
    const args = ['find', '--service', 'gateway', '--operation', 'POST /v1/ask', '--min-duration', '1s', '--where', 'app.tenant=globex', '--limit', '100', '--json'];
    const fromBackend = jsonOf<FindBody>(await tracectl([...args, ...WINDOW, '--org-id', 'team-a|team-b', '--backend', backend]));
    expect(fromBackend).toEqual(jsonOf<FindBody>(await tracectl([...args, DEMO])));
    expect(fromBackend.traces.length).toBeGreaterThan(2);

    const [search, ...fetches] = server!.requests;
    expect(search!.path).toBe('/api/search');
    expect(Object.fromEntries(search!.query)).toEqual({
      q: '{ resource.service.name = "gateway" && name = "POST /v1/ask" && .app.tenant = "globex" } && { traceDuration >= 1000ms }',
      start: '1793527199',
      end: '1793530801',
      limit: '1000',
      spss: '1',
    });
    expect(fetches.map((r) => r.path).sort()).toEqual(fromBackend.traces.map((t) => `/api/v2/traces/${t.traceId}`).sort());
    expect(server!.requests.every((r) => r.headers['x-scope-orgid'] === 'team-a|team-b')).toBe(true);
    expect(fetches.every((r) => r.headers.accept === 'application/json')).toBe(true);
  });

  it('puts back the leading zeros Tempo trims from trace ids', async () => {
    const backend = await tempo(tempoHandler());
    const found = jsonOf<FindBody>(await tracectl(['find', '--limit', '100', '--json', ...WINDOW, '--backend', backend]));
    const zeroLed = found.traces.filter((t) => t.traceId.startsWith('0')).map((t) => t.traceId);
    // Every demo trace whose id starts with a zero (4 of 70).
    expect(zeroLed.sort()).toEqual(demoTraces.filter((t) => t.traceId.startsWith('0')).map((t) => t.traceId).sort());
    expect(zeroLed).toHaveLength(4);
    for (const id of zeroLed) expect(server!.to(`/api/v2/traces/${id}`)).toHaveLength(1);
  });

  it('skips search results whose trace id is no id, and says so in one warning', async () => {
    const real = tempoHandler();
    const backend = await tempo((req, res, raw) => {
      if (req.path !== '/api/search') return real(req, res, raw);
      const traces = [{ traceID: SLOWEST }, { traceID: 'not-hex' }, { traceID: 42 }, { traceID: 'f'.repeat(33) }];
      send(res, 200, JSON.stringify({ traces }));
    });
    const run = await tracectl(['find', '--json', ...WINDOW, '--backend', backend]);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as FindBody).traces.map((t) => t.traceId)).toEqual([SLOWEST]);
    expect(run.stderr).toBe(`warning: tempo at ${server!.url}: skipped 3 search results whose trace id is not 1-32 hex digits: "not-hex", "42", "${'f'.repeat(33)}"\n`);
  });

  it('--slow: fetches only the candidates, narrowing with traceDuration when the search hit --max-traces', async () => {
    const backend = await tempo(tempoHandler());
    const run = await tracectl(['find', '--slow', '3', '--max-traces', '10', '--json', ...WINDOW, '--backend', backend]);
    const fromBackend = jsonOf<FindBody>(run);
    expect(fromBackend).toEqual(jsonOf<FindBody>(await tracectl(['find', '--slow', '3', '--json', DEMO])));
    const searches = server!.to('/api/search').map((r) => r.query.get('q'));
    // The first answer (the first 10 found) is cut off: narrowed to traces at least as slow as its 3rd slowest, until complete.
    expect(searches[0]).toBe('{}');
    expect(searches.length).toBeGreaterThan(1);
    expect(searches.slice(1).every((q) => /^\{ traceDuration >= \d+ms \}$/.test(q ?? ''))).toBe(true);
    expect(server!.to('/api/v2/traces/').length).toBeLessThan(10);
  });

  it('newest first: narrows the window to the Nth newest start when the search hit --max-traces', async () => {
    const backend = await tempo(tempoHandler());
    const fromBackend = jsonOf<FindBody>(await tracectl(['find', '--limit', '4', '--max-traces', '10', '--json', ...WINDOW, '--backend', backend]));
    expect(fromBackend).toEqual(jsonOf<FindBody>(await tracectl(['find', '--limit', '4', '--json', DEMO])));
    const starts = server!.to('/api/search').map((r) => Number(r.query.get('start')));
    expect(starts.length).toBeGreaterThan(1);
    expect(starts[starts.length - 1]).toBeGreaterThan(starts[0]!);
    expect(server!.to('/api/v2/traces/')).toHaveLength(4);
  });

  it('says when --max-traces cut an analysis short', async () => {
    const backend = await tempo(tempoHandler());
    const run = await tracectl(['bottlenecks', '--max-traces', '5', '--json', ...WINDOW, '--backend', backend]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      `warning: tempo at ${server!.url}: the search reached --max-traces 5, so more traces may match than the 5 analyzed (narrow the filters or the time window, or raise --max-traces)\n`,
    );
    expect(server!.to('/api/v2/traces/')).toHaveLength(5);
  });
});

describe('Tempo trace by id', () => {
  it('reads /api/v2/traces/{id} as JSON (base64 ids, enum names) and as protobuf', async () => {
    const backend = await tempo(tempoHandler());
    const expected = jsonOf<object>(await tracectl(['show', SLOWEST, '--json', DEMO]));
    expect(jsonOf<object>(await tracectl(['show', SLOWEST, '--json', '--backend', backend]))).toEqual(expected);
    expect(jsonOf<object>(await tracectl(['show', SLOWEST, '--json', '--protobuf', '--backend', backend]))).toEqual(expected);
    expect(server!.requests.map((r) => [r.path, r.headers.accept])).toEqual([
      [`/api/v2/traces/${SLOWEST}`, 'application/json'],
      [`/api/v2/traces/${SLOWEST}`, 'application/protobuf'],
    ]);
  });

  it('falls back to /api/traces/{id} on a Tempo without the v2 endpoint, then stays there', async () => {
    const backend = await tempo(tempoHandler({ v2: false }));
    for (const format of [[], ['--protobuf']]) {
      server!.requests.length = 0;
      const found = jsonOf<FindBody>(await tracectl(['find', '--limit', '3', '--json', ...WINDOW, ...format, '--backend', backend]));
      expect(found).toEqual(jsonOf<FindBody>(await tracectl(['find', '--limit', '3', '--json', DEMO])));
      const fetches = server!.requests.filter((r) => r.path !== '/api/search').map((r) => r.path.replace(/[0-9a-f]{32}$/, 'ID'));
      expect(fetches).toEqual(['/api/v2/traces/ID', '/api/traces/ID', '/api/traces/ID', '/api/traces/ID']);
    }
  });

  it('warns when Tempo marks a trace PARTIAL, in JSON and in protobuf', async () => {
    const backend = await tempo(tempoHandler({ partial: new Set([SLOWEST]) }));
    for (const format of [[], ['--protobuf']]) {
      const run = await tracectl(['show', SLOWEST, '--json', ...format, '--backend', backend]);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe(`warning: tempo at ${server!.url}: the backend marked the trace PARTIAL, some spans may be missing: querier timed out\n`);
    }
  });

  it('ends with exit 3 when neither endpoint has the trace', async () => {
    const backend = await tempo(tempoHandler());
    const run = await tracectl(['show', '7', '--json', '--backend', backend]);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toEqual({
      schema: 'tracectl/v1',
      error: { code: 3, message: `trace 0000000000000007 not found in tempo at ${server!.url}; check the id, or run "tracectl find" with the same --backend to list traces` },
    });
    expect(server!.requests.map((r) => r.path)).toEqual(['/api/v2/traces/00000000000000000000000000000007', '/api/traces/00000000000000000000000000000007']);
  });

  it('takes the empty 200 of Tempo 2.7+ as trace not found, in JSON and in protobuf', async () => {
    const backend = await tempo(tempoHandler({ emptyWhenMissing: true }));
    for (const format of [[], ['--protobuf']]) {
      const run = await tracectl(['show', 'abc', ...format, '--backend', backend]);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('trace 0000000000000abc not found in tempo at');
    }
    expect(server!.requests.map((r) => r.path)).toEqual(['/api/v2/traces/00000000000000000000000000000abc', '/api/v2/traces/00000000000000000000000000000abc']);
  });

  it("reads a real Tempo body (Kiali's capture of /api/traces/{id}: batches, base64 ids)", async () => {
    const body = readFileSync(`${REPO_ROOT}fixtures/tempo/kiali-tempo-v1-trace.json`, 'utf8');
    const backend = await tempo((req, res) => {
      if (req.path === '/api/traces/3ba55609c3cde49649cd77d1f9dcd936') return send(res, 200, body);
      send(res, 404, '404 page not found\n', 'text/plain');
    });
    const show = jsonOf<{ traceId: string; spanCount: number }>(await tracectl(['show', '3BA55609C3CDE49649CD77D1F9DCD936', '--json', '--backend', backend]));
    expect(show).toMatchObject({ traceId: '3ba55609c3cde49649cd77d1f9dcd936', spanCount: 8 });
  });
});

describe('Tempo services and operations', () => {
  it('lists services from the v2 tag API, falling back to v1', async () => {
    const expected = [...new Set(demoTraces.flatMap((t) => t.spans.map((s) => s.service)))].sort();
    for (const v2 of [true, false]) {
      const backend = await tempo(tempoHandler({ v2 }));
      const run = await tracectl(['services', '--json', '--since', '2h', '--backend', backend]);
      expect(jsonOf<{ services: string[] }>(run).services).toEqual(expected);
      const paths = server!.requests.map((r) => r.path);
      expect(paths).toEqual(v2 ? ['/api/v2/search/tag/resource.service.name/values'] : ['/api/v2/search/tag/resource.service.name/values', '/api/search/tag/service.name/values']);
      const last = server!.requests.at(-1)!;
      expect(Number(last.query.get('end')) - Number(last.query.get('start'))).toBe(7200);
      await server!.close();
      server = undefined;
    }
  });

  it('lists the operations of one service with a TraceQL scope', async () => {
    const backend = await tempo(tempoHandler());
    const run = await tracectl(['operations', '--service', 'llm-api', '--backend', backend]);
    expect(run.stdout).toBe('POST /llm/complete\nllm_completion\nrender_prompt\n');
    expect(server!.requests[0]!.query.get('q')).toBe('{ resource.service.name = "llm-api" }');
  });

  it('says so when the Tempo is too old to list operations per service', async () => {
    const backend = await tempo(tempoHandler({ v2: false }));
    const run = await tracectl(['operations', '--service', 'llm-api', '--backend', backend]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(`tracectl: tempo at ${server!.url} has no /api/v2/search/tag API, which lists the operations of one service (Tempo 2.0 or later)\n`);
  });
});

describe('Tempo: traces that cannot be fetched', () => {
  // Two of the demo's traces answer 500 every time (not retried: only 502/503/504/429 are).
  const broken = (): Handler => {
    const inner = tempoHandler();
    const failing = new Set(demoTraces.slice(0, 2).map((t) => t.traceId));
    return (req, res, raw) => {
      const id = req.path.split('/').pop()!;
      if (req.path.startsWith('/api/v2/traces/') && failing.has(id.padStart(32, '0'))) return send(res, 500, 'boom');
      return inner(req, res, raw);
    };
  };

  it('fail the search with one sentence: nothing partial is presented as complete', async () => {
    const backend = await tempo(broken());
    const run = await tracectl(['find', '--limit', '100', '--json', ...WINDOW, '--backend', backend]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^tracectl: fetched 68 of 70 traces; 2 failed, the first with: .*500.* — rerun, or pass --allow-partial to analyze what was fetched\n$/);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: 3 } });
  });

  it('with --allow-partial, analyze the rest and say so', async () => {
    const backend = await tempo(broken());
    const run = await tracectl(['find', '--limit', '100', '--json', '--allow-partial', ...WINDOW, '--backend', backend]);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as FindBody).traces).toHaveLength(68);
    expect(run.stderr).toMatch(/fetched 68 of 70 traces; 2 failed.*the results are partial \(--allow-partial\)/);
  });
});
