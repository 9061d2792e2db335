import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { Db } from '../db/client.ts'
import { MAX_URL_LENGTH } from '../protocol.ts'

/** A conversion defined for a site: a page pattern, or a custom event with at most one property value. */
export interface Goal {
  id: string
  site: string
  name: string
  /** A path, or a pattern where `*` stands for any run of characters (`/signup/*`). */
  page?: string
  /** A custom event's name. */
  event?: string
  /** The one property value the custom event must carry. */
  property?: { key: string; value: string }
}

/** The most goals a site may have: every goal is a part of the goals panel's one query. */
export const MAX_GOALS_PER_SITE = 50
const MAX_NAME_LENGTH = 120
/** Custom event names, property keys and values are stored as sent, up to this length. */
const MAX_EVENT_TEXT_LENGTH = 200

/**
 * Why a page pattern cannot match a stored path, or undefined when it can: paths start with `/`, carry
 * no query string, fragment or white space, and are at most MAX_URL_LENGTH characters.
 * @example pagePatternProblem('signup') // 'must start with "/"'
 */
export function pagePatternProblem(pattern: string): string | undefined {
  if (!pattern) return 'must not be empty'
  if (!pattern.startsWith('/')) return 'must start with "/"'
  if (pattern.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`
  if (/[?#\s]/.test(pattern)) return 'cannot match: stored paths have no query string, fragment or white space'
  return undefined
}

/**
 * A page pattern as a LIKE pattern: `*` matches any run of characters, everything else itself.
 * @example likePattern('/signup/*') // '/signup/%'
 */
export function likePattern(pattern: string): string {
  return pattern.replace(/[\\%_]/g, (ch) => `\\${ch}`).replace(/\*/g, '%')
}

/**
 * The condition that `column` matches a page pattern, with `param` the name of its query parameter
 * and `value` that parameter's value: the same rows as `column LIKE likePattern(pattern)`, as an
 * equality for a plain path and a prefix test for a path ending in its only `*`, which the engine
 * tests several times faster than a LIKE within an array function.
 * @example pageMatch('path', 'p0', '/docs/*') // { sql: 'startsWith(path, {p0:String})', value: '/docs/' }
 */
export function pageMatch(column: string, param: string, pattern: string): { sql: string; value: string } {
  const stars = pattern.split('*').length - 1
  if (stars === 0) return { sql: `${column} = {${param}:String}`, value: pattern }
  if (stars === 1 && pattern.endsWith('*')) return { sql: `startsWith(${column}, {${param}:String})`, value: pattern.slice(0, -1) }
  return { sql: `${column} LIKE {${param}:String}`, value: likePattern(pattern) }
}

/** Whether a path matches a page pattern, as `path LIKE likePattern(pattern)` does in the engine. */
export function matchesPage(pattern: string, path: string): boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*')
  return new RegExp(`^${source}$`).test(path)
}

const text = (what: string, max: number) => z.string({ error: `${what} must be a string` }).trim().min(1, `${what} must not be empty`).max(max, `${what} must be at most ${max} characters`)

const goalBody = z
  .strictObject({
    site: z.string({ error: 'site must be a string' }).trim().toLowerCase().min(1, 'site must not be empty').max(253),
    name: text('name', MAX_NAME_LENGTH),
    page: z.string({ error: 'page must be a string' }).superRefine((p, ctx) => {
      const problem = pagePatternProblem(p)
      if (problem) ctx.addIssue({ code: 'custom', message: `page pattern "${p.slice(0, 80)}" ${problem}` })
    }).optional(),
    event: text('event', MAX_EVENT_TEXT_LENGTH).optional(),
    property: z.strictObject({ key: text('property.key', MAX_EVENT_TEXT_LENGTH), value: text('property.value', MAX_EVENT_TEXT_LENGTH) }).optional(),
  })
  .superRefine((g, ctx) => {
    if ((g.page === undefined) === (g.event === undefined)) ctx.addIssue({ code: 'custom', message: 'a goal has either "page" (a page pattern) or "event" (a custom event name), not both or neither' })
    if (g.property && g.page !== undefined) ctx.addIssue({ code: 'custom', message: '"property" goes with "event" goals only' })
  })

/** A goal definition that is not valid: the message says which field and why. */
export class GoalError extends Error {
  override name = 'GoalError'
}

/**
 * Checks a goal definition (from the admin API or the CLI); returns it without an id, or throws a
 * GoalError naming the field.
 * @example parseGoal({ site: 'example.com', name: 'signed up', page: '/signup/*' })
 */
export function parseGoal(body: unknown): Omit<Goal, 'id'> {
  if (!body || typeof body !== 'object') throw new GoalError('the body must be JSON: {"site": "example.com", "name": "signed up", "page": "/signup/*"}')
  const parsed = goalBody.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    if (issue.code === 'unrecognized_keys') throw new GoalError(`unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}`)
    const name = issue.path.join('.')
    throw new GoalError(!name || issue.message.startsWith(name) || issue.message.startsWith('page pattern') ? issue.message : `${name}: ${issue.message}`)
  }
  const g = parsed.data
  return { site: g.site, name: g.name, ...(g.page !== undefined ? { page: g.page } : { event: g.event! }), ...(g.property ? { property: g.property } : {}) }
}

interface GoalRow {
  id: string
  site: string
  name: string
  page: string
  event: string
  prop_key: string
  prop_value: string
}

const goalOf = (r: GoalRow): Goal => ({
  id: r.id, site: r.site, name: r.name,
  ...(r.event ? { event: r.event, ...(r.prop_key ? { property: { key: r.prop_key, value: r.prop_value } } : {}) } : { page: r.page }),
})

/**
 * The goals of a site (of every site without one), oldest first.
 * @example await listGoals(db, 'example.com')
 */
export async function listGoals(db: Db, site?: string): Promise<Goal[]> {
  const rs = await db.query({
    query: `SELECT id, site, argMax(name, updated) AS name, argMax(page, updated) AS page, argMax(event, updated) AS event,
                   argMax(prop_key, updated) AS prop_key, argMax(prop_value, updated) AS prop_value,
                   argMax(deleted, updated) AS gone, min(created) AS first
            FROM tellen.goals WHERE {all:Bool} OR site = {site:String}
            GROUP BY site, id HAVING gone = 0 ORDER BY first, id`,
    query_params: { all: site === undefined, site: site ?? '' },
    format: 'JSONEachRow',
  })
  return (await rs.json<GoalRow>()).map(goalOf)
}

const rowOf = (g: Goal, deleted: 0 | 1) => ({
  id: g.id, site: g.site, name: g.name, page: g.page ?? '', event: g.event ?? '', prop_key: g.property?.key ?? '', prop_value: g.property?.value ?? '',
  created: new Date().toISOString(), deleted,
})

/**
 * Stores a new goal and returns it with its id; a GoalError when the site has MAX_GOALS_PER_SITE.
 * @example await addGoal(db, parseGoal(body))
 */
export async function addGoal(db: Db, goal: Omit<Goal, 'id'>): Promise<Goal> {
  if ((await listGoals(db, goal.site)).length >= MAX_GOALS_PER_SITE) throw new GoalError(`the site ${goal.site} has ${MAX_GOALS_PER_SITE} goals, the most it may have; remove one first`)
  const stored: Goal = { id: randomBytes(6).toString('hex'), ...goal }
  await db.insert({ table: 'tellen.goals', values: [rowOf(stored, 0)], format: 'JSONEachRow' })
  return stored
}

/** Removes a goal; false when no goal has that id. */
export async function removeGoal(db: Db, id: string): Promise<boolean> {
  const goal = (await listGoals(db)).find((g) => g.id === id)
  if (!goal) return false
  await db.insert({ table: 'tellen.goals', values: [rowOf(goal, 1)], format: 'JSONEachRow' })
  return true
}
