import { describe, expect, it } from 'vitest'
import { eventSchema } from './schema.ts'

const error = (kind: string) => eventSchema.parse({ type: 'error', url: 'https://example.com/', kind, resource: 'https://example.com/a.png' })

describe('error event kinds', () => {
  it('keeps a kind of the protocol as it is', () => {
    for (const kind of ['img', 'script', 'css', 'media', 'fetch', 'other']) expect(error(kind)).toMatchObject({ kind })
  })

  it('maps the tag name of the element that failed to its kind', () => {
    expect(error('link')).toMatchObject({ kind: 'css' })
    expect(error('VIDEO')).toMatchObject({ kind: 'media' })
    expect(error('source')).toMatchObject({ kind: 'media' })
    expect(error('iframe')).toMatchObject({ kind: 'other' })
  })

  it('refuses a kind that is too long to be a tag name', () => {
    expect(eventSchema.safeParse({ type: 'error', url: 'https://example.com/', kind: 'x'.repeat(41), resource: 'https://example.com/' }).success).toBe(false)
  })
})
