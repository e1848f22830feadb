import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

/** `n` one-span traces as OTLP JSON lines: enough to print far more than a pipe holds. */
function manyTraces(n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = (i + 1).toString(16).padStart(32, '0');
    const start = 1_793_527_200_000_000_000n + BigInt(i) * 1_000_000n;
    lines.push(JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans: [{ traceId: id, spanId: '00000000000000a1', name: `op-${i}`, kind: 2, startTimeUnixNano: String(start), endTimeUnixNano: String(start + 5_000_000n) }] }] }] }));
  }
  return `${lines.join('\n')}\n`;
}

describe('a closed pipe', () => {
  it('ends the program quietly with its own exit code, as cat does (no stack trace, not exit 1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tracectl-pipe-'));
    const file = join(dir, 'many.jsonl');
    writeFileSync(file, manyTraces(4000));
    // About 400 KB of table into `head -1`, which closes the pipe after one line.
    const out = execFileSync('bash', ['-c', `node bin/tracectl.js find --limit 4000 ${file} | head -1; echo "exit \${PIPESTATUS[0]}"`], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^TRACE ID +ROOT SERVICE/);
    expect(lines.at(-1)).toBe('exit 0');
  });
});
