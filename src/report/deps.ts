import type { DependencyEdge, DependencyMap, ServiceNode } from '../analyze/deps.js';
import { formatPercent } from './format.js';
import { jsonMs } from './json.js';
import { cleanAndTruncate } from './sanitize.js';
import { padEnd, padStart, palette, type RenderContext } from './style.js';
import { compareText } from '../analyze/stats.js';
import { formatDuration } from '../model/duration.js';
import { plural } from '../model/text.js';
import type { DepsJson } from './json-contract.js';

/**
 * Renderers of the dependency map: a tree for the terminal, Mermaid and Graphviz DOT for
 * pasting into docs and issues, and the `--json` body.
 */

/** Longest service name kept in any output; a hostile 20 MB name costs no more than this. */
const NAME_MAX = 120;
/** Deeper than this, the tree guides are abbreviated (`┆9┆`) so a long call chain cannot blow up every line. */
const MAX_GUIDES = 8;

// ---------------------------------------------------------------------------------------
// Terminal tree
// ---------------------------------------------------------------------------------------

/** What a tree line says about its service beyond the name, long and (when the terminal is narrow) short. */
const NOTES = {
  entry: ['(entry)', '(entry)'],
  uninstrumented: ['(uninstrumented)', '(uninstr.)'],
  untraced: ['(untraced)', '(untr.)'],
  inferred: ['(inferred)', '(inf.)'],
  above: ['(↑ above)', '↑'],
} as const satisfies Record<string, readonly [string, string]>;
type Note = keyof typeof NOTES;

interface TreeLine {
  /** Tree guides and arrow, or '' for a top-level service. */
  prefix: string;
  name: string;
  notes: Note[];
  edge: DependencyEdge | null;
  root: boolean;
}

/** Fewest characters of a name kept when the terminal is too narrow for all of it. */
const NAME_MIN = 4;

/**
 * The map as a tree from the entry services: each line one caller → callee edge with its
 * calls, error share and client-side latency. A service is expanded where it is first
 * shown; later mentions say `(↑ above)` instead, which also ends cycles. Services no
 * entry reaches (callers in partial traces) follow as further roots, and services in no
 * edge at all come last.
 * On a narrow terminal the notes shorten first, then names are cut; piped, only names past
 * NAME_MAX characters are.
 */
export function renderDepsTree(map: DependencyMap, ctx: RenderContext): string {
  if (map.traces === 0) return 'no traces match\n';
  const p = palette(ctx);
  const lines = treeLines(map);

  const calls = map.edges.map((e) => String(e.calls));
  const p50s = map.edges.map((e) => formatDuration(e.p50Ms));
  const p95s = map.edges.map((e) => formatDuration(e.p95Ms));
  const callsWidth = widest(calls, 5);
  const errWidth = 5;
  const p50Width = widest(p50s, 3);
  const p95Width = widest(p95s, 3);
  const numbersWidth = 2 + callsWidth + 2 + errWidth + 2 + p50Width + 2 + p95Width;

  const names = lines.map((l) => cleanAndTruncate(l.name, NAME_MAX));
  const noteText = (l: TreeLine, form: 0 | 1): string => l.notes.map((n) => ` ${NOTES[n][form]}`).join('');
  const needed = widest(lines.map((l, i) => l.prefix + names[i]! + noteText(l, 0)), 7);
  const labelWidth = ctx.tty ? Math.min(needed, Math.max(24, ctx.width - numbersWidth)) : needed;

  const out: string[] = [summary(map)];
  if (map.unresolvedCalls > 0) {
    const n = map.unresolvedCalls;
    out.push(p.dim(`${plural(n, 'client call')} to an unnamed peer ${n === 1 ? 'is' : 'are'} not shown`));
  }
  out.push('');
  out.push(
    p.dim(
      `${padEnd('SERVICE', labelWidth)}  ${padStart('CALLS', callsWidth)}  ${padStart('ERR', errWidth)}  ` +
        `${padStart('P50', p50Width)}  ${padStart('P95', p95Width)}`,
    ),
  );
  lines.forEach((line, i) => {
    let name = names[i]!;
    let form: 0 | 1 = 0;
    if (line.prefix.length + name.length + noteText(line, 0).length > labelWidth) {
      form = 1;
      const room = labelWidth - line.prefix.length - noteText(line, 1).length;
      const keep = Math.max(NAME_MIN, room - 1);
      // Past NAME_MIN the line overflows rather than lose the name.
      if (name.length > room && name.length > keep + 1) name = `${name.slice(0, keep)}…`;
    }
    const notes = line.notes.map((n) => ` ${p.dim(NOTES[n][form])}`).join('');
    const label = line.prefix + (line.root ? p.bold(name) : name) + notes;
    if (!line.edge) {
      out.push(label);
      return;
    }
    const e = line.edge;
    const err = formatPercent(e.errors / e.calls);
    out.push(
      `${padEnd(label, labelWidth)}  ${padStart(String(e.calls), callsWidth)}  ` +
        `${padStart(e.errors > 0 ? p.error(err) : err, errWidth)}  ` +
        `${padStart(formatDuration(e.p50Ms), p50Width)}  ${padStart(formatDuration(e.p95Ms), p95Width)}`,
    );
  });
  return `${out.join('\n')}\n`;
}

