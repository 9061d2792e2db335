import { likePattern, type Goal } from '../goals/goals.ts'

/**
 * The condition that an event of `tellen.events` is a conversion of a goal, and its query parameters
 * named with `prefix`: a pageview whose path matches the page pattern, or a custom event of the name
 * (with the property value, when the goal has one).
 * @example goalCondition(goal, 'g0') // { sql: "type = 'pageview' AND path LIKE {g0:String}", params: { g0: '/signup/%' } }
 */
export function goalCondition(goal: Goal, prefix: string): { sql: string; params: Record<string, string> } {
  if (goal.page !== undefined) return { sql: `type = 'pageview' AND path LIKE {${prefix}:String}`, params: { [prefix]: likePattern(goal.page) } }
  const property = goal.property ? ` AND props[{${prefix}_key:String}] = {${prefix}_value:String}` : ''
  return {
    sql: `type = 'custom' AND name = {${prefix}:String}${property}`,
    params: { [prefix]: goal.event!, ...(goal.property ? { [`${prefix}_key`]: goal.property.key, [`${prefix}_value`]: goal.property.value } : {}) },
  }
}
