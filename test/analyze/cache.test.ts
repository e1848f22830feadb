import { describe, expect, it } from 'vitest';
import { cacheEffectiveness, readCacheSignal, type CacheOperation } from '../../src/analyze/cache.js';
import { buildTrace } from '../../src/model/build-trace.js';
import type { SpanRecord, Trace } from '../../src/model/span.js';
import { DEMO_EPOCH_MS, DEMO_SEED, DEMO_TRACE_COUNT, generateDemoTraces } from '../../scripts/demo-traces.js';
import manifest from '../../fixtures/demo/manifest.json' with { type: 'json' };
import { percentile, sortedNumbers } from '../../src/analyze/stats.js';
import { DEMO_FORMATS, loadFixture, roundNumbers } from '../helpers/demo.js';
import { BASE_NS, record, type SpanSketch } from '../helpers/spans.js';

type Sketch = SpanSketch & { events?: string[] };

/** A trace from sketches; `events` names span events placed at the span's start. */
function trace(id: string, sketches: Sketch[]): Trace {
  const recs: SpanRecord[] = sketches.map((s) => ({
    ...record({ ...s, trace: id }),
    events: (s.events ?? []).map((name) => ({ name, timeNs: BASE_NS + BigInt(Math.round(s.start * 1e6)), attributes: {} })),
  }));
  return buildTrace(id.padStart(32, '0'), recs);
}

const cacheOf = (caches: CacheOperation[], service: string, name: string): CacheOperation => {
  const found = caches.find((c) => c.service === service && c.name === name);
  if (!found) throw new Error(`no cache ${service} ${name}`);
  return found;
};

/**
 * Five chat requests through one response cache, each signalled a different way. A hit
 * answers at once; a miss calls the LLM after the lookup, so the request (the lookup's
 * parent) is long only on a miss.
 *
 *   hit (cache.hit=true)          0 1  3 5
 *     POST /chat                  |======|                 5ms
 *      cache_lookup                 |==|                   1-3
 *
 *   miss (cache.hit=false)        0 1 2.5                          98 100
 *     POST /chat                  |=================================|   100ms
 *      cache_lookup                 |=|                                 1-2.5
 *      complete                       |============================|    2.5-98 (llm)
 *
 *   miss ("false")    POST /chat 0-80,  cache_lookup 1-2,  complete 2-78
 *   hit (event)       POST /chat 0-7,   cache_lookup 1-4 with a cache.hit event
 *   miss (cache_miss="true")  POST /chat 0-120, cache_lookup 1-3, complete 3-118
 *
 *   hits: requests 5, 7 → p50 6, p95 6.9     misses: 80, 100, 120 → p50 100, p95 118
 *   saved: (100 − 6) × 2 = 188               lookup spans: 2, 1.5, 1, 3, 2 → p50 2
 *   each lookup ends exactly where the path resumes in its parent: all on the critical path
 */
const chat = (id: string, rootMs: number, lookup: [number, number], signal: Partial<Sketch>, llm?: [number, number]): Trace =>
  trace(id, [
    { id: 'r', start: 0, dur: rootMs, service: 'gateway', name: 'POST /chat', kind: 'server' },
    { id: 'l', parent: 'r', start: lookup[0], dur: lookup[1] - lookup[0], service: 'gateway', name: 'cache_lookup', ...signal },
    ...(llm ? [{ id: 'c', parent: 'r', start: llm[0], dur: llm[1] - llm[0], service: 'llm', name: 'complete', kind: 'client' as const }] : []),
  ]);

const chats = [
  chat('1', 5, [1, 3], { attrs: { 'cache.hit': true } }),
  chat('2', 100, [1, 2.5], { attrs: { 'cache.hit': false } }, [2.5, 98]),
  chat('3', 80, [1, 2], { attrs: { 'cache.hit': 'false' } }, [2, 78]),
  chat('4', 7, [1, 4], { events: ['cache.hit'] }),
  chat('5', 120, [1, 3], { attrs: { cache_miss: 'true' } }, [3, 118]),
];

