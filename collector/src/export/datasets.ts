import { randomBytes } from 'node:crypto'
import type { Db } from '../db/client.ts'
import { ParamError } from '../stats/param-error.ts'
import { formatEpsilon, type DatasetDefinition } from './definition.ts'

/** A defined dataset, as stored. */
export interface ExportDataset extends DatasetDefinition {
  id: string
  created: string
}

/** What a site has spent of its epsilon budget: every dataset's release covers every day, so their epsilons add up per day. */
export interface BudgetLedger {
  site: string
  spentMilli: number
  budgetMilli: number
}

export interface DatasetStore {
  /** Defines a dataset; a ParamError when the name is taken or the budget would be passed. */
  define(definition: DatasetDefinition): Promise<ExportDataset>
  /** The datasets partners may download, of one site or of all. */
  list(site?: string): Promise<ExportDataset[]>
  get(site: string, name: string): Promise<ExportDataset | undefined>
  /** Stops downloads of a dataset; its releases keep counting against the budget. False when there is none. */
  remove(site: string, name: string): Promise<boolean>
  ledger(site: string): Promise<BudgetLedger>
}

interface Row {
  id: string
  site: string
  name: string
  dimensions: DatasetDefinition['dimensions']
  metrics: DatasetDefinition['metrics']
  period: DatasetDefinition['period']
  epsilon_milli: number
  created: string
  removed: string | null
}

/** The newest version of every definition, removed ones included. */
const CURRENT = `SELECT id, argMax(site, updated) AS site, argMax(name, updated) AS name, argMax(dimensions, updated) AS dimensions,
    argMax(metrics, updated) AS metrics, argMax(period, updated) AS period, argMax(epsilon_milli, updated) AS epsilon_milli,
    toString(argMax(created, updated)) AS created, toString(argMax(removed, updated)) AS removed
  FROM tellen.export_datasets GROUP BY id`

const fromRow = (r: Row): ExportDataset => ({
  id: r.id, site: r.site, name: r.name, dimensions: r.dimensions, metrics: r.metrics, period: r.period, epsilonMilli: Number(r.epsilon_milli), created: r.created,
})

/**
 * Dataset definitions in `tellen.export_datasets`, with the site's epsilon budget (`budgetMilli`,
 * thousandths) held against the datasets that are defined or were ever released.
 * @example
 * const datasets = createDatasetStore(db, 4000)
 * await datasets.define(parseDefinition({ site: 'example.com', name: 'by-country', dimensions: 'country' }))
 */
export function createDatasetStore(db: Db, budgetMilli: number): DatasetStore {
  async function active(site?: string): Promise<ExportDataset[]> {
    const rs = await db.query({
      query: `SELECT * FROM (${CURRENT}) WHERE removed IS NULL AND ({site:String} = '' OR site = {site:String}) ORDER BY site, name`,
      query_params: { site: site ?? '' },
      format: 'JSONEachRow',
    })
    return (await rs.json<Row>()).map(fromRow)
  }

  async function ledger(site: string): Promise<BudgetLedger> {
    const rs = await db.query({
      query: `SELECT sum(epsilon_milli) AS spent FROM (${CURRENT})
              WHERE site = {site:String}
                AND (removed IS NULL OR id IN (SELECT dataset_id FROM tellen.export_releases WHERE site = {site:String}))`,
      query_params: { site },
      format: 'JSONEachRow',
    })
    const [row] = await rs.json<{ spent: string | number }>()
    return { site, spentMilli: Number(row?.spent ?? 0), budgetMilli }
  }

  const write = (r: Row) => db.insert({ table: 'tellen.export_datasets', values: [r], format: 'JSONEachRow' })

  return {
    list: active,
    ledger,
    async get(site, name) {
      return (await active(site)).find((d) => d.name === name)
    },
    async define(definition) {
      const existing = await active(definition.site)
      if (existing.some((d) => d.name === definition.name)) {
        throw new ParamError(`name: ${definition.site} already has a dataset named "${definition.name}"; remove it first to define it again`)
      }
      const { spentMilli } = await ledger(definition.site)
      const total = spentMilli + definition.epsilonMilli
      if (total > budgetMilli) {
        throw new ParamError(
          `epsilon: defining "${definition.name}" with epsilon ${formatEpsilon(definition.epsilonMilli)} would bring the epsilon spent on each day of ` +
            `${definition.site} to ${formatEpsilon(total)}, past the budget of ${formatEpsilon(budgetMilli)} (TELLEN_EXPORT_EPSILON_BUDGET): ` +
            `every dataset's releases cover every day, so their epsilons add up (${formatEpsilon(spentMilli)} is spent already, removed datasets that were released included)`,
        )
      }
      const row: Row = {
        id: randomBytes(6).toString('hex'), site: definition.site, name: definition.name, dimensions: definition.dimensions, metrics: definition.metrics,
        period: definition.period, epsilon_milli: definition.epsilonMilli, created: new Date().toISOString(), removed: null,
      }
      await write(row)
      return fromRow(row)
    },
    async remove(site, name) {
      const found = (await active(site)).find((d) => d.name === name)
      if (!found) return false
      await write({
        id: found.id, site, name, dimensions: found.dimensions, metrics: found.metrics, period: found.period, epsilon_milli: found.epsilonMilli,
        created: found.created, removed: new Date().toISOString(),
      })
      return true
    },
  }
}
