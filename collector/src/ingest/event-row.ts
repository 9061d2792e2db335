/** The columns that depend on the type of the event, the last ones of a row, with their empty values. */
export const TYPE_COLUMNS = {
  referrer_host: '', source: '', name: '', target: '', value: 0, scroll: 0, cell_x: 0, cell_y: 0, grid: [] as number[], props: {} as Record<string, string>,
}

/**
 * The layout of an event row as the pipeline writes it for `tellen.events_in`: a JSON array with one
 * value per column, in this order (JSONCompactEachRow). Positional rows cost the engine about 0.7 µs
 * less per row to parse than objects with column names (bench/lib/insert-cost.ts); every column is
 * present, empty ones as `""`, `0`, `[]` or `{}`.
 */
export const EVENT_COLUMNS = [
  // The same for every event of a request.
  'site', 'visitor', 'browser', 'browser_version', 'os', 'os_version', 'device', 'screen', 'timezone', 'language', 'country', 'ip_prefix',
  'type', 'ts',
  // The same for every event on a page.
  'hostname', 'path', 'query', 'utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content',
  // Set by some types of event: those of TYPE_COLUMNS, in its order.
  ...(Object.keys(TYPE_COLUMNS) as (keyof typeof TYPE_COLUMNS)[]),
] as const

export type EventColumn = (typeof EVENT_COLUMNS)[number]

/** Tables whose writers take positional rows, with their columns; any other table takes JSONEachRow. */
export const POSITIONAL_TABLES: Readonly<Record<string, readonly string[]>> = { 'tellen.events_in': EVENT_COLUMNS }

/**
 * The format of a batch of rows: positional (a JSON array per line) for a table that has columns in
 * `POSITIONAL_TABLES`, else JSONEachRow. Batches spooled before rows became positional start with `{`
 * and are still inserted as JSONEachRow.
 */
export function rowFormat(table: string, payload: Buffer): { format: 'JSONEachRow' } | { format: 'JSONCompactEachRow'; columns: readonly string[] } {
  const columns = POSITIONAL_TABLES[table]
  return columns && payload[0] === 0x5b ? { format: 'JSONCompactEachRow', columns } : { format: 'JSONEachRow' }
}

/**
 * An event row as an object by column name, for tests and tools that read what the pipeline wrote.
 * The visitor (64 bits, written as a number) is given as a string of its digits, exactly.
 */
export function eventRowObject(line: string): Record<EventColumn, unknown> {
  const values = JSON.parse(line.replace(/^(\["(?:[^"\\]|\\.)*",)(\d+),/, '$1"$2",')) as unknown[]
  if (!Array.isArray(values) || values.length !== EVENT_COLUMNS.length) throw new Error(`not an event row of ${EVENT_COLUMNS.length} columns: ${line.slice(0, 80)}`)
  return Object.fromEntries(EVENT_COLUMNS.map((c, i) => [c, values[i]])) as Record<EventColumn, unknown>
}
