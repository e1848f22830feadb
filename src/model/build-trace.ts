import { formatDuration } from './duration.js';
import { normalizeHexId } from './ids.js';
import type { Ms, Span, SpanEvent, SpanRecord, Trace, TraceWarning } from './span.js';

/**
 * Turns decoded span records into traces: groups them by trace id, repairs what real
 * producers get wrong (the passes Jaeger's query service runs, applied to files too),
 * builds the tree and moves times onto the trace's own millisecond axis.
 *
 * Repair passes, in order (each depends on the ones before it):
 *   1. negative durations clamped to 0;
 *   2. span ids deduplicated: exact copies dropped, fragments of one span merged, Zipkin
 *      client/server halves that share one id split (each server half, one per endpoint,
 *      gets a new id with the client as its parent), other collisions renamed;
 *   3. self-parents and parents missing from the trace turned into roots (orphans);
 *   4. parent cycles broken (needs 2 and 3: ids are unique and every parent exists);
 *   5. clock skew corrected top-down (needs the tree of 1–4).
 * Every repair leaves a warning on the trace. All traversals are iterative: a trace may be
 * tens of thousands of spans deep.
 */
export function buildTraces(records: Iterable<SpanRecord>): Trace[] {
  const byTrace = new Map<string, SpanRecord[]>();
  for (const record of records) {
    const group = byTrace.get(record.traceId);
    if (group) group.push(record);
    else byTrace.set(record.traceId, [record]);
  }
  return [...byTrace].map(([traceId, group]) => buildTrace(traceId, group));
}

/** A span while the builder works on it: mutable, with times as numbers of ms from a provisional origin. */
interface Draft {
  record: SpanRecord;
  spanId: string;
  parentSpanId: string | null;
  startMs: Ms;
  durationMs: Ms;
  /** Clock-skew shift applied to the span and its events. */
  shiftMs: Ms;
}

export function buildTrace(traceId: string, records: readonly SpanRecord[]): Trace {
  const warnings: TraceWarning[] = [];
  const warn = (kind: TraceWarning['kind'], spanId: string, message: string): void => {
    warnings.push({ kind, spanId, message });
  };

  let provisionalOrigin = records[0]?.startNs ?? 0n;
  for (const r of records) if (r.startNs < provisionalOrigin) provisionalOrigin = r.startNs;

  const drafts = records.map((record): Draft => {
    let durationNs = record.durationNs;
    // NaN and Infinity too: no decoder should hand them over, but one that did would make
    // every time on the trace's axis NaN.
    if (!(durationNs >= 0 && durationNs !== Infinity)) {
      warn('negative-duration', record.spanId, `span ${record.spanId} "${record.name}" had duration ${durationNs}ns; set to 0`);
      durationNs = 0;
    }
    return {
      record,
      spanId: record.spanId,
      parentSpanId: record.parentSpanId,
      startMs: Number(record.startNs - provisionalOrigin) / 1e6,
      durationMs: durationNs / 1e6,
      shiftMs: 0,
    };
  });

  const unique = dedupeSpanIds(drafts, warn);
  const byId = new Map(unique.map((d) => [d.spanId, d]));
  repairParents(unique, byId, warn);
  let { rootDrafts, childDrafts } = linkTree(unique);
  // A parent cycle leaves its spans unreachable from every root; only then look for it.
  if (countReachable(rootDrafts, childDrafts) < unique.length) {
    breakCycles(unique, byId, warn);
    ({ rootDrafts, childDrafts } = linkTree(unique));
  }

  const byStart = (a: Draft, b: Draft): number => a.startMs - b.startMs || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0);
  for (const list of childDrafts.values()) list.sort(byStart);
  // The real root (parentless in the data) before orphans, then by start.
  rootDrafts.sort((a, b) => Number(a.record.parentSpanId !== null) - Number(b.record.parentSpanId !== null) || byStart(a, b));

  adjustClockSkew(rootDrafts, childDrafts, warn);
  // Skew shifts may reorder siblings.
  for (const list of childDrafts.values()) list.sort(byStart);

  return assemble(traceId, provisionalOrigin, rootDrafts, childDrafts, warnings);
}

