import type { Exit } from './leave.ts'

/**
 * Says when the page itself reloads or goes back/forward, and when a single-page application is
 * traversed with Back or Forward, through the Navigation API where the browser has one. It runs in
 * the after-load chunk to keep the core small: there the core takes a popstate for a fragment the
 * page set itself unless this says it was a traversal.
 */
export function watchExitType(expect: (exit: Exit) => void): void {
  ;(window as { navigation?: EventTarget }).navigation?.addEventListener('navigate', (e) => {
    const type = (e as Event & { navigationType: string }).navigationType
    if (type == 'reload') expect(type)
    if (type == 'traverse') expect('back_forward')
  })
}
