/** ClickHouse settings given by the operator (CLICKHOUSE_SETTINGS), sent with every statement. */
export type EngineSettings = Readonly<Record<string, string | number>>

/**
 * The settings an operator may give: those of threads, memory, time, caches and compiling, which
 * change how fast and with what an answer is made, never what it holds. Any other could change
 * what Tellen stores or answers: `limit` or a `…_overflow_mode` of `break` would cut results short
 * (the visits job would lose events, an export rows), `count_distinct_implementation` or
 * `aggregate_functions_null_for_empty` would change counts (and with them the k of an export),
 * `use_query_cache` would answer from a stale result, `skip_unavailable_shards` from part of a
 * cluster, and `async_insert`, `insert_…` or `input_format_…` could lose or double acknowledged events.
 */
const ALLOWED = new Set([
  'max_threads',
  'max_insert_threads',
  'max_memory_usage',
  'max_memory_usage_for_user',
  'max_bytes_before_external_group_by',
  'max_bytes_before_external_sort',
  'max_execution_time',
  'max_block_size',
  'max_network_bandwidth',
  'priority',
  'os_thread_priority',
  'use_uncompressed_cache',
  'load_balancing',
  'log_comment',
  'compile_expressions',
  'compile_aggregate_expressions',
  'compile_sort_description',
  'min_count_to_compile_expression',
  'min_count_to_compile_aggregate_expression',
  'min_count_to_compile_sort_description',
])

/**
 * Reads `CLICKHOUSE_SETTINGS`: `name=value` pairs separated by commas, such as
 * `max_threads=4,max_execution_time=30`. A value of digits is a number, any other a string. Returns
 * the problem in words instead when the text is not such a list or names a setting outside
 * `ALLOWED`; a value the engine does not take stops the first statement, and with it the start.
 * @example
 * parseEngineSettings('max_threads=4') // { max_threads: 4 }
 */
export function parseEngineSettings(text: string): EngineSettings | string {
  const settings: Record<string, string | number> = {}
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([a-z_][a-z0-9_]*)\s*=\s*([A-Za-z0-9_.:+-]+)$/.exec(pair)
    if (!m) return `"${pair}" is not name=value (a setting's name, then a value of letters, digits and _ . : + -)`
    const [, name, value] = m as unknown as [string, string, string]
    if (!ALLOWED.has(name)) return `${name} is not one of the settings Tellen takes, which change only how fast an answer is made: ${[...ALLOWED].join(', ')}`
    if (name in settings) return `${name} is given twice`
    settings[name] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value
  }
  return settings
}
