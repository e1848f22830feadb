import type { Ms, Trace } from '../model/span.js';
import { criticalPath, type CriticalSection } from './critical-path.js';
import { traceLlmUsage, type LlmOptions, type SpanLlmUsage, type TraceLlmUsage } from './llm.js';
import { selfTimes } from './self-time.js';

/** What `show` needs of one trace: per-span self time and critical-path sections. */
export interface TraceView {
  trace: Trace;
  selfMs: ReadonlyMap<string, Ms>;
  /** Sections of the critical path, by the span whose own work they are. */
  critical: ReadonlyMap<string, readonly CriticalSection[]>;
  /** The model calls, by span id, and their totals, each call counted once (docs/llm.md). */
  llm: { spans: ReadonlyMap<string, SpanLlmUsage>; total: TraceLlmUsage };
}

export function viewTrace(trace: Trace, prices: LlmOptions = {}): TraceView {
  const critical = new Map<string, CriticalSection[]>();
  for (const section of criticalPath(trace)) {
    const list = critical.get(section.spanId);
    if (list) list.push(section);
    else critical.set(section.spanId, [section]);
  }
  return { trace, selfMs: selfTimes(trace), critical, llm: traceLlmUsage(trace, prices) };
}

/** The services of a trace, in order of first appearance in the tree. */
export function servicesOf(trace: Trace): string[] {
  return [...new Set(trace.spans.map((s) => s.service))];
}
