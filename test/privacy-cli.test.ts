import { execFile, spawn } from 'node:child_process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postEvents, ROOT, rows, startCollector, UA, withDataDir, type Collector } from './helpers/collector.ts'
import { programArgs } from './helpers/programs.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'

const TOKEN = 'test-admin-token-0123456789'

/** Runs the real `tellen` command with a clean environment and no terminal on stdin. */
function tellen(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [...programArgs('cli'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '9', TELLEN_ADMIN_TOKEN: TOKEN, ...env },
    }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }))
    child.stdin?.end()
  })
}

/** Runs `tellen` in a pseudo-terminal (util-linux `script`) and answers its prompt. */
function tellenInTerminal(args: string[], env: Record<string, string>, answer: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const command = [process.execPath, ...programArgs('cli'), ...args].map((a) => `'${a}'`).join(' ')
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '9', TELLEN_ADMIN_TOKEN: TOKEN, ...env },
    })
    let output = ''
    let answered = false
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString()
      if (!answered && output.includes('[y/N]')) {
        answered = true
        child.stdin.write(`${answer}\n`)
      }
    })
    child.on('exit', (code) => resolve({ code: code ?? 1, output }))
  })
}

const bySite = (dataDir: string) =>
  withDataDir(dataDir, async (db) => {
    const out: Record<string, Record<string, number>> = {}
    for (const table of ['events', 'rejections', 'rollup_honoured']) {
      const r = await rows<{ site: string; n: number }>(db, `SELECT site, toUInt32(count()) AS n FROM tellen.${table} GROUP BY site`)
      out[table] = Object.fromEntries(r.map((x) => [x.site, x.n]))
    }
    return out
  })

