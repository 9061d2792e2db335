import { ConfigError, loadConfig } from './config.ts'
import { createLogger } from './log.ts'
import { startServer } from './server.ts'

let config
try {
  config = loadConfig()
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`tellen: ${err.message}\n`)
    process.exit(2)
  }
  throw err
}
const log = createLogger(config.logLevel)
const server = await startServer(config, log).catch((err: Error) => {
  process.stderr.write(`tellen: could not start: ${err.message}\n`)
  process.exit(1)
})

let stopping = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down')
    // Whatever happens, the process is gone shortly after the timeout; acknowledged events are in the spool.
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 1000).unref()
    server.close(config.shutdownTimeoutMs).then(
      () => process.exit(0),
      (err: Error) => {
        log.error({ err: err.message }, 'shutdown failed')
        process.exit(1)
      },
    )
  })
}
