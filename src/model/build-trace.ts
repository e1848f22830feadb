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

/**
 * A span while the builder works on it: the span it becomes, its times still on a provisional
 * axis (ms from the earliest record start, each event at its offset from its span's start).
 */
type SpanDraft = { -readonly [K in keyof Span]: Span[K] };

/** A record of a trace in which span ids repeat, while pass 2 sorts them out. */
interface Draft {
  record: SpanRecord;
  spanId: string;
  parentSpanId: string | null;
  startMs: Ms;
  durationMs: Ms;
}

export function buildTrace(traceId: string, records: readonly SpanRecord[]): Trace {
  const warnings: TraceWarning[] = [];
  const warn = (kind: TraceWarning['kind'], spanId: string, message: string): void => {
    warnings.push({ kind, spanId, message });
  };

  let provisionalOrigin = records[0]?.startNs ?? 0n;
  for (const r of records) if (r.startNs < provisionalOrigin) provisionalOrigin = r.startNs;

  // The common trace has unique span ids: each record becomes its span at once, and the map
  // that finds that out is the trace's own `byId`.
  let spans: SpanDraft[] = [];
  let byId = new Map<string, SpanDraft>();
  for (const record of records) {
    const span = newSpan(traceId, record, record.spanId, record.parentSpanId, Number(record.startNs - provisionalOrigin) / 1e6, clampedDurationMs(record, warn));
    spans.push(span);
    byId.set(span.spanId, span);
  }
  /** The record each span came from, by position in `spans`. */
  let sources = records;
  if (byId.size < spans.length) {
    const drafts = spans.map((s, i): Draft => ({ record: records[i]!, spanId: s.spanId, parentSpanId: s.parentSpanId, startMs: s.startMs, durationMs: s.durationMs }));
    const unique = dedupeSpanIds(drafts, warn);
    spans = unique.map((d) => newSpan(traceId, d.record, d.spanId, d.parentSpanId, d.startMs, d.durationMs));
    sources = unique.map((d) => d.record);
    byId = new Map(spans.map((s) => [s.spanId, s]));
  }

  let tree = linkTree(spans, sources, byId, warn);
  // A parent cycle leaves its spans unreachable from every root; only then look for it.
  if (sortTree(tree) < spans.length) {
    breakCycles(spans, byId, warn);
    tree = linkTree(spans, sources, byId, warn);
    sortTree(tree);
  }
  const { roots, children, namedParent } = tree;
  // The real root (parentless in the data) before orphans, then by start.
  if (roots.length > 1) roots.sort((a, b) => Number(namedParent?.has(a) ?? false) - Number(namedParent?.has(b) ?? false) || byStart(a, b));

  adjustClockSkew(roots, children, warn);
  return assemble(traceId, provisionalOrigin, spans, tree, byId, warnings);
}

type Warn = (kind: TraceWarning['kind'], spanId: string, message: string) => void;

/** Pass 1: a negative (or NaN, or infinite) duration is clamped to 0. */
function clampedDurationMs(record: SpanRecord, warn: Warn): Ms {
  let durationNs = record.durationNs;
  // NaN and Infinity too: no decoder should hand them over, but one that did would make
  // every time on the trace's axis NaN.
  if (!(durationNs >= 0 && durationNs !== Infinity)) {
    warn('negative-duration', record.spanId, `span ${record.spanId} "${record.name}" had duration ${durationNs}ns; set to 0`);
    durationNs = 0;
  }
  return durationNs / 1e6;
}

const NO_EVENTS: readonly SpanEvent[] = Object.freeze([]);

function newSpan(traceId: string, r: SpanRecord, spanId: string, parentSpanId: string | null, startMs: Ms, durationMs: Ms): SpanDraft {
  return {
    traceId,
    spanId,
    parentSpanId,
    followsFrom: r.followsFrom,
    name: r.name,
    service: r.service,
    kind: r.kind,
    startMs,
    durationMs,
    status: r.status,
    statusMessage: r.statusMessage,
    attributes: r.attributes,
    resource: r.resource,
    // Offsets from the span's start until `assemble` knows where the span ends up.
    events: r.events.length === 0 ? NO_EVENTS : r.events.map((e) => ({ name: e.name, timeMs: Number(e.timeNs - r.startNs) / 1e6, attributes: e.attributes })),
    links: r.links,
    depth: 0,
  };
}