function summary(map: DependencyMap): string {
  const instrumented = map.services.filter((s) => !s.virtual).length;
  const peers = map.services.length - instrumented;
  const parts = [
    plural(map.traces, 'trace'),
    plural(instrumented, 'service'),
    plural(peers, 'uninstrumented peer'),
    plural(map.edges.length, 'edge'),
  ];
  return parts.join(' · ');
}

/** The longest of `texts`, at least `min`; a loop, as spreading a huge array into Math.max overflows the stack. */
function widest(texts: readonly string[], min: number): number {
  let max = min;
  for (const t of texts) max = Math.max(max, t.length);
  return max;
}


/** The printed lines, depth first; iterative, so a long call chain cannot overflow the stack. */
function treeLines(map: DependencyMap): TreeLine[] {
  const nodes = new Map(map.services.map((s) => [s.name, s]));
  const outgoing = new Map<string, DependencyEdge[]>();
  const incoming = new Set<string>();
  for (const e of map.edges) {
    const list = outgoing.get(e.from) ?? [];
    list.push(e);
    outgoing.set(e.from, list);
    incoming.add(e.to);
  }
  // Busiest callee first, then by name.
  for (const list of outgoing.values()) list.sort((a, b) => b.calls - a.calls || compareText(a.to, b.to));

  const lines: TreeLine[] = [];
  const shown = new Set<string>();
  const expanded = new Set<string>();

  interface Item {
    edge: DependencyEdge;
    /**
     * For the nearest MAX_GUIDES levels above and this one: whether each was the last of its
     * siblings. Only as many as are drawn, so a 100,000-deep chain costs linear time.
     */
    lastFlags: boolean[];
    /** Levels below the root, this one included. */
    depth: number;
  }
  const expand = (root: ServiceNode): void => {
    lines.push({ prefix: '', name: root.name, notes: rootNotes(root), edge: null, root: true });
    shown.add(root.name);
    expanded.add(root.name);
    const stack: Item[] = [];
    const pushChildren = (service: string, lastFlags: boolean[], depth: number): void => {
      const children = outgoing.get(service) ?? [];
      const kept = lastFlags.slice(-MAX_GUIDES);
      for (let i = children.length - 1; i >= 0; i--) stack.push({ edge: children[i]!, lastFlags: [...kept, i === children.length - 1], depth: depth + 1 });
    };
    pushChildren(root.name, [], 0);
    while (stack.length > 0) {
      const { edge, lastFlags, depth } = stack.pop()!;
      const callee = nodes.get(edge.to);
      const notes = edgeNotes(edge, callee);
      const hasChildren = (outgoing.get(edge.to)?.length ?? 0) > 0;
      if (hasChildren && expanded.has(edge.to)) notes.push('above');
      lines.push({ prefix: guides(lastFlags, depth), name: edge.to, notes, edge, root: false });
      shown.add(edge.to);
      if (hasChildren && !expanded.has(edge.to)) {
        expanded.add(edge.to);
        pushChildren(edge.to, lastFlags, depth);
      }
    }
  };

  const byName = [...map.services].sort((a, b) => compareText(a.name, b.name));
  for (const s of byName) if (s.entry && outgoing.has(s.name)) expand(s);
  // Callers no entry reaches: sources first, then whatever is left of a cycle.
  for (const s of byName) if (!expanded.has(s.name) && outgoing.has(s.name) && !incoming.has(s.name)) expand(s);
  for (const s of byName) if (!expanded.has(s.name) && outgoing.has(s.name)) expand(s);
  // Services in no edge at all (a single-service trace), entries first.
  for (const s of byName) if (!shown.has(s.name) && s.entry) expand(s);
  for (const s of byName) if (!shown.has(s.name)) expand(s);
  return lines;
}

