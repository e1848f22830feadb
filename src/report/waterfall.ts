import type { CriticalSection } from '../analyze/critical-path.js';
import { runsSerially, type Finding } from '../analyze/insights.js';
import { renderTraceInsights } from './insights.js';
import { isErrorSpan, errorCount } from '../model/error-span.js';
import { servicesOf, type TraceView } from '../analyze/trace-view.js';
import type { AttributeValue, Ms, Span, TraceWarning } from '../model/span.js';
import { formatTimestamp } from './format.js';
import { cleanAndTruncate, cleanText, fitText } from './sanitize.js';
import { cutToWidth, displayWidth, padEnd, padStart, palette, visibleLength, type Palette, type RenderContext } from './style.js';
import { traceStart } from '../model/time.js';
import { formatDuration } from '../model/duration.js';
import { plural } from '../model/text.js';
import { pushAll, maxOf } from '../model/arrays.js';
import type { SpanLlmUsage, TraceLlmUsage } from '../analyze/llm.js';
import { formatTokens, formatUsd } from './llm.js';

export interface WaterfallOptions {
  /** Show spans down to this many levels (1 = roots only). */
  depth?: number;
  /** Print attributes and events under each span. */
  attrs?: boolean;
  /** Do not collapse runs of same-named siblings. */
  expand?: boolean;
  /** `show --insights`: the anti-patterns found in the trace; their spans are marked, and they are listed below. */
  insights?: readonly Finding[];
}

/** Piped, attribute values are cut only when they are longer than this (a 20 MB value stays off the screen). */
const PIPED_VALUE_MAX = 2000;
/** A run of at least this many same-named siblings collapses into one line. */
const COLLAPSE_MIN = 4;
/** Deeper than this, the tree guides are abbreviated (`┆12┆`) so a 60,000-deep trace prints in linear space and names stay visible. */
const MAX_GUIDES = 8;
const MARK_CRITICAL = '◆';
const MARK_ERROR = '✗';
const MARK_INSIGHT = '⚑';
const BAR_CRITICAL = '█';
const BAR_SPAN = '░';

/** One printed row: a span, or a collapsed run of same-named siblings. */
interface Row {
  spans: Span[];
  guides: string;
  hiddenBelow: number;
}

/**
 * The waterfall of one trace: a header, repairs summarized, then one line per span with
 * its tree position, service, duration, self time and a bar on the trace's time axis where
 * the parts on the critical path are solid.
 */
