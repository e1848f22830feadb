import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { expandSources } from '../../src/sources/files.js';

const ctx = (cwd: string) => ({ cwd, stdin: new PassThrough() });

describe('expandSources on a named directory', () => {
  // d/
  //   a.json
  //   to-file.json -> ../outside/b.json
  //   to-dir       -> ../outside/inner      (holds c.json)
  //   again        -> ../outside/inner      (the same directory: listed once)
  //   sub/loop     -> ..                    (a loop: named once)
  //   dangling.json -> ../nowhere.json
  const root = mkdtempSync(join(tmpdir(), 'tracectl-links-'));
  mkdirSync(join(root, 'd', 'sub'), { recursive: true });
  mkdirSync(join(root, 'outside', 'inner'), { recursive: true });
  for (const file of ['d/a.json', 'outside/b.json', 'outside/inner/c.json']) writeFileSync(join(root, file), '[]');
  symlinkSync('../outside/b.json', join(root, 'd', 'to-file.json'));
  symlinkSync('../outside/inner', join(root, 'd', 'to-dir'));
  symlinkSync('../outside/inner', join(root, 'd', 'again'));
  symlinkSync('..', join(root, 'd', 'sub', 'loop'));
  symlinkSync('../nowhere.json', join(root, 'd', 'dangling.json'));

  it('follows symlinks to files and directories, listing each real file once and naming the loop once', async () => {
    const warnings: string[] = [];
    const sources = await expandSources(['d'], ctx(root), warnings);
    const names = sources.map((s) => s.name);
    expect(names).toHaveLength(3);
    expect(names).toContain(join('d', 'a.json'));
    expect(names).toContain(join('d', 'to-file.json'));
    // Reached through two links, read once (under whichever link the walk met first).
    expect(names.filter((n) => n.endsWith('c.json'))).toHaveLength(1);
    expect(warnings.sort()).toEqual([
      `${join('d', 'dangling.json')}: skipped, a symlink to nothing readable`,
      `${join('d', 'sub', 'loop')}: skipped, a symlink loop (it leads back to a directory that contains it)`,
    ]);
  });
});
