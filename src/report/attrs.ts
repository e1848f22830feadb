import type { AttrKey, AttrsReport, AttrScope } from '../analyze/attrs.js';
import { fitColumns, type FitColumn } from './columns.js';
import type { AttrsJson } from './json-contract.js';
import { cleanAndTruncate, fitText } from './sanitize.js';
import { palette, type RenderContext } from './style.js';
import { renderTable } from './table.js';
import { plural } from '../model/text.js';
import { compareText } from '../analyze/stats.js';

const NAME_MAX = 120;
/** Each sample value is cut to this many columns in the table. */
const SAMPLE_MAX = 24;

/**
 * The `attrs` report: a table of span keys and one of resource keys, each with the spans and
 * traces that carry it, its value types, its distinct values (`≥100` past the cap), a few
 * samples and where it is found (the operation, or service, with the most spans).
 */
export function renderAttrs(report: AttrsReport, ctx: RenderContext): string {
  const p = palette(ctx);
  const of = (scope: AttrScope): AttrKey[] => report.keys.filter((k) => k.scope === scope);
  const span = of('span');
  const resource = of('resource');
  const head = `${plural(span.length, 'span key')} and ${plural(resource.length, 'resource key')} in ${plural(report.traces, 'trace')} (${plural(report.spans, 'span')})\n`;
  if (report.keys.length === 0) return head;
  const sections = [head];
  for (const [title, keys] of [['SPAN KEY', span], ['RESOURCE KEY', resource]] as const) {
    if (keys.length === 0) continue;
    const columns: FitColumn[] = [
      { header: title, shrinkTo: 32 },
      { header: 'SPANS', align: 'right' },
      { header: 'TRACES', align: 'right', drop: 3 },
      { header: 'TYPE', drop: 2 },
      { header: 'DISTINCT', align: 'right' },
      { header: 'SAMPLES', shrinkTo: 30 },
      { header: 'WHERE', shrinkTo: 30, drop: 1 },
    ];
    const rows = keys.map((k) => [
      cleanAndTruncate(k.key, NAME_MAX),
      String(k.spans),
      String(k.traces),
      typesText(k),
      `${k.distinctCapped ? '≥' : ''}${k.distinct}`,
      k.samples.map((v) => fitText(v, SAMPLE_MAX)).join(', '),
      whereText(k),
    ]);
    const fitted = fitColumns(columns, rows, ctx);
    sections.push(renderTable(fitted.columns, fitted.rows, ctx));
  }
  return `${sections.join('\n')}\n${p.dim('Filter on any of them: tracectl find --where KEY=VALUE (see tracectl attrs --json for every operation)')}\n`;
}

/**
 * `attrs --by-operation`: per service, its resource keys, then per operation the span keys
 * its spans carry and on how many of them (types, distinct values and samples are per key,
 * in the main table and in `--json`).
 */
export function renderAttrsByOperation(report: AttrsReport, ctx: RenderContext): string {
  const p = palette(ctx);
  const services = new Map<string, { resource: string[]; operations: Map<string, [string, number][]> }>();
  const serviceOf = (name: string): { resource: string[]; operations: Map<string, [string, number][]> } => {
    let entry = services.get(name);
    if (entry === undefined) {
      entry = { resource: [], operations: new Map() };
      services.set(name, entry);
    }
    return entry;
  };
  for (const k of report.keys) {
    for (const w of k.where) {
      const service = serviceOf(w.service);
      if (w.name === null) service.resource.push(k.key);
      else {
        const keys = service.operations.get(w.name) ?? [];
        keys.push([k.key, w.spans]);
        service.operations.set(w.name, keys);
      }
    }
  }
  const out: string[] = [];
  for (const name of [...services.keys()].sort(compareText)) {
    const service = services.get(name)!;
    out.push(p.bold(cleanAndTruncate(name, NAME_MAX)));
    if (service.resource.length > 0) out.push(`  resource: ${service.resource.map((k) => cleanAndTruncate(k, NAME_MAX)).join(', ')}`);
    for (const operation of [...service.operations.keys()].sort(compareText)) {
      out.push(`  ${cleanAndTruncate(operation, NAME_MAX)}`);
      const rows = service.operations.get(operation)!.map(([key, spans]) => [`    ${cleanAndTruncate(key, NAME_MAX)}`, String(spans)]);
      out.push(renderTable([{ header: '    KEY' }, { header: 'SPANS', align: 'right' }], rows, ctx).trimEnd());
    }
    out.push('');
  }
  return `${plural(report.traces, 'trace')} (${plural(report.spans, 'span')})\n\n${out.join('\n')}`;
}

/** `string`, or `int 40, string 2` when producers disagree (most spans first). */
function typesText(k: AttrKey): string {
  const types = Object.entries(k.types).sort(([, a], [, b]) => b - a);
  return types.length === 1 ? types[0]![0] : types.map(([type, n]) => `${type} ${n}`).join(', ');
}

/** The operation (or, for a resource key, the service) with the most spans, and how many more there are. */
function whereText(k: AttrKey): string {
  const [first, ...rest] = k.where;
  if (first === undefined) return '';
  const place = first.name === null ? first.service : `${first.service} ${first.name}`;
  return `${cleanAndTruncate(place, NAME_MAX)}${rest.length > 0 ? ` (+${rest.length})` : ''}`;
}

/** `attrs --json`: the report as it is. */
export function attrsJson(report: AttrsReport): AttrsJson {
  return report;
}
