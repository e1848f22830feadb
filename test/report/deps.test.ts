import { describe, expect, it } from 'vitest';
import { dependencyMap, type DependencyMap } from '../../src/analyze/deps.js';
import { buildTrace } from '../../src/model/build-trace.js';
import type { Trace } from '../../src/model/span.js';
import { depsJson, renderDepsTree, renderDot, renderMermaid } from '../../src/report/deps.js';
import { cleanText } from '../../src/report/sanitize.js';
import { HOSTILE, parseDot, parseMermaid, UNPRINTABLE } from '../helpers/graph-text.js';
import { DEMO_FORMATS, loadFixture } from '../helpers/demo.js';
import { records, type SpanSketch } from '../helpers/spans.js';

const plain = (width: number) => ({ color: false, width, tty: true });
const trace = (id: string, sketches: SpanSketch[]): Trace => buildTrace(id.padStart(32, '0'), records(sketches.map((s) => ({ ...s, trace: id }))));

const LONG_CHECKOUT = 'checkout-service-v2-canary-eu-west-1-production';
const LONG_FRONTEND = 'web-frontend-with-a-rather-long-name';

/**
 * Every shape the tree has to draw, in three traces:
 *
 *   trace 1  web-frontend… SERVER (entry)
 *             ├ CLIENT ─────────→ checkout… SERVER
 *             │                    ├ CLIENT (error) → payments SERVER
 *             │                    │                   ├ CLIENT db.system=postgresql   (uninstrumented)
 *             │                    │                   └ CLIENT ────→ checkout… SERVER  (a cycle)
 *             │                    └ internal ──────→ legacy-inventory internal        (inferred)
 *             ├ CLIENT peer.service=stripe, error                                      (uninstrumented)
 *             └ (orphan) reports internal → CLIENT server.address=s3.amazonaws.com     (a caller no entry reaches)
 *   trace 2  cron internal (entry) → CLIENT with no peer attribute                     (unresolved)
 *   trace 3  cron internal (entry) alone
 */
function casesMap(): DependencyMap {
  return dependencyMap([
    trace('1', [
      { id: 'r', start: 0, dur: 100, service: LONG_FRONTEND, kind: 'server' },
      { id: 'c1', parent: 'r', start: 2, dur: 60, service: LONG_FRONTEND, kind: 'client' },
      { id: 's1', parent: 'c1', start: 3, dur: 58, service: LONG_CHECKOUT, kind: 'server' },
      { id: 'c2', parent: 's1', start: 4, dur: 30, service: LONG_CHECKOUT, kind: 'client', status: 'error' },
      { id: 's2', parent: 'c2', start: 5, dur: 28, service: 'payments', kind: 'server', status: 'error' },
      { id: 'c3', parent: 's2', start: 6, dur: 5, service: 'payments', kind: 'client', attrs: { 'db.system': 'postgresql' } },
      { id: 'c4', parent: 's2', start: 12, dur: 8, service: 'payments', kind: 'client' },
      { id: 's4', parent: 'c4', start: 13, dur: 6, service: LONG_CHECKOUT, kind: 'server' },
      { id: 'i1', parent: 's1', start: 40, dur: 10, service: LONG_CHECKOUT },
      { id: 'l1', parent: 'i1', start: 41, dur: 8, service: 'legacy-inventory' },
      { id: 'c5', parent: 'r', start: 70, dur: 20, service: LONG_FRONTEND, kind: 'client', status: 'error', attrs: { 'peer.service': 'stripe' } },
      { id: 'o1', parent: 'gone', start: 50, dur: 10, service: 'reports' },
      { id: 'c6', parent: 'o1', start: 51, dur: 4, service: 'reports', kind: 'client', attrs: { 'server.address': 's3.amazonaws.com' } },
    ]),
    trace('2', [
      { id: 'r', start: 0, dur: 10, service: 'cron' },
      { id: 'c', parent: 'r', start: 1, dur: 2, service: 'cron', kind: 'client' },
    ]),
    trace('3', [{ id: 'r', start: 0, dur: 10, service: 'cron' }]),
  ]);
}

const demoMap = async (): Promise<DependencyMap> => dependencyMap(await loadFixture(DEMO_FORMATS.otlp));
const widest = (text: string): number => Math.max(...text.split('\n').map((l) => l.length));