type Warn = (kind: TraceWarning['kind'], spanId: string, message: string) => void;

function linkTree(drafts: readonly Draft[]): { rootDrafts: Draft[]; childDrafts: Map<string, Draft[]> } {
  const childDrafts = new Map<string, Draft[]>();
  const rootDrafts: Draft[] = [];
  for (const d of drafts) {
    if (d.parentSpanId === null) rootDrafts.push(d);
    else {
      const siblings = childDrafts.get(d.parentSpanId);
      if (siblings) siblings.push(d);
      else childDrafts.set(d.parentSpanId, [d]);
    }
  }
  return { rootDrafts, childDrafts };
}

function countReachable(roots: readonly Draft[], children: ReadonlyMap<string, readonly Draft[]>): number {
  let count = 0;
  const stack = [...roots];
  while (stack.length > 0) {
    const d = stack.pop()!;
    count++;
    const kids = children.get(d.spanId);
    if (kids) for (const k of kids) stack.push(k);
  }
  return count;
}

/** Pass 2: every span id unique within the trace. */
function dedupeSpanIds(drafts: Draft[], warn: Warn): Draft[] {
  // The common case, every id unique, costs one Set and nothing per span beyond it.
  const ids = new Set<string>();
  for (const d of drafts) ids.add(d.spanId);
  if (ids.size === drafts.length) return drafts;
  const groups = new Map<string, Draft[]>();
  for (const d of drafts) {
    const group = groups.get(d.spanId);
    if (group) group.push(d);
    else groups.set(d.spanId, [d]);
  }

  const fresh = new FreshSpanIds(groups.keys());
  const result: Draft[] = [];
  // Children of a shared id that belong to a server half move to that half's new id.
  const reparent = new Map<string, SplitHalves>();
  for (const [spanId, group] of groups) {
    if (group.length === 1) {
      result.push(group[0]!);
      continue;
    }
    const merged = new Map<Draft, number>();
    const kept = mergeFragments(dropExactCopies(group, warn), merged);
    const client = kept.find((d) => sideOf(d.record) === 'client');
    const servers = client ? kept.filter((d) => sideOf(d.record) === 'server') : [];
    let rest: Draft[];
    if (client && servers.length > 0) {
      // Zipkin's shared span: both halves of one RPC carry the same id, and a message sent
      // once may be received by several consumers. As Jaeger's SpanIDDeduper and zipkin-lens
      // do, each server half (one per endpoint) gets its own id with the client as parent.
      result.push(client);
      const halves: SplitHalves = { clientService: client.record.service, servers: [] };
      for (const server of servers) {
        const newId = fresh.next(spanId);
        server.spanId = newId;
        server.parentSpanId = client.spanId;
        result.push(server);
        halves.servers.push({ newId, service: server.record.service, endpoint: endpointOf(server.record), host: hostOf(server.record) });
        warn('shared-span-id', newId, `client and server halves of span ${spanId} shared one id; the server half "${server.record.name}" (${server.record.service}) got id ${newId}`);
      }
      reparent.set(spanId, halves);
      rest = kept.filter((d) => d !== client && sideOf(d.record) === 'client');
    } else {
      // Without a split, the first span keeps the id and the rest are renamed.
      result.push(kept[0]!);
      rest = kept.slice(1);
    }
    for (const d of rest) {
      const newId = fresh.next(spanId);
      d.spanId = newId;
      result.push(d);
      warn('duplicate-span-id', newId, `two different spans had id ${spanId}; "${d.record.name}" was given id ${newId}`);
    }
    // One warning per piece merged away, told under the id its span ended with.
    for (const [d, absorbed] of merged) {
      for (let i = 0; i < absorbed; i++) warn('merged-span', d.spanId, `span ${spanId} "${d.record.name}" was reported in ${absorbed + 1} pieces; they were merged`);
    }
  }
  if (reparent.size > 0) {
    for (const d of result) {
      const halves = d.parentSpanId === null ? undefined : reparent.get(d.parentSpanId);
      if (!halves || halves.servers.some((s) => s.newId === d.spanId)) continue;
      const server = serverHalfOf(d.record, halves);
      if (server) d.parentSpanId = server.newId;
    }
  }
  return result;
}

