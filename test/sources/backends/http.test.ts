import { createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/model/errors.js';
import type { BackendConfig } from '../../../src/sources/backends/config.js';
import { HttpClient, httpTuning, parseRetryAfter, redactCutEdge, redactSecrets } from '../../../src/sources/backends/http.js';
import { send, startServer, type FakeServer, type Handler } from './fake-backends.js';

const TOKEN = 's3cr3t-t0ken-value';
const tuned = { ...httpTuning };
let sleeps: number[] = [];
let servers: FakeServer[] = [];
let clients: HttpClient[] = [];

beforeEach(() => {
  sleeps = [];
  // Retries wait for nothing here; the waits asked for are recorded instead.
  httpTuning.sleep = async (ms) => void sleeps.push(ms);
  httpTuning.random = () => 1;
});

afterEach(async () => {
  Object.assign(httpTuning, tuned);
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.close()));
  clients = [];
  servers = [];
});

function config(url: string, overrides: Partial<BackendConfig> = {}): BackendConfig {
  return {
    kind: 'jaeger',
    url: new URL(url),
    headers: { authorization: `Bearer ${TOKEN}` },
    secrets: [TOKEN, `Bearer ${TOKEN}`],
    insecure: false,
    timeoutMs: 5_000,
    deadlineMs: 60_000,
    concurrency: 8,
    maxTraces: 1000,
    protobuf: false,
    ...overrides,
  };
}

async function serve(handler: Handler): Promise<FakeServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

async function client(url: string, overrides: Partial<BackendConfig> = {}, log?: (line: string) => void): Promise<HttpClient> {
  const c = await HttpClient.open(config(url, overrides), log);
  clients.push(c);
  return c;
}

/** The failure of `promise` as an InputError (the test fails if it resolves). */
async function failure(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  expect((error as Error).message).not.toContain(TOKEN);
  return error as InputError;
}

