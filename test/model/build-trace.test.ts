import { describe, expect, it } from 'vitest';
import { buildTrace, buildTraces } from '../../src/model/build-trace.js';
import { BASE_NS, record, records, sid } from '../helpers/spans.js';
import type { Trace } from '../../src/model/span.js';

const TRACE = '1'.padStart(32, '0');

/** Canonical text of a trace: one line per span in tree order, indented by depth. */
function dump(t: Trace): string {
  return t.spans.map((s) => `${'  '.repeat(s.depth)}${s.service} ${s.name} [+${s.startMs} ${s.durationMs}]`).join('\n');
}

describe('buildTrace', () => {
  it('orders the tree depth first with siblings by start time', () => {
    const t = buildTrace(TRACE, records([
      { id: 'b', parent: 'r', start: 20, dur: 5, name: 'second' },
      { id: 'r', start: 0, dur: 50, name: 'root' },
      { id: 'a', parent: 'r', start: 10, dur: 5, name: 'first' },
      { id: 'a1', parent: 'a', start: 11, dur: 1, name: 'nested' },
    ]));
    expect(dump(t)).toBe(['svc root [+0 50]', '  svc first [+10 5]', '    svc nested [+11 1]', '  svc second [+20 5]'].join('\n'));
    expect(t.roots.map((r) => r.name)).toEqual(['root']);
    expect(t.warnings).toEqual([]);
    expect(t.originNs).toBe(BASE_NS);
  });

  it('keeps nanosecond precision of epoch times beyond 2^53', () => {
    const a = record({ id: 'a', start: 0, dur: 1 });
    const b = { ...record({ id: 'b', parent: 'a', start: 0, dur: 0.5 }), startNs: BASE_NS + 1n };
    const t = buildTrace(TRACE, [b, a]);
    expect(t.byId.get(sid('b'))!.startMs).toBeCloseTo(0.000001, 9);
    // As plain numbers the two starts would be equal:
    expect(Number(BASE_NS) === Number(BASE_NS + 1n)).toBe(true);
  });

  it('splits Zipkin client/server halves that share one id', () => {
    // client (frontend) and server (backend) both carry id "s"; "q" is a child of the server half.
    const t = buildTrace(TRACE, records([
      { id: 'r', start: 0, dur: 100, service: 'frontend', kind: 'server' },
      { id: 's', parent: 'r', start: 10, dur: 60, service: 'frontend', kind: 'client', name: 'get' },
      { id: 's', parent: 'r', start: 12, dur: 50, service: 'backend', kind: 'server', name: 'get', shared: true },
      { id: 'q', parent: 's', start: 20, dur: 10, service: 'backend', kind: 'client', name: 'query' },
    ]));
    expect(dump(t)).toBe([
      'frontend r [+0 100]',
      '  frontend get [+10 60]',
      '    backend get [+12 50]',
      '      backend query [+20 10]',
    ].join('\n'));
    const server = t.spans[2]!;
    expect(server.spanId).not.toBe(sid('s'));
    expect(server.parentSpanId).toBe(sid('s'));
    expect(t.warnings.map((w) => w.kind)).toEqual(['shared-span-id']);
  });

  it('drops an exact duplicate span and renames a different span reusing an id', () => {
    const t = buildTrace(TRACE, records([
      { id: 'r', start: 0, dur: 100 },
      { id: 'a', parent: 'r', start: 10, dur: 10, name: 'a' },
      { id: 'a', parent: 'r', start: 10, dur: 10, name: 'a' },
      { id: 'b', parent: 'r', start: 30, dur: 10, name: 'b' },
      { id: 'b', parent: 'r', start: 50, dur: 10, name: 'b-other' },
    ]));
    expect(t.spans).toHaveLength(4);
    expect(t.spans.map((s) => s.name)).toEqual(['r', 'a', 'b', 'b-other']);
    expect(new Set(t.spans.map((s) => s.spanId)).size).toBe(4);
    expect(t.warnings.map((w) => w.kind).sort()).toEqual(['duplicate-span', 'duplicate-span-id']);
  });

  it('makes orphans and self-parents extra roots, the real root first', () => {
    const t = buildTrace(TRACE, records([
      { id: 'o', parent: 'missing', start: 1, dur: 5, name: 'orphan' },
      { id: 'r', start: 2, dur: 50, name: 'root' },
      { id: 'x', parent: 'x', start: 3, dur: 5, name: 'selfish' },
    ]));
    expect(t.roots.map((s) => s.name)).toEqual(['root', 'orphan', 'selfish']);
    expect(t.warnings.map((w) => w.kind).sort()).toEqual(['orphan', 'self-parent']);
    expect(t.spans.every((s) => s.parentSpanId === null)).toBe(true);
  });

  it('breaks a parent cycle at its earliest span', () => {
    const t = buildTrace(TRACE, records([
      { id: 'a', parent: 'c', start: 5, dur: 10 },
      { id: 'b', parent: 'a', start: 6, dur: 5 },
      { id: 'c', parent: 'b', start: 7, dur: 2 },
    ]));
    expect(t.roots.map((s) => s.spanId)).toEqual([sid('a')]);
    expect(t.spans.map((s) => s.depth)).toEqual([0, 1, 2]);
    expect(t.warnings.map((w) => w.kind)).toEqual(['parent-cycle']);
  });

  it('clamps negative durations to zero', () => {
    const t = buildTrace(TRACE, records([{ id: 'r', start: 0, dur: -5 }]));
    expect(t.spans[0]!.durationMs).toBe(0);
    expect(t.warnings.map((w) => w.kind)).toEqual(['negative-duration']);
  });

  it('shifts a skewed server span and its subtree inside the client, and rebases the origin', () => {
    // client 10-50 in gateway; server in backend written 62ms early (-52 to -32) with a child.
    const t = buildTrace(TRACE, records([
      { id: 'r', start: 0, dur: 60, service: 'gateway', kind: 'server' },
      { id: 'c', parent: 'r', start: 10, dur: 40, service: 'gateway', kind: 'client' },
      { id: 's', parent: 'c', start: -52, dur: 20, service: 'backend', kind: 'server' },
      { id: 'd', parent: 's', start: -50, dur: 5, service: 'backend', kind: 'client' },
    ]));
    expect(t.originNs).toBe(BASE_NS);
    expect(t.byId.get(sid('s'))!.startMs).toBeCloseTo(20, 9);
    expect(t.byId.get(sid('d'))!.startMs).toBeCloseTo(22, 9);
    expect(t.warnings).toHaveLength(1);
    expect(t.warnings[0]!.message).toContain('+72ms');
  });

  it('orders siblings by where a skew shift put them, and moves events with their span', () => {
    // s (backend, -40..-20) starts before its gateway parent (0..100): shifted by 80 ms to
    // 40..60, which puts it after its sibling a (30..40). Its event, 5 ms in, moves with it.
    const [root, a, s] = records([
      { id: 'r', start: 0, dur: 100, service: 'gateway', kind: 'client', name: 'root' },
      { id: 'a', parent: 'r', start: 30, dur: 10, service: 'gateway', name: 'a' },
      { id: 's', parent: 'r', start: -40, dur: 20, service: 'backend', kind: 'server', name: 's' },
    ]);
    const event = { name: 'retry', timeNs: s!.startNs + 5_000_000n, attributes: {} };
    const t = buildTrace(TRACE, [root!, a!, { ...s!, events: [event] }]);
    expect(dump(t)).toBe(['gateway root [+0 100]', '  gateway a [+30 10]', '  backend s [+40 20]'].join('\n'));
    expect(t.children.get(sid('r'))!.map((k) => k.name)).toEqual(['a', 's']);
    expect(t.byId.get(sid('s'))!.events.map((e) => e.timeMs)).toEqual([45]);
    expect(t.originNs).toBe(BASE_NS);
    expect(t.warnings.map((w) => w.kind)).toEqual(['clock-skew']);
  });

  it('keeps every time as written when the client has no duration (issue 12 item 3)', () => {
    // gateway client c: +10, no duration (0)   |c
    // backend server s: +115..+135               .          |--s--|
    // Worked out by hand, after Jaeger's adjuster: a zero-length client says nothing about
    // where its server ends, and s starts after c starts, so there is no evidence of skew.
    const t = buildTrace(TRACE, records([
      { id: 'r', start: 0, dur: 200, service: 'gateway', kind: 'server' },
      { id: 'c', parent: 'r', start: 10, dur: 0, service: 'gateway', kind: 'client' },
      { id: 's', parent: 'c', start: 115, dur: 20, service: 'backend', kind: 'server' },
      { id: 'd', parent: 's', start: 120, dur: 5, service: 'backend', kind: 'client' },
    ]));
    expect(t.byId.get(sid('s'))!.startMs).toBe(115);
    expect(t.byId.get(sid('d'))!.startMs).toBe(120);
    expect(t.warnings).toEqual([]);
  });

  it('still shifts a server that starts before its zero-length client (issue 12 item 3)', () => {
    // client c at +50 with no duration; server s written at +30: it started before its client.
    const t = buildTrace(TRACE, records([
      { id: 'r', start: 0, dur: 200, service: 'gateway', kind: 'server' },
      { id: 'c', parent: 'r', start: 50, dur: 0, service: 'gateway', kind: 'client' },
      { id: 's', parent: 'c', start: 30, dur: 20, service: 'backend', kind: 'server' },
    ]));
    expect(t.byId.get(sid('s'))!.startMs).toBe(50);
    expect(t.warnings.map((w) => w.kind)).toEqual(['clock-skew']);
  });

  it('does not move a consumer that legitimately runs after its producer', () => {
    const t = buildTrace(TRACE, records([
      { id: 'p', start: 0, dur: 10, service: 'gateway', kind: 'producer' },
      { id: 'c', parent: 'p', start: 500, dur: 10, service: 'worker', kind: 'consumer' },
    ]));
    expect(t.byId.get(sid('c'))!.startMs).toBe(500);
    expect(t.warnings).toEqual([]);
    expect(t.durationMs).toBe(10);
  });

  it('groups spans from many inputs by trace id', () => {
    const traces = buildTraces([
      record({ id: 'a', start: 0, dur: 1, trace: 'aa' }),
      record({ id: 'b', start: 0, dur: 1, trace: 'bb' }),
      record({ id: 'c', parent: 'a', start: 0, dur: 1, trace: 'aa' }),
    ]);
    expect(traces.map((t) => [t.traceId.slice(-2), t.spans.length])).toEqual([['aa', 2], ['bb', 1]]);
  });
});
