import { describe, expect, it } from 'vitest';
import { cacheEffectiveness } from '../../src/analyze/cache.js';
import { buildTrace } from '../../src/model/build-trace.js';
import { renderCache } from '../../src/report/cache.js';
import type { RenderContext } from '../../src/report/style.js';
import { DEMO_FORMATS, loadFixture } from '../helpers/demo.js';
import { records } from '../helpers/spans.js';

const terminal = (width: number): RenderContext => ({ color: false, width, tty: true });
const demo = cacheEffectiveness(await loadFixture(DEMO_FORMATS.otlp));

describe('renderCache', () => {
  it('renders the demo at 80 columns', async () => {
    const text = renderCache(demo, terminal(80));
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    await expect(text).toMatchFileSnapshot('./__golden__/cache-80.txt');
  });

  it('renders the demo at 160 columns with every column', async () => {
    const text = renderCache(demo, terminal(160));
    expect(text).toMatch(/^SERVICE +OPERATION +LOOKUPS +HITS +HIT % +HIT p50 +HIT p95 +MISS p50 +MISS p95 +SAVED +LOOKUP p50 +ON PATH$/m);
    await expect(text).toMatchFileSnapshot('./__golden__/cache-160.txt');
  });

  it('renders Yelp memcache reads named with --cache-attr hits', async () => {
    const report = cacheEffectiveness(await loadFixture('fixtures/zipkin/yelp-trace.json'), { hitKeys: ['hits'] });
    await expect(renderCache(report, terminal(120))).toMatchFileSnapshot('./__golden__/cache-yelp-hits-120.txt');
  });

  it('says what it looked for when there are no lookups', () => {
    const t = buildTrace('1'.padStart(32, '0'), records([{ id: 'r', start: 0, dur: 10 }]));
    expect(renderCache(cacheEffectiveness([t]), terminal(200))).toBe(
      'no cache lookups found in 1 trace: looked for the attributes cache.hit, cache_hit, cache_miss, cached and cache.hit/cache_hit/cache.miss/cache_miss events; name the attribute your spans carry with --cache-attr KEY\n',
    );
  });

  it('prints warnings with the medians, cleaned', () => {
    // 0  1 2        90
    // req  |=========|     a "hit" that takes 90ms; the "miss" request takes 3ms
    //  get  |=|
    const trace = (id: string, dur: number, hit: boolean) =>
      buildTrace(id.padStart(32, '0'), records([
        { id: 'r', start: 0, dur, name: 'req', trace: id },
        { id: 'l', parent: 'r', start: 1, dur: 1, name: 'get\u001b[31m', service: 'cache', attrs: { 'cache.hit': hit }, trace: id },
      ]));
    const text = renderCache(cacheEffectiveness([trace('1', 90, true), trace('2', 3, false)]), terminal(200));
    expect(text).toContain('warning: cache get: requests that hit the cache are slower than those that miss (median 90ms vs 3ms); is the hit flag inverted');
    expect(text).not.toContain('\u001b');
  });
});
