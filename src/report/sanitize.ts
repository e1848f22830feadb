import { cutToWidth, displayWidth } from './style.js';

/**
 * Text that came from a trace (span names, attributes, error messages) or from a user
 * (file names) is untrusted: an escape sequence in a span name could recolour, retitle or
 * rewrite the user's terminal, and a bidi override could make text read differently than
 * it is. Everything printed for a human goes through `cleanText` first. `--json` output
 * needs nothing more than JSON.stringify's own escaping.
 */

// ANSI CSI (ESC [ … final byte) and OSC (ESC ] … BEL or ST), and other two-byte ESC sequences.
// eslint-disable-next-line no-control-regex
const ESCAPE_SEQUENCES = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u009b[0-?]*[ -/]*[@-~]|\u009d[^\u0007\u009c]*[\u0007\u009c]?|\u001b[@-_]?/g;
// C0 and C1 controls (tab and newline included: one value stays on one line), DEL,
// bidi marks (Arabic letter mark, LRM, RLM), embeddings, overrides and isolates,
// line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

// Invisible characters that would make `gate\u200bway` look like `gateway` (and misalign
// columns): zero-width space, non-joiner, joiner, word joiner and the other invisible
// operators, the byte order mark, the soft hyphen, the Mongolian vowel separator, and tag
// characters. Shown escaped, as `\u200b`, so the difference is seen; `--json` keeps them.
const INVISIBLE_CHARACTERS = /[\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff]|\udb40[\udc00-\udc7f]/g;

function escapeInvisible(c: string): string {
  const code = c.codePointAt(0)!;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
}

export function cleanText(text: string): string {
  return text
    .replace(ESCAPE_SEQUENCES, '')
    .replace(CONTROL_CHARACTERS, (c) => (c === '\t' || c === '\n' || c === '\r' ? ' ' : ''))
    .replace(INVISIBLE_CHARACTERS, escapeInvisible);
}

/**
 * The cleaned start of `text`: all of it (`whole`), or a start wider than `want` columns,
 * so a 20 MB value is cleaned only as far as a column needs. A piece is cut just before an
 * escape introducer (ESC, CSI, OSC), where no sequence can straddle the cut: the result is
 * then always a start of `cleanText(text)`. Cutting at a fixed length instead could split a
 * sequence and show its tail, or let invisible padding hide the visible text behind it.
 */
function cleanStart(text: string, want: number): { clean: string; whole: boolean } {
  for (let take = Math.max(0, want) * 2 + 64; ; take *= 4) {
    if (take >= text.length) return { clean: cleanText(text), whole: true };
    let piece = text.slice(0, take);
    const introducer = Math.max(piece.lastIndexOf('\u001b'), piece.lastIndexOf('\u009b'), piece.lastIndexOf('\u009d'));
    if (introducer >= 0) piece = piece.slice(0, introducer);
    const clean = cleanText(piece);
    if (displayWidth(clean) > want) return { clean, whole: false };
  }
}

/**
 * Clean, then cut to at most `max` characters in all, ending with an ellipsis that says how
 * much was cut (`… (1,048,576 chars)`), or with a bare `…` when `max` has no room for that.
 */
export function cleanAndTruncate(text: string, max: number): string {
  const { clean, whole } = cleanStart(text, max);
  if (whole && displayWidth(clean) <= max) return clean;
  const note = `… (${text.length.toLocaleString('en-US')} chars)`;
  // The note counts towards `max`: callers size lines and columns by it.
  if (max < note.length + 8) return cutToWidth(clean, max);
  return cutToWidth(clean, max - note.length + 1).slice(0, -1) + note;
}

/** Clean, then fit into a column `width` terminal columns wide, marking a cut with an ellipsis. */
export function fitText(text: string, width: number): string {
  return cutToWidth(cleanStart(text, width).clean, width);
}

/** `cleanText` for each line of a multi-line message (help, usage errors, stack traces), keeping the line breaks. */
export function cleanLines(text: string): string {
  return text.split('\n').map(cleanText).join('\n');
}
