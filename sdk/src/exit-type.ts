import type { Exit } from './leave.ts'

/**
 * Says when the page itself reloads or goes back/forward, through the Navigation API where the
 * browser has one. It runs in the after-load chunk: these exits only matter when the page is left.
 */
export function watchExitType(expect: (exit: Exit) => void): void {
  ;(window as { navigation?: EventTarget }).navigation?.addEventListener('navigate', (e) => {
    const type = (e as Event & { navigationType: string }).navigationType
    if (type == 'reload') expect(type)
    if (type == 'traverse') expect('back_forward')
  })
}
