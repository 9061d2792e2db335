import { ApiError, downloadCsv } from './api.ts'
import { h, replace, uid } from './dom.ts'
import { addDays, describeRange, type Range } from './period.ts'
import type { AnswerSource, EventSpan } from './types.ts'

/** What a panel reads of an answer to say which days it covers. */
export interface Answer {
  source?: AnswerSource | string
  /** Funnels and journeys: the days of the range the detailed events answered for (null: none). */
  span?: EventSpan | null
  /** A breakdown with a goal: where its conversions were read. */
  conversions_source?: AnswerSource
}

/** A titled section that loads one answer of the API and shows it, its source, or its error. */
export interface Panel {
  el: HTMLElement
  body: HTMLElement
  /** Loads and renders unless `key` is what is shown already; stale answers are dropped. */
  load<T extends Answer>(key: string, fetch: () => Promise<T>, render: (data: T) => void): void
  /** What the panel's "CSV" button downloads (the same question with `format=csv`); undefined hides it. */
  setDownload(download: Download | undefined): void
}

/** A panel's data as a CSV file: the stats endpoint, its parameters and the file's name. */
export interface Download {
  path: string
  params: Record<string, string | number | undefined>
  filename: string
}

/** The days asked for, and the first day the anonymised events still hold (undefined: all of them). */
let coverage: { range: Range; eventsFrom: string | undefined } | undefined

/**
 * Tells the panels which days are asked for and how long the site keeps its events, so a panel that
 * is answered from the events can say when it covers fewer days than asked.
 * @example setCoverage({ from: '2026-01-01', to: '2026-03-31' }, 30, '2026-03-31')
 */
export function setCoverage(range: Range, eventsRetentionDays: number | undefined, today: string): void {
  coverage = { range, eventsFrom: eventsRetentionDays === undefined ? undefined : addDays(today, 1 - Math.max(0, eventsRetentionDays)) }
}

/**
 * The note of a panel read from the events over a range that starts before the events kept: the days
 * the answer says it covers (funnels, journeys), or those the retention leaves (filtered panels, the
 * conversions of a goal).
 */
function shortfall(data: Answer): string | undefined {
  if (!coverage) return undefined
  const { range } = coverage
  if (data.span !== undefined) {
    if (data.span === null) return `Counts nothing for ${describeRange(range)}: this panel reads the detailed events, and none of these days are kept any more.`
    return data.span.from > range.from ? `Covers ${describeRange(data.span)} only: this panel reads the detailed events, which are kept for fewer days than asked.` : undefined
  }
  if (!coverage.eventsFrom || range.from >= coverage.eventsFrom) return undefined
  const kept = describeRange({ from: coverage.eventsFrom > range.to ? range.to : coverage.eventsFrom, to: range.to })
  if (data.source === 'events') return `Covers ${kept} only: with these filters this panel reads the detailed events, which are kept for fewer days than asked.`
  if (data.conversions_source === 'events') return `Conversions cover ${kept} only: they are read from the detailed events, which are kept for fewer days than asked.`
  return undefined
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
  const source = h('p', { class: 'source', hidden: true })
  const body = h('div', { class: 'panel-body' }, h('p', { class: 'empty' }, 'Loading…'))
  const heading = h('h2', { id: headingId, tabindex: '-1' }, title)
  let download: Download | undefined
  const csvStatus = h('span', { class: 'csv-status', role: 'status' })
  const csv = h('button', {
    type: 'button', class: 'csv', hidden: true, title: `Download ${title.toLowerCase()} as CSV`, 'aria-label': `Download ${title.toLowerCase()} as CSV`,
    onclick: () => {
      if (!download) return
      csvStatus.textContent = ''
      downloadCsv(download.path, download.params, download.filename).catch((err: unknown) => {
        csvStatus.textContent = `CSV: ${errorText(err)}`
      })
    },
  }, 'CSV')
  const el = h(
    'section',
    { class: `panel ${opts.className ?? ''}`.trim(), 'aria-labelledby': headingId },
    // The download comes before the controls: after a panel's tabs, the Tab key goes to what they show.
    h('header', { class: 'panel-head' }, heading, h('span', { class: 'head-gap' }), csv, ...(opts.controls ?? []), csvStatus),
    source,
    body,
  )
  let shown: string | undefined
  let shownIn = generation
  let wanted: string | undefined

  /** Stops waiting for the answer asked for: when it comes, it is dropped. */
  const settle = () => {
    wanted = undefined
    el.removeAttribute('aria-busy')
    el.classList.remove('loading')
  }
  const load: Panel['load'] = (key, fetch, render) => {
    if (key === wanted) return
    if (key === shown && shownIn === generation) {
      // Back to what is shown, while another answer is on its way (30 days, then today, then 30 days
      // again before today's chart came in): that answer must not replace it.
      if (wanted !== undefined) settle()
      return
    }
    wanted = key
    el.setAttribute('aria-busy', 'true')
    el.classList.add('loading')
    fetch()
      .then((data) => {
        if (wanted !== key) return
        const note = shortfall(data)
        source.hidden = !note
        source.textContent = note ?? ''
        if (data.source) source.dataset.source = data.source
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
        if (wanted === key) settle()
      })
  }
  const setDownload = (d: Download | undefined) => {
    download = d
    csv.hidden = !d
  }
  return { el, body, load, setDownload }
}

/** The "nothing here" line of an empty panel. */
export const empty = (text = 'No data for this period.') => h('p', { class: 'empty' }, text)
