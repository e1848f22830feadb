import { describe, expect, it } from 'vitest';
import { dependencyMap, peerName, type DependencyEdge, type DependencyMap } from '../../src/analyze/deps.js';
import { percentile } from '../../src/analyze/stats.js';
import { buildTrace } from '../../src/model/build-trace.js';
import type { Span, Trace } from '../../src/model/span.js';
import { DEMO_EPOCH_MS, DEMO_SEED, DEMO_TRACE_COUNT, generateDemoTraces } from '../../scripts/demo-traces.js';
import { DEMO_FORMATS, loadFixture, roundNumbers } from '../helpers/demo.js';
import { records, type SpanSketch } from '../helpers/spans.js';

const trace = (id: string, sketches: SpanSketch[]): Trace => buildTrace(id.padStart(32, '0'), records(sketches.map((s) => ({ ...s, trace: id }))));

/** `from → to kind calls/errors`, the edge set at a glance. */
const edgeLines = (map: DependencyMap): string[] => map.edges.map((e) => `${e.from} → ${e.to} ${e.kind} ${e.calls}/${e.errors}`);

function edge(map: DependencyMap, from: string, to: string): DependencyEdge {
  const found = map.edges.find((e) => e.from === from && e.to === to);
  if (!found) throw new Error(`no edge ${from} → ${to} in ${edgeLines(map).join(', ')}`);
  return found;
}

const node = (map: DependencyMap, name: string) => map.services.find((s) => s.name === name);

