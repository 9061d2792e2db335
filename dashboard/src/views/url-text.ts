/**
 * A path or URL with a line-break opportunity after each `/`, `?`, `&`, `=`, `-`, `_` and `.`, so a
 * narrow screen wraps it between its parts rather than in the middle of a word.
 * @example urlText('/docs/getting-started') // ['/', <wbr>, 'docs/', <wbr>, 'getting-', <wbr>, 'started']
 */
export function urlText(text: string): (string | HTMLElement)[] {
  const parts = text.split(/(?<=[/?&=_.-])/)
  return parts.flatMap((part, i) => (i === 0 ? [part] : [document.createElement('wbr'), part]))
}
