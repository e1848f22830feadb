import { expect } from 'vitest';

/**
 * Checks for the graph text `tracectl deps` writes: the only line shapes renderMermaid and
 * renderDot produce, so a name that broke out of its label would show as a line that
 * matches none of them.
 */

/** A name built to break out of every syntax we write. */
export const HOSTILE = 'evil"]; x --> y["pwn\n%% \\N \\" end [x] <b>&amp; #quot; `md` | ; {a} \u001b[31mred\u001b[0m\u202e';

/**
 * Checks Mermaid text line by line against the only shapes renderMermaid writes, and
 * returns each node's label decoded as Mermaid would (entity codes to characters).
 */
export function parseMermaid(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  const lines = text.split('\n');
  expect(lines[0]).toBe('flowchart LR');
  expect(lines.at(-1)).toBe('');
  for (const line of lines.slice(1, -1)) {
    const node = /^ {2}(svc_\w+)(?:\["([^"]*)"\]|\(\["([^"]*)"\]\))$/.exec(line);
    if (node) {
      const raw = node[2] ?? node[3]!;
      // Every `#` starts a numeric entity: none can spell `#quot;` or another named one.
      expect(raw).not.toMatch(/#(?!\d+;)/);
      labels.set(node[1]!, raw.replace(/#(\d+);/g, (_m, code: string) => String.fromCodePoint(Number(code))));
      continue;
    }
    const ok =
      /^ {2}svc_\w+ (-->|-\.->)\|"\d+ calls?, [\d.]+% err"\| svc_\w+$/.test(line) ||
      /^ {2}classDef (entry|virtual) [\w\s:-]+$/.test(line) ||
      /^ {2}class svc_\w+(,svc_\w+)* (entry|virtual)$/.test(line);
    expect(ok, `unexpected Mermaid line: ${JSON.stringify(line)}`).toBe(true);
  }
  return labels;
}

/** The same for DOT: every line one of renderDot's shapes, labels unescaped. */
export function parseDot(text: string): Map<string, string> {
  const labels = new Map<string, string>();
  const q = String.raw`"((?:[^"\\]|\\.)*)"`;
  const lines = text.split('\n');
  expect(lines.slice(0, 4)).toEqual([
    'digraph dependencies {',
    '  rankdir=LR;',
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ]);
  expect(lines.slice(-2)).toEqual(['}', '']);
  for (const line of lines.slice(4, -2)) {
    const node = new RegExp(`^ {2}(svc_\\w+) \\[label=${q}(, shape=ellipse, style=dashed)?(, penwidth=2)?\\];$`).exec(line);
    if (node) {
      labels.set(node[1]!, node[2]!.replace(/\\(.)/g, '$1').replace(/&amp;/g, '&'));
      continue;
    }
    const edge = new RegExp(`^ {2}svc_\\w+ -> svc_\\w+ \\[label="\\d+ calls?, [\\d.]+% err", tooltip="p50 [^"\\\\]+, p95 [^"\\\\]+"(, style=dashed)?\\];$`);
    expect(edge.test(line), `unexpected DOT line: ${JSON.stringify(line)}`).toBe(true);
  }
  return labels;
}


/** What must never reach a terminal from a trace: C0/C1 controls but the newline, DEL, a bidi override. */
// eslint-disable-next-line no-control-regex
export const UNPRINTABLE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/;
