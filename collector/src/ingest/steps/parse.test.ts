import { describe, expect, it } from 'vitest'
import { parse } from './parse.ts'

describe('parse', () => {
  it('reads a JSON body, whatever its shape', () => {
    expect(parse('{"v":1,"site":"example.com"}')).toEqual({ body: { v: 1, site: 'example.com' } })
    expect(parse('null')).toEqual({ body: null })
  })

  it('refuses text that is not JSON with a 400 saying so', () => {
    expect(parse('{"v":1,')).toMatchObject({ reason: 'invalid', status: 400, error: 'body is not valid JSON', events: 1 })
  })
})
