import { Readable } from 'node:stream'
import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { Env, Services } from '../context.ts'
import { recordDownload } from '../export/audit.ts'
import { createDatasetStore } from '../export/datasets.ts'
import { parseExport, type ExportFormat } from '../export/params.ts'
import { downloadRelease, parseDownload, PeriodGoneError } from '../export/partner-download.ts'
import { releaseThreshold } from '../export/mechanism.ts'
import { exportRows } from '../export/query.ts'
import { ParamError } from '../stats/params.ts'
import { requireToken } from './auth.ts'

const fail = (status: 400 | 403 | 404 | 410, error: string) => new HTTPException(status, { res: Response.json({ error }, { status }) })

const CONTENT_TYPE: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  ndjson: 'application/x-ndjson; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
}

/** The headers of a file to download: its type, its name (without the extension) and its row count. */
const fileHeaders = (format: ExportFormat, name: string, rows: number) => ({
  'Content-Type': CONTENT_TYPE[format],
  'Content-Disposition': `attachment; filename="${name}.${format}"`,
  'Cache-Control': 'no-store',
  'X-Tellen-Rows': String(rows),
})

/** Runs `work`, turning a ParamError into a 400 that names what is wrong. */
async function orRefuse<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (err instanceof ParamError) throw fail(400, err.message)
    throw err
  }
}

/** What `exportRoutes` uses of the collector's services. */
export type ExportRouteDeps = Pick<Services, 'db' | 'sites' | 'config' | 'tokens'>

/**
 * Partner downloads at `GET /api/export/:site/:dataset?from=&to=&format=`: the frozen, noisy releases
 * of a dataset the owner defined, one row per period and group, for a partner token scoped to the
 * site and the dataset (or the admin token); each download is audited. The owner's ad-hoc
 * `GET /api/export/:site` (the `tellen export` CLI) takes the admin token only.
 */
export function exportRoutes(s: ExportRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  const datasets = createDatasetStore(s.db, s.config.exportEpsilonBudgetMilli)

  app.get('/api/export/:site/:dataset', requireToken(s, ['admin', 'partner']), async (c) => {
    const domain = c.req.param('site').toLowerCase()
    const name = c.req.param('dataset')
    const principal = c.var.principal
    // Scope first, so a token learns nothing of other sites or datasets.
    if (principal.kind !== 'admin') {
      if (principal.site !== domain) throw fail(403, principal.site ? `this token may only download datasets of ${principal.site}` : 'this token is not scoped to a site')
      if (!principal.datasets.includes(name)) throw fail(403, `this token may not download the dataset "${name.slice(0, 64)}"; it may download ${principal.datasets.join(', ') || 'no dataset'}`)
    }
    const site = s.sites.get(domain)
    if (!site) throw fail(404, `site "${domain}" is not registered with this collector`)
    const dataset = await datasets.get(site.domain, name)
    if (!dataset) throw fail(404, `unknown dataset "${name.slice(0, 64)}" of ${site.domain}`)
    const request = await orRefuse(() => parseDownload(c.req.query(), dataset, Date.now()))
    const result = await downloadRelease(s.db, dataset, request, s.config.exportMinVisitors).catch((err: unknown) => {
      // Gone for good: the period's visits are no longer kept and its counts were never stored.
      throw err instanceof PeriodGoneError ? fail(410, err.message) : err
    })
    await recordDownload(s.db, { tokenId: principal.kind === 'admin' ? 'admin' : principal.id, site: site.domain, dataset: dataset.name, from: request.from, to: request.to, rows: result.rows })
    return c.body(Readable.toWeb(result.stream) as ReadableStream, 200, {
      ...fileHeaders(request.format, `${site.domain}_${dataset.name}_${request.from}_${request.to}`, result.rows),
      'X-Tellen-Withheld-Rows': String(result.withheld),
      'X-Tellen-Min-Visitors': String(releaseThreshold(dataset, s.config.exportMinVisitors)),
    })
  })

  app.get('/api/export/:site', requireToken(s, ['admin']), async (c) => {
    const site = s.sites.get(c.req.param('site').toLowerCase())
    if (!site) throw fail(400, `site "${c.req.param('site').toLowerCase()}" is not registered with this collector`)
    const request = await orRefuse(() => parseExport(c.req.query(), site.timezone, s.config.exportMinVisitors))
    const result = await orRefuse(() => exportRows(s.db, site.domain, site.timezone, request))
    return c.body(Readable.toWeb(result.stream) as ReadableStream, 200, {
      ...fileHeaders(request.format, `${site.domain}_${request.from}_${request.to}`, result.rows),
      'X-Tellen-Suppressed-Rows': String(result.suppressed),
      'X-Tellen-Min-Visitors': String(request.k),
    })
  })
  return app
}
