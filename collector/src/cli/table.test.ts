import { describe, expect, it } from 'vitest'
import { formatTable } from './table.ts'

describe('plain-text tables of the CLI', () => {
  it('starts with a header row and pads every column but the last to its widest cell', () => {
    expect(formatTable(['DOMAIN', 'TIME ZONE', 'FROM'], [['shop.test', 'Europe/Amsterdam', 'registered'], ['a.io', 'UTC', 'TELLEN_SITES']])).toBe(
      'DOMAIN     TIME ZONE         FROM\n' +
      'shop.test  Europe/Amsterdam  registered\n' +
      'a.io       UTC               TELLEN_SITES\n',
    )
  })

  it('prints the header alone when there is no row, without trailing spaces', () => {
    expect(formatTable(['DOMAIN', 'PARAMETERS'], [['x.test', '']])).toBe('DOMAIN  PARAMETERS\nx.test\n')
  })
})