export function renderWaterfall(view: TraceView, options: WaterfallOptions, ctx: RenderContext): string {
  const p = palette(ctx);
  const { trace } = view;
  const out: string[] = [];
  const errors = errorCount(trace);
  const services = servicesOf(trace);
  const title = p.bold(`trace ${trace.traceId}`);
  const facts = [
    formatTimestamp(traceStart(trace)),
    formatDuration(trace.durationMs),
    plural(trace.spans.length, 'span'),
    plural(services.length, 'service'),
    errors > 0 ? p.error(plural(errors, 'error')) : '0 errors',
  ];
  // One line when it fits the width, else the facts under the id, wrapped.
  const oneLine = wrapParts([title, ...facts], ctx.width);
  out.push(...(oneLine.length === 1 ? oneLine : [title, ...wrapParts(facts, ctx.width)]));
  // On a line of its own, so the header of a trace without LLM calls stays as it was.
  if (view.llm.total.calls > 0) out.push(cutToWidth(llmTotals(view.llm.total), ctx.tty ? ctx.width : Infinity));
  const repairs = summarizeWarnings(trace.warnings);
  if (repairs) out.push(p.warn(`repaired: ${repairs}`));
  out.push('');

  const rows = layoutRows(view, options);
  const flagged = new Set((options.insights ?? []).flatMap((f) => f.spanIds));
  const layout = columnLayout(
    ctx.width,
    maxOf(rows.map((r) => displayWidth(cleanText(`${r.guides}${labelOf(r)}`))), 4),
    maxOf(services.map((s) => displayWidth(cleanText(s))), 7),
  );
  const { labelWidth, serviceWidth, barWidth } = layout;
  const serviceCell = (text: string): string => (layout.service ? `${padEnd(text, serviceWidth)} ` : '');
  const selfCell = (text: string): string => (layout.self ? ` ${padStart(text, 8)}` : '');

  const t0 = trace.startMs;
  const total = trace.durationMs;
  out.push(p.dim(`  ${padEnd('SPAN', labelWidth)} ${serviceCell('SERVICE')}${padStart('DURATION', 8)}${selfCell('SELF')}  ${axisLabel(total, barWidth)}`));

  for (const row of rows) {
    const first = row.spans[0]!;
    const critical = row.spans.some((s) => view.critical.has(s.spanId));
    const failed = row.spans.filter(isErrorSpan);
    const label = fitText(`${row.guides}${labelOf(row)}`, labelWidth);
    // A collapsed run takes the time from its first start to its last end (the sum is in the label).
    const duration = row.spans.length === 1 ? first.durationMs : runWindow(row.spans).wallMs;
    const self = row.spans.reduce((a, s) => a + (view.selfMs.get(s.spanId) ?? 0), 0);
    const bar = drawBar(row.spans, view.critical, t0, total, barWidth);
    const mark = critical ? p.critical(MARK_CRITICAL) : ' ';
    const flag = row.spans.some((s) => flagged.has(s.spanId)) ? p.warn(MARK_INSIGHT) : ' ';
    const name = failed.length > 0 ? p.error(label) : critical ? p.bold(label) : label;
    out.push(
      `${mark}${flag}${padEnd(name, labelWidth)} ${serviceCell(fitText(first.service, serviceWidth))}` +
        `${padStart(formatDuration(duration), 8)}${selfCell(formatDuration(self))}  ${critical ? p.critical(bar) : bar}`,
    );
    // Details line up under the span's name, but leave at least 22 columns for the text.
    const indent = `  ${' '.repeat(Math.min(row.guides.length, 40, Math.max(0, ctx.width - 27)))}   `;
    for (const span of failed.slice(0, 1)) {
      const why = span.statusMessage ?? errorTypeOf(span);
      const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : '';
      const room = ctx.tty ? Math.max(8, ctx.width - indent.length - 2 - more.length) : 2000;
      out.push(p.error(`${indent}${MARK_ERROR} ${cleanAndTruncate(why ?? 'error', room)}${more}`));
    }
    const call = row.spans.length === 1 ? view.llm.spans.get(first.spanId) : undefined;
    if (call !== undefined) out.push(p.dim(cutToWidth(`${indent}${llmNote(call)}`, ctx.tty ? ctx.width : Infinity)));
    if (options.attrs && row.spans.length === 1) pushAll(out, attributeLines(first, indent, ctx, p));
  }
  out.push('');
  const legend = [`${MARK_CRITICAL} on the critical path (${BAR_CRITICAL} its time there)`, `${MARK_ERROR} error`, `${BAR_SPAN} span time`];
  if (options.insights !== undefined) legend.push(`${MARK_INSIGHT} in an anti-pattern (below)`);
  pushAll(out, wrapParts(legend, ctx.width).map((line) => p.dim(cutToWidth(line, ctx.width))));
  const text = `${out.join('\n')}\n`;
  return options.insights === undefined ? text : `${text}\n${renderTraceInsights(trace.traceId, options.insights, ctx)}`;
}

/** Under the header: `2 LLM calls  1.2k tokens in  340 out  $0.0031` (each call counted once). */
function llmTotals(total: TraceLlmUsage): string {
  const cost = total.costUsd === null ? 'unpriced' : formatUsd(total.costUsd) + (total.unpricedCalls > 0 ? ' (some calls unpriced)' : '');
  return `${plural(total.calls, 'LLM call')}  ${formatTokens(total.inputTokens)} tokens in  ${formatTokens(total.outputTokens)} out  ${cost}`;
}

/** Under an LLM span: `openai gpt-4o-mini  1.2k in  340 out  $0.0004`; a wrapper says its call is counted below. */
function llmNote(call: SpanLlmUsage): string {
  const model = cleanAndTruncate([call.provider, call.model].filter((x) => x !== null).join(' ') || 'LLM call', 60);
  const tokens = call.inputTokens === null ? '' : `  ${formatTokens(call.inputTokens)} in  ${formatTokens(call.outputTokens ?? 0)} out`;
  const cost = call.costUsd !== null ? `  ${formatUsd(call.costUsd)}` : call.inputTokens !== null ? '  unpriced' : '';
  return `${model}${tokens}${cost}${call.counted ? '' : '  (counted in the call below)'}`;
}

