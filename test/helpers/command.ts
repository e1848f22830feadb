import { Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { createProgram } from '../../src/cli.js';
import { InputError, UsageError } from '../../src/errors.js';
import type { Io } from '../../src/io.js';
import { renderJson } from '../../src/report/json.js';
import { REPO_ROOT, runCli, type CliRun, type FakeIo } from './cli.js';

export type CommandFactory = (io: Io, done: (code: number) => void) => Command;

const silentIo: Io = {
  stdout: { write: () => undefined, isTTY: false },
  stderr: { write: () => undefined, isTTY: false },
  stdin: Readable.from([]) as Io['stdin'],
  env: {},
  cwd: REPO_ROOT,
  now: () => new Date(0),
};

/** Whether `src/cli.ts` already registers the command. */
export function isWired(name: string): boolean {
  return createProgram(silentIo, () => undefined).commands.some((c) => c.name() === name);
}

/**
 * Runs `tracectl <args>` for a command that may not be registered in `src/cli.ts` yet.
 * Once it is, this is `runCli` (the real `main`); until then the command is mounted on a
 * bare program with `main`'s error handling (exit codes, one-line messages, JSON errors),
 * so the same tests hold before and after the command is wired.
 */
export async function runCommand(make: CommandFactory, args: string[], fake: FakeIo = {}): Promise<CliRun> {
  const name = args[0]!;
  if (isWired(name)) return runCli(args, fake);

  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(fake.stdin === undefined ? [] : [typeof fake.stdin === 'string' ? Buffer.from(fake.stdin) : fake.stdin]) as Io['stdin'];
  stdin.isTTY = fake.stdinTTY ?? false;
  const io: Io = {
    stdout: { write: (s) => void (stdout += s), isTTY: fake.tty !== undefined, columns: fake.tty },
    stderr: { write: (s) => void (stderr += s), isTTY: false },
    stdin,
    env: fake.env ?? {},
    cwd: REPO_ROOT,
    now: () => new Date('2026-11-02T00:00:00Z'),
  };
  const output = { writeOut: (s: string) => io.stdout.write(s), writeErr: (s: string) => io.stderr.write(s) };
  let code = 0;
  const program = new Command('tracectl').exitOverride().configureOutput(output);
  program.addCommand(make(io, (c) => (code = c)).exitOverride().configureOutput(output));
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
    else {
      code = error instanceof UsageError || error instanceof InputError ? error.exitCode : 70;
      const message = error instanceof Error ? error.message : String(error);
      stderr += `tracectl: ${message}\n`;
      if (args.includes('--json')) stdout += renderJson({ error: { code, message } });
    }
  }
  return { code, stdout, stderr };
}
