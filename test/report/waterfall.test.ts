import { describe, expect, it } from 'vitest';
import { viewTrace } from '../../src/analyze/trace-view.js';
import { buildTrace } from '../../src/model/build-trace.js';
import { renderWaterfall } from '../../src/report/waterfall.js';
import { runCli } from '../helpers/cli.js';
import { records } from '../helpers/spans.js';

const plain = (width: number) => ({ color: false, width, tty: true });

describe('renderWaterfall', () => {
  // 0    10        40   50        70        90   100
  // root |==========================================|  gateway
  //  A        |=========|                               cache, on the path 10-40
  //  B        |=============================|           overlapped by C: off the path
  //  C                       |====================|     llm, on the path 50-90, failed
  const trace = buildTrace('1'.padStart(32, '0'), records([
    { id: 'r', start: 0, dur: 100, name: 'POST /v1/chat', service: 'gateway', kind: 'server' },
    { id: 'a', parent: 'r', start: 10, dur: 30, name: 'cache_lookup', service: 'gateway' },
    { id: 'b', parent: 'r', start: 10, dur: 60, name: 'audit', service: 'gateway' },
    { id: 'c', parent: 'r', start: 50, dur: 40, name: 'llm_completion', service: 'llm-api', kind: 'client', status: 'error', message: 'rate limited' },
  ]));

  it.each([80, 160])('draws a hand-built trace at %i columns', async (width) => {
    const text = renderWaterfall(viewTrace(trace), {}, plain(width));
    await expect(text).toMatchFileSnapshot(`./__golden__/waterfall-hand-${width}.txt`);
    const lines = text.split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(width);
    expect(lines.find((l) => l.includes('audit'))).toMatch(/^ {2}/);
    expect(lines.find((l) => l.includes('cache_lookup'))).toMatch(/^◆ /);
    expect(text).toContain('✗ rate limited');
  });

  it('colours only when asked', () => {
    expect(renderWaterfall(viewTrace(trace), {}, plain(100))).not.toContain('\u001b[');
    expect(renderWaterfall(viewTrace(trace), {}, { color: true, width: 100, tty: true })).toContain('\u001b[31m');
  });

  it.each([
    ['demo-slowest', 'c54f2723e9f99318a2801aebd7457eb1', 'fixtures/demo/llm-gateway.otlp.jsonl'],
    ['hotrod', 'fe65c5beefbe4e96119efbba3da07e99', 'fixtures/otlp/hotrod-dispatch.json'],
    ['yelp', 'a03ee8fff1dcd9b9', 'fixtures/zipkin/yelp-trace.json'],
  ])('draws %s at 80 and 160 columns', async (name, id, file) => {
    for (const width of [80, 160]) {
      const run = await runCli(['show', id, file], { tty: width, env: { NO_COLOR: '1' } });
      expect(run.stderr).toBe('');
      await expect(run.stdout).toMatchFileSnapshot(`./__golden__/waterfall-${name}-${width}.txt`);
    }
  });

  it('colour follows --color, then NO_COLOR, then FORCE_COLOR, then the terminal', async () => {
    const args = ['show', 'fe65c5beefbe4e96119efbba3da07e99', 'fixtures/otlp/hotrod-dispatch.json'];
    const coloured = (run: { stdout: string }) => run.stdout.includes('\u001b[');
    expect(coloured(await runCli(args, { tty: 100 }))).toBe(true);
    expect(coloured(await runCli(args))).toBe(false);
    expect(coloured(await runCli(args, { tty: 100, env: { NO_COLOR: '1' } }))).toBe(false);
    expect(coloured(await runCli(args, { env: { FORCE_COLOR: '1' } }))).toBe(true);
    expect(coloured(await runCli([...args, '--color'], { env: { NO_COLOR: '1' } }))).toBe(true);
    expect(coloured(await runCli([...args, '--no-color'], { tty: 100 }))).toBe(false);
  });
});