describe('renderDepsTree', () => {
  it.each([80, 160])('draws the demo map at %i columns', async (width) => {
    const text = renderDepsTree(await demoMap(), plain(width));
    await expect(text).toMatchFileSnapshot(`./__golden__/deps-tree-${width}.txt`);
    expect(widest(text)).toBeLessThanOrEqual(width);
    expect(text).toContain('gateway (entry)\n');
    expect(text).toMatch(/^│ {3}│ {3}└─→ openai \(uninstrumented\) +48 +8\.3% +1\.2s +5\.93s$/m);
    // llm-api is expanded under rag-service (more calls there first), referenced from the gateway.
    expect(text.match(/→ llm-api/g)).toHaveLength(2);
    expect(text).toMatch(/^├─→ llm-api \(↑ above\) +23 +8\.7%/m);
    // The dialect traces: the agent service and its uninstrumented provider, vLLM under rag-service.
    expect(text).toMatch(/^└─→ agent-service +5 +0%/m);
    expect(text).toMatch(/^ {4}└─→ anthropic \(uninstrumented\) +9 +11%/m);
    expect(text).toMatch(/^│ {3}└─→ vllm +2 +0%/m);
    expect(text).not.toContain('\u001b[');
  });

  it.each([80, 160])('draws cycles, inferred edges, unreached callers and isolated services at %i columns', async (width) => {
    const text = renderDepsTree(casesMap(), plain(width));
    await expect(text).toMatchFileSnapshot(`./__golden__/deps-tree-cases-${width}.txt`);
    expect(widest(text)).toBeLessThanOrEqual(width);
    const lines = text.split('\n');
    expect(lines.slice(0, 2)).toEqual(['3 traces · 6 services · 3 uninstrumented peers · 7 edges', '1 client call to an unnamed peer is not shown']);
    // The cycle checkout → payments → checkout ends in a reference.
    expect(lines.filter((l) => l.includes('→ payments'))).toHaveLength(1);
    expect(lines.some((l) => /→ checkout-\S+ (\(↑ above\)|↑)/.test(l))).toBe(true);
    // reports is reached by no entry but still shown, as a root without "(entry)".
    expect(lines).toContain('reports');
    // cron calls nobody anyone can name: it comes last, after every caller.
    expect(lines.at(-2)).toBe('cron (entry)');
    // Where a line is too long, the note shortens and the name is cut; at 160 nothing is.
    if (width === 160) expect(text).toContain(`├─→ ${LONG_CHECKOUT} (↑ above)  `);
    else expect(text).toContain('├─→ checkout-service-v2-canary-eu-west-1-pr… ↑  ');
  });

  it('keeps full names when piped', () => {
    const text = renderDepsTree(casesMap(), { color: false, width: 120, tty: false });
    expect(text).toContain(`${LONG_CHECKOUT} (↑ above)`);
    expect(text).toContain('legacy-inventory (inferred)');
  });

  it('terminates on a cycle and expands each service once', () => {
    // a → b → c → a, each a client/server pair.
    const hop = (from: string, to: string, n: number, parent: string): SpanSketch[] => [
      { id: `c${n}`, parent, start: n, dur: 10, service: from, kind: 'client' },
      { id: `s${n}`, parent: `c${n}`, start: n, dur: 9, service: to, kind: 'server' },
    ];
    const map = dependencyMap([
      trace('1', [{ id: 'r', start: 0, dur: 50, service: 'a', kind: 'server' }, ...hop('a', 'b', 1, 'r'), ...hop('b', 'c', 2, 's1'), ...hop('c', 'a', 3, 's2')]),
    ]);
    const text = renderDepsTree(map, plain(80));
    expect(text.split('\n').slice(3).join('\n')).toMatch(/^a \(entry\)\n└─→ b +1 .*\n {4}└─→ c +1 .*\n {8}└─→ a \(↑ above\) +1 .*\n$/);
  });

  it('abbreviates the guides of a long call chain so lines stay short', () => {
    const sketches: SpanSketch[] = [{ id: 'r', start: 0, dur: 100, service: 's0', kind: 'server' }];
    for (let i = 1; i <= 40; i++) {
      sketches.push({ id: `c${i}`, parent: i === 1 ? 'r' : `s${i - 1}`, start: i, dur: 50, service: `s${i - 1}`, kind: 'client' });
      sketches.push({ id: `s${i}`, parent: `c${i}`, start: i, dur: 49, service: `s${i}`, kind: 'server' });
    }
    const text = renderDepsTree(dependencyMap([trace('1', sketches)]), plain(80));
    expect(text).toContain('┆');
    expect(text).toContain('→ s40 ');
    expect(widest(text)).toBeLessThanOrEqual(80);
  });

  it('draws the guides of the levels it shows past the abbreviation from their own siblings', () => {
    // s0 → s1 → … → s12, and s7 also calls x (once, so after s8, called twice): s8, at level 8,
    // is not the last of its siblings. The line of s12 hides levels 1-5 (┆5┆) and draws 6-11,
    // with the bar of level 8 still open.
    const chain = (withX: boolean): SpanSketch[] => {
      const sketches: SpanSketch[] = [{ id: 'r', start: 0, dur: 100, service: 's0', kind: 'server' }];
      for (let i = 1; i <= 12; i++) {
        sketches.push({ id: `c${i}`, parent: i === 1 ? 'r' : `s${i - 1}`, start: i, dur: 50, service: `s${i - 1}`, kind: 'client' });
        sketches.push({ id: `s${i}`, parent: `c${i}`, start: i, dur: 49, service: `s${i}`, kind: 'server' });
      }
      if (withX) sketches.push({ id: 'cx', parent: 's7', start: 8, dur: 5, service: 's7', kind: 'client' }, { id: 'sx', parent: 'cx', start: 8, dur: 4, service: 'x', kind: 'server' });
      return sketches;
    };
    const text = renderDepsTree(dependencyMap([trace('1', chain(true)), trace('2', chain(false))]), plain(200));
    const line = text.split('\n').find((l) => l.includes('→ s12 '))!;
    expect(line.startsWith(`┆5┆ ${'    '.repeat(2)}│   ${'    '.repeat(3)}└─→ s12 `)).toBe(true);
    const xLine = text.split('\n').find((l) => l.includes('→ x '))!;
    expect(xLine.startsWith(`${'    '.repeat(7)}└─→ x `)).toBe(true);
  });

  it('colours error shares only when asked', async () => {
    const map = await demoMap();
    expect(renderDepsTree(map, { color: true, width: 100, tty: true })).toContain('\u001b[31m8.7%');
    expect(renderDepsTree(map, plain(100))).not.toContain('\u001b[');
  });

  it('says so when no trace was selected', () => {
    expect(renderDepsTree(dependencyMap([]), plain(80))).toBe('no traces match\n');
  });
});

