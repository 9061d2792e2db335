import { pino, type Logger, type DestinationStream } from 'pino'

export type { Logger }

/**
 * The process logger: one JSON line per entry on stdout. Nothing that reaches it may hold a raw IP
 * address; request lines carry the truncated prefix only.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, destination)
}
