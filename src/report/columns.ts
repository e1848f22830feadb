import type { RenderContext } from './style.js';
import { cutToWidth, visibleLength } from './style.js';
import type { Column } from './table.js';

/** A table column that may give way when the terminal is narrow. */
export interface FitColumn extends Column {
  /** Columns with the lowest priority are dropped first; without one the column always stays. */
  drop?: number;
  /**
   * Cells may be cut (with an ellipsis): for names. They are cut to this width before any
   * column is dropped, and further (to `MIN_NAME`) only when dropping is not enough.
   * Cells must be plain text.
   */
  shrinkTo?: number;
  /** Dropped only once names are cut as far as they go (find's START at 80 columns), not before. */
  outlastsNames?: boolean;
}

/** renderTable's gap after each column. */
const GAP = 2;
/** The least a cut name keeps. */
const MIN_NAME = 8;

/**
 * Makes a table fit `ctx.width` on a terminal: cuts long names to their `shrinkTo` width,
 * then drops the least important columns, then cuts names further, then drops the columns
 * that outlast names. Piped output
 * (`ctx.tty` false) is for machines and keeps every column and full values.
 */
export function fitColumns(columns: readonly FitColumn[], rows: readonly string[][], ctx: RenderContext): { columns: FitColumn[]; rows: string[][] } {
  if (!ctx.tty) return { columns: [...columns], rows: rows.map((r) => [...r]) };
  const natural = columns.map((c, i) => rows.reduce((w, r) => Math.max(w, visibleLength(r[i] ?? '')), visibleLength(c.header)));
  const widths = [...natural];
  const kept = columns.map(() => true);
  const total = (): number => widths.reduce((sum, w, i) => sum + (kept[i] ? w + GAP : 0), 0) - GAP;
  const shrink = (limit: (c: FitColumn) => number): void => {
    for (const [i, c] of columns.entries()) {
      if (!kept[i] || c.shrinkTo === undefined) continue;
      const target = Math.max(limit(c), visibleLength(c.header));
      const excess = total() - ctx.width;
      if (excess > 0 && widths[i]! > target) widths[i] = Math.max(target, widths[i]! - excess);
    }
  };

  shrink((c) => c.shrinkTo!);
  const droppable = columns
    .map((c, i) => ({ i, drop: c.drop }))
    .filter((c): c is { i: number; drop: number } => c.drop !== undefined)
    .sort((a, b) => a.drop - b.drop || b.i - a.i);
  const dropUntilFits = (last: boolean): void => {
    for (const { i } of droppable) {
      if (total() <= ctx.width) break;
      if ((columns[i]!.outlastsNames === true) === last) kept[i] = false;
    }
  };
  dropUntilFits(false);
  shrink(() => MIN_NAME);
  dropUntilFits(true);
  // Dropping a wide column may free more than was needed: give names back what fits.
  for (const [i, c] of columns.entries()) {
    if (kept[i] && c.shrinkTo !== undefined) widths[i] = Math.min(natural[i]!, widths[i]! + Math.max(0, ctx.width - total()));
  }

  const keep = columns.map((_, i) => i).filter((i) => kept[i]);
  return {
    columns: keep.map((i) => columns[i]!),
    rows: rows.map((r) => keep.map((i) => (columns[i]!.shrinkTo !== undefined ? ellipsis(r[i] ?? '', widths[i]!) : (r[i] ?? '')))),
  };
}

/** Cut plain text to `max` columns, the last one an ellipsis. */
export function ellipsis(text: string, max: number): string {
  return cutToWidth(text, max);
}
