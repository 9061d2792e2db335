import { describe, expect, it } from 'vitest'
import { startupLine } from './startup-line.ts'

describe('the start-up line', () => {
  it('names the collector, the dashboard, the script and the token file, with every address shown as localhost', () => {
    expect(startupLine({ host: '0.0.0.0', port: 8080, dataDir: '/srv/tellen/data', tokenFromEnv: false, cwd: '/srv/tellen' })).toBe(
      'tellen is running: collector http://localhost:8080, dashboard http://localhost:8080/dashboard, script http://localhost:8080/t.js; admin token in data/admin-token',
    )
  })

  it('keeps a data directory outside the working directory as an absolute path', () => {
    expect(startupLine({ host: '127.0.0.1', port: 9000, dataDir: '/var/lib/tellen', tokenFromEnv: false, cwd: '/srv/tellen' })).toMatch(/collector http:\/\/127\.0\.0\.1:9000, .* admin token in \/var\/lib\/tellen\/admin-token$/)
  })

  it('brackets an IPv6 address and says the token comes from the environment without showing it', () => {
    const line = startupLine({ host: '::1', port: 8080, dataDir: '/srv/tellen/data', tokenFromEnv: true, cwd: '/srv/tellen' })
    expect(line).toContain('collector http://[::1]:8080,')
    expect(line).toMatch(/; admin token from TELLEN_ADMIN_TOKEN$/)
  })
})
