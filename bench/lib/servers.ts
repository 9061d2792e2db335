import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { ROOT } from './report.ts'

export interface BenchServer {
  url: string
  pid: number
  process: ChildProcess
  stop(): Promise<void>
}

/** Starts a server script of bench/lib as a child process and waits for its `{"port":N} listening` line. */
export async function startScript(script: string, env: Record<string, string> = {}): Promise<BenchServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/lib', script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /"port":(\d+)\} listening/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out}`)))
  })
  child.stdout!.resume()
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}
