import type { ErrorReport, ErrorRootGroup } from '../analyze/errors.js';
import { cleanAndTruncate, cleanText } from './sanitize.js';
import { padStart, palette, type Palette, type RenderContext } from './style.js';
import type { ErrorsJson } from './json-contract.js';
import { maxOf } from '../model/arrays.js';

/** `errors --json` (DESIGN.md contract): `{traces, failedTraces, roots[]}` and the counts behind them. */
export function errorsJson(report: ErrorReport): ErrorsJson {
  return {
    traces: report.traces,
    failedTraces: report.failedTraces,
    errorSpans: report.errorSpans,
    originSpans: report.originSpans,
    propagatedSpans: report.propagatedSpans,
    absorbingSpans: report.absorbingSpans,
    groups: report.groups,
    roots: report.roots.map((g) => ({
      service: g.service,
      name: g.name,
      count: g.count,
      errorType: g.errorType,
      message: g.message,
      sampleMessage: g.sampleMessage,
      exampleTraceIds: g.exampleTraceIds,
      propagatedTo: g.propagatedTo,
      tracesAffected: g.tracesAffected,
      fatal: g.fatal,
      absorbed: g.absorbed,
      detached: g.detached,
      absorbedBy: g.absorbedBy,
      chain: g.chain,
      cause: g.cause,
    })),
  };
}

/** When piped, values are kept whole (up to a sanity limit) for grep; on a terminal they fit the width. */
const PIPED_MAX = 2000;
/** A long message wraps onto at most this many lines on a terminal. */
const MESSAGE_LINES = 3;

/**
 * `tracectl errors` for a human: a header, then one block per group of error origins —
 *
 * ```
 *  4  vector-store search  TimeoutError
 *     timed out after <n>ms waiting for a connection from pool '<v>'
 *     fatal 4 · 4 traces
 *     gateway POST /v1/ask → rag-service ask → vector-store search [TimeoutError]
 *     examples 97e132384188b51d8d55faad1b19dcd7  5a4941740bc1b2d96985de9dced9de78
 * ```
 *
 * Every trace-derived string is cleaned. On a terminal no line is wider than `ctx.width`:
 * the message, the chain and the trace ids wrap, names are cut with an ellipsis. Piped,
 * each value stays whole on one line.
 */
