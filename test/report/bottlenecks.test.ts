import { describe, expect, it } from 'vitest';
import { bottlenecks } from '../../src/analyze/bottlenecks.js';
import { buildTrace } from '../../src/model/build-trace.js';
import { renderBottlenecks, shareBar } from '../../src/report/bottlenecks.js';
import type { RenderContext } from '../../src/report/style.js';
import { DEMO_FORMATS, loadFixture } from '../helpers/demo.js';
import { records } from '../helpers/spans.js';

const terminal = (width: number): RenderContext => ({ color: false, width, tty: true });
const demo = bottlenecks(await loadFixture(DEMO_FORMATS.otlp), { bands: true });
const { bands: _bands, ...withoutBands } = demo;

describe('renderBottlenecks', () => {
  it('renders the demo at 80 columns', async () => {
    const text = renderBottlenecks(withoutBands, { top: 15 }, terminal(80));
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    await expect(text).toMatchFileSnapshot('./__golden__/bottlenecks-80.txt');
  });

  it('renders the demo at 160 columns with every column', async () => {
    const text = renderBottlenecks(withoutBands, { top: 15 }, terminal(160));
    expect(text.split('\n')[0]).toMatch(/^SERVICE +OPERATION +CRITICAL +SHARE +ON PATH +COUNT +SELF p50 +SELF p95 +DUR p50 +DUR p95 +DUR p99$/);
    await expect(text).toMatchFileSnapshot('./__golden__/bottlenecks-160.txt');
  });

  it('renders the band comparison after the table', async () => {
    const text = renderBottlenecks(demo, { top: 6 }, terminal(80));
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(text).toContain('Critical-path mix, fastest 50% vs slowest 10% of traces');
    await expect(text).toMatchFileSnapshot('./__golden__/bottlenecks-bands-80.txt');
  });

  it('ends with a note of what was analyzed and how much is hidden', () => {
    const lines = renderBottlenecks(withoutBands, { top: 3 }, terminal(120)).trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    // 1m45s of the 63 earlier traces plus 21.9s of the 7 dialect traces; 13 operations more.
    expect(lines[4]).toBe('70 traces analyzed, 2m07s in total; showing 3 of 35 operations (--top N for more)');
  });

  it('keeps every column and full names, without bars, when piped', () => {
    const text = renderBottlenecks(withoutBands, { top: 15 }, { color: false, width: 120, tty: false });
    expect(text.split('\n')[0]).toContain('DUR p99');
    expect(text).not.toMatch(/[█▏▎▍▌▋▊▉]/);
    expect(text).toMatch(/^llm-api +llm_completion +1m18s +61% +100%/m);
  });

  it('colours only when asked', () => {
    expect(renderBottlenecks(withoutBands, { top: 3 }, terminal(120))).not.toContain('\u001b[');
    expect(renderBottlenecks(withoutBands, { top: 3 }, { ...terminal(120), color: true })).toContain('\u001b[36m█');
  });

  it('cleans span names of escape sequences and cuts long ones on a terminal', () => {
    const evil = `\u001b]0;pwned\u0007GET /\u001b[31mred\u202e${'x'.repeat(300)}`;
    const t = buildTrace('e'.padStart(32, '0'), records([{ id: 'r', start: 0, dur: 10, name: evil, service: 'svc\u001b[2J' }]));
    const text = renderBottlenecks(bottlenecks([t]), { top: 5 }, terminal(100));
    for (const c of ['\u001b', '\u0007', '\u202e']) expect(text).not.toContain(c);
    expect(text).toContain('GET /red');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('says so when there is nothing to analyze, or no second trace to compare', () => {
    expect(renderBottlenecks(bottlenecks([]), { top: 5 }, terminal(80))).toBe('no traces to analyze\n');
    const one = buildTrace('1'.padStart(32, '0'), records([{ id: 'r', start: 0, dur: 10 }]));
    expect(renderBottlenecks(bottlenecks([one], { bands: true }), { top: 5 }, terminal(80))).toContain('needs at least 2 traces');
  });
});

describe('shareBar', () => {
  it('draws ten cells in eighths', () => {
    expect(shareBar(1)).toBe('██████████');
    expect(shareBar(0.5)).toBe('█████     ');
    expect(shareBar(0.0125)).toBe('▏         ');
    expect(shareBar(0)).toBe('          ');
    expect(shareBar(NaN)).toBe('          ');
  });
});
