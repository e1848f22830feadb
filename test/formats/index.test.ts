import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError, NotTracesError } from '../../src/model/errors.js';
import { decodeInput, InputDecoder, inputLimits } from '../../src/formats/index.js';
import type { SpanRecord } from '../../src/model/span.js';

const fixture = (path: string): Uint8Array => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url));
const text = (s: string): Uint8Array => Buffer.from(s);

const OTLP_LINE = JSON.stringify({
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'api' } }] },
    scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'GET /', kind: 2, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000' }] }],
  }],
});

describe('decodeInput detects the format from content', () => {
  it.each([
    ['otlp/otlp-trace-multi-service.json', 'otlp-json'],
    ['otlp/otel-demo-collector-export.jsonl', 'otlp-json'],
    ['tempo/kiali-tempo-v1-trace.json', 'otlp-json'],
    ['jaeger/apiv3-hotrod-trace.json', 'otlp-json'],
    ['jaeger/jaeger-v1-trace.json', 'jaeger-json'],
    ['jaeger/jaeger-v1-response-envelope.json', 'jaeger-json'],
    ['zipkin/yelp-trace.json', 'zipkin-json'],
    ['demo/llm-gateway.jaeger.json', 'jaeger-json'],
  ])('%s is %s', (path, format) => {
    const decoded = decodeInput(fixture(path), path);
    expect(decoded.format).toBe(format);
    expect(decoded.spans.length).toBeGreaterThan(0);
  });

  it('skips metric and log lines of a Collector export and counts them', () => {
    const decoded = decodeInput(fixture('otlp/otel-demo-collector-export.jsonl'), 'x');
    expect(decoded.spans).toHaveLength(547);
    expect(decoded.otherSignalLines).toBe(56);
    expect(decoded.warnings).toEqual([]);
  });
});

describe('decodeInput on bad input', () => {
  it('skips a garbage line in JSON lines, keeps the rest, and says which line', () => {
    const input = [OTLP_LINE, '{"resourceSpans": [tru', OTLP_LINE.replace('b7ad6b7169203331', 'b7ad6b7169203332'), ''].join('\n');
    const decoded = decodeInput(text(input), 'spans.jsonl');
    expect(decoded.spans.map((s) => s.spanId)).toEqual(['b7ad6b7169203331', 'b7ad6b7169203332']);
    expect(decoded.warnings).toEqual(['spans.jsonl: skipped 1 malformed line (line 2)']);
  });

  it('reads JSON lines whose first line is truncated, skipping that line as any other', () => {
    const second = OTLP_LINE.replace('b7ad6b7169203331', 'b7ad6b7169203332');
    const input = ['{"resourceSpans":[{"trunc', OTLP_LINE, second, ''].join('\n');
    const decoded = decodeInput(text(input), 'spans.jsonl');
    expect(decoded.spans.map((s) => s.spanId)).toEqual(['b7ad6b7169203331', 'b7ad6b7169203332']);
    expect(decoded.warnings).toEqual(['spans.jsonl: skipped 1 malformed line (line 1)']);
    // The same, fed a byte at a time: the decision waits for the lines that decide it.
    const spans: SpanRecord[] = [];
    const decoder = new InputDecoder('spans.jsonl', {}, (span) => spans.push(span));
    for (const byte of text(input)) decoder.push(Uint8Array.of(byte));
    expect(decoder.end().warnings).toEqual(['spans.jsonl: skipped 1 malformed line (line 1)']);
    expect(spans).toHaveLength(2);
  });

  it('reads a truncated first line followed by a single good line', () => {
    const decoded = decodeInput(text(`{"resourceSpans":[tr\n${OTLP_LINE}`), 'spans.jsonl');
    expect(decoded.spans).toHaveLength(1);
    expect(decoded.warnings).toEqual(['spans.jsonl: skipped 1 malformed line (line 1)']);
  });

  it('still reads a pretty-printed document whose array ends in one compact element', () => {
    const doc = `{"resourceSpans": [\n${JSON.stringify(JSON.parse(OTLP_LINE).resourceSpans[0])}\n]}\n`;
    expect(decodeInput(text(doc), 'doc.json').spans).toHaveLength(1);
  });

  it('makes a garbage line fatal with strict', () => {
    const input = [OTLP_LINE, 'garbage', OTLP_LINE].join('\n');
    expect(() => decodeInput(text(input), 'spans.jsonl', { strict: true })).toThrow(new InputError('spans.jsonl:2: malformed JSON line (--strict); drop --strict to skip bad lines'));
  });

  it('rejects a truncated JSON document instead of guessing', () => {
    const whole = readFileSync(new URL('../../fixtures/zipkin/yelp-trace.json', import.meta.url), 'utf8');
    expect(() => decodeInput(text(whole.slice(0, whole.length / 2)), 'yelp.json')).toThrow(/^yelp\.json: not valid JSON \(is the file truncated\?\)/);
  });

  it('names JSON of no known format', () => {
    expect(() => decodeInput(text('{"hello": "world"}'), 'x.json')).toThrow(
      new NotTracesError('x.json: not a trace file: expected OTLP, Jaeger or Zipkin JSON, or OTLP protobuf'),
    );
    // Still an input error: exit 3.
    expect(new NotTracesError('x')).toBeInstanceOf(InputError);
  });

  it('rejects binary junk', () => {
    const junk = Uint8Array.from({ length: 256 }, (_, i) => (i * 37 + 11) % 256);
    expect(() => decodeInput(junk, 'junk.bin')).toThrow(/^junk\.bin: not a trace file/);
  });

  it('reads an empty file as no spans, with a warning', () => {
    const decoded = decodeInput(text('  \n'), 'empty.json');
    expect(decoded.spans).toEqual([]);
    expect(decoded.warnings).toEqual(['empty.json: empty input, no traces in it']);
  });

  it('refuses a forced format the content does not have', () => {
    expect(() => decodeInput(fixture('zipkin/yelp-trace.json'), 'yelp.json', { format: 'jaeger-json' })).toThrow(/not jaeger-json input/);
  });

  it('counts lines of no known format separately from malformed ones', () => {
    const decoded = decodeInput(text([OTLP_LINE, '{"some": "object"}'].join('\n')), 'mixed.jsonl');
    expect(decoded.spans).toHaveLength(1);
    expect(decoded.warnings).toEqual(['mixed.jsonl: skipped 1 line of no known trace format (line 2)']);
  });
});

