import { ApiError } from './api.ts'
import { h, replace, uid } from './dom.ts'
import type { AnswerSource } from './types.ts'

/** A titled section that loads one answer of the API and shows it, its source, or its error. */
export interface Panel {
  el: HTMLElement
  body: HTMLElement
  /** Loads and renders unless `key` is what is shown already; stale answers are dropped. */
  load<T extends { source?: AnswerSource }>(key: string, fetch: () => Promise<T>, render: (data: T) => void): void
}

const SOURCE_TEXT: Record<AnswerSource, [string, string]> = {
  rollup: ['rollups', 'Answered from the aggregates, which are kept for as long as the site keeps its rollups.'],
  events: ['events', 'Answered from the anonymised events, because no aggregate holds this combination of filters; it only covers the days the events are kept.'],
}

let generation = 0
/**
 * Makes every panel render its next answer afresh, even one it shows already, so that moving through
 * the history shows what the URL says and nothing of what was done since ("Show more" rows).
 */
export function renderAfresh(): void {
  generation++
}

/**
 * The message of an error, the way a panel shows it. Anything but an ApiError comes from reading an
 * answer that parsed as JSON but lacks what the dashboard needs (`{}` instead of `{ rows: [...] }`).
 */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.status ? `${err.message} (HTTP ${err.status})` : err.message
  return 'the answer was not in the expected shape'
}

/**
 * How to find the focused element again in what a panel draws anew: the row of the same value, the
 * "Show more" button or the table's summary.
 */
function sameAs(focused: Element): string | undefined {
  const row = focused.closest('[data-value]')
  if (row) return `${row.tagName}[data-value="${CSS.escape(row.getAttribute('data-value')!)}"]`
  if (focused.matches('.more')) return '.more'
  if (focused.matches('summary')) return 'summary'
  return undefined
}

/**
 * Creates a panel with a heading and optional controls beside it.
 * @example const p = createPanel('Web Vitals'); p.load(key, () => get(...), (data) => replace(p.body, ...))
 */
export function createPanel(title: string, opts: { controls?: Node[]; className?: string } = {}): Panel {
  const headingId = uid('panel')
  const source = h('span', { class: 'source', hidden: true })
  const body = h('div', { class: 'panel-body' }, h('p', { class: 'empty' }, 'Loading…'))
  const heading = h('h2', { id: headingId, tabindex: '-1' }, title)
  const el = h(
    'section',
    { class: `panel ${opts.className ?? ''}`.trim(), 'aria-labelledby': headingId },
    h('header', { class: 'panel-head' }, heading, source, ...(opts.controls ?? [])),
    body,
  )
  let shown: string | undefined
  let shownIn = generation
  let wanted: string | undefined

  const load: Panel['load'] = (key, fetch, render) => {
    if ((key === shown && shownIn === generation) || key === wanted) return
    wanted = key
    el.setAttribute('aria-busy', 'true')
    el.classList.add('loading')
    fetch()
      .then((data) => {
        if (wanted !== key) return
        const src = data.source
        source.hidden = !src
        if (src) {
          source.textContent = `from ${SOURCE_TEXT[src][0]}`
          source.title = SOURCE_TEXT[src][1]
          source.dataset.source = src
        }
        const focused = body.contains(document.activeElement) ? document.activeElement : null
        const again = focused && sameAs(focused)
        render(data)
        shown = key
        shownIn = generation
        // The focus goes to what takes the focused element's place (Back and Forward draw panels
        // anew), or to the panel when nothing does ("Try again").
        if (focused && !el.contains(document.activeElement)) {
          const target = again ? body.querySelector<HTMLElement>(again) : null
          const next = target && !target.hidden ? target : heading
          next.focus()
        }
      })
      .catch((err: unknown) => {
        if (wanted !== key) return
        if (!(err instanceof ApiError)) console.error(err)
        shown = undefined
        source.hidden = true
        const focused = body.contains(document.activeElement)
        const retry = h('button', { type: 'button', class: 'link', onclick: () => { wanted = undefined; load(key, fetch, render) } }, 'Try again')
        replace(body, h('p', { class: 'error', role: 'alert' }, `Could not load ${title.toLowerCase()}: ${errorText(err)}. `, retry))
        if (focused) retry.focus()
      })
      .finally(() => {
        if (wanted !== key) return
        wanted = undefined
        el.removeAttribute('aria-busy')
        el.classList.remove('loading')
      })
  }
  return { el, body, load }
}

/** The "nothing here" line of an empty panel. */
export const empty = (text = 'No data for this period.') => h('p', { class: 'empty' }, text)