interface SplitHalves {
  clientService: string;
  servers: { newId: string; service: string; endpoint: string; host: string | null }[];
}

/**
 * The server half a child of a split id belongs to: the one on the child's endpoint, else in
 * its service, else on its host and port (a proxy and the app behind it). A child in the
 * client's own process stays with the client, unless a server half ran in that service too
 * (then, as in Jaeger, the server half takes it).
 */
function serverHalfOf(child: SpanRecord, halves: SplitHalves): SplitHalves['servers'][number] | undefined {
  const endpoint = endpointOf(child);
  const host = hostOf(child);
  const { servers, clientService } = halves;
  return (
    servers.find((s) => s.endpoint === endpoint) ??
    servers.find((s) => s.service === child.service) ??
    (host === null ? undefined : servers.find((s) => s.host === host)) ??
    (child.service !== clientService ? servers[0] : undefined)
  );
}

/** Which half of an RPC or a message a span is: the callee's (server, consumer, Zipkin `shared`), else the caller's. */
function sideOf(r: SpanRecord): 'client' | 'server' {
  if (r.shared || r.kind === 'server' || r.kind === 'consumer') return 'server';
  return 'client';
}

/** Where a span ran: its service and, when the producer said (Zipkin's local endpoint), host and port. */
function endpointOf(r: SpanRecord): string {
  return `${r.service}\u0000${String(r.resource['host.address'] ?? '')}\u0000${String(r.resource['host.port'] ?? '')}`;
}

/** The host and port a span ran on, when its producer said (Zipkin's local endpoint). */
function hostOf(r: SpanRecord): string | null {
  const address = r.resource['host.address'];
  const port = r.resource['host.port'];
  return address === undefined && port === undefined ? null : `${String(address ?? '')}:${String(port ?? '')}`;
}

/** Byte-for-byte copies (a span reported or read twice) are dropped; a span that differs in anything is kept. */
function dropExactCopies(group: readonly Draft[], warn: Warn): Draft[] {
  const seen = new Set<string>();
  const kept: Draft[] = [];
  for (const d of group) {
    const print = fingerprint(d.record);
    if (seen.has(print)) {
      warn('duplicate-span', d.spanId, `span ${d.spanId} "${d.record.name}" appeared twice; the copy was dropped`);
    } else {
      seen.add(print);
      kept.push(d);
    }
  }
  return kept;
}

function fingerprint(r: SpanRecord): string {
  return JSON.stringify([
    r.parentSpanId, r.followsFrom, r.name, r.service, r.kind, String(r.startNs), r.durationNs, r.status, r.statusMessage, r.shared,
    r.attributes, r.resource, r.events.map((e) => [e.name, String(e.timeNs), e.attributes]), r.links,
  ]);
}

/**
 * Fragments of one span merge, as zipkin-lens's span cleaner merges them: pieces with the same
 * id, side and endpoint whose times agree (the same start and duration, or one piece without a
 * duration: it was sent before the span ended, or carries only tags and annotations). Their
 * attributes and events are united; an error in any piece is the span's.
 */
function mergeFragments(group: Draft[], merged: Map<Draft, number>): Draft[] {
  const kept: Draft[] = [];
  // Candidates by side, endpoint and start, so N spans sharing one id cost N lookups;
  // pieces without a duration may match any timed piece of their endpoint.
  const byStart = new Map<string, Draft[]>();
  const untimed = new Map<string, Draft[]>();
  const timed = new Map<string, Draft[]>();
  const add = (map: Map<string, Draft[]>, key: string, d: Draft): void => {
    const list = map.get(key);
    if (list) list.push(d);
    else map.set(key, [d]);
  };
  for (const d of group) {
    const where = `${sideOf(d.record)}\u0000${endpointOf(d.record)}`;
    const startKey = `${where}\u0000${d.record.startNs}`;
    const candidates = [...(byStart.get(startKey) ?? []), ...((d.record.durationNs === 0 ? timed : untimed).get(where) ?? [])];
    const into = candidates.find((k) => isFragmentOf(k.record, d.record));
    if (!into) {
      kept.push(d);
      add(byStart, startKey, d);
      add(d.record.durationNs === 0 ? untimed : timed, where, d);
      continue;
    }
    const record = mergeRecords(into.record, d.record);
    if (record.startNs !== into.record.startNs) into.startMs = d.startMs;
    into.record = record;
    // Pass 1 clamped the drafts' durations, not the records'.
    into.durationMs = Math.max(0, record.durationNs) / 1e6;
    merged.set(into, (merged.get(into) ?? 0) + 1);
  }
  return kept;
}

