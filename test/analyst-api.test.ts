import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONDITION_DEADLINE_MS, postEvents, startCollector, tempDataDir, type Collector } from './helpers/collector.ts'
import { programArgs } from './helpers/programs.ts'

/** The admin API of goals and shared links, the CLI's `tellen goals`, and CSV answers, on one collector. */
let c: Collector
const SITE = 'example.com'

const admin = (method: string, route: string, body?: unknown) =>
  fetch(`${c.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${c.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
const withToken = (token: string, route: string) => fetch(`${c.url}${route}`, { headers: { authorization: `Bearer ${token}` } })

beforeAll(async () => {
  c = await startCollector({ TELLEN_SITES: `${SITE},other.test`, LOG_LEVEL: 'info' })
})
afterAll(async () => {
  await c?.stop()
})

describe('goals in the admin API', () => {
  it('defines, lists and removes the goals of a site', async () => {
    const page = await admin('POST', '/api/admin/goals', { site: SITE, name: 'signed up', page: '/signup/*' })
    expect(page.status).toBe(201)
    const pageGoal = (await page.json()) as Record<string, unknown>
    expect(pageGoal).toEqual({ id: expect.any(String), site: SITE, name: 'signed up', page: '/signup/*' })
    const event = await admin('POST', '/api/admin/goals', { site: SITE, name: 'pro', event: 'signup', property: { key: 'plan', value: 'pro' } })
    expect(event.status).toBe(201)
    const eventGoal = (await event.json()) as Record<string, unknown>
    expect(eventGoal).toEqual({ id: expect.any(String), site: SITE, name: 'pro', event: 'signup', property: { key: 'plan', value: 'pro' } })
    expect(await (await admin('GET', `/api/admin/goals?site=${SITE}`)).json()).toEqual({ goals: [pageGoal, eventGoal] })
    expect(await (await admin('GET', '/api/admin/goals?site=other.test')).json()).toEqual({ goals: [] })
    expect((await admin('DELETE', `/api/admin/goals/${pageGoal.id}`)).status).toBe(204)
    expect(await (await admin('GET', `/api/admin/goals?site=${SITE}`)).json()).toEqual({ goals: [eventGoal] })
    const again = await admin('DELETE', `/api/admin/goals/${pageGoal.id}`)
    expect(again.status).toBe(404)
    expect(await again.json()).toEqual({ error: `no goal has the id ${pageGoal.id}` })
  })

  it('refuses a definition that cannot match or is incomplete, naming what is wrong', async () => {
    const cases: [unknown, RegExp][] = [
      [{ site: SITE, name: 'x', page: 'signup' }, /page pattern "signup" must start with "\/"/],
      [{ site: SITE, name: 'x', page: '' }, /page pattern "" must not be empty/],
      [{ site: SITE, name: 'x', page: `/${'a'.repeat(2048)}` }, /must be at most 2048 characters/],
      [{ site: SITE, name: 'x', page: '/pricing?plan=pro' }, /cannot match: stored paths have no query string/],
      [{ site: SITE, name: '  ', page: '/' }, /name must not be empty/],
      [{ site: SITE, name: 'x' }, /either "page" .* or "event"/],
      [{ site: SITE, name: 'x', page: '/', event: 'signup' }, /either "page" .* or "event"/],
      [{ site: SITE, name: 'x', page: '/', property: { key: 'plan', value: 'pro' } }, /"property" goes with "event" goals only/],
      [{ site: SITE, name: 'x', event: 'signup', property: { key: 'plan' } }, /property.value/],
      [{ site: 'nowhere.test', name: 'x', page: '/' }, /site "nowhere.test" is not registered/],
      [{ site: SITE, name: 'x', page: '/', colour: 'red' }, /unknown field "colour"/],
      ['not json', /the body must be JSON/],
    ]
    for (const [body, message] of cases) {
      const res = await admin('POST', '/api/admin/goals', body)
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400)
      expect(((await res.json()) as { error: string }).error).toMatch(message)
    }
    expect((await admin('GET', '/api/admin/goals')).status).toBe(400)
  })

  it('are managed with `tellen goals` through the running collector', async () => {
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME!, TELLEN_URL: c.url, TELLEN_ADMIN_TOKEN: c.adminToken, DATA_DIR: tempDataDir() }
    const tellen = (args: string[]) => promisify(execFile)(process.execPath, [...programArgs('cli'), ...args], { env })
    const added = await tellen(['goals', 'add', 'other.test', 'pricing seen', '--page', '/pricing'])
    const id = /added goal (\w+) "pricing seen" to other.test: page \/pricing/.exec(added.stdout)![1]!
    const listed = (await tellen(['goals', 'list', 'other.test'])).stdout.split('\n')
    expect(listed[0]).toBe('ID\tNAME\tGOAL')
    expect(listed).toContain(`${id}\tpricing seen\tpage /pricing`)
    expect((await tellen(['goals', 'remove', id])).stdout).toBe(`removed goal ${id}\n`)
  })
})

describe('shared links', () => {
  it('open one site read-only with the secret from the fragment, until revoked, and never show it again', async () => {
    const res = await admin('POST', '/api/admin/shares', { site: SITE })
    expect(res.status).toBe(201)
    const share = (await res.json()) as { id: string; site: string; expires_at: null; url: string }
    expect(share).toMatchObject({ id: expect.any(String), site: SITE, expires_at: null })
    const m = /^\/dashboard\/\?site=example\.com#share=(tln_[\w-]+)$/.exec(share.url)
    expect(m).not.toBeNull()
    const secret = m![1]!
    expect((await withToken(secret, `/api/stats/${SITE}/overview`)).status).toBe(200)
    expect((await withToken(secret, '/api/stats/other.test/overview')).status).toBe(403)
    expect((await withToken(secret, `/api/admin/goals?site=${SITE}`)).status).toBe(403)
    expect(await (await withToken(secret, '/api/stats/sites')).json()).toEqual({ sites: [{ domain: SITE, timezone: 'UTC', events_retention_days: 30 }] })
    const listed = await (await admin('GET', `/api/admin/shares?site=${SITE}`)).text()
    expect(listed).toContain(share.id)
    expect(listed).not.toContain(secret)
    expect((await admin('DELETE', `/api/admin/shares/${share.id}`)).status).toBe(204)
    expect((await withToken(secret, `/api/stats/${SITE}/overview`)).status).toBe(401)
    expect(await (await admin('GET', `/api/admin/shares?site=${SITE}`)).text()).not.toContain(share.id)
    expect((await admin('DELETE', `/api/admin/shares/${share.id}`)).status).toBe(404)
    // Neither the request lines nor anything else the collector printed hold the secret.
    expect(c.output()).toContain('"path":"/api/stats/example.com/overview"')
    expect(c.output()).not.toContain(secret)
  })

  it('stop working once they expire', async () => {
    const expiresAt = new Date(Date.now() + 2_000).toISOString()
    const share = (await (await admin('POST', '/api/admin/shares', { site: SITE, expires_at: expiresAt })).json()) as { id: string; expires_at: string; url: string }
    expect(share.expires_at).toBe(expiresAt)
    const secret = share.url.split('#share=')[1]!
    expect((await withToken(secret, `/api/stats/${SITE}/overview`)).status).toBe(200)
    await expect.poll(async () => (await withToken(secret, `/api/stats/${SITE}/overview`)).status, { timeout: CONDITION_DEADLINE_MS, interval: 250 }).toBe(401)
    const listed = (await (await admin('GET', `/api/admin/shares?site=${SITE}`)).json()) as { shares: { id: string; expired: boolean }[] }
    expect(listed.shares.find((s) => s.id === share.id)).toMatchObject({ expired: true })
    expect(c.output()).not.toContain(secret)
  })

  it('refuses an unknown site, an expiry in the past and a date that is not one', async () => {
    for (const [body, message] of [
      [{ site: 'nowhere.test' }, /site "nowhere.test" is not registered/],
      [{ site: SITE, expires_at: '2001-01-01T00:00:00Z' }, /is not in the future/],
      [{ site: SITE, expires_at: 'next week' }, /expires_at must be an ISO 8601 date/],
    ] as const) {
      const res = await admin('POST', '/api/admin/shares', body)
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: string }).error).toMatch(message)
    }
  })
})

describe('funnels, journeys and goals in the stats API', () => {
  it('answer a bad definition with a 400 that names it', async () => {
    const cases: [string, string][] = [
      ['funnel?steps=/', 'steps must list 2 to 8 steps separated by commas; it lists 1'],
      ['funnel?steps=/a,/b,/c,/d,/e,/f,/g,/h,/i', 'steps must list 2 to 8 steps separated by commas; it lists 9'],
      ['funnel?steps=/,,/pricing', 'step 2 of steps is empty'],
      ['funnel?steps=/,pricing', 'step 2 ("pricing") is not a page pattern or event:<name>: it must start with "/"'],
      ['funnel?steps=/,event:', 'step 2 ("event:") names no custom event'],
      ['funnel', 'steps is required: a comma-separated list of page patterns and event:<name>'],
      ['journeys', 'page is required: the path whose journeys to show, e.g. page=/pricing'],
      ['journeys?page=/&limit=101', 'limit must be at most 100'],
      ['breakdown/page?goal=nope', `goal "nope" is not a goal of ${SITE}`],
    ]
    for (const [route, error] of cases) {
      const res = await withToken(c.adminToken, `/api/stats/${SITE}/${route}`)
      expect(res.status, route).toBe(400)
      expect(await res.json()).toEqual({ error })
    }
  })

  it('say which days a funnel or journey covers: the range within the event retention', async () => {
    const today = new Date().toISOString().slice(0, 10)
    const from = new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10)
    const first = new Date(Date.now() - 29 * 86_400_000).toISOString().slice(0, 10)
    const funnel = (await (await withToken(c.adminToken, `/api/stats/${SITE}/funnel?steps=/,/pricing&from=${from}&to=${today}`)).json()) as Record<string, unknown>
    expect(funnel).toMatchObject({ source: 'events', span: { from: first, to: today } })
    const journeys = (await (await withToken(c.adminToken, `/api/stats/${SITE}/journeys?page=/&from=${from}&to=${from}`)).json()) as Record<string, unknown>
    expect(journeys).toEqual({ source: 'events', span: null, page: '/', previous: [], next: [] })
  })
})

describe('CSV answers', () => {
  it('send any stats answer as a CSV download, with text that could run as a formula neutralised', async () => {
    const now = Date.now()
    const sent = await postEvents(c.url, {
      v: 1, site: SITE, events: [
        { type: 'pageview', url: `https://${SITE}/pricing`, ts: now - 2000, referrer: '' },
        { type: 'custom', url: `https://${SITE}/pricing`, ts: now - 1000, name: '=HYPERLINK("https://evil.test")', props: { plan: '+pro' } },
      ],
    }, { 'x-forwarded-for': '145.14.1.20' })
    expect(sent.status).toBe(202)
    const csvOf = async (route: string) => {
      const res = await withToken(c.adminToken, route)
      expect(res.status, route).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/csv/)
      return { disposition: res.headers.get('content-disposition'), rows: parse(await res.text(), { columns: true }) as Record<string, string>[] }
    }
    await expect.poll(async () => (await csvOf(`/api/stats/${SITE}/breakdown/event?format=csv`)).rows.length, { timeout: CONDITION_DEADLINE_MS }).toBe(1)
    const events = await csvOf(`/api/stats/${SITE}/breakdown/event?format=csv`)
    expect(events.rows).toEqual([{ value: `'=HYPERLINK("https://evil.test")`, visitors: '1', events: '1' }])
    expect(events.disposition).toBe(`attachment; filename="${SITE}_breakdown_event.csv"`)
    const properties = await csvOf(`/api/stats/${SITE}/properties?format=csv&from=2026-01-01&to=2099-01-01`.replace('2099-01-01', new Date().toISOString().slice(0, 10)).replace('2026-01-01', new Date(now - 86_400_000).toISOString().slice(0, 10)))
    expect(properties.rows).toEqual([{ event: `'=HYPERLINK("https://evil.test")`, prop: 'plan', value: `'+pro`, events: '1', visitors: '1' }])
    expect(properties.disposition).toMatch(/^attachment; filename="example\.com_properties_\d{4}-\d\d-\d\d_\d{4}-\d\d-\d\d\.csv"$/)
    expect((await csvOf(`/api/stats/${SITE}/overview?format=csv`)).rows[0]).toMatchObject({ 'current.visitors': '1', 'current.pageviews': '1' })
    expect((await csvOf(`/api/stats/${SITE}/funnel?steps=/,/pricing&format=csv`)).rows.map((r) => r.step)).toEqual(['/', '/pricing'])
    const json = await withToken(c.adminToken, `/api/stats/${SITE}/overview?format=json`)
    expect(json.headers.get('content-type')).toMatch(/^application\/json/)
    const bad = await withToken(c.adminToken, `/api/stats/${SITE}/overview?format=xml`)
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({ error: 'format must be one of json, csv' })
  })
})
