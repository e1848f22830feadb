import { describe, expect, it } from 'vitest';
import { decodeInput } from '../../src/formats/index.js';
import { decodeJaegerJson } from '../../src/formats/jaeger-json.js';
import { decodeOtlpJson } from '../../src/formats/otlp-json.js';
import { decodeZipkinJson } from '../../src/formats/zipkin-json.js';
import { buildTraces } from '../../src/model/build-trace.js';
import { cleanAndTruncate, cleanText, fitText } from '../../src/report/sanitize.js';
import { record } from '../helpers/spans.js';
import { buildAndCheck, checkDecoded } from './invariants.js';

/**
 * The bugs the fuzz tests found, each pinned by the smallest input that showed it. Before
 * the fixes these threw RangeError (exit 70, "internal error"), put NaN or Infinity on a
 * trace's time axis, or let hostile text through.
 */

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const otlp = (span: Record<string, unknown>): unknown => ({
  resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: TRACE, spanId: 'b7ad6b7169203331', startTimeUnixNano: '1000', endTimeUnixNano: '2000', ...span }] }] }],
});
const zipkin = (span: Record<string, unknown>): unknown[] => [{ traceId: 'abc', id: '1', timestamp: 1_700_000_000_000_000, duration: 250, localEndpoint: { serviceName: 'svc' }, ...span }];
const jaeger = (span: Record<string, unknown>, extra: Record<string, unknown> = {}): unknown => ({
  data: [{ traceID: 'abc', processes: { p1: { serviceName: 'svc' } }, spans: [{ traceID: 'abc', spanID: '1', startTime: 1_700_000_000_000_000, duration: 250, processID: 'p1', ...span }] }],
  ...extra,
});

/** `depth` levels of `[…]` around `leaf`, built without recursion. */
function nestedArray(depth: number, leaf: unknown = 1): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

const longestWarning = (warnings: readonly string[]): number => Math.max(0, ...warnings.map((w) => w.length));

describe('decoders on deeply nested values (stack overflow)', () => {
  it('OTLP: an attribute value nested 5,000 deep decodes, cut at 64 levels', () => {
    // Written as text: JSON.stringify itself would overflow on it.
    const value = `${'{"arrayValue":{"values":['.repeat(5_000)}{"stringValue":"leaf"}${']}}'.repeat(5_000)}`;
    const doc = JSON.stringify(otlp({ attributes: [{ key: 'deep', value: 'VALUE' }] })).replace('"VALUE"', value);
    const bytes = Buffer.from(doc);
    const decoded = decodeInput(bytes, 'deep.json');
    let v: unknown = decoded.spans[0]!.attributes.deep;
    let depth = 0;
    while (Array.isArray(v)) {
      v = (v as unknown[])[0];
      depth++;
    }
    expect(depth).toBe(64);
    expect(v).toBe(null);
    checkDecoded(decoded.spans, decoded.warnings);
  });

  it('Zipkin: a non-string tag nested 10,000 deep is kept as a note', () => {
    const { spans } = decodeZipkinJson(zipkin({ tags: { deep: nestedArray(10_000), shallow: [1, { a: 2 }] } }));
    expect(spans[0]!.attributes.deep).toBe('(a JSON value nested deeper than 64 levels)');
    expect(spans[0]!.attributes.shallow).toBe('[1,{"a":2}]');
  });

  it('Jaeger and Zipkin: an id that is a deeply nested array is named, not stringified', () => {
    const j = decodeJaegerJson(jaeger({ spanID: nestedArray(10_000) }));
    expect(j.spans).toEqual([]);
    expect(j.warnings).toEqual(['span a deeply nested array of trace "abc" has no spanID; skipped']);
    const z = decodeZipkinJson([...zipkin({ id: nestedArray(10_000) }), ...zipkin({ id: '2' })]);
    expect(z.spans).toHaveLength(1);
    expect(z.warnings).toEqual(['span a deeply nested array of trace "abc" has no id; skipped']);
  });

  it("Jaeger: an envelope error that is a deeply nested object, or a megabyte long, becomes a short warning", () => {
    const { warnings } = decodeJaegerJson(jaeger({}, { errors: [{ code: nestedArray(10_000) }, { msg: 'x'.repeat(1_000_000), traceID: 'y'.repeat(1_000_000) }] }));
    expect(warnings[0]).toBe('Jaeger reported an error: a deeply nested object');
    expect(longestWarning(warnings)).toBeLessThan(700);
  });
});

describe('decoders quote at most a little of a bad value in a warning', () => {
  const MEGABYTE = 'g'.repeat(1_000_000);
  it.each([
    ['Jaeger', () => decodeJaegerJson(jaeger({ spanID: MEGABYTE, startTime: 'soon' }))],
    ['Zipkin', () => decodeZipkinJson(zipkin({ id: MEGABYTE, traceId: MEGABYTE, timestamp: undefined }))],
    ['OTLP', () => decodeOtlpJson(otlp({ spanId: MEGABYTE }))],
  ])('%s: a megabyte-long non-hex id', (_, decode) => {
    const { warnings } = decode();
    expect(warnings.length).toBeGreaterThan(0);
    expect(longestWarning(warnings)).toBeLessThan(200);
  });
});

