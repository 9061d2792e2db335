import { Readable } from 'node:stream'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { Env, Services } from '../context.ts'
import { parseExport, type ExportFormat } from '../export/params.ts'
import { exportRows } from '../export/query.ts'
import { ParamError } from '../stats/params.ts'
import { requireToken } from './auth.ts'

const fail = (status: 400 | 403, error: string) => new HTTPException(status, { res: Response.json({ error }, { status }) })

const CONTENT_TYPE: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  ndjson: 'application/x-ndjson; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
}
const EXTENSION: Record<ExportFormat, string> = { csv: 'csv', ndjson: 'ndjson', parquet: 'parquet' }

/** What `exportRoutes` uses of the collector's services. */
export type ExportRouteDeps = Pick<Services, 'db' | 'sites' | 'config' | 'tokens'>

/**
 * Partner exports at `GET /api/export/:site`: rows grouped by the requested dimensions from the
 * rollups, each describing at least k visitors (`TELLEN_EXPORT_MIN_VISITORS`, never lower), as CSV,
 * NDJSON or Parquet. For partner tokens and the admin token; a read token uses the stats API.
 */
export function exportRoutes(s: ExportRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  app.use('/api/export/*', requireToken(s, ['admin', 'partner']))

  app.get('/api/export/:site', async (c) => {
    const domain = c.req.param('site').toLowerCase()
    const principal = c.var.principal
    // The scope is checked first, so a scoped token cannot learn which other sites exist.
    if (principal.kind !== 'admin' && principal.site && principal.site !== domain) {
      throw fail(403, `this token may only export the site ${principal.site}`)
    }
    const site = s.sites.get(domain)
    if (!site) throw fail(400, `site "${domain}" is not registered with this collector`)
    let result
    let request
    try {
      request = parseExport(c.req.query(), site.timezone, s.config.exportMinVisitors)
      result = await exportRows(s.db, site.domain, site.timezone, request)
    } catch (err) {
      if (err instanceof ParamError) throw fail(400, err.message)
      throw err
    }
    const filename = `${site.domain}_${request.from}_${request.to}.${EXTENSION[request.format]}`
    return c.body(Readable.toWeb(result.stream) as ReadableStream, 200, {
      'Content-Type': CONTENT_TYPE[request.format],
      'Content-Disposition': `attachment; filename="${filename}"`,
      'Cache-Control': 'no-store',
      'X-Tellen-Rows': String(result.rows),
      'X-Tellen-Suppressed-Rows': String(result.suppressed),
      'X-Tellen-Min-Visitors': String(request.k),
    })
  })
  return app
}
