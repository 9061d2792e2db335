import type { Command } from 'commander'
import { loadConfig } from '../config.ts'
import type { Db } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { addGoal, GoalError, listGoals, parseGoal, removeGoal, type Goal } from '../goals/goals.ts'
import { CliError, withBackend } from './backend.ts'

/** Runs `fn` on a database opened by the CLI, after bringing its schema up to date. */
const migrated = <T>(fn: (db: Db) => Promise<T>) => async (db: Db) => {
  await migrate(db)
  return fn(db)
}

const describe = (g: Goal) => (g.page !== undefined ? `page ${g.page}` : `event ${g.event}${g.property ? ` with ${g.property.key}=${g.property.value}` : ''}`)

/** `tellen goals add|list|remove`: the conversions counted for a site, as page patterns or custom events. */
export function register(program: Command): void {
  const goals = program.command('goals').description('define the goals of a site: a page pattern (/signup/*) or a custom event, optionally with one property value')

  goals
    .command('add <site> <name>')
    .description('define a goal; give --page or --event')
    .option('--page <pattern>', 'a path, where * stands for any characters: /signup/*')
    .option('--event <name>', 'a custom event name')
    .option('--property <key=value>', 'a property value the custom event must carry')
    .action(async (site: string, name: string, opts: { page?: string; event?: string; property?: string }) => {
      let property: { key: string; value: string } | undefined
      if (opts.property !== undefined) {
        const at = opts.property.indexOf('=')
        if (at < 1) throw new CliError('--property must be key=value, e.g. plan=pro')
        property = { key: opts.property.slice(0, at), value: opts.property.slice(at + 1) }
      }
      const body = { site, name, ...(opts.page !== undefined ? { page: opts.page } : {}), ...(opts.event !== undefined ? { event: opts.event } : {}), ...(property ? { property } : {}) }
      let goal: Omit<Goal, 'id'>
      try {
        goal = parseGoal(body)
      } catch (err) {
        throw err instanceof GoalError ? new CliError(err.message) : err
      }
      const stored = await withBackend<Goal>(loadConfig(), {
        remote: (api) => api.call<Goal>('POST', '/api/admin/goals', body),
        local: migrated((db) => addGoal(db, goal).catch((err: unknown) => {
          throw err instanceof GoalError ? new CliError(err.message) : err
        })),
      })
      console.log(`added goal ${stored.id} "${stored.name}" to ${stored.site}: ${describe(stored)}`)
    })

  goals
    .command('list <site>')
    .description('list the goals of a site')
    .action(async (site: string) => {
      const d = site.trim().toLowerCase()
      const list = await withBackend<Goal[]>(loadConfig(), {
        remote: async (api) => (await api.call<{ goals: Goal[] }>('GET', `/api/admin/goals?site=${encodeURIComponent(d)}`)).goals,
        local: migrated((db) => listGoals(db, d)),
      })
      if (!list.length) return console.log(`no goals for ${d}`)
      console.log(['ID', 'NAME', 'GOAL'].join('\t'))
      for (const g of list) console.log([g.id, g.name, describe(g)].join('\t'))
    })

  goals
    .command('remove <id>')
    .description('remove a goal by its id')
    .action(async (id: string) => {
      const removed = await withBackend(loadConfig(), {
        remote: async (api) => (await api.call('DELETE', `/api/admin/goals/${encodeURIComponent(id)}`), true),
        local: migrated((db) => removeGoal(db, id)),
      })
      if (!removed) throw new CliError(`no goal has the id ${id}`)
      console.log(`removed goal ${id}`)
    })
}