/** Rows in tree order: spans below `depth` hidden (and counted), runs of same-named siblings collapsed. */
function layoutRows(view: TraceView, options: WaterfallOptions): Row[] {
  const { trace } = view;
  const maxDepth = options.depth ?? Infinity;
  const subtree = subtreeSizes(view);
  const rows: Row[] = [];
  // Each stack entry is a group of siblings still to print, with the guide flags of their ancestors.
  interface Pending {
    siblings: readonly Span[];
    index: number;
    /** For each ancestor level, whether that ancestor was the last of its siblings. */
    ancestorsLast: boolean[];
    depth: number;
  }
  const stack: Pending[] = [{ siblings: trace.roots, index: 0, ancestorsLast: [], depth: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.index >= top.siblings.length) {
      stack.pop();
      continue;
    }
    const span = top.siblings[top.index]!;
    let runEnd = top.index + 1;
    if (!options.expand) {
      while (runEnd < top.siblings.length && sameOperation(top.siblings[runEnd]!, span)) runEnd++;
      if (runEnd - top.index < COLLAPSE_MIN) runEnd = top.index + 1;
    }
    const group = top.siblings.slice(top.index, runEnd);
    top.index = runEnd;
    const isLast = runEnd >= top.siblings.length;
    const guides = top.depth === 0 ? '' : guideText(top.ancestorsLast, top.depth, isLast);
    const kids = trace.children.get(span.spanId) ?? [];
    const showChildren = group.length === 1 && top.depth + 1 < maxDepth && kids.length > 0;
    const hiddenBelow = showChildren ? 0 : group.reduce((a, s) => a + (subtree.get(s.spanId) ?? 1) - 1, 0);
    rows.push({ spans: group, guides, hiddenBelow });
    if (showChildren) {
      const ancestorsLast = top.depth === 0 ? [] : [...top.ancestorsLast.slice(1 - MAX_GUIDES), isLast];
      stack.push({ siblings: kids, index: 0, ancestorsLast, depth: top.depth + 1 });
    }
  }
  return rows;
}

/** `ancestorsLast` holds the flags of the nearest MAX_GUIDES ancestors below the root level; `depth` says how many there are in all. */
function guideText(ancestorsLast: readonly boolean[], depth: number, isLast: boolean): string {
  const levels = ancestorsLast.map((last) => (last ? '   ' : '│  ')).join('');
  const elided = depth - 1 > ancestorsLast.length ? `┆${depth - 1 - ancestorsLast.length}┆` : '';
  return `${elided}${levels}${isLast ? '└─ ' : '├─ '}`;
}

function sameOperation(a: Span, b: Span): boolean {
  return a.name === b.name && a.service === b.service;
}

function labelOf(row: Row): string {
  const first = row.spans[0]!;
  const hidden = row.hiddenBelow > 0 ? ` (+${row.hiddenBelow})` : '';
  if (row.spans.length === 1) return `${first.name}${hidden}`;
  let min = Infinity;
  let max = 0;
  for (const s of row.spans) {
    min = Math.min(min, s.durationMs);
    max = Math.max(max, s.durationMs);
  }
  const errors = row.spans.filter(isErrorSpan).length;
  const { wallMs, sumMs } = runWindow(row.spans);
  const how = runsSerially({ wallMs, sumMs }, 0.1) ? 'serial' : 'overlapping';
  return `×${row.spans.length} ${first.name} ${formatDuration(min)}–${formatDuration(max)}${errors > 0 ? `, ${errors} failed` : ''}, ${how}, ${formatDuration(sumMs)} summed${hidden}`;
}

/** The window a run of siblings spans, and their durations added up. */
function runWindow(spans: readonly Span[]): { wallMs: Ms; sumMs: Ms } {
  let start = Infinity;
  let end = -Infinity;
  let sumMs = 0;
  for (const s of spans) {
    start = Math.min(start, s.startMs);
    end = Math.max(end, s.startMs + s.durationMs);
    sumMs += s.durationMs;
  }
  return { wallMs: end - start, sumMs };
}

