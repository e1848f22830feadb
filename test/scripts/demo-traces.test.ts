import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  DEMO_EPOCH_MS,
  DEMO_FILES,
  DEMO_SEED,
  DEMO_TRACE_COUNT,
  demoFixtureFiles,
  generateDemoTraces,
  toJaegerJson,
  toOtlpJsonLines,
  toZipkinJson,
  type DemoManifest,
  type DemoSpan,
  type DemoTrace,
} from '../../scripts/demo-traces.js';

const OPTIONS = { seed: DEMO_SEED, count: DEMO_TRACE_COUNT, startEpochMs: DEMO_EPOCH_MS };
const DEMO_DIR = fileURLToPath(new URL('../../fixtures/demo/', import.meta.url));
const traces = generateDemoTraces(OPTIONS);
const allSpans = traces.flatMap((t) => t.spans);
const readFixture = (name: string): string => readFileSync(`${DEMO_DIR}${name}`, 'utf8');
const manifest = JSON.parse(readFixture('manifest.json')) as DemoManifest;

/** What all three formats must agree on, one line per span, in a stable order. */
interface Essentials {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  kind: string;
  startUs: number;
  durationUs: number;
  error: boolean;
}

const byTraceAndSpan = (a: Essentials, b: Essentials): number =>
  a.traceId.localeCompare(b.traceId) || a.spanId.localeCompare(b.spanId);

function modelEssentials(): Essentials[] {
  return traces
    .flatMap((t) =>
      t.spans.map((s) => ({
        traceId: t.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId,
        service: s.service,
        name: s.name,
        kind: s.kind,
        startUs: t.epochMs * 1000 + s.startUs,
        durationUs: s.durationUs,
        error: s.status === 'error',
      })),
    )
    .sort(byTraceAndSpan);
}

function root(t: DemoTrace): DemoSpan {
  const roots = t.spans.filter((s) => s.parentSpanId === null);
  expect(roots).toHaveLength(1);
  return roots[0]!;
}