const byStart = (a: SpanDraft, b: SpanDraft): number => a.startMs - b.startMs || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0);

interface Tree {
  roots: SpanDraft[];
  children: Map<string, SpanDraft[]>;
  /** Roots whose record named a parent (orphans, self-parents, cut cycles); null when none did. */
  namedParent: Set<SpanDraft> | null;
}

/**
 * Pass 3 (self-parents and parents that are not in the trace become roots), and the tree
 * of what is left. `sources[i]` is the record `spans[i]` came from.
 */
function linkTree(spans: readonly SpanDraft[], sources: readonly SpanRecord[], byId: ReadonlyMap<string, SpanDraft>, warn: Warn): Tree {
  const children = new Map<string, SpanDraft[]>();
  const roots: SpanDraft[] = [];
  let namedParent: Set<SpanDraft> | null = null;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]!;
    let parent = span.parentSpanId;
    if (parent === span.spanId) {
      warn('self-parent', span.spanId, `span ${span.spanId} "${span.name}" named itself as parent; treated as a root`);
      span.parentSpanId = parent = null;
    } else if (parent !== null && !byId.has(parent)) {
      warn('orphan', span.spanId, `span ${span.spanId} "${span.name}" has parent ${parent}, which is not in the trace; shown as a root`);
      span.parentSpanId = parent = null;
    }
    if (parent === null) {
      roots.push(span);
      if (sources[i]!.parentSpanId !== null) (namedParent ??= new Set()).add(span);
    } else {
      const siblings = children.get(parent);
      if (siblings) siblings.push(span);
      else children.set(parent, [span]);
    }
  }
  return { roots, children, namedParent };
}

/**
 * Stacks the walks down a tree reuse, one trace after another (building is synchronous), so
 * a trace costs no stack of its own. Emptied after each walk, holding no span past it.
 */
const walk: SpanDraft[] = [];
const walkNumbers: number[] = [];
const walkParents: (SpanDraft | null)[] = [];

/** Sorts every child list reached from the roots by start; returns how many spans it reached. */
function sortTree({ roots, children }: Tree): number {
  walk.length = 0;
  for (const root of roots) walk.push(root);
  let reached = 0;
  while (walk.length > 0) {
    const span = walk.pop()!;
    reached++;
    const kids = children.get(span.spanId);
    if (kids === undefined) continue;
    if (kids.length > 1) kids.sort(byStart);
    for (const kid of kids) walk.push(kid);
  }
  return reached;
}

