import { dim, note } from '../ui.ts'

/** Prints rows as aligned columns on stdout; with no rows, says so on stderr. */
export function printTable(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
): void {
  if (rows.length === 0) {
    note(dim('(none)'))
    return
  }
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd()
  process.stdout.write(`${[line(headers), ...rows.map(line)].join('\n')}\n`)
}