describe('tellen forget', () => {
  const dataDir = migratedDataDir()
  let c: Collector
  const results: Record<string, { code: number; stdout: string; stderr: string }> = {}
  let afterRemote: Awaited<ReturnType<typeof bySite>>
  let unauthorised: number
  let afterDeclined: Awaited<ReturnType<typeof bySite>>

  beforeAll(async () => {
    c = await startCollector({ TELLEN_SITES: 'example.com,shop.test', TRUST_PROXY: '1' }, dataDir)
    for (const site of ['example.com', 'shop.test']) {
      const batch = { v: 1, site, events: [{ type: 'pageview', url: `https://${site}/a` }, { type: 'download', url: `https://${site}/a`, resource: `https://${site}/f.pdf` }] }
      expect((await postEvents(c.url, batch, { 'x-forwarded-for': '203.0.113.5' })).json).toEqual({ accepted: 2 })
      await postEvents(c.url, batch, { dnt: '1' })
      await postEvents(c.url, batch, { 'user-agent': UA.googlebot })
    }
    const remote = { TELLEN_URL: c.url }
    results.noTty = await tellen(['forget', '--site', 'shop.test'], remote)
    results.badDate = await tellen(['forget', '--site', 'shop.test', '--from', '2026-13-40', '--yes'], remote)
    results.badRange = await tellen(['forget', '--site', 'shop.test', '--from', '2026-02-01', '--to', '2026-01-01', '--yes'], remote)
    results.otherDays = await tellen(['forget', '--site', 'example.com', '--from', '2020-01-01', '--to', '2020-01-31', '--yes'], remote)
    results.remote = await tellen(['forget', '--site', 'shop.test', '--yes'], remote)
    // The CLI's own environment says otherwise; the statement is that of the collector that runs.
    results.statement = await tellen(['privacy-statement'], { ...remote, TELLEN_IPV4_PREFIX: '16', TELLEN_EVENTS_RETENTION_DAYS: '0' })
    const statement = (query: string, auth = true) =>
      fetch(`${c.url}/api/admin/privacy-statement${query}`, { headers: auth ? { authorization: `Bearer ${TOKEN}` } : {} })
        .then(async (r) => ({ code: r.status, stdout: await r.text(), stderr: r.headers.get('content-type') ?? '' }))
    results.statementNl = await statement('?lang=nl')
    results.statementBadLang = await statement('?lang=de')
    results.statementNoToken = await statement('', false)
    unauthorised = (await fetch(`${c.url}/api/admin/forget`, { method: 'POST', body: JSON.stringify({ site: 'example.com' }) })).status
    results.badBody = await fetch(`${c.url}/api/admin/forget`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{"site":' })
      .then(async (r) => ({ code: r.status, stdout: await r.text(), stderr: '' }))
    expect(await c.stop()).toBe(0)
    afterRemote = await bySite(dataDir)
    const declined = await tellenInTerminal(['forget', '--site', 'example.com'], { DATA_DIR: dataDir }, 'n')
    results.declined = { code: declined.code, stdout: declined.output, stderr: '' }
    afterDeclined = await bySite(dataDir)
    const confirmed = await tellenInTerminal(['forget', '--site', 'example.com', '--to', '2020-12-31'], { DATA_DIR: dataDir }, 'y')
    results.confirmed = { code: confirmed.code, stdout: confirmed.output, stderr: '' }
    results.local = await tellen(['forget', '--site', 'example.com', '--from', '2020-01-01', '--yes'], { DATA_DIR: dataDir })
  })

  afterAll(async () => {
    await c?.stop('SIGKILL')
  })

  it('refuses to delete without a terminal to confirm in, unless --yes is given', () => {
    expect(results.noTty!.code).toBe(1)
    expect(results.noTty!.stderr).toBe('tellen: refusing to delete without confirmation: run in a terminal to answer the prompt, or pass --yes\n')
  })

  it('asks in a terminal and deletes only after yes', () => {
    expect(results.declined!.stdout).toContain('Delete all data of example.com from every table? This cannot be undone. [y/N]')
    expect(results.declined!.stdout).toContain('tellen: nothing deleted')
    expect(results.declined!.code).toBe(1)
    expect(afterDeclined).toEqual(afterRemote)
    expect(results.confirmed!.stdout).toContain('Delete all data of example.com from the start to 2020-12-31 from every table?')
    expect(results.confirmed!.stdout).toMatch(/deleted 0 rows of example\.com from the start to 2020-12-31/)
    expect(results.confirmed!.code).toBe(0)
  })

  it('prints the privacy statement of the running collector when one runs', () => {
    expect(results.statement).toMatchObject({ code: 0 })
    expect(results.statement!.stdout).toMatch(/^# Website statistics\n/)
    expect(results.statement!.stdout).toContain('(/24)')
    expect(results.statement!.stdout).not.toContain('(/16)')
    expect(results.statement!.stdout).toContain('events are kept for 30 days')
  })

  it('serves the statement to the admin token only, in a language it has', () => {
    expect(results.statementNl).toMatchObject({ code: 200, stderr: 'text/markdown; charset=utf-8' })
    expect(results.statementNl!.stdout).toMatch(/^# Websitestatistieken\n/)
    expect(results.statementNl!.stdout).toContain('(/24)')
    expect(results.statementNoToken!.code).toBe(401)
    expect(results.statementBadLang).toMatchObject({ code: 400, stderr: expect.stringMatching(/^application\/json/) })
    expect(JSON.parse(results.statementBadLang!.stdout)).toEqual({ error: 'lang must be en or nl' })
  })

  it('says what is wrong with a bad date or range', () => {
    expect(results.badDate).toMatchObject({ code: 1, stderr: expect.stringMatching(/^tellen: from: is not a calendar date\n$/) })
    expect(results.badRange).toMatchObject({ code: 1, stderr: 'tellen: from must not be after to\n' })
    expect(unauthorised).toBe(401)
    expect(results.badBody!.code).toBe(400)
    expect(JSON.parse(results.badBody!.stdout).error).toMatch(/not valid JSON/)
  })

  it('deletes only the given days through the running server', () => {
    expect(results.otherDays!.code).toBe(0)
    expect(results.otherDays!.stdout).toMatch(/^deleted 0 rows of example\.com from 2020-01-01 to 2020-01-31 from \d+ tables/)
    expect(afterRemote.events!['example.com']).toBe(2)
  })

  it("deletes a site's rows from every table with a site column through the running server", () => {
    expect(results.remote!.code).toBe(0)
    expect(results.remote!.stdout).toMatch(/^deleted [1-9]\d* rows of shop\.test from \d+ tables/)
    expect(results.remote!.stdout).toMatch(/events: 2\n/)
    expect(results.remote!.stdout).toMatch(/rollup_honoured: 1\n/)
    expect(results.remote!.stdout).toMatch(/rejections: 1\n/)
    expect(afterRemote).toEqual({
      events: { 'example.com': 2 },
      rejections: { 'example.com': 1 },
      rollup_honoured: { 'example.com': 1 },
    })
  })

  it('deletes on DATA_DIR directly when no server runs', async () => {
    expect(results.local!.code).toBe(0)
    expect(results.local!.stdout).toMatch(/^deleted \d+ rows of example\.com from 2020-01-01 to today/)
    expect(results.local!.stdout).toMatch(/events: 2\n/)
    expect(await bySite(dataDir)).toEqual({ events: {}, rejections: {}, rollup_honoured: {} })
  })
})

describe('tellen privacy-statement', () => {
  it('prints the statement for the configured prefixes and retentions', async () => {
    const en = await tellen(['privacy-statement'], { TELLEN_IPV4_PREFIX: '20', TELLEN_EVENTS_RETENTION_DAYS: '0', TELLEN_ROLLUP_RETENTION_DAYS: '365' })
    expect(en.code).toBe(0)
    expect(en.stdout).toMatch(/^# Website statistics\n/)
    expect(en.stdout).toContain('(/20)')
    expect(en.stdout).toContain('(/48)')
    expect(en.stdout).toContain('events are not kept')
    expect(en.stdout).toContain('kept for 365 days')
    const nl = await tellen(['privacy-statement', '--lang', 'nl'], {})
    expect(nl.stdout).toMatch(/^# Websitestatistieken\n/)
    expect(nl.stdout).toContain('30 dagen')
  })

  it('refuses an unknown language or configuration with one clear line', async () => {
    expect(await tellen(['privacy-statement', '--lang', 'de'], {})).toMatchObject({ code: 1, stderr: 'tellen: --lang must be en or nl, not "de"\n' })
    const bad = await tellen(['privacy-statement'], { TELLEN_IPV4_PREFIX: '32' })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^tellen: invalid configuration: TELLEN_IPV4_PREFIX="32" must be at most 24\n$/)
  })
})
