import { createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpTuning } from '../../src/sources/backends/http.js';
import { jaegerHandler, send, startServer, tempoHandler, zipkinHandler, type FakeServer, type Handler } from '../sources/backends/fake-backends.js';
import { jsonOf, tracectl } from '../sources/backends/run.js';

const TOKEN = 'tk_live_9f8e7d6c5b4a';
const PASSWORD = 'hunter2-correct-horse';
const BASIC = Buffer.from(`alice:${PASSWORD}`).toString('base64');
const SECRETS = [TOKEN, PASSWORD, BASIC];

const tuned = { ...httpTuning };
let servers: FakeServer[] = [];
let sockets: Socket[] = [];

beforeEach(() => {
  httpTuning.sleep = async () => undefined;
});

afterEach(async () => {
  Object.assign(httpTuning, tuned);
  for (const s of sockets) s.destroy();
  sockets = [];
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(handler: Handler): Promise<FakeServer> {
  const server = await startServer(handler);
  servers.push(server);
  return server;
}

function expectNoSecrets(...texts: string[]): void {
  for (const text of texts) for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('backend options', () => {
  it.each([
    [['--backend', 'loki:http://localhost:3100'], /--backend "loki:http:\/\/localhost:3100" is not KIND:URL with KIND one of jaeger, tempo, zipkin/],
    [['--backend', 'jaeger:localhost:16686'], /the URL must start with http:\/\/ or https:\/\//],
    [['--backend', 'jaeger:http://localhost:16686', 'fixtures/demo/llm-gateway.otlp.jsonl'], /--backend reads traces from the backend, so fixtures\/demo\/llm-gateway.otlp.jsonl would be ignored/],
    [['--backend', 'tempo:http://x', '--header', `Authorization Bearer ${TOKEN}`], /--header needs NAME: VALUE \(it has no colon\)/],
    [['--backend', 'tempo:http://x', '--user', 'alice'], /--user \(or TRACECTL_USER\) must be USER:PASSWORD/],
    [['--backend', 'tempo:http://x', '--token', TOKEN, '--user', `alice:${PASSWORD}`], /either a bearer token .* or basic credentials/],
    [['--backend', 'tempo:http://x', '--since', '1h', '--from', '2026-11-01T00:00:00Z'], /--since and --from both set/],
    [['--backend', 'tempo:http://x', '--from', '2026-11-01T10:00:00Z', '--to', '2026-11-01T09:00:00Z'], /the time window is empty/],
    [['--backend', 'tempo:http://x', '--from', 'yesterday'], /--from "yesterday" is not a time/],
    [['--backend', 'tempo:http://x', '--since', 'a while'], /--since "a while" is not a duration/],
    [['--backend', 'tempo:http://x', '--max-traces', '0'], /--max-traces "0" is not a positive whole number/],
    [['--backend', 'tempo:http://x', '--concurrency', 'many'], /--concurrency "many" is not a positive whole number/],
    [['--backend', 'tempo:http://x', '--timeout', 'soon'], /--timeout "soon" is not a duration/],
    [['--backend', 'tempo:http://x', '--ca-file', 'no-such-ca.pem'], /cannot read --ca-file no-such-ca.pem: no such file/],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const run = await tracectl(['find', ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
    // A header's value may be a credential: no part of it is echoed.
    expect(run.stderr).not.toContain('tk_live');
  });

  it('TRACECTL_BACKEND is used when no file is named, and files win over it', async () => {
    const server = await serve(zipkinHandler());
    const env = { TRACECTL_BACKEND: `zipkin:${server.url}` };
    const fromEnv = jsonOf<{ traces: unknown[] }>(await tracectl(['find', '--json', '--since', '24h'], { env }));
    expect(fromEnv.traces).toHaveLength(20);
    expect(server.requests).toHaveLength(1);
    const fromFile = jsonOf<{ traces: unknown[] }>(await tracectl(['find', '--json', 'fixtures/zipkin/yelp-trace.json'], { env }));
    expect(fromFile.traces).toHaveLength(1);
    expect(server.requests).toHaveLength(1);
  });

  it('sends TRACECTL_TOKEN as a bearer token, TRACECTL_USER and URL credentials as basic auth, and extra headers', async () => {
    const server = await serve(zipkinHandler());
    await tracectl(['services', '--backend', `zipkin:${server.url}`, '--header', 'X-Team: payments', '--header', 'X-Trace-Debug:1'], { env: { TRACECTL_TOKEN: TOKEN } });
    await tracectl(['services', '--backend', `zipkin:${server.url}`], { env: { TRACECTL_USER: `alice:${PASSWORD}` } });
    const withUrlCredentials = `zipkin:${server.url.replace('http://', `http://alice:${PASSWORD}@`)}`;
    const run = await tracectl(['services', '--backend', withUrlCredentials, '-v']);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`, `Basic ${BASIC}`, `Basic ${BASIC}`]);
    expect(server.requests[0]!.headers['x-team']).toBe('payments');
    expect(server.requests[0]!.headers['x-trace-debug']).toBe('1');
    expect(run.stderr).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/api\/v2\/services → 200/);
    expectNoSecrets(run.stdout, run.stderr);
  });

  it('--org-id and --tenant set the tenancy headers', async () => {
    const server = await serve(tempoHandler());
    await tracectl(['services', '--backend', `tempo:${server.url}`, '--org-id', 'team-a|team-b', '--tenant', 'acme']);
    expect(server.requests[0]!.headers['x-scope-orgid']).toBe('team-a|team-b');
    expect(server.requests[0]!.headers['x-tenant']).toBe('acme');
  });
});

describe('backend failures end with exit 3, one sentence, and no credential anywhere', () => {
  /** Runs `find` against a misbehaving Jaeger with a token and a password-bearing header, with and without --verbose and --json. */
  async function failing(url: string, extra: string[] = []): Promise<{ plain: string; verbose: string; json: unknown }> {
    const args = ['find', '--since', '24h', '--backend', `jaeger:${url}`, '--token', TOKEN, '--header', `X-Api-Key: ${PASSWORD}`, ...extra];
    const plain = await tracectl(args);
    expect(plain.code).toBe(3);
    expect(plain.stdout).toBe('');
    expect(plain.stderr.split('\n')).toHaveLength(2);
    expect(plain.stderr).toMatch(/^tracectl: .+\n$/);
    const verbose = await tracectl([...args, '--verbose']);
    expect(verbose.code).toBe(3);
    const json = await tracectl([...args, '--json']);
    expect(json.code).toBe(3);
    expectNoSecrets(plain.stderr, verbose.stdout, verbose.stderr, json.stdout, json.stderr);
    return { plain: plain.stderr.trim(), verbose: verbose.stderr, json: JSON.parse(json.stdout) };
  }

  it('connection refused (a closed port)', async () => {
    const server = await serve(() => undefined);
    const url = server.url;
    await server.close();
    servers = [];
    const { plain, json } = await failing(url);
    expect(plain).toBe(`tracectl: cannot reach ${url}: connection refused — is Jaeger running?`);
    expect(json).toEqual({ schema: 'tracectl/v1', error: { code: 3, message: `cannot reach ${url}: connection refused — is Jaeger running?` } });
  });

  it('401 from the backend', async () => {
    const server = await serve((req, res) => send(res, 401, `invalid token ${String(req.headers.authorization)}`, 'text/plain'));
    const { plain } = await failing(server.url);
    expect(plain).toBe(`tracectl: jaeger answered 401 for ${server.url}/api/v3/services ("invalid token ***"): check --token, --user or --tenant`);
    expect(server.requests.length).toBe(3);
  });

  it('400 is not retried', async () => {
    const server = await serve((_req, res) => send(res, 400, JSON.stringify({ error: { httpCode: 400, message: 'malformed request' } })));
    const { plain, verbose } = await failing(server.url);
    expect(plain).toBe(`tracectl: jaeger answered 400 for ${server.url}/api/v3/services ("malformed request")`);
    expect(server.requests).toHaveLength(3);
    expect(verbose).not.toContain('retrying');
  });

  it('503 until the retries run out', async () => {
    const server = await serve((_req, res) => send(res, 503, 'no healthy upstream', 'text/plain'));
    const { plain, verbose } = await failing(server.url);
    expect(plain).toContain(`jaeger answered 503 for ${server.url}/api/v3/services ("no healthy upstream") after 4 attempts`);
    expect(verbose.match(/retrying in \d+ ms/g)).toHaveLength(3);
  });

  it('a body cut off mid-way', async () => {
    const raw = createNetServer((socket) => {
      sockets.push(socket);
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"services": ["gate');
        setTimeout(() => socket.destroy(), 5);
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
    try {
      const { plain } = await failing(url);
      expect(plain).toBe(`tracectl: the answer from ${url}/api/v3/services was cut off (4 attempts): the connection closed before the whole body arrived`);
    } finally {
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });

  it('a truncated JSON body', async () => {
    const server = await serve(jaegerWith('/api/v3/traces', (res) => send(res, 200, '{"result": {"resourceSpans": [{"resource": {"attrib')));
    const { plain } = await failing(server.url, ['--service', 'gateway']);
    expect(plain).toMatch(new RegExp(`^tracectl: jaeger sent a body that is not JSON for ${server.url}/api/v3/traces \\(it starts .*\\); check that --backend points at the Jaeger API$`));
  });

  it('a body that is not JSON at all', async () => {
    const server = await serve((_req, res) => send(res, 200, '<html><body>Please log in</body></html>', 'text/html'));
    const { plain } = await failing(server.url);
    expect(plain).toContain('(an HTML page: is the URL the API rather than a web UI or a login page?)');
  });

  it('JSON of the wrong shape', async () => {
    const server = await serve(jaegerWith('/api/v3/traces', (res) => send(res, 200, '{"hello": "world"}')));
    const { plain } = await failing(server.url, ['--service', 'gateway']);
    expect(plain).toBe(`tracectl: jaeger answered ${server.url}/api/v3/traces with JSON of an unexpected shape (expected {"result": {"resourceSpans": …}}); is --backend the right kind of backend?`);
  });

  it('an oversized body', async () => {
    httpTuning.maxResponseBytes = 64 * 1024;
    const server = await serve(jaegerHandler({ api: 'v3' }));
    const { plain } = await failing(server.url, ['--service', 'gateway']);
    expect(plain).toBe(`tracectl: the answer from ${server.url}/api/v3/traces is larger than 64.0 kB: narrow the time window or the filters, or lower --max-traces`);
  });

  it('a backend that does not answer within --timeout', async () => {
    const server = await serve(jaegerWith('/api/v3/traces', () => undefined));
    const { plain } = await failing(server.url, ['--service', 'gateway', '--timeout', '100ms']);
    expect(plain).toBe(`tracectl: jaeger did not answer within 100ms for ${server.url}/api/v3/traces: raise --timeout, or narrow the time window or the filters`);
  });

  it('429 with Retry-After, then success', async () => {
    const waits: number[] = [];
    httpTuning.sleep = async (ms) => void waits.push(ms);
    let limited = 0;
    const jaeger = jaegerHandler({ api: 'v3' });
    const server = await serve((req, res, raw) => {
      if (req.path === '/api/v3/traces' && limited++ === 0) {
        res.writeHead(429, { 'retry-after': '2' });
        return res.end('rate limited');
      }
      return jaeger(req, res, raw);
    });
    const run = await tracectl(['find', '--service', 'gateway', '--since', '24h', '--json', '--backend', `jaeger:${server.url}`, '--token', TOKEN, '-v']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).traces).toHaveLength(20);
    expect(waits).toEqual([2000]);
    expect(run.stderr).toContain('answered 429; retrying in 2000 ms (attempt 2 of 4)');
    expectNoSecrets(run.stdout, run.stderr);
  });

  it('503, then success', async () => {
    let failed = 0;
    const tempo = tempoHandler();
    const server = await serve((req, res, raw) => {
      if (req.path.startsWith('/api/v2/traces/') && failed++ < 2) return send(res, 503, 'ingester unavailable', 'text/plain');
      return tempo(req, res, raw);
    });
    const run = await tracectl(['show', 'c54f2723e9f99318a2801aebd7457eb1', '--json', '--backend', `tempo:${server.url}`]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(server.to('/api/v2/traces/')).toHaveLength(3);
  });
});

describe('limits and progress', () => {
  it('says on stderr when --max-traces was reached', async () => {
    const server = await serve(zipkinHandler());
    const run = await tracectl(['bottlenecks', '--since', '24h', '--max-traces', '7', '--backend', `zipkin:${server.url}`]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      `warning: zipkin at ${server.url}: the search reached --max-traces 7, so more traces may match than the 7 analyzed (narrow the filters or the time window, or raise --max-traces)\n`,
    );
    expect(server.requests[0]!.query.get('limit')).toBe('7');
  });

  it('keeps at most --concurrency trace fetches in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const tempo = tempoHandler();
    const server = await serve(async (req, res, raw) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return tempo(req, res, raw);
    });
    const run = await tracectl(['deps', '--since', '24h', '--concurrency', '3', '--json', '--backend', `tempo:${server.url}`]);
    expect(run.code).toBe(0);
    expect(server.to('/api/v2/traces/')).toHaveLength(70);
    expect(peak).toBe(3);
  });

  it('shows progress on a terminal stderr, and none on a pipe', async () => {
    const server = await serve(tempoHandler());
    const args = ['find', '--since', '24h', '--limit', '100', '--backend', `tempo:${server.url}`];
    const tty = await tracectl(args, { stderrTTY: true });
    expect(tty.code).toBe(0);
    // A spinner frame: the cursor to column 1, the frame, the count; cleared when done.
    expect(tty.stderr).toContain('\u001b[1G');
    expect(tty.stderr).toMatch(/fetched \d+\/70 traces/);
    expect(tty.stderr).toContain('\u001b[');
    const piped = await tracectl(args);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe(tty.stdout);
    // The spinner line is cleared before a warning is written, which then stands on its own line.
    const limited = await tracectl([...args, '--max-traces', '5'], { stderrTTY: true });
    expect(limited.stderr).toMatch(/\[0Kwarning: tempo at .*: the search reached --max-traces 5, .*\n$/);
    // --verbose logs each request instead.
    const verbose = await tracectl([...args, '-v'], { stderrTTY: true });
    expect(verbose.stderr).not.toContain('fetched');
    expect(verbose.stderr).toContain('/api/search?q=%7B%7D');
  });
});

describe('the time window on files', () => {
  it('applies only when given', async () => {
    const file = 'fixtures/demo/llm-gateway.otlp.jsonl';
    type Rows = { traces: { traceId: string; start: string }[] };
    const all = jsonOf<Rows>(await tracectl(['find', '--limit', '100', '--json', file]));
    const windowed = jsonOf<Rows>(await tracectl(['find', '--limit', '100', '--json', '--from', '2026-11-01T10:30:00Z', '--to', '2026-11-01T10:40:00Z', file]));
    const inside = all.traces.filter((t) => t.start >= '2026-11-01T10:30:00.000Z' && t.start <= '2026-11-01T10:40:00.000Z');
    expect(inside.length).toBeGreaterThan(0);
    expect(inside.length).toBeLessThan(all.traces.length);
    expect(windowed.traces).toEqual(inside);
    // The fixed clock of the tests is a day after the demo: the last hour holds none of it.
    expect(jsonOf<Rows>(await tracectl(['find', '--json', '--since', '1h', file])).traces).toEqual([]);
  });
});

describe('services and operations on files', () => {
  it('list what the files hold', async () => {
    const services = await tracectl(['services', 'fixtures/demo/llm-gateway.otlp.jsonl']);
    expect(services.stdout).toBe('agent-service\nembedding-service\ngateway\nllm-api\nrag-service\nreranker\nusage-worker\nvector-store\nvllm\n');
    const operations = jsonOf<{ operations: string[] }>(await tracectl(['operations', '--service', 'vector-store', '--json', 'fixtures/demo/llm-gateway.otlp.jsonl']));
    expect(operations.operations).toEqual(['SELECT', 'search']);
  });

  it('operations needs --service', async () => {
    const run = await tracectl(['operations', 'fixtures/demo/llm-gateway.otlp.jsonl']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("required option '--service <name>' not specified");
  });
});

/** A Jaeger api_v3 that answers `path` with `answer` and everything else normally. */
function jaegerWith(path: string, answer: (res: Parameters<Handler>[1]) => unknown): Handler {
  const jaeger = jaegerHandler({ api: 'v3' });
  return (req, res, raw) => (req.path === path ? answer(res) : jaeger(req, res, raw));
}
