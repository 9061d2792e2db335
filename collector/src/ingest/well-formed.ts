const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/**
 * Replaces lone UTF-16 surrogates (valid in JSON text, refused by ClickHouse) with U+FFFD.
 * @example
 * wellFormed('a\ud800b') // 'a\ufffdb'
 */
export const wellFormed = (s: string) => s.replace(LONE_SURROGATE, '\ufffd')
