import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import zlib from 'node:zlib'
import tar from 'tar-fs'
import { ROOT } from '../helpers/collector.ts'

/** The folder of the `@sparticuz/chromium` package (its entry point is `build/cjs/index.cjs`). */
const PACKAGE_DIR = path.resolve(path.dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')), '..', '..')
const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'tellen-chromium')

export interface NpmChromium {
  executablePath: string
  /** Added to the browser's environment: its locale, and where its libraries and fonts are. */
  env: Record<string, string>
}

/**
 * The Chromium that `npm install` brought with the dev dependency `@sparticuz/chromium`, unpacked
 * once into `node_modules/.cache/tellen-chromium/<version>` with what the package ships beside it: a
 * font, a software renderer, and the libraries the browser links that only a system browser brings
 * along (libnss3, libnspr4, libexpat, built for Amazon Linux and fine on other glibc systems). Test files that unpack it at the same
 * time each unpack into a folder of their own and the first to finish moves its folder into place.
 *
 * @example
 * const { executablePath, env } = await npmChromium()
 * await chromium.launch({ executablePath, env: { ...process.env, ...env } })
 */
export async function npmChromium(): Promise<NpmChromium> {
  const { version } = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }
  const dir = path.join(CACHE_DIR, version)
  if (!fs.existsSync(path.join(dir, 'chromium'))) await unpack(dir)
  return {
    executablePath: path.join(dir, 'chromium'),
    env: {
      // In a C or POSIX locale (LANG=C.UTF-8, as in most containers) the headless shell says its
      // language is "en-US@posix", which is no language tag: Intl refuses it and the dashboard cannot
      // draw. Desktop Chromium says "en-US" there. The shell gets the locale a person's machine has.
      LANG: 'en_US.UTF-8',
      LC_ALL: 'en_US.UTF-8',
      LD_LIBRARY_PATH: [path.join(dir, 'al2023', 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_FILE: path.join(dir, 'fonts.conf'),
    },
  }
}

async function unpack(dir: string): Promise<void> {
  fs.mkdirSync(CACHE_DIR, { recursive: true })
  const staging = fs.mkdtempSync(path.join(CACHE_DIR, '.unpacking-'))
  const archive = (name: string) => fs.createReadStream(path.join(PACKAGE_DIR, 'bin', name)).pipe(zlib.createBrotliDecompress())
  try {
    await pipeline(archive('chromium.br'), fs.createWriteStream(path.join(staging, 'chromium'), { mode: 0o755 }))
    // The software renderer's libraries go beside the browser, which looks for them there.
    await pipeline(archive('swiftshader.tar.br'), tar.extract(staging))
    await pipeline(archive('fonts.tar.br'), tar.extract(path.join(staging, 'fonts')))
    await pipeline(archive('al2023.tar.br'), tar.extract(path.join(staging, 'al2023')))
    // The system's fonts when it has any, and the font the package brings.
    fs.writeFileSync(
      path.join(staging, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n  <dir>${path.join(dir, 'fonts', 'fonts')}</dir>\n  <cachedir>${path.join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
    )
    fs.renameSync(staging, dir)
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true })
    // Another test file unpacked it first.
    if (fs.existsSync(path.join(dir, 'chromium'))) return
    throw err
  }
}
