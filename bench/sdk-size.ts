/**
 * Size of the browser script: the core `t.js` and the full SDK (core plus the after-load chunk),
 * minified, gzipped (level 9) and brotli-compressed (quality 11), next to the published trackers of
 * Plausible and Umami measured the same way. Prints a table and writes it into BENCHMARKS.md.
 *
 *   npx tsx bench/sdk-size.ts
 *
 * The peers' packages are fetched from the npm registry with `npm pack` (cached in
 * node_modules/.cache/tellen-bench); without the registry their rows are left out.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { build } from 'esbuild'
import { minify } from 'terser'
import { buildSdk } from '../sdk/build.ts'
import { benchMain, type BenchResult } from './lib/harness.ts'

const ROOT = path.join(import.meta.dirname, '..')
const CACHE = path.join(ROOT, 'node_modules/.cache/tellen-bench')

interface Row {
  script: string
  min: number
  gzip: number
  brotli: number
}

/** Minified, gzip -9 and brotli -11 sizes of one script. */
export function measure(script: string, code: Uint8Array | string): Row {
  const bytes = typeof code === 'string' ? Buffer.from(code) : Buffer.from(code)
  return {
    script,
    min: bytes.length,
    gzip: zlib.gzipSync(bytes, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  }
}

/** Unpacks `spec` from the npm registry into the cache and returns the package folder. */
function npmPackage(spec: string): string {
  const dir = path.join(CACHE, spec.replace(/[/@]/g, '_'))
  if (!fs.existsSync(path.join(dir, 'package'))) {
    fs.mkdirSync(dir, { recursive: true })
    const file = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', dir], { encoding: 'utf8' }).trim().split('\n').pop()!
    execFileSync('tar', ['xzf', path.join(dir, file), '-C', dir])
  }
  return path.join(dir, 'package')
}

async function peers(): Promise<Row[]> {
  const out: Row[] = []
  try {
    // Plausible's npm tracker ships minified: measured as published.
    const plausible = npmPackage('@plausible-analytics/tracker@0.4.6')
    out.push(measure('Plausible, @plausible-analytics/tracker 0.4.6 (plausible.js as published)', fs.readFileSync(path.join(plausible, 'plausible.js'))))
    // Umami ships the tracker's source: built like its own rollup config does (IIFE + terser).
    const umami = npmPackage('umami@2.10.0')
    const bundled = await build({ entryPoints: [path.join(umami, 'src/tracker/index.js')], bundle: true, format: 'iife', write: false, logLevel: 'silent' })
    const min = await minify(bundled.outputFiles[0]!.text, { compress: { evaluate: false } })
    out.push(measure('Umami, umami 2.10.0 (src/tracker built with terser, as its rollup config)', min.code!))
  } catch (err) {
    process.stderr.write(`peer trackers left out: ${(err as Error).message.split('\n')[0]}\n`)
  }
  return out
}

async function measureSdkSize(): Promise<BenchResult> {
  const files = await buildSdk()
  const full = Buffer.concat([Buffer.from(files['t.js']), Buffer.from(files['t.vitals.js'])])
  const rows = [measure('Tellen core, t.js', files['t.js']), measure('Tellen full, t.js + t.vitals.js', full), ...(await peers())]
  const table = [
    '| script | minified | gzip -9 | brotli -11 |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.script} | ${r.min} | ${r.gzip} | ${r.brotli} |`),
  ].join('\n')
  const markdown = [
    '## Browser script size (bytes)',
    '',
    `Measured by \`npx tsx bench/sdk-size.ts\` (also part of \`npm run bench\`) on ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}.`,
    'The budget for the core, gzipped, is 2,048 bytes (checked by `sdk/size.test.ts`). The core is what every',
    'page loads before it is interactive; the after-load chunk (web-vitals, Navigation Timing) follows the load event.',
    'The peers collect less: neither measures Core Web Vitals, failed resources, click positions or a mouse grid.',
    '',
    table,
  ].join('\n')
  const core = rows[0]!
  return {
    id: 'sdk-size',
    title: 'Browser script size',
    headline: `core t.js ${core.gzip} bytes gzipped (budget 2,048), full ${rows[1]!.gzip}`,
    markdown,
    data: { rows },
  }
}

await benchMain(import.meta.url, measureSdkSize)
