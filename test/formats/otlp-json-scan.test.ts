import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeInput } from '../../src/formats/index.js';
import { decodeOtlpJson, otlpSignal } from '../../src/formats/otlp-json.js';
import { scanOtlpJsonLine } from '../../src/formats/otlp-json-scan.js';
import type { SpanRecord } from '../../src/model/span.js';
import { fuzzParams, testTimeout, FUZZ_RUNS } from '../fuzz/config.js';
import { otlpJsonFixtures, readFixtureText } from '../fuzz/fixtures.js';
import { applyMutations, mutations } from '../fuzz/mutate.js';

/**
 * The byte scanner must give exactly what JSON.parse + decodeOtlpJson give, or give the line
 * up (null). These tests hold it to that on the real fixtures, on lines written every way
 * the OTLP JSON mapping allows, on fixtures mutated structurally and on mangled bytes.
 */

const scan = (line: string | Buffer): SpanRecord[] | null => {
  const bytes = typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
  return scanOtlpJsonLine(bytes, 0, bytes.length);
};

/** What the ordinary path makes of a line: its spans when it decodes as OTLP without a warning, else null. */
function decoded(line: string | Buffer): { spans: SpanRecord[]; clean: boolean } | null {
  let payload: unknown;
  try {
    payload = JSON.parse(typeof line === 'string' ? line : line.toString('utf8'));
  } catch {
    return null;
  }
  if (otlpSignal(payload) !== 'traces') return null;
  try {
    const result = decodeOtlpJson(payload);
    return { spans: result.spans, clean: result.warnings.length === 0 };
  } catch {
    return null;
  }
}

/** The property: the scanner gives up, or gives the decoder's spans for a line the decoder reads without a word. */
function agrees(line: string | Buffer): boolean {
  const scanned = scan(line);
  // Leaving some traces out changes which spans come back, never whether the line is taken.
  const bytes = typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
  const keep = (traceId: string): boolean => traceId.endsWith('c') || traceId.endsWith('0');
  const kept = scanOtlpJsonLine(bytes, 0, bytes.length, keep);
  expect(kept === null).toBe(scanned === null);
  if (scanned === null) return false;
  expect(kept).toEqual(scanned.filter((s) => keep(s.traceId)));
  const expected = decoded(line);
  expect(expected, 'the scanner read a line the decoder does not').not.toBeNull();
  expect(expected!.clean, 'the scanner read a line the decoder warns about').toBe(true);
  expect(scanned).toEqual(expected!.spans);
  return true;
}

const span = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  parentSpanId: 'eee19b7ec3c1b173',
  name: 'GET /api',
  kind: 2,
  startTimeUnixNano: '1544712660000000000',
  endTimeUnixNano: '1544712661000000000',
  attributes: [{ key: 'http.status_code', value: { intValue: '500' } }],
  status: { code: 2, message: 'boom' },
  ...extra,
});
const line = (spans: unknown[], resource: unknown = { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] }): string =>
  JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 's' }, spans }] }] });

