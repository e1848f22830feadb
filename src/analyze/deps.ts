import type { Ms, Span, Trace } from '../model/span.js';
import { foldTraces, type MergeableAccumulator } from './accumulator.js';
import { isErrorSpan, rootSpan } from '../model/error-span.js';
import { compareText, QuantileSketch, type SketchState } from './stats.js';
import { operationKey } from '../model/operation.js';

/**
 * The service dependency map (DESIGN.md "Dependency edge"): who calls whom, how often,
 * how often it fails and how long it takes, across the selected traces.
 *
 * Every time a trace crosses from one service into another it gives exactly one call:
 *
 *   - **real**: the crossing hangs below a CLIENT/PRODUCER span of the calling service
 *     (its child SERVER/CONSUMER span, or any span of another service reached through the
 *     caller's own internal spans). The client span is the call: its duration is the
 *     latency the caller saw, its status whether the call failed.
 *   - **inferred**: the crossing has no client span above it in the caller (a kind-less
 *     span or a server span whose child is in another service, as in HotROD's simulated
 *     `redis-manual` and `mysql` services, or Zipkin spans without a kind). The child span
 *     is then the only span that stands for the one call, so it gives latency and status.
 *     Each crossing child is one call, as Jaeger counts its dependency links.
 *   - **virtual**: a CLIENT/PRODUCER span with nothing instrumented below it calls a peer
 *     that left no spans (a database, an LLM provider), named from its attributes
 *     (`peerName`).
 *
 * A Zipkin/Jaeger client span whose child is in the same service and whose grandchild is
 * not (a client span wrapping a local "connect" or "retry" span that carries the context)
 * still owns that crossing: the walk up from the crossing passes through the caller's own
 * internal spans until it meets the client span. Stopping at the immediate parent would
 * both invent an inferred edge and count a virtual call to the client's peer for the same
 * request. Nested client spans in one service (an HTTP span inside an RPC-library span)
 * count once: the innermost owns the call and the outer one gives no edge of its own.
 *
 * A client span whose only spans below are lower-level client spans that name no peer
 * (`dns.lookup`, `tcp.connect` under an HTTP POST) still gives the HTTP call's edge to its
 * own peer; the lower-level spans are part of that call.
 *
 * A call to itself is an edge (A → A): a client whose server half is in its own service,
 * or a peer named as the caller (HotROD's `mysql` calling `mysql`).
 *
 * Messaging, as Tempo's service graphs and zipkin-lens's dependency linker draw it: a
 * PRODUCER → CONSUMER pair is one edge of connection type `messaging` with the broker named
 * on it; a PRODUCER nobody consumed in the trace gives producer → broker, and a CONSUMER
 * whose producer is not in the trace (`poll` from `kafka`) gives broker → consumer.
 *
 * Every edge has a connection type from the semantic conventions of its calls: `messaging`,
 * `database`, `rpc`, `http`, else `other`.
 */

export type ConnectionType = 'http' | 'rpc' | 'database' | 'messaging' | 'other';

/** The more specific type wins when an edge's calls disagree; `other` only when nothing says. */
const CONNECTION_TYPES: readonly ConnectionType[] = ['messaging', 'database', 'rpc', 'http', 'other'];

/** What kind of connection a call is, from its span's kind and attributes. */
export function connectionTypeOf(span: Span): ConnectionType {
  const a = span.attributes;
  if (span.kind === 'producer' || span.kind === 'consumer' || a['messaging.system'] !== undefined) return 'messaging';
  if (a['db.system.name'] !== undefined || a['db.system'] !== undefined) return 'database';
  if (a['rpc.system'] !== undefined || a['rpc.service'] !== undefined) return 'rpc';
  if (a['http.request.method'] !== undefined || a['http.method'] !== undefined || a['url.full'] !== undefined || a['http.url'] !== undefined) return 'http';
  return 'other';
}

