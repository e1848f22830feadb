import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { runCli } from '../helpers/cli.js';

const DEMO = 'fixtures/demo/llm-gateway.otlp.jsonl';
const SLOWEST = 'c54f2723e9f99318a2801aebd7457eb1';
const NO_COLOR = { NO_COLOR: '1' };

// Measured independently of the code under test: string-width, colour codes left out.
const visibleLength = (line: string): number => stringWidth(line);
const widest = (text: string): number => Math.max(...text.split('\n').map(visibleLength));

/**
 * One trace with long and wide names: a 70-character span name, a 30-character service, a
 * CJK name (each character two columns), an emoji and an error message under a span.
 *
 *   root  [==========================================] 100ms
 *     ├─ long   [====================]                  50ms
 *     └─ 查询   [=====================]                 50ms (error)
 */
function wideNamesFile(): string {
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const cjkTrace = '1af7651916cd43dd8448eb211c80319c';
  const nano = (ms: number): string => String(1_700_000_000_000_000_000n + BigInt(ms) * 1_000_000n);
  const span = (spanId: string, parent: string, name: string, start: number, end: number, extra = {}): object => ({
    traceId, spanId, parentSpanId: parent, name, kind: 2, startTimeUnixNano: nano(start), endTimeUnixNano: nano(end), ...extra,
  });
  const body = {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'recommendation-engine-frontend' } }] },
      scopeSpans: [{ spans: [
        span('0000000000000001', '', 'GET /api/v2/recommendations 🚀', 0, 100),
        span('0000000000000002', '0000000000000001', `fetch_candidate_items_from_the_feature_store_${'x'.repeat(25)}`, 0, 50),
        span('0000000000000003', '0000000000000001', '查询用户订单服务的推荐结果', 50, 100, { status: { code: 2, message: `下游超时：${'失败'.repeat(40)}` } }),
      ] }],
    }, {
      // A second trace whose root and service are all wide characters (for find).
      resource: { attributes: [{ key: 'service.name', value: { stringValue: '推荐服务前端网关' } }] },
      scopeSpans: [{ spans: [{ ...span('0000000000000004', '', '查询用户订单服务的推荐结果和库存信息', 0, 80), traceId: cjkTrace }] }],
    }],
  };
  const dir = mkdtempSync(join(tmpdir(), 'tracectl-widths-'));
  writeFileSync(join(dir, 'wide.json'), JSON.stringify(body));
  return join(dir, 'wide.json');
}

describe('widths', () => {
  it('show fits every width from 40 to 200, on the demo and on wide names (display width, CJK as two)', async () => {
    const wide = wideNamesFile();
    for (let width = 40; width <= 200; width++) {
      const demo = await runCli(['show', SLOWEST, DEMO], { tty: width, env: NO_COLOR });
      expect(demo.code).toBe(0);
      expect(widest(demo.stdout), `demo at ${width}`).toBeLessThanOrEqual(width);
      const names = await runCli(['show', '0af7651916cd43dd8448eb211c80319c', wide], { tty: width, env: NO_COLOR });
      expect(widest(names.stdout), `wide names at ${width}`).toBeLessThanOrEqual(width);
    }
  });

  it("show's time-axis header ends with the whole duration at 62–90 columns (the s of 9.55s wrapped at 80)", async () => {
    for (let width = 62; width <= 90; width++) {
      const run = await runCli(['show', SLOWEST, DEMO], { tty: width, env: NO_COLOR });
      const header = run.stdout.split('\n').find((l) => l.startsWith('  SPAN'))!;
      expect(header.endsWith(' 9.55s'), `at ${width}: ${header}`).toBe(true);
      expect(visibleLength(header)).toBeLessThanOrEqual(width);
    }
  });

  it('gives names the room on a wide terminal: 70-character span names and a 30-character service whole at 200', async () => {
    const wide = wideNamesFile();
    const run = await runCli(['show', '0af7651916cd43dd8448eb211c80319c', wide], { tty: 200, env: NO_COLOR });
    expect(run.stdout).toContain(`fetch_candidate_items_from_the_feature_store_${'x'.repeat(25)} recommendation-engine-frontend`);
    expect(run.stdout).toContain('查询用户订单服务的推荐结果');
    // At 80 the same names are cut, marked with an ellipsis.
    const narrow = await runCli(['show', '0af7651916cd43dd8448eb211c80319c', wide], { tty: 80, env: NO_COLOR });
    expect(narrow.stdout).not.toContain('x'.repeat(25));
    expect(narrow.stdout).toContain(' recommendat… ');
    expect(narrow.stdout).not.toContain('recommendation-engine-frontend');
  });

  it('honours --width and COLUMNS when piped, and keeps 120 with whole values without them', async () => {
    const terminal = await runCli(['show', SLOWEST, DEMO], { tty: 90, env: NO_COLOR });
    const flag = await runCli(['show', SLOWEST, DEMO, '--width', '90']);
    const env = await runCli(['show', SLOWEST, DEMO], { env: { COLUMNS: '90' } });
    expect(flag.stdout).toBe(terminal.stdout);
    expect(env.stdout).toBe(terminal.stdout);
    // --width wins over COLUMNS, and over the terminal's own width.
    expect(widest((await runCli(['show', SLOWEST, DEMO, '--width', '70'], { tty: 150, env: { COLUMNS: '100' } })).stdout)).toBe(70);
    const piped = await runCli(['show', SLOWEST, DEMO]);
    expect(widest(piped.stdout)).toBe(120);
    const find = await runCli(['find', DEMO, '--limit', '3', '--width', '80']);
    expect(widest(find.stdout)).toBeLessThanOrEqual(80);
    expect(find.stdout.split('\n')[0]).toContain('START');
  });

  it('rejects a --width that is not a number of columns', async () => {
    const run = await runCli(['show', SLOWEST, DEMO, '--width', 'wide']);
    expect(run).toMatchObject({ code: 2, stdout: '' });
    expect(run.stderr).toBe('tracectl: --width "wide" is not a whole number from 1 to 1000\n');
  });

  it('find keeps its START column at 80 to 100 columns (the span count gives way first)', async () => {
    for (let width = 80; width <= 100; width++) {
      const run = await runCli(['find', DEMO, '--limit', '5'], { tty: width, env: NO_COLOR });
      const [header, first] = run.stdout.split('\n');
      expect(header, `at ${width}`).toMatch(/^TRACE ID +SERVICE +OPERATION +START +DURATION/);
      // The demo's traces all start on 2026-11-01: the time of day says enough.
      expect(first).toMatch(/ 1\d:\d\d:\d\d /);
      expect(widest(run.stdout)).toBeLessThanOrEqual(width);
    }
    // Wide characters count two columns in the table too: the CJK service and root name are cut to fit.
    const wide = wideNamesFile();
    for (const width of [80, 90, 100]) {
      const cjk = await runCli(['find', wide], { tty: width, env: NO_COLOR });
      expect(widest(cjk.stdout), `wide names at ${width}`).toBeLessThanOrEqual(width);
      expect(cjk.stdout).toContain('1af7651916cd43dd8448eb211c80319c');
    }
    const full = await runCli(['find', DEMO, '--limit', '5'], { tty: 110, env: NO_COLOR });
    expect(full.stdout.split('\n')[0]).toMatch(/^TRACE ID +ROOT SERVICE +ROOT OPERATION +START \(UTC\) +DURATION +SPANS +ERRORS$/);
  });
});