describe('renderMermaid and renderDot', () => {
  it('draw the demo map', async () => {
    const map = await demoMap();
    const mermaid = renderMermaid(map);
    const dot = renderDot(map);
    await expect(mermaid).toMatchFileSnapshot('./__golden__/deps-mermaid.txt');
    await expect(dot).toMatchFileSnapshot('./__golden__/deps-dot.txt');
    expect(mermaid).toMatch(/^flowchart LR\n/);
    expect(mermaid).toContain('  svc_openai(["openai"])\n');
    expect(mermaid).toContain('  svc_gateway -->|"51 calls, 0% err"| svc_usage_worker\n');
    expect(dot).toMatch(/^digraph dependencies \{\n[\s\S]*\}\n$/);
    expect(dot).toContain('  svc_postgresql [label="postgresql", shape=ellipse, style=dashed];\n');
    expect(dot).toContain('  svc_llm_api -> svc_openai [label="48 calls, 8.3% err", tooltip="p50 1.2s, p95 5.93s"];\n');
  });

  it('draw inferred edges dotted, peers and entries distinct', async () => {
    const map = casesMap();
    await expect(renderMermaid(map)).toMatchFileSnapshot('./__golden__/deps-mermaid-cases.txt');
    await expect(renderDot(map)).toMatchFileSnapshot('./__golden__/deps-dot-cases.txt');
    expect(renderMermaid(map)).toContain(' -.->|"1 call, 0% err"| svc_legacy_inventory\n');
    expect(renderDot(map)).toContain('-> svc_legacy_inventory [label="1 call, 0% err", tooltip="p50 8ms, p95 8ms", style=dashed];');
  });

  it('are the same text whatever order the traces came in', async () => {
    const traces = await loadFixture(DEMO_FORMATS.otlp);
    const map = dependencyMap(traces);
    const reversed = dependencyMap([...traces].reverse());
    expect(renderMermaid(reversed)).toBe(renderMermaid(map));
    expect(renderDot(reversed)).toBe(renderDot(map));
  });

  it('give distinct ids to names that sanitize alike, keywords included', () => {
    const map = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 10, service: 'end', kind: 'server' },
        { id: 'a', parent: 'r', start: 1, dur: 1, service: 'a-b' },
        { id: 'b', parent: 'r', start: 2, dur: 1, service: 'a_b' },
        { id: 'c', parent: 'r', start: 3, dur: 1, service: 'a.b' },
      ]),
    ]);
    const ids = [...renderMermaid(map).matchAll(/^ {2}(\w+)\[/gm)].map((m) => m[1]);
    expect(ids).toEqual(['svc_a_b', 'svc_a_b_2', 'svc_a_b_3', 'svc_end']);
  });
});

