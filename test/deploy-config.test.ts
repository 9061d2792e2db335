import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from './helpers/collector.ts'

const DEPLOY = path.join(ROOT, 'deploy/clickhouse')
const xmlFiles = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? xmlFiles(path.join(dir, e.name)) : e.name.endsWith('.xml') ? [path.join(dir, e.name)] : []))
/** The text of every `<tag>` element, in order. */
const values = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!.trim())
/** Checks that the XML is well formed: every element closed in order, one root. */
function wellFormed(xml: string): string | undefined {
  const body = xml.replace(/<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '')
  const open: string[] = []
  let roots = 0
  for (const m of body.matchAll(/<(\/?)([A-Za-z_][\w.-]*)([^>]*?)(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m
    if (closing) {
      if (open.pop() !== name) return `</${name}> closes ${open.at(-1) ?? 'nothing'}`
    } else if (!selfClosing) {
      if (open.length === 0) roots++
      open.push(name!)
    } else if (open.length === 0) roots++
  }
  if (open.length) return `<${open.at(-1)}> is not closed`
  if (roots !== 1) return `${roots} root elements`
  if (/<(?![/?!A-Za-z_])|&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(body)) return 'a stray < or &'
  return undefined
}
const composeServices = (profile?: string) =>
  execFileSync('docker-compose', [...(profile ? ['--profile', profile] : []), 'config', '--services'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean)

describe('the deployment files', () => {
  it('has well-formed ClickHouse and Keeper XML files', () => {
    const files = xmlFiles(DEPLOY)
    expect(files.length).toBeGreaterThanOrEqual(9)
    expect(files.map((f) => ({ file: path.relative(ROOT, f), problem: wellFormed(fs.readFileSync(f, 'utf8')) }))).toEqual(files.map((f) => ({ file: path.relative(ROOT, f), problem: undefined })))
    expect(wellFormed('<a><b></a></b>')).toMatch(/closes/)
  })

  it('gives every replica distinct macros, and each shard its replicas', () => {
    const macros = xmlFiles(DEPLOY).filter((f) => path.basename(f).startsWith('macros-')).map((f) => {
      const xml = fs.readFileSync(f, 'utf8')
      return { node: path.basename(f, '.xml').slice('macros-'.length), shard: values(xml, 'shard')[0], replica: values(xml, 'replica')[0] }
    })
    expect(macros).toHaveLength(4)
    expect(new Set(macros.map((m) => `${m.shard}/${m.replica}`)).size).toBe(macros.length)
    expect(new Set(macros.map((m) => m.replica)).size).toBe(macros.length)
    const cluster = fs.readFileSync(path.join(DEPLOY, 'cluster/cluster.xml'), 'utf8')
    const shards = [...cluster.matchAll(/<shard>([\s\S]*?)<\/shard>/g)].map((s) => values(s[1]!, 'host'))
    for (const m of macros) expect(shards[Number(m.shard) - 1], m.node).toContain(m.node)
  })

  it('names in remote_servers and zookeeper only nodes that docker-compose runs, and validates with docker-compose config', () => {
    const services = composeServices('cluster')
    const cluster = fs.readFileSync(path.join(DEPLOY, 'cluster/cluster.xml'), 'utf8')
    const keepers = values(cluster.match(/<zookeeper>[\s\S]*<\/zookeeper>/)![0], 'host')
    expect(keepers).toHaveLength(3)
    for (const host of [...values(cluster.match(/<remote_servers>[\s\S]*<\/remote_servers>/)![0], 'host'), ...keepers]) expect(services).toContain(host)
    for (const k of [1, 2, 3]) expect(values(fs.readFileSync(path.join(DEPLOY, `keeper/keeper-${k}.xml`), 'utf8'), 'hostname')).toEqual(keepers)
  })
})