describe('dependencyMap on hand-built traces', () => {
  it('pairs a client span with its server child: one real call, latency of the client span', () => {
    // 0    5                 45   50
    // GET /   |=========================|   gw      SERVER (root)
    //  GET /a      |===================|     gw      CLIENT        40ms: the latency gw saw
    //   handle       |==============|        api     SERVER        34ms
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 50, service: 'gw', kind: 'server' },
        { id: 'c', parent: 'r', start: 5, dur: 40, service: 'gw', kind: 'client' },
        { id: 's', parent: 'c', start: 8, dur: 34, service: 'api', kind: 'server' },
      ]),
    ]);
    expect(edgeLines(map)).toEqual(['gw → api real 1/0']);
    expect(edge(map, 'gw', 'api')).toMatchObject({ virtual: false, inferred: false, p50Ms: 40, p95Ms: 40, traces: 1, callsPerTrace: 1 });
    expect(map.services).toEqual([
      { name: 'api', spans: 1, errors: 0, entry: false, virtual: false },
      { name: 'gw', spans: 2, errors: 0, entry: true, virtual: false },
    ]);
    expect(map.traces).toBe(1);
  });

  it('names an uninstrumented peer from db.system.name and marks edge and node virtual', () => {
    // GET /   |======================|   gw     SERVER
    //  GET       |====|                   gw     CLIENT db.system.name=redis, no child
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 20, service: 'gw', kind: 'server' },
        { id: 'c', parent: 'r', start: 2, dur: 3, service: 'gw', kind: 'client', name: 'GET', attrs: { 'db.system.name': 'redis', 'server.address': 'cache-1' } },
      ]),
    ]);
    expect(edgeLines(map)).toEqual(['gw → redis virtual 1/0']);
    expect(edge(map, 'gw', 'redis')).toMatchObject({ virtual: true, inferred: false, p50Ms: 3 });
    expect(node(map, 'redis')).toEqual({ name: 'redis', spans: 0, errors: 0, entry: false, virtual: true });
    expect(map.unresolvedCalls).toBe(0);
  });

  it('links a PRODUCER to its CONSUMER even when the consumer runs after the request ended', () => {
    // 0          10 12    20        40    45
    // POST /  |==========|                          gw       SERVER
    //  publish     |==|                             gw       PRODUCER 2ms
    //   process                  |=====|            worker   CONSUMER, FOLLOWS_FROM, after the root ended
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 20, service: 'gw', kind: 'server' },
        { id: 'p', parent: 'r', start: 10, dur: 2, service: 'gw', kind: 'producer' },
        { id: 'q', parent: 'p', start: 40, dur: 5, service: 'worker', kind: 'consumer', followsFrom: true },
      ]),
    ]);
    expect(edgeLines(map)).toEqual(['gw → worker real 1/0']);
    expect(edge(map, 'gw', 'worker').p50Ms).toBe(2);
  });

  it('infers an edge where a kind-less span has a child in another service; the child gives latency and status', () => {
    // 0    5          25   30
    // job  |====================|   batch   (internal root, no kinds anywhere)
    //  load     |==========|         store   internal, failed: 20ms
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 30, service: 'batch' },
        { id: 'l', parent: 'r', start: 5, dur: 20, service: 'store', status: 'error' },
      ]),
    ]);
    expect(edgeLines(map)).toEqual(['batch → store inferred 1/1']);
    expect(edge(map, 'batch', 'store')).toMatchObject({ inferred: true, virtual: false, p50Ms: 20 });
  });

  it('counts an error on the client span, not one only on the server side', () => {
    // GET /  |==================|   gw   SERVER
    //  call1   |====|                gw   CLIENT error → counted
    //   h1      |==|                 api  SERVER error
    //  call2          |====|         gw   CLIENT ok (the server failed, the client recovered)
    //   h2             |==|          api  SERVER error
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 30, service: 'gw', kind: 'server' },
        { id: 'c1', parent: 'r', start: 2, dur: 6, service: 'gw', kind: 'client', status: 'error' },
        { id: 's1', parent: 'c1', start: 3, dur: 4, service: 'api', kind: 'server', status: 'error' },
        { id: 'c2', parent: 'r', start: 10, dur: 6, service: 'gw', kind: 'client' },
        { id: 's2', parent: 'c2', start: 11, dur: 4, service: 'api', kind: 'server', status: 'error' },
      ]),
    ]);
    expect(edge(map, 'gw', 'api')).toMatchObject({ calls: 2, errors: 1 });
    expect(node(map, 'api')).toMatchObject({ spans: 2, errors: 2 });
    expect(node(map, 'gw')).toMatchObject({ spans: 3, errors: 1 });
  });

  it('draws a self-loop for a client whose server half is in its own service, and no peer edge for it (issue 12.8: A → A is kept)', () => {
    // GET /  |===============|   gw  SERVER
    //  GET /health |=====|        gw  CLIENT peer.service=gw-internal
    //   /health     |===|         gw  SERVER
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 20, service: 'gw', kind: 'server' },
        { id: 'c', parent: 'r', start: 2, dur: 6, service: 'gw', kind: 'client', attrs: { 'peer.service': 'gw-internal' } },
        { id: 's', parent: 'c', start: 3, dur: 4, service: 'gw', kind: 'server' },
      ]),
    ]);
    expect(edgeLines(map)).toEqual(['gw → gw real 1/0']);
    expect(map.services.map((s) => s.name)).toEqual(['gw']);
    expect(map.unresolvedCalls).toBe(0);
  });

  it('keeps a peer edge that points back at the calling service (issue 12.8)', () => {
    // HotROD's simulated `mysql` service calls a peer it names `mysql`.
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 20, service: 'customer', kind: 'server' },
        { id: 'q', parent: 'r', start: 2, dur: 6, service: 'mysql', kind: 'client', attrs: { 'service.peer.name': 'mysql' } },
      ]),
    ]);
    expect(edgeLines(map)).toEqual(['customer → mysql inferred 1/0', 'mysql → mysql virtual 1/0']);
  });

  it('gives a client span the crossing below its own internal child (Zipkin/Jaeger: child local, grandchild remote)', () => {
    // 0   2                      28  30
    // GET /  |==========================|   gw   SERVER
    //  POST /x |====================|        gw   CLIENT peer.service=api   24ms
    //   retry    |================|          gw   internal (attempt)
    //    handle    |============|            api  SERVER
    // One real call gw → api with the client's 24ms: neither an inferred gw → api from the
    // internal span nor a virtual call to the client's peer.
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 30, service: 'gw', kind: 'server' },
        { id: 'c', parent: 'r', start: 2, dur: 24, service: 'gw', kind: 'client', attrs: { 'peer.service': 'api' } },
        { id: 'i', parent: 'c', start: 3, dur: 22, service: 'gw', name: 'retry' },
        { id: 's', parent: 'i', start: 4, dur: 20, service: 'api', kind: 'server' },
      ]),
    ]);
    expect(edgeLines(map)).toEqual(['gw → api real 1/0']);
    expect(edge(map, 'gw', 'api').p50Ms).toBe(24);
  });

  it('counts nested client spans of one service once, by the innermost', () => {
    // rpc.Call |==============|     gw  CLIENT (RPC library)
    //  HTTP POST |==========|        gw  CLIENT (HTTP library), 10ms
    //   (no child: the peer is uninstrumented)
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 30, service: 'gw', kind: 'server' },
        { id: 'o', parent: 'r', start: 2, dur: 14, service: 'gw', kind: 'client', attrs: { 'peer.service': 'billing' } },
        { id: 'n', parent: 'o', start: 3, dur: 10, service: 'gw', kind: 'client', attrs: { 'server.address': 'billing.internal' } },
      ]),
    ]);
    expect(edgeLines(map)).toEqual(['gw → billing.internal virtual 1/0']);
  });

  it('counts a message consumed by two services as a call to each, and twice by one service as one call', () => {
    //  publish |==|            a  PRODUCER
    //   poll      |=|          b  CONSUMER
    //   poll        |=|        b  CONSUMER (redelivery)
    //   poll      |=|          c  CONSUMER
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 10, service: 'a', kind: 'server' },
        { id: 'p', parent: 'r', start: 1, dur: 2, service: 'a', kind: 'producer' },
        { id: 'b1', parent: 'p', start: 4, dur: 1, service: 'b', kind: 'consumer' },
        { id: 'b2', parent: 'p', start: 6, dur: 1, service: 'b', kind: 'consumer' },
        { id: 'c1', parent: 'p', start: 4, dur: 1, service: 'c', kind: 'consumer' },
      ]),
    ]);
    expect(edgeLines(map)).toEqual(['a → b real 1/0', 'a → c real 1/0']);
  });

  it('counts a client call it cannot name as unresolved, without an edge', () => {
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 10, service: 'gw', kind: 'server' },
        { id: 'c', parent: 'r', start: 1, dur: 2, service: 'gw', kind: 'client', attrs: { 'http.request.method': 'GET' } },
      ]),
    ]);
    expect(map.edges).toEqual([]);
    expect(map.unresolvedCalls).toBe(1);
  });

  it('takes p50 and p95 of the client latencies over all traces, and calls per trace where the edge appears', () => {
    // Five calls gw → api: 10, 20, 30, 40 ms in trace 1 and 100 ms in trace 2; trace 3 has none.
    // Sorted [10, 20, 30, 40, 100]; R-7 ranks: p50 at 2 → 30; p95 at 3.8 → 40 + 0.8 × 60 = 88.
    const calls = (id: string, durations: number[]): Trace =>
      trace(id, [
        { id: 'r', start: 0, dur: 500, service: 'gw', kind: 'server' },
        ...durations.flatMap((dur, i): SpanSketch[] => [
          { id: `c${i}`, parent: 'r', start: 1 + i * 110, dur, service: 'gw', kind: 'client' },
          { id: `s${i}`, parent: `c${i}`, start: 1 + i * 110, dur: dur / 2, service: 'api', kind: 'server' },
        ]),
      ]);
    const map = dependencyMap([calls('1', [40, 10, 30, 20]), calls('2', [100]), calls('3', [])]);
    const e = edge(map, 'gw', 'api');
    expect(e.calls).toBe(5);
    expect(e.p50Ms).toBe(30);
    expect(e.p95Ms).toBeCloseTo(88, 9);
    expect(e.traces).toBe(2);
    expect(e.callsPerTrace).toBe(2.5);
    expect(map.traces).toBe(3);
  });

  it('merges real and peer-named calls to one service into one real edge', () => {
    // Trace 1 sees api answer; in trace 2 api's span is missing but the client names it.
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 10, service: 'gw', kind: 'server' },
        { id: 'c', parent: 'r', start: 1, dur: 4, service: 'gw', kind: 'client', attrs: { 'peer.service': 'api' } },
        { id: 's', parent: 'c', start: 2, dur: 2, service: 'api', kind: 'server' },
      ]),
      trace('2', [
        { id: 'r', start: 0, dur: 10, service: 'gw', kind: 'server' },
        { id: 'c', parent: 'r', start: 1, dur: 6, service: 'gw', kind: 'client', attrs: { 'peer.service': 'api' } },
      ]),
    ]);
    expect(edgeLines(map)).toEqual(['gw → api real 2/0']);
    expect(node(map, 'api')?.virtual).toBe(false);
  });

  it('marks as entry only the services that own a trace root', () => {
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 10, service: 'web', kind: 'server' },
        { id: 'c', parent: 'r', start: 1, dur: 4, service: 'web', kind: 'client' },
        { id: 's', parent: 'c', start: 2, dur: 2, service: 'api', kind: 'server' },
      ]),
      trace('2', [{ id: 'r', start: 0, dur: 10, service: 'cron', kind: 'internal' }]),
    ]);
    expect(map.services.map((s) => [s.name, s.entry])).toEqual([['api', false], ['cron', true], ['web', true]]);
  });

  it('handles an empty selection', () => {
    expect(dependencyMap([])).toEqual({ traces: 0, services: [], edges: [], unresolvedCalls: 0 });
  });

  it('does not modify its input', () => {
    const input = [
      trace('1', [
        { id: 'r', start: 0, dur: 10, service: 'gw', kind: 'server' },
        { id: 'c', parent: 'r', start: 1, dur: 4, service: 'gw', kind: 'client', attrs: { 'db.system': 'mysql' } },
        { id: 'i', parent: 'r', start: 5, dur: 4, service: 'other' },
      ]),
    ];
    const before = structuredClone(input);
    dependencyMap(input);
    expect(input).toEqual(before);
  });

  it('stays linear on a chain of 20,000 internal spans with a crossing below each', () => {
    const sketches: SpanSketch[] = [{ id: 'r', start: 0, dur: 1, service: 'a', kind: 'server' }];
    for (let i = 1; i <= 20_000; i++) {
      sketches.push({ id: `i${i}`, parent: i === 1 ? 'r' : `i${i - 1}`, start: 0, dur: 1, service: 'a' });
      sketches.push({ id: `x${i}`, parent: `i${i}`, start: 0, dur: 1, service: 'b' });
    }
    const chain = trace('1', sketches);
    const started = performance.now();
    const map = dependencyMap([chain]);
    // Quadratic would be 2·10⁸ parent hops: seconds. Linear is a few milliseconds.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(edgeLines(map)).toEqual(['a → b inferred 20000/0']);
  });
});

