import { runCli } from '../helpers/cli.js';
import { describe, expect, it } from 'vitest';
import manifest from '../../fixtures/demo/manifest.json' with { type: 'json' };
import { DEMO_FORMATS } from '../helpers/demo.js';

const run = (args: string[]) => runCli(['cache', ...args]);

describe('tracectl cache', () => {
  it('prints the contract as JSON, schema tracectl/v1', async () => {
    const { code, stdout, stderr } = await run([DEMO_FORMATS.otlp, '--json']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const body = JSON.parse(stdout);
    expect(body.schema).toBe('tracectl/v1');
    expect(body.caches).toHaveLength(1);
    const cache = body.caches[0];
    expect(Object.keys(cache)).toEqual(
      expect.arrayContaining(['service', 'name', 'lookups', 'hits', 'misses', 'hitRatio', 'hitMs', 'missMs', 'savedMs', 'lookupMs', 'onCriticalPath']),
    );
    expect(Object.keys(cache.hitMs).sort()).toEqual(['p50', 'p95']);
    expect(Object.keys(cache.missMs).sort()).toEqual(['p50', 'p95']);
    expect(cache).toMatchObject({ lookups: manifest.cache.lookups, hits: manifest.cache.hits, misses: manifest.cache.misses });
    // Application caches only: the prompt cache moved to `llm`.
    expect(body).not.toHaveProperty('promptCaches');
    expect(body.warnings).toEqual([]);
  });

  it('narrows the traces with the shared filters', async () => {
    // Cache hits answer in milliseconds: no trace of 2s or more holds one.
    const { code, stdout, stderr } = await run([DEMO_FORMATS.zipkin, '--min-duration', '2s', '--json']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const body = JSON.parse(stdout);
    expect(body.traces).toBeLessThan(60);
    expect(body.caches[0].hits).toBe(0);
    expect(body.caches[0].misses).toBeGreaterThan(0);
  });

  it('reads the attribute named with --cache-attr instead of the defaults', async () => {
    const yelp = 'fixtures/zipkin/yelp-trace.json';
    const plain = await run([yelp]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('no cache lookups found in 1 trace');
    const named = await run([yelp, '--cache-attr', 'hits', '--json']);
    const body = JSON.parse(named.stdout);
    expect(body.keys).toEqual(['hits']);
    expect(body.caches.map((c: { hits: number; misses: number }) => [c.hits, c.misses])).toEqual([[1, 0], [1, 0], [0, 1], [1, 0]]);
    const none = await run([DEMO_FORMATS.otlp, '--cache-attr', 'hits', '--cache-attr', 'cache.result', '--json']);
    expect(JSON.parse(none.stdout)).toMatchObject({ keys: ['hits', 'cache.result'], caches: [] });
  });

  it('prints tables on a terminal', async () => {
    const { code, stdout, stderr } = await runCli(['cache', DEMO_FORMATS.jaeger], { tty: 100 });
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^gateway +cache_lookup +36 /m);
    expect(stdout).not.toContain('prompt cache');
  });

  it('rejects an empty --cache-attr with exit 2', async () => {
    const { code, stdout, stderr } = await run([DEMO_FORMATS.otlp, '--cache-attr', ' ']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('--cache-attr needs an attribute key');
  });
});
