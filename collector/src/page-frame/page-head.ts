import dns from 'node:dns'
import https from 'node:https'
import type { IncomingMessage } from 'node:http'
import net, { type LookupFunction } from 'node:net'
import type { PinnedAddress } from '../config.ts'
import type { FramingHeaders } from './framing-policy.ts'
import { addressRange } from './public-address.ts'

/** What the collector reads of a page: its status and the headers that decide framing, never its body. */
export interface PageHead {
  status: number
  headers: FramingHeaders
}

/** Limits of one check of a page. */
export interface PageHeadOptions {
  /** The whole check, redirects included. */
  timeoutMs: number
  /** Larger response headers end the check. */
  maxHeaderBytes: number
  /** Redirects followed, on the page's own host only. */
  maxRedirects: number
  /** Tests only: host names fetched from a fixed address and port, which may be a loopback address. */
  pinned?: ReadonlyMap<string, PinnedAddress>
}

export const PAGE_HEAD_LIMITS: PageHeadOptions = { timeoutMs: 5000, maxHeaderBytes: 32 * 1024, maxRedirects: 3 }

/** A page the collector does not fetch: its host is, or resolves to, an address that is not public. */
export class RefusedAddressError extends Error {
  override name = 'RefusedAddressError'
}

/** A page that could not be checked; the message says why in words for the analyst. */
export class PageUnreachableError extends Error {
  override name = 'PageUnreachableError'
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])
const TLS_ERROR = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH)/
const USER_AGENT = 'Tellen (checks whether a page may be shown in its dashboard)'

const refusal = (host: string, range: string | undefined) =>
  new RefusedAddressError(`${host} resolves to a ${range ?? 'non-public'} address: the collector checks pages on public addresses only`)

/**
 * A DNS lookup that fails unless every address of the name is public, so the connection goes to an
 * address that was checked (a name that answers differently a second time gains nothing). Pinned
 * names answer their pinned address.
 */
function publicLookup(pinned: ReadonlyMap<string, PinnedAddress> | undefined): LookupFunction {
  return (hostname, options, callback) => {
    const pin = pinned?.get(hostname)
    if (pin) {
      const family = net.isIP(pin.address)
      return options.all ? callback(null, [{ address: pin.address, family }]) : callback(null, pin.address, family)
    }
    dns.lookup(hostname, { all: true, family: options.family, hints: options.hints }, (err, addresses) => {
      if (err) return callback(err, '', 0)
      const refused = addresses.find((a) => addressRange(a.address) !== 'unicast')
      if (refused || !addresses.length) return callback(refusal(hostname, refused && addressRange(refused.address)), '', 0)
      options.all ? callback(null, addresses) : callback(null, addresses[0]!.address, addresses[0]!.family)
    })
  }
}

/** Words for the analyst for a failed connection. */
function unreachable(err: NodeJS.ErrnoException, options: PageHeadOptions): Error {
  if (err instanceof RefusedAddressError) return err
  const code = err.code ?? ''
  if (err.name === 'AbortError') return new PageUnreachableError(`the site did not answer within ${options.timeoutMs / 1000} s`)
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new PageUnreachableError("the site's name does not resolve")
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET') return new PageUnreachableError('the site refused the connection')
  if (code === 'HPE_HEADER_OVERFLOW') return new PageUnreachableError(`the page's headers are larger than ${options.maxHeaderBytes / 1024} KiB`)
  if (TLS_ERROR.test(code)) return new PageUnreachableError(`the site's certificate was not accepted (${code})`)
  return new PageUnreachableError(`the page could not be fetched (${code || err.message})`)
}

/** One GET whose answer is read up to its headers; the body is never read. */
function headOf(url: URL, options: PageHeadOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const pin = options.pinned?.get(url.hostname)
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: url.hostname,
        port: pin?.port ?? (url.port || 443),
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        // A connection of its own, so every check resolves and vets the address again.
        agent: false,
        lookup: publicLookup(options.pinned),
        maxHeaderSize: options.maxHeaderBytes,
        signal,
        headers: {
          host: url.host,
          'user-agent': USER_AGENT,
          accept: 'text/html',
          // As a browser asks for a page it frames, for servers that answer frames differently.
          'sec-fetch-dest': 'iframe',
          'sec-fetch-mode': 'navigate',
          'sec-fetch-site': 'cross-site',
        },
      },
      (response) => {
        resolve(response)
        response.destroy()
      },
    )
    request.on('error', (err) => reject(unreachable(err, options)))
    request.end()
  })
}

/**
 * Fetches the status and framing headers of `https://<site><path>`: a GET whose body is dropped
 * unread, on a public address only (`RefusedAddressError` otherwise), within `timeoutMs`, with
 * headers up to `maxHeaderBytes`, following at most `maxRedirects` redirects on the same host. Anything
 * else ends in a `PageUnreachableError` that says why. Nothing of the page is kept.
 * @example
 * const head = await fetchPageHead(new URL('https://example.com/pricing'), PAGE_HEAD_LIMITS)
 * head.headers.xFrameOptions // ['SAMEORIGIN']
 */
export async function fetchPageHead(url: URL, options: PageHeadOptions): Promise<PageHead> {
  if (net.isIP(url.hostname.replace(/^\[|\]$/g, '')) && !options.pinned?.has(url.hostname)) {
    const range = addressRange(url.hostname)
    if (range !== 'unicast') throw refusal(url.hostname, range)
  }
  const signal = AbortSignal.timeout(options.timeoutMs)
  let at = url
  for (let redirects = 0; ; redirects++) {
    const response = await headOf(at, options, signal)
    const location = response.headers.location
    if (!REDIRECTS.has(response.statusCode ?? 0) || !location) {
      return {
        status: response.statusCode ?? 0,
        headers: {
          xFrameOptions: response.headersDistinct['x-frame-options'] ?? [],
          contentSecurityPolicy: response.headersDistinct['content-security-policy'] ?? [],
        },
      }
    }
    if (redirects === options.maxRedirects) throw new PageUnreachableError(`the page redirects more than ${options.maxRedirects} times`)
    let next: URL
    try {
      next = new URL(location, at)
    } catch {
      throw new PageUnreachableError('the page redirects to an address that is not a URL')
    }
    if (next.protocol !== 'https:' || next.host !== url.host) throw new PageUnreachableError(`the page redirects to ${next.origin}, which is not checked`)
    at = next
  }
}
