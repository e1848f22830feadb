import { describe, expect, it } from 'vitest';
import { viewTrace } from '../../src/analyze/trace-view.js';
import { buildTrace } from '../../src/model/build-trace.js';
import { jsonPieces, renderJson, showJson, showJsonChunks } from '../../src/report/json.js';
import { records } from '../helpers/spans.js';

describe('the streaming JSON writer', () => {
  it('writes exactly what JSON.stringify writes, a piece per item', () => {
    const head = { schema: 'tracectl/v1', skipped: undefined, nested: { a: [1, { b: 'x\ny' }], e: [] } };
    const items = [{ a: 1, u: undefined, list: [{ deep: true }] }, 'text', undefined, [], {}];
    const pieces = [...jsonPieces(head, 'spans', items.map((item) => () => item))];
    expect(pieces).toHaveLength(2 + items.length);
    expect(pieces.join('')).toBe(`${JSON.stringify({ ...head, spans: items }, null, 2)}\n`);
    expect([...jsonPieces({}, 'spans', [])].join('')).toBe(`${JSON.stringify({ spans: [] }, null, 2)}\n`);
    expect([...jsonPieces({ a: 1 }, 'spans', [])].join('')).toBe(`${JSON.stringify({ a: 1, spans: [] }, null, 2)}\n`);
  });

  it('gives show --json in chunks whose text is the one document', () => {
    // r |==========|
    // a    |===|
    // b         |=|
    const trace = buildTrace('1'.padStart(32, '0'), records([
      { id: 'r', start: 0, dur: 10, kind: 'server', attrs: { 'k\u0000': 'v"\n' } },
      { id: 'a', parent: 'r', start: 2, dur: 3, status: 'error', message: 'boom' },
      { id: 'b', parent: 'r', start: 8, dur: 1 },
    ]));
    const view = viewTrace(trace);
    const whole = renderJson(showJson(view));
    const chunks = [...showJsonChunks(view, null, 200)];
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(whole);
    expect(JSON.parse(chunks.join('')).spans.map((s: { spanId: string }) => s.spanId)).toEqual(['000000000000000r', '000000000000000a', '000000000000000b']);
  });
});
