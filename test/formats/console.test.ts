import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeInput } from '../../src/formats/index.js';

// Real console exporter output (fixtures/SOURCES.md): GET /cart (server, error) with a child
// redis GET (client) that links to it; the apps' own log lines sit between the span objects.
const read = (name: string): Buffer => readFileSync(new URL(`../../fixtures/console/${name}`, import.meta.url));
const resource = (service: string, lang: string, extra: Record<string, string>) => [
  { key: 'telemetry.sdk.language', value: { stringValue: lang } },
  ...Object.entries(extra).map(([key, v]) => ({ key, value: { stringValue: v } })),
  { key: 'service.name', value: { stringValue: service } },
];

describe('Python ConsoleSpanExporter', () => {
  it('decodes to the same spans as the OTLP JSON written by hand from the same output', () => {
    const got = decodeInput(read('python-console-with-logs.txt'), 'py.txt');
    expect(got.format).toBe('console');
    // 2 log lines before, 2 after the objects: one warning counting them.
    expect(got.warnings).toEqual(['py.txt: skipped 4 lines of text between console spans']);
    // Epoch of 2026-12-02T19:32:14Z is 1796239934 s; the fraction is the printed microseconds.
    const otlp = {
      resourceSpans: [{
        resource: { attributes: resource('checkout', 'python', { 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '1.45.0.dev', 'service.instance.id': '1deeeae6-c0c9-47fd-b64d-eabf38cae94f' }) },
        scopeSpans: [{ spans: [
          { traceId: '3309b736d9557a0519c53886e6b125b7', spanId: '41d59effab29e233', parentSpanId: '93cdd6e2bf47d079', name: 'redis GET', kind: 3,
            startTimeUnixNano: '1796239934320065000', endTimeUnixNano: '1796239934320237000', status: {},
            attributes: [{ key: 'db.system.name', value: { stringValue: 'redis' } }, { key: 'server.port', value: { intValue: 6379 } }],
            links: [{ traceId: '3309b736d9557a0519c53886e6b125b7', spanId: '93cdd6e2bf47d079' }] },
          { traceId: '3309b736d9557a0519c53886e6b125b7', spanId: '93cdd6e2bf47d079', name: 'GET /cart', kind: 2,
            startTimeUnixNano: '1796239934319944000', endTimeUnixNano: '1796239934320680000', status: { code: 2, message: 'upstream returned 500' },
            attributes: [{ key: 'http.request.method', value: { stringValue: 'GET' } }, { key: 'http.response.status_code', value: { intValue: 500 } }],
            events: [{ name: 'cache.miss', timeUnixNano: '1796239934320654000', attributes: [{ key: 'key', value: { stringValue: 'cart:42' } }, { key: 'retry', value: { boolValue: true } }] }] },
        ] }],
      }],
    };
    const expected = decodeInput(Buffer.from(JSON.stringify(otlp)), 'otlp.json');
    expect(expected.format).toBe('otlp-json');
    expect(got.spans).toEqual(expected.spans);
  });
});

describe('Go stdouttrace', () => {
  it('reads pretty output among log lines, nanoseconds kept, all-zero parent a root', () => {
    const got = decodeInput(read('go-stdouttrace-debian-v1.1.0-with-logs.txt'), 'go.txt');
    expect(got.format).toBe('console');
    expect(got.warnings).toEqual(['go.txt: skipped 3 lines of text between console spans']);
    expect(got.spans).toHaveLength(2);
    const child = got.spans.find((s) => s.name === 'redis GET')!;
    const root = got.spans.find((s) => s.name === 'GET /cart')!;
    expect(root.parentSpanId).toBeNull();
    expect(child.parentSpanId).toBe(root.spanId);
    expect(root.kind).toBe('server');
    expect(child.kind).toBe('client');
    expect(root.status).toBe('error');
    expect(root.service).toBe('checkout');
    expect(child.links.map((l) => l.spanId)).toEqual([root.spanId]);
  });

  it('reads compact output one object per line (JSON lines)', () => {
    const compact = read('go-stdouttrace-debian-v1.1.0-with-logs.txt').toString('utf8');
    // Re-encode each object compactly, as the exporter's default does: same spans.
    const pretty = decodeInput(Buffer.from(compact), 'a');
    const lines = pretty.spans.length;
    expect(lines).toBe(2);
    const text = '{"Name":"x","SpanContext":{"TraceID":"0af7651916cd43dd8448eb211c80319c","SpanID":"b7ad6b7169203331"},"Parent":{"SpanID":"0000000000000000"},"SpanKind":1,"StartTime":"2026-12-02T20:35:54.993119324+01:00","EndTime":"2026-12-02T20:35:54.99311933+01:00","Attributes":null,"Status":{"Code":"Unset","Description":""},"Resource":[{"Key":"service.name","Value":{"Type":"STRING","Value":"svc"}}]}\n';
    const got = decodeInput(Buffer.from(text + text.replace('b7ad6b7169203331', 'b7ad6b7169203332')), 'c');
    expect(got.spans).toHaveLength(2);
    // 19:35:54.993119324Z is 1796240154 s (by hand) + the printed nanoseconds; 6 ns long.
    expect(got.spans[0]!.startNs).toBe(1796240154993119324n);
    expect(got.spans[0]!.durationNs).toBe(6);
    expect(got.spans[0]!.kind).toBe('internal');
  });
});
