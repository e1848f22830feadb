import { cleanText } from './sanitize.js';

/** Warnings of one kind beyond this many are told as one line with a count. */
const LISTED = 2;

/**
 * Reading's warnings as stderr lines. Warnings that differ only in ids, numbers and quoted
 * names are one kind: a kind seen more than twice is one line with its count and two
 * examples (a real 1,041-span trace gave 175 lines otherwise). `verbose` lists every one;
 * `--json` documents keep them all.
 */
export function warningLines(warnings: readonly string[], verbose: boolean): string[] {
  if (verbose) return warnings.map((w) => `warning: ${cleanText(w)}`);
  const kinds = new Map<string, string[]>();
  for (const warning of warnings) {
    const key = warningKind(warning);
    const list = kinds.get(key);
    if (list) list.push(warning);
    else kinds.set(key, [warning]);
  }
  const lines: string[] = [];
  for (const list of kinds.values()) {
    if (list.length <= LISTED) for (const w of list) lines.push(`warning: ${cleanText(w)}`);
    else lines.push(`warning: ${list.length} warnings like ${cleanText(list[0]!)}; e.g. also ${cleanText(list[1]!)} (--verbose lists them)`);
  }
  return lines;
}

/** A warning with what varies between occurrences of the same problem replaced. */
export function warningKind(warning: string): string {
  return warning
    .replace(/"[^"]*"|'[^']*'/g, '"…"')
    .replace(/\b[0-9a-f]{6,}\b/gi, '<id>')
    .replace(/\d+(?:\.\d+)?/g, '<n>');
}
