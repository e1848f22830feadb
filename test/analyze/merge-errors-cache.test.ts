import { describe, expect, it } from 'vitest';
import { CacheAccumulator, type CacheOptions } from '../../src/analyze/cache.js';
import { ErrorAccumulator, type ErrorRootsOptions } from '../../src/analyze/errors.js';
import { buildTrace } from '../../src/model/build-trace.js';
import type { Trace } from '../../src/model/span.js';
import { DEMO_FORMATS, loadFixture } from '../helpers/demo.js';
import { expectMergesToMatch, fold } from '../helpers/merge.js';
import { record, type SpanSketch } from '../helpers/spans.js';

const trace = (id: string, sketches: SpanSketch[]): Trace =>
  buildTrace(id.padStart(32, '0'), sketches.map((s) => record({ ...s, trace: id })));

describe('merging ErrorAccumulator states', async () => {
  const demo = await loadFixture(DEMO_FORMATS.otlp);
  const options: [string, ErrorRootsOptions][] = [
    ['default options', {}],
    ['a small limit', { limit: 2 }],
    ['a limit that cuts between equal groups, one example each', { limit: 4, maxExamples: 1 }],
  ];

  it('the demo has groups with more traces than examples, so which examples are kept matters', () => {
    const report = fold(() => new ErrorAccumulator(), demo).result();
    expect(report.roots.some((g) => g.tracesAffected > g.exampleTraceIds.length)).toBe(true);
    expect(report.groups).toBeGreaterThan(4);
  });

  for (const [label, opts] of options) {
    it(`gives the one-accumulator result over the demo, however split and merged: ${label}`, () => {
      expectMergesToMatch(() => new ErrorAccumulator(opts), demo);
      expectMergesToMatch(() => new ErrorAccumulator(opts), [...demo].reverse());
    });
  }

  /**
   * One failure group in three single-span traces; the origin's message differs only in a
   * number, so all three group together:
   *   a  starts at 10   "timeout after 300ms"
   *   b  starts at 0    "timeout after 200ms"   earliest: ties with c, and b < c
   *   c  starts at 0    "timeout after 100ms"
   */
  const failing = (id: string, start: number, ms: number): Trace =>
    trace(id, [{ id: 'q', start, dur: 5, service: 'db', name: 'query', status: 'error', message: `timeout after ${ms}ms` }]);
  const [a, b, c] = [failing('a', 10, 300), failing('b', 0, 200), failing('c', 0, 100)];

  it('keeps the earliest example and sample when they come from the part merged in', () => {
    for (const maxExamples of [1, 2]) {
      const make = () => new ErrorAccumulator({ maxExamples });
      const expected = fold(make, [a, c, b]).result();
      expect(expected.roots[0]).toMatchObject({
        count: 3,
        sampleMessage: 'timeout after 200ms',
        exampleTraceIds: [b.traceId, c.traceId].slice(0, maxExamples),
      });
      const first = fold(make, [a, c]);
      first.merge(structuredClone(fold(make, [b]).state()));
      expect(first.result()).toEqual(expected);
      const second = fold(make, [b]);
      second.merge(structuredClone(fold(make, [a, c]).state()));
      expect(second.result()).toEqual(expected);
      expectMergesToMatch(make, [a, c, b]);
    }
  });

  it('goes on counting traces added after a merge', () => {
    const make = () => new ErrorAccumulator({ maxExamples: 2 });
    const expected = fold(make, [a, b, c]).result();
    // The group already known before the merge, and one first known from it.
    const known = fold(make, [c]);
    known.merge(structuredClone(fold(make, [a]).state()));
    known.add(b);
    expect(known.result()).toEqual(expected);
    const fresh = make();
    fresh.merge(structuredClone(fold(make, [c, a]).state()));
    fresh.add(b);
    expect(fresh.result()).toEqual(expected);
    expect(expected.roots[0]!.tracesAffected).toBe(3);
  });

  /**
   * Failures of one group (db query "boom") that travel differently:
   *   p1  api a ✗ → api b ✗ → query ✗     fatal; b is 0 steps above the origin, a 1
   *   p2  api b ✗ → api a ✗ → query ✗     fatal; a is 0 steps above, b 1
   *   p3  ok root; orphan x ✗ → query ✗   detached
   *   p4  ok root → query ✗               absorbed
   * and a timeout (llm call "deadline exceeded") whose slow child is the suspect:
   *   t1 slow-a, t2 slow-b, t3 slow-b
   */
  const boom = { service: 'db', name: 'query', status: 'error', message: 'boom' } as const;
  const timeout = (id: string, start: number, suspect: string): Trace =>
    trace(id, [
      { id: 'c', start, dur: 100, service: 'llm', name: 'call', kind: 'client', status: 'error', message: 'deadline exceeded' },
      { id: 's', parent: 'c', start: start + 1, dur: 120, service: 'llm', name: suspect },
    ]);
  const shaped = [
    trace('p1', [
      { id: 'a', start: 0, dur: 30, service: 'api', name: 'a', status: 'error' },
      { id: 'b', parent: 'a', start: 1, dur: 20, service: 'api', name: 'b', status: 'error' },
      { id: 'o', parent: 'b', start: 2, dur: 10, ...boom },
    ]),
    timeout('t1', 5, 'slow-a'),
    trace('p2', [
      { id: 'b', start: 3, dur: 30, service: 'api', name: 'b', status: 'error' },
      { id: 'a', parent: 'b', start: 4, dur: 20, service: 'api', name: 'a', status: 'error' },
      { id: 'o', parent: 'a', start: 5, dur: 10, ...boom },
    ]),
    timeout('t2', 6, 'slow-b'),
    trace('p3', [
      { id: 'r', start: 1, dur: 30, service: 'api', name: 'root' },
      { id: 'x', parent: 'zz', start: 2, dur: 20, service: 'api', name: 'x', status: 'error' },
      { id: 'o', parent: 'x', start: 3, dur: 10, ...boom },
    ]),
    trace('p4', [
      { id: 'r', start: 2, dur: 30, service: 'api', name: 'root' },
      { id: 'o', parent: 'r', start: 3, dur: 10, ...boom },
    ]),
    timeout('t3', 7, 'slow-b'),
  ];

  it('merges propagation, outcomes and suspects from differently shaped traces', () => {
    const expected = fold(() => new ErrorAccumulator(), shaped).result();
    const query = expected.roots.find((g) => g.name === 'query')!;
    expect(query).toMatchObject({ count: 4, fatal: 2, detached: 1, absorbed: 1, absorbedBy: { service: 'api', name: 'root', count: 1 } });
    // Both reached twice, both 0 steps away somewhere: ties go by name.
    expect(query.propagatedTo.map((p) => p.name)).toEqual(['a', 'b', 'x']);
    expect(expected.roots.find((g) => g.name === 'slow-b')).toMatchObject({ cause: 'timeout', count: 2 });
    expectMergesToMatch(() => new ErrorAccumulator(), shaped);
    expectMergesToMatch(() => new ErrorAccumulator({ maxExamples: 1 }), shaped);
  });

  it('does not change a state it merges, nor keep parts of it', () => {
    const make = () => new ErrorAccumulator();
    const state = fold(make, demo.slice(0, 30)).state();
    const before = structuredClone(state);
    const acc = make();
    acc.merge(state);
    acc.merge(fold(make, demo.slice(30)).state());
    for (const t of demo.slice(0, 10)) acc.add(t);
    expect(state).toEqual(before);
  });

  it('refuses a state kept with a different number of examples', () => {
    expect(() => new ErrorAccumulator({ maxExamples: 2 }).merge(new ErrorAccumulator().state())).toThrow(/examples/);
  });
});