describe('peerName', () => {
  const span = (attributes: Record<string, string | number>): Span => ({ attributes }) as unknown as Span;

  it.each([
    [{ 'peer.service': 'billing', 'db.system.name': 'postgresql', 'server.address': 'pg' }, 'billing'],
    [{ 'service.peer.name': 'ledger', 'peer.service': 'billing' }, 'ledger'],
    [{ 'db.system': 'mysql', 'server.address': 'db-1' }, 'mysql'],
    [{ 'db.system.name': 'redis', 'db.system': 'redis-old' }, 'redis'],
    [{ 'gen_ai.system': 'openai', 'server.address': 'api.openai.com' }, 'openai'],
    [{ 'gen_ai.provider.name': 'anthropic', 'gen_ai.system': 'anthropic-old' }, 'anthropic'],
    // OpenLLMetry's capitalized provider is the same node as the lower-case one.
    [{ 'gen_ai.system': 'Anthropic', 'llm.request.type': 'chat' }, 'anthropic'],
    [{ 'server.address': 'api.example.com', 'server.port': 443 }, 'api.example.com'],
    [{ 'net.peer.name': 'legacy.internal' }, 'legacy.internal'],
    [{ 'http.host': 'shop.example.com:8080' }, 'shop.example.com'],
    [{ 'http.host': '[::1]:8080' }, '[::1]'],
    [{ 'peer.service': '  ', 'db.system': 'mongodb' }, 'mongodb'],
    [{ 'url.full': 'https://api.example.com:8443/v1/x?q=1' }, 'api.example.com'],
    [{ 'http.url': 'http://frontend-proxy:8080/api/cart' }, 'frontend-proxy'],
    [{ 'http.url': '/relative/only' }, null],
    [{ 'server.port': 443 }, null],
  ])('%j → %s', (attributes, expected) => {
    expect(peerName(span(attributes))).toBe(expected);
  });
});

