/**
 * The file shapes the bench measures and the parallel-read tests cut (test/pipeline/shapes.test.ts),
 * as OTLP JSON lines. Deterministic: the same shape and size give the same bytes.
 *
 * - `small-lines`: the demo topology, a few spans of one trace per line (bench/generate-large.ts);
 * - `collector`: as the Collector's batch processor and file exporter write it: lines of
 *   500–8,000 spans from about 200 traces at a time and several resources;
 * - `long-traces`: a few traces of thousands of spans each, spread over many large lines;
 * - `density-change`: spans with 2 KB of attributes, then four times as many tiny spans, all
 *   from long-lived traces that each get a span every `traces` spans.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { mulberry32 } from '../scripts/demo-traces.js';

export type Shape = 'small-lines' | 'collector' | 'long-traces' | 'density-change';
export const SHAPES: readonly Shape[] = ['small-lines', 'collector', 'long-traces', 'density-change'];

/** A small deterministic generator: the demo's own (mulberry32). */
const random = mulberry32;

const EPOCH_NS = 1_780_000_000_000_000_000n;
const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');
const SERVICES = ['gateway', 'auth', 'orders', 'inventory', 'payments', 'search'];

interface SpanOut {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  service: string;
  name: string;
  startNs: bigint;
  durationNs: bigint;
  error: boolean;
  attributeBytes: number;
}

function spanJson(s: SpanOut): object {
  const attributes: object[] = [
    { key: 'http.route', value: { stringValue: `/${s.name}` } },
    { key: 'http.status_code', value: { intValue: s.error ? '500' : '200' } },
  ];
  if (s.attributeBytes > 0) attributes.push({ key: 'payload', value: { stringValue: 'x'.repeat(s.attributeBytes) } });
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    name: s.name,
    kind: s.parentSpanId === '' ? 2 : 3,
    startTimeUnixNano: String(s.startNs),
    endTimeUnixNano: String(s.startNs + s.durationNs),
    attributes,
    status: s.error ? { code: 2, message: 'failed' } : {},
  };
}

/** One OTLP line: the spans grouped by service, one resource each, in the order first met. */
function line(spans: readonly SpanOut[]): string {
  const byService = new Map<string, object[]>();
  for (const s of spans) {
    let list = byService.get(s.service);
    if (list === undefined) byService.set(s.service, (list = []));
    list.push(spanJson(s));
  }
  return JSON.stringify({
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ scope: { name: 'bench' }, spans: list }],
    })),
  });
}

interface Interleaved {
  spans: number;
  active: number;
  spansPerTrace: [number, number];
  lineSpans: [number, number];
  seed: number;
}

/** Traces written a span at a time, `active` of them open at once, cut into lines of a random size. */
function* interleaved(o: Interleaved): Generator<string> {
  const rnd = random(o.seed);
  const between = ([lo, hi]: [number, number]): number => lo + Math.floor(rnd() * (hi - lo + 1));
  let nextTrace = 1;
  let nextSpan = 1;
  type Open = { id: string; left: number; ids: string[]; startNs: bigint; written: number };
  const open = (): Open => ({ id: hex(o.seed, 8) + hex(nextTrace++, 24), left: between(o.spansPerTrace), ids: [], startNs: EPOCH_NS + BigInt(nextTrace) * 1_000_000n, written: 0 });
  const traces: Open[] = Array.from({ length: o.active }, open);
  let batch: SpanOut[] = [];
  let size = between(o.lineSpans);
  for (let i = 0; i < o.spans; i++) {
    const slot = Math.floor(rnd() * traces.length);
    const t = traces[slot]!;
    const spanId = hex(nextSpan++, 16);
    const parentSpanId = t.ids.length === 0 ? '' : t.ids[Math.floor(rnd() * t.ids.length)]!;
    if (t.ids.length < 64) t.ids.push(spanId);
    batch.push({
      traceId: t.id,
      spanId,
      parentSpanId,
      service: SERVICES[Math.floor(rnd() * SERVICES.length)]!,
      name: `op-${Math.floor(rnd() * 12)}`,
      startNs: t.startNs + BigInt(t.written++) * 100_000n,
      durationNs: BigInt(1 + Math.floor(rnd() * 5_000_000)),
      error: rnd() < 0.02,
      attributeBytes: 0,
    });
    if (--t.left === 0) traces[slot] = open();
    if (batch.length >= size) {
      yield line(batch);
      batch = [];
      size = between(o.lineSpans);
    }
  }
  if (batch.length > 0) yield line(batch);
}

/** `big` spans of 2 KB of attributes, then `tiny` small ones; span i belongs to trace i mod `traces`. */
function* densityChange(big: number, tiny: number, traces: number, perLine: number): Generator<string> {
  let batch: SpanOut[] = [];
  for (let i = 0; i < big + tiny; i++) {
    const trace = i % traces;
    const round = Math.floor(i / traces);
    batch.push({
      traceId: hex(0xd0, 8) + hex(trace + 1, 24),
      spanId: hex(i + 1, 16),
      parentSpanId: round === 0 ? '' : hex(trace + 1, 16),
      service: SERVICES[trace % 3]!,
      name: `op-${trace % 7}`,
      startNs: EPOCH_NS + BigInt(i) * 1_000_000n,
      durationNs: BigInt(1_000_000 + (i % 997) * 1000),
      error: i % 101 === 0,
      attributeBytes: i < big ? 2048 : 0,
    });
    if (batch.length >= perLine || i === big - 1) {
      yield line(batch);
      batch = [];
    }
  }
  if (batch.length > 0) yield line(batch);
}

/**
 * The lines of one shape, about `spans` spans in all. The density-change file's traces number
 * a third of its spans, as on the file in issue 18 (49k large, 200k tiny spans, 90k traces).
 */
export function shapeLines(shape: Exclude<Shape, 'small-lines'>, spans: number, perLine?: number): Generator<string> {
  switch (shape) {
    case 'collector':
      return interleaved({ spans, active: 200, spansPerTrace: [4, 16], lineSpans: perLine === undefined ? [500, 8000] : [perLine, perLine * 4], seed: 18_001 });
    case 'long-traces':
      return interleaved({ spans, active: 6, spansPerTrace: [2000, 30000], lineSpans: perLine === undefined ? [1000, 4000] : [perLine, perLine * 2], seed: 18_002 });
    case 'density-change': {
      const big = Math.round(spans * 0.197);
      return densityChange(big, spans - big, Math.round(spans * 0.36), perLine ?? 100);
    }
  }
}

export async function writeLines(path: string, lines: Iterable<string>): Promise<{ bytes: number }> {
  const out = createWriteStream(path);
  let bytes = 0;
  for (const l of lines) {
    const text = l + '\n';
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { bytes };
}