describe('inputs over the limits (lowered here; 512 MiB each in use)', () => {
  const saved = { ...inputLimits };
  const feed = (name: string, chunks: string[], strict = false): { spans: SpanRecord[]; warnings: string[] } => {
    const spans: SpanRecord[] = [];
    const decoder = new InputDecoder(name, { strict }, (span) => spans.push(span));
    for (const chunk of chunks) decoder.push(text(chunk));
    return { spans, warnings: decoder.end().warnings };
  };
  const second = OTLP_LINE.replace('b7ad6b7169203331', 'b7ad6b7169203332');
  const long = `{"resourceSpans":[{"pad":"${'x'.repeat(5000)}"}]}`;

  it('skips a JSON line over the limit as it streams by, keeping the lines around it', () => {
    Object.assign(inputLimits, { lineBytes: 1000 });
    try {
      // Fed in small chunks: the long line is never held whole.
      const input = `${OTLP_LINE}\n${long}\n${second}\n`;
      const chunks = input.match(/[^]{1,300}/g)!;
      const { spans, warnings } = feed('big.jsonl', chunks);
      expect(spans.map((s) => s.spanId)).toEqual(['b7ad6b7169203331', 'b7ad6b7169203332']);
      expect(warnings).toEqual(['big.jsonl: skipped 1 line over 1000 bytes, too long to read (line 2)']);
      expect(() => feed('big.jsonl', chunks, true)).toThrow('big.jsonl:2: a JSON line over 1000 bytes (--strict)');
    } finally {
      Object.assign(inputLimits, saved);
    }
  });

  it('skips an over-long first line too, when lines follow; alone, it is a document too large', () => {
    Object.assign(inputLimits, { lineBytes: 1000, documentBytes: 2000 });
    try {
      const chunks = `${long}\n${OTLP_LINE}\n`.match(/[^]{1,300}/g)!;
      const { spans, warnings } = feed('big.jsonl', chunks);
      expect(spans).toHaveLength(1);
      expect(warnings).toEqual(['big.jsonl: skipped 1 line over 1000 bytes, too long to read (line 1)']);
      expect(() => feed('one.json', long.match(/[^]{1,300}/g)!)).toThrow(new InputError('one.json: a single document over 2000 bytes cannot be read; export JSON lines instead'));
    } finally {
      Object.assign(inputLimits, saved);
    }
  });

  it('refuses a document over the limit while reading it, not at its end', () => {
    Object.assign(inputLimits, { documentBytes: 2000 });
    try {
      const decoder = new InputDecoder('zeros', {}, () => {});
      decoder.push(new Uint8Array(1500));
      expect(() => decoder.push(new Uint8Array(1500))).toThrow(new InputError('zeros: a single document over 2000 bytes cannot be read; export JSON lines instead'));
      const pretty = `{\n  "resourceSpans": [\n${' '.repeat(3000)}`;
      expect(() => feed('pretty.json', [pretty])).toThrow(/^pretty\.json: a single document over/);
    } finally {
      Object.assign(inputLimits, saved);
    }
  });
});
