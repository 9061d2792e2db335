/**
 * Text a spreadsheet would run as a formula starts with one of these; such a cell gets a leading quote,
 * the same rule as the partner exports' CSV (export/query.ts).
 */
const FORMULA_START = /^[-=+@\t\r]/

/** A value as one CSV cell (RFC 4180): text that could run as a formula is quoted with `'` first. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  const raw = typeof value === 'string' ? value : JSON.stringify(value)
  const text = FORMULA_START.test(raw) ? `'${raw}` : raw
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/**
 * Rows as CSV with a header row of `columns` (by default every key, in the order first seen), lines
 * ended with CRLF.
 * @example toCsv([{ page: '/', visitors: 3 }]) // 'page,visitors\r\n/,3\r\n'
 */
export function toCsv(rows: readonly Record<string, unknown>[], columns?: readonly string[]): string {
  const header = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))]
  return [header, ...rows.map((r) => header.map((c) => r[c]))].map((cells) => `${cells.map(csvCell).join(',')}\r\n`).join('')
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)

/** An object's fields with nested objects spread as `outer.inner`. */
function flatten(o: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) {
    if (isRecord(v)) Object.assign(out, flatten(v, `${prefix}${k}.`))
    else out[`${prefix}${k}`] = v
  }
  return out
}

/**
 * The rows of a stats answer as a table: the objects of its one list (each object a row, nested
 * objects spread into columns), of each of its lists with a `part` column naming the list when it has
 * several (a grid's rows become rows numbered by `row`), none when its lists are empty, or its fields
 * as one row when it has no list.
 * @example answerRows({ source: 'rollup', rows: [{ value: 'NL', visitors: 3 }] }) // [{ value: 'NL', visitors: 3 }]
 */
export function answerRows(answer: Record<string, unknown>): Record<string, unknown>[] {
  const all = Object.entries(answer).filter((e): e is [string, unknown[]] => Array.isArray(e[1]) && e[1].every((x) => isRecord(x) || Array.isArray(x)))
  const lists = all.filter(([, items]) => items.length > 0)
  // An answer whose lists are all empty (a breakdown with no rows) has no rows, not its fields as one.
  if (!lists.length) return all.length ? [] : [flatten(answer)]
  const rowsOf = (items: unknown[]) => items.map((x, i) => (Array.isArray(x) ? { row: i, ...Object.fromEntries(x.map((v, j) => [String(j), v])) } : flatten(x as Record<string, unknown>)))
  if (lists.length === 1) return rowsOf(lists[0]![1])
  return lists.flatMap(([part, items]) => rowsOf(items).map((r) => ({ part, ...r })))
}
