import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const COMMANDS = ['show', 'find', 'analyze', 'bottlenecks', 'errors', 'cache', 'deps', 'llm', 'insights', 'compare', 'diff', 'check', 'services', 'operations', 'attrs'];

describe('--help', () => {
  it('tracectl --help lists every exit code', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const exit of ['0', '1', '2', '3', '70']) expect(stdout).toMatch(new RegExp(`^ {2}${exit} +\\S`, 'm'));
  });

  // receive and run listen and run programs: their examples are checked for form, not run on the demo.
  it.each([...COMMANDS, 'receive', 'run'])('%s --help ends with runnable examples', async (command) => {
    const { code, stdout } = await runCli([command, '--help']);
    expect(code).toBe(0);
    const examples = stdout.slice(stdout.indexOf('\nExamples:\n'));
    expect(examples.length).toBeGreaterThan(12);
    const lines = examples.split('\n').filter((l) => l.startsWith('  $ '));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(line).toMatch(new RegExp(`^  \\$ tracectl ${command} `));
  });

  it('the first example of each command runs on the bundled demo', async () => {
    for (const command of COMMANDS) {
      const { stdout } = await runCli([command, '--help']);
      const first = stdout.slice(stdout.indexOf('\nExamples:\n')).split('\n').find((l) => l.startsWith('  $ '))!;
      // Words as a shell splits them: 'quoted words' stay one argument.
      const args = [...first.slice('  $ tracectl '.length).matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
      const run = await runCli(args);
      expect({ command, code: run.code, stderr: run.stderr }).toEqual({ command, code: command === 'check' ? 1 : 0, stderr: '' });
    }
  });
});
