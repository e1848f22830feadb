import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeInput, InputDecoder } from '../../src/formats/index.js';
import { processIo } from '../../src/io.js';
import type { SpanRecord, Trace } from '../../src/model/span.js';
import { loadTraces } from '../../src/pipeline/read.js';
import { streamTraces } from '../../src/pipeline/stream.js';
import { expandSources } from '../../src/sources/files.js';
import { REPO_ROOT } from '../helpers/cli.js';

const DEMO = `${REPO_ROOT}fixtures/demo/llm-gateway.otlp.jsonl`;

/** A trace as text, independent of the order spans were added in. */
const canonical = (t: Trace): string => JSON.stringify({ id: t.traceId, origin: String(t.originNs), d: t.durationMs, spans: t.spans, w: t.warnings });
const byId = (a: Trace, b: Trace): number => (a.traceId < b.traceId ? -1 : 1);

describe('InputDecoder', () => {
  it.each([1, 7, 4096])('gives the same spans whatever size the chunks are (%i bytes)', (size) => {
    const bytes = readFileSync(`${REPO_ROOT}fixtures/otlp/otel-demo-collector-export.jsonl`);
    const whole = decodeInput(bytes, 'x');
    const spans: SpanRecord[] = [];
    const decoder = new InputDecoder('x', {}, (s) => spans.push(s));
    for (let i = 0; i < bytes.length; i += size) decoder.push(bytes.subarray(i, i + size));
    expect({ ...decoder.end(), spans }).toEqual(whole);
  });

  it('decodes a pretty-printed document fed in pieces', () => {
    const bytes = Buffer.from(JSON.stringify(JSON.parse(readFileSync(`${REPO_ROOT}fixtures/zipkin/yelp-trace.json`, 'utf8')), null, 2));
    const spans: SpanRecord[] = [];
    const decoder = new InputDecoder('yelp', {}, (s) => spans.push(s));
    for (let i = 0; i < bytes.length; i += 100) decoder.push(bytes.subarray(i, i + 100));
    expect(decoder.end().format).toBe('zipkin-json');
    expect(spans).toHaveLength(16);
  });

  it('skips lines a line filter rejects, without parsing them', () => {
    const lines = ['{"resourceSpans": []}', 'not json at all, but filtered out', '{"resourceSpans": []}'].join('\n');
    const result = decodeInput(Buffer.from(lines), 'x', { lineFilter: (bytes, start) => bytes[start] === 0x7b });
    expect(result.warnings).toEqual([]);
  });

  it('accepts a byte order mark before JSON lines', () => {
    const text = readFileSync(DEMO, 'utf8').split('\n').slice(0, 3).join('\n');
    const result = decodeInput(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'bom.jsonl');
    expect(result.warnings).toEqual([]);
    expect(result.spans.length).toBeGreaterThan(0);
  });

  it('numbers lines as the file does, blank lines before the first included', () => {
    const first = readFileSync(DEMO, 'utf8').split('\n')[0]!;
    const result = decodeInput(Buffer.from(`\n\n${first}\n{"resourceSpans": [ broken\n`), 'blank.jsonl');
    expect(result.warnings).toEqual(['blank.jsonl: skipped 1 malformed line (line 4)']);
  });
});

describe('streamTraces', () => {
  it('gives the same traces with a small window as reading the whole file', async () => {
    const whole = (await loadTraces([DEMO], processIo())).value.sort(byId).map(canonical);
    const streamed: Trace[] = [];
    const result = await streamTraces({ strict: false, window: 300 }, await expandSources([DEMO], processIo()), (t) => streamed.push(t));
    expect(result.warnings).toEqual([]);
    expect(streamed.sort(byId).map(canonical)).toEqual(whole);
  });

  it('hands traces on before the input ends when the window is small', async () => {
    let handedBeforeEnd = 0;
    let ended = false;
    await streamTraces({ strict: false, window: 100 }, await expandSources([DEMO], processIo()), () => {
      if (!ended) handedBeforeEnd++;
    });
    ended = true;
    expect(handedBeforeEnd).toBe(70);
  });

  it('says so when a window too small splits traces', async () => {
    const streamed: Trace[] = [];
    const result = await streamTraces({ strict: false, window: 5 }, await expandSources([DEMO], processIo()), (t) => streamed.push(t));
    expect(streamed.length).toBeGreaterThan(70);
    expect(streamed.reduce((n, t) => n + t.spans.length, 0)).toBe(847);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toMatch(/^\d+ spans arrived more than 5 spans after the rest of their trace/);
  });
});
