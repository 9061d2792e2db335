import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const BENCHMARKS_FILE = path.join(ROOT, 'BENCHMARKS.md')

const HEADER = `# Benchmarks

Produced by \`npm run bench\`, which runs every file in \`bench/\` one after the other, each in its own
process, and rewrites the section of each bench below (between its \`<!-- bench:... -->\` markers).
Sections of benches that did not run are kept as they were. The machine is shared and absolute
numbers are noisy; the headline figures are ratios measured side by side in the same run.
`

const markers = (id: string) => [`<!-- bench:${id} -->`, `<!-- /bench:${id} -->`] as const

/**
 * Replaces (or appends) the marker-delimited section `id` of BENCHMARKS.md, leaving every other
 * section as it is. Bench files that do not go through `npm run bench` may call it themselves.
 * @example writeSection('sdk-size', '## SDK size\n\n| script | gzip |\n...')
 */
export function writeSection(id: string, markdown: string, file = BENCHMARKS_FILE): void {
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : HEADER
  const [start, end] = markers(id)
  const block = `${start}\n${markdown.trim()}\n${end}`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from >= 0 && to > from) text = text.slice(0, from) + block + text.slice(to + end.length)
  else text = `${text.trimEnd()}\n\n${block}\n`
  fs.writeFileSync(file, text)
}

/** The body of section `id` as it stands in BENCHMARKS.md, or '' when there is none. */
export function readSection(id: string, file = BENCHMARKS_FILE): string {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''
  const [start, end] = markers(id)
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  return from >= 0 && to > from ? text.slice(from + start.length, to).trim() : ''
}

/** The machine a run happened on, and how busy it was with other work, as a markdown section. */
export function machineSection(command: string, date = new Date(), loadBefore = os.loadavg()): string {
  const cpus = os.cpus()
  const load = (l: number[]) => l.map((n) => n.toFixed(1)).join(' / ')
  return [
    '## Machine and run',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${cpus[0]?.model.trim() ?? 'unknown'} |`,
    `| cores | ${cpus.length} (as seen by Node; shared with other work while measured) |`,
    `| memory | ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB |`,
    `| OS | ${os.type()} ${os.release()} ${os.arch()} |`,
    `| Node | ${process.version} |`,
    `| command | \`${command}\` |`,
    `| date | ${date.toISOString().replace(/\.\d+Z$/, 'Z')} |`,
    `| load average (1 / 5 / 15 min) | ${load(loadBefore)} at the start, ${load(os.loadavg())} at the end: the other work sharing the ${cpus.length} cores |`,
  ].join('\n')
}
