import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/cli.js';

const DOCS = ['README.md', 'bench/README.md', 'fixtures/SOURCES.md', ...readdirSync(join(REPO_ROOT, 'docs')).map((f) => `docs/${f}`)];

describe('documentation', () => {
  it('the README is a front door: under 12 KB, with the two quick-start commands', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(statSync(join(REPO_ROOT, 'README.md')).size).toBeLessThan(12 * 1024);
    const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 3));
    expect(quickStart).toContain('npm install && npx tracectl analyze fixtures/demo/llm-gateway.otlp.jsonl');
    expect(quickStart).toContain('npm install && npm test');
  });

  it.each(DOCS)('every relative link in %s resolves', (doc) => {
    const text = readFileSync(join(REPO_ROOT, doc), 'utf8');
    const links = [...text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    for (const link of links) expect({ link, exists: existsSync(join(REPO_ROOT, dirname(doc), link)) }).toEqual({ link, exists: true });
  });
});
