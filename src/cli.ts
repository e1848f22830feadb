import { Command, CommanderError } from 'commander';
import { analyzeCommand } from './commands/analyze.js';
import { attrsCommand } from './commands/attrs.js';
import { completionCommand } from './commands/completion.js';
import { configCommand } from './commands/config.js';
import { bottlenecksCommand } from './commands/bottlenecks.js';
import { cacheCommand } from './commands/cache.js';
import { checkCommand } from './commands/check.js';
import { compareCommand } from './commands/compare.js';
import { depsCommand } from './commands/deps.js';
import { diffCommand } from './commands/diff.js';
import { errorsCommand } from './commands/errors.js';
import { findCommand } from './commands/find.js';
import { insightsCommand } from './commands/insights.js';
import { llmCommand } from './commands/llm.js';
import { operationsCommand } from './commands/operations.js';
import { receiveCommand } from './commands/receive.js';
import { runCommand } from './commands/run.js';
import { servicesCommand } from './commands/services.js';
import { showCommand } from './commands/show.js';
import { InputError, UsageError } from './model/errors.js';
import type { Io } from './io.js';
import { renderJson } from './report/json.js';
import { cleanLines, cleanText } from './report/sanitize.js';

/** tracectl's version, as in package.json (a test keeps the two alike). */
export const VERSION = '0.1.0';

export const EXIT_CODES = `
Exit codes:
  0  success (an empty result is a success)
  1  check: at least one budget is broken
  2  usage or configuration error (bad flag, bad budgets file)
  3  input or source error (unreadable or undecodable input, backend unreachable, trace not found)
  70 internal error: a bug in tracectl (please report it with the --verbose output)
`;

/**
 * The program with every command; each test gets a fresh one. A command's action reports
 * its exit code through `done`; its errors reject `parseAsync`.
 */
export function createProgram(io: Io, done: (code: number) => void): Command {
  // Commander's messages echo what was typed (an unknown option, a bad value): cleaned like any other text.
  // Its errors start as ours do: `tracectl: unknown option '--x'`, not `error: …`.
  const output = { writeOut: (s: string) => io.stdout.write(cleanLines(s)), writeErr: (s: string) => io.stderr.write(cleanLines(s.replace(/^error: /, 'tracectl: '))) };
  const program = new Command('tracectl')
    .description('Answers from distributed traces: slow spans, error roots, cache effectiveness, service dependencies, latency budgets.')
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXIT_CODES)
    .configureOutput(output)
    .exitOverride();
  const commands = [showCommand, findCommand, analyzeCommand, bottlenecksCommand, errorsCommand, cacheCommand, depsCommand, llmCommand, insightsCommand, compareCommand, diffCommand, checkCommand, servicesCommand, operationsCommand, attrsCommand, receiveCommand, runCommand, configCommand, completionCommand];
  // Subcommands too (config list, …): every command throws instead of exiting, and writes where Io says.
  const configure = (cmd: Command): Command => {
    cmd.exitOverride().configureOutput(output).showHelpAfterError('(run with --help for usage)');
    for (const sub of cmd.commands) configure(sub);
    return cmd;
  };
  for (const make of commands) program.addCommand(configure(make(io, done)));
  program.addCommand(
    new Command('version')
      .description('print the version')
      .exitOverride()
      .configureOutput(output)
      .action(() => {
        io.stdout.write(`${VERSION}\n`);
        done(0);
      }),
  );
  return program;
}

/** Runs tracectl with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const json = argv.includes('--json');
  let exitCode = 0;
  try {
    await createProgram(io, (code) => (exitCode = code)).parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help, or the version); with --json
      // a usage error is also the {schema, error} document, as every other error is.
      if (error.exitCode === 0) return 0;
      if (json) io.stdout.write(renderJson({ error: { code: 2, message: cleanText(error.message.replace(/^error: /, '')) } }));
      return 2;
    }
    const code = error instanceof UsageError || error instanceof InputError ? error.exitCode : 70;
    const message = error instanceof Error ? error.message : String(error);
    const sentence = code === 70 ? `internal error: ${message} (please report it; --verbose shows where)` : message;
    io.stderr.write(`tracectl: ${cleanText(sentence)}\n`);
    if (verbose && error instanceof Error && error.stack) io.stderr.write(`${cleanLines(error.stack)}\n`);
    if (json) io.stdout.write(renderJson({ error: { code, message: sentence } }));
    return code;
  }
}
