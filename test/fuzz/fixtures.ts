import { readFileSync } from 'node:fs';

/** The real fixtures (fixtures/SOURCES.md) the mutation tests start from, by the decoder that reads them. */

const fixtureUrl = (path: string): URL => new URL(`../../fixtures/${path}`, import.meta.url);
export const readFixtureBytes = (path: string): Uint8Array => new Uint8Array(readFileSync(fixtureUrl(path)));
export const readFixtureText = (path: string): string => readFileSync(fixtureUrl(path), 'utf8');

export interface Fixture {
  name: string;
  payload: unknown;
}

function jsonFixture(path: string): Fixture {
  return { name: path, payload: JSON.parse(readFixtureText(path)) as unknown };
}

/** The first `n` lines of a JSON-lines fixture, each a payload of its own. */
function lineFixtures(path: string, n: number): Fixture[] {
  return readFixtureText(path)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, n)
    .map((line, i) => ({ name: `${path}:${i + 1}`, payload: JSON.parse(line) as unknown }));
}

export const otlpJsonFixtures: Fixture[] = [
  jsonFixture('otlp/otlp-trace.json'),
  jsonFixture('otlp/otlp-trace-multi-service.json'),
  jsonFixture('otlp/hotrod-dispatch.json'),
  jsonFixture('tempo/kiali-tempo-v1-trace.json'),
  jsonFixture('tempo/tempo-v1-batches-unmarshal-input.json'),
  jsonFixture('jaeger/apiv3-hotrod-trace.json'),
  jsonFixture('jaeger/jaeger-apiv3-trace.json'),
  ...lineFixtures('otlp/otlp-jsonl-nodejs-sdk.jsonl', 2),
  ...lineFixtures('otlp/otlp-file-exporter-spec-example.jsonl', 2),
];

export const jaegerJsonFixtures: Fixture[] = [
  jsonFixture('jaeger/jaeger-v1-trace.json'),
  jsonFixture('jaeger/jaeger-v1-trace-edgecases.json'),
  jsonFixture('jaeger/jaeger-v1-response-envelope.json'),
  jsonFixture('jaeger/crisp-18.json'),
];

export const zipkinJsonFixtures: Fixture[] = [
  jsonFixture('zipkin/yelp-trace.json'),
  jsonFixture('zipkin/zipkin-v2-trace-128bit-messaging.json'),
  jsonFixture('zipkin/zipkin-v2-trace-skew.json'),
  jsonFixture('zipkin/messaging-kafka.json'),
];

/**
 * Files whose bytes go through `decodeInput` whole and truncated: small ones are cut at
 * every position, larger ones at sampled positions.
 */
export const byteFixtures = [
  'otlp/otlp-trace.json',
  'otlp/otlp-trace-multi-service.json',
  'otlp/otlp-jsonl-nodejs-sdk.jsonl',
  'otlp/otlp-file-exporter-spec-example.jsonl',
  'tempo/tempo-v1-batches-unmarshal-input.json',
  'jaeger/jaeger-apiv3-trace.json',
  'jaeger/jaeger-v1-response-envelope.json',
  'jaeger/jaeger-v1-trace-edgecases.json',
  'zipkin/zipkin-v2-trace-skew.json',
  'zipkin/zipkin-v2-trace-128bit-messaging.json',
  'otlp/hotrod-dispatch.json',
  'tempo/kiali-tempo-v1-trace.json',
  'jaeger/jaeger-v1-trace.json',
  'jaeger/crisp-18.json',
  'zipkin/yelp-trace.json',
  'zipkin/messaging-kafka.json',
];