describe('merging CacheAccumulator states', async () => {
  const demo = await loadFixture(DEMO_FORMATS.otlp);
  const options: [string, CacheOptions][] = [
    ['default keys', {}],
    // Many operations with equal lookup counts, and model names that are not flags (unreadable, with differing examples).
    ['keys that read status codes and model names', { hitKeys: ['gen_ai.usage.cache_read.input_tokens', 'messaging.operation.type', 'gen_ai.request.model', 'http.response.status_code', 'cache.hit'] }],
    // Five tenants as unreadable values: which one is the example depends on the merge.
    ['keys that read tenants and operations', { hitKeys: ['cache.hit', 'rag.rerank.fallback', 'app.tenant', 'db.operation.name'] }],
  ];

  it('the custom keys find unreadable values and several operations in the demo', () => {
    for (const [, opts] of options.slice(1)) {
      const report = fold(() => new CacheAccumulator(opts), demo).result();
      expect(report.warnings.filter((w) => w.kind === 'unreadable-signal')).toHaveLength(2);
      expect(report.caches.length).toBeGreaterThan(1);
    }
  });

  for (const [label, opts] of options) {
    it(`gives the one-accumulator result over the demo, however split and merged: ${label}`, () => {
      expectMergesToMatch(() => new CacheAccumulator(opts), demo);
      expectMergesToMatch(() => new CacheAccumulator(opts), [...demo].reverse());
    });
  }

  /**
   * Two cache operations whose names differ only in how the é is written, so localeCompare
   * calls them equal; both hit slowly (100ms requests) and miss fast (5ms). Two models tie
   * the same way. Each is seen first in the spelling that sorts last. Unreadable flags:
   * "unknown" and "unsure" at 10 are the earliest, and "unknown" sorts first; "sometimes" is at 30; "cached" is seen before "cache.hit"
   * but sorts after it.
   */
  const composed = 'caf\u00e9';
  const decomposed = 'cafe\u0301';
  const lookup = (id: string, start: number, name: string, hit: boolean): Trace =>
    trace(id, [
      { id: 'r', start, dur: hit ? 100 : 5, name: 'GET /' },
      { id: 'l', parent: 'r', start: start + 1, dur: 1, name, attrs: { 'cache.hit': hit } },
    ]);
  const llm = (id: string, start: number, model: string, cached = 0): Trace =>
    trace(id, [{ id: 'r', start, dur: 5, name: 'chat', attrs: { 'gen_ai.request.model': model, 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.cache_read.input_tokens': cached } }]);
  const unreadable = (id: string, start: number, value: string, key = 'cache.hit'): Trace => trace(id, [{ id: 'r', start, dur: 1, attrs: { [key]: value } }]);
  const sometimes = unreadable('1', 30, 'sometimes');
  const unknown = unreadable('9', 10, 'unknown');
  const hand = [
    unreadable('7', 40, 'perhaps', 'cached'),
    sometimes,
    lookup('2', 50, composed, true),
    lookup('3', 60, composed, false),
    llm('4', 0, 'm\u00e9'),
    lookup('5', 70, decomposed, true),
    lookup('6', 80, decomposed, false),
    llm('8', 0, 'me\u0301'),
    llm('a', 0, 'claude', 900),
    unreadable('b', 10, 'unsure'),
    unknown,
  ];

  it('orders what localeCompare ties and picks unreadable examples the same whatever the split', () => {
    const report = fold(() => new CacheAccumulator(), hand).result();
    // Code-unit order (e before é), not the order they were first seen in.
    expect(report.caches.map((x) => x.name)).toEqual([decomposed, composed]);
    // LLM calls are no cache lookups (the prompt cache is the llm analysis's).
    expect(report).not.toHaveProperty('promptCaches');
    expect(report.warnings.map((w) => [w.kind, w.name])).toEqual([
      ['hits-slower-than-misses', decomposed],
      ['hits-slower-than-misses', composed],
      ['unreadable-signal', null],
      ['unreadable-signal', null],
    ]);
    expect(report.warnings[2]!.message).toContain('3 spans had a "cache.hit" value that is not a hit/miss flag (e.g. "unknown")');
    expect(report.warnings[3]!.message).toContain('"cached"');
    expectMergesToMatch(() => new CacheAccumulator(), hand);
  });

  it('keeps the earliest unreadable example when it comes from the part merged in', () => {
    const first = fold(() => new CacheAccumulator(), [sometimes]);
    first.merge(structuredClone(fold(() => new CacheAccumulator(), [unknown]).state()));
    expect(first.result().warnings.map((w) => w.message)).toEqual([expect.stringContaining('2 spans had a "cache.hit" value that is not a hit/miss flag (e.g. "unknown")')]);
  });

  it('does not change a state it merges, nor keep parts of it', () => {
    const make = () => new CacheAccumulator();
    const state = fold(make, [...hand, ...demo.slice(0, 30)]).state();
    const before = structuredClone(state);
    const acc = make();
    acc.merge(state);
    acc.merge(fold(make, [...hand, ...demo.slice(30)]).state());
    for (const t of [...hand, ...demo.slice(0, 10)]) acc.add(t);
    expect(state).toEqual(before);
  });

  it('refuses a state read with other keys', () => {
    expect(() => new CacheAccumulator({ hitKeys: ['hits'] }).merge(new CacheAccumulator().state())).toThrow(/cache\.hit/);
  });
});

describe('merging a CacheAccumulator state of one busy cache operation', () => {
  it('merges 200,000 lookups of one operation (a spread of them overflowed the stack)', () => {
    // r |====|      one trace: a root and one cache lookup, a hit
    // c  |=|
    const trace = buildTrace('1'.padStart(32, '0'), [
      record({ id: 'r', start: 0, dur: 10, kind: 'server' }),
      record({ id: 'c', parent: 'r', start: 1, dur: 2, name: 'cache.get', attrs: { 'cache.hit': true } }),
    ]);
    const part = new CacheAccumulator();
    part.add(trace);
    const state = part.state();
    const one = state.lookups[0]!;
    const busy = { ...state, traces: 200_000, lookups: [{ ...one, items: Array.from({ length: 200_000 }, () => ({ ...one.items[0]! })) }] };
    const whole = new CacheAccumulator();
    whole.merge(busy);
    expect(whole.result().caches[0]).toMatchObject({ name: 'cache.get', lookups: 200_000, hits: 200_000 });
  });
});
