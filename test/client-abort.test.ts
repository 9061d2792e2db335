import net from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { CONDITION_DEADLINE_MS, postEvents, startCollector, type Collector } from './helpers/collector.ts'

const SITE = 'abort.test'

describe('a client that goes away in the middle of its request', () => {
  let c: Collector | undefined
  afterAll(async () => {
    await c?.stop('SIGKILL')
  })

  it('is a request line with its prefix, not an error, and never its address', async () => {
    c = await startCollector({ TELLEN_SITES: SITE, TRUST_PROXY: '1', LOG_LEVEL: 'debug' })
    const { port } = new URL(c.url)
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve) => {
        const socket = net.connect(Number(port), '127.0.0.1', () => {
          socket.write(`POST /api/event HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nX-Forwarded-For: 203.0.113.77\r\nContent-Length: 500\r\n\r\n{"v":1,"site":"${SITE}"`)
          setTimeout(() => {
            socket.destroy()
            resolve()
          }, 100)
        })
        socket.on('error', () => resolve())
      })
    }
    // The collector is still there and takes events.
    expect((await postEvents(c.url, { v: 1, site: SITE, events: [{ type: 'pageview', url: `https://${SITE}/` }] })).status).toBe(202)
    expect(await c.stop()).toBe(0)
    const lines = c.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; status?: number; reason?: string; prefix?: string; msg: string })
    expect(lines.filter((l) => l.level >= 50)).toEqual([])
    expect(lines.filter((l) => l.msg === 'request' && l.status === 400 && l.reason === 'cut_off' && l.prefix === '203.0.113.0/24')).toHaveLength(3)
    expect(c.output()).not.toContain('203.0.113.77')
  })

  it('is cut off with 408 when it takes longer than TELLEN_REQUEST_TIMEOUT_MS to send its request', async () => {
    c = await startCollector({ TELLEN_SITES: SITE, TELLEN_REQUEST_TIMEOUT_MS: '2000' })
    const { port } = new URL(c.url)
    const started = Date.now()
    const answer = await new Promise<{ text: string; ms: number }>((resolve) => {
      let text = ''
      const socket = net.connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST /api/event HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 500\r\n\r\n{"v":1`)
        // A byte now and then, as a client that means to hold the connection does.
        const drip = setInterval(() => socket.write(' '), 300)
        socket.on('close', () => {
          clearInterval(drip)
          resolve({ text, ms: Date.now() - started })
        })
      })
      socket.on('data', (d: Buffer) => (text += d.toString()))
      socket.on('error', () => undefined)
      // Without the setting, Node would wait 300 s (its default requestTimeout): long after this.
      setTimeout(() => socket.destroy(), CONDITION_DEADLINE_MS)
    })
    expect(answer.text).toMatch(/^HTTP\/1\.1 408/)
    expect(answer.ms).toBeGreaterThanOrEqual(2000)
    expect((await postEvents(c.url, { v: 1, site: SITE, events: [{ type: 'pageview', url: `https://${SITE}/` }] })).status).toBe(202)
    expect(await c.stop()).toBe(0)
  })
})
