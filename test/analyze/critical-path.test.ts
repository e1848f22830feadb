import { describe, expect, it } from 'vitest';
import { buildTrace } from '../../src/model/build-trace.js';
import { criticalPath, criticalTimeBySpan } from '../../src/analyze/critical-path.js';
import { selfTimes } from '../../src/analyze/self-time.js';
import { records, sid, type SpanSketch } from '../helpers/spans.js';
import type { Trace } from '../../src/model/span.js';

const trace = (sketches: SpanSketch[]): Trace => buildTrace('1'.padStart(32, '0'), records(sketches));

/** The path as `name start-end` strings, in time order. */
function path(t: Trace): string[] {
  return criticalPath(t).map((s) => `${t.byId.get(s.spanId)!.name} ${s.startMs}-${s.endMs}`);
}

describe('criticalPath', () => {
  it('follows the last-finishing child of a fan-out and skips the one it overlapped', () => {
    // 0        10        40   50        70        90   100
    // root |=========================================|
    //  A        |=========|                                 on path 10-40
    //  B        |=============================|              overlapped by C: off
    //  C                        |====================|      on path 50-90
    // path: root 0-10, A 10-40, root 40-50, C 50-90, root 90-100
    const t = trace([
      { id: 'r', start: 0, dur: 100, name: 'root' },
      { id: 'a', parent: 'r', start: 10, dur: 30, name: 'A' },
      { id: 'b', parent: 'r', start: 10, dur: 60, name: 'B' },
      { id: 'c', parent: 'r', start: 50, dur: 40, name: 'C' },
    ]);
    expect(path(t)).toEqual(['root 0-10', 'A 10-40', 'root 40-50', 'C 50-90', 'root 90-100']);
    const time = criticalTimeBySpan(criticalPath(t));
    expect(time.get(sid('b'))).toBeUndefined();
    expect([...time.values()].reduce((a, b) => a + b)).toBe(100);
  });

  it('keeps both of two back-to-back siblings on the path', () => {
    // 0     30     60     90  100
    // root |======================|
    //  A   |=====|                        ends exactly when B starts
    //  B         |======|
    //  C                |======|
    // path: A 0-30, B 30-60, C 60-90, root 90-100 (jaeger-ui's strict < would drop A)
    const t = trace([
      { id: 'r', start: 0, dur: 100, name: 'root' },
      { id: 'a', parent: 'r', start: 0, dur: 30, name: 'A' },
      { id: 'b', parent: 'r', start: 30, dur: 30, name: 'B' },
      { id: 'c', parent: 'r', start: 60, dur: 30, name: 'C' },
    ]);
    expect(path(t)).toEqual(['A 0-30', 'B 30-60', 'C 60-90', 'root 90-100']);
  });

  it('descends through nested spans', () => {
    // 0   10        30       60   80  100
    // root |==============================|
    //  A       |====================|            10-80
    //   A1         |========|                    30-60 (child of A)
    // path: root 0-10, A 10-30, A1 30-60, A 60-80, root 80-100
    const t = trace([
      { id: 'r', start: 0, dur: 100, name: 'root' },
      { id: 'a', parent: 'r', start: 10, dur: 70, name: 'A' },
      { id: 'a1', parent: 'a', start: 30, dur: 30, name: 'A1' },
    ]);
    expect(path(t)).toEqual(['root 0-10', 'A 10-30', 'A1 30-60', 'A 60-80', 'root 80-100']);
  });

  it('clips a child that overflows its parent', () => {
    // 0                 80     100    120
    // root |======================|
    //  late                |=============|       clipped to 80-100
    const t = trace([
      { id: 'r', start: 0, dur: 100, name: 'root' },
      { id: 'l', parent: 'r', start: 80, dur: 40, name: 'late' },
    ]);
    expect(path(t)).toEqual(['root 0-80', 'late 80-100']);
  });

  it('leaves an async consumer that starts after its producer ended off the path', () => {
    // 0          50   60      80
    // publish |=====|                     PRODUCER (root)
    //  consume            |=====|          CONSUMER, after the producer ended
    const t = trace([
      { id: 'p', start: 0, dur: 50, name: 'publish', kind: 'producer', service: 'gateway' },
      { id: 'c', parent: 'p', start: 60, dur: 20, name: 'consume', kind: 'consumer', service: 'worker' },
    ]);
    expect(path(t)).toEqual(['publish 0-50']);
    expect(t.durationMs).toBe(50);
    expect(t.asyncSpanIds.has(sid('c'))).toBe(true);
  });

  it('leaves a FOLLOWS_FROM child off the path even inside its parent', () => {
    const t = trace([
      { id: 'r', start: 0, dur: 100, name: 'root' },
      { id: 'f', parent: 'r', start: 20, dur: 50, name: 'fire-and-forget', followsFrom: true },
    ]);
    expect(path(t)).toEqual(['root 0-100']);
  });

  it('walks a server span that was shifted into its client for clock skew', () => {
    // raw:     0   10            50  60        100   120
    // root   |=========================|                       gateway
    //  call       |================|                           gateway CLIENT 10-50
    //   serve                               |======|           backend SERVER, raw 100-120: skewed
    // adjusted: serve moves to 20-40 (spare 20ms split evenly around it)
    // path: root 0-10, call 10-20, serve 20-40, call 40-50, root 50-60
    const t = trace([
      { id: 'r', start: 0, dur: 60, name: 'root', service: 'gateway', kind: 'server' },
      { id: 'c', parent: 'r', start: 10, dur: 40, name: 'call', service: 'gateway', kind: 'client' },
      { id: 's', parent: 'c', start: 100, dur: 20, name: 'serve', service: 'backend', kind: 'server' },
    ]);
    expect(path(t)).toEqual(['root 0-10', 'call 10-20', 'serve 20-40', 'call 40-50', 'root 50-60']);
    expect(t.warnings.map((w) => w.kind)).toEqual(['clock-skew']);
  });

  it('treats orphans as extra roots under a virtual root; the gap between them is nobody', () => {
    // 0        40   50             100
    // main  |=====|
    // orphan             |===========|      parent "zz" is not in the trace
    const t = trace([
      { id: 'm', start: 0, dur: 40, name: 'main' },
      { id: 'o', parent: 'zz', start: 50, dur: 50, name: 'orphan' },
    ]);
    expect(path(t)).toEqual(['main 0-40', 'orphan 50-100']);
    expect(t.durationMs).toBe(100);
  });

  it('does not modify the trace it walks', () => {
    const t = trace([
      { id: 'r', start: 0, dur: 100 },
      { id: 'a', parent: 'r', start: 10, dur: 120 },
    ]);
    const before = JSON.stringify(t.spans);
    criticalPath(t);
    selfTimes(t);
    expect(JSON.stringify(t.spans)).toBe(before);
  });

  it('handles a 60,000-deep chain without overflowing the stack', () => {
    const depth = 60_000;
    const sketches: SpanSketch[] = [];
    for (let i = 0; i < depth; i++) {
      sketches.push({ id: (i + 1).toString(16), parent: i === 0 ? null : i.toString(16), start: i * 0.001, dur: 100 - i * 0.001 });
    }
    const t = trace(sketches);
    const sections = criticalPath(t);
    expect(t.spans[depth - 1]!.depth).toBe(depth - 1);
    expect(new Set(sections.map((s) => s.spanId)).size).toBe(depth);
    const total = sections.reduce((a, s) => a + s.endMs - s.startMs, 0);
    expect(total).toBeCloseTo(100, 6);
  });
});

describe('selfTimes', () => {
  it('subtracts the union of parallel children, clipped to the span', () => {
    // 0   10    30  40    60      90 100  110
    // root |=================================|
    //  a      |=========|                         10-40
    //  b          |=========|                     30-60  (overlaps a: union 10-60)
    //  c                          |=========|     90-110 clipped to 90-100
    // self(root) = 100 - (50 + 10) = 40
    const t = trace([
      { id: 'r', start: 0, dur: 100 },
      { id: 'a', parent: 'r', start: 10, dur: 30 },
      { id: 'b', parent: 'r', start: 30, dur: 30 },
      { id: 'c', parent: 'r', start: 90, dur: 20 },
    ]);
    const self = selfTimes(t);
    expect(self.get(sid('r'))).toBe(40);
    expect(self.get(sid('a'))).toBe(30);
  });
});