describe('scanOtlpJsonLine', () => {
  it('reads every real OTLP JSON line as the decoder does', () => {
    const files = ['otlp/otlp-jsonl-nodejs-sdk.jsonl', 'otlp/otlp-file-exporter-spec-example.jsonl', 'otlp/otel-demo-collector-export.jsonl', 'demo/llm-gateway.otlp.jsonl'];
    let read = 0;
    for (const file of files) {
      for (const text of readFixtureText(file).split('\n')) {
        if (text.trim() === '') continue;
        agrees(text);
        if (scan(text) !== null) read++;
      }
    }
    // Every trace line of the demo and the SDK's exporter is taken (metrics and logs lines are not).
    expect(read).toBeGreaterThanOrEqual(100 + 4);
    for (const fixture of otlpJsonFixtures) agrees(JSON.stringify(fixture.payload));
  });

  it('takes the lines real producers write, and the spans come out as the decoder makes them', () => {
    const text = line([span(), span({ spanId: 'eee19b7ec3c1b175', parentSpanId: '', kind: 'SPAN_KIND_CLIENT', status: {} })]);
    const spans = scan(text)!;
    expect(spans).not.toBeNull();
    expect(spans).toEqual(decoded(text)!.spans);
    expect(spans[0]).toMatchObject({ service: 'api', status: 'error', statusMessage: 'boom', kind: 'server', durationNs: 1e9, startNs: 1544712660000000000n });
    expect(spans[1]).toMatchObject({ parentSpanId: null, kind: 'client', status: 'unset', statusMessage: null });
  });

  it.each([
    ['snake_case, as the Collector also accepts', JSON.stringify({ resource_spans: [{ resource: {}, scope_spans: [{ spans: [{ trace_id: '5b8efff798038103d269b633813fc60c', span_id: 'eee19b7ec3c1b174', start_time_unix_nano: '1', end_time_unix_nano: '5' }] }] }] })],
    ['the resource after its spans', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span()] }], resource: { attributes: [{ key: 'service.name', value: { stringValue: 'late' } }] } }] })],
    ['instrumentationLibrarySpans before scopeSpans', JSON.stringify({ resourceSpans: [{ instrumentationLibrarySpans: [{ spans: [span({ name: 'old' })] }], scopeSpans: [{ spans: [span({ spanId: '1111111111111111' })] }] }] })],
    ['white space everywhere', JSON.stringify(JSON.parse(line([span()])), null, '\t').replace(/\n/g, ' \r ')],
    ['escapes and non-ASCII text', line([span({ name: 'caf\u00e9 \u2603 "quoted" \\ \u0001 \ud83d\ude00', attributes: [{ key: 'k\u00e9y', value: { stringValue: 'line\nbreak' } }] })])],
    ['upper-case, short and base64 ids', line([span({ traceId: '5B8EFFF798038103D269B633813FC60C', spanId: 'abc', parentSpanId: 'AAAAAAAAAAE=' })])],
    ['every AnyValue', line([span({ attributes: [
      { key: 'b', value: { boolValue: false } }, { key: 'i', value: { intValue: 2 ** 53 + 2 } }, { key: 'i2', value: { intValue: '-12' } },
      { key: 'd', value: { doubleValue: -0 } }, { key: 'nan', value: { doubleValue: 'NaN' } }, { key: 'e', value: { doubleValue: 1.5e300 } },
      { key: 'bytes', value: { bytesValue: 'AQID' } }, { key: 'none', value: {} }, { key: 'wrong', value: { stringValue: 5, intValue: '7' } },
      { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, 3, { arrayValue: {} }] } } },
      { key: 'kv', value: { kvlistValue: { values: [{ key: 'x', value: { intValue: 1 } }, { nokey: 1 }] } } },
      { key: '__proto__', value: { stringValue: 'polluted?' } }, { key: 'b', value: { boolValue: true } }, 7, { value: { stringValue: 'keyless' } },
    ] })])],
    ['events and links', line([span({ events: [{ timeUnixNano: '1544712660500000000', name: 'e', attributes: [{ key: 'a', value: { stringValue: 'b' } }] }, { time_unix_nano: 7 }], links: [{ traceId: '5b8efff798038103d269b633813fc60d', spanId: 'eee19b7ec3c1b179' }] })])],
    ['empty and odd containers', line([span({ events: [], links: null, attributes: {}, status: [] })], [])],
    ['times as numbers and long', line([span({ startTimeUnixNano: 1544712660000000000, endTimeUnixNano: '18446744073709551615' })])],
    ['an end before the start', line([span({ startTimeUnixNano: '1544712661000000000', endTimeUnixNano: '1544712660000000000' })])],
    ['times far apart', line([span({ startTimeUnixNano: '1', endTimeUnixNano: '9999999999999999999' })])],
  ])('%s: read as the decoder reads it', (_name, text) => {
    const scanned = scan(text);
    expect(scanned).not.toBeNull();
    expect(scanned).toEqual(decoded(text)!.spans);
  });

  it.each([
    ['not JSON', '{"resourceSpans":[}'],
    ['trailing text', `${line([span()])} x`],
    ['two documents', `${line([span()])}${line([span()])}`],
    ['a control character in a string', line([span()]).replace('GET /api', 'GET\u0001/api').replace('\\u0001', '\u0001')],
    ['an escaped key', line([span()]).replace('"name"', '"na\\u006de"')],
    ['a duplicate key', line([span()]).replace('"name":"GET /api"', '"name":"a","name":"b"')],
    ['a leading zero', line([span({ kind: 2 })]).replace('"kind":2', '"kind":02')],
    ['another wrapper', JSON.stringify({ batches: JSON.parse(line([span()])).resourceSpans })],
    ['Tempo’s PARTIAL status', JSON.stringify({ ...JSON.parse(line([span()])), status: 'PARTIAL' })],
    ['metrics', '{"resourceMetrics":[]}'],
    ['a span the decoder skips', line([span({ traceId: '' })])],
    ['a parent the decoder warns about', line([span({ parentSpanId: 'z!' })])],
    ['an event the decoder drops', line([span({ events: [{ timeUnixNano: 'soon' }] })])],
    ['a byte order mark', `\ufeff${line([span()])}`],
    ['a truncated line', line([span()]).slice(0, -2)],
  ])('gives up %s', (_name, text) => {
    expect(scan(text)).toBeNull();
  });

  it('leaves out the spans of traces it is told to, and still gives up a line for what they hold', () => {
    const other = '5b8efff798038103d269b633813fc60d';
    const keepFirst = (traceId: string): boolean => traceId !== other;
    const text = line([span(), span({ traceId: other, spanId: '1111111111111111', attributes: [{ key: 'big', value: { stringValue: 'x'.repeat(1000) } }] })]);
    const bytes = Buffer.from(text);
    expect(scanOtlpJsonLine(bytes, 0, bytes.length, keepFirst)).toEqual(decoded(text)!.spans.slice(0, 1));
    // The left-out span's bad parent still makes the decoder warn, so the line is still given up.
    const warned = Buffer.from(line([span(), span({ traceId: other, parentSpanId: 'z!' })]));
    expect(scanOtlpJsonLine(warned, 0, warned.length, keepFirst)).toBeNull();
    // And its attributes are still checked to be JSON.
    const broken = Buffer.from(text.replace('"big","value":{"stringValue":"x', '"big","value":{"stringValue":x'));
    expect(scanOtlpJsonLine(broken, 0, broken.length, keepFirst)).toBeNull();
  });

  it('gives up a line cut at any byte, where JSON.parse fails', () => {
    const text = Buffer.from(line([span({ events: [{ timeUnixNano: '1', name: 'é' }] })]));
    for (let cut = 0; cut < text.length; cut++) expect(scan(text.subarray(0, cut)), `cut at ${cut}`).toBeNull();
  });

  it('reads the line between other bytes of a chunk, never past its end', () => {
    const one = line([span()]);
    const bytes = Buffer.from(`${one}\n${one}\n`);
    expect(scanOtlpJsonLine(bytes, 0, one.length)).toEqual(decoded(one)!.spans);
    expect(scanOtlpJsonLine(bytes, one.length + 1, 2 * one.length + 1)).toEqual(decoded(one)!.spans);
    // A number that runs on into the next line is not taken as longer.
    const open = Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":1\n2}]}]}]}');
    expect(scanOtlpJsonLine(open, 0, open.indexOf(0x0a))).toBeNull();
  });

  it(
    'mutated fixtures: gives up, or agrees with the decoder',
    () => {
      let cases = 0;
      let read = 0;
      const payloads = [...otlpJsonFixtures.map((f) => f.payload), JSON.parse(line([span({ events: [{ timeUnixNano: '2', name: 'e' }], links: [{ traceId: '5b8efff798038103d269b633813fc60d', spanId: 'eee19b7ec3c1b179' }] })]))];
      fc.assert(
        fc.property(fc.constantFrom(...payloads.keys()), mutations(), (index, list) => {
          let text: string;
          try {
            text = JSON.stringify(applyMutations(payloads[index], list));
          } catch {
            return; // nested too deep to write
          }
          cases++;
          if (agrees(text)) read++;
        }),
        fuzzParams(4),
      );
      // The property is only as good as the mutated lines the scanner does read.
      expect(read).toBeGreaterThan(cases / 10);
    },
    testTimeout(FUZZ_RUNS * 4),
  );

  it(
    'mangled bytes: gives up, or agrees with the decoder',
    () => {
      const base = Buffer.from(line([span({ name: 'naïve', events: [{ timeUnixNano: '3', name: 'e' }] }), span({ spanId: '0000000000000002', attributes: [{ key: 'd', value: { doubleValue: 2.5 } }] })]));
      const hurt = fc.constantFrom(0x22, 0x5c, 0x00, 0x1f, 0x7f, 0x80, 0xbf, 0xc3, 0xe2, 0xf0, 0xff, 0x2c, 0x3a, 0x7b, 0x7d, 0x5b, 0x5d, 0x20, 0x30, 0x2d, 0x65, 0x2e);
      let cases = 0;
      let read = 0;
      const edit = fc.record({ at: fc.nat(), byte: hurt, op: fc.constantFrom('set', 'insert', 'delete') });
      fc.assert(
        fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
          let bytes = Buffer.from(base);
          for (const { at, byte, op } of edits) {
            const i = at % bytes.length;
            if (op === 'set') bytes[i] = byte;
            else if (op === 'insert') bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([byte]), bytes.subarray(i)]);
            else bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
          }
          cases++;
          if (agrees(bytes)) read++;
        }),
        fuzzParams(10),
      );
      expect(read).toBeGreaterThan(cases / 10);
    },
    testTimeout(FUZZ_RUNS * 10),
  );
});

