/**
 * Writes a large OTLP JSON-lines file for the benchmark: the demo topology at scale, the
 * spans of one trace spread over several lines as the Collector's file exporter writes
 * them. Deterministic: the same arguments give the same bytes. `bench/run.ts` calls it.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { DEMO_EPOCH_MS, generateDemoTraces, toOtlpJsonLines } from '../scripts/demo-traces.js';

/** Traces per generator call: each batch gets its own seed and a later start, so ids never repeat. */
const BATCH = 500;

export async function generateLargeFile(path: string, traces: number): Promise<{ spans: number; bytes: number }> {
  const out = createWriteStream(path);
  let spans = 0;
  let bytes = 0;
  for (let done = 0, batch = 0; done < traces; done += BATCH, batch++) {
    const count = Math.min(BATCH, traces - done);
    const generated = generateDemoTraces({ seed: 1_000_003 + batch * 7919, count, startEpochMs: DEMO_EPOCH_MS + batch * 3_600_000 });
    for (const t of generated) spans += t.spans.length;
    const text = toOtlpJsonLines(generated);
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { spans, bytes };
}
