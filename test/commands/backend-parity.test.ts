import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jaegerHandler, startServer, tempoHandler, zipkinHandler, type FakeServer, type Handler } from '../sources/backends/fake-backends.js';
import { tracectl, withoutUrls } from '../sources/backends/run.js';

/**
 * "A backend is a source like files": every command gives the same answer from Jaeger
 * (api_v3 and v1), Tempo (JSON and protobuf) and Zipkin as from the same demo traces in
 * the file written in that backend's own encoding.
 */
interface Case {
  name: string;
  kind: 'jaeger' | 'tempo' | 'zipkin';
  handler: () => Handler;
  file: string;
  extra: string[];
}

const CASES: Case[] = [
  { name: 'Jaeger api_v3', kind: 'jaeger', handler: () => jaegerHandler({ api: 'v3' }), file: 'fixtures/demo/llm-gateway.otlp.jsonl', extra: [] },
  { name: 'Jaeger v1', kind: 'jaeger', handler: () => jaegerHandler({ api: 'v1' }), file: 'fixtures/demo/llm-gateway.jaeger.json', extra: [] },
  { name: 'Tempo (JSON)', kind: 'tempo', handler: () => tempoHandler(), file: 'fixtures/demo/llm-gateway.otlp.jsonl', extra: [] },
  { name: 'Tempo (protobuf)', kind: 'tempo', handler: () => tempoHandler(), file: 'fixtures/demo/llm-gateway.otlp.jsonl', extra: ['--protobuf'] },
  { name: 'Zipkin', kind: 'zipkin', handler: () => zipkinHandler(), file: 'fixtures/demo/llm-gateway.zipkin.json', extra: [] },
];

const COMMANDS: [string, string[]][] = [
  ['show the slowest trace', ['show', 'c54f2723e9f99318a2801aebd7457eb1']],
  ['show a failed trace', ['show', '97e132384188b51d8d55faad1b19dcd7']],
  ['find (newest 20)', ['find']],
  ['find --slow 5', ['find', '--slow', '5']],
  ['find --errors --service llm-api', ['find', '--errors', '--service', 'llm-api', '--limit', '100']],
  ['find --where cache.hit=true', ['find', '--where', 'cache.hit=true', '--limit', '100']],
  ['bottlenecks', ['bottlenecks']],
  ['errors', ['errors']],
  ['cache', ['cache']],
  ['deps', ['deps']],
  ['find --min-duration 2s --operation "POST /v1/ask"', ['find', '--min-duration', '2s', '--operation', 'POST /v1/ask', '--limit', '100']],
];

describe.each(CASES)('$name gives what the files give', (c) => {
  let server: FakeServer;
  beforeAll(async () => {
    server = await startServer(c.handler());
  });
  afterAll(async () => {
    await server.close();
  });

  it.each(COMMANDS)('%s', async (_, args) => {
    const fromFiles = await tracectl([...args, '--json', c.file]);
    const fromBackend = await tracectl([...args, '--json', '--since', '24h', ...c.extra, '--backend', `${c.kind}:${server.url}`]);
    expect(fromBackend.stderr).toBe('');
    expect(fromFiles.stderr).toBe('');
    expect(fromBackend.code).toBe(0);
    // A backend adds where its web UI shows each trace (docs/backends.md "Links to the web UI"); the rest is alike.
    expect(withoutUrls(JSON.parse(fromBackend.stdout))).toEqual(JSON.parse(fromFiles.stdout));
  });

  it('text output too (find --slow 3)', async () => {
    const fromFiles = await tracectl(['find', '--slow', '3', c.file]);
    const fromBackend = await tracectl(['find', '--slow', '3', '--since', '24h', ...c.extra, '--backend', `${c.kind}:${server.url}`]);
    expect(fromBackend.stdout).toBe(fromFiles.stdout);
  });
});