describe('dependencyMap on the demo', () => {
  /**
   * The edges as scripts/demo-traces.ts builds them, from its own model: a CLIENT/PRODUCER
   * span's children in other services, else the peer it names (`remoteService`).
   */
  function generatorEdges(): Map<string, { calls: number; errors: number; durationsMs: number[] }> {
    const edges = new Map<string, { calls: number; errors: number; durationsMs: number[] }>();
    for (const t of generateDemoTraces({ seed: DEMO_SEED, count: DEMO_TRACE_COUNT, startEpochMs: DEMO_EPOCH_MS })) {
      for (const span of t.spans) {
        if (span.kind !== 'client' && span.kind !== 'producer') continue;
        const callees = new Set(t.spans.filter((c) => c.parentSpanId === span.spanId && c.service !== span.service).map((c) => c.service));
        if (callees.size === 0 && span.remoteService !== null) callees.add(span.remoteService);
        for (const to of callees) {
          const key = `${span.service} → ${to}`;
          const e = edges.get(key) ?? { calls: 0, errors: 0, durationsMs: [] };
          e.calls++;
          if (span.status === 'error') e.errors++;
          e.durationsMs.push(span.durationUs / 1000);
          edges.set(key, e);
        }
      }
    }
    return edges;
  }

  it.each(Object.entries(DEMO_FORMATS))('finds the generator’s edges in the %s file', async (_format, file) => {
    const map = dependencyMap(await loadFixture(file));
    // The dialect traces: 3 agents (2 + 2 + 3 chat calls, one a 429) and 2 summaries (one
    // call each) in agent-service; 2 RAG asks on vLLM (2 more embeds, reranks, 4 searches).
    expect(edgeLines(map)).toEqual([
      'agent-service → anthropic virtual 9/1',
      'gateway → agent-service real 5/0',
      'gateway → llm-api real 23/2',
      'gateway → postgresql virtual 27/0',
      'gateway → rag-service real 29/4',
      'gateway → usage-worker real 51/0',
      'llm-api → openai virtual 48/4',
      'rag-service → embedding-service real 29/0',
      'rag-service → llm-api real 23/0',
      'rag-service → reranker real 25/3',
      'rag-service → vector-store real 58/4',
      'rag-service → vllm real 2/0',
      'usage-worker → postgresql virtual 51/0',
      'vector-store → postgresql virtual 54/0',
    ]);
    const expected = generatorEdges();
    expect(map.edges.map((e) => `${e.from} → ${e.to}`).sort()).toEqual([...expected.keys()].sort());
    for (const e of map.edges) {
      const truth = expected.get(`${e.from} → ${e.to}`)!;
      expect([e.calls, e.errors]).toEqual([truth.calls, truth.errors]);
      const sorted = [...truth.durationsMs].sort((a, b) => a - b);
      expect(e.p50Ms).toBeCloseTo(percentile(sorted, 50), 6);
      expect(e.p95Ms).toBeCloseTo(percentile(sorted, 95), 6);
    }
    expect(map.services.filter((s) => s.virtual).map((s) => s.name)).toEqual(['anthropic', 'openai', 'postgresql']);
    expect(map.services.filter((s) => s.entry).map((s) => s.name)).toEqual(['gateway']);
    // Two chats retried a 429: 48 completions in 46 traces.
    expect(edge(map, 'llm-api', 'openai')).toMatchObject({ traces: 46 });
    expect(edge(map, 'rag-service', 'vector-store')).toMatchObject({ traces: 29, callsPerTrace: 2 });
    expect(map.unresolvedCalls).toBe(0);
  });

  it('gives the same map from OTLP, Jaeger and Zipkin', async () => {
    const [otlp, jaeger, zipkin] = await Promise.all(Object.values(DEMO_FORMATS).map(async (f) => roundNumbers(dependencyMap(await loadFixture(f)))));
    expect(jaeger).toEqual(otlp);
    expect(zipkin).toEqual(otlp);
  });
});

