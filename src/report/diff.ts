import type { DiffReport, DiffSide, DiffSpan } from '../analyze/diff.js';
import { formatDuration } from '../model/duration.js';
import { formatShare } from './format.js';
import { ellipsis } from './columns.js';
import { jsonMs } from './json.js';
import type { DiffJson } from './json-contract.js';
import { cleanText } from './sanitize.js';
import { padEnd, padStart, palette, type RenderContext } from './style.js';

const MARK: Record<DiffSpan['change'], string> = { same: ' ', slower: '▲', faster: '▼', added: '+', removed: '−' };
const BAR_CELLS = 16;

function signed(ms: number): string {
  return ms > 0 ? `+${formatDuration(ms)}` : ms < 0 ? `−${formatDuration(-ms)}` : '0ms';
}

function pct(delta: number, base: number): string {
  if (base === 0) return delta === 0 ? '0%' : 'new';
  const text = formatShare(Math.abs(delta) / base);
  return delta >= 0 ? `+${text}` : `−${text}`;
}

function bar(span: DiffSpan, total: number): string {
  if (span.bMs === null || total <= 0) return ' '.repeat(BAR_CELLS);
  const from = Math.min(BAR_CELLS - 1, Math.floor((span.startMs / total) * BAR_CELLS));
  const to = Math.max(from + 1, Math.min(BAR_CELLS, Math.round(((span.startMs + span.bMs) / total) * BAR_CELLS)));
  return ' '.repeat(from) + '█'.repeat(to - from) + ' '.repeat(BAR_CELLS - to);
}

function criticalLine(label: string, side: DiffSide, width: number): string {
  const head = `critical path ${label}: `;
  const ops = side.criticalPath.map((o) => `${cleanText(o.name)} ${formatDuration(o.ms)}`);
  let shown = 0;
  let text = head;
  while (shown < ops.length) {
    const next = `${text}${shown > 0 ? ', ' : ''}${ops[shown]}`;
    const rest = ops.length - shown - 1;
    if (shown > 0 && (next + (rest > 0 ? `, +${rest} more` : '')).length > width) break;
    text = next;
    shown += 1;
  }
  return shown < ops.length ? `${text}, +${ops.length - shown} more` : text;
}

/**
 * The verdict: how much B differs from A and which span's own time changed most (one line),
 * then how many spans moved.
 */
export function diffSummary(report: DiffReport): [verdict: string, counts: string] {
  const delta = report.b.durationMs - report.a.durationMs;
  const s = report.summary;
  let verdict = `B is ${formatDuration(Math.abs(delta))} ${delta >= 0 ? 'slower' : 'faster'} than A (${pct(delta, report.a.durationMs)})`;
  if (report.largest) {
    const l = report.largest;
    verdict += `; most changed: ${cleanText(l.service)} ${cleanText(l.name)} ${signed(l.deltaMs!)}`;
  }
  return [verdict, `${s.slower} slower, ${s.faster} faster, ${s.added} added, ${s.removed} removed, ${s.same} within tolerance`];
}

/**
 * The waterfall of B with each span's change against its match in A: a bar over B's
 * duration, B's time, Δ and Δ% against A; `▲` slower, `▼` faster, `+` only in B, `−` only
 * in A (no bar; its A time in place of B's), `*` on B's critical path.
 */
export function renderDiff(report: DiffReport, ctx: RenderContext): string {
  const p = palette(ctx);
  const out: string[] = [];
  out.push(`A ${report.a.traceId}  ${formatDuration(report.a.durationMs)}`);
  out.push(`B ${report.b.traceId}  ${formatDuration(report.b.durationMs)}`);
  out.push(p.dim(`changes under ${formatShare(report.tolerance.ratio)} or ${formatDuration(report.tolerance.ms)} are within tolerance`), '');
  // mark(1) + space + crit(1) + space + name + 2 + bar + 2 + ms(8) + 2 + delta(9) + 1 + pct(7)
  const fixed = 4 + 2 + BAR_CELLS + 2 + 8 + 2 + 9 + 1 + 7;
  const nameWidth = Math.max(16, Math.min(40, ctx.width - fixed));
  out.push(`${padEnd('    SPAN', 4 + nameWidth)}  ${padEnd('B', BAR_CELLS)}  ${padStart('B MS', 8)}  ${padStart('Δ', 9)} ${padStart('Δ%', 7)}`);
  for (const span of report.spans) {
    const name = ellipsis(`${'  '.repeat(Math.min(span.depth, 10))}${cleanText(span.service)} ${cleanText(span.name)}`, nameWidth);
    const crit = span.critical.b !== null && span.critical.b > 0 ? p.critical('*') : ' ';
    const colour = span.change === 'slower' || span.change === 'added' ? p.warn : span.change === 'faster' ? p.ok : span.change === 'removed' ? p.dim : (s: string): string => s;
    const ms = span.change === 'removed' ? `(${formatDuration(span.aMs!)})` : formatDuration(span.bMs!);
    const delta = span.deltaMs === null ? (span.change === 'added' ? 'added' : 'removed') : span.change === 'same' ? '' : signed(span.deltaMs);
    const percent = span.deltaMs === null || span.change === 'same' ? '' : pct(span.deltaMs, span.aMs!);
    const line = `${colour(MARK[span.change])} ${crit} ${padEnd(name, nameWidth)}  ${bar(span, report.b.durationMs)}  ${padStart(ms, 8)}  ${padStart(delta, 9)} ${padStart(percent, 7)}`;
    out.push(line.trimEnd());
  }
  const width = ctx.tty ? ctx.width : Infinity;
  const [verdict, counts] = diffSummary(report);
  out.push('', criticalLine('A', report.a, width), criticalLine('B', report.b, width), '', ctx.tty ? ellipsis(verdict, width) : verdict, counts);
  return `${out.join('\n')}\n`;
}

export function diffJson(report: DiffReport): DiffJson {
  const side = (s: DiffSide): DiffJson['a'] => ({ traceId: s.traceId, durationMs: jsonMs(s.durationMs), criticalPath: s.criticalPath.map((o) => ({ ...o, ms: jsonMs(o.ms) })) });
  const ms = (v: number | null): number | null => (v === null ? null : jsonMs(v));
  return {
    a: side(report.a),
    b: side(report.b),
    tolerance: report.tolerance,
    summary: report.summary,
    spans: report.spans.map((s) => ({
      service: s.service,
      name: s.name,
      path: s.path,
      depth: s.depth,
      aMs: ms(s.aMs),
      bMs: ms(s.bMs),
      deltaMs: ms(s.deltaMs),
      change: s.change,
      critical: { a: ms(s.critical.a), b: ms(s.critical.b) },
    })),
  };
}