/**
 * An async consumer that looks up a cache after the request ended: off the critical path.
 *
 *   0        10  20        40
 *   POST /chat |====|                      gateway 0-10
 *    publish     |==|                      gateway 5-10 PRODUCER
 *     consume          |=========|         worker 20-40 CONSUMER, after the producer ended
 *      cache_lookup     |==|               worker 21-23, cached=true
 */
const asyncTrace = trace('6', [
  { id: 'r', start: 0, dur: 10, service: 'gateway', name: 'POST /chat', kind: 'server' },
  { id: 'p', parent: 'r', start: 5, dur: 5, service: 'gateway', name: 'publish', kind: 'producer' },
  { id: 'q', parent: 'p', start: 20, dur: 20, service: 'worker', name: 'consume', kind: 'consumer' },
  { id: 'l', parent: 'q', start: 21, dur: 2, service: 'worker', name: 'cache_lookup', attrs: { cached: true } },
]);

/** A lookup that is the root of its trace: judged by its own 4ms. */
const rootLookup = trace('7', [{ id: 'r', start: 0, dur: 4, service: 'edge', name: 'lookup', attrs: { cache_hit: 0 } }]);

describe('cacheEffectiveness on hand-drawn traces', () => {
  const report = cacheEffectiveness([...chats, asyncTrace, rootLookup]);

  it('counts lookups, hits and misses from every kind of signal', () => {
    const c = cacheOf(report.caches, 'gateway', 'cache_lookup');
    expect(c).toMatchObject({ lookups: 5, hits: 2, misses: 3, hitRatio: 0.4 });
  });

  it("judges hit and miss latency by the lookup's parent, the request it serves", () => {
    const c = cacheOf(report.caches, 'gateway', 'cache_lookup');
    expect(c.hitMs).toEqual({ p50: 6, p95: expect.closeTo(6.9, 9) });
    expect(c.missMs).toEqual({ p50: 100, p95: expect.closeTo(118, 9) });
    expect(c.savedMs).toBe(188);
    expect(c.lookupMs).toBe(2);
    expect(c.onCriticalPath).toBe(1);
  });

  it('keeps a lookup in an async consumer off the critical path; hits without misses save an unknown amount', () => {
    expect(cacheOf(report.caches, 'worker', 'cache_lookup')).toMatchObject({
      lookups: 1,
      hits: 1,
      misses: 0,
      hitMs: { p50: 20, p95: 20 },
      missMs: { p50: null, p95: null },
      savedMs: null,
      onCriticalPath: 0,
    });
  });

  it('judges a root lookup by its own duration; no hits saved nothing', () => {
    expect(cacheOf(report.caches, 'edge', 'lookup')).toMatchObject({ hits: 0, misses: 1, missMs: { p50: 4, p95: 4 }, savedMs: 0, onCriticalPath: 1 });
  });

  it('orders caches by lookups, then name, and warns of nothing when hits are faster', () => {
    expect(report.caches.map((c) => `${c.service} ${c.name}`)).toEqual(['gateway cache_lookup', 'worker cache_lookup', 'edge lookup']);
    expect(report.warnings).toEqual([]);
    expect(report.traces).toBe(7);
  });

  it('warns when hits are slower than misses: the flag may be inverted', () => {
    // The same requests with the flag flipped: "hits" are now the 80-120ms requests.
    const inverted = cacheEffectiveness(
      chats.map((t, i) => chat(`i${i}`, t.durationMs, [1, 2], { attrs: { 'cache.hit': t.durationMs > 50 } })),
    );
    const c = inverted.caches[0]!;
    expect(c.savedMs).toBeCloseTo((6 - 100) * 3, 9);
    expect(inverted.warnings).toEqual([expect.objectContaining({ kind: 'hits-slower-than-misses', service: 'gateway', name: 'cache_lookup' })]);
  });

  it('does not modify the traces it analyzes', () => {
    const before = JSON.stringify(chats.map((t) => t.spans));
    cacheEffectiveness(chats);
    expect(JSON.stringify(chats.map((t) => t.spans))).toBe(before);
  });
});

