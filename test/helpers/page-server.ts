import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'

/** How a test page answers: a status, headers and a body, or a handler of its own. */
export type PageAnswer =
  | { status?: number; headers?: Record<string, string | string[]>; body?: string }
  | ((req: IncomingMessage, res: ServerResponse) => void)

/** A site's own web server for tests: https on 127.0.0.1 with a certificate of its own for the given names. */
export interface PageServer {
  port: number
  /** `host=127.0.0.1:port` for each name, for TELLEN_TEST_PAGE_SERVER. */
  pinned: string
  /** The self-signed certificate (PEM file), for NODE_EXTRA_CA_CERTS of the collector under test. */
  certFile: string
  /** Paths requested so far, in order. */
  requests: string[]
  close(): Promise<void>
}

/**
 * Starts an https server for `names` (e.g. `shop.test`) that answers each path of `pages`, and 404
 * for anything else. The certificate is made with the openssl command, valid for two days.
 * @example
 * const site = await startPageServer(['shop.test'], { '/': { headers: { 'x-frame-options': 'DENY' }, body: '<p>hi</p>' } })
 */
export async function startPageServer(names: readonly string[], pages: Record<string, PageAnswer>): Promise<PageServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-page-server-'))
  const certFile = path.join(dir, 'cert.pem')
  const keyFile = path.join(dir, 'key.pem')
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
  ], { stdio: 'ignore' })
  const requests: string[] = []
  const server = https.createServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile) }, (req, res) => {
    const pathname = new URL(req.url ?? '/', 'https://page.test').pathname
    requests.push(pathname)
    const page = pages[pathname]
    if (typeof page === 'function') return page(req, res)
    if (!page) {
      res.writeHead(404, { 'content-type': 'text/plain' })
      return res.end('not found')
    }
    res.writeHead(page.status ?? 200, { 'content-type': 'text/html; charset=utf-8', ...page.headers })
    res.end(page.body ?? '')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    pinned: names.map((n) => `${n}=127.0.0.1:${port}`).join(','),
    certFile,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          fs.rmSync(dir, { recursive: true, force: true })
          resolve()
        })
      }),
  }
}
