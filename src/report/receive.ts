import { formatDuration } from '../model/duration.js';
import { plural } from '../model/text.js';
import type { ReceiveJson } from './json-contract.js';

/** A trace the live line names: its extent so far and whether a span failed. */
export interface RecentTraceLine {
  traceId: string;
  durationMs: number;
  error: boolean;
}

function counts(summary: ReceiveJson): string {
  const rejected = summary.rejectedSpans > 0 ? ` (${plural(summary.rejectedSpans, 'span')} rejected)` : '';
  return `${plural(summary.requests, 'request')}, ${plural(summary.spans, 'span')} in ${plural(summary.traces, 'trace')}, ${plural(summary.errors, 'error')}${rejected}`;
}

/** The live line on a terminal's stderr: the counts so far and the last few traces (✗ when a span failed), cut to the width. */
export function renderReceiveStatus(summary: ReceiveJson, recent: readonly RecentTraceLine[], width: number): string {
  const last = recent.map((t) => `${t.traceId.slice(0, 8)} ${formatDuration(t.durationMs)}${t.error ? ' ✗' : ''}`).join(', ');
  const line = `receiving: ${counts(summary)}${last === '' ? '' : ` · last: ${last}`}`;
  return line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line;
}

/** What `receive` prints when it stops. */
export function renderReceiveSummary(summary: ReceiveJson): string {
  const where = summary.grpc === null ? `http ${summary.http}` : `http ${summary.http} and grpc ${summary.grpc}`;
  const next = summary.spans > 0 ? `\nnext: tracectl analyze ${summary.out}` : '';
  return `received ${counts(summary)} in ${formatDuration(summary.durationMs)} on ${where}; spans appended to ${summary.out}${next}\n`;
}
