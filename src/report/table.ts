import Table from 'cli-table3';
import type { RenderContext } from './style.js';
import { palette } from './style.js';

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/**
 * A borderless, aligned table (the one place cli-table3 is used). Cells must already be
 * cleaned of control characters; they may hold our own colour codes.
 */
export function renderTable(columns: readonly Column[], rows: readonly string[][], ctx: RenderContext): string {
  const p = palette(ctx);
  const table = new Table({
    head: columns.map((c) => p.bold(c.header)),
    colAligns: columns.map((c) => c.align ?? 'left'),
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2, compact: true },
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
      bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '',
      right: '', 'right-mid': '', middle: '',
    },
  });
  for (const row of rows) table.push(row);
  // cli-table3 pads the last column too; trailing blanks only get in the way of diffs and pipes.
  return `${table.toString().split('\n').map((l) => l.trimEnd()).join('\n')}\n`;
}
