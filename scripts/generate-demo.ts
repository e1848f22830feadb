/**
 * Writes fixtures/demo/ from the seeded demo generator. Run:
 *   npx vite-node scripts/generate-demo.ts
 * The output is byte-identical on every run; test/scripts/demo-traces.test.ts checks the
 * committed files against a fresh generation.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { demoFixtureFiles } from './demo-traces.js';

const outDir = fileURLToPath(new URL('../fixtures/demo/', import.meta.url));
await mkdir(outDir, { recursive: true });
for (const [name, content] of Object.entries(demoFixtureFiles())) {
  await writeFile(`${outDir}${name}`, content);
  console.log(`wrote fixtures/demo/${name} (${(Buffer.byteLength(content) / 1024).toFixed(1)} KiB)`);
}
