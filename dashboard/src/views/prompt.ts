import { h } from '../dom.ts'

/**
 * The token prompt: an admin or read token, kept in this tab's sessionStorage only. `message` says
 * why it is shown again (a token that was not accepted).
 */
export function tokenPrompt(message: string | undefined, onToken: (token: string) => void): HTMLElement {
  const input = h('input', {
    id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true,
    'aria-describedby': message ? 'token-help token-error' : 'token-help',
  })
  const form = h(
    'form',
    {
      class: 'prompt-form',
      onsubmit: (e: Event) => {
        e.preventDefault()
        const value = input.value.trim()
        if (value) onToken(value)
      },
    },
    h('label', { for: 'token' }, 'Token'),
    input,
    h('p', { id: 'token-help', class: 'help' },
      'Paste the admin token that Tellen printed at its first start (also in DATA_DIR/admin-token) or a read token. ',
      'It is kept in this browser tab only and forgotten when the tab is closed.'),
    message ? h('p', { id: 'token-error', class: 'error', role: 'alert' }, message) : null,
    h('button', { type: 'submit', class: 'primary' }, 'Open the dashboard'),
  )
  const main = h('main', { id: 'main', class: 'prompt' }, h('h1', null, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'Tellen'), form)
  queueMicrotask(() => input.focus())
  return main
}
