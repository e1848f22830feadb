// A small app instrumented with the real OpenTelemetry JS SDK, for `tracectl run` tests.
// The exporter reads OTEL_EXPORTER_OTLP_* as any app's would; `tracectl run` sets them.
//   node checkout-app.mjs [--slow] [--exit N] [--requests N]
// The exporter follows OTEL_EXPORTER_OTLP_PROTOCOL: grpc, http/json, else http/protobuf.
// Each request is a server span "GET /checkout" with a client child "SELECT orders"; times are
// set explicitly (no sleeping): the root lasts 120 ms, or 900 ms with --slow.
import { context, SpanKind, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

const args = process.argv.slice(2);
const slow = args.includes('--slow');
const exitAt = args.indexOf('--exit');
const exitCode = exitAt === -1 ? 0 : Number(args[exitAt + 1]);
const requestsAt = args.indexOf('--requests');
const requests = requestsAt === -1 ? 5 : Number(args[requestsAt + 1]);

// The exporter package an app would pick for its protocol; each reads the endpoint from the environment.
const protocol = process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
const exporterPackage = { grpc: '@opentelemetry/exporter-trace-otlp-grpc', 'http/json': '@opentelemetry/exporter-trace-otlp-http' }[protocol] ?? '@opentelemetry/exporter-trace-otlp-proto';
const { OTLPTraceExporter } = await import(exporterPackage);

const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'checkout' }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
const tracer = provider.getTracer('checkout-app');
const base = Date.UTC(2026, 0, 1) / 1000;
for (let i = 0; i < requests; i++) {
  const start = base + i;
  const root = tracer.startSpan('GET /checkout', { kind: SpanKind.SERVER, startTime: [start, 0] });
  const child = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, startTime: [start, 10_000_000] }, trace.setSpan(context.active(), root));
  child.end([start, 90_000_000]);
  root.end(slow ? [start, 900_000_000] : [start, 120_000_000]);
}
await provider.shutdown();
process.stdout.write(`checkout-app: ${requests} requests\n`);
process.exitCode = exitCode;
