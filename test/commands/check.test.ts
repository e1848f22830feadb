import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/commands/check.js';
import type { Io } from '../../src/io.js';
import { REPO_ROOT, runCli, type CliRun } from '../helpers/cli.js';
import { DEMO_FORMATS } from '../helpers/demo.js';

const EXAMPLE = 'examples/budgets.yaml';
const dir = mkdtempSync(join(tmpdir(), 'tracectl-check-'));

const run = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => runCli(['check', ...args], { env });

/** Writes a file into the test's temporary directory and returns its path. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

interface ResultJson {
  name: string;
  metric: string;
  actual: number | null;
  limit: number;
  passed: boolean;
  status: string;
  reason: string;
  kind: string;
  attribution?: { service: string; name: string; deltaMs: number }[];
}
interface CheckJson {
  schema: string;
  passed: boolean;
  results: ResultJson[];
  budgets: { name: string; status: string; criticalPath: { service: string; name: string; msPerSample: number }[] }[];
}

async function checkJson(args: string[], expectedCode: number): Promise<CheckJson> {
  const { code, stdout, stderr } = await run([...args, '--json']);
  expect(stderr).toBe('');
  expect(code).toBe(expectedCode);
  const body = JSON.parse(stdout) as CheckJson;
  expect(body.schema).toBe('tracectl/v1');
  return body;
}

const PASSING = `version: 1
budgets:
  - name: ask endpoint
    select: { service: gateway, name: "POST /v1/ask", root: true }
    assert: ["p(95) < 10s"]
  - name: chat endpoint
    select: { service: gateway, name: "POST /v1/chat", root: true }
    assert: ["p(50) < 1s"]
`;

describe('tracectl check on the demo', () => {
  it('the example budgets: every budget holds but "ask endpoint", so the check fails with exit 1', async () => {
    const body = await checkJson(['--budgets', EXAMPLE, DEMO_FORMATS.otlp], 1);
    expect(body.passed).toBe(false);
    expect(Object.fromEntries(body.budgets.map((b) => [b.name, b.status]))).toEqual({
      'chat endpoint': 'pass',
      'ask endpoint': 'fail',
      'cache hits are fast': 'pass',
      'cache works': 'pass',
      'llm calls': 'pass',
      'retrieval stays off the critical path': 'pass',
      'prompt size': 'pass',
    });
    expect(body.results.filter((r) => !r.passed).map((r) => [r.name, r.metric, r.limit])).toEqual([['ask endpoint', 'p(95)', 5000]]);
  });

  it('prints the table, failures first, and the critical path of the worst trace', async () => {
    const { code, stdout, stderr } = await run(['--budgets', EXAMPLE, DEMO_FORMATS.otlp]);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^RESULT +BUDGET +ASSERTION +ACTUAL +LIMIT +DETAIL +SAMPLES$/);
    expect(lines[1]).toMatch(/^FAIL +ask endpoint +p\(95\) < 5s +6\.46s +5s +1\.46s over +29$/);
    expect(stdout).toContain('critical path of gateway POST /v1/ask in c54f2723e9f99318a2801aebd7457eb1 (9.55s):');
    expect(stdout).toMatch(/SELECT +vector-store +7\.44s +77\.8%/);
    expect(lines.at(-2)).toBe('7 budgets, 11 checks over 70 traces: 10 passed, 1 failed');
  });

  it('prints what docs/ci.md shows', async () => {
    const readme = readFileSync(new URL('../../docs/ci.md', import.meta.url), 'utf8');
    const command = `$ tracectl check --budgets ${EXAMPLE} ${DEMO_FORMATS.otlp}\n`;
    const start = readme.indexOf(command);
    expect(start).toBeGreaterThan(0);
    const shown = readme.slice(start + command.length, readme.indexOf('```', start));
    expect((await run(['--budgets', EXAMPLE, DEMO_FORMATS.otlp])).stdout).toBe(shown);
  });

  it('exits 0 when every budget holds', async () => {
    const { code, stderr } = await run(['--budgets', file('passing.yaml', PASSING), DEMO_FORMATS.otlp]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('reaches the same verdicts from the Jaeger and Zipkin files', async () => {
    const verdicts = async (source: string) =>
      (await checkJson(['--budgets', EXAMPLE, source], 1)).results.map((r) => [r.name, r.metric, r.status, r.actual === null ? null : +r.actual.toFixed(3)]);
    const otlp = await verdicts(DEMO_FORMATS.otlp);
    expect(await verdicts(DEMO_FORMATS.jaeger)).toEqual(otlp);
    expect(await verdicts(DEMO_FORMATS.zipkin)).toEqual(otlp);
  });

  it('narrows the traces with the shared filters first', async () => {
    const body = await checkJson(['--budgets', EXAMPLE, DEMO_FORMATS.otlp, '--operation', 'POST /v1/chat'], 1);
    const ask = body.results.filter((r) => r.name === 'ask endpoint');
    expect(ask.map((r) => r.reason)).toEqual(['too-few-samples', 'too-few-samples']);
    expect(body.results.find((r) => r.name === 'chat endpoint')!.passed).toBe(true);
  });

  it('fails every budget, rather than passing, when no trace matches', async () => {
    const body = await checkJson(['--budgets', file('passing-none.yaml', PASSING), DEMO_FORMATS.otlp, '--service', 'nowhere'], 1);
    expect(body.results.map((r) => r.reason)).toEqual(['too-few-samples', 'too-few-samples']);
  });
});

describe('invalid budgets files and options: exit 2, one sentence naming the line', () => {
  const broken = (name: string, assertion: string): string =>
    file(name, `version: 1\ndefaults:\n  min_samples: 5\n\nbudgets:\n  - name: chat\n    assert: ["p(50) < 1s", ${JSON.stringify(assertion)}]\n`);

  it('an unknown metric', async () => {
    const path = broken('unknown-metric.yaml', 'p95 < 1.2s');
    const { code, stdout, stderr } = await run(['--budgets', path, DEMO_FORMATS.otlp]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`tracectl: ${path}:7: unknown metric "p95" (use p(95))\n`);
  });

  it('a bad duration', async () => {
    const path = broken('bad-duration.yaml', 'p(95) < 1.2 seconds');
    const { code, stderr } = await run(['--budgets', path, DEMO_FORMATS.otlp]);
    expect(code).toBe(2);
    expect(stderr).toBe(`tracectl: ${path}:7: "p(95) < 1.2 seconds": "1.2 seconds" is not a duration, a percentage or a number\n`);
  });

  it('a YAML syntax error', async () => {
    const path = file('syntax.yaml', 'version: 1\nbudgets:\n  - name: chat\n    assert: ["p(50) < 1s"\n  - name: other\n');
    const { code, stdout, stderr } = await run(['--budgets', path, DEMO_FORMATS.otlp]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(new RegExp(`^tracectl: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d: YAML syntax error: .+\\n$`));
  });

  it('reports the error as JSON too with --json', async () => {
    const path = broken('unknown-metric-json.yaml', 'mean < 1s');
    const { code, stdout } = await run(['--budgets', path, DEMO_FORMATS.otlp, '--json']);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toEqual({ schema: 'tracectl/v1', error: { code: 2, message: `${path}:7: unknown metric "mean" (use avg)` } });
  });

  it('a missing budgets file or option', async () => {
    const missing = await run(['--budgets', join(dir, 'nope.yaml'), DEMO_FORMATS.otlp]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`tracectl: cannot read budgets file ${join(dir, 'nope.yaml')}: no such file or directory\n`);
    const none = await run([DEMO_FORMATS.otlp]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("required option '--budgets <file>' not specified");
  });

  it('regression options that cannot work', async () => {
    const budgets = file('passing-regression.yaml', PASSING);
    const noThreshold = await run(['--budgets', budgets, '--baseline', EXAMPLE, DEMO_FORMATS.otlp]);
    expect(noThreshold.code).toBe(2);
    expect(noThreshold.stderr).toBe(`tracectl: --baseline needs a threshold: pass --max-regression 10% or set "regression: 10%" in ${budgets} (per budget or under defaults)\n`);
    const noBaseline = await run(['--budgets', budgets, '--max-regression', '10%', DEMO_FORMATS.otlp]);
    expect(noBaseline.code).toBe(2);
    expect(noBaseline.stderr).toContain('--max-regression needs --baseline');
    const notPercent = await run(['--budgets', budgets, '--max-regression', '0.1', '--baseline', EXAMPLE, DEMO_FORMATS.otlp]);
    expect(notPercent.code).toBe(2);
    expect(notPercent.stderr).toBe('tracectl: --max-regression "0.1" is not a percentage: write e.g. 10%\n');
  });

  it('an unreadable trace input is exit 3', async () => {
    const { code, stderr } = await run(['--budgets', EXAMPLE, join(dir, 'missing.jsonl')]);
    expect(code).toBe(3);
    expect(stderr).toContain('no such file or directory');
  });
});

describe('--baseline', () => {
  const budgets = file('baseline-budgets.yaml', PASSING);
  const baselinePath = join(dir, 'baseline.json');

  beforeAll(async () => {
    const first = await run(['--budgets', budgets, DEMO_FORMATS.otlp, '--json']);
    expect(first.code).toBe(0);
    writeFileSync(baselinePath, first.stdout);
  });

  it('compares with an earlier run’s --json output: unchanged passes', async () => {
    const body = await checkJson(['--budgets', budgets, '--baseline', baselinePath, '--max-regression', '10%', DEMO_FORMATS.otlp], 0);
    expect(body.results.map((r) => [r.kind, r.status])).toEqual([
      ['assertion', 'pass'],
      ['regression', 'pass'],
      ['assertion', 'pass'],
      ['regression', 'pass'],
    ]);
  });

  it('fails on a regression and names the operation whose critical-path time grew the most', async () => {
    const earlier = JSON.parse(readFileSync(baselinePath, 'utf8')) as CheckJson;
    // Pretend the main branch was faster: ask p(95) 5s, and its SELECTs 1s shorter per request.
    earlier.results.find((r) => r.name === 'ask endpoint')!.actual = 5000;
    const select = earlier.budgets.find((b) => b.name === 'ask endpoint')!.criticalPath.find((o) => o.name === 'SELECT')!;
    select.msPerSample -= 1000;
    const tampered = file('baseline-faster.json', JSON.stringify(earlier));

    const body = await checkJson(['--budgets', budgets, '--baseline', tampered, '--max-regression', '10%', DEMO_FORMATS.otlp], 1);
    const regression = body.results.find((r) => r.kind === 'regression' && r.name === 'ask endpoint')!;
    expect(regression).toMatchObject({ status: 'fail', reason: 'regressed', limit: 5500 });
    expect(regression.attribution![0]).toMatchObject({ service: 'vector-store', name: 'SELECT', deltaMs: 1000 });

    const text = await run(['--budgets', budgets, '--baseline', tampered, '--max-regression', '10%', DEMO_FORMATS.otlp]);
    expect(text.code).toBe(1);
    // 6.46s against a baseline of 5s: 29.2% worse.
    expect(text.stdout).toMatch(/^FAIL +ask endpoint +p\(95\) within \+10% of baseline +6\.46s +5\.5s +29\.2% worse/m);
    expect(text.stdout).toMatch(/critical-path time per sample that grew the most:\n +OPERATION +SERVICE +GROWTH +BEFORE +NOW\n +SELECT +vector-store +\+1s/);
  });

  it('a baseline that is not a check result is exit 3', async () => {
    const notJson = await run(['--budgets', budgets, '--baseline', EXAMPLE, '--max-regression', '10%', DEMO_FORMATS.otlp]);
    expect(notJson.code).toBe(3);
    expect(notJson.stderr).toBe(`tracectl: baseline ${EXAMPLE} is not JSON: pass the output of an earlier "tracectl check --json"\n`);
    const find = file('find.json', JSON.stringify({ schema: 'tracectl/v1', traces: [] }));
    const wrong = await run(['--budgets', budgets, '--baseline', find, '--max-regression', '10%', DEMO_FORMATS.otlp]);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('is not the output of "tracectl check --json"');
    const missing = await run(['--budgets', budgets, '--baseline', join(dir, 'gone.json'), '--max-regression', '10%', DEMO_FORMATS.otlp]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe(`tracectl: cannot read baseline ${join(dir, 'gone.json')}: no such file or directory\n`);
  });
});

describe('CI outputs', () => {
  it('writes --junit and --markdown files', async () => {
    const junit = join(dir, 'report.xml');
    const markdown = join(dir, 'summary.md');
    const { code, stderr } = await run(['--budgets', EXAMPLE, DEMO_FORMATS.otlp, '--junit', junit, '--markdown', markdown]);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const xml = readFileSync(junit, 'utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="tracectl check" tests="11" failures="1"')).toBe(true);
    expect(xml).toContain('timestamp="2026-11-02T00:00:00"');
    expect(readFileSync(markdown, 'utf8').split('\n')[0]).toBe('### ❌ tracectl check failed: 1 of 11 checks broken');
  });

  it('resolves output paths against the working directory', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'tracectl-check-cwd-'));
    let stdout = '';
    const io: Io = {
      stdout: { write: (s) => void (stdout += s), isTTY: false },
      stderr: { write: () => undefined, isTTY: false },
      stdin: Readable.from([]) as Io['stdin'],
      env: {},
      cwd,
      now: () => new Date('2026-11-02T00:00:00Z'),
    };
    writeFileSync(join(cwd, 'budgets.yaml'), PASSING);
    const code = await runCheck({ budgets: 'budgets.yaml', sources: [join(REPO_ROOT, DEMO_FORMATS.otlp)], junit: 'out.xml', markdown: 'out.md' }, io);
    expect(code).toBe(0);
    expect(existsSync(join(cwd, 'out.xml'))).toBe(true);
    expect(existsSync(join(cwd, 'out.md'))).toBe(true);
    expect(stdout).toContain('2 budgets, 2 checks over 70 traces: 2 passed, 0 failed');
  });

  it('a file it cannot write is exit 3 naming the file; the verdict was printed first', async () => {
    const target = join(dir, 'no-such-dir', 'report.xml');
    const { code, stdout, stderr } = await run(['--budgets', EXAMPLE, DEMO_FORMATS.otlp, '--junit', target]);
    expect(code).toBe(3);
    expect(stderr).toBe(`tracectl: cannot write ${target}: no such file or directory\n`);
    expect(stdout).toContain('FAIL    ask endpoint');
  });

  it('on GitHub Actions: ::error annotations on stdout, the job summary appended', async () => {
    const summary = file('step-summary.md', '## earlier step\n');
    const { code, stdout, stderr } = await run(['--budgets', EXAMPLE, DEMO_FORMATS.otlp], { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const annotations = stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(annotations).toEqual([
      '::error file=examples/budgets.yaml,line=20,title=tracectl check%3A ask endpoint::p(95) < 5s: p(95) is 6.46s, over the limit of 5s by 1.46s (29 samples in 29 traces). Worst trace: c54f2723e9f99318a2801aebd7457eb1 (9.55s)',
    ]);
    const written = readFileSync(summary, 'utf8');
    expect(written.startsWith('## earlier step\n### ❌ tracectl check failed: 1 of 11 checks broken\n')).toBe(true);
  });

  it('with --json on GitHub Actions, annotations go to stderr and stdout stays one JSON document', async () => {
    const { code, stdout, stderr } = await run(['--budgets', EXAMPLE, DEMO_FORMATS.otlp, '--json'], { GITHUB_ACTIONS: 'true' });
    expect(code).toBe(1);
    expect(JSON.parse(stdout).passed).toBe(false);
    expect(stderr).toMatch(/^::error file=examples\/budgets\.yaml,line=20,/);
  });

  it('prints no annotations elsewhere', async () => {
    const { stdout } = await run(['--budgets', EXAMPLE, DEMO_FORMATS.otlp], { GITHUB_ACTIONS: 'false' });
    expect(stdout).not.toContain('::error');
  });

  it('documents its exit codes in --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('1  at least one budget is broken');
  });
});
