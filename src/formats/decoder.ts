import type { SpanRecord } from '../model/span.js';

/** The wire formats tracectl reads; `--input-format` takes these names. */
export const inputFormats = ['otlp-json', 'otlp-proto', 'jaeger-json', 'zipkin-json', 'console'] as const;
export type InputFormat = (typeof inputFormats)[number];

/**
 * What a decoder returns for one payload. Bad data inside a recognized payload is a
 * warning (the span is skipped and the warning says why), never an exception: the rest
 * of the payload still decodes.
 */
export interface Decoded {
  spans: SpanRecord[];
  warnings: string[];
  /** Spans the payload held that were skipped (OTLP decoders): what an OTLP receiver reports as rejected. */
  skipped?: number;
}
