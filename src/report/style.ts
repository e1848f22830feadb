import { Chalk, type ChalkInstance } from 'chalk';

/**
 * What a renderer may know about where its text goes. Resolved once in `commands/`
 * (`--color` > `NO_COLOR` > `FORCE_COLOR` > TTY) and passed down: renderers never look
 * at the process themselves.
 */
export interface RenderContext {
  color: boolean;
  /** Columns available; 120 when piped. */
  width: number;
  /** Output is a terminal: truncate for the eye; when false, keep full values. */
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

// Wide (two columns): East Asian wide and fullwidth characters, and emoji presentation.
const WIDE = /[\u1100-\u115f\u231a\u231b\u2329\u232a\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f\u2693\u26a1\u26aa\u26ab\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3\u26f5\u26fa\u26fd\u2705\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757\u2795-\u2797\u27b0\u27bf\u2b1b\u2b1c\u2b50\u2b55\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe10-\ufe19\ufe30-\ufe6f\uff00-\uff60\uffe0-\uffe6]|[\u{1f004}\u{1f0cf}\u{1f18e}\u{1f191}-\u{1f19a}\u{1f200}-\u{1f251}\u{1f300}-\u{1f64f}\u{1f680}-\u{1f6ff}\u{1f7e0}-\u{1f7eb}\u{1f90c}-\u{1f9ff}\u{1fa70}-\u{1faff}\u{20000}-\u{3fffd}]/u;
// Zero width: combining marks, joiners and variation selectors.
const ZERO = /^(?:\p{Mn}|\p{Me}|\u200b|\u200c|\u200d|\u2060|\ufeff|[\ufe00-\ufe0f])$/u;

/**
 * Display width in terminal columns, not UTF-16 units: wide CJK characters and emoji take
 * two, combining marks none. Plain ASCII, the usual case, is measured without looking at
 * each character.
 */
export function displayWidth(s: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u00ff]*$/.test(s)) return s.length;
  let width = 0;
  for (const ch of s) width += WIDE.test(ch) ? 2 : ZERO.test(ch) ? 0 : 1;
  return width;
}

export function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - visibleLength(s)));
}

export function padStart(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - visibleLength(s))) + s;
}
