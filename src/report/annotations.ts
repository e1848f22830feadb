import type { CheckReport } from '../analyze/budgets.js';
import { formatDuration } from '../model/duration.js';
import { explain, formatValue } from './check.js';
import { cleanText } from './sanitize.js';

/** GitHub Actions workflow commands for `tracectl check`: one annotation per failed or skipped check. */

/** Workflow command data: `%`, CR and LF escaped (actions/toolkit `escapeData`). */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Workflow command property values: also `:` and `,` (actions/toolkit `escapeProperty`). */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * `::error` per failed check and `::warning` per skipped one, pointing at the assertion's
 * line in the budgets file, so the failure shows on the file in a pull request. Trace
 * text is cleaned of control characters first; a newline could otherwise start a new
 * workflow command.
 */
export function renderAnnotations(report: CheckReport, budgetsFile: string): string {
  let out = '';
  for (const r of report.results) {
    if (r.status === 'pass') continue;
    const command = r.status === 'fail' ? 'error' : 'warning';
    const title = `tracectl check: ${cleanText(r.budget)}`;
    let message = `${cleanText(r.assertion)}: ${cleanText(explain(r))}`;
    if (r.worstTraces.length > 0) message += `. Worst trace: ${r.worstTraces[0]!.traceId} (${formatValue(r.worstTraces[0]!.value, r.unit)})`;
    const top = r.attribution?.[0];
    if (top) message += `. Grew most: ${cleanText(top.service)} ${cleanText(top.name)} +${formatDuration(top.deltaMs)}`;
    out += `::${command} file=${escapeProperty(budgetsFile)},line=${r.line},title=${escapeProperty(title)}::${escapeData(message)}\n`;
  }
  return out;
}