function isFragmentOf(a: SpanRecord, b: SpanRecord): boolean {
  if (sideOf(a) !== sideOf(b) || endpointOf(a) !== endpointOf(b)) return false;
  const unnamed = (r: SpanRecord): boolean => r.name === '' || r.name === 'unknown';
  if (a.name !== b.name && !unnamed(a) && !unnamed(b)) return false;
  if (a.kind !== b.kind && !isVagueKind(a.kind) && !isVagueKind(b.kind)) return false;
  if (a.startNs === b.startNs && (a.durationNs === b.durationNs || a.durationNs === 0 || b.durationNs === 0)) return true;
  // An untimed piece dated by its annotations lies within the timed one.
  const [timed, untimed] = a.durationNs === 0 ? [b, a] : [a, b];
  return untimed.durationNs === 0 && timed.durationNs > 0 && untimed.startNs >= timed.startNs && untimed.startNs <= timed.startNs + BigInt(Math.round(timed.durationNs));
}

function isVagueKind(kind: SpanRecord['kind']): boolean {
  return kind === 'unspecified' || kind === 'internal';
}

function mergeRecords(a: SpanRecord, b: SpanRecord): SpanRecord {
  // The timed piece gives the times; without one, the earliest start.
  const timed = a.durationNs > 0 ? a : b.durationNs > 0 ? b : a.startNs <= b.startNs ? a : b;
  const events = [...a.events];
  const seen = new Set(a.events.map((e) => `${e.name}\u0000${e.timeNs}`));
  for (const e of b.events) if (!seen.has(`${e.name}\u0000${e.timeNs}`)) events.push(e);
  events.sort((x, y) => (x.timeNs < y.timeNs ? -1 : x.timeNs > y.timeNs ? 1 : 0));
  return {
    ...a,
    parentSpanId: a.parentSpanId ?? b.parentSpanId,
    name: a.name !== '' && a.name !== 'unknown' ? a.name : b.name,
    kind: isVagueKind(a.kind) ? b.kind : a.kind,
    startNs: timed.startNs,
    durationNs: timed.durationNs,
    status: a.status === 'error' || b.status === 'error' ? 'error' : a.status === 'ok' || b.status === 'ok' ? 'ok' : 'unset',
    statusMessage: a.statusMessage ?? b.statusMessage,
    attributes: { ...a.attributes, ...b.attributes },
    resource: { ...a.resource, ...b.resource },
    events,
    links: [...a.links, ...b.links],
    shared: a.shared || b.shared,
  };
}

/**
 * New 16-hex ids derived from the old one, so rebuilding the same input gives the same ids.
 * Each id's counter is kept, so N spans sharing one id cost N steps, not N².
 */
class FreshSpanIds {
  private readonly taken: Set<string>;
  private readonly last = new Map<string, bigint>();

  constructor(ids: Iterable<string>) {
    this.taken = new Set(ids);
  }

  next(spanId: string): string {
    let n = this.last.get(spanId) ?? BigInt.asUintN(64, BigInt(`0x${normalizeHexId(spanId, 16) ?? '0'}`));
    let candidate: string;
    do {
      n = BigInt.asUintN(64, n + 1n);
      candidate = n.toString(16).padStart(16, '0');
    } while (this.taken.has(candidate));
    this.taken.add(candidate);
    this.last.set(spanId, n);
    return candidate;
  }
}

