import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { BatchWriter, WriterObserver } from './ingest/writer.ts'

/** The collector's Prometheus metrics, served at `/metrics`. */
export interface Metrics {
  registry: Registry
  /** Events answered with 202 and made durable. */
  accepted: Counter<'site'>
  /** Requests or events not stored, by reason (bot, invalid, spam, rate_limited, ...). */
  rejected: Counter<'reason'>
  /** Hooked into each batch writer: batch sizes, insert latency and ClickHouse errors. */
  observer: WriterObserver
  /** Reports the spool of a writer (bytes, pending rows, failing) at every scrape. */
  watch(writer: BatchWriter): void
}

/**
 * @example
 * const metrics = createMetrics()
 * metrics.rejected.inc({ reason: 'bot' })
 * await metrics.registry.metrics() // Prometheus text format
 */
export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'tellen_' })
  const writers: BatchWriter[] = []
  const batchRows = new Histogram({
    name: 'tellen_insert_batch_rows', help: 'Rows per insert into ClickHouse', labelNames: ['table'], registers: [registry],
    buckets: [1, 10, 100, 1000, 5000, 10_000, 50_000, 100_000],
  })
  const insertSeconds = new Histogram({
    name: 'tellen_insert_seconds', help: 'Time an insert into ClickHouse took (flush latency)', labelNames: ['table'], registers: [registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  })
  const clickhouseErrors = new Counter({
    name: 'tellen_clickhouse_errors_total', help: 'Inserts that ClickHouse refused or that did not reach it', labelNames: ['table'], registers: [registry],
  })
  const gauge = (name: string, help: string, value: (w: BatchWriter) => number) =>
    new Gauge({
      name, help, labelNames: ['table'], registers: [registry],
      collect() {
        for (const w of writers) this.set({ table: w.table }, value(w))
      },
    })
  gauge('tellen_spool_bytes', 'Bytes of the write-ahead spool on disk', (w) => w.stats().spoolBytes)
  gauge('tellen_spool_buffered_bytes', 'Bytes of spooled rows also held in memory for their insert', (w) => w.stats().bufferedBytes)
  gauge('tellen_spool_pending_rows', 'Rows acknowledged and not yet confirmed by ClickHouse', (w) => w.stats().pendingRows)
  gauge('tellen_spool_failing', 'Whether inserts are failing and batches wait in the spool (1) or not (0)', (w) => (w.stats().failing ? 1 : 0))
  gauge('tellen_quarantined_rows', 'Rows ClickHouse refused as malformed, set aside in the spool quarantine', (w) => w.stats().quarantinedRows)
  gauge('tellen_rows_written', 'Rows inserted into ClickHouse since start', (w) => w.stats().rowsWritten)

  return {
    registry,
    accepted: new Counter({ name: 'tellen_events_accepted_total', help: 'Events acknowledged with 202', labelNames: ['site'], registers: [registry] }),
    rejected: new Counter({ name: 'tellen_events_rejected_total', help: 'Requests or events not stored, by reason', labelNames: ['reason'], registers: [registry] }),
    observer: {
      inserted(table, rows, seconds) {
        batchRows.observe({ table }, rows)
        insertSeconds.observe({ table }, seconds)
      },
      insertFailed(table) {
        clickhouseErrors.inc({ table })
      },
    },
    watch: (w) => void writers.push(w),
  }
}
