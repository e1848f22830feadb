import { describe, expect, it } from 'vitest';
import type { ReceiveJson } from '../../src/report/json-contract.js';
import { renderReceiveStatus, renderReceiveSummary } from '../../src/report/receive.js';

const summary: ReceiveJson = { out: 'traces.otlp.jsonl', http: '127.0.0.1:4318', grpc: null, requests: 12, spans: 340, traces: 20, errors: 1, rejectedSpans: 2, durationMs: 65_000 };

describe('receive output', () => {
  it('the live line names the counts and the last traces, ✗ for a failed one', () => {
    const recent = [{ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', durationMs: 1234, error: true }, { traceId: '0af7651916cd43dd8448eb211c80319c', durationMs: 12.5, error: false }];
    expect(renderReceiveStatus(summary, recent, 200)).toBe('receiving: 12 requests, 340 spans in 20 traces, 1 error (2 spans rejected) · last: 4bf92f35 1.23s ✗, 0af76519 12.5ms');
  });

  it('the live line is cut to the terminal width', () => {
    const line = renderReceiveStatus(summary, [], 30);
    expect(line).toBe('receiving: 12 requests, 340 …');
    expect(line.length).toBe(29);
  });

  it('the summary says where and what, and what to run next', () => {
    expect(renderReceiveSummary({ ...summary, rejectedSpans: 0, grpc: '127.0.0.1:4317' })).toBe(
      'received 12 requests, 340 spans in 20 traces, 1 error in 1m05s on http 127.0.0.1:4318 and grpc 127.0.0.1:4317; spans appended to traces.otlp.jsonl\nnext: tracectl analyze traces.otlp.jsonl\n',
    );
  });
});