/** A TCP server speaking raw HTTP, for answers node:http would not send (a lying content-length). */
async function rawServer(onData: (socket: Socket) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => onData(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  servers.push({ url: '', requests: [], to: () => [], close });
  return { url: `http://127.0.0.1:${port}`, close };
}

describe('HttpClient', () => {
  it('sends the credentials and an Accept header, and logs requests without them', async () => {
    const server = await serve((_req, res) => send(res, 200, '{"ok":true}'));
    const lines: string[] = [];
    const http = await client(server.url, {}, (line) => lines.push(line));
    const result = await http.get({ path: '/api/v3/services', query: { service: 'a b', skipped: undefined } });
    expect(http.json(result)).toEqual({ ok: true });
    const [request] = server.requests;
    expect(request!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request!.headers.accept).toBe('application/json');
    expect(request!.query.get('service')).toBe('a b');
    expect(request!.query.has('skipped')).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/api\/v3\/services\?service=a\+b → 200, 11 B in \d+ ms$/);
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('keeps a path prefix of the base URL (a proxy in front of the backend)', async () => {
    const server = await serve((_req, res) => send(res, 200, '[]'));
    const http = await client(`${server.url}/proxy/tempo/`);
    await http.get({ path: '/api/search' });
    expect(server.requests[0]!.path).toBe('/proxy/tempo/api/search');
  });

  it('honours Retry-After on 429, in seconds and as an HTTP date, then succeeds', async () => {
    let calls = 0;
    const server = await serve((_req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(429, { 'retry-after': '1' });
        return res.end('slow down');
      }
      if (calls === 2) {
        res.writeHead(429, { 'retry-after': new Date(Date.now() + 20_000).toUTCString() });
        return res.end();
      }
      send(res, 200, '{}');
    });
    const lines: string[] = [];
    const http = await client(server.url, {}, (line) => lines.push(line));
    const result = await http.get({ path: '/x' });
    expect(result.status).toBe(200);
    expect(server.requests).toHaveLength(3);
    expect(sleeps[0]).toBe(1000);
    // An HTTP date 20 s ahead (whole seconds: the date format has no milliseconds).
    expect(sleeps[1]).toBeGreaterThan(18_000);
    expect(sleeps[1]).toBeLessThanOrEqual(20_000);
    expect(lines.filter((l) => l.includes('retrying'))).toHaveLength(2);
    expect(lines.join('\n')).toContain('answered 429; retrying in 1000 ms (attempt 2 of 4)');
  });

  it('caps a long Retry-After', async () => {
    httpTuning.retryAfterMaxMs = 2_000;
    let calls = 0;
    const server = await serve((_req, res) => {
      if (++calls === 1) {
        res.writeHead(429, { 'retry-after': '3600' });
        return res.end();
      }
      send(res, 200, '{}');
    });
    await (await client(server.url)).get({ path: '/x' });
    expect(sleeps).toEqual([2_000]);
  });

  it('retries 502, 503 and 504 with exponential backoff and jitter, then succeeds', async () => {
    let calls = 0;
    const server = await serve((_req, res) => {
      calls++;
      if (calls <= 3) return send(res, [502, 503, 504][calls - 1]!, 'upstream trouble', 'text/plain');
      send(res, 200, '{}');
    });
    httpTuning.random = () => 0.5;
    const http = await client(server.url);
    expect((await http.get({ path: '/x' })).status).toBe(200);
    expect(server.requests).toHaveLength(4);
    expect(sleeps).toEqual([125, 250, 500]);
  });

  it('gives up after the last retry with the status, the URL and what the backend said', async () => {
    const server = await serve((_req, res) => send(res, 503, 'Service Unavailable: ingester ring not ready', 'text/plain'));
    const http = await client(server.url);
    const error = await failure(http.get({ path: '/api/traces', query: { service: 'x' } }));
    expect(server.requests).toHaveLength(httpTuning.retries + 1);
    expect(error.message).toBe(
      `jaeger answered 503 for ${server.url}/api/traces ("Service Unavailable: ingester ring not ready") after 4 attempts: the backend is overloaded or down; try again later or narrow the query`,
    );
  });

  it('never retries another 4xx, and quotes Jaeger\'s JSON error', async () => {
    const server = await serve((_req, res) => send(res, 400, JSON.stringify({ data: null, errors: [{ code: 400, msg: 'parameter \'service\' is required' }] })));
    const error = await failure((await client(server.url)).get({ path: '/api/traces' }));
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(error.message).toBe(`jaeger answered 400 for ${server.url}/api/traces ("parameter 'service' is required")`);
  });

  it('says which flags to check on 401 and 403, per backend', async () => {
    const server = await serve((_req, res) => send(res, 401, 'unauthorized', 'text/plain'));
    const tempo = await failure((await client(server.url, { kind: 'tempo' })).get({ path: '/api/search' }));
    expect(tempo.message).toBe(`tempo answered 401 for ${server.url}/api/search ("unauthorized"): check --token, --user or --org-id`);
    const jaeger = await failure((await client(server.url)).get({ path: '/api/services' }));
    expect(jaeger.message).toContain('check --token, --user or --tenant');
    expect(server.requests).toHaveLength(2);
  });

  it('redacts a token before the error text is cut, and a token cut in half at the edge', async () => {
    const long = 'T0KEN-'.repeat(8);
    // 401 body: the token sits across the 200-character cut.
    const server = await serve((_req, res) => send(res, 401, `${'x'.repeat(190)} ${long} tail`, 'text/plain'));
    const denied = await failure((await client(server.url, { secrets: [long] })).get({ path: '/x' }));
    expect(denied.message).not.toContain('T0KEN');
    expect(denied.message).toContain(`${'x'.repeat(190)} ***`);
    // A 200 body that is not JSON, cut to 40 characters in the middle of the token.
    const ok = await serve((_req, res) => send(res, 200, `token=${long}`, 'text/plain'));
    const http = await client(ok.url, { secrets: [long] });
    expect(() => http.json({ status: 200, body: Buffer.from(`token=${long}`), contentType: 'text/plain', url: `${ok.url}/x` })).toThrow(/starts "token=\*\*\*"/);
  });

  it('redacts prefixes of a secret only at the edge, and short secrets only where they stand alone', () => {
    expect(redactCutEdge('see abcd', ['abcdef'])).toBe('see ***');
    expect(redactCutEdge('abc see', ['abcdef'])).toBe('abc see');
    expect(redactSecrets('http://host p here', ['p'])).toBe('http://host *** here');
  });

  it('never prints a credential, even when the backend echoes it back', async () => {
    const server = await serve((req, res) => send(res, 400, `bad header: ${String(req.headers.authorization)}`, 'text/plain'));
    const lines: string[] = [];
    const error = await failure((await client(server.url, {}, (l) => lines.push(l))).get({ path: '/x' }));
    expect(error.message).toContain('bad header: ***');
    expect(error.message).not.toContain(TOKEN);
  });

  it('reports a closed port as connection refused, without retrying', async () => {
    const server = await serve((_req, res) => send(res, 200, '{}'));
    const url = server.url;
    await server.close();
    servers = [];
    const error = await failure((await client(url)).get({ path: '/api/v3/services' }));
    expect(error.message).toBe(`cannot reach ${url}: connection refused — is Jaeger running?`);
    expect(sleeps).toEqual([]);
  });

  it('retries a body cut off mid-way, then says so', async () => {
    const raw = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"data": [');
      setTimeout(() => socket.destroy(), 5);
    });
    const error = await failure((await client(raw.url)).get({ path: '/api/traces/abc' }));
    expect(sleeps).toHaveLength(httpTuning.retries);
    expect(error.message).toBe(`the answer from ${raw.url}/api/traces/abc was cut off (4 attempts): the connection closed before the whole body arrived`);
  });

  it('succeeds when a reset connection works on the next attempt', async () => {
    let calls = 0;
    const raw = await rawServer((socket) => {
      if (++calls === 1) return socket.destroy();
      socket.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}');
    });
    const result = await (await client(raw.url)).get({ path: '/x' });
    expect(result.status).toBe(200);
    expect(calls).toBe(2);
    expect(sleeps).toHaveLength(1);
  });

  it('says a truncated JSON document (complete as HTTP) is not JSON', async () => {
    const server = await serve((_req, res) => send(res, 200, '{"result": {"resourceSpans": [{"resource":'));
    const http = await client(server.url);
    const error = await failure(Promise.resolve().then(async () => http.json(await http.get({ path: '/api/v3/traces/1' }))));
    expect(error.message).toBe(
      `jaeger sent a body that is not JSON for ${server.url}/api/v3/traces/1 (it starts "{"result": {"resourceSpans": [{"resource…"); check that --backend points at the Jaeger API`,
    );
  });

  it('recognizes a web page where JSON was expected', async () => {
    const server = await serve((_req, res) => send(res, 200, '<!doctype html><html><body>Jaeger UI</body></html>', 'text/html'));
    const http = await client(server.url);
    const error = await failure(Promise.resolve().then(async () => http.json(await http.get({ path: '/api/services' }))));
    expect(error.message).toContain('(an HTML page: is the URL the API rather than a web UI or a login page?)');
  });

  it('stops reading a body larger than the cap, whether or not its length is declared', async () => {
    httpTuning.maxResponseBytes = 1000;
    const big = `[${'"x",'.repeat(2000)}"x"]`;
    const server = await serve((req, res) => {
      if (req.path === '/declared') return send(res, 200, big);
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 10; i++) res.write(big.slice(i * 800, (i + 1) * 800));
      res.end();
    });
    const http = await client(server.url);
    for (const path of ['/declared', '/chunked']) {
      const error = await failure(http.get({ path }));
      expect(error.message).toBe(`the answer from ${server.url}${path} is larger than 1000 B: narrow the time window or the filters, or lower --max-traces`);
    }
    expect(sleeps).toEqual([]);
  });

  it('times out waiting for the headers, and when the body stalls', async () => {
    const server = await serve((req, res) => {
      if (req.path === '/stall') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"data": [');
      }
      // '/silent': never answers
    });
    const http = await client(server.url, { timeoutMs: 150 });
    const silent = await failure(http.get({ path: '/silent' }));
    expect(silent.message).toBe(`jaeger did not answer within 150ms for ${server.url}/silent: raise --timeout, or narrow the time window or the filters`);
    const stalled = await failure(http.get({ path: '/stall' }));
    expect(stalled.message).toBe(`jaeger stopped sending within 150ms for ${server.url}/stall: raise --timeout, or narrow the time window or the filters`);
    expect(sleeps).toEqual([]);
  });

  it('gives up at the total deadline', async () => {
    const server = await serve(() => undefined);
    const http = await client(server.url, { deadlineMs: 200 });
    const error = await failure(http.get({ path: '/slow' }));
    expect(error.message).toBe(
      `gave up on ${server.url}/slow: the command ran past its total deadline of 200ms (--deadline); narrow the time window or the filters, or raise --deadline`,
    );
  });

  it('does not wait for a retry that would end after the deadline', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(503, { 'retry-after': '10' });
      res.end();
    });
    const error = await failure((await client(server.url, { deadlineMs: 2_000 })).get({ path: '/x' }));
    expect(error.message).toContain('answered 503');
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('keeps at most --concurrency requests in flight, over reused keep-alive connections', async () => {
    let inFlight = 0;
    let peak = 0;
    const sockets = new Set<unknown>();
    const server = await serve(async (_req, res, raw) => {
      sockets.add(raw.socket);
      peak = Math.max(peak, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 15));
      inFlight--;
      send(res, 200, '{}');
    });
    const http = await client(server.url, { concurrency: 3 });
    await Promise.all(Array.from({ length: 24 }, (_, i) => http.get({ path: `/t/${i}` })));
    expect(server.requests).toHaveLength(24);
    expect(peak).toBe(3);
    expect(sockets.size).toBeLessThanOrEqual(3);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-02T00:00:00Z');
  it('reads delay-seconds and HTTP dates, caps them, and ignores anything else', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Mon, 02 Nov 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sun, 01 Nov 2026 00:00:05 GMT', now)).toBe(0);
    expect(parseRetryAfter('86400', now)).toBe(httpTuning.retryAfterMaxMs);
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
  });
});
