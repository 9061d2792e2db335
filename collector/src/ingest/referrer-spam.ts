import fs from 'node:fs'

const BUILT_IN = new URL('./referrer-spam.txt', import.meta.url)

/** Parses a list in the format of Matomo's community `spammers.txt`: one host per line, blank lines and `#` comments ignored. */
export function parseSpamList(text: string): Set<string> {
  const hosts = new Set<string>()
  for (const raw of text.split('\n')) {
    const host = raw.replace(/#.*/, '').trim().toLowerCase().replace(/^www\./, '')
    if (host) hosts.add(host)
  }
  return hosts
}

/**
 * A test for referrer spam: true when the host or one of its parent domains is on the built-in list
 * or on the list in `file` (TELLEN_REFERRER_SPAM_FILE, e.g. Matomo's `spammers.txt`).
 * @example
 * const isSpam = createSpamFilter()
 * isSpam('www.semalt.com') // true
 */
export function createSpamFilter(file?: string): (host: string) => boolean {
  const hosts = parseSpamList(fs.readFileSync(BUILT_IN, 'utf8'))
  if (file) for (const h of parseSpamList(fs.readFileSync(file, 'utf8'))) hosts.add(h)
  return (host) => {
    for (let h = host.toLowerCase(); h; ) {
      if (hosts.has(h)) return true
      const dot = h.indexOf('.')
      if (dot < 0) return false
      h = h.slice(dot + 1)
    }
    return false
  }
}