describe('demo trace generator', () => {
  it('is deterministic', () => {
    expect(generateDemoTraces(OPTIONS)).toEqual(traces);
    expect(demoFixtureFiles()).toEqual(demoFixtureFiles());
    // A different seed gives different traces, so the seed is really used.
    expect(generateDemoTraces({ ...OPTIONS, seed: 7 })[0]!.traceId).not.toBe(traces[0]!.traceId);
  });

  it('matches the committed fixtures (regenerate with `npx vite-node scripts/generate-demo.ts`)', () => {
    const fresh = demoFixtureFiles();
    expect(readdirSync(DEMO_DIR).sort()).toEqual(Object.keys(fresh).sort());
    for (const [name, content] of Object.entries(fresh)) {
      expect(readFixture(name), name).toBe(content);
      expect(Buffer.byteLength(content), name).toBeLessThan(1024 * 1024);
    }
  });

  it('models a realistic world', () => {
    expect(traces).toHaveLength(70);
    const starts = traces.map((t) => root(t).startUs);
    const ends = allSpans.map((s) => s.startUs + s.durationUs);
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ends)).toBeLessThan(3_600_000_000);

    const ids = new Set(allSpans.map((s) => s.spanId));
    expect(ids.size).toBe(allSpans.length);
    for (const s of allSpans) {
      expect(s.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(Number.isInteger(s.startUs) && Number.isInteger(s.durationUs) && s.durationUs > 0).toBe(true);
    }
    for (const t of traces) {
      expect(t.traceId).toMatch(/^[0-9a-f]{32}$/);
      const r = root(t);
      const byId = new Map(t.spans.map((s) => [s.spanId, s]));
      for (const s of t.spans) {
        const parent = s.parentSpanId === null ? undefined : byId.get(s.parentSpanId);
        if (s.parentSpanId !== null) expect(parent, `parent of ${s.name}`).toBeDefined();
        if (parent === undefined) continue;
        if (s.followsFrom) {
          // Async followers start after their producer and the whole request ended.
          expect(s.kind).toBe('consumer');
          expect(s.startUs).toBeGreaterThan(r.startUs + r.durationUs);
        } else {
          expect(s.startUs).toBeGreaterThanOrEqual(parent.startUs);
          expect(s.startUs + s.durationUs).toBeLessThanOrEqual(parent.startUs + parent.durationUs);
        }
        for (const e of s.events) {
          expect(e.timeUs).toBeGreaterThanOrEqual(s.startUs);
          expect(e.timeUs).toBeLessThanOrEqual(s.startUs + s.durationUs);
        }
      }
    }

    // A long tail: the slowest traces are 5–10× the median, each with a stated reason.
    for (const slow of manifest.slowestTraces) {
      expect(slow.durationMs / manifest.traceDurationMs.median).toBeGreaterThanOrEqual(5);
      expect(slow.durationMs / manifest.traceDurationMs.median).toBeLessThanOrEqual(10);
      expect(slow.reason).toMatch(/^slow (llm_completion|vector-store search)/);
    }

    // Cache hits are much faster than the LLM work a miss has to do.
    const lookups = allSpans.filter((s) => s.name === 'cache_lookup');
    const hitRatio = lookups.filter((s) => s.attributes['cache.hit'] === true).length / lookups.length;
    expect(hitRatio).toBeGreaterThan(0.3);
    expect(hitRatio).toBeLessThan(0.5);
    const maxHitUs = Math.max(...lookups.filter((s) => s.attributes['cache.hit'] === true).map((s) => s.durationUs));
    const completions = allSpans.filter((s) => s.name === 'llm_completion' && s.status !== 'error');
    expect(Math.min(...completions.map((s) => s.durationUs))).toBeGreaterThan(50 * maxHitUs);

    // Parallel children: the two vector-store searches of a request overlap.
    const overlapping = traces.filter((t) => {
      const searches = t.spans.filter((s) => s.service === 'vector-store' && s.name === 'search');
      const [a, b] = searches;
      return a !== undefined && b !== undefined && b.startUs < a.startUs + a.durationUs && a.startUs < b.startUs + b.durationUs;
    });
    expect(overlapping.length).toBeGreaterThan(10);

    // Failed roots carry an exception event and a 5xx status code.
    for (const t of traces.filter((x) => root(x).status === 'error')) {
      const r = root(t);
      expect(r.events.map((e) => e.name)).toContain('exception');
      expect(r.attributes['http.response.status_code']).toBeGreaterThanOrEqual(500);
    }
  });

  it('spreads each trace over several OTLP JSON lines', () => {
    const lines = readFixture(DEMO_FILES.otlp).trimEnd().split('\n');
    const linesOfTrace = new Map<string, Set<number>>();
    let mixedLines = 0;
    lines.forEach((line, i) => {
      const request = JSON.parse(line) as OtlpRequest;
      expect(request.resourceSpans.length).toBeGreaterThan(0);
      const traceIds = new Set<string>();
      for (const rs of request.resourceSpans) {
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) {
            traceIds.add(s.traceId);
            linesOfTrace.set(s.traceId, (linesOfTrace.get(s.traceId) ?? new Set()).add(i));
          }
        }
      }
      if (traceIds.size > 1) mixedLines++;
    });
    expect(linesOfTrace.size).toBe(traces.length);
    expect([...linesOfTrace.values()].some((l) => l.size >= 3)).toBe(true);
    expect(mixedLines).toBeGreaterThan(0);
  });

  it('writes the same spans in OTLP, Jaeger and Zipkin', () => {
    const expected = modelEssentials();
    expect(decodeOtlp(toOtlpJsonLines(traces))).toEqual(expected);
    expect(decodeJaeger(toJaegerJson(traces))).toEqual(expected);
    expect(decodeZipkin(toZipkinJson(traces))).toEqual(expected);
  });

  it('marks the async consumer as FOLLOWS_FROM in Jaeger and as parent plus link in OTLP', () => {
    const consumers = allSpans.filter((s) => s.followsFrom);
    expect(consumers.length).toBeGreaterThan(0);
    const jaeger = JSON.parse(toJaegerJson(traces)) as JaegerBody;
    const jaegerSpans = new Map(jaeger.data.flatMap((t) => t.spans).map((s) => [s.spanID, s]));
    const otlpSpans = new Map(otlpSpanList(toOtlpJsonLines(traces)).map((s) => [s.spanId, s]));
    for (const c of consumers) {
      expect(jaegerSpans.get(c.spanId)!.references.map((r) => r.refType)).toEqual(['FOLLOWS_FROM']);
      expect(otlpSpans.get(c.spanId)!.links?.map((l) => l.spanId)).toEqual([c.parentSpanId]);
    }
  });

  it('has a manifest that matches the model', () => {
    expect(manifest.traceCount).toBe(traces.length);
    expect(manifest.spanCount).toBe(allSpans.length);
    expect(manifest.services).toEqual([...new Set(allSpans.map((s) => s.service))].sort());

    const failed = traces.filter((t) => root(t).status === 'error');
    expect(manifest.failedTraces).toBe(failed.length);
    expect(manifest.failedTraceIds).toEqual(failed.map((t) => t.traceId));
    expect(manifest.errorSpans).toBe(allSpans.filter((s) => s.status === 'error').length);

    // Error origins; errors here propagate parent by parent, so "no error child" suffices.
    const origins = new Map<string, number>();
    let absorbed = 0;
    for (const t of traces) {
      const errorParents = new Set(t.spans.filter((s) => s.status === 'error').map((s) => s.parentSpanId));
      for (const s of t.spans) {
        if (s.status !== 'error' || errorParents.has(s.spanId)) continue;
        origins.set(`${s.service} ${s.name}`, (origins.get(`${s.service} ${s.name}`) ?? 0) + 1);
        if (root(t).status !== 'error') absorbed++;
      }
    }
    expect(Object.fromEntries(manifest.errorOrigins.map((o) => [`${o.service} ${o.name}`, o.count]))).toEqual(
      Object.fromEntries(origins),
    );
    expect(manifest.absorbedErrors).toBe(absorbed);
    expect(manifest.errorOrigins.map((o) => `${o.service} ${o.name}`).sort()).toEqual([
      'agent-service chat claude-sonnet-4-5-20250929',
      'llm-api llm_completion',
      'reranker rerank',
      'vector-store search',
    ]);

    const lookups = allSpans.filter((s) => 'cache.hit' in s.attributes);
    const hits = lookups.filter((s) => s.attributes['cache.hit'] === true).length;
    expect(manifest.cache).toEqual({ lookups: lookups.length, hits, misses: lookups.length - hits });
    expect(manifest.asyncConsumerSpans).toBe(allSpans.filter((s) => s.kind === 'consumer' && s.followsFrom).length);

    // Model calls: one per provider call, the span closest to the provider (never a wrapper over it).
    const callsOf = (scenario: string): number[] => traces.filter((t) => t.scenario === scenario).map((t) => t.llmCalls.length);
    expect(callsOf('ask-vllm')).toEqual([1, 1]);
    expect(callsOf('summarize-traceloop')).toEqual([1, 1]);
    expect(callsOf('agent-langchain')).toEqual([2, 2]);
    // The refused attempt, its retry and the first round.
    expect(callsOf('agent-langchain-rate-limit')).toEqual([3]);
    for (const t of traces) {
      const byId = new Map(t.spans.map((s) => [s.spanId, s]));
      for (const call of t.llmCalls) {
        const span = byId.get(call.spanId)!;
        expect(span.name).toMatch(/^(llm_completion|llm_request|chat claude-|anthropic\.chat)/);
        expect(t.spans.some((s) => s.parentSpanId === span.spanId)).toBe(false);
        expect(span.status === 'error').toBe(call.failed);
      }
    }
    const rateLimited = traces.flatMap((t) => t.llmCalls).filter((c) => c.rateLimited);
    expect(rateLimited.map((c) => c.provider).sort()).toEqual(['anthropic', 'openai', 'openai']);
    const sum = (f: (c: (typeof rateLimited)[number]) => number): number => traces.flatMap((t) => t.llmCalls).reduce((n, c) => n + f(c), 0);
    expect(manifest.llm.models.reduce((n, m) => n + m.calls, 0)).toBe(sum(() => 1));
    expect(manifest.llm.models.reduce((n, m) => n + m.tokens.input, 0)).toBe(sum((c) => c.inputTokens));
    expect(manifest.llm.traces).toBe(traces.filter((t) => t.llmCalls.length > 0).length);
    expect(manifest.llm.tools).toEqual([{ name: 'search_docs', calls: 3 }]);

    const durations = traces.map((t) => ({ id: t.traceId, ms: root(t).durationUs / 1000 })).sort((a, b) => b.ms - a.ms);
    expect(manifest.slowestTraces.map((s) => [s.traceId, s.durationMs])).toEqual(
      durations.slice(0, 3).map((d) => [d.id, d.ms]),
    );
  });
});

