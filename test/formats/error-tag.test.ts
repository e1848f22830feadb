import { describe, expect, it } from 'vitest';
import { decodeJaegerJson } from '../../src/formats/jaeger-json.js';
import { decodeZipkinJson } from '../../src/formats/zipkin-json.js';

/** One Jaeger span with an `error` tag of this type and value. */
const jaeger = (type: string, value: unknown) =>
  decodeJaegerJson({
    data: [{ traceID: 'a1', spans: [{ traceID: 'a1', spanID: 'b1', operationName: 'op', startTime: 1, duration: 1, processID: 'p1', tags: [{ key: 'error', type, value }] }], processes: { p1: { serviceName: 's' } } }],
  }).spans[0]!.status;

const zipkin = (value: string) => decodeZipkinJson([{ traceId: 'a1', id: 'b1', name: 'op', timestamp: 1, duration: 1, localEndpoint: { serviceName: 's' }, tags: { error: value } }]).spans[0]!.status;

describe('the error tag, as jaeger-ui and CRISP read it', () => {
  // CRISP's test cases and jaeger-ui's isErrorSpan: any value but false marks the span failed.
  it('Jaeger: a string other than false is an error', () => {
    expect(jaeger('string', 'ClientSideError')).toBe('error');
    expect(jaeger('bool', true)).toBe('error');
    expect(jaeger('string', 'true')).toBe('error');
    expect(jaeger('int64', 1)).toBe('error');
    expect(jaeger('bool', false)).toBe('unset');
    expect(jaeger('string', 'false')).toBe('unset');
  });

  it('Zipkin: any value but false, the empty string included', () => {
    expect(zipkin('')).toBe('error');
    expect(zipkin('timeout')).toBe('error');
    expect(zipkin('false')).toBe('unset');
  });
});
