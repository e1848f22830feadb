import { describe, expect, it } from 'vitest';
import { TraceAssembler } from '../../src/model/assembler.js';
import { buildTraces } from '../../src/model/build-trace.js';
import type { Trace } from '../../src/model/span.js';
import { record, type SpanSketch } from '../helpers/spans.js';

const span = (trace: string, id: string, parent?: string): SpanSketch => ({ trace, id, parent, start: 0, dur: 1 });

function assemble(sketches: SpanSketch[], window: number): { traces: Trace[]; late: number } {
  const traces: Trace[] = [];
  const assembler = new TraceAssembler((t) => traces.push(t), window);
  for (const s of sketches) assembler.add(record(s));
  assembler.flush();
  return { traces, late: assembler.lateSpans };
}

describe('TraceAssembler', () => {
  it('hands on a trace once `window` spans have passed since its last span', () => {
    const handed: string[] = [];
    const assembler = new TraceAssembler((t) => handed.push(`${t.traceId.slice(-1)}:${t.spans.length}`), 4);
    for (const s of [span('a', '1'), span('a', '2', '1'), span('b', '1'), span('b', '2', '1'), span('b', '3', '1')]) assembler.add(record(s));
    // 3 spans since a's last: not yet.
    expect(handed).toEqual([]);
    assembler.add(record(span('c', '1')));
    expect(handed).toEqual(['a:2']);
    assembler.flush();
    expect(handed).toEqual(['a:2', 'b:3', 'c:1']);
  });

  it('with an infinite window equals building everything at once', () => {
    const sketches = [span('a', '1'), span('b', '1'), span('a', '2', '1'), span('c', '9', 'missing'), span('b', '2', '1')];
    const { traces } = assemble(sketches, Infinity);
    expect(traces).toEqual(buildTraces(sketches.map(record)));
  });

  it('keeps a span that arrives after its trace was handed on, as a partial trace, and counts it', () => {
    const sketches = [span('a', '1'), span('b', '1'), span('b', '2', '1'), span('b', '3', '1'), span('a', '2', '1')];
    const { traces, late } = assemble(sketches, 2);
    expect(late).toBe(1);
    expect(traces.map((t) => `${t.traceId.slice(-1)}:${t.spans.length}`)).toEqual(['a:1', 'b:3', 'a:1']);
    expect(traces.reduce((n, t) => n + t.spans.length, 0)).toBe(sketches.length);
  });

  it('holds no more than about a window of traces however long the stream', () => {
    let maxHeld = 0;
    let handedOn = 0;
    const assembler = new TraceAssembler(() => handedOn++, 100);
    for (let i = 0; i < 20_000; i++) {
      assembler.add(record(span(String(i >> 2), String((i & 3) + 1), (i & 3) === 0 ? undefined : '1')));
      maxHeld = Math.max(maxHeld, i + 1 - handedOn * 4);
    }
    assembler.flush();
    expect(handedOn).toBe(5_000);
    expect(maxHeld).toBeLessThanOrEqual(100 + 100 / 8 + 4);
  });
});
