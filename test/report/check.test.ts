import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseBudgetFile } from '../../src/commands/budgets-file.js';
import { evaluateBudgets } from '../../src/analyze/budgets.js';
import { buildTrace } from '../../src/model/build-trace.js';
import type { Trace } from '../../src/model/span.js';
import { formatValue, renderCheck } from '../../src/report/check.js';
import { formatShare } from '../../src/report/format.js';
import { renderJson } from '../../src/report/json.js';
import { renderJunit, xmlAttr, xmlText } from '../../src/report/junit.js';
import { markdownText, renderCheckMarkdown } from '../../src/report/markdown.js';
import type { RenderContext } from '../../src/report/style.js';
import { DEMO_FORMATS, loadFixture } from '../helpers/demo.js';
import { records, type SpanSketch } from '../helpers/spans.js';
import { checkJson, readBaseline } from '../../src/report/check-json.js';
import { escapeData, escapeProperty, renderAnnotations } from '../../src/report/annotations.js';

const terminal = (width: number): RenderContext => ({ color: false, width, tty: true });
const EXAMPLE = 'examples/budgets.yaml';
const demo = evaluateBudgets(
  await loadFixture(DEMO_FORMATS.otlp),
  parseBudgetFile(readFileSync(new URL(`../../${EXAMPLE}`, import.meta.url), 'utf8'), EXAMPLE),
);

function trace(id: string, spans: SpanSketch[]): Trace {
  return buildTrace(id.padStart(32, '0'), records(spans.map((s) => ({ ...s, trace: id }))));
}

/*
 * Every kind of row at once: a regression with its attribution, a budget without enough
 * samples, one skipped, a metric without data, and passes.
 *   baseline: handle 0–300 = query 0–100 + complete 100–300   (×4)
 *   current:  handle 0–500 = query 0–100 + complete 100–500   (×4)
 */
function runOf(prefix: string, completeMs: number): Trace[] {
  return Array.from({ length: 4 }, (_, i) =>
    trace(`${prefix}${i}`, [
      { id: `h${i}`, name: 'handle', service: 'app', start: 0, dur: 100 + completeMs },
      { id: `q${i}`, parent: `h${i}`, name: 'query', service: 'db', start: 0, dur: 100 },
      { id: `c${i}`, parent: `h${i}`, name: 'complete', service: 'llm', start: 100, dur: completeMs },
    ]),
  );
}
const MIXED = `version: 1
defaults: { regression: 10% }
budgets:
  - name: requests
    select: { root: true }
    assert: ["p(50) < 1s", "error_rate < 1%"]
  - name: llm calls
    select: { service: llm }
    min_samples: 10
    assert: ["p(95) < 300ms"]
  - name: payments
    select: { service: payments }
    on_missing: skip
    assert: ["p(95) < 300ms"]
  - name: cache
    select: { name: query }
    assert: ["hit_ratio > 50%"]
`;
const mixedFile = parseBudgetFile(MIXED, 'budgets.yaml');
const baseline = readBaseline(JSON.parse(renderJson(checkJson(evaluateBudgets(runOf('b', 200), mixedFile)))))!;
const mixed = evaluateBudgets(runOf('c', 400), mixedFile, { baseline });