// ---------------------------------------------------------------------------------------
// Minimal readers of the three formats, independent of src/formats, to prove the encoders
// agree with each other.
// ---------------------------------------------------------------------------------------

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status: { code?: number };
  links?: { spanId: string }[];
}
interface OtlpRequest {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

function otlpSpanList(text: string): (OtlpSpan & { service: string })[] {
  return text
    .trimEnd()
    .split('\n')
    .flatMap((line) =>
      (JSON.parse(line) as OtlpRequest).resourceSpans.flatMap((rs) => {
        const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        return rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => ({ ...s, service })));
      }),
    );
}

const OTLP_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

function decodeOtlp(text: string): Essentials[] {
  return otlpSpanList(text)
    .map((s) => {
      const startNs = BigInt(s.startTimeUnixNano);
      return {
        traceId: s.traceId,
        spanId: s.spanId,
        parentSpanId: s.parentSpanId === '' ? null : s.parentSpanId,
        service: s.service,
        name: s.name,
        kind: OTLP_KINDS[s.kind] ?? 'unspecified',
        startUs: Number(startNs / 1000n),
        durationUs: Number((BigInt(s.endTimeUnixNano) - startNs) / 1000n),
        error: s.status.code === 2,
      };
    })
    .sort(byTraceAndSpan);
}