/** Pass 3: self-parents and parents that are not in the trace become roots. */
function repairParents(drafts: Draft[], byId: Map<string, Draft>, warn: Warn): void {
  for (const d of drafts) {
    if (d.parentSpanId === null) continue;
    if (d.parentSpanId === d.spanId) {
      warn('self-parent', d.spanId, `span ${d.spanId} "${d.record.name}" named itself as parent; treated as a root`);
      d.parentSpanId = null;
    } else if (!byId.has(d.parentSpanId)) {
      warn('orphan', d.spanId, `span ${d.spanId} "${d.record.name}" has parent ${d.parentSpanId}, which is not in the trace; shown as a root`);
      d.parentSpanId = null;
    }
  }
}

/** Pass 4: parent chains that loop are cut at their earliest-starting span, which becomes a root. */
function breakCycles(drafts: Draft[], byId: Map<string, Draft>, warn: Warn): void {
  const state = new Map<string, 'walking' | 'done'>();
  for (const start of drafts) {
    const path: Draft[] = [];
    let cur: Draft | undefined = start;
    while (cur && !state.has(cur.spanId)) {
      state.set(cur.spanId, 'walking');
      path.push(cur);
      cur = cur.parentSpanId === null ? undefined : byId.get(cur.parentSpanId);
    }
    if (cur && state.get(cur.spanId) === 'walking') {
      const cycle = path.slice(path.indexOf(cur));
      const cut = cycle.reduce((a, b) => (b.startMs < a.startMs ? b : a));
      warn('parent-cycle', cut.spanId, `spans ${cycle.map((d) => d.spanId).join(' → ')} were each other's parents; "${cut.record.name}" is shown as a root`);
      cut.parentSpanId = null;
    }
    for (const d of path) state.set(d.spanId, 'done');
  }
}

/**
 * Pass 5, after Jaeger's clock-skew adjuster: a span that crossed into another service and
 * does not fit inside its parent is shifted so it does, splitting the spare time evenly
 * between request and response latency; the rest of that service's subtree moves with it.
 * Only synchronous calls are adjusted: a consumer or a follows-from span may rightly run
 * outside its parent.
 */
function adjustClockSkew(roots: Draft[], children: Map<string, Draft[]>, warn: Warn): void {
  const stack: Draft[] = [...roots];
  while (stack.length > 0) {
    const parent = stack.pop()!;
    for (const child of children.get(parent.spanId) ?? []) {
      if (isSkewCandidate(parent, child)) {
        child.shiftMs = skewOf(parent, child);
        if (child.shiftMs !== 0) {
          warn(
            'clock-skew',
            child.spanId,
            `span ${child.spanId} "${child.record.name}" (${child.record.service}) did not fit inside its parent "${parent.record.name}" (${parent.record.service}); shifted ${formatShift(child.shiftMs)} for clock skew`,
          );
        }
      } else {
        // Same process: same clock as the parent. Another process reached asynchronously: its own clock, left as it is.
        child.shiftMs = child.record.service === parent.record.service ? parent.shiftMs : 0;
      }
      child.startMs += child.shiftMs;
      stack.push(child);
    }
  }
}

function isSkewCandidate(parent: Draft, child: Draft): boolean {
  return (
    child.record.service !== parent.record.service &&
    !child.record.followsFrom &&
    child.record.kind !== 'consumer' &&
    parent.record.kind !== 'producer'
  );
}

/** How far to move `child` (still at its own clock) so it fits inside the already-adjusted `parent`. */
function skewOf(parent: Draft, child: Draft): Ms {
  const parentEnd = parent.startMs + parent.durationMs;
  const childEnd = child.startMs + child.durationMs;
  // A duration of 0 is one the producer did not write (Zipkin without `duration`): it says
  // nothing about where the child must end. As in Jaeger's adjuster, shift only on evidence:
  // a child that starts before its parent, or, with both durations known, one that does not fit.
  if (parent.durationMs === 0 || child.durationMs === 0) {
    return child.startMs < parent.startMs ? parent.startMs - child.startMs : 0;
  }
  if (parent.durationMs < child.durationMs) {
    // It cannot fit; at least do not let it start before its parent.
    return child.startMs < parent.startMs ? parent.startMs - child.startMs : 0;
  }
  if (child.startMs >= parent.startMs && childEnd <= parentEnd) return 0;
  const latency = (parent.durationMs - child.durationMs) / 2;
  return parent.startMs + latency - child.startMs;
}

