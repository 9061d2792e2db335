import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { buildDashboardAssets } from './dashboard.ts'

describe('dashboard assets', () => {
  it('names the scripts and style sheet by content hash and links them from the dashboard and the start page', async () => {
    const { html, home, assets } = await buildDashboardAssets()
    const page = new TextDecoder().decode(html.body)
    const start = new TextDecoder().decode(home.body)
    const names = [...assets.keys()]
    expect(names).toHaveLength(3)
    for (const name of names) {
      const f = assets.get(name)!
      expect(name.startsWith('home.') ? start : page).toContain(`/dashboard/assets/${name}`)
      expect(name).toContain(f.etag.slice(1, 13))
      expect(f.etag).toMatch(/^"[\w-]{16}"$/)
      expect(Buffer.from(gunzipSync(f.gzip)).equals(Buffer.from(f.body))).toBe(true)
      expect(f.gzip.length).toBeLessThan(f.body.length)
    }
    expect(names.filter((n) => n.endsWith('.js')).sort()).toEqual([expect.stringMatching(/^app\.[\w-]{12}\.js$/), expect.stringMatching(/^home\.[\w-]{12}\.js$/)])
    expect(start).toContain(`/dashboard/assets/${names.find((n) => n.endsWith('.css'))}`)
    expect(names.find((n) => n.endsWith('.css'))).toMatch(/^style\.[\w-]{12}\.css$/)
  })

  it('keeps the pages free of inline script and style, as their Content-Security-Policy requires', async () => {
    const { html, home } = await buildDashboardAssets()
    for (const body of [html.body, home.body]) {
      const page = new TextDecoder().decode(body)
      expect(page).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/)
      expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=/)
      expect(page).not.toContain('{{')
    }
  })
})