interface JaegerBody {
  data: {
    spans: {
      traceID: string;
      spanID: string;
      operationName: string;
      references: { refType: string; spanID: string }[];
      startTime: number;
      duration: number;
      tags: { key: string; value: unknown }[];
      processID: string;
    }[];
    processes: Record<string, { serviceName: string }>;
  }[];
}

function decodeJaeger(text: string): Essentials[] {
  return (JSON.parse(text) as JaegerBody).data
    .flatMap((t) =>
      t.spans.map((s) => ({
        traceId: s.traceID,
        spanId: s.spanID,
        parentSpanId: s.references[0]?.spanID ?? null,
        service: t.processes[s.processID]?.serviceName ?? '',
        name: s.operationName,
        kind: String(s.tags.find((tag) => tag.key === 'span.kind')?.value),
        startUs: s.startTime,
        durationUs: s.duration,
        error: s.tags.some((tag) => tag.key === 'error' && tag.value === true),
      })),
    )
    .sort(byTraceAndSpan);
}

interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  kind?: string;
  name: string;
  timestamp: number;
  duration: number;
  localEndpoint: { serviceName: string };
  tags: Record<string, string>;
}

function decodeZipkin(text: string): Essentials[] {
  return (JSON.parse(text) as ZipkinSpan[])
    .map((s) => ({
      traceId: s.traceId,
      spanId: s.id,
      parentSpanId: s.parentId ?? null,
      service: s.localEndpoint.serviceName,
      name: s.name,
      kind: s.kind?.toLowerCase() ?? 'internal',
      startUs: s.timestamp,
      durationUs: s.duration,
      error: 'error' in s.tags,
    }))
    .sort(byTraceAndSpan);
}
