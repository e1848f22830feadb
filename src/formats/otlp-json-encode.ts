import type { AttributeValue, Attributes, SpanKind, SpanRecord, SpanStatus } from '../model/span.js';

/**
 * The encoder behind `tracectl receive`: spans as one line of the OpenTelemetry Collector's
 * file exporter, an ExportTraceServiceRequest in the OTLP JSON encoding (hex ids, nanosecond
 * times as decimal strings, enums as numbers), so every tracectl command and any Collector
 * tooling reads the file. It writes what the decoders keep: resource and span attributes,
 * events, links, kind and status; instrumentation scopes are not kept, and an integer-valued
 * double comes back as an int (the model holds one number type).
 */
export function encodeOtlpJsonLine(spans: readonly SpanRecord[]): string {
  // The OTLP decoders share one resource object among the spans of a resourceSpans entry.
  const byResource = new Map<Attributes, SpanRecord[]>();
  for (const span of spans) {
    const group = byResource.get(span.resource);
    if (group === undefined) byResource.set(span.resource, [span]);
    else group.push(span);
  }
  const resourceSpans = [...byResource].map(([resource, group]) => ({
    resource: { attributes: keyValues(resource) },
    scopeSpans: [{ scope: {}, spans: group.map(spanJson) }],
  }));
  return `${JSON.stringify({ resourceSpans })}\n`;
}

const KIND_NUMBERS: Record<SpanKind, number> = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const STATUS_NUMBERS: Record<SpanStatus, number> = { unset: 0, ok: 1, error: 2 };

function spanJson(span: SpanRecord): Record<string, unknown> {
  const status: Record<string, unknown> = {};
  if (span.status !== 'unset') status.code = STATUS_NUMBERS[span.status];
  if (span.statusMessage !== null) status.message = span.statusMessage;
  const json: Record<string, unknown> = { traceId: span.traceId, spanId: span.spanId };
  if (span.parentSpanId !== null) json.parentSpanId = span.parentSpanId;
  json.name = span.name;
  json.kind = KIND_NUMBERS[span.kind];
  json.startTimeUnixNano = span.startNs.toString();
  json.endTimeUnixNano = (span.startNs + BigInt(span.durationNs)).toString();
  json.attributes = keyValues(span.attributes);
  if (span.events.length > 0) {
    json.events = span.events.map((event) => ({ timeUnixNano: event.timeNs.toString(), name: event.name, attributes: keyValues(event.attributes) }));
  }
  if (span.links.length > 0) json.links = span.links.map((link) => ({ traceId: link.traceId, spanId: link.spanId }));
  json.status = status;
  return json;
}

function keyValues(attributes: Attributes): { key: string; value: Record<string, unknown> }[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: anyValue(value) }));
}

/** One AnyValue as protojson writes it: int64 as a decimal string, NaN and the infinities as strings. */
function anyValue(value: AttributeValue): Record<string, unknown> {
  if (value === null) return {};
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return { intValue: value.toString() };
    return { doubleValue: Number.isFinite(value) ? value : String(value) };
  }
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  return { kvlistValue: { values: keyValues(value as Attributes) } };
}
