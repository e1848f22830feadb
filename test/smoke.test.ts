import { execFileSync, spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/cli.js';

/** A few end-to-end runs of the real executable, as a user's shell runs it. */
describe('bin/tracectl.js', () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT });
  }, 120_000);

  const tracectl = (...args: string[]) =>
    spawnSync(process.execPath, ['bin/tracectl.js', ...args], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  it('finds the slowest demo trace', () => {
    const run = tracectl('find', '--slow', '1', 'fixtures/demo/llm-gateway.otlp.jsonl');
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('c54f2723e9f99318a2801aebd7457eb1');
  });

  it('exits 3 with one sentence for a missing file', () => {
    const run = tracectl('show', 'c54f2723e9f99318a2801aebd7457eb1', 'missing.json');
    expect(run.status).toBe(3);
    expect(run.stderr).toBe('tracectl: cannot read missing.json: no such file or directory\n');
  });

  it('documents the exit codes in --help', () => {
    const run = tracectl('--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Exit codes:\n\s+0 {2}success/);
  });

  it('exits 2 on an unknown command', () => {
    const run = tracectl('frobnicate');
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
