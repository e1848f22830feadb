import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ShowSpanJson } from '../../src/report/json-contract.js';
import { runCli } from '../helpers/cli.js';

const DEMO = 'fixtures/demo/llm-gateway.otlp.jsonl';
const SLOWEST = 'c54f2723e9f99318a2801aebd7457eb1';
const HOTROD = 'fixtures/otlp/hotrod-dispatch.json';
const HOTROD_ID = 'fe65c5beefbe4e96119efbba3da07e99';

type ShowSpan = ShowSpanJson;

const tmp = (name: string, content: string | Buffer): string => {
  const dir = mkdtempSync(join(tmpdir(), 'tracectl-'));
  writeFileSync(join(dir, name), content);
  return join(dir, name);
};

describe('tracectl show', () => {
  it('prints the waterfall of the slowest demo trace with the slow SELECT on the critical path', async () => {
    const run = await runCli(['show', SLOWEST, DEMO]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe(`trace ${SLOWEST}  2026-11-01 10:47:08Z  9.55s  20 spans  7 services  0 errors`);
    const select = lines.find((l) => l.includes('SELECT') && l.includes('7.44s'));
    expect(select).toMatch(/^◆ /);
    // The fast parallel search is not on the path.
    const fastSearch = lines.find((l) => l.includes('SELECT') && l.includes('23.6ms'));
    expect(fastSearch).toMatch(/^ {2}/);
  });

  it('follows the JSON contract', async () => {
    const run = await runCli(['show', SLOWEST, DEMO, '--json']);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as { schema: string; traceId: string; durationMs: number; spanCount: number; services: string[]; warnings: unknown[]; spans: ShowSpan[] };
    expect(body).toMatchObject({ schema: 'tracectl/v1', traceId: SLOWEST, durationMs: 9551.749, spanCount: 20, warnings: [] });
    expect(body.services).toHaveLength(7);
    const root = body.spans[0]!;
    expect(root).toMatchObject({ parentSpanId: null, service: 'gateway', name: 'POST /v1/ask', kind: 'server', startMs: 0, depth: 0, status: 'unset', critical: true });
    for (const span of body.spans) {
      expect(Object.keys(span)).toEqual(expect.arrayContaining(['spanId', 'parentSpanId', 'service', 'name', 'kind', 'startMs', 'durationMs', 'selfMs', 'depth', 'status', 'critical', 'attributes']));
    }
    // Tree order: every span's parent comes before it.
    const seen = new Set<string>();
    for (const span of body.spans) {
      if (span.parentSpanId !== null) expect(seen.has(span.parentSpanId)).toBe(true);
      seen.add(span.spanId);
    }
  });

  it('finds a trace under every spelling of its id that find lists: short, padded, mixed case', async () => {
    const span = (traceId: string) => JSON.stringify([{ traceId, id: '1', name: 'x', timestamp: 1700000000000000, duration: 5, localEndpoint: { serviceName: 's' } }]);
    const short = tmp('short.json', `${span('abc123')}\n`);
    for (const id of ['abc123', 'ABC123', '0000000000abc123', '00000000000000000000000000abc123']) {
      const run = await runCli(['show', id, short, '--json']);
      expect(run.code, id).toBe(0);
      expect(JSON.parse(run.stdout).traceId).toBe('00000000000000000000000000abc123');
    }
    const mixed = tmp('mixed.json', `${span('ABCdef0123456789aBcDeF0123456789')}\n`);
    const run = await runCli(['show', 'abcdef0123456789abcdef0123456789', mixed, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).traceId).toBe('abcdef0123456789abcdef0123456789');
    const low = await runCli(['show', 'ABCDEF0123456789', mixed, '--json']);
    expect(JSON.parse(low.stdout).traceId).toBe('abcdef0123456789abcdef0123456789');
  });

  it('accepts the id in upper case and in its 16-digit form', async () => {
    const upper = await runCli(['show', SLOWEST.toUpperCase(), DEMO, '--json']);
    expect(JSON.parse(upper.stdout).traceId).toBe(SLOWEST);
    const yelp = await runCli(['show', 'a03ee8fff1dcd9b9', 'fixtures/zipkin/yelp-trace.json', '--json']);
    expect(yelp.code).toBe(0);
    expect(JSON.parse(yelp.stdout).traceId).toBe('0000000000000000a03ee8fff1dcd9b9');
  });

  it('collapses the 13 sequential GetDriver calls unless --expand', async () => {
    const collapsed = await runCli(['show', HOTROD_ID, HOTROD]);
    expect(collapsed.stdout).toMatch(/×13 GetDriver 6\.3ms–33\.5ms, 3 failed/);
    const expanded = await runCli(['show', HOTROD_ID, HOTROD, '--expand']);
    expect(expanded.stdout.split('\n').filter((l) => / GetDriver /.test(l))).toHaveLength(13);
  });

  it('limits the tree with --depth and counts what it hid', async () => {
    const run = await runCli(['show', SLOWEST, DEMO, '--depth', '1']);
    const spanLines = run.stdout.split('\n').filter((l) => /^[◆ ] \S/.test(l) && !l.includes('SPAN') && !l.includes('on the critical path'));
    expect(spanLines).toHaveLength(1);
    expect(spanLines[0]).toContain('POST /v1/ask (+19)');
  });

  it('prints attributes and events with --attrs', async () => {
    const run = await runCli(['show', HOTROD_ID, HOTROD, '--attrs', '--expand']);
    expect(run.stdout).toMatch(/db\.system\.name = redis/);
  });

  it('marks error spans with their message', async () => {
    const run = await runCli(['show', HOTROD_ID, HOTROD, '--expand']);
    expect(run.stdout).toMatch(/✗ .+/);
    expect(run.stdout.split('\n')[0]).toContain('3 errors');
  });

  it('ends with exit 3 and one sentence when the trace is not there', async () => {
    const run = await runCli(['show', '0123456789abcdef0123456789abcdef', DEMO]);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`tracectl: trace 0123456789abcdef0123456789abcdef not found in ${DEMO}; check the id, or run "tracectl find" to list the traces there\n`);
  });

  it('rejects something that is not a trace id with exit 2', async () => {
    const run = await runCli(['show', 'not-an-id', DEMO]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/is not a trace id/);
  });

  it('ends with exit 3 naming a missing file, with no stack trace', async () => {
    const run = await runCli(['show', SLOWEST, 'does/not/exist.json']);
    expect(run).toEqual({ code: 3, stdout: '', stderr: 'tracectl: cannot read does/not/exist.json: no such file or directory\n' });
  });

  it('reports errors as JSON too with --json', async () => {
    const run = await runCli(['show', SLOWEST, 'does/not/exist.json', '--json']);
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout)).toEqual({ schema: 'tracectl/v1', error: { code: 3, message: 'cannot read does/not/exist.json: no such file or directory' } });
  });

  it('adds the stack trace only with --verbose', async () => {
    const run = await runCli(['show', SLOWEST, '{', '--verbose', '--input-format', 'otlp-json']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/\n\s+at /);
  });

  it('strips escape sequences and control characters from trace text, and --json escapes them', async () => {
    const hostile = '\u001b]0;pwned\u0007\u001b[31mred\u001b[0m\rover\u202Eevil\u0000';
    const line = JSON.stringify({
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc${hostile}` } }] },
        scopeSpans: [{ spans: [{
          traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: `op${hostile}`, kind: 2,
          startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000',
          status: { code: 2, message: `boom${hostile}` },
          attributes: [{ key: 'note', value: { stringValue: hostile } }, { key: 'huge', value: { stringValue: 'x'.repeat(20_000_000) } }],
        }] }],
      }],
    });
    const file = tmp('hostile.jsonl', line);
    const text = await runCli(['show', '0af7651916cd43dd8448eb211c80319c', file, '--attrs']);
    expect(text.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(text.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    // A carriage return becomes a space: it would otherwise overwrite the start of the line.
    expect(text.stdout).toContain('opred overevil');
    expect(text.stdout).toContain('boomred overevil');
    expect(text.stdout.length).toBeLessThan(10_000);
    expect(text.stdout).toMatch(/x… \(20,000,000 chars\)/);
    const json = await runCli(['show', '0af7651916cd43dd8448eb211c80319c', file, '--json']);
    const body = JSON.parse(json.stdout) as { spans: ShowSpan[] };
    expect(body.spans[0]!.name).toBe(`op${hostile}`);
    expect(json.stdout).not.toContain('\u001b');
  });

  it('shows a 60,000-deep chain', async () => {
    const spans = [];
    for (let i = 1; i <= 60_000; i++) {
      spans.push({
        traceId: '0af7651916cd43dd8448eb211c80319c', spanId: i.toString(16).padStart(16, '0'),
        parentSpanId: i === 1 ? '' : (i - 1).toString(16).padStart(16, '0'), name: `level ${i}`,
        startTimeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i)), endTimeUnixNano: String(1_700_000_000_100_000_000n - BigInt(i)),
      });
    }
    const file = tmp('deep.json', JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans }] }] }));
    const run = await runCli(['show', '0af7651916cd43dd8448eb211c80319c', file, '--json']);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as { spans: ShowSpan[] };
    expect(body.spans.at(-1)!.depth).toBe(59_999);
    expect(body.spans.every((s) => s.critical)).toBe(true);
    const text = await runCli(['show', '0af7651916cd43dd8448eb211c80319c', file]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('level 60000');
  });
});