/** Spans in each subtree, the span included; one reverse pass over tree order. */
function subtreeSizes(view: TraceView): Map<string, number> {
  const sizes = new Map<string, number>();
  const spans = view.trace.spans;
  for (let i = spans.length - 1; i >= 0; i--) {
    const s = spans[i]!;
    const size = (sizes.get(s.spanId) ?? 0) + 1;
    sizes.set(s.spanId, size);
    if (s.parentSpanId !== null) sizes.set(s.parentSpanId, (sizes.get(s.parentSpanId) ?? 0) + size);
  }
  return sizes;
}

/** Bar cells for the spans on the axis [t0, t0 + total]; cells of critical sections are solid. */
function drawBar(spans: readonly Span[], critical: TraceView['critical'], t0: Ms, total: Ms, width: number): string {
  const cells = new Array<string>(width).fill(' ');
  const scale = total > 0 ? width / total : 0;
  const cell = (ms: Ms): number => Math.min(width - 1, Math.max(0, Math.floor((ms - t0) * scale)));
  for (const span of spans) {
    const first = total > 0 ? cell(span.startMs) : 0;
    const last = total > 0 ? Math.max(first, cell(span.startMs + span.durationMs - 1e-9)) : width - 1;
    for (let i = first; i <= last; i++) if (cells[i] === ' ') cells[i] = BAR_SPAN;
    for (const section of critical.get(span.spanId) ?? ([] as CriticalSection[])) {
      const a = cell(section.startMs);
      const b = Math.max(a, cell(section.endMs - 1e-9));
      for (let i = a; i <= b; i++) cells[i] = BAR_CRITICAL;
    }
  }
  return cells.join('').trimEnd();
}

/** `0`, the middle and the end of the time axis, in exactly `width` columns or fewer: the middle goes first when they crowd. */
function axisLabel(total: Ms, width: number): string {
  const end = formatDuration(total);
  const mid = formatDuration(total / 2);
  // The middle label is centred when there is room, else moved left as far as `0 ` allows.
  const head = Math.min(Math.floor(width / 2) - Math.floor(mid.length / 2), width - mid.length - 1 - end.length);
  if (head >= 2) return padEnd(padEnd('0', head) + mid, width - end.length) + end;
  if (2 + end.length <= width) return padEnd('0', width - end.length) + end;
  return '0';
}

/** Widths of the waterfall's columns, and whether SERVICE and SELF are shown. */
interface ColumnLayout {
  labelWidth: number;
  serviceWidth: number;
  barWidth: number;
  service: boolean;
  self: boolean;
}

const MIN_LABEL = 16;
const MIN_SERVICE = 7;
const MIN_BAR = 10;
/** Names are cut before the bar gets narrower than this. */
const PREFERRED_BAR = 16;
/** The marks, the blanks between the columns and the DURATION column: a row without SERVICE and SELF. */
const FIXED = 2 + 1 + 8 + 2;

/**
 * The columns at `width`: on a wide terminal the bar keeps a third and the names get the
 * rest (at least 56 for span names, as before); narrow, names are cut first, then SELF and
 * then SERVICE give way, so every row fits from 40 columns up.
 */
function columnLayout(width: number, naturalLabel: number, naturalService: number): ColumnLayout {
  const self = width >= FIXED + MIN_LABEL + MIN_BAR + 9 + MIN_SERVICE + 1;
  const service = width >= FIXED + MIN_LABEL + MIN_BAR + MIN_SERVICE + 1;
  const numbers = FIXED + (self ? 9 : 0) + (service ? 1 : 0);
  // Narrow terminals give the span names the room: they say more than the service.
  const serviceWidth = service ? Math.min(naturalService, width < 100 ? 12 : Math.max(20, Math.floor(width / 6))) : 0;
  const wantBar = Math.max(PREFERRED_BAR, Math.floor(width / 3));
  let labelWidth = Math.min(naturalLabel, Math.max(56, width - numbers - serviceWidth - wantBar));
  let barWidth = width - numbers - serviceWidth - labelWidth;
  if (barWidth < PREFERRED_BAR) {
    labelWidth = Math.max(Math.min(MIN_LABEL, labelWidth), labelWidth - (PREFERRED_BAR - barWidth));
    barWidth = width - numbers - serviceWidth - labelWidth;
  }
  const shrunk = Math.min(serviceWidth, Math.max(MIN_SERVICE, serviceWidth - Math.max(0, MIN_BAR - barWidth)));
  return { labelWidth, serviceWidth: shrunk, barWidth: barWidth + serviceWidth - shrunk, service, self };
}

