import { Readable } from 'node:stream';
import type { Io } from '../../src/io.js';
import type { Trace } from '../../src/model/span.js';
import { loadTraces } from '../../src/pipeline/read.js';
import { REPO_ROOT } from './cli.js';

/** The demo set in its three wire formats (fixtures/demo/README.md). */
export const DEMO_FORMATS = {
  otlp: 'fixtures/demo/llm-gateway.otlp.jsonl',
  jaeger: 'fixtures/demo/llm-gateway.jaeger.json',
  zipkin: 'fixtures/demo/llm-gateway.zipkin.json',
} as const;

const quietIo: Io = {
  stdout: { write: () => undefined, isTTY: false },
  stderr: { write: () => undefined, isTTY: false },
  stdin: Readable.from([]) as Io['stdin'],
  env: {},
  cwd: REPO_ROOT,
  now: () => new Date('2026-11-02T00:00:00Z'),
};

/** Decodes fixture files (paths relative to the repository) exactly as a command does. */
export async function loadFixture(...sources: string[]): Promise<Trace[]> {
  const loaded = await loadTraces(sources, quietIo);
  if (loaded.warnings.length > 0) throw new Error(`unexpected warnings: ${loaded.warnings.join('; ')}`);
  return loaded.value;
}

/** Numbers rounded to whole nanoseconds (in ms), so results decoded from µs and ns inputs compare equal. */
export function roundNumbers<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v))) as T;
}
