/**
 * Keeps the scroll position of the page across a reload. The panels fill in after the page has
 * loaded, too late for the browser's own restoration, so the position is kept in the history entry
 * once scrolling stops, and restored once the page is tall enough unless the analyst moves first.
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
  const grown = new ResizeObserver(() => {
    if (document.documentElement.scrollHeight - innerHeight < y) return
    scrollTo(0, y)
    stop()
  })
  grown.observe(document.body)
  for (const m of moves) addEventListener(m, stop, { passive: true })
}
