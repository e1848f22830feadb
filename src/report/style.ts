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

/** Visible width of a string that may hold our own colour codes. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '').length;
}

export function padEnd(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - visibleLength(s)));
}

export function padStart(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - visibleLength(s))) + s;
}
