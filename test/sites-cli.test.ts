import { execFile } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { postEvents, ROOT, rows, startCollector, withDataDir, type Collector } from './helpers/collector.ts'
import { programArgs } from './helpers/programs.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'

const TOKEN = 'test-admin-token-0123456789'

function tellen(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...programArgs('cli'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '9', TELLEN_ADMIN_TOKEN: TOKEN, ...env },
    }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }))
  })
}

describe('tellen sites', () => {
  const dataDir = migratedDataDir()
  let c: Collector | undefined

  afterAll(async () => {
    await c?.stop('SIGKILL')
  })

  it('registers a site with its time zone and allowed parameters on DATA_DIR', async () => {
    const added = await tellen(['sites', 'add', 'Shop.Test', '--timezone', 'Europe/Amsterdam', '--allow-params', 'q,Lang'], { DATA_DIR: dataDir })
    expect(added).toMatchObject({ code: 0, stdout: 'registered shop.test (time zone Europe/Amsterdam, keeps lang, q)\n' })
    expect((await tellen(['sites', 'list'], { DATA_DIR: dataDir })).stdout).toBe(
      'DOMAIN     TIME ZONE         PARAMETERS  FROM\n' +
      'shop.test  Europe/Amsterdam  lang,q      registered\n',
    )
  })

  it('refuses a bad time zone or parameter name with one clear line', async () => {
    expect(await tellen(['sites', 'add', 'a.test', '--timezone', 'Mars/Olympus'], { DATA_DIR: dataDir })).toMatchObject({ code: 1, stderr: 'tellen: "Mars/Olympus" is not an IANA time zone such as Europe/Amsterdam\n' })
    expect(await tellen(['sites', 'add', 'a.test', '--allow-params', 'a b'], { DATA_DIR: dataDir })).toMatchObject({ code: 1, stderr: expect.stringContaining('"a b" is not a query parameter name') })
    expect(await tellen(['sites', 'remove', 'nothere.test'], { DATA_DIR: dataDir })).toMatchObject({ code: 1, stderr: 'tellen: site "nothere.test" is not registered\n' })
  })

  it("keeps the site's own parameters and applies changes made while the collector runs", async () => {
    c = await startCollector({ TELLEN_SITES: 'example.com' }, dataDir)
    expect(c.output()).toContain(`"dashboard":"${c.url}/dashboard"`)
    const remote = { TELLEN_URL: c.url }
    const shop = await postEvents(c.url, { v: 1, site: 'shop.test', events: [{ type: 'pageview', url: 'https://shop.test/search?q=shoes&lang=nl&email=jan%40example.nl&sid=abc' }] })
    expect(shop.json).toEqual({ accepted: 1 })
    expect((await postEvents(c.url, { v: 1, site: 'blog.test', events: [{ type: 'pageview', url: 'https://blog.test/' }] })).status).toBe(403)
    expect((await tellen(['sites', 'add', 'blog.test'], remote)).code).toBe(0)
    expect((await postEvents(c.url, { v: 1, site: 'blog.test', events: [{ type: 'pageview', url: 'https://blog.test/' }] })).json).toEqual({ accepted: 1 })
    // The running collector is found from DATA_DIR's lock file, without TELLEN_URL or PORT; its TELLEN_SITES are listed too.
    expect((await tellen(['sites', 'list'], { DATA_DIR: dataDir })).stdout).toBe(
      'DOMAIN       TIME ZONE         PARAMETERS  FROM\n' +
      'blog.test    UTC                           registered\n' +
      'example.com  UTC                           TELLEN_SITES\n' +
      'shop.test    Europe/Amsterdam  lang,q      registered\n',
    )
    expect((await tellen(['sites', 'remove', 'blog.test'], remote)).stdout).toBe('removed blog.test\n')
    expect((await postEvents(c.url, { v: 1, site: 'blog.test', events: [{ type: 'pageview', url: 'https://blog.test/' }] })).status).toBe(403)
    expect(await c.stop()).toBe(0)
    const stored = await withDataDir(dataDir, (db) => rows<{ site: string; query: string }>(db, 'SELECT site, query FROM tellen.events ORDER BY site'))
    expect(stored).toEqual([{ site: 'blog.test', query: '' }, { site: 'shop.test', query: 'lang=nl&q=shoes' }])
  })
})
