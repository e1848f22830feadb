import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTraces } from '../../src/model/build-trace.js';
import type { SpanKind, SpanRecord, SpanStatus } from '../../src/model/span.js';
import { BASE_NS } from '../helpers/spans.js';
import { FUZZ_RUNS, fuzzParams, testTimeout } from './config.js';
import { buildAndCheck, checkAnalyses, runAnalyzers } from './invariants.js';

/**
 * The trace builder on span records generated directly: ids from a small pool so they
 * collide, parents that are missing, the span itself, or close a cycle; exact duplicates;
 * shared client/server ids; negative, NaN and infinite durations; children in other
 * services started outside their parents (clock skew), consumers and FOLLOWS_FROM spans.
 * Properties: buildTraces does not throw or change its input, every trace holds the
 * model's invariants, critical path and self time stay within the trace, and building is
 * deterministic.
 */

const KINDS: SpanKind[] = ['server', 'client', 'producer', 'consumer', 'internal', 'unspecified'];
const STATUSES: SpanStatus[] = ['ok', 'error', 'unset'];

/** Ids from a pool of 12, so collisions, self-parents and cycles are common. */
const poolId = fc.integer({ min: 1, max: 12 }).map((n) => n.toString(16).padStart(16, '0'));
const spanIdArb = fc.oneof({ weight: 8, arbitrary: poolId }, { weight: 1, arbitrary: fc.constant('ffffffffffffffff') }, { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }).map((n) => n.toString(16).padStart(16, '0')) });
const parentArb = fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 8, arbitrary: poolId }, { weight: 1, arbitrary: fc.constant('00000000deadbeef') });

const durationArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 5_000_000_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -5_000_000_000, max: -1 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 0.5, 1e-9, 2 ** 64, Number.MAX_VALUE) },
  { weight: 1, arbitrary: fc.double({ noNaN: false }) },
);
/** Offsets from BASE_NS in ns: mostly close together, sometimes skewed far (hours, years, before the epoch). */
const startArb = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt({ min: -1_000_000_000n, max: 10_000_000_000n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -BASE_NS - (1n << 62n), max: 1n << 64n }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, 1n, -1n, -BASE_NS) },
);

interface Sketch {
  trace: number;
  spanId: string;
  parent: string | null;
  service: number;
  kind: SpanKind;
  start: bigint;
  duration: number;
  followsFrom: boolean;
  shared: boolean;
  status: SpanStatus;
  events: bigint[];
}

const sketchArb: fc.Arbitrary<Sketch> = fc.record({
  trace: fc.integer({ min: 1, max: 3 }),
  spanId: spanIdArb,
  parent: parentArb,
  service: fc.integer({ min: 0, max: 3 }),
  kind: fc.constantFrom(...KINDS),
  start: startArb,
  duration: durationArb,
  followsFrom: fc.boolean(),
  shared: fc.boolean(),
  status: fc.constantFrom(...STATUSES),
  events: fc.array(fc.bigInt({ min: -10_000_000_000n, max: 10_000_000_000n }), { maxLength: 2 }),
});

function toRecord(s: Sketch, n: number): SpanRecord {
  return {
    traceId: s.trace.toString(16).padStart(32, '0'),
    spanId: s.spanId,
    parentSpanId: s.parent,
    followsFrom: s.followsFrom,
    name: `op${n % 5}`,
    service: `svc${s.service}`,
    kind: s.kind,
    startNs: BASE_NS + s.start,
    durationNs: s.duration,
    status: s.status,
    statusMessage: s.status === 'error' ? 'boom' : null,
    // A fresh object per record: the invariant checks trace spans back to records by it.
    attributes: { n },
    resource: { 'service.name': `svc${s.service}` },
    events: s.events.map((t) => ({ name: 'e', timeNs: BASE_NS + s.start + t, attributes: {} })),
    links: [],
    shared: s.shared,
  };
}

/** Records, plus exact copies of some of them (same fields, their own attributes object). */
const recordsArb: fc.Arbitrary<SpanRecord[]> = fc
  .tuple(fc.array(sketchArb, { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 4 }))
  .map(([sketches, copies]) => {
    const records = sketches.map(toRecord);
    for (const i of copies) {
      const original = records[i % records.length]!;
      records.push({ ...original, attributes: { ...original.attributes } });
    }
    return records;
  });

/** A chain of parents that loops: a → b → c → a, each in its own service, all skewed. */
const cycleArb: fc.Arbitrary<SpanRecord[]> = fc
  .tuple(fc.integer({ min: 2, max: 8 }), fc.array(startArb, { minLength: 8, maxLength: 8 }), fc.array(durationArb, { minLength: 8, maxLength: 8 }))
  .map(([n, starts, durations]) =>
    Array.from({ length: n }, (_, i) =>
      toRecord(
        {
          trace: 1,
          spanId: (i + 1).toString(16).padStart(16, '0'),
          parent: (((i + 1) % n) + 1).toString(16).padStart(16, '0'),
          service: i % 4,
          kind: KINDS[i % KINDS.length]!,
          start: starts[i]!,
          duration: durations[i]!,
          followsFrom: false,
          shared: false,
          status: 'unset',
          events: [],
        },
        i,
      ),
    ),
  );

describe('buildTraces on generated span records', () => {
  it(
    'holds the model invariants, and critical path and self time stay within each trace',
    () => {
      fc.assert(
        fc.property(recordsArb, (records) => {
          const traces = buildAndCheck(records);
          for (const trace of traces) checkAnalyses(trace);
          runAnalyzers(traces);
        }),
        fuzzParams(10),
      );
    },
    testTimeout(FUZZ_RUNS * 10, 20),
  );

  it(
    'breaks every parent cycle, whatever its length and times',
    () => {
      fc.assert(
        fc.property(cycleArb, (records) => {
          const traces = buildAndCheck(records);
          expect(traces).toHaveLength(1);
          expect(traces[0]!.roots.length).toBeGreaterThanOrEqual(1);
          expect(traces[0]!.warnings.some((w) => w.kind === 'parent-cycle')).toBe(true);
          for (const trace of traces) checkAnalyses(trace);
        }),
        fuzzParams(3),
      );
    },
    testTimeout(FUZZ_RUNS * 3, 20),
  );

  it(
    'is deterministic: the same records give the same traces',
    () => {
      fc.assert(
        fc.property(recordsArb, (records) => {
          const dump = (r: SpanRecord[]): string =>
            JSON.stringify(
              buildTraces(r).map((t) => ({ id: t.traceId, d: t.durationMs, w: t.warnings, s: t.spans.map((s) => [s.spanId, s.parentSpanId, s.startMs, s.durationMs, s.depth]) })),
            );
          expect(dump(records)).toBe(dump(records));
        }),
        fuzzParams(3),
      );
    },
    testTimeout(FUZZ_RUNS * 3, 20),
  );
});
