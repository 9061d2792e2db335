import { Drop } from '../drop.ts'

/**
 * Reads the body as JSON.
 * @example
 * parse('{"v":1}') // { body: { v: 1 } }
 * parse('not json') // Drop invalid, 400
 */
export function parse(text: string): { body: unknown } | Drop {
  try {
    return { body: JSON.parse(text) as unknown }
  } catch {
    return new Drop('invalid', 'body is not valid JSON')
  }
}
