/**
 * Lays rows out as a plain-text table: a header row, then one line per row, columns padded to the
 * widest cell and separated by two spaces (the last column unpadded).
 * @example formatTable(['DOMAIN', 'TIME ZONE'], [['shop.test', 'Europe/Amsterdam']])
 * // 'DOMAIN     TIME ZONE\nshop.test  Europe/Amsterdam\n'
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()
  return [header, ...rows].map(line).join('\n') + '\n'
}