function formatShift(ms: Ms): string {
  return `${ms >= 0 ? '+' : '-'}${formatDuration(Math.abs(ms))}`;
}

const NO_EVENTS: readonly SpanEvent[] = Object.freeze([]);

/** Final step: the trace origin, tree order, depths, async followers and the trace duration. */
function assemble(
  traceId: string,
  provisionalOrigin: bigint,
  rootDrafts: Draft[],
  childDrafts: Map<string, Draft[]>,
  warnings: TraceWarning[],
): Trace {
  let minStart = Infinity;
  for (const d of rootDrafts) minStart = Math.min(minStart, d.startMs);
  for (const list of childDrafts.values()) for (const d of list) minStart = Math.min(minStart, d.startMs);
  if (!Number.isFinite(minStart)) minStart = 0;
  // Skew corrections can move a span before the provisional origin; rebase on whole nanoseconds.
  const rebaseNs = BigInt(Math.round(minStart * 1e6));
  const originNs = provisionalOrigin + rebaseNs;
  const rebaseMs = Number(rebaseNs) / 1e6;

  const spans: Span[] = [];
  const byId = new Map<string, Span>();
  const children = new Map<string, Span[]>();
  const roots: Span[] = [];
  const asyncSpanIds = new Set<string>();

  // Depth-first in tree order, children pushed in reverse so they pop by start time.
  // Three parallel stacks rather than an object per span: this runs for every span read.
  const drafts: Draft[] = [];
  const depths: number[] = [];
  const parents: (Span | null)[] = [];
  for (let i = rootDrafts.length - 1; i >= 0; i--) {
    drafts.push(rootDrafts[i]!);
    depths.push(0);
    parents.push(null);
  }
  while (drafts.length > 0) {
    const draft = drafts.pop()!;
    const depth = depths.pop()!;
    const parent = parents.pop()!;
    const span = toSpan(draft, depth, rebaseMs, traceId);
    spans.push(span);
    byId.set(span.spanId, span);
    if (parent) {
      const siblings = children.get(parent.spanId);
      if (siblings) siblings.push(span);
      else children.set(parent.spanId, [span]);
      const followerOfEndedProducer = span.kind === 'consumer' && span.startMs >= parent.startMs + parent.durationMs;
      if (asyncSpanIds.has(parent.spanId) || span.followsFrom || followerOfEndedProducer) asyncSpanIds.add(span.spanId);
    } else {
      roots.push(span);
    }
    const kids = childDrafts.get(draft.spanId);
    if (kids) {
      for (let i = kids.length - 1; i >= 0; i--) {
        drafts.push(kids[i]!);
        depths.push(depth + 1);
        parents.push(span);
      }
    }
  }

  let start = Infinity;
  let end = -Infinity;
  for (const s of spans) {
    if (asyncSpanIds.has(s.spanId)) continue;
    start = Math.min(start, s.startMs);
    end = Math.max(end, s.startMs + s.durationMs);
  }
  if (!Number.isFinite(start)) {
    start = 0;
    end = 0;
  }
  return { traceId, originNs, spans, roots, byId, children, asyncSpanIds, startMs: start, durationMs: end - start, warnings };
}

function toSpan(d: Draft, depth: number, rebaseMs: Ms, traceId: string): Span {
  const r = d.record;
  return {
    traceId,
    spanId: d.spanId,
    parentSpanId: d.parentSpanId,
    followsFrom: r.followsFrom,
    name: r.name,
    service: r.service,
    kind: r.kind,
    // The origin is rounded to whole nanoseconds, so the earliest span may land up to half
    // a nanosecond before it; offsets are never negative (span.ts).
    startMs: Math.max(0, d.startMs - rebaseMs),
    durationMs: d.durationMs,
    status: r.status,
    statusMessage: r.statusMessage,
    attributes: r.attributes,
    resource: r.resource,
    events: r.events.length === 0 ? NO_EVENTS : r.events.map((e) => ({
      name: e.name,
      timeMs: Number(e.timeNs - r.startNs) / 1e6 + d.startMs - rebaseMs,
      attributes: e.attributes,
    })),
    links: r.links,
    depth,
  };
}