export function renderErrors(report: ErrorReport, ctx: RenderContext): string {
  const p = palette(ctx);
  const lines: string[] = [header(report, p)];
  if (report.roots.length === 0) return `${lines.join('\n')}\n`;

  const countWidth = maxOf(report.roots.map((g) => String(g.count).length));
  const indent = ' '.repeat(countWidth + 3);
  const room = ctx.tty ? Math.max(20, ctx.width - indent.length) : PIPED_MAX;
  const fit = (text: string, max: number): string => (ctx.tty ? clip(text, Math.max(1, max)) : cleanAndTruncate(text, PIPED_MAX));

  for (const g of report.roots) {
    lines.push('');
    lines.push(title(g, countWidth, room, fit, p));
    if (g.message === null) lines.push(indent + p.dim('(no message)'));
    else if (!ctx.tty) lines.push(indent + fit(g.message, room));
    else for (const line of wrapWords(clip(g.message, room * MESSAGE_LINES), room, MESSAGE_LINES)) lines.push(indent + line);
    lines.push(indent + fit(outcome(g), room).replace(/^fatal \d+/, (m) => p.error(m)).replace(/absorbed \d+/, (m) => p.ok(m)));
    const gaveUp = g.propagatedTo[0];
    if (g.cause === 'timeout' && gaveUp) {
      lines.push(indent + p.warn('timeout ') + fit(`ran until ${gaveUp.service} ${gaveUp.name} gave up waiting`, room - 8));
    }
    for (const line of wrap(g.chain.split(' → ').map((step) => fit(step, room - 4)), ' → ', room, '  ')) lines.push(indent + p.critical(line));
    const ids = wrap(g.exampleTraceIds.map((id) => fit(id, room - 9)), '  ', room - 9, '');
    ids.forEach((line, i) => lines.push(indent + (i === 0 ? p.dim('examples ') : ' '.repeat(9)) + line));
  }
  if (report.groups > report.roots.length) {
    const more = report.groups - report.roots.length;
    lines.push('');
    lines.push(p.dim(`… ${more} more ${more === 1 ? 'group' : 'groups'} (--top ${report.groups} shows all)`));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Clean, then cut to at most `max` characters with a plain ellipsis. `cleanAndTruncate`'s
 * "(N chars)" note would overflow a terminal line; piped output uses it instead.
 */
function clip(text: string, max: number): string {
  // Cut before cleaning, so a 20 MB message costs no more than a short one.
  const cut = text.length > max * 4 + 64;
  const clean = cleanText(cut ? text.slice(0, max * 4 + 64) : text);
  return clean.length <= max && !cut ? clean : `${clean.slice(0, Math.max(0, max - 1))}…`;
}

/** Words greedily onto lines of `width`, at most `maxLines` (the last then ends with `…`); over-long words are split. */
function wrapWords(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    for (let rest = word; ; ) {
      const joined = line === '' ? rest : `${line} ${rest}`;
      if (joined.length <= width) {
        line = joined;
        break;
      }
      if (line !== '') {
        lines.push(line);
        line = '';
        continue;
      }
      lines.push(rest.slice(0, width));
      rest = rest.slice(width);
      if (rest === '') break;
    }
  }
  if (line !== '') lines.push(line);
  if (lines.length <= maxLines) return lines;
  const last = lines[maxLines - 1]!;
  return [...lines.slice(0, maxLines - 1), last.length < width ? `${last}…` : `${last.slice(0, width - 1)}…`];
}

function header(r: ErrorReport, p: Palette): string {
  const traces = `${r.traces} ${r.traces === 1 ? 'trace' : 'traces'}, ${r.failedTraces > 0 ? p.error(`${r.failedTraces} failed`) : '0 failed'}`;
  if (r.errorSpans === 0) return `${traces} · no error spans`;
  const origins = `${r.originSpans} error ${r.originSpans === 1 ? 'origin' : 'origins'} in ${r.groups} ${r.groups === 1 ? 'group' : 'groups'}`;
  return `${traces} · ${origins} · ${r.errorSpans} error ${r.errorSpans === 1 ? 'span' : 'spans'}`;
}

function title(g: ErrorRootGroup, countWidth: number, room: number, fit: (s: string, max: number) => string, p: Palette): string {
  const where = `${g.service} ${g.name}`;
  const type = g.errorType === null ? '' : g.errorType;
  // The type is the shorter, more telling half: give it up to half the room, the operation the rest.
  const typeRoom = type === '' ? 0 : Math.min(type.length, Math.max(12, Math.floor(room / 2)));
  const whereText = fit(where, room - (typeRoom === 0 ? 0 : typeRoom + 2));
  const typeText = type === '' ? '' : `  ${p.error(fit(type, typeRoom))}`;
  return `${padStart(p.bold(String(g.count)), countWidth + 1)}  ${p.bold(whereText)}${typeText}`;
}

function outcome(g: ErrorRootGroup): string {
  const parts: string[] = [];
  if (g.fatal > 0) parts.push(`fatal ${g.fatal}`);
  if (g.absorbed > 0) {
    const by = g.absorbedBy;
    const share = by && by.count < g.absorbed ? ` (${by.count} of ${g.absorbed})` : '';
    parts.push(`absorbed ${g.absorbed}${by ? ` by ${by.service} ${by.name}${share}` : ''}`);
  }
  if (g.detached > 0) parts.push(`detached ${g.detached}`);
  parts.push(`${g.tracesAffected} ${g.tracesAffected === 1 ? 'trace' : 'traces'}`);
  return parts.join(' · ');
}

/**
 * Greedy wrap of already-cleaned pieces joined by `separator`; a continuation line starts
 * with `hang` and the separator's visible part (`  → next`). Pieces must be at most
 * `width - hang.length - lead.length` long.
 */
function wrap(pieces: readonly string[], separator: string, width: number, hang: string): string[] {
  const lead = hang + separator.trimStart();
  const lines: string[] = [];
  let line = '';
  for (const piece of pieces) {
    if (line === '') line = piece;
    else if (line.length + separator.length + piece.length <= width) line += separator + piece;
    else {
      lines.push(line);
      line = lead + piece;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
