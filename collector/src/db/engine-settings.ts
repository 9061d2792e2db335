import { CLIENT_SETTINGS, EMBEDDED_INSERT_SETTINGS } from './client.ts'
import { CLUSTER_SETTINGS } from './cluster.ts'

/** ClickHouse settings given by the operator (CLICKHOUSE_SETTINGS), sent with every statement. */
export type EngineSettings = Readonly<Record<string, string | number>>

/**
 * Settings Tellen sets itself, which the operator may not change: its inserts, deduplication and
 * answers depend on them.
 */
const OWN_SETTINGS = new Set([
  ...Object.keys(CLIENT_SETTINGS),
  ...Object.keys(EMBEDDED_INSERT_SETTINGS),
  ...Object.keys(CLUSTER_SETTINGS),
  'deduplicate_blocks_in_dependent_materialized_views',
  'default_format',
  'mutations_sync',
  'output_format_csv_crlf_end_of_line',
  'readonly',
])

/**
 * Settings that decide how rows are parsed, formatted, acknowledged or deduplicated, or how times
 * are read: an operator's value could lose or double acknowledged events, or change answers.
 */
const GUARDED = /^(input_format_|output_format_|format_|insert_|async_insert|wait_for_async_insert|deduplicate_|date_time_|session_timezone$)/

/**
 * Reads `CLICKHOUSE_SETTINGS`: `name=value` pairs separated by commas, such as
 * `max_threads=4,max_execution_time=30`. A value of digits is a number, any other a string. Returns
 * the problem in words instead when the text is not such a list, or names a setting Tellen sets
 * itself or one that would change how its rows are written or read; a name ClickHouse does not know
 * stops the first statement, and with it the start.
 * @example
 * parseEngineSettings('max_threads=4') // { max_threads: 4 }
 */
export function parseEngineSettings(text: string): EngineSettings | string {
  const settings: Record<string, string | number> = {}
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z_][a-z0-9_]*)\s*=\s*([A-Za-z0-9_.:+-]+)$/.exec(pair)
    if (!m) return `"${pair}" is not name=value (a setting's name, then a value of letters, digits and _ . : + -)`
    const [, name, value] = m as unknown as [string, string, string]
    if (OWN_SETTINGS.has(name)) return `${name} is set by Tellen itself and cannot be changed`
    if (GUARDED.test(name)) return `${name} would change how Tellen's rows are written, deduplicated or read, and cannot be set`
    if (name in settings) return `${name} is given twice`
    settings[name] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value
  }
  return settings
}