describe('readCacheSignal', () => {
  const span = (attrs: Sketch['attrs'], events: string[] = []) => trace('s', [{ id: 'a', start: 0, dur: 1, attrs, events }]).spans[0]!;

  it('reads booleans, strings and numbers, and inverts a key that names a miss', () => {
    expect(readCacheSignal(span({ 'cache.hit': true }))).toEqual({ outcome: 'hit', source: 'cache.hit' });
    expect(readCacheSignal(span({ 'cache.hit': 'False' }))?.outcome).toBe('miss');
    expect(readCacheSignal(span({ cache_hit: 1 }))?.outcome).toBe('hit');
    expect(readCacheSignal(span({ cache_miss: true }))?.outcome).toBe('miss');
    expect(readCacheSignal(span({ cache_miss: 'false' }))?.outcome).toBe('hit');
    expect(readCacheSignal(span({ cached: 'yes' }))?.outcome).toBe('hit');
    expect(readCacheSignal(span({ 'cache.result': 'miss' }), ['cache.result'])?.outcome).toBe('miss');
  });

  it('falls back to events, the last one winning, and ignores spans without a signal', () => {
    expect(readCacheSignal(span({}, ['cache_miss']))).toEqual({ outcome: 'miss', source: 'event cache_miss' });
    expect(readCacheSignal(span({}, ['cache.miss', 'cache.hit']))?.outcome).toBe('hit');
    expect(readCacheSignal(span({ 'http.route': '/x' }, ['exception']))).toBeNull();
  });

  it('uses only the configured keys when given, in order', () => {
    // The keys replace the default attributes; cache events are still read.
    expect(cacheEffectiveness(chats, { hitKeys: ['some.other.flag'] }).caches).toEqual([expect.objectContaining({ lookups: 1, hits: 1 })]);
    const both = span({ 'cache.hit': true, 'redis.miss': true });
    expect(readCacheSignal(both, ['redis.miss'])).toEqual({ outcome: 'miss', source: 'redis.miss' });
    expect(readCacheSignal(both, ['hits'])).toBeNull();
    expect(readCacheSignal(both, ['redis.miss', 'cache.hit'])?.source).toBe('redis.miss');
  });

  it('reports a value it cannot read rather than guessing', () => {
    expect(readCacheSignal(span({ 'cache.hit': 'maybe' }))).toEqual({ outcome: 'unreadable', source: 'cache.hit', value: '"maybe"' });
    const report = cacheEffectiveness([trace('u', [{ id: 'a', start: 0, dur: 1, attrs: { 'cache.hit': 'maybe' } }])]);
    expect(report.caches).toEqual([]);
    expect(report.warnings).toEqual([expect.objectContaining({ kind: 'unreadable-signal' })]);
    expect(report.warnings[0]!.message).toContain('1 span had a "cache.hit" value');
  });
});

