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
// bidi embeddings, overrides and isolates, line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

export function cleanText(text: string): string {
  return text.replace(ESCAPE_SEQUENCES, '').replace(CONTROL_CHARACTERS, (c) => (c === '\t' || c === '\n' || c === '\r' ? ' ' : ''));
}

/** Clean, then cut to at most `max` characters with an ellipsis that says how much was cut. */
export function cleanAndTruncate(text: string, max: number): string {
  // Cut before cleaning too, so a 20 MB value costs no more than a short one.
  const head = text.length > max * 2 + 64 ? text.slice(0, max * 2 + 64) : text;
  const clean = cleanText(head);
  if (clean.length <= max && head.length === text.length) return clean;
  const kept = clean.slice(0, Math.max(0, max - 1));
  return `${kept}… (${text.length.toLocaleString('en-US')} chars)`;
}

/** Clean, then fit into a column of `width` characters, marking a cut with an ellipsis. */
export function fitText(text: string, width: number): string {
  const clean = cleanText(text.length > width * 4 + 64 ? text.slice(0, width * 4 + 64) : text);
  return clean.length <= width ? clean : `${clean.slice(0, Math.max(0, width - 1))}…`;
}
