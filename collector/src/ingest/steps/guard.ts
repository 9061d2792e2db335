import { Drop } from '../drop.ts'

/** Content types the SDK sends: text/plain from sendBeacon, JSON from fetch. */
export const ACCEPTED_TYPES: readonly string[] = ['text/plain', 'application/json']

/**
 * The first step, before the body is read: refuses a body of a type or encoding the collector does
 * not read. Passes (undefined) when both headers are acceptable or absent.
 * @example
 * guard('application/xml', undefined) // Drop content_type, 415
 * guard('text/plain;charset=UTF-8', undefined) // undefined
 */
export function guard(contentTypeHeader: string | undefined, contentEncodingHeader: string | undefined): Drop | undefined {
  const contentType = (contentTypeHeader ?? '').split(';')[0]!.trim().toLowerCase()
  if (contentType && !ACCEPTED_TYPES.includes(contentType)) {
    return new Drop('content_type', `content type ${contentType} is not accepted; send text/plain or application/json`)
  }
  const encoding = contentEncodingHeader?.trim().toLowerCase()
  if (encoding && encoding !== 'identity') {
    return new Drop('content_encoding', `content encoding ${encoding} is not accepted; send the body uncompressed`)
  }
  return undefined
}