/** Pass 2, for a trace in which some span ids repeat: every span id unique within the trace. */
function dedupeSpanIds(drafts: Draft[], warn: Warn): Draft[] {
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

/** Pass 4: parent chains that loop are cut at their earliest-starting span, which becomes a root. */
function breakCycles(spans: readonly SpanDraft[], byId: ReadonlyMap<string, SpanDraft>, warn: Warn): void {
  const state = new Map<string, 'walking' | 'done'>();
  for (const start of spans) {
    const path: SpanDraft[] = [];
    let cur: SpanDraft | undefined = start;
    while (cur && !state.has(cur.spanId)) {
      state.set(cur.spanId, 'walking');
      path.push(cur);
      cur = cur.parentSpanId === null ? undefined : byId.get(cur.parentSpanId);
    }
    if (cur && state.get(cur.spanId) === 'walking') {
      const cycle = path.slice(path.indexOf(cur));
      const cut = cycle.reduce((a, b) => (b.startMs < a.startMs ? b : a));
      warn('parent-cycle', cut.spanId, `spans ${cycle.map((d) => d.spanId).join(' → ')} were each other's parents; "${cut.name}" is shown as a root`);
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
 * outside its parent. A child list of which a span moved is sorted by start again.
 */
function adjustClockSkew(roots: readonly SpanDraft[], children: ReadonlyMap<string, SpanDraft[]>, warn: Warn): void {
  // Each span with the shift applied to it, which its same-service children inherit.
  walk.length = 0;
  walkNumbers.length = 0;
  for (const root of roots) {
    walk.push(root);
    walkNumbers.push(0);
  }
  while (walk.length > 0) {
    const parent = walk.pop()!;
    const parentShift = walkNumbers.pop()!;
    const kids = children.get(parent.spanId);
    if (kids === undefined) continue;
    let moved = false;
    for (const child of kids) {
      let shift: Ms;
      if (isSkewCandidate(parent, child)) {
        shift = skewOf(parent, child);
        if (shift !== 0) {
          warn(
            'clock-skew',
            child.spanId,
            `span ${child.spanId} "${child.name}" (${child.service}) did not fit inside its parent "${parent.name}" (${parent.service}); shifted ${formatShift(shift)} for clock skew`,
          );
        }
      } else {
        // Same process: same clock as the parent. Another process reached asynchronously: its own clock, left as it is.
        shift = child.service === parent.service ? parentShift : 0;
      }
      if (shift !== 0) {
        child.startMs += shift;
        moved = true;
      }
      walk.push(child);
      walkNumbers.push(shift);
    }
    // Sorted after the walk took its order: each child's shift depends only on its parent.
    if (moved && kids.length > 1) kids.sort(byStart);
  }
}

function isSkewCandidate(parent: SpanDraft, child: SpanDraft): boolean {
  return child.service !== parent.service && !child.followsFrom && child.kind !== 'consumer' && parent.kind !== 'producer';
}

/** How far to move `child` (still at its own clock) so it fits inside the already-adjusted `parent`. */
function skewOf(parent: SpanDraft, child: SpanDraft): Ms {
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

const NO_ASYNC_SPANS: ReadonlySet<string> = new Set();

/** Final step: the trace origin, tree order, depths, async followers and the trace duration. */
function assemble(traceId: string, provisionalOrigin: bigint, all: readonly SpanDraft[], { roots, children }: Tree, byId: ReadonlyMap<string, Span>, warnings: TraceWarning[]): Trace {
  let minStart = Infinity;
  for (const s of all) minStart = Math.min(minStart, s.startMs);
  if (!Number.isFinite(minStart)) minStart = 0;
  // Skew corrections can move a span before the provisional origin; rebase on whole nanoseconds.
  const rebaseNs = BigInt(Math.round(minStart * 1e6));
  const originNs = provisionalOrigin + rebaseNs;
  const rebaseMs = Number(rebaseNs) / 1e6;

  const spans: Span[] = [];
  let asyncSpanIds: Set<string> | null = null;
  let start = Infinity;
  let end = -Infinity;
  // Depth-first in tree order, children pushed in reverse so they pop by start time.
  walk.length = 0;
  walkNumbers.length = 0;
  walkParents.length = 0;
  for (let i = roots.length - 1; i >= 0; i--) {
    walk.push(roots[i]!);
    walkNumbers.push(0);
    walkParents.push(null);
  }
  while (walk.length > 0) {
    const span = walk.pop()!;
    const depth = walkNumbers.pop()!;
    const parent = walkParents.pop()!;
    const provisionalStart = span.startMs;
    // The origin is rounded to whole nanoseconds, so the earliest span may land up to half
    // a nanosecond before it; offsets are never negative (span.ts).
    span.startMs = Math.max(0, provisionalStart - rebaseMs);
    span.depth = depth;
    for (const e of span.events) e.timeMs = e.timeMs + provisionalStart - rebaseMs;
    spans.push(span);
    const isAsync =
      parent !== null &&
      ((asyncSpanIds?.has(parent.spanId) ?? false) || span.followsFrom || (span.kind === 'consumer' && span.startMs >= parent.startMs + parent.durationMs));
    if (isAsync) (asyncSpanIds ??= new Set()).add(span.spanId);
    else {
      start = Math.min(start, span.startMs);
      end = Math.max(end, span.startMs + span.durationMs);
    }
    const kids = children.get(span.spanId);
    if (kids) {
      for (let i = kids.length - 1; i >= 0; i--) {
        walk.push(kids[i]!);
        walkNumbers.push(depth + 1);
        walkParents.push(span);
      }
    }
  }
  if (!Number.isFinite(start)) {
    start = 0;
    end = 0;
  }
  return { traceId, originNs, spans, roots, byId, children, asyncSpanIds: asyncSpanIds ?? NO_ASYNC_SPANS, startMs: start, durationMs: end - start, warnings };
}