describe('cacheEffectiveness on the demo traces', async () => {
  const [otlp, jaeger, zipkin] = await Promise.all([loadFixture(DEMO_FORMATS.otlp), loadFixture(DEMO_FORMATS.jaeger), loadFixture(DEMO_FORMATS.zipkin)]);
  const report = cacheEffectiveness(otlp!);
  const model = generateDemoTraces({ seed: DEMO_SEED, count: DEMO_TRACE_COUNT, startEpochMs: DEMO_EPOCH_MS });

  it('gives the same answer from OTLP, Jaeger and Zipkin', () => {
    expect(roundNumbers(cacheEffectiveness(jaeger!))).toEqual(roundNumbers(report));
    expect(roundNumbers(cacheEffectiveness(zipkin!))).toEqual(roundNumbers(report));
  });

  it('finds the lookups, hits and misses of the manifest', () => {
    expect(report.caches).toHaveLength(1);
    expect(report.caches[0]).toMatchObject({
      service: 'gateway',
      name: 'cache_lookup',
      lookups: manifest.cache.lookups,
      hits: manifest.cache.hits,
      misses: manifest.cache.misses,
      onCriticalPath: 1,
    });
    expect(report.warnings).toEqual([]);
  });

  it('measures hits and misses by the request, as the generator built them', () => {
    // From the generator's model: the duration of each cache_lookup's parent, by outcome.
    const latencies = (hit: boolean): number[] =>
      sortedNumbers(
        model.flatMap((t) =>
          t.spans.filter((s) => s.name === 'cache_lookup' && s.attributes['cache.hit'] === hit).map((s) => t.spans.find((p) => p.spanId === s.parentSpanId)!.durationUs / 1000),
        ),
      );
    const hits = latencies(true);
    const misses = latencies(false);
    const c = report.caches[0]!;
    expect(c.hitMs.p50).toBeCloseTo(percentile(hits, 50), 6);
    expect(c.missMs.p95).toBeCloseTo(percentile(misses, 95), 6);
    expect(c.savedMs).toBeCloseTo((percentile(misses, 50) - percentile(hits, 50)) * hits.length, 6);
    // A hit answers in milliseconds; a miss waits for the LLM.
    expect(c.hitMs.p50!).toBeLessThan(5);
    expect(c.missMs.p50!).toBeGreaterThan(500);
  });
});

describe('cacheEffectiveness on real traces', () => {
  it("finds no lookups in Yelp's memcache spans by default: they count hits instead of flagging one", async () => {
    // fixtures/zipkin/yelp-trace.json: four memcache reads tagged `hits` (keys found, "0" or "1")
    // and `requests` (keys asked, "1"); no cache.hit/cache_hit/cache_miss/cached, no events.
    const traces = await loadFixture('fixtures/zipkin/yelp-trace.json');
    expect(cacheEffectiveness(traces)).toMatchObject({ caches: [], warnings: [] });

    // Named with --cache-attr hits, a count of 0 is a miss and 1 a hit.
    const report = cacheEffectiveness(traces, { hitKeys: ['hits'] });
    expect(report.caches.map((c) => [c.service, c.name, c.lookups, c.hits, c.misses])).toEqual([
      ['yelp-main', 'get my_cache_name_v2', 1, 1, 0],
      ['yelp-main', 'get user_details_cache-20150901', 1, 1, 0],
      ['mobile_api', 'get_multi mobile_api_nonce', 1, 0, 1],
      ['yelp-main', 'get_multi my_cache_name_v1', 1, 1, 0],
    ]);
    // Judged by their parents: the 88.935ms api proxy request, the 3.884ms user transaction
    // (which holds two of the lookups), and mobile_api's 41.74ms POST.
    const latency = (name: string) => {
      const c = report.caches.find((x) => x.name === name)!;
      return c.hits > 0 ? c.hitMs.p50 : c.missMs.p50;
    };
    expect(latency('get my_cache_name_v2')).toBeCloseTo(88.935, 6);
    expect(latency('get user_details_cache-20150901')).toBeCloseTo(3.884, 6);
    expect(latency('get_multi my_cache_name_v1')).toBeCloseTo(3.884, 6);
    expect(latency('get_multi mobile_api_nonce')).toBeCloseTo(41.74, 6);
    // yelp-main's POST to mobile_api hangs off the routing root and runs inside the api proxy
    // call, so the mobile_api branch, nonce lookup included, is off the critical path.
    expect(report.caches.find((c) => c.service === 'mobile_api')!.onCriticalPath).toBe(0);
    expect(report.caches.filter((c) => c.service === 'yelp-main').every((c) => c.onCriticalPath === 1)).toBe(true);
  });
});
