import fs from 'node:fs/promises'
import path from 'node:path'
import { build, type Plugin } from 'esbuild'

/** Where `npm start` and the image run the collector from: same depth as collector/src, so paths relative to the sources hold. */
export const COLLECTOR_BUNDLE = 'dist/collector/src/main.js'

const ROOT = path.resolve(import.meta.dirname, '..')
const OUT_DIR = path.join(ROOT, path.dirname(COLLECTOR_BUNDLE))

/**
 * Each source file's `import.meta.url`, `dirname` and `filename` still name that file once it is
 * bundled, as a location relative to the bundle: the collector finds `sql/`, the dashboard
 * template, the SDK sources and its data files where they are in the repository or the image.
 */
const keepSourceLocations: Plugin = {
  name: 'keep-source-locations',
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined
      const relative = path.relative(OUT_DIR, args.path).split(path.sep).join('/')
      const url = `new URL(${JSON.stringify(relative)}, import.meta.url).href`
      const file = `decodeURIComponent(new URL(${JSON.stringify(relative)}, import.meta.url).pathname)`
      const dir = `decodeURIComponent(new URL(${JSON.stringify(`${path.posix.dirname(relative)}/`)}, import.meta.url).pathname).replace(/\\/$/, '')`
      const source = await fs.readFile(args.path, 'utf8')
      const contents = source
        .replace(/\bimport\.meta\.url\b/g, url)
        .replace(/\bimport\.meta\.filename\b/g, file)
        .replace(/\bimport\.meta\.dirname\b/g, dir)
      return { contents, loader: 'ts' }
    })
  },
}

/**
 * Compiles the collector to one JavaScript module (its packages stay in node_modules), so it runs
 * on plain `node` with no TypeScript loader between a supervisor's signals and the process.
 * @example
 * await buildCollector() // writes dist/collector/src/main.js
 */
export async function buildCollector(): Promise<string> {
  const outfile = path.join(ROOT, COLLECTOR_BUNDLE)
  await build({
    entryPoints: [path.join(ROOT, 'collector/src/main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    outfile,
    logLevel: 'warning',
    plugins: [keepSourceLocations],
  })
  return outfile
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  process.stdout.write(`${path.relative(ROOT, await buildCollector())}\n`)
}
