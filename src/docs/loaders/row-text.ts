/**
 * Empty cells written between two values of a row, at most: keeps columns aligned in ordinary sheets without
 * letting one value in column XFD produce 16,000 separators.
 */
const MAX_GAP_CELLS = 32;

/** A spreadsheet row as text: its cells by column, `a | b | c`, with empty cells kept for gaps (up to a bound). */
export function rowText(cells: ReadonlyArray<{column: number; value: string}>): string {
  const sorted = [...cells].sort((a, b) => a.column - b.column);
  const parts: string[] = [];
  let next = 0;
  for (const cell of sorted) {
    const gap = Math.min(Math.max(0, cell.column - next), MAX_GAP_CELLS);
    for (let index = 0; index < gap; index++) parts.push("");
    parts.push(cell.value);
    next = cell.column + 1;
  }
  return parts.join(" | ");
}
