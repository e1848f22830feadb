import { describe, expect, it } from 'vitest';
import { diffTraces, type DiffReport } from '../../src/analyze/diff.js';
import { buildTrace } from '../../src/model/build-trace.js';
import type { Trace } from '../../src/model/span.js';
import { records, type SpanSketch } from '../helpers/spans.js';

const trace = (id: string, sketches: SpanSketch[]): Trace => buildTrace(id.padStart(32, '0'), records(sketches.map((s) => ({ ...s, trace: id }))));
const rows = (r: DiffReport): Array<[string, string, number | null]> => r.spans.map((s) => [s.path, s.change, s.deltaMs]);

describe('diff', () => {
  /**
   * One slower span. Expected by hand: query +30 ms (+150%), the root +30 ms (+60%), get the same.
   *
   *   A  0    5        25  30 35           50
   *      GET / |==========================|
   *      query    |=======|
   *      get                  |==|
   *   B  0    5                  55  60 65           80
   *      GET / |==========================================|
   *      query    |=================|
   *      get                           |==|
   */
  it('one slower span: that span and its ancestors are slower, the rest the same', () => {
    const a = trace('a', [
      { id: 'r', start: 0, dur: 50, service: 'api', name: 'GET /' },
      { id: 'q', parent: 'r', start: 5, dur: 20, service: 'db', name: 'query' },
      { id: 'g', parent: 'r', start: 30, dur: 5, service: 'cache', name: 'get' },
    ]);
    const b = trace('b', [
      { id: 'r', start: 0, dur: 80, service: 'api', name: 'GET /' },
      { id: 'q', parent: 'r', start: 5, dur: 50, service: 'db', name: 'query' },
      { id: 'g', parent: 'r', start: 60, dur: 5, service: 'cache', name: 'get' },
    ]);
    const report = diffTraces(a, b);
    expect(rows(report)).toEqual([
      ['api:GET /', 'slower', 30],
      ['api:GET / > db:query', 'slower', 30],
      ['api:GET / > cache:get', 'same', 0],
    ]);
    // The root's own time on the path is 25 ms in both: the query is what changed.
    expect(report.largest?.name).toBe('query');
    expect(report.summary).toEqual({ added: 0, removed: 0, slower: 2, faster: 0, same: 1 });
    expect(report.b.criticalPath[0]).toEqual({ service: 'db', name: 'query', ms: 50 });
  });

  /**
   * An added call: B queries twice. The second query is the 2nd same-named sibling, which A lacks.
   *
   *   A  GET / |==============| 0-30     B  GET / |=====================| 0-45
   *      query   |=====|       5-15         query   |=====|              5-15
   *                                         query          |=====|       20-30
   */
  it('an added call is marked added, under its parent', () => {
    const a = trace('a', [
      { id: 'r', start: 0, dur: 30, service: 'api', name: 'GET /' },
      { id: 'q', parent: 'r', start: 5, dur: 10, service: 'db', name: 'query' },
    ]);
    const b = trace('b', [
      { id: 'r', start: 0, dur: 45, service: 'api', name: 'GET /' },
      { id: 'q', parent: 'r', start: 5, dur: 10, service: 'db', name: 'query' },
      { id: 'q2', parent: 'r', start: 20, dur: 10, service: 'db', name: 'query' },
    ]);
    expect(rows(diffTraces(a, b))).toEqual([
      ['api:GET /', 'slower', 15],
      ['api:GET / > db:query', 'same', 0],
      ['api:GET / > db:query[2]', 'added', null],
    ]);
  });

  /**
   * A removed call: A looked in the cache (with a child), B did not. Both are marked removed,
   * placed under the root they hung from in A.
   *
   *   A  GET / |==============| 0-30     B  GET / |========| 0-20
   *      get     |===|         2-8          query   |====|   5-15
   *       redis   |=|          3-6
   *      query        |====|   10-20
   */
  it('a removed call and its subtree are marked removed', () => {
    const a = trace('a', [
      { id: 'r', start: 0, dur: 30, service: 'api', name: 'GET /' },
      { id: 'g', parent: 'r', start: 2, dur: 6, service: 'cache', name: 'get' },
      { id: 'x', parent: 'g', start: 3, dur: 3, service: 'redis', name: 'GET' },
      { id: 'q', parent: 'r', start: 10, dur: 10, service: 'db', name: 'query' },
    ]);
    const b = trace('b', [
      { id: 'r', start: 0, dur: 20, service: 'api', name: 'GET /' },
      { id: 'q', parent: 'r', start: 5, dur: 10, service: 'db', name: 'query' },
    ]);
    const report = diffTraces(a, b);
    expect(rows(report)).toEqual([
      ['api:GET /', 'faster', -10],
      ['api:GET / > db:query', 'same', 0],
      ['api:GET / > cache:get', 'removed', null],
      ['api:GET / > cache:get > redis:GET', 'removed', null],
    ]);
    expect(report.spans[2]).toMatchObject({ aMs: 6, bMs: null, depth: 1 });
  });

  /**
   * A reordered fan-out: A calls auth then price in parallel, B starts price first. Matched by
   * service and name, not by start order, so nothing changed.
   *
   *   A  GET / |==========| 0-25          B  GET / |==========| 0-25
   *      auth   |===|       1-11             price  |=======|   1-21
   *      price   |=======|  2-22             auth    |===|      2-12
   */
  it('a reordered fan-out matches call with call', () => {
    const a = trace('a', [
      { id: 'r', start: 0, dur: 25, service: 'api', name: 'GET /' },
      { id: 'u', parent: 'r', start: 1, dur: 10, service: 'auth', name: 'check' },
      { id: 'p', parent: 'r', start: 2, dur: 20, service: 'price', name: 'quote' },
    ]);
    const b = trace('b', [
      { id: 'r', start: 0, dur: 25, service: 'api', name: 'GET /' },
      { id: 'p', parent: 'r', start: 1, dur: 20, service: 'price', name: 'quote' },
      { id: 'u', parent: 'r', start: 2, dur: 10, service: 'auth', name: 'check' },
    ]);
    const report = diffTraces(a, b);
    expect(rows(report)).toEqual([
      ['api:GET /', 'same', 0],
      ['api:GET / > price:quote', 'same', 0],
      ['api:GET / > auth:check', 'same', 0],
    ]);
    expect(report.largest).toBeNull();
  });

  /** Tolerance: 20 → 22 ms is +10% (under 20%); 0.5 → 1.2 ms is +140% but only 0.7 ms (under 1 ms). */
  it('changes under the tolerance are no change', () => {
    const a = trace('a', [
      { id: 'r', start: 0, dur: 30, service: 'api', name: 'GET /' },
      { id: 'q', parent: 'r', start: 1, dur: 20, service: 'db', name: 'query' },
      { id: 'k', parent: 'r', start: 22, dur: 0.5, service: 'cache', name: 'get' },
    ]);
    const b = trace('b', [
      { id: 'r', start: 0, dur: 30, service: 'api', name: 'GET /' },
      { id: 'q', parent: 'r', start: 1, dur: 22, service: 'db', name: 'query' },
      { id: 'k', parent: 'r', start: 24, dur: 1.2, service: 'cache', name: 'get' },
    ]);
    expect(diffTraces(a, b).spans.map((s) => s.change)).toEqual(['same', 'same', 'same']);
    expect(diffTraces(a, b, { ratio: 0.05, ms: 0.1 }).spans.map((s) => s.change)).toEqual(['same', 'slower', 'slower']);
  });
});
