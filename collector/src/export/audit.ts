import type { Db } from '../db/client.ts'

/** One partner download as the audit keeps it: who, which dataset and span, how many rows, when. Nothing else. */
export interface DownloadRecord {
  at: string
  tokenId: string
  site: string
  dataset: string
  from: string
  to: string
  rows: number
}

/** The most records one read of the audit returns. */
export const MAX_AUDIT_RECORDS = 10_000

/**
 * Records a download in `tellen.export_downloads`.
 * @example await recordDownload(db, { tokenId: 'a1b2c3', site: 'example.com', dataset: 'by-country', from: '2026-11-01', to: '2026-11-30', rows: 42 })
 */
export async function recordDownload(db: Db, record: Omit<DownloadRecord, 'at'>): Promise<void> {
  await db.insert({
    table: 'tellen.export_downloads',
    values: [{ token_id: record.tokenId, site: record.site, dataset: record.dataset, from_day: record.from, to_day: record.to, rows: record.rows }],
    format: 'JSONEachRow',
  })
}

/**
 * The newest downloads first, of one site or of all, at most `limit`.
 * @example await downloadLog(db, { site: 'example.com', limit: 100 })
 */
export async function downloadLog(db: Db, options: { site?: string; limit?: number } = {}): Promise<DownloadRecord[]> {
  const rs = await db.query({
    query: `SELECT toString(at) AS at, token_id, site, dataset, toString(from_day) AS from_day, toString(to_day) AS to_day, rows
            FROM tellen.export_downloads
            WHERE {site:String} = '' OR site = {site:String}
            ORDER BY at DESC LIMIT {limit:UInt32}`,
    query_params: { site: options.site ?? '', limit: options.limit ?? MAX_AUDIT_RECORDS },
    format: 'JSONEachRow',
  })
  return (await rs.json<{ at: string; token_id: string; site: string; dataset: string; from_day: string; to_day: string; rows: number }>()).map((r) => ({
    at: r.at, tokenId: r.token_id, site: r.site, dataset: r.dataset, from: r.from_day, to: r.to_day, rows: Number(r.rows),
  }))
}
