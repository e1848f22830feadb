import type { SpanKind, SpanRecord, SpanStatus, Attributes } from '../../src/model/span.js';

/** 2026-11-01T10:00:00Z in epoch nanoseconds: far beyond 2^53, as real epochs are. */
export const BASE_NS = 1_793_527_200_000_000_000n;

export interface SpanSketch {
  id: string;
  parent?: string | null;
  service?: string;
  name?: string;
  kind?: SpanKind;
  /** ms from BASE_NS */
  start: number;
  /** ms */
  dur: number;
  status?: SpanStatus;
  message?: string;
  attrs?: Attributes;
  followsFrom?: boolean;
  shared?: boolean;
  trace?: string;
}

/** A span record from a compact sketch: ids are padded, times are ms from BASE_NS. */
export function record(s: SpanSketch): SpanRecord {
  return {
    traceId: (s.trace ?? '1').padStart(32, '0'),
    spanId: s.id.padStart(16, '0'),
    parentSpanId: s.parent ? s.parent.padStart(16, '0') : null,
    followsFrom: s.followsFrom ?? false,
    name: s.name ?? s.id,
    service: s.service ?? 'svc',
    kind: s.kind ?? 'internal',
    startNs: BASE_NS + BigInt(Math.round(s.start * 1e6)),
    durationNs: Math.round(s.dur * 1e6),
    status: s.status ?? 'unset',
    statusMessage: s.message ?? null,
    attributes: s.attrs ?? {},
    resource: { 'service.name': s.service ?? 'svc' },
    events: [],
    links: [],
    shared: s.shared ?? false,
  };
}

export const records = (sketches: SpanSketch[]): SpanRecord[] => sketches.map(record);

/** The span id a sketch id becomes. */
export const sid = (id: string): string => id.padStart(16, '0');
