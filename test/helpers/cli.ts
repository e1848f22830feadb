import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli.js';
import type { Io } from '../../src/io.js';

/** The repository root: tests name fixtures relative to it, as a user would from a clone. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface FakeIo {
  stdin?: string | Buffer;
  env?: Record<string, string>;
  /** Pretend stdout is a terminal this wide. */
  tty?: number;
  stdinTTY?: boolean;
  /** Pretend stderr is a terminal (progress is shown only then). */
  stderrTTY?: boolean;
}

/** Runs tracectl in-process with captured output, a fixed clock and the repo root as cwd. */
export async function runCli(args: string[], fake: FakeIo = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(fake.stdin === undefined ? [] : [typeof fake.stdin === 'string' ? Buffer.from(fake.stdin) : fake.stdin]) as Io['stdin'];
  stdin.isTTY = fake.stdinTTY ?? false;
  const io: Io = {
    stdout: { write: (s) => void (stdout += s), isTTY: fake.tty !== undefined, columns: fake.tty },
    stderr: { write: (s) => void (stderr += s), isTTY: fake.stderrTTY === true, columns: 100 },
    stdin,
    env: fake.env ?? {},
    cwd: REPO_ROOT,
    now: () => new Date('2026-11-02T00:00:00Z'),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/** Runs bin/tracectl.js (dist/: build first) as a real process, for commands that need one (receive, run). */
export function runBin(args: string[], env: Record<string, string> = {}, onStderr?: (text: string) => void): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/tracectl.js', ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: '1', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      onStderr?.(stderr);
    });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
