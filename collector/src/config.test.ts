import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.ts'

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({
      port: 8080, sites: ['localhost'], defaultSites: true, trustProxy: 0, ipv4Prefix: 24, ipv6Prefix: 48,
      maxBodyBytes: 65_536, batchRows: 100_000, clickhouseUrl: undefined, exportMinVisitors: 10,
    })
    expect(c.dataDir).toMatch(/\/data$/)
  })

  it('reads ClickHouse settings as name=value pairs, numbers as numbers', () => {
    expect(loadConfig({}).clickhouseSettings).toEqual({})
    expect(loadConfig({ CLICKHOUSE_SETTINGS: ' max_threads=4, compile_expressions = 0,load_balancing=nearest_hostname,max_execution_time=2.5' }).clickhouseSettings).toEqual({
      max_threads: 4, compile_expressions: 0, load_balancing: 'nearest_hostname', max_execution_time: 2.5,
    })
  })

  it('reads sites, proxies and prefixes', () => {
    const c = loadConfig({ TELLEN_SITES: ' Example.com, shop.example.org ', TRUST_PROXY: 'true', TELLEN_IPV4_PREFIX: '16', CLICKHOUSE_URL: 'http://ch:8123', TELLEN_SECRET: 'x'.repeat(32) })
    expect(c).toMatchObject({ sites: ['example.com', 'shop.example.org'], defaultSites: false, trustProxy: 1, ipv4Prefix: 16, clickhouseUrl: 'http://ch:8123' })
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2)
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(0)
  })

  it.each<[Record<string, string>, RegExp]>([
    [{ PORT: 'eighty' }, /PORT="eighty" must be a whole number/],
    [{ PORT: '70000' }, /PORT="70000" must be at most 65535/],
    [{ PORT: '0x1f90' }, /PORT="0x1f90" must be a whole number/],
    [{ TELLEN_BATCH_ROWS: '1e4' }, /TELLEN_BATCH_ROWS="1e4" must be a whole number/],
    [{ TELLEN_FLUSH_INTERVAL_MS: '2.5' }, /TELLEN_FLUSH_INTERVAL_MS="2.5" must be a whole number/],
    [{ TELLEN_SITES: 'example.com,not a domain' }, /"not a domain" is not a domain name/],
    [{ TELLEN_IPV4_PREFIX: '32' }, /TELLEN_IPV4_PREFIX="32" must be at most 24/],
    [{ TELLEN_IPV6_PREFIX: '64' }, /TELLEN_IPV6_PREFIX="64" must be at most 48/],
    [{ CLICKHOUSE_URL: 'clickhouse:8123' }, /CLICKHOUSE_URL=.* must be an http\(s\) URL/],
    [{ TRUST_PROXY: 'yes' }, /TRUST_PROXY="yes" must be true, false or the number/],
    [{ TELLEN_ADMIN_TOKEN: 'short' }, /TELLEN_ADMIN_TOKEN=.* at least 16 characters/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL="loud"/],
    [{ TELLEN_SECRET: 'short' }, /TELLEN_SECRET=.* at least 32 characters/],
    [{ CLICKHOUSE_URL: 'http://ch:8123' }, /TELLEN_SECRET must be set when CLICKHOUSE_URL is/],
    [{ TELLEN_EXPORT_MIN_VISITORS: '1' }, /TELLEN_EXPORT_MIN_VISITORS="1" must be at least 2/],
    [{ CLICKHOUSE_SETTINGS: 'max_threads' }, /CLICKHOUSE_SETTINGS="max_threads" "max_threads" is not name=value/],
    [{ CLICKHOUSE_SETTINGS: "max_threads=1;DROP TABLE x" }, /CLICKHOUSE_SETTINGS=.* is not name=value/],
    [{ CLICKHOUSE_SETTINGS: 'max_threads=1,max_threads=2' }, /max_threads is given twice/],
    // Settings that would change what is stored or answered: cut results, other counts, stale or partial answers, lost inserts.
    ...['limit=10', 'result_overflow_mode=break', 'timeout_overflow_mode=break', 'count_distinct_implementation=uniq', 'aggregate_functions_null_for_empty=1',
      'use_query_cache=1', 'skip_unavailable_shards=1', 'async_insert=1', 'insert_deduplicate=0', 'insert_deduplication_token=x', 'input_format_skip_unknown_fields=1',
      'date_time_input_format=basic', 'session_timezone=UTC', 'readonly=1'].map((pair) => [{ CLICKHOUSE_SETTINGS: `max_threads=2,${pair}` }, new RegExp(`${pair.split("=")[0]} is not one of the settings Tellen takes`)] as [Record<string, string>, RegExp]),
  ])('refuses %o with a message that names the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(message)
  })
})

describe('privacy settings', () => {
  it('pins test sites to a page server only when TELLEN_TEST_PAGE_SERVER says so', () => {
    expect(loadConfig({}).testPageServer.size).toBe(0)
    const pinned = loadConfig({ TELLEN_TEST_PAGE_SERVER: 'shop.test=127.0.0.1:8443, v6.test=[::1]:9443' }).testPageServer
    expect([...pinned]).toEqual([['shop.test', { address: '127.0.0.1', port: 8443 }], ['v6.test', { address: '::1', port: 9443 }]])
    expect(() => loadConfig({ TELLEN_TEST_PAGE_SERVER: 'shop.test:8443' })).toThrow(/"shop.test:8443" is not host=address:port/)
  })

  it('keeps /24 of IPv4 and /48 of IPv6, 30 days of events and 760 days of rollups by default', () => {
    expect(loadConfig({})).toMatchObject({ ipv4Prefix: 24, ipv6Prefix: 48, eventsRetentionDays: 30, rollupRetentionDays: 760 })
  })

  it('accepts coarser prefixes and any retention from 0 days', () => {
    expect(loadConfig({ TELLEN_IPV4_PREFIX: '8', TELLEN_IPV6_PREFIX: '16' })).toMatchObject({ ipv4Prefix: 8, ipv6Prefix: 16 })
    expect(loadConfig({ TELLEN_EVENTS_RETENTION_DAYS: '0', TELLEN_ROLLUP_RETENTION_DAYS: '0' })).toMatchObject({ eventsRetentionDays: 0, rollupRetentionDays: 0 })
  })

  it.each([
    ['TELLEN_IPV4_PREFIX', '25', /TELLEN_IPV4_PREFIX="25" must be at most 24/],
    ['TELLEN_IPV4_PREFIX', '7', /TELLEN_IPV4_PREFIX="7" must be at least 8/],
    ['TELLEN_IPV6_PREFIX', '49', /TELLEN_IPV6_PREFIX="49" must be at most 48/],
    ['TELLEN_IPV6_PREFIX', '128', /TELLEN_IPV6_PREFIX="128" must be at most 48/],
    ['TELLEN_IPV4_PREFIX', '24.5', /must be a whole number/],
    ['TELLEN_EVENTS_RETENTION_DAYS', '-1', /TELLEN_EVENTS_RETENTION_DAYS="-1" must be at least 0/],
    ['TELLEN_ROLLUP_RETENTION_DAYS', 'forever', /TELLEN_ROLLUP_RETENTION_DAYS="forever" must be a whole number/],
  ])('refuses %s=%s, a prefix finer than allowed or a bad retention', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message)
  })
})
