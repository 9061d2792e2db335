import { describe, expect, it } from 'vitest'
import { guard } from './guard.ts'

describe('guard', () => {
  it('lets text/plain, JSON and a missing content type through', () => {
    expect(guard('text/plain;charset=UTF-8', undefined)).toBeUndefined()
    expect(guard('Application/JSON', 'identity')).toBeUndefined()
    expect(guard(undefined, undefined)).toBeUndefined()
  })

  it('refuses another content type with a 415 naming it', () => {
    expect(guard('application/xml; charset=utf-8', undefined)).toMatchObject({
      reason: 'content_type', status: 415, error: 'content type application/xml is not accepted; send text/plain or application/json',
    })
  })

  it('refuses a compressed body with a 415 naming its encoding', () => {
    expect(guard('text/plain', ' GZIP ')).toMatchObject({ reason: 'content_encoding', status: 415, error: 'content encoding gzip is not accepted; send the body uncompressed' })
  })
})
