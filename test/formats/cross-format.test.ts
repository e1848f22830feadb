import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const FORMATS = ['otlp.jsonl', 'jaeger.json', 'zipkin.json'];

interface ShowBody {
  spans: Record<string, unknown>[];
  durationMs: number;
}

/**
 * One trace written as OTLP, Jaeger and Zipkin by the demo generator must look the same to
 * every analysis. Attribute values are compared as text: Zipkin tags are strings only.
 */
describe('the same traces in three formats', () => {
  it.each([
    ['the slowest (a slow vector search)', 'c54f2723e9f99318a2801aebd7457eb1'],
    ['the slowest chat (a slow completion)', '8b67b287e744d32372ec27496725b575'],
    ['a failed one (a search timeout)', '97e132384188b51d8d55faad1b19dcd7'],
  ])('show --json gives the same spans and critical path for %s', async (_, traceId) => {
    const bodies = await Promise.all(
      FORMATS.map(async (ext) => {
        const run = await runCli(['show', traceId, `fixtures/demo/llm-gateway.${ext}`, '--json']);
        expect(run.stderr).toBe('');
        return JSON.parse(run.stdout) as ShowBody;
      }),
    );
    const comparable = (b: ShowBody) => ({
      durationMs: b.durationMs,
      spans: b.spans.map(({ attributes, events: _events, statusMessage: _message, ...rest }) => ({
        ...rest,
        attributes: Object.fromEntries(
          Object.entries(attributes as Record<string, unknown>)
            .filter(([k]) => !['span.kind', 'error', 'otel.status_code', 'otel.status_description', 'peer.service', 'server.address', 'server.port', 'client.address', 'client.port'].includes(k))
            .map(([k, v]) => [k, String(v)]),
        ),
      })),
    });
    expect(bodies[0]!.spans.length).toBeGreaterThan(5);
    expect(comparable(bodies[1]!)).toEqual(comparable(bodies[0]!));
    expect(comparable(bodies[2]!)).toEqual(comparable(bodies[0]!));
  });
});