describe('dependencyMap on real fixtures', () => {
  it('HotROD dispatch: the frontend fans out; simulated redis and mysql services hang below driver and customer', async () => {
    // HotROD reports its Redis and MySQL calls as CLIENT spans of separate tracers
    // (`redis-manual`, `mysql`) under the driver's and customer's SERVER spans: those
    // crossings have no client span in the caller, so they are inferred; the redis-manual
    // client spans then name their peer `redis` (db.system.name). 13 GetDriver calls (3
    // failed) and one FindDriverIDs.
    const map = dependencyMap(await loadFixture('fixtures/otlp/hotrod-dispatch.json'));
    expect(edgeLines(map)).toEqual([
      'customer → mysql inferred 1/0',
      'driver → redis-manual inferred 14/3',
      'frontend → customer real 1/0',
      'frontend → driver real 1/0',
      'frontend → route real 10/0',
      'mysql → mysql virtual 1/0',
      'redis-manual → redis virtual 14/3',
    ]);
    expect(edge(map, 'frontend', 'route').callsPerTrace).toBe(10);
    expect(edge(map, 'frontend', 'customer').p50Ms).toBeCloseTo(312.324, 3);
    expect(map.services.filter((s) => s.virtual).map((s) => s.name)).toEqual(['redis']);
    expect(node(map, 'redis-manual')).toMatchObject({ spans: 14, errors: 3 });
  });

  it('OpenTelemetry demo export: partial traces merge peer-named calls into the real edge', async () => {
    // 64 loadgenerator calls reach a frontend-proxy span; 19 more have no child in this
    // capture and name their peer only by `http.url`. Four checkoutservice gRPC calls carry
    // only rpc.* attributes: counted, not drawn.
    const map = dependencyMap(await loadFixture('fixtures/otlp/otel-demo-collector-export.jsonl'));
    expect(edge(map, 'loadgenerator', 'frontend-proxy')).toMatchObject({ kind: 'real', calls: 83 });
    expect(edge(map, 'frontend-proxy', 'frontend')).toMatchObject({ kind: 'real', calls: 75 });
    expect(map.unresolvedCalls).toBe(4);
    expect(map.services.filter((s) => s.entry).map((s) => s.name)).toEqual(['flagd', 'frontend', 'loadgenerator']);
  });

  it('Zipkin Kafka: producer → consumer across services; sends nobody consumed go to the broker', async () => {
    // servicea's `send` PRODUCER spans: 3 consumed by serviceb and by servicea itself (a
    // self-loop), 6 with no consumer in the trace, which name `kafka` as their peer; the
    // `poll` CONSUMER at the root has no producer in the trace: kafka → servicea, as
    // zipkin-lens's dependency linker draws it.
    const map = dependencyMap(await loadFixture('fixtures/zipkin/messaging-kafka.json'));
    expect(edgeLines(map)).toEqual(['kafka → servicea virtual 1/0', 'servicea → kafka virtual 6/0', 'servicea → servicea real 3/0', 'servicea → serviceb real 3/0']);
    expect(map.edges.every((e) => e.connectionType === 'messaging')).toBe(true);
    expect(edge(map, 'servicea', 'serviceb').broker).toBe('kafka');
    expect(node(map, 'kafka')).toMatchObject({ virtual: true, spans: 0 });
    expect(node(map, 'serviceb')).toMatchObject({ spans: 6, errors: 3, entry: false });
    expect(node(map, 'servicea')).toMatchObject({ entry: true });
  });

  it('Zipkin Yelp: client and server halves that share a span id still give one call each', async () => {
    // mobile_api → spectre, yelp-main → mobile_api and unknown → yelp_main/api_proxy are
    // shared ids the model splits; memcache and mysql calls stay with the service whose
    // span made them. routing's SERVER span is the parent of client spans reported by
    // other services (`unknown`, `yelp-main`): inferred.
    const map = dependencyMap(await loadFixture('fixtures/zipkin/yelp-trace.json'));
    expect(edgeLines(map)).toEqual([
      'mobile_api → blt virtual 1/0',
      'mobile_api → memcache virtual 2/0',
      'mobile_api → spectre real 1/0',
      'routing → unknown inferred 1/0',
      'routing → yelp-main inferred 1/0',
      'unknown → yelp_main/api_proxy real 1/0',
      'yelp-main → memcache virtual 3/0',
      'yelp-main → mobile_api real 1/0',
      'yelp-main → mysql virtual 2/0',
      'yelp_main/api_proxy → yelp-main inferred 2/0',
    ]);
    expect(edge(map, 'mobile_api', 'spectre').p50Ms).toBe(3);
    expect(edge(map, 'yelp-main', 'mobile_api').p50Ms).toBe(56);
    expect(map.services.filter((s) => s.virtual).map((s) => s.name)).toEqual(['blt', 'memcache', 'mysql']);
  });
});

