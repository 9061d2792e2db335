import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postEvents, rows, startCollector, tempDataDir, withDataDir, type Collector } from './helpers/collector.ts'

const SITE = 'disk.test'
const batch = (tag: string, events = 5, pad = '') => ({ v: 1, site: SITE, events: Array.from({ length: events }, (_, i) => ({ type: 'pageview', url: `https://${SITE}/${tag}/${i}${pad}` })) })

/** A small file system of its own (tmpfs), so that the disk can be filled; needs root. */
function mountSmall(): string | undefined {
  const dir = tempDataDir('tellen-small-')
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', dir], { stdio: 'ignore' })
    return dir
  } catch {
    return undefined
  }
}

const mounted = mountSmall()

describe.skipIf(!mounted)('a full disk', () => {
  let c: Collector | undefined
  const fill = path.join(mounted ?? '', 'fill')
  beforeAll(async () => {
    c = await startCollector({ TELLEN_SITES: SITE }, path.join(mounted!, 'data'))
  })
  afterAll(async () => {
    await c?.stop('SIGKILL')
    execFileSync('umount', [mounted!])
  })

  it('answers 503 with Retry-After and is not ready while the disk is full, and takes events again once there is room', async () => {
    const ready = async () => {
      const r = await fetch(`${c!.url}/readyz`)
      return { status: r.status, body: (await r.json()) as { status: string; spool: string } }
    }
    expect((await postEvents(c!.url, batch('before'))).status).toBe(202)
    expect((await ready()).status).toBe(200)

    // Fill what is left of the disk.
    const fd = fs.openSync(fill, 'w')
    const chunk = Buffer.alloc(1024 * 1024)
    try {
      for (;;) fs.writeSync(fd, chunk)
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC')
    } finally {
      fs.closeSync(fd)
    }
    // tmpfs allocates whole pages: a record that fits in the free end of the spool segment's last
    // page needs no new space, so the refused batch is larger than a page.
    const refused = await postEvents(c!.url, batch('full', 40, `/${'x'.repeat(200)}`))
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('30')
    expect(await ready()).toMatchObject({ status: 503, body: { status: 'not ready', spool: 'disk full' } })

    fs.rmSync(fill)
    expect((await postEvents(c!.url, batch('after'))).status).toBe(202)
    // An insert refused while the disk was full is retried with a backoff: ready again once it went in.
    let after = await ready()
    for (let i = 0; i < 60 && after.body.spool !== 'ok'; i++) {
      await new Promise((r) => setTimeout(r, 500))
      after = await ready()
    }
    expect(after).toMatchObject({ status: 200, body: { spool: 'ok' } })
    expect(await c!.stop()).toBe(0)
    const stored = await withDataDir(c!.dataDir, (db) =>
      rows<{ tag: string; n: number }>(db, "SELECT splitByChar('/', path)[2] AS tag, toUInt32(count()) AS n FROM tellen.events GROUP BY tag ORDER BY tag"),
    )
    expect(stored).toEqual([{ tag: 'after', n: 5 }, { tag: 'before', n: 5 }])
  })
})
