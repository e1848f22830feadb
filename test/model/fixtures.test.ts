import { describe, expect, it } from 'vitest';
import { processIo } from '../../src/io.js';
import type { Trace } from '../../src/model/span.js';
import type { Read } from '../../src/pipeline/plan.js';
import { loadTraces } from '../../src/pipeline/read.js';
import { REPO_ROOT } from '../helpers/cli.js';

async function load(path: string): Promise<Read<Trace[]>> {
  return loadTraces([`${REPO_ROOT}fixtures/${path}`], processIo());
}

const spanCount = (traces: Trace[]): number => traces.reduce((a, t) => a + t.spans.length, 0);
const warningKinds = (traces: Trace[]): string[] => traces.flatMap((t) => t.warnings.map((w) => w.kind));

/**
 * Every real fixture built into traces: the numbers after the model's repairs. Decoder-level
 * facts (raw span counts, ids, attributes) are in test/formats.
 */
describe('real fixtures, built into traces', () => {
  it.each([
    ['otlp/hotrod-dispatch.json', 1, 40, 1, 6, []],
    ['otlp/otlp-jsonl-nodejs-sdk.jsonl', 1, 4, 1, 1, []],
    ['otlp/otlp-trace-multi-service.json', 1, 5, 5, 3, []],
    ['otlp/otlp-trace.json', 1, 1, 1, 1, ['orphan']],
    ['jaeger/apiv3-hotrod-trace.json', 1, 40, 1, 6, []],
    ['jaeger/crisp-18.json', 1, 9, 1, 9, []],
    ['jaeger/jaeger-apiv3-trace.json', 1, 1, 1, 1, []],
    ['jaeger/jaeger-v1-response-envelope.json', 1, 1, 1, 1, ['duplicate-span', 'orphan']],
    ['jaeger/jaeger-v1-trace-edgecases.json', 1, 5, 2, 2, ['duplicate-span-id']],
    ['jaeger/jaeger-v1-trace.json', 1, 17, 1, 2, []],
    ['tempo/kiali-tempo-v1-trace.json', 1, 8, 1, 5, []],
    ['tempo/tempo-v1-batches-unmarshal-input.json', 1, 1, 1, 1, ['orphan']],
    ['zipkin/messaging-kafka.json', 1, 28, 1, 2, []],
    ['zipkin/yelp-trace.json', 1, 16, 1, 6, ['shared-span-id', 'shared-span-id', 'shared-span-id']],
    ['zipkin/zipkin-v2-trace-128bit-messaging.json', 1, 4, 1, 2, []],
    ['zipkin/zipkin-v2-trace-skew.json', 1, 4, 1, 2, ['shared-span-id', 'clock-skew']],
  ])('%s: %i trace(s), %i spans, %i roots, %i services, repairs %j', async (path, traces, spans, roots, services, repairs) => {
    const loaded = await load(path);
    expect(loaded.value).toHaveLength(traces);
    expect(spanCount(loaded.value)).toBe(spans);
    expect(loaded.value.reduce((a, t) => a + t.roots.length, 0)).toBe(roots);
    expect(new Set(loaded.value.flatMap((t) => t.spans.map((s) => s.service))).size).toBe(services);
    expect(warningKinds(loaded.value)).toEqual(repairs);
  });

  it('the OpenTelemetry demo export: 141 partial traces, one real orphan, small real skews corrected', async () => {
    const { value: traces } = await load('otlp/otel-demo-collector-export.jsonl');
    expect(traces).toHaveLength(141);
    expect(spanCount(traces)).toBe(547);
    expect(traces.reduce((a, t) => a + t.spans.filter((s) => s.status === 'error').length, 0)).toBe(107);
    const kinds = warningKinds(traces);
    expect(kinds.filter((k) => k === 'orphan')).toHaveLength(1);
    // Envoy (frontend-proxy) and the Node frontend disagree by up to tens of ms; every shift puts a server inside its client.
    expect(kinds.filter((k) => k === 'clock-skew')).toHaveLength(48);
    for (const t of traces) {
      for (const w of t.warnings.filter((x) => x.kind === 'clock-skew')) {
        const child = t.byId.get(w.spanId)!;
        const parent = t.byId.get(child.parentSpanId!)!;
        if (child.durationMs <= parent.durationMs) {
          expect(child.startMs).toBeGreaterThanOrEqual(parent.startMs - 1e-9);
          expect(child.startMs + child.durationMs).toBeLessThanOrEqual(parent.startMs + parent.durationMs + 1e-9);
        }
      }
    }
  });

  it('the spec example whose spans all lack ids gives no traces and says why', async () => {
    const { value: traces, warnings } = await load('otlp/otlp-file-exporter-spec-example.jsonl');
    expect(traces).toEqual([]);
    expect(warnings).toHaveLength(8);
  });

  it('Yelp: each shared id is split into a client span and a server child in another service', async () => {
    const [trace] = (await load('zipkin/yelp-trace.json')).value;
    for (const w of trace!.warnings) {
      const server = trace!.byId.get(w.spanId)!;
      const client = trace!.byId.get(server.parentSpanId!)!;
      expect(server.kind).toBe('server');
      expect(client.kind).toBe('client');
      expect(client.spanId).not.toBe(server.spanId);
      expect(server.depth).toBe(client.depth + 1);
    }
  });

  it('skew: the server half that started ~65ms before its client is moved inside it', async () => {
    const [trace] = (await load('zipkin/zipkin-v2-trace-skew.json')).value;
    const skew = trace!.warnings.find((w) => w.kind === 'clock-skew')!;
    const server = trace!.byId.get(skew.spanId)!;
    const client = trace!.byId.get(server.parentSpanId!)!;
    expect(server.startMs).toBeGreaterThanOrEqual(client.startMs);
    expect(server.startMs + server.durationMs).toBeLessThanOrEqual(client.startMs + client.durationMs);
    // Centred: the spare time is split evenly before and after.
    expect(server.startMs - client.startMs).toBeCloseTo(client.startMs + client.durationMs - (server.startMs + server.durationMs), 6);
    expect(skew.message).toMatch(/shifted \+65\.\d+ms for clock skew/);
  });
});
