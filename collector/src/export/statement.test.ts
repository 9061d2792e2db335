import { describe, expect, it } from 'vitest'
import type { ExportDataset } from './datasets.ts'
import { partnerSection } from './statement.ts'

const DATASET: ExportDataset = {
  id: 'a1', site: 'example.com', name: 'by-country', dimensions: ['country', 'device'], metrics: ['visitors', 'pageviews'], period: 'week', epsilonMilli: 1500, created: '2026-12-07 06:00:00.000',
}

describe('partnerSection', () => {
  it('names every dataset partners receive, its figures, grouping, period and epsilon, and how it is protected', () => {
    const en = partnerSection([DATASET], 10, 'en')
    expect(en).toMatch(/^## Figures shared with partners\n\n/)
    expect(en).toContain('- `by-country` (example.com): visitors and pageviews per week (Monday to Sunday, UTC), by country, device; ε = 1.5; rows of fewer than 110 visitors (after noise) are left out')
    expect(en).toContain('discrete Laplace mechanism of differential privacy')
    const nl = partnerSection([DATASET], 25, 'nl')
    expect(nl).toContain('- `by-country` (example.com): bezoekers en paginaweergaven per week (maandag tot en met zondag, UTC), naar country, device; ε = 1.5; rijen met minder dan 110 bezoekers (na de ruis) vallen weg')
  })

  it('says that nothing is shared when no dataset is defined', () => {
    expect(partnerSection([], 10, 'en')).toBe('## Figures shared with partners\n\nNo figures from these statistics are shared with partners.\n')
    expect(partnerSection([], 10, 'nl')).toContain('Er worden geen cijfers')
  })
})
