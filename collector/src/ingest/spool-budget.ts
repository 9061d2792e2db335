import path from 'node:path'

/** The write-ahead spools of a collector's DATA_DIR, by name, and the table each feeds. */
export const SPOOL_TABLES = { events: 'tellen.events_in', rejections: 'tellen.rejections', honoured: 'tellen.rollup_honoured' } as const
export type SpoolName = keyof typeof SPOOL_TABLES

/** The folder of a spool in DATA_DIR. */
export const spoolDirOf = (dataDir: string, name: SpoolName) => path.join(dataDir, 'spool', name)

/**
 * How TELLEN_SPOOL_MAX_MB is shared by the three write-ahead spools, so that together they never
 * hold more than the setting: the two spools of counts (refused requests, DNT/GPC requests) write at
 * most one row per key and second, so each gets a sixteenth, and the events get the rest.
 * @example spoolShares(1024 * 1024 * 1024).events // 896 MiB
 */
export function spoolShares(totalBytes: number): Record<SpoolName, number> {
  const counts = Math.floor(totalBytes / 16)
  return { events: totalBytes - 2 * counts, rejections: counts, honoured: counts }
}
