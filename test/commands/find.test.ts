import { mkdtempSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../helpers/cli.js';

const DEMO = 'fixtures/demo/llm-gateway.otlp.jsonl';
const manifest = JSON.parse(readFileSync(new URL('../../fixtures/demo/manifest.json', import.meta.url), 'utf8')) as {
  traceCount: number;
  slowestTraces: { traceId: string; durationMs: number }[];
  failedTraceIds: string[];
  scenarios: Record<string, number>;
};

interface FindRow {
  traceId: string;
  rootService: string;
  rootName: string;
  start: string;
  durationMs: number;
  spanCount: number;
  errorCount: number;
}

async function findJson(args: string[]): Promise<FindRow[]> {
  const run = await runCli(['find', ...args, '--json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const body = JSON.parse(run.stdout) as { schema: string; traces: FindRow[] };
  expect(body.schema).toBe('tracectl/v1');
  return body.traces;
}

describe('tracectl find', () => {
  it('lists the slowest traces first, as the generator made them', async () => {
    const rows = await findJson(['--slow', '3', DEMO]);
    expect(rows.map((r) => [r.traceId, r.durationMs])).toEqual(manifest.slowestTraces.map((t) => [t.traceId, t.durationMs]));
    expect(Object.keys(rows[0]!)).toEqual(['traceId', 'rootService', 'rootName', 'start', 'durationMs', 'spanCount', 'errorCount', 'llmCalls', 'tokens', 'costUsd', 'unpricedCalls']);
    expect(rows[0]!.start).toBe('2026-11-01T10:47:08.100Z');
  });

  it('takes a file right after --slow as a source, not as the count', async () => {
    const rows = await findJson(['--slow', DEMO]);
    expect(rows).toHaveLength(10);
    expect(rows[0]!.traceId).toBe(manifest.slowestTraces[0]!.traceId);
  });

  it('lists the newest 20 by default, and --limit changes that', async () => {
    const rows = await findJson([DEMO]);
    expect(rows).toHaveLength(20);
    expect([...rows].sort((a, b) => b.start.localeCompare(a.start))).toEqual(rows);
    expect(await findJson([DEMO, '--limit', '100'])).toHaveLength(manifest.traceCount);
  });

  it('--errors keeps traces with an error span; failed traces are among them', async () => {
    const rows = await findJson([DEMO, '--errors', '--limit', '100']);
    expect(rows.every((r) => r.errorCount > 0)).toBe(true);
    expect(rows.map((r) => r.traceId)).toEqual(expect.arrayContaining(manifest.failedTraceIds));
  });

  it('filters on service, operation and duration', async () => {
    const ask = await findJson([DEMO, '--operation', 'POST /v1/ask', '--limit', '100']);
    expect(ask.length).toBeGreaterThan(0);
    expect(ask.every((r) => r.rootName === 'POST /v1/ask')).toBe(true);
    // Every /v1/ask reaches the reranker except the 4 whose vector search timed out first.
    const reranked = await findJson([DEMO, '--service', 'reranker', '--limit', '100']);
    expect(reranked.every((r) => ask.some((a) => a.traceId === r.traceId))).toBe(true);
    expect(ask.length - reranked.length).toBe(manifest.scenarios['ask-search-timeout']);
    const slow = await findJson([DEMO, '--min-duration', '8.5s', '--limit', '100']);
    expect(slow.map((r) => r.traceId).sort()).toEqual(manifest.slowestTraces.filter((t) => t.durationMs >= 8500).map((t) => t.traceId).sort());
    const fast = await findJson([DEMO, '--max-duration', '1s', '--limit', '100']);
    expect(fast.every((r) => r.durationMs <= 1000)).toBe(true);
  });

  it('--where compares numbers as numbers and matches regexes; all conditions on one span', async () => {
    const many = await findJson([DEMO, '--where', 'gen_ai.usage.output_tokens>1000', '--limit', '100']);
    expect(many.map((r) => r.traceId)).toContain(manifest.slowestTraces[1]!.traceId);
    const hits = await findJson([DEMO, '--where', 'cache.hit=true', '--limit', '100']);
    const misses = await findJson([DEMO, '--where', 'cache.hit!=true', '--where', 'cache.hit~^false$', '--limit', '100']);
    expect(hits.length + misses.length).toBe(36);
    const none = await findJson([DEMO, '--where', 'cache.hit=true', '--where', 'gen_ai.usage.output_tokens>0']);
    expect(none).toEqual([]);
  });

  it('prints a table with full trace ids when piped', async () => {
    const run = await runCli(['find', '--slow', '2', DEMO]);
    expect(run.stderr).toBe('');
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TRACE ID\s+ROOT SERVICE\s+ROOT OPERATION\s+START \(UTC\)\s+DURATION\s+SPANS\s+ERRORS\s+TOKENS\s+COST$/);
    // The demo's slowest request makes one LLM call: its tokens and cost close the row.
    expect(lines[1]).toMatch(new RegExp(`^${manifest.slowestTraces[0]!.traceId}\\s+gateway\\s+POST /v1/ask\\s+2026-11-01 10:47:08Z\\s+9\\.55s\\s+20\\s+0\\s+3\\.25k\\s+\\$0\\.\\d+$`));
  });

  it('finds the same traces in the OTLP, Jaeger and Zipkin demo files', async () => {
    const [otlp, jaeger, zipkin] = await Promise.all(
      ['otlp.jsonl', 'jaeger.json', 'zipkin.json'].map((ext) => findJson([`fixtures/demo/llm-gateway.${ext}`, '--slow', '100', '--errors'])),
    );
    expect(jaeger).toEqual(otlp);
    expect(zipkin).toEqual(otlp);
  });

  it('reads directories recursively, gzip, and stdin, merging spans of one trace across inputs', async () => {
    const lines = readFileSync(new URL(`../../${DEMO}`, import.meta.url), 'utf8').trimEnd().split('\n');
    const dir = mkdtempSync(join(tmpdir(), 'tracectl-find-'));
    mkdirSync(join(dir, 'nested', 'deeper'), { recursive: true });
    const third = Math.floor(lines.length / 3);
    writeFileSync(join(dir, 'a.jsonl'), lines.slice(0, third).join('\n'));
    writeFileSync(join(dir, 'nested', 'deeper', 'b.jsonl.gz'), gzipSync(lines.slice(third, 2 * third).join('\n')));
    writeFileSync(join(dir, 'nested', 'notes.txt'), 'not a trace file, and not picked up from a directory');
    const stdin = lines.slice(2 * third).join('\n');
    const split = await runCli(['find', dir, '-', '--slow', '100', '--json'], { stdin });
    expect(split.stderr).toBe('');
    expect(JSON.parse(split.stdout)).toEqual({ schema: 'tracectl/v1', traces: await findJson([DEMO, '--slow', '100']) });
  });

  it('reads stdin when no source is named and stdin is piped', async () => {
    const run = await runCli(['find', '--json'], { stdin: readFileSync(new URL('../../fixtures/zipkin/yelp-trace.json', import.meta.url)) });
    expect(JSON.parse(run.stdout).traces).toHaveLength(1);
  });

  it('is a usage error with no source on a terminal', async () => {
    const run = await runCli(['find'], { stdinTTY: true });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('tracectl: no input: name trace files or directories, or pipe traces to stdin (use - for stdin)\n');
  });

  it('warns about a garbage line on stderr and still answers', async () => {
    const lines = readFileSync(new URL(`../../${DEMO}`, import.meta.url), 'utf8').split('\n');
    lines.splice(5, 0, '{"resourceSpans": [{"garbage');
    const run = await runCli(['find', '-', '--json', '--limit', '100'], { stdin: lines.join('\n') });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('warning: stdin: skipped 1 malformed line (line 6)\n');
    expect(JSON.parse(run.stdout).traces).toHaveLength(manifest.traceCount);
    const strict = await runCli(['find', '-', '--strict'], { stdin: lines.join('\n') });
    expect(strict.code).toBe(3);
    expect(strict.stdout).toBe('');
  });

  it('is an input error for a file of no known format, naming it', async () => {
    const run = await runCli(['find', 'package.json']);
    expect(run).toEqual({ code: 3, stdout: '', stderr: 'tracectl: package.json: not a trace file: expected OTLP, Jaeger or Zipkin JSON, or OTLP protobuf\n' });
  });

  it.each([
    [['--slow', '0'], /--slow "0" is not a positive whole number/],
    [['--jobs', '0'], /--jobs "0" is not a whole number from 1 to 16/],
    [['--min-duration', 'fast'], /--min-duration "fast" is not a duration/],
    [['--where', 'latency>slow'], /needs a number or a duration/],
    [['--where', 'x~('], /not a valid regular expression/],
    [['--input-format', 'csv'], /Allowed choices are otlp-json, otlp-proto, jaeger-json, zipkin-json/],
    [['--no-such-flag'], /unknown option '--no-such-flag'/],
  ])('rejects %j with exit 2', async (args, message) => {
    const run = await runCli(['find', DEMO, ...args]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });

  it('prints no error for an empty result', async () => {
    const run = await runCli(['find', DEMO, '--service', 'nobody']);
    expect(run).toEqual({ code: 0, stdout: 'no traces match\n', stderr: '' });
  });
});

describe('options out of range', () => {
  it.each([
    [['--jobs', '99999999999999999999'], /--jobs "99999999999999999999" is not a whole number from 1 to 16/],
    [['--jobs', '100000'], /--jobs "100000" is not a whole number from 1 to 16/],
    [['--from', '99999999999999999'], /--from "99999999999999999" is out of range: epoch seconds from 0 to 8640000000000/],
    [['--to', '275760-09-13T00:00:00Z'], /--to "275760-09-13T00:00:00Z" is not a time/],
    [['--jobs', '64'], /--jobs "64" is not a whole number from 1 to 16/],
    [['--to', '99999999999999999'], /--to "99999999999999999" is out of range: epoch seconds from 0 to 8640000000000/],
    // The fake clock (helpers/cli.ts) is after 1970, so some hours are accepted, not these.
    [['--since', '99999999999999999h'], /--since "99999999999999999h" reaches back before 1970: accepted is up to \d+h before the window's end/],
    [['--since', '1e400s'], /--since "1e400s" is not a duration/],
  ])('%j is a usage error naming the accepted range, before anything is read', async (args, message) => {
    const { code, stderr, stdout } = await runCli(['find', ...args, 'fixtures/demo/llm-gateway.otlp.jsonl']);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });
});

describe('a directory with a file that is not a trace file', () => {
  it('skips it with one warning naming it and reads the rest (exit 0); named on its own it is exit 3', async () => {
    const dir = await runCli(['find', '--slow', '1', '--json', 'fixtures/demo/']);
    expect(dir.code).toBe(0);
    expect(dir.stderr).toBe('warning: fixtures/demo/manifest.json: skipped, not a trace file (found in directory fixtures/demo/)\n');
    expect((JSON.parse(dir.stdout) as { traces: { traceId: string }[] }).traces[0]!.traceId).toBe('c54f2723e9f99318a2801aebd7457eb1');
    const file = await runCli(['find', 'fixtures/demo/manifest.json']);
    expect(file.code).toBe(3);
    expect(file.stderr).toMatch(/^tracectl: fixtures\/demo\/manifest\.json: not a trace file/);
  });
});

describe('a forced format that does not fit (issue 12.10)', () => {
  it('is exit 3, naming what the content looks like', async () => {
    const run = await runCli(['find', '--input-format', 'zipkin-json', 'fixtures/jaeger/jaeger-v1-trace.json']);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe('tracectl: fixtures/jaeger/jaeger-v1-trace.json: not zipkin-json input (--input-format zipkin-json): it looks like jaeger-json; drop the flag to detect the format\n');
    expect(run.stdout).toBe('');
  });
});

describe('symlinks inside a named directory', () => {
  it('follows a link to a trace file and to a directory, and names a loop in one warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracectl-links-'));
    mkdirSync(join(dir, 'traces', 'sub'), { recursive: true });
    mkdirSync(join(dir, 'elsewhere'));
    symlinkSync(join(REPO_ROOT, 'fixtures/zipkin/yelp-trace.json'), join(dir, 'traces', 'yelp.json'));
    writeFileSync(join(dir, 'elsewhere', 'hotrod.json'), readFileSync(join(REPO_ROOT, 'fixtures/otlp/hotrod-dispatch.json')));
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'traces', 'otlp'));
    symlinkSync('..', join(dir, 'traces', 'sub', 'up'));
    const run = await runCli(['find', '--json', '--limit', '1000', join(dir, 'traces')]);
    expect(run.code).toBe(0);
    const ids = (JSON.parse(run.stdout) as { traces: { traceId: string }[] }).traces.map((t) => t.traceId);
    expect(ids).toContain('0000000000000000a03ee8fff1dcd9b9');
    expect(ids).toContain('fe65c5beefbe4e96119efbba3da07e99'); // hotrod-dispatch.json, through the directory link
    expect(run.stderr).toBe(`warning: ${join(dir, 'traces', 'sub', 'up')}: skipped, a symlink loop (it leads back to a directory that contains it)\n`);
  });
});
