import fs from 'node:fs'
import path from 'node:path'
import { build } from 'esbuild'

/** The dashboard's bundled script and style sheet, and the start page's script. */
export interface DashboardBundle {
  js: Uint8Array
  css: Uint8Array
  home: Uint8Array
}

const SRC = path.join(import.meta.dirname, 'src')

/**
 * Bundles and minifies the dashboard (TypeScript and CSS, with uPlot) with esbuild, in memory.
 * @example
 * const { js, css } = await buildDashboard()
 */
export async function buildDashboard(): Promise<DashboardBundle> {
  const result = await build({
    entryPoints: { app: path.join(SRC, 'main.ts'), home: path.join(SRC, 'home.ts'), style: path.join(SRC, 'style.css') },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    legalComments: 'none',
    write: false,
    outdir: 'out',
    logLevel: 'silent',
  })
  const file = (name: string) => result.outputFiles.find((f) => path.basename(f.path) === name)!.contents
  return { js: file('app.js'), css: file('style.css'), home: file('home.js') }
}

// `tsx dashboard/build.ts` writes the bundle to dashboard/dist/, to look at its size or host it elsewhere.
if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const bundle = await buildDashboard()
  const dist = path.join(import.meta.dirname, 'dist')
  fs.mkdirSync(dist, { recursive: true })
  for (const [name, code] of [['app.js', bundle.js], ['home.js', bundle.home], ['style.css', bundle.css]] as const) {
    fs.writeFileSync(path.join(dist, name), code)
    process.stdout.write(`dashboard/dist/${name} ${code.length} bytes\n`)
  }
}
