import type { Db } from '../db/client.ts'
import type { StatementLanguage } from '../privacy/statement.ts'
import { createDatasetStore, type ExportDataset } from './datasets.ts'
import { formatEpsilon } from './definition.ts'
import { PAGEVIEWS_PER_VISITOR_DAY, releaseThreshold } from './mechanism.ts'

const PERIOD_WORD = {
  en: { day: 'day', week: 'week (Monday to Sunday, UTC)', month: 'month' },
  nl: { day: 'dag', week: 'week (maandag tot en met zondag, UTC)', month: 'maand' },
} as const
const METRIC_WORD = { en: { visitors: 'visitors', pageviews: 'pageviews' }, nl: { visitors: 'bezoekers', pageviews: 'paginaweergaven' } } as const

const TEXT = {
  en: {
    title: 'Figures shared with partners',
    none: 'No figures from these statistics are shared with partners.',
    intro: 'Partners receive only the datasets below, never single visits or visitor codes:',
    item: (d: ExportDataset, k: number) =>
      `- \`${d.name}\` (${d.site}): ${d.metrics.map((m) => METRIC_WORD.en[m]).join(' and ')} per ${PERIOD_WORD.en[d.period]}${d.dimensions.length ? `, by ${d.dimensions.join(', ')}` : ''}; ε = ${formatEpsilon(d.epsilonMilli)}; rows of fewer than ${releaseThreshold(d, k)} visitors (after noise) are left out`,
    protection: () =>
      `Each dataset is computed once for each closed period and then frozen: every download of a period gives the same figures. In it, a visitor code (one browser on one day) counts in at most one row per day, with at most ${PAGEVIEWS_PER_VISITOR_DAY} pageviews. Random noise from the discrete Laplace mechanism of differential privacy is added to every figure, scaled to the days in the period, so that the figures barely depend on whether any one person visited, and rows with few visitors are left out. Every download is logged with the partner's token, the dataset, the period and the number of rows.`,
  },
  nl: {
    title: 'Cijfers die met partners worden gedeeld',
    none: 'Er worden geen cijfers uit deze statistieken met partners gedeeld.',
    intro: 'Partners krijgen alleen de datasets hieronder, nooit losse bezoeken of bezoekerscodes:',
    item: (d: ExportDataset, k: number) =>
      `- \`${d.name}\` (${d.site}): ${d.metrics.map((m) => METRIC_WORD.nl[m]).join(' en ')} per ${PERIOD_WORD.nl[d.period]}${d.dimensions.length ? `, naar ${d.dimensions.join(', ')}` : ''}; ε = ${formatEpsilon(d.epsilonMilli)}; rijen met minder dan ${releaseThreshold(d, k)} bezoekers (na de ruis) vallen weg`,
    protection: () =>
      `Elke dataset wordt één keer per afgesloten periode berekend en daarna vastgezet: elke download van een periode geeft dezelfde cijfers. Daarin telt een bezoekerscode (één browser op één dag) in hoogstens één rij per dag mee, met hoogstens ${PAGEVIEWS_PER_VISITOR_DAY} paginaweergaven. Bij elk cijfer wordt willekeurige ruis opgeteld volgens het discrete Laplace-mechanisme van differential privacy, afgestemd op het aantal dagen in de periode, zodat de cijfers nauwelijks afhangen van of één bepaalde persoon de site bezocht, en rijen met weinig bezoekers vallen weg. Elke download wordt vastgelegd met het token van de partner, de dataset, de periode en het aantal rijen.`,
  },
} as const

/**
 * The privacy statement's section on partners, from the datasets defined now, in Markdown.
 * @example const section = partnerSection(await datasets.list(), 10, 'nl')
 */
export function partnerSection(datasets: readonly ExportDataset[], k: number, lang: StatementLanguage): string {
  const t = TEXT[lang]
  const body = datasets.length ? [t.intro, datasets.map((d) => t.item(d, k)).join('\n'), t.protection()] : [t.none]
  return [`## ${t.title}`, ...body].join('\n\n') + '\n'
}

/**
 * The section for the datasets in the database.
 * @example process.stdout.write(privacyStatement(config, 'en') + '\n' + (await partnerStatement(db, config.exportMinVisitors, 'en')))
 */
export async function partnerStatement(db: Db, k: number, lang: StatementLanguage): Promise<string> {
  return partnerSection(await createDatasetStore(db, 0).list(), k, lang)
}