/** The broker a messaging span names: its messaging system, else the Zipkin remote endpoint, else the destination. */
export function brokerOf(span: Span): string | null {
  for (const key of ['messaging.system', 'peer.service', 'messaging.destination.name']) {
    const value = span.attributes[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return null;
}

export type EdgeKind = 'real' | 'inferred' | 'virtual';

export interface ServiceNode {
  name: string;
  /** Spans the service emitted; 0 for a virtual peer. */
  spans: number;
  /** Error spans among them. */
  errors: number;
  /** Owns the root span of at least one trace. */
  entry: boolean;
  /** Known only from its callers' attributes: it left no spans. */
  virtual: boolean;
}

export interface DependencyEdge {
  from: string;
  to: string;
  /** The strongest evidence among its calls: real, else inferred, else virtual. */
  kind: EdgeKind;
  /** `kind === 'virtual'`: the callee is an uninstrumented peer. */
  virtual: boolean;
  /** `kind === 'inferred'`: no client span says this is a call. */
  inferred: boolean;
  calls: number;
  /** Calls whose calling span (for an inferred call, the child span) is an error span. */
  errors: number;
  p50Ms: Ms;
  p95Ms: Ms;
  /** Traces in which the edge appears at least once. */
  traces: number;
  /** `calls / traces`: how chatty the caller is per request. */
  callsPerTrace: number;
  /** From the semantic conventions of its calls (`connectionTypeOf`). */
  connectionType: ConnectionType;
  /** A messaging edge: the broker its messages went through, when a span names it. */
  broker: string | null;
}

export interface DependencyMap {
  /** Traces analyzed. */
  traces: number;
  /** Instrumented services and virtual peers, by name. */
  services: ServiceNode[];
  /** By caller, then callee. */
  edges: DependencyEdge[];
  /** CLIENT/PRODUCER spans with nothing instrumented below them and no peer attribute to name the callee. */
  unresolvedCalls: number;
}

/**
 * Attributes that name an uninstrumented peer, strongest first: the peer's own service
 * name, then the kind of database, then the LLM provider, then the address called, and
 * last the host of the URL called (older HTTP instrumentations, such as the OpenTelemetry
 * demo's load generator, record only `http.url`). The current semantic-convention name
 * precedes the deprecated one in each pair. Ports are left out: one peer, one node.
 */
export const PEER_ATTRIBUTES: readonly string[] = [
  'service.peer.name',
  'peer.service',
  'db.system.name',
  'db.system',
  'gen_ai.provider.name',
  'gen_ai.system',
  'server.address',
  'net.peer.name',
  'http.host',
  'url.full',
  'http.url',
];

/** The name of the peer a client span calls according to its attributes, or null. */
export function peerName(span: Span): string | null {
  for (const key of PEER_ATTRIBUTES) {
    const value = span.attributes[key];
    if (typeof value !== 'string') continue;
    let name = value.trim();
    // Providers are named in any case (Traceloop writes `gen_ai.system: Anthropic`), and
    // `tracectl llm` lowercases them too: one provider, one node. `Host` headers carry the port.
    if (key === 'gen_ai.provider.name' || key === 'gen_ai.system') name = name.toLowerCase();
    else if (key === 'http.host') name = name.replace(/^([^:[\]]+|\[[^\]]*\]):\d+$/, '$1');
    else if (key === 'url.full' || key === 'http.url') name = urlHost(name);
    if (name !== '') return name;
  }
  return null;
}

function urlHost(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

const isCaller = (span: Span): boolean => span.kind === 'client' || span.kind === 'producer';
const isReceiver = (span: Span): boolean => span.kind === 'server' || span.kind === 'consumer';

interface EdgeDraft {
  from: string;
  to: string;
  kinds: Set<EdgeKind>;
  durations: QuantileSketch;
  errors: number;
  traces: number;
  /** The index of the last trace counted in `traces` (indices are never reused, merges included). */
  lastTrace: number;
  types: Set<ConnectionType>;
  broker: string | null;
}

interface ServiceDraft {
  spans: number;
  errors: number;
  entry: boolean;
}

/** A `DependencyAccumulator` as plain data, for `merge` in another thread. */
export interface DependencyState {
  traces: number;
  unresolvedCalls: number;
  services: Array<{ name: string } & ServiceDraft>;
  edges: Array<{ from: string; to: string; kinds: EdgeKind[]; durations: SketchState; errors: number; traces: number; types: ConnectionType[]; broker: string | null }>;
}


export function dependencyMap(traces: Iterable<Trace>): DependencyMap {
  return foldTraces(new DependencyAccumulator(), traces);
}

/** `dependencyMap` one trace at a time: keeps per-edge latencies and per-service counts. */
export class DependencyAccumulator implements MergeableAccumulator<DependencyMap, DependencyState> {
  private readonly services = new Map<string, ServiceDraft>();
  private readonly edges = new Map<string, EdgeDraft>();
  private unresolvedCalls = 0;
  private traces = 0;

  add(trace: Trace): void {
    const traceIndex = this.traces++;
    const { services } = this;
    const addCall = (from: string, to: string, kind: EdgeKind, span: Span, type: ConnectionType = connectionTypeOf(span)): void => {
      const edge = this.edge(from, to);
      edge.kinds.add(kind);
      edge.types.add(type);
      if (type === 'messaging') {
        const broker = brokerOf(span);
        if (broker !== null && (edge.broker === null || compareText(broker, edge.broker) < 0)) edge.broker = broker;
      }
      edge.durations.add(span.durationMs);
      if (isErrorSpan(span)) edge.errors++;
      if (edge.lastTrace !== traceIndex) {
        edge.lastTrace = traceIndex;
        edge.traces++;
      }
    };

    for (const span of trace.spans) {
      const service = services.get(span.service) ?? { spans: 0, errors: 0, entry: false };
      service.spans++;
      if (isErrorSpan(span)) service.errors++;
      services.set(span.service, service);
    }
    const root = rootSpan(trace);
    if (root) services.get(root.service)!.entry = true;

    // Crossings into another service, owned by the client span above them or inferred.
    const callees = new Map<string, Set<string>>();
    const callerCache = new Map<string, Span | null>();
    for (const span of trace.spans) {
      const parent = span.parentSpanId === null ? undefined : trace.byId.get(span.parentSpanId);
      if (!parent && span.kind === 'consumer') {
        // Its producer is not in the trace: the broker delivered it.
        const broker = brokerOf(span);
        if (broker !== null) addCall(broker, span.service, 'virtual', span);
      }
      if (!parent) continue;
      const caller = parent.service === span.service ? (isCaller(parent) && isReceiver(span) ? parent : null) : callerOf(parent, trace, callerCache);
      if (parent.service === span.service && caller === null) continue;
      if (caller === null) addCall(parent.service, span.service, 'inferred', span);
      else {
        const set = callees.get(caller.spanId) ?? new Set<string>();
        set.add(span.service);
        callees.set(caller.spanId, set);
      }
    }

    // Lower-level client spans that are part of an outer call (tree order: outer first).
    const partOfCall = new Set<string>();
    const resolves = (caller: Span): boolean => callees.has(caller.spanId) || peerName(caller) !== null || (caller.kind === 'producer' && brokerOf(caller) !== null);
    for (const span of trace.spans) {
      if (!isCaller(span)) continue;
      const called = callees.get(span.spanId);
      if (called) {
        // A message consumed by two services is two calls; consumed twice by one, still one publish.
        for (const to of [...called].sort()) addCall(span.service, to, 'real', span);
        continue;
      }
      const local = localCallees(span, trace);
      if (local.receiver) {
        // Its server half is in its own service: a call to itself.
        addCall(span.service, span.service, 'real', span);
        continue;
      }
      // An inner client span that resolves owns the call.
      if (local.callers.some(resolves)) continue;
      if (partOfCall.has(span.spanId)) continue;
      for (const inner of local.callers) markBelow(inner, trace, partOfCall);
      const peer = span.kind === 'producer' ? (peerName(span) ?? brokerOf(span)) : peerName(span);
      if (peer === null) this.unresolvedCalls++;
      else addCall(span.service, peer, 'virtual', span);
    }
  }

  state(): DependencyState {
    return {
      traces: this.traces,
      unresolvedCalls: this.unresolvedCalls,
      services: [...this.services].map(([name, s]) => ({ name, ...s })),
      edges: [...this.edges.values()].map((e) => ({ from: e.from, to: e.to, kinds: [...e.kinds], durations: e.durations.state(), errors: e.errors, traces: e.traces, types: [...e.types], broker: e.broker })),
    };
  }

  merge(state: DependencyState): void {
    // Its traces take indices of their own, so no later trace here matches a merged `lastTrace`.
    this.traces += state.traces;
    this.unresolvedCalls += state.unresolvedCalls;
    for (const { name, spans, errors, entry } of state.services) {
      const service = this.services.get(name) ?? { spans: 0, errors: 0, entry: false };
      service.spans += spans;
      service.errors += errors;
      service.entry ||= entry;
      this.services.set(name, service);
    }
    // Different traces: an edge seen in both parts was seen in the sum of their traces.
    for (const other of state.edges) {
      const edge = this.edge(other.from, other.to);
      for (const kind of other.kinds) edge.kinds.add(kind);
      for (const type of other.types) edge.types.add(type);
      if (other.broker !== null && (edge.broker === null || compareText(other.broker, edge.broker) < 0)) edge.broker = other.broker;
      edge.durations.merge(other.durations);
      edge.errors += other.errors;
      edge.traces += other.traces;
    }
  }

  result(): DependencyMap {
    const { services, edges, unresolvedCalls } = this;

    const nodes: ServiceNode[] = [...services].map(([name, s]) => ({ name, ...s, virtual: false }));
    // Kept apart from `services`: result() must leave the state as it was, for more traces or a merge.
    const peers = new Set<string>();
    for (const edge of edges.values()) {
      for (const name of [edge.from, edge.to]) {
        if (!services.has(name) && !peers.has(name)) {
          peers.add(name);
          nodes.push({ name, spans: 0, errors: 0, entry: false, virtual: true });
        }
      }
    }
    nodes.sort((a, b) => compareText(a.name, b.name));

    const result: DependencyEdge[] = [...edges.values()].map((e) => {
      const kind: EdgeKind = e.kinds.has('real') ? 'real' : e.kinds.has('inferred') ? 'inferred' : 'virtual';
      return {
        from: e.from,
        to: e.to,
        kind,
        virtual: kind === 'virtual',
        inferred: kind === 'inferred',
        calls: e.durations.count,
        errors: e.errors,
        p50Ms: e.durations.percentile(50),
        p95Ms: e.durations.percentile(95),
        traces: e.traces,
        callsPerTrace: e.durations.count / e.traces,
        connectionType: CONNECTION_TYPES.find((t) => e.types.has(t)) ?? 'other',
        broker: e.broker,
      };
    });
    result.sort((a, b) => compareText(a.from, b.from) || compareText(a.to, b.to));

    return { traces: this.traces, services: nodes, edges: result, unresolvedCalls };
  }

  private edge(from: string, to: string): EdgeDraft {
    const key = operationKey(from, to);
    let edge = this.edges.get(key);
    if (!edge) {
      edge = { from, to, kinds: new Set(), durations: new QuantileSketch(), errors: 0, traces: 0, lastTrace: -1, types: new Set(), broker: null };
      this.edges.set(key, edge);
    }
    return edge;
  }
}

/**
 * The CLIENT/PRODUCER span that owns a crossing below `span`: `span` itself, or the
 * nearest one above it within its own service. A SERVER/CONSUMER span, a change of service
 * or the root ends the search: above them lies another call. Memoized per trace, so a long
 * chain of internal spans with many crossings stays linear.
 */
function callerOf(span: Span, trace: Trace, cache: Map<string, Span | null>): Span | null {
  const path: Span[] = [];
  let current: Span | undefined = span;
  let found: Span | null = null;
  while (current) {
    const known = cache.get(current.spanId);
    if (known !== undefined) {
      found = known;
      break;
    }
    path.push(current);
    if (isCaller(current)) {
      found = current;
      break;
    }
    if (isReceiver(current)) break;
    const parent: Span | undefined = current.parentSpanId === null ? undefined : trace.byId.get(current.parentSpanId);
    if (!parent || parent.service !== current.service) break;
    current = parent;
  }
  for (const s of path) cache.set(s.spanId, found);
  return found;
}

/**
 * What lies below a client span inside its own service, through its service's unkinded
 * spans: a server/consumer half (a call to itself), and the first client/producer spans
 * (lower-level calls). Each span is visited by at most one client span's search, which
 * stops at the first kinded span.
 */
function localCallees(client: Span, trace: Trace): { receiver: boolean; callers: Span[] } {
  const callers: Span[] = [];
  const stack = [...(trace.children.get(client.spanId) ?? [])];
  while (stack.length > 0) {
    const span = stack.pop()!;
    if (span.service !== client.service) continue;
    if (isReceiver(span)) return { receiver: true, callers };
    if (isCaller(span)) {
      callers.push(span);
      continue;
    }
    for (const child of trace.children.get(span.spanId) ?? []) stack.push(child);
  }
  return { receiver: false, callers };
}

/** Marks a lower-level client span and the client spans nested in it as part of the call above. */
function markBelow(span: Span, trace: Trace, marked: Set<string>): void {
  const stack = [span];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (s.service !== span.service || marked.has(s.spanId)) continue;
    if (isCaller(s)) marked.add(s.spanId);
    for (const child of trace.children.get(s.spanId) ?? []) stack.push(child);
  }
}
