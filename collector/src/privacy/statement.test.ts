import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../config.ts'
import { SQL_DIR } from '../db/migrate.ts'
import { EVENT_TYPES } from '../protocol.ts'
import { QUERY_ALLOWLIST, REJECTIONS_RETENTION_DAYS, SALT_KEEP_HOURS_AFTER_DAY, URL_PLACEHOLDERS } from './policy.ts'
import { privacyStatement, STATEMENT_LANGUAGES } from './statement.ts'

describe('privacyStatement', () => {
  it.each(STATEMENT_LANGUAGES)('follows the configured prefixes and retentions (%s)', (lang) => {
    const text = privacyStatement(loadConfig({ TELLEN_IPV4_PREFIX: '16', TELLEN_IPV6_PREFIX: '32', TELLEN_EVENTS_RETENTION_DAYS: '9', TELLEN_ROLLUP_RETENTION_DAYS: '400' }), lang)
    expect(text).toContain('/16')
    expect(text).toContain('/32')
    expect(text).not.toContain('/24')
    expect(text).not.toContain('/48')
    expect(text).toMatch(/\b9 (days|dagen)\b/)
    expect(text).toMatch(/\b400 (days|dagen)\b/)
    expect(text).not.toMatch(/\b30 (days|dagen) (and|bewaard en)/)
    const defaults = privacyStatement(loadConfig({}), lang)
    expect(defaults).toContain('/24')
    expect(defaults).toContain('/48')
    expect(defaults).toMatch(/\b30 (days|dagen)\b/)
    expect(defaults).toMatch(/\b760 (days|dagen)\b/)
  })

  it.each(STATEMENT_LANGUAGES)('says that events are not kept and rollups kept until deleted when retention is 0 (%s)', (lang) => {
    const text = privacyStatement(loadConfig({ TELLEN_EVENTS_RETENTION_DAYS: '0', TELLEN_ROLLUP_RETENTION_DAYS: '0' }), lang)
    expect(text).toMatch(/events are not kept|gebeurtenissen worden niet bewaard/)
    expect(text).toMatch(/until the site owner deletes them|tot de eigenaar van de site ze verwijdert/)
    expect(text).not.toMatch(/\b0 (days|dagen)\b/)
  })

  it.each(STATEMENT_LANGUAGES)('names every collected event type, every kept parameter and every placeholder (%s)', (lang) => {
    const text = privacyStatement(loadConfig({}), lang)
    for (const type of EVENT_TYPES) expect(text).toContain(`\`${type}\``)
    for (const param of QUERY_ALLOWLIST) expect(text).toContain(`\`${param}\``)
    for (const placeholder of Object.values(URL_PLACEHOLDERS)) expect(text).toContain(`\`${placeholder}\``)
    expect(text).toContain('Sec-GPC: 1')
    expect(text).toContain('DNT: 1')
    expect(text).toContain('/.well-known/dnt/')
    expect(text).toMatch(/48 (hours|uur)/)
  })

  it('states the retentions that the migrations set as TTLs', () => {
    expect(fs.readFileSync(`${SQL_DIR}/004_rejections.sql`, 'utf8')).toContain(`TTL day + INTERVAL ${REJECTIONS_RETENTION_DAYS} DAY`)
    // A salt row of day D expires at D + 1 day (the day's end) + SALT_KEEP_HOURS_AFTER_DAY.
    expect(fs.readFileSync(`${SQL_DIR}/003_salts.sql`, 'utf8')).toContain(`TTL day + INTERVAL ${1 + SALT_KEEP_HOURS_AFTER_DAY / 24} DAY`)
    expect(fs.readFileSync(`${SQL_DIR}/090_sealed_salts.sql`, 'utf8')).toContain(`TTL day + INTERVAL ${1 + SALT_KEEP_HOURS_AFTER_DAY / 24} DAY`)
  })

  it.each(STATEMENT_LANGUAGES)('says what the collector key protects and what it does not (%s)', (lang) => {
    const text = privacyStatement(loadConfig({}), lang)
    expect(text).toMatch(/without that collector key cannot link a code|zonder die verzamelaarsleutel, kan een code niet/)
    expect(text).toMatch(/both the collector key and the database within 48 hours|zowel de verzamelaarsleutel als de database heeft binnen 48 uur/)
  })
})