/** Parts joined by two blanks, a new line started wherever the next part would pass `width`. */
function wrapParts(parts: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    if (line !== '' && visibleLength(line) + 2 + visibleLength(part) > width) {
      lines.push(line);
      line = part;
    } else line = line === '' ? part : `${line}  ${part}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** On a terminal every line, key and time prefix included, fits the width; piped, values stay (almost) whole. */
function attributeLines(span: Span, indent: string, ctx: RenderContext, p: Palette): string[] {
  const room = ctx.tty ? Math.max(16, ctx.width - indent.length) : PIPED_VALUE_MAX;
  const fit = (text: string, width: number): string => (ctx.tty ? fitText(text, Math.max(8, width)) : cleanAndTruncate(text, width));
  const lines: string[] = [];
  const kind = span.kind === 'unspecified' ? '' : `kind=${span.kind} `;
  lines.push(p.dim(`${indent}${fit(`${kind}span=${span.spanId}${span.parentSpanId ? ` parent=${span.parentSpanId}` : ''}`, room)}`));
  for (const key of Object.keys(span.attributes).sort()) {
    const name = fit(key, ctx.tty ? Math.floor(room / 3) : 200);
    lines.push(`${indent}${p.dim(name)} = ${fit(valueText(span.attributes[key]!), room - name.length - 3)}`);
  }
  for (const event of span.events) {
    const attrs = Object.entries(event.attributes)
      .map(([k, v]) => `${k}=${valueText(v)}`)
      .join(' ');
    const at = `@${formatDuration(event.timeMs - span.startMs)}`;
    lines.push(`${indent}${p.dim(at)} ${fit(`${event.name} ${attrs}`.trim(), room - at.length - 1)}`);
  }
  return lines;
}

function valueText(value: AttributeValue): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function errorTypeOf(span: Span): string | null {
  const exception = span.events.find((e) => e.name === 'exception');
  const type = exception?.attributes['exception.type'];
  const message = exception?.attributes['exception.message'];
  if (type !== undefined || message !== undefined) return [type, message].filter((x) => x !== undefined).map(String).join(': ');
  const errorType = span.attributes['error.type'];
  return errorType === undefined ? null : String(errorType);
}

/** "2 spans shifted for clock skew, 1 orphan shown as a root" */
function summarizeWarnings(warnings: readonly TraceWarning[]): string {
  const counts = new Map<TraceWarning['kind'], number>();
  for (const w of warnings) counts.set(w.kind, (counts.get(w.kind) ?? 0) + 1);
  const phrases: Record<TraceWarning['kind'], (n: number) => string> = {
    'clock-skew': (n) => `${plural(n, 'span')} shifted for clock skew`,
    orphan: (n) => `${plural(n, 'orphan')} (parent missing) shown as ${n === 1 ? 'a root' : 'roots'}`,
    'duplicate-span': (n) => `${plural(n, 'duplicate span')} dropped`,
    'merged-span': (n) => `${plural(n, 'span fragment')} merged`,
    'duplicate-span-id': (n) => `${plural(n, 'reused span id')} renamed`,
    'shared-span-id': (n) => `${plural(n, 'shared client/server id')} split`,
    'parent-cycle': (n) => `${plural(n, 'parent cycle')} broken`,
    'self-parent': (n) => `${plural(n, 'self-parented span')} made ${n === 1 ? 'a root' : 'roots'}`,
    'negative-duration': (n) => `${plural(n, 'negative duration')} set to 0`,
  };
  return [...counts].map(([kind, n]) => phrases[kind](n)).join(', ');
}