describe('renderCheck', () => {
  it('renders the example budgets on the demo at 80 columns', async () => {
    const text = renderCheck(demo, terminal(80));
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    await expect(text).toMatchFileSnapshot('./__golden__/check-80.txt');
  });

  it('renders the example budgets on the demo at 160 columns, every column', async () => {
    const text = renderCheck(demo, terminal(160));
    expect(text.split('\n')[0]).toMatch(/^RESULT +BUDGET +ASSERTION +ACTUAL +LIMIT +DETAIL +SAMPLES$/);
    await expect(text).toMatchFileSnapshot('./__golden__/check-160.txt');
  });

  it('lists failures first, then skipped, then passes, each in file order', () => {
    const rows = renderCheck(mixed, terminal(160)).split('\n').slice(1, 7).map((l) => l.split(/ {2,}/).slice(0, 3).join(' | '));
    expect(rows).toEqual([
      'FAIL | requests | p(50) within +10% of baseline',
      'FAIL | llm calls | p(95) < 300ms',
      'FAIL | cache | hit_ratio > 50%',
      'SKIP | payments | p(95) < 300ms',
      'PASS | requests | p(50) < 1s',
      'PASS | requests | error_rate < 1%',
    ]);
  });

  it('explains a regression, a lack of samples and a lack of data', async () => {
    const text = renderCheck(mixed, terminal(80));
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(text).toContain('p(50) is 500ms, 66.7% worse than 300ms in the baseline (allowed: 10% worse)');
    expect(text).toMatch(/critical-path time per sample that grew the most:\n +OPERATION +SERVICE +GROWTH +BEFORE +NOW\n +complete +llm +\+200ms +200ms +400ms\n/);
    expect(text).toContain('only 4 matching spans, fewer than min_samples 10; on_missing: skip would skip\n    the budget instead');
    expect(text).toContain('no cache lookups among 4 selected spans, so hit_ratio has no value');
    expect(text).toContain('4 budgets, 7 checks over 4 traces: 3 passed, 3 failed, 1 skipped');
    await expect(text).toMatchFileSnapshot('./__golden__/check-mixed-80.txt');
  });

  it('keeps full values and no colour when piped; colours only when asked', () => {
    const piped = renderCheck(demo, { color: false, width: 120, tty: false });
    expect(piped).toContain('sum(gen_ai.usage.input_tokens)_per_trace < 8000');
    expect(piped).toContain('retrieval stays off the critical path');
    expect(piped).not.toContain('\u001b[');
    expect(renderCheck(demo, { ...terminal(120), color: true })).toContain('\u001b[31mFAIL');
  });

  it('cleans escape sequences from budget and span names', () => {
    const evil = trace('e', [{ id: 'r', name: 'GET \u001b]0;pwned\u0007/x\u202e', service: 'svc\u001b[2J', start: 0, dur: 10 }]);
    const file = parseBudgetFile('version: 1\nbudgets:\n  - name: "b\\u001b[31m"\n    assert: ["max < 1ms"]\n', 'b.yaml');
    const text = renderCheck(evaluateBudgets([evil], file), terminal(100));
    for (const c of ['\u001b', '\u0007', '\u202e']) expect(text).not.toContain(c);
    expect(text).toContain('critical path of svc GET /x in');
  });
});

describe('values', () => {
  it('formats each unit', () => {
    expect(formatValue(1530, 'duration')).toBe('1.53s');
    expect(formatValue(0.3939, 'ratio')).toBe('39.4%');
    expect(formatValue(3, 'number')).toBe('3');
    expect(formatValue(4812.3456, 'number')).toBe('4812.346');
    expect(formatShare(0.0123)).toBe('1.23%');
    expect(formatShare(1)).toBe('100%');
    expect(formatShare(0)).toBe('0%');
  });
});

describe('checkJson', () => {
  it('has the contract fields, durations in ms and shares as fractions, in file order', () => {
    const body = checkJson(demo);
    expect(body.passed).toBe(false);
    for (const r of body.results) expect(Object.keys(r)).toEqual(expect.arrayContaining(['name', 'metric', 'actual', 'limit', 'passed']));
    expect(body.results.map((r) => r.name)).toEqual([
      'chat endpoint',
      'chat endpoint',
      'chat endpoint',
      'ask endpoint',
      'ask endpoint',
      'cache hits are fast',
      'cache works',
      'llm calls',
      'llm calls',
      'retrieval stays off the critical path',
      'prompt size',
    ]);
    expect(body.results[3]).toMatchObject({ name: 'ask endpoint', metric: 'p(95)', limit: 5000, passed: false, status: 'fail' });
    expect(body.results[6]).toMatchObject({ metric: 'hit_ratio', actual: 13 / 36, limit: 0.35, passed: true });
    expect(body.budgets[0]!.criticalPath).toEqual(expect.arrayContaining([expect.objectContaining({ service: 'llm-api', name: 'llm_completion' })]));
  });
});

// ---------------------------------------------------------------------------------------
// JUnit
// ---------------------------------------------------------------------------------------

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decode(text: string): string {
  const bad = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.exec(text);
  if (bad) throw new Error(`bare & at ${bad.index}: ${text.slice(bad.index, bad.index + 20)}`);
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (_m, e: string) =>
    e.startsWith('#x') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : ENTITIES[e]!,
  );
}