function rootNotes(node: ServiceNode): Note[] {
  if (node.entry) return ['entry'];
  if (node.virtual) return ['uninstrumented'];
  return [];
}

/** An uninstrumented callee; calls to a traced service seen only by their peer name; no client span. */
function edgeNotes(edge: DependencyEdge, callee: ServiceNode | undefined): Note[] {
  if (callee?.virtual) return ['uninstrumented'];
  if (edge.virtual) return ['untraced'];
  if (edge.inferred) return ['inferred'];
  return [];
}

/**
 * `│   ├─→ ` for a line `depth` levels below the root, from the last-sibling flags of the
 * levels drawn (its own last; see `Item`); past MAX_GUIDES levels the rest is a count.
 */
function guides(lastFlags: readonly boolean[], depth: number): string {
  const own = lastFlags[lastFlags.length - 1] ? '└─→ ' : '├─→ ';
  const above = lastFlags.slice(0, -1).map((last) => (last ? '    ' : '│   '));
  if (depth - 1 <= MAX_GUIDES) return above.join('') + own;
  const hidden = depth - 1 - (MAX_GUIDES - 2);
  return `┆${hidden}┆ ${above.slice(-(MAX_GUIDES - 2)).join('')}${own}`;
}

// ---------------------------------------------------------------------------------------
// Mermaid and DOT
// ---------------------------------------------------------------------------------------

/**
 * Stable identifiers for graph nodes: `svc_` plus the name's letters and digits, made
 * unique in name order. The prefix keeps ids clear of keywords (`end`, `graph`, `node`)
 * and of Mermaid's `o`/`x` edge endings; everything else a name holds stays in the label.
 */
