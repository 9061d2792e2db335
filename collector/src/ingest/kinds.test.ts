import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { EVENT_TYPES, type EventType } from '../protocol.ts'
import { KINDS, kindColumns } from './kinds.ts'
import { eventSchema } from './schema.ts'

const SQL_DIR = path.join(import.meta.dirname, '../../../sql')

/**
 * The tables each event type feeds through a materialized view on `tellen.events_in` or
 * `tellen.events`, as the migrations leave them (a view created again later replaces the earlier).
 */
function rollupsInMigrations(): Map<EventType, Set<string>> {
  const views = new Map<string, { to: string; types: string[] }>()
  for (const file of fs.readdirSync(SQL_DIR).filter((f) => /^\d+_.*\.sql$/.test(f)).sort()) {
    const text = fs.readFileSync(path.join(SQL_DIR, file), 'utf8').replace(/--.*$/gm, '')
    for (const statement of text.split(';')) {
      const view = /CREATE MATERIALIZED VIEW (?:IF NOT EXISTS )?tellen\.(\w+) TO tellen\.(\w+)/.exec(statement)
      if (!view || !/FROM tellen\.events(_in)?\b/.test(statement)) continue
      const types = [...statement.matchAll(/type\s*(?:=\s*'(\w+)'|IN\s*\(([^)]*)\))/g)].flatMap((m) => (m[1] ? [m[1]] : m[2]!.match(/\w+/g)!))
      views.set(view[1]!, { to: view[2]!, types })
    }
  }
  const fed = new Map<EventType, Set<string>>(EVENT_TYPES.map((t) => [t, new Set()]))
  for (const { to, types } of views.values()) for (const t of types) fed.get(t as EventType)?.add(to)
  return fed
}

describe('KINDS', () => {
  it('declares every event type of the protocol, with the wire schema of its type', () => {
    expect(Object.keys(KINDS).sort()).toEqual([...EVENT_TYPES].sort())
    expect(eventSchema.options.map((o) => o.shape.type.value).sort()).toEqual([...EVENT_TYPES].sort())
    for (const type of EVENT_TYPES) expect(KINDS[type].wire.shape.type).toBeDefined()
  })

  it('names exactly the rollups the migrations feed from each type', () => {
    const fed = rollupsInMigrations()
    for (const type of EVENT_TYPES) expect([...KINDS[type].rollups].sort(), type).toEqual([...fed.get(type)!].sort())
  })

  it('gives the columns of a kind, or says why the event cannot be stored', () => {
    const context = { site: 'example.com', params: new Map<string, string>(), cleanOptions: {}, referrer: undefined }
    expect(kindColumns({ type: 'timing', url: 'https://example.com/', metric: 'lcp', value: 1200 }, context)).toEqual({ name: 'lcp', value: 1200 })
    expect(kindColumns({ type: 'download', url: 'https://example.com/', resource: 'ftp://example.com/a.zip' }, context)).toBe('resource is not an http(s) URL')
    expect(kindColumns({ type: 'call', url: 'https://example.com/', number: '+31 (20) 123-4567' }, context)).toEqual({ target: '+31201234567' })
  })
})