describe('JSON lines through the scanner', () => {
  it('decodeInput gives the same spans, warnings and format with the scanner as without it', () => {
    const good = line([span()]);
    const text = [good, '{"resourceSpans":[', line([span({ traceId: '' })]), '{"resourceMetrics":[]}', '', line([span({ spanId: '2222222222222222', name: 'café' })]), good].join('\n');
    const withoutScanner = decodeInput(Buffer.from(text), 'f.jsonl', { textOnly: true });
    const withScanner = decodeInput(Buffer.from(text), 'f.jsonl');
    expect(withScanner).toEqual(withoutScanner);
    expect(withScanner.spans).toHaveLength(3);
    expect(withScanner.warnings).toEqual(['f.jsonl:3: span 0 of resourceSpans[0].scopeSpans[0]: empty traceId, skipped', 'f.jsonl: skipped 1 malformed line (line 2)']);
  });

  it('the demo and the SDK exporter files decode the same either way', () => {
    for (const file of ['demo/llm-gateway.otlp.jsonl', 'otlp/otlp-jsonl-nodejs-sdk.jsonl', 'otlp/otel-demo-collector-export.jsonl']) {
      const bytes = Buffer.from(readFixtureText(file));
      expect(decodeInput(bytes, file), file).toEqual(decodeInput(bytes, file, { textOnly: true }));
    }
  });
});
