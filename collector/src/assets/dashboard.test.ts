import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { buildDashboardAssets } from './dashboard.ts'

describe('dashboard assets', () => {
  it('names the script and style sheet by content hash and links them from the page', async () => {
    const { html, assets } = await buildDashboardAssets()
    const page = new TextDecoder().decode(html.body)
    const names = [...assets.keys()]
    expect(names).toHaveLength(2)
    for (const name of names) {
      const f = assets.get(name)!
      expect(page).toContain(`/dashboard/assets/${name}`)
      expect(name).toContain(f.etag.slice(1, 13))
      expect(f.etag).toMatch(/^"[\w-]{16}"$/)
      expect(Buffer.from(gunzipSync(f.gzip)).equals(Buffer.from(f.body))).toBe(true)
      expect(f.gzip.length).toBeLessThan(f.body.length)
    }
    expect(names.find((n) => n.endsWith('.js'))).toMatch(/^app\.[\w-]{12}\.js$/)
    expect(names.find((n) => n.endsWith('.css'))).toMatch(/^style\.[\w-]{12}\.css$/)
  })

  it('keeps the page free of inline script and style, as its Content-Security-Policy requires', async () => {
    const page = new TextDecoder().decode((await buildDashboardAssets()).html.body)
    expect(page).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/)
    expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=/)
    expect(page).not.toContain('{{')
  })
})
