import { it } from 'vitest';
import { Readable } from 'node:stream';
import { runBottlenecks } from '../../src/commands/bottlenecks.js';
import { runCache } from '../../src/commands/cache.js';
import { REPO_ROOT } from '../helpers/cli.js';
import type { Io } from '../../src/io.js';

function io(cols?: number): { io: Io; out: () => string } {
  let s = '';
  const stdin = Readable.from([]) as Io['stdin'];
  return {
    io: { stdout: { write: (t) => void (s += t), isTTY: cols !== undefined, columns: cols }, stderr: { write: (t) => void (s += 'ERR ' + t), isTTY: false }, stdin, env: {}, cwd: REPO_ROOT, now: () => new Date() },
    out: () => s,
  };
}
it('try', async () => {
  for (const [cmd, args] of (process.env.TRY ?? '').split(';').map((x) => x.trim().split(/\s+/)).map((a) => [a[0], a.slice(1)] as const)) {
    const cols = process.env.COLS ? Number(process.env.COLS) : undefined;
    const x = io(cols);
    const opts: Record<string, unknown> = { sources: args.filter((a) => !a.startsWith('--')), color: false };
    for (const a of args.filter((a) => a.startsWith('--'))) { const [k, v] = a.slice(2).split('='); opts[k!.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())] = k === 'cache-attr' ? v!.split(',') : v ?? true; }
    if (cmd === 'b') await runBottlenecks(opts as never, x.io); else await runCache(opts as never, x.io);
    process.stdout.write(x.out() + '\n');
  }
});
