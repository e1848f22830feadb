import { it, expect } from 'vitest';
import { Readable } from 'node:stream';
import { loadTraces } from '../../src/sources/load.js';
import { bottlenecks } from '../../src/analyze/bottlenecks.js';
import { cacheEffectiveness } from '../../src/analyze/cache.js';
import { REPO_ROOT } from '../helpers/cli.js';
import type { Io } from '../../src/io.js';
const io: Io = { stdout: { write: () => {}, isTTY: false }, stderr: { write: () => {}, isTTY: false }, stdin: Readable.from([]) as Io['stdin'], env: {}, cwd: REPO_ROOT, now: () => new Date() };
it('cmp', async () => {
  const r: unknown[] = [];
  for (const f of ['otlp.jsonl', 'jaeger.json', 'zipkin.json']) {
    const { traces, warnings } = await loadTraces({ sources: [`fixtures/demo/llm-gateway.${f}`] }, io);
    console.log(f, traces.length, warnings);
    r.push([bottlenecks(traces, { bands: true }), cacheEffectiveness(traces)]);
  }
  const round = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v)));
  expect(round(r[1])).toEqual(round(r[0]));
  expect(round(r[2])).toEqual(round(r[0]));
});
