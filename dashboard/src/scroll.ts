/**
 * Keeps the scroll position of the page across a reload. The panels fill in after the page has
 * loaded, too late for the browser's own restoration, so the position is kept in the history entry
 * once scrolling stops, and restored once the page is tall enough, and kept while panels fill in,
 * unless the analyst moves first.
 * @example keepScrollAcrossReload()
 */
export function keepScrollAcrossReload(): void {
  let timer: ReturnType<typeof setTimeout> | undefined
  addEventListener('scroll', () => {
    clearTimeout(timer)
    timer = setTimeout(() => history.replaceState({ ...(history.state as object | null), scrollY }, ''), 250)
  }, { passive: true })
  const y = (history.state as { scrollY?: unknown } | null)?.scrollY
  if (typeof y !== 'number' || y <= 0) return
  const moves = ['wheel', 'touchstart', 'keydown', 'mousedown'] as const
  const stop = () => {
    grown.disconnect()
    for (const m of moves) removeEventListener(m, stop)
  }
  // Panels above the position may still grow after it is reached (and the browser's scroll anchoring
  // then moves the page down), so the position is kept until every panel has filled in.
  const grown = new ResizeObserver(() => {
    if (document.documentElement.scrollHeight - innerHeight < y) return
    scrollTo(0, y)
    if (!document.querySelector('[aria-busy]')) stop()
  })
  grown.observe(document.body)
  for (const m of moves) addEventListener(m, stop, { passive: true })
}
