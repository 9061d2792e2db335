import type { MiddlewareHandler } from 'hono'
import type { Env } from '../context.ts'
import { answerRows, toCsv } from '../export/csv.ts'

const FORMATS = ['json', 'csv'] as const

/**
 * `format=csv` on any stats endpoint under `/api/stats/:site/`: the JSON answer is turned into CSV
 * (export/csv.ts: one row per item of its list, formulas neutralised as in exports) and sent as a file
 * download. The parameter is taken off before the endpoint reads its query string.
 */
export function csvAnswers(): MiddlewareHandler<Env> {
  return async (c, next) => {
    const format = c.req.query('format')
    if (format === undefined) return next()
    if (!(FORMATS as readonly string[]).includes(format)) return c.json({ error: `format must be one of ${FORMATS.join(', ')}` }, 400)
    await next()
    if (format !== 'csv' || c.res.status !== 200 || !c.res.headers.get('content-type')?.startsWith('application/json')) return
    const answer = (await c.res.json()) as Record<string, unknown>
    const [, , , site, ...endpoint] = c.req.path.split('/')
    const days = [c.req.query('from'), c.req.query('to')].filter(Boolean)
    const filename = [site, ...endpoint, ...days].join('_').replace(/[^\w.-]/g, '-')
    c.res = new Response(toCsv(answerRows(answer)), {
      headers: {
        'Content-Type': 'text/csv; charset=utf-8; header=present',
        'Content-Disposition': `attachment; filename="${filename}.csv"`,
        'Cache-Control': 'no-store',
      },
    })
  }
}