describe('hostile service names', () => {
  const map = dependencyMap([
    trace('1', [
      { id: 'r', start: 0, dur: 10, service: 'gw', kind: 'server' },
      { id: 'c', parent: 'r', start: 1, dur: 4, service: 'gw', kind: 'client' },
      { id: 's', parent: 'c', start: 2, dur: 2, service: HOSTILE, kind: 'server' },
      { id: 'd', parent: 's', start: 2, dur: 1, service: HOSTILE, kind: 'client', attrs: { 'db.system': 'a\\"b&c' } },
    ]),
  ]);

  it('cannot break out of a Mermaid label', () => {
    const labels = parseMermaid(renderMermaid(map));
    expect([...labels.values()].sort()).toEqual(['a\\"b&c', cleanText(HOSTILE), 'gw'].sort());
  });

  it('cannot break out of a DOT string', () => {
    const labels = parseDot(renderDot(map));
    expect([...labels.values()].sort()).toEqual(['a\\"b&c', cleanText(HOSTILE), 'gw'].sort());
  });

  it('prints no control characters in the tree', () => {
    const text = renderDepsTree(map, { color: false, width: 200, tty: false });
    expect(text).not.toMatch(UNPRINTABLE);
    expect(text.split('\n')).toHaveLength(3 + 3 + 1);
  });

  it('keeps a 2 MB name to a bounded label everywhere', () => {
    const huge = 'x'.repeat(2_000_000);
    const big = dependencyMap([
      trace('1', [
        { id: 'r', start: 0, dur: 10, service: 'gw', kind: 'server' },
        { id: 'c', parent: 'r', start: 1, dur: 4, service: 'gw', kind: 'client', attrs: { 'peer.service': huge } },
      ]),
    ]);
    for (const text of [renderMermaid(big), renderDot(big), renderDepsTree(big, { color: false, width: 120, tty: false })]) {
      expect(text.length).toBeLessThan(2_000);
    }
  });
});

describe('depsJson', () => {
  it('leads with the contract fields, then ours', async () => {
    const body = depsJson(await demoMap()) as { services: object[]; edges: object[] };
    expect(Object.keys(body)).toEqual(['traces', 'services', 'edges', 'unresolvedCalls']);
    expect(Object.keys(body.services[0]!)).toEqual(['name', 'spans', 'errors', 'entry', 'virtual']);
    expect(Object.keys(body.edges[0]!)).toEqual(['from', 'to', 'calls', 'errors', 'p50Ms', 'p95Ms', 'kind', 'virtual', 'inferred', 'connectionType', 'broker', 'traces', 'callsPerTrace']);
    expect(body.edges.find((e) => (e as { to: string }).to === 'postgresql' && (e as { from: string }).from === 'vector-store')).toEqual({
      from: 'vector-store',
      to: 'postgresql',
      // 50 SELECTs in the 27 earlier asks (one in each of the 4 that timed out), 4 in the 2 asks
      // on vLLM; the median
      // of the 54 durations in the generator's model: (53.974 + 54.655) / 2.
      calls: 54,
      errors: 0,
      p50Ms: 54.3145,
      p95Ms: expect.any(Number),
      kind: 'virtual',
      virtual: true,
      inferred: false,
      connectionType: 'database',
      broker: null,
      traces: 29,
      callsPerTrace: 1.862,
    });
  });
});
