import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectorSecretFile } from '../collector/src/collector-secret.ts'
import { utcDay, visitorHash } from '../collector/src/ingest/visitor.ts'
import { openSalt, saltSealKey } from '../collector/src/privacy/salt-seal.ts'
import { postEvents, rows, runCollectorToExit, startCollector, UA, withDataDir, type Collector } from './helpers/collector.ts'

const SITE = 'reader.test'
const ADDRESS = '127.0.0.1'
const SALT_BYTES = 32

/** Every regular file under `dir`, recursively (links are skipped: the engine links to its own store). */
const filesUnder = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []))

/** Every way a reader may take stored bytes as a salt: the text, its hex decoding, and every 32-byte window of either. */
function saltCandidates(value: string): Buffer[] {
  const forms = [Buffer.from(value)]
  if (/^([0-9a-f]{2})+$/i.test(value)) forms.push(Buffer.from(value, 'hex'))
  const out: Buffer[] = []
  for (const form of forms) {
    out.push(form)
    for (let at = 0; at + SALT_BYTES <= form.length; at++) out.push(form.subarray(at, at + SALT_BYTES))
  }
  return out
}

describe('a database reader without the collector key', () => {
  let c: Collector
  beforeAll(async () => {
    c = await startCollector({ TELLEN_SITES: SITE })
    const sent = await postEvents(c.url, { v: 1, site: SITE, events: [{ type: 'pageview', url: `https://${SITE}/` }] }, { 'user-agent': UA.firefoxWindows })
    expect(sent.status).toBe(202)
    expect(await c.stop()).toBe(0)
  })
  afterAll(() => fs.rmSync(c.dataDir, { recursive: true, force: true }))

  it('cannot match a visitor code to an address with anything stored, while the key holder can', async () => {
    const keyFile = collectorSecretFile(c.dataDir)
    const { codes, stored } = await withDataDir(c.dataDir, async (db) => {
      const codes = (await rows<{ visitor: string }>(db, 'SELECT DISTINCT toString(visitor) AS visitor FROM tellen.events')).map((r) => r.visitor)
      // Every column of every table, as the reader sees it: text.
      const tables = await rows<{ name: string }>(db, `SELECT name FROM system.tables WHERE database = 'tellen' AND engine NOT IN ('MaterializedView', 'View', 'Null')`)
      const stored: { table: string; value: string }[] = []
      for (const { name } of tables) {
        const columns = await rows<{ name: string }>(db, `SELECT name FROM system.columns WHERE database = 'tellen' AND table = {t:String}`, { t: name })
        const cells = await rows<Record<string, string>>(db, `SELECT ${columns.map((col) => `toString(\`${col.name}\`) AS \`${col.name}\``).join(', ')} FROM tellen.\`${name}\``)
        for (const row of cells) for (const value of Object.values(row)) if (value.length >= SALT_BYTES) stored.push({ table: name, value })
      }
      return { codes, stored }
    })
    expect(codes).toHaveLength(1)
    const [code] = codes
    const salts = stored.filter((s) => s.table === 'salts')
    expect(salts.length).toBeGreaterThan(0)

    // Known plaintext: the reader knows the address, the browser and the code, and tries every stored byte string as the salt.
    for (const { value } of stored) {
      for (const candidate of saltCandidates(value)) expect(visitorHash(candidate, SITE, ADDRESS, UA.firefoxWindows)).not.toBe(code)
    }

    // With the key the same stored salt gives the code: the test above had something to find.
    const key = saltSealKey(fs.readFileSync(keyFile, 'utf8').trim())
    const today = utcDay(Date.now())
    const sealed = await withDataDir(c.dataDir, (db) => rows<{ sealed: string }>(db, 'SELECT min(sealed) AS sealed FROM tellen.salts WHERE day = {d:Date}', { d: today }))
    const salt = openSalt(key, today, sealed[0]!.sealed)
    expect(visitorHash(salt, SITE, ADDRESS, UA.firefoxWindows)).toBe(code)

    // Nor is the salt in any file of the data directory but the key's.
    for (const file of filesUnder(c.dataDir)) {
      if (file === keyFile) continue
      const bytes = fs.readFileSync(file)
      expect(bytes.includes(salt), file).toBe(false)
      expect(bytes.includes(Buffer.from(salt.toString('hex'))), file).toBe(false)
    }
  })

  it('refuses to start with another key rather than making codes that link nothing, and says why', async () => {
    const r = await runCollectorToExit({ DATA_DIR: c.dataDir, TELLEN_SITES: SITE, TELLEN_SECRET: 'a different secret of thirty-two characters or more' })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/could not start: the stored salt of \d{4}-\d\d-\d\d does not open with this collector's TELLEN_SECRET/)
  })

  it('refuses to start against a ClickHouse server without TELLEN_SECRET, naming it', async () => {
    const r = await runCollectorToExit({ CLICKHOUSE_URL: 'http://127.0.0.1:9', TELLEN_SECRET: '' })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/TELLEN_SECRET must be set when CLICKHOUSE_URL is/)
  })
})
