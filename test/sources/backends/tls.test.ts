import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, zipkinHandler } from './fake-backends.js';
import { tracectl } from './run.js';

/** A self-signed certificate for 127.0.0.1, made once for these tests (test/sources/backends/tls/; never a real key). */
const CERT = 'test/sources/backends/tls/cert.pem';
const KEY = new URL('./tls/key.pem', import.meta.url);

describe('TLS', () => {
  let url = '';
  const zipkin = zipkinHandler();
  const server = createServer({ cert: readFileSync(new URL('./tls/cert.pem', import.meta.url)), key: readFileSync(KEY) }, (req, res) => {
    const parsed = new URL(req.url ?? '/', 'https://127.0.0.1');
    void zipkin({ path: parsed.pathname, query: parsed.searchParams, headers: req.headers }, res, req);
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses a certificate it cannot verify, saying what to do', async () => {
    const run = await tracectl(['services', '--backend', `zipkin:${url}`]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`^tracectl: cannot reach ${url}: TLS failed \\(.+\\) — pass --ca-file with the server's CA certificate, or --insecure to skip verification\\n$`));
  });

  it('trusts the CA given with --ca-file', async () => {
    const run = await tracectl(['services', '--ca-file', CERT, '--backend', `zipkin:${url}`]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('gateway\n');
  });

  it('skips verification with --insecure', async () => {
    const run = await tracectl(['services', '--insecure', '--backend', `zipkin:${url}`]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('gateway\n');
  });

  it('does not follow redirects: it says where they lead', async () => {
    const redirecting = createServer({ cert: readFileSync(new URL('./tls/cert.pem', import.meta.url)), key: readFileSync(KEY) }, (_req, res) => {
      res.setHeader('location', 'https://sso.example/login');
      send(res, 302, '', 'text/plain');
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const other = `https://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
    try {
      const run = await tracectl(['services', '--insecure', '--backend', `zipkin:${other}`]);
      expect(run.code).toBe(3);
      expect(run.stderr).toBe(
        `tracectl: zipkin answered 302 for ${other}/api/v2/services (a redirect to https://sso.example/login): point --backend at the final URL, or check the credentials if it leads to a login page\n`,
      );
    } finally {
      redirecting.closeAllConnections();
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
    }
  });
});
