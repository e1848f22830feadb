import { Chalk, type ChalkInstance } from 'chalk';
import stringWidth from 'string-width';

/**
 * What a renderer may know about where its text goes. Resolved once in `commands/`
 * (`--color` > `NO_COLOR` > `FORCE_COLOR` > TTY) and passed down: renderers never look
 * at the process themselves.
 */
export interface RenderContext {
  color: boolean;
  /** Columns available: `--width`, else COLUMNS, else the terminal's; 120 when piped without either. */
  width: number;
  /** Fit the width (a terminal, or a width asked for): truncate for the eye; when false, keep full values. */
  tty: boolean;
}

/** The one place chalk is used; a palette of meaning, not of colours. */
export interface Palette {
  error: (s: string) => string;
  warn: (s: string) => string;
  critical: (s: string) => string;
  dim: (s: string) => string;
  bold: (s: string) => string;
  ok: (s: string) => string;
}

export function palette(ctx: RenderContext): Palette {
  const c: ChalkInstance = new Chalk({ level: ctx.color ? 1 : 0 });
  return { error: c.red, warn: c.yellow, critical: c.cyan, dim: c.dim, bold: c.bold, ok: c.green };
}

/** Columns a string takes in a terminal, leaving out our own colour codes (see `displayWidth`). */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return displayWidth(s.includes('\u001b') ? s.replace(/\u001b\[[0-9;]*m/g, '') : s);
}

/**
 * Characters one column wide, so a string of only these is as wide as it is long, measured
 * without string-width looking at each one: printable ASCII, Latin-1 letters and the
 * middle dot, dashes, quotes, bullets and the ellipsis, the four arrows, the minus sign, and
 * the box-drawing and block characters of the waterfall (a 30,000-span waterfall spent
 * two thirds of its time in string-width). A test holds each of them to string-width's answer.
 */
export const ONE_COLUMN = /^[\u0020-\u007e\u00b7\u00c0-\u00ff\u2010-\u2027\u2190-\u2193\u2212\u2500-\u259f]*$/;

/**
 * Display width in terminal columns, not UTF-16 units: wide CJK characters and emoji take
 * two, combining marks none (string-width, which follows Unicode's East Asian Width data).
 */
export function displayWidth(s: string): number {
  return ONE_COLUMN.test(s) ? s.length : stringWidth(s);
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * Plain text cut to at most `width` columns, the last one an ellipsis when anything was cut.
 * Cuts between graphemes, so an emoji sequence or a base with its marks stays whole.
 */
export function cutToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  const room = Math.max(0, width - 1);
  if (ONE_COLUMN.test(text)) return `${text.slice(0, room)}…`;
  let used = 0;
  let out = '';
  for (const { segment } of graphemes.segment(text)) {
    const w = displayWidth(segment);
    if (used + w > room) break;
    used += w;
    out += segment;
  }
  return `${out}…`;
}

export function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - visibleLength(s)));
}

export function padStart(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - visibleLength(s))) + s;
}