describe('the dependency map as Zipkin and Tempo draw it (issue 12.8)', () => {
  it('a producer → consumer pair is one messaging edge with the broker on it; a lone producer and a lone consumer reach the broker', () => {
    // 0  2    8        30   40
    // POST |==========|            shop      SERVER
    //  publish |==|                shop      PRODUCER messaging.system=rabbitmq
    //        process   |====|      billing   CONSUMER
    //  publish |==|                shop      PRODUCER messaging.system=rabbitmq (nobody consumed it here)
    // (trace 2) process |====|     audit     CONSUMER, its producer in another trace
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 10, service: 'shop', kind: 'server', attrs: { 'http.request.method': 'POST' } },
        { id: 'p', parent: 'r', start: 2, dur: 6, service: 'shop', kind: 'producer', attrs: { 'messaging.system': 'rabbitmq', 'messaging.destination.name': 'orders' } },
        { id: 'c', parent: 'p', start: 30, dur: 10, service: 'billing', kind: 'consumer', attrs: { 'messaging.system': 'rabbitmq' } },
        { id: 'q', parent: 'r', start: 3, dur: 4, service: 'shop', kind: 'producer', attrs: { 'messaging.system': 'rabbitmq' } },
      ]),
      trace('2', [{ id: 'x', parent: 'gone', start: 0, dur: 5, service: 'audit', kind: 'consumer', attrs: { 'messaging.system': 'rabbitmq' } }]),
    ]);
    expect(edgeLines(map)).toEqual(['rabbitmq → audit virtual 1/0', 'shop → billing real 1/0', 'shop → rabbitmq virtual 1/0']);
    expect(map.edges.map((e) => [e.connectionType, e.broker])).toEqual([['messaging', 'rabbitmq'], ['messaging', 'rabbitmq'], ['messaging', 'rabbitmq']]);
  });

  it('a client whose only children are lower-level client spans still gives its call to its peer', () => {
    // 0  1                 20
    // push  |==============|       promtail  CLIENT POST url.full=http://loki:3100/…
    //  dns.lookup |=|              promtail  CLIENT (no peer)
    //  tcp.connect  |=|            promtail  CLIENT (no peer)
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 20, service: 'promtail', kind: 'client', name: 'POST', attrs: { 'http.request.method': 'POST', 'url.full': 'http://loki:3100/loki/api/v1/push' } },
        { id: 'd', parent: 'r', start: 1, dur: 1, service: 'promtail', kind: 'client', name: 'dns.lookup' },
        { id: 't', parent: 'r', start: 2, dur: 1, service: 'promtail', kind: 'client', name: 'tcp.connect' },
      ]),
    ]);
    expect(edgeLines(map)).toEqual(['promtail → loki virtual 1/0']);
    expect(map.edges[0]!.connectionType).toBe('http');
    expect(map.unresolvedCalls).toBe(0);
  });

  it('names each edge\'s connection type from the semantic conventions', () => {
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 20, service: 'api', kind: 'server' },
        { id: 'a', parent: 'r', start: 1, dur: 2, service: 'api', kind: 'client', attrs: { 'db.system.name': 'postgresql' } },
        { id: 'b', parent: 'r', start: 4, dur: 2, service: 'api', kind: 'client', attrs: { 'rpc.system': 'grpc', 'server.address': 'users' } },
        { id: 'c', parent: 'r', start: 7, dur: 2, service: 'api', kind: 'client', attrs: { 'peer.service': 'legacy' } },
      ]),
    ]);
    expect(map.edges.map((e) => `${e.to} ${e.connectionType}`)).toEqual(['legacy other', 'postgresql database', 'users rpc']);
  });
});