/**
 * A small well-formedness check for what renderJunit writes (no DTDs, comments, CDATA or
 * processing instructions past the declaration): only XML 1.0 characters, one root,
 * properly nested tags, quoted attributes without `<`, and no bare `&`. Returns the tree.
 */
function parseXml(xml: string): XmlElement {
  const illegal = /[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u.exec(xml);
  if (illegal) throw new Error(`character U+${illegal[0].codePointAt(0)!.toString(16)} is not allowed in XML 1.0`);
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/.exec(xml);
  if (!decl) throw new Error('missing XML declaration');
  const token = /<\/([A-Za-z_][\w.-]*)\s*>|<([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
  token.lastIndex = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (token.lastIndex < xml.length) {
    const at = token.lastIndex;
    const m = token.exec(xml);
    if (!m) throw new Error(`not well-formed at ${at}: ${xml.slice(at, at + 40)}`);
    const [, close, open, attrText, selfClose, text] = m;
    if (text !== undefined) {
      if (stack.length === 0) {
        if (text.trim() !== '') throw new Error('text outside the root element');
      } else stack[stack.length - 1]!.text += decode(text);
    } else if (close !== undefined) {
      const top = stack.pop();
      if (top?.name !== close) throw new Error(`</${close}> closes <${top?.name}>`);
    } else {
      const attrs: Record<string, string> = {};
      for (const [, k, v] of attrText!.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
        if (k! in attrs) throw new Error(`duplicate attribute ${k}`);
        attrs[k!] = decode(v!);
      }
      const element: XmlElement = { name: open!, attrs, children: [], text: '' };
      if (stack.length > 0) stack[stack.length - 1]!.children.push(element);
      else if (root) throw new Error('more than one root element');
      else root = element;
      if (selfClose !== '/') stack.push(element);
    }
  }
  if (stack.length > 0 || !root) throw new Error(`unclosed <${stack[stack.length - 1]?.name}>`);
  return root;
}

const junitOptions = { now: new Date('2026-11-02T00:00:00.123Z'), budgetsFile: 'examples/budgets.yaml' };

describe('renderJunit', () => {
  it('writes well-formed XML: testsuites, a testsuite per budget, a testcase per check', () => {
    const root = parseXml(renderJunit(demo, junitOptions));
    expect(root.name).toBe('testsuites');
    expect(root.attrs).toMatchObject({ name: 'tracectl check', tests: '11', failures: '1', errors: '0', skipped: '0', timestamp: '2026-11-02T00:00:00' });
    const suites = root.children;
    expect(suites.map((s) => s.name)).toEqual(Array(7).fill('testsuite'));
    expect(suites.map((s) => [s.attrs.name, s.attrs.tests, s.attrs.failures])).toEqual([
      ['chat endpoint', '3', '0'],
      ['ask endpoint', '2', '1'],
      ['cache hits are fast', '1', '0'],
      ['cache works', '1', '0'],
      ['llm calls', '2', '0'],
      ['retrieval stays off the critical path', '1', '0'],
      ['prompt size', '1', '0'],
    ]);
    for (const suite of suites) {
      expect(suite.attrs).toHaveProperty('errors', '0');
      expect(suite.attrs).toHaveProperty('time');
      const cases = suite.children.filter((c) => c.name === 'testcase');
      expect(cases).toHaveLength(Number(suite.attrs.tests));
      for (const c of cases) {
        expect(c.attrs.name).toBeTruthy();
        expect(c.attrs.classname).toBe(`tracectl.check.${suite.attrs.name}`);
        expect(c.attrs.file).toBe('examples/budgets.yaml');
      }
    }
    const ask = suites[1]!.children.filter((c) => c.name === 'testcase');
    expect(ask[0]!.attrs.name).toBe('p(95) < 5s');
    const failure = ask[0]!.children[0]!;
    expect(failure.name).toBe('failure');
    expect(failure.attrs).toEqual({ message: 'p(95) is 6.46s, over the limit of 5s by 1.46s (29 samples in 29 traces)', type: 'broken' });
    expect(failure.text).toContain('c54f2723e9f99318a2801aebd7457eb1');
    expect(failure.text).toMatch(/SELECT +vector-store +7\.44s/);
    expect(ask[1]!.children).toEqual([]);
  });

  it('writes skipped and regression checks', () => {
    const root = parseXml(renderJunit(mixed, junitOptions));
    expect(root.attrs).toMatchObject({ tests: '7', failures: '3', skipped: '1' });
    const payments = root.children.find((s) => s.attrs.name === 'payments')!;
    expect(payments.attrs).toMatchObject({ tests: '1', failures: '0', skipped: '1' });
    expect(payments.children.find((c) => c.name === 'testcase')!.children[0]).toMatchObject({ name: 'skipped', attrs: { message: 'no span matches the select: skipped (on_missing: skip)' } });
    const requests = root.children.find((s) => s.attrs.name === 'requests')!.children.filter((c) => c.name === 'testcase');
    expect(requests.map((c) => c.attrs.name)).toEqual(['p(50) < 1s', 'p(50) within +10% of baseline', 'error_rate < 1%', 'error_rate within +10% of baseline']);
    expect(requests[1]!.children[0]).toMatchObject({ name: 'failure', attrs: { type: 'regressed' } });
    expect(requests[1]!.children[0]!.text).toMatch(/complete +llm +\+200ms/);
  });

  it('escapes markup and drops characters XML 1.0 forbids, from budget and span names alike', () => {
    const name = 'a <b> & "c" \'d\' ]]> \u0001\u001b[31m\ud800 \u{1f680}\ttab\nline';
    const t = trace('x', [{ id: 'r', name: `GET </failure>&\u0000 "x"`, service: 'svc\u0008', start: 0, dur: 10 }]);
    const file = parseBudgetFile(`version: 1\nbudgets:\n  - name: ${JSON.stringify(name)}\n    assert: ["max < 1ms"]\n`, 'b.yaml');
    const xml = renderJunit(evaluateBudgets([t], file), { now: new Date(0), budgetsFile: 'dir/"b".yaml' });
    const root = parseXml(xml);
    const suite = root.children[0]!;
    // Forbidden characters are gone; everything else, including the tab and newline, survives.
    expect(suite.attrs.name).toBe('a <b> & "c" \'d\' ]]> [31m \u{1f680}\ttab\nline');
    const testcase = suite.children.find((c) => c.name === 'testcase')!;
    expect(testcase.attrs.file).toBe('dir/"b".yaml');
    expect(testcase.children[0]!.text).toContain('GET </failure>& "x"');
  });

  it('xmlText and xmlAttr escape what they must', () => {
    expect(xmlText('a<b>&c\u0000\ufffe')).toBe('a&lt;b&gt;&amp;c');
    expect(xmlAttr('"q" \'a\'\n\t\r')).toBe('&quot;q&quot; &apos;a&apos;&#10;&#9;&#13;');
  });
});

// ---------------------------------------------------------------------------------------
// Markdown and GitHub Actions
// ---------------------------------------------------------------------------------------

describe('renderCheckMarkdown', () => {
  it('summarizes the demo for a pull request', async () => {
    const md = renderCheckMarkdown(demo);
    const lines = md.split('\n');
    expect(lines[0]).toBe('### ❌ tracectl check failed: 1 of 11 checks broken');
    expect(lines[2]).toBe('| Result | Budget | Assertion | Actual | Limit | Detail |');
    expect(lines[4]).toBe('| ❌ fail | ask endpoint | p(95) &lt; 5s | 6.46s | 5s | 1.46s over |');
    // Every row of the summary table has the header's six cells.
    const table = lines.slice(2, lines.indexOf('', 2));
    expect(table).toHaveLength(13);
    for (const row of table) expect(row.split(/(?<!\\)\|/).length - 2).toBe(6);
    expect(md).toContain('<summary>ask endpoint: p(95) &lt; 5s</summary>');
    expect(md).toContain('Worst traces: `c54f2723e9f99318a2801aebd7457eb1` (9.55s), `5f5fcdc5f9401e5a9f2d0d0d7170325f` (8.5s)');
    expect(md).toContain('| SELECT | vector-store | 7.44s | 77.8% |');
    await expect(md).toMatchFileSnapshot('./__golden__/check-demo.md');
  });

  it('says so when everything passed', () => {
    const passing = evaluateBudgets(runOf('p', 100), parseBudgetFile('version: 1\nbudgets:\n  - { name: a, assert: "p(50) < 1s" }\n', 'b.yaml'));
    expect(renderCheckMarkdown(passing).split('\n')[0]).toBe('### ✅ tracectl check passed');
  });

  it('escapes names so a span cannot restructure the comment', () => {
    expect(markdownText('a | b <details> *c* [x](y) `z`')).toBe('a \\| b &lt;details&gt; \\*c\\* \\[x\\](y) \\`z\\`');
    const t = trace('m', [{ id: 'r', name: '</details><img src=x> | ', service: 'svc', start: 0, dur: 10 }]);
    const md = renderCheckMarkdown(evaluateBudgets([t], parseBudgetFile('version: 1\nbudgets:\n  - { name: "a|b", assert: "max < 1ms" }\n', 'b.yaml')));
    expect(md).not.toContain('<img');
    expect(md.match(/<\/details>/g)).toHaveLength(1);
    expect(md).toContain('| ❌ fail | a\\|b |');
  });
});

describe('GitHub Actions annotations', () => {
  it('escapes data and properties as actions/toolkit does', () => {
    expect(escapeData('100% done\r\nnext: a,b')).toBe('100%25 done%0D%0Anext: a,b');
    expect(escapeProperty('100% done\r\nnext: a,b')).toBe('100%25 done%0D%0Anext%3A a%2Cb');
  });

  it('an ::error per failure at its line in the budgets file, a ::warning per skip', () => {
    const lines = renderAnnotations(mixed, 'ci/budgets, v2.yaml').trimEnd().split('\n');
    expect(lines).toEqual([
      '::error file=ci/budgets%2C v2.yaml,line=6,title=tracectl check%3A requests::p(50) within +10%25 of baseline: p(50) is 500ms, 66.7%25 worse than 300ms in the baseline (allowed: 10%25 worse). Worst trace: 000000000000000000000000000000c0 (500ms). Grew most: llm complete +200ms',
      '::error file=ci/budgets%2C v2.yaml,line=10,title=tracectl check%3A llm calls::p(95) < 300ms: only 4 matching spans, fewer than min_samples 10',
      '::warning file=ci/budgets%2C v2.yaml,line=14,title=tracectl check%3A payments::p(95) < 300ms: no span matches the select: skipped (on_missing: skip)',
      '::error file=ci/budgets%2C v2.yaml,line=17,title=tracectl check%3A cache::hit_ratio > 50%25: no cache lookups among 4 selected spans, so hit_ratio has no value',
    ]);
  });

  it('a newline in a name cannot start another workflow command', () => {
    const file = parseBudgetFile('version: 1\nbudgets:\n  - { name: "x\\n::add-mask::y", assert: "count > 5" }\n', 'b.yaml');
    const out = renderAnnotations(evaluateBudgets(runOf('n', 100), file), 'b.yaml');
    expect(out.trimEnd().split('\n')).toHaveLength(1);
    expect(out).toContain('title=tracectl check%3A x %3A%3Aadd-mask%3A%3Ay::');
  });
});

describe('readBaseline', () => {
  it('reads back exactly what checkJson wrote: every assertion value and every budget composition', () => {
    const written = checkJson(demo);
    const read = readBaseline(JSON.parse(renderJson(written)))!;
    expect(read.results).toEqual(written.results.filter((r) => r.kind === 'assertion').map((r) => ({ name: r.name, metric: r.metric, actual: r.actual })));
    expect([...read.budgets.keys()]).toEqual(written.budgets.map((b) => b.name));
    for (const b of written.budgets) {
      expect(read.budgets.get(b.name)).toEqual(b.criticalPath.map((o) => ({ service: o.service, name: o.name, ms: o.msPerSample })));
    }
    // Something to compare: the demo's composition is not empty.
    expect(read.budgets.get(written.budgets[0]!.name)!.length).toBeGreaterThan(0);
  });
});
