/**
 * How TELLEN_SPOOL_MAX_MB is shared by the three write-ahead spools, so that together they never
 * hold more than the setting: the two spools of counts (refused requests, DNT/GPC requests) write at
 * most one row per key and second, so each gets a sixteenth, and the events get the rest.
 * @example spoolShares(1024 * 1024 * 1024).events // 896 MiB
 */
export function spoolShares(totalBytes: number): { events: number; rejections: number; honoured: number } {
  const counts = Math.floor(totalBytes / 16)
  return { events: totalBytes - 2 * counts, rejections: counts, honoured: counts }
}