describe('times beyond any real clock (Infinity and NaN on the time axis)', () => {
  it('Zipkin: a timestamp of 1.8e308 µs is unusable; the span is dated by its annotations or skipped', () => {
    const { spans, warnings } = decodeZipkinJson([
      ...zipkin({ id: '1', timestamp: Number.MAX_VALUE, annotations: [{ timestamp: 1_700_000_000_000_100, value: 'sr' }] }),
      ...zipkin({ id: '2', parentId: '1', timestamp: Number.MAX_VALUE }),
      ...zipkin({ id: '3', parentId: '1', duration: 1e306 }),
    ]);
    expect(spans.map((s) => s.spanId)).toEqual(['0000000000000001', '0000000000000003']);
    expect(spans[0]!.startNs).toBe(1_700_000_000_000_100_000n);
    expect(spans[1]!.durationNs).toBe(0);
    expect(warnings).toEqual(['span "2" of trace "abc" has no timestamp and no annotations; skipped', 'span "3" of trace "abc" has no duration; taken as 0']);
    checkDecoded(spans, warnings);
  });

  it('Jaeger: a startTime of 1e300 µs skips the span; a duration of 1e306 µs is taken as 0', () => {
    const huge = decodeJaegerJson(jaeger({ startTime: 1e300 }));
    expect(huge.spans).toEqual([]);
    expect(huge.warnings).toEqual(['span "1" of trace "abc" has no startTime; skipped']);
    const long = decodeJaegerJson(jaeger({ duration: 1e306, logs: [{ timestamp: -1e300, fields: [] }] }));
    expect(long.spans[0]!.durationNs).toBe(0);
    expect(long.spans[0]!.events).toEqual([]);
    checkDecoded(long.spans, long.warnings);
  });

  it.each([
    ['past fixed64', '18446744073709551616', null],
    ['400 digits', '9'.repeat(400), null],
    ['the largest fixed64', '18446744073709551615', 18446744073709551615n],
    ['leading zeros', `${'0'.repeat(30)}2000`, 2000n],
  ])('OTLP: endTimeUnixNano %s', (_, end, expected) => {
    const { spans, warnings } = decodeOtlpJson(otlp({ endTimeUnixNano: end }));
    if (expected === null) {
      expect(spans).toEqual([]);
      expect(warnings[0]).toMatch(/^span 0 of resourceSpans\[0\]\.scopeSpans\[0\]: invalid endTimeUnixNano "\d+("|\.\.\.), skipped$/);
    } else {
      expect(spans[0]!.durationNs).toBe(Number(expected - 1000n));
      checkDecoded(spans, warnings);
    }
  });

  it('OTLP: a million-digit time is refused without parsing it', () => {
    const started = performance.now();
    expect(decodeOtlpJson(otlp({ startTimeUnixNano: '7'.repeat(1_000_000) })).spans).toEqual([]);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('buildTraces', () => {
  it('sets an infinite duration to 0 with a warning, as it does a negative one', () => {
    const [trace] = buildTraces([{ ...record({ id: '1', start: 0, dur: 1 }), durationNs: Infinity }]);
    expect(trace!.spans[0]!.durationMs).toBe(0);
    expect(trace!.durationMs).toBe(0);
    expect(trace!.warnings.map((w) => w.kind)).toEqual(['negative-duration']);
  });

  /*
   * r  (svc a) |██████████|                       0–10ms
   * c  (svc b)                     |████|         100–104.000001ms: skewed, shifted to start 2.9999995ms
   * d  (svc b)  |█|                               1ms, c's clock: moves with c to -96.0000005ms
   *
   * d lands half a nanosecond off the whole-nanosecond origin: it must start at 0, not -5e-7.
   */
  it('never puts a span before the trace origin when skew moves one to a fraction of a nanosecond', () => {
    const records = [
      record({ id: 'r', service: 'a', kind: 'server', start: 0, dur: 10 }),
      record({ id: 'c', parent: 'r', service: 'b', kind: 'server', start: 100, dur: 4.000001 }),
      record({ id: 'd', parent: 'c', service: 'b', kind: 'internal', start: 1, dur: 0.5 }),
    ];
    const [trace] = buildAndCheck(records);
    const d = trace!.byId.get('000000000000000d')!;
    expect(d.startMs).toBe(0);
    expect(Math.min(...trace!.spans.map((s) => s.startMs))).toBe(0);
  });
});

describe('sanitize', () => {
  it('removes the Arabic letter mark, a bidi control like LRM and RLM', () => {
    expect(cleanText('a\u061cb\u200ec\u200fd')).toBe('abcd');
  });

  it('finds the visible text behind invisible padding instead of cutting it away', () => {
    const padded = `${'\u001b'.repeat(68)}31m`;
    expect(cleanAndTruncate(padded, 3)).toBe('31m');
    expect(fitText(padded, 3)).toBe('31m');
    // A cut inside a long CSI's parameters must not show its tail.
    const longCsi = `\u001b[${'1;'.repeat(500)}31mname`;
    expect(fitText(longCsi, 10)).toBe('name');
  });

  it('marks every cut with an ellipsis, even when what was cut was mostly escape codes', () => {
    expect(fitText(`${'\u001b[0m'.repeat(100)}${'x'.repeat(50)}`, 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('keeps the "(N chars)" note within max, so a column or a line keeps its width', () => {
    const out = cleanAndTruncate('y'.repeat(1_000_000), 40);
    expect(out).toBe(`${'y'.repeat(21)}… (1,000,000 chars)`);
    expect(out).toHaveLength(40);
    expect(cleanAndTruncate('y'.repeat(100), 12)).toBe(`${'y'.repeat(11)}…`);
  });
});