function graphIds(services: readonly ServiceNode[]): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const s of [...services].sort((a, b) => compareText(a.name, b.name))) {
    const base = `svc_${cleanAndTruncate(s.name, NAME_MAX).replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 48) || 'unnamed'}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    ids.set(s.name, id);
  }
  return ids;
}

function edgeLabel(e: DependencyEdge): string {
  return `${e.calls} ${e.calls === 1 ? 'call' : 'calls'}, ${formatPercent(e.errors / e.calls)} err`;
}

/**
 * Text inside a quoted Mermaid label. Anything but plain letters, digits and a few safe
 * punctuation marks becomes an entity code (`#34;`), which Mermaid decodes for display:
 * a quote cannot close the string, `#` cannot start an entity of the name's choosing, and
 * `<`, `&` and backticks cannot become HTML or Markdown.
 */
function mermaidText(text: string): string {
  return Array.from(cleanAndTruncate(text, NAME_MAX), (c) => (/^[A-Za-z0-9 ._\-:/@+,()]$/.test(c) ? c : `#${c.codePointAt(0)};`)).join('');
}

/**
 * A Mermaid flowchart, left to right: services as boxes, uninstrumented peers as rounded
 * stadiums with a dashed outline, inferred edges dotted, each edge labelled `calls, err%`.
 * Nodes by name, edges by caller then callee, so the same traces give the same text.
 */
export function renderMermaid(map: DependencyMap): string {
  const ids = graphIds(map.services);
  const out = ['flowchart LR'];
  for (const s of map.services) {
    const label = `"${mermaidText(s.name)}"`;
    out.push(`  ${ids.get(s.name)}${s.virtual ? `([${label}])` : `[${label}]`}`);
  }
  for (const e of map.edges) {
    out.push(`  ${ids.get(e.from)} ${e.inferred ? '-.->' : '-->'}|"${edgeLabel(e)}"| ${ids.get(e.to)}`);
  }
  const entries = map.services.filter((s) => s.entry).map((s) => ids.get(s.name));
  const virtuals = map.services.filter((s) => s.virtual).map((s) => ids.get(s.name));
  if (entries.length > 0) out.push('  classDef entry stroke-width:3px', `  class ${entries.join(',')} entry`);
  if (virtuals.length > 0) out.push('  classDef virtual stroke-dasharray: 5 5', `  class ${virtuals.join(',')} virtual`);
  return `${out.join('\n')}\n`;
}

/**
 * A DOT double-quoted string: a quote would end it, a backslash would start a Graphviz
 * escape (`\N`, `\l`), and `&` an HTML entity that Graphviz decodes in any label.
 */
function dotString(text: string): string {
  return `"${text.replace(/[\\"&]/g, (c) => (c === '&' ? '&amp;' : `\\${c}`))}"`;
}

/**
 * A Graphviz digraph with the same content as `renderMermaid`: uninstrumented peers as
 * dashed ellipses, entry services bold, inferred edges dashed; p50/p95 as edge tooltips.
 */
export function renderDot(map: DependencyMap): string {
  const ids = graphIds(map.services);
  const out = [
    'digraph dependencies {',
    '  rankdir=LR;',
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  for (const s of map.services) {
    const attrs = [`label=${dotString(cleanAndTruncate(s.name, NAME_MAX))}`];
    if (s.virtual) attrs.push('shape=ellipse', 'style=dashed');
    if (s.entry) attrs.push('penwidth=2');
    out.push(`  ${ids.get(s.name)} [${attrs.join(', ')}];`);
  }
  for (const e of map.edges) {
    const attrs = [
      `label=${dotString(edgeLabel(e))}`,
      `tooltip=${dotString(`p50 ${formatDuration(e.p50Ms)}, p95 ${formatDuration(e.p95Ms)}`)}`,
    ];
    if (e.inferred) attrs.push('style=dashed');
    out.push(`  ${ids.get(e.from)} -> ${ids.get(e.to)} [${attrs.join(', ')}];`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------

/** `deps --json` (DESIGN.md): the contract's fields first, then ours. */
export function depsJson(map: DependencyMap): DepsJson {
  return {
    traces: map.traces,
    services: map.services.map((s) => ({ name: s.name, spans: s.spans, errors: s.errors, entry: s.entry, virtual: s.virtual })),
    edges: map.edges.map((e) => ({
      from: e.from,
      to: e.to,
      calls: e.calls,
      errors: e.errors,
      p50Ms: jsonMs(e.p50Ms),
      p95Ms: jsonMs(e.p95Ms),
      kind: e.kind,
      virtual: e.virtual,
      inferred: e.inferred,
      connectionType: e.connectionType,
      broker: e.broker,
      traces: e.traces,
      callsPerTrace: Math.round(e.callsPerTrace * 1000) / 1000,
    })),
    unresolvedCalls: map.unresolvedCalls,
  };
}

