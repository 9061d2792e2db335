import { z } from 'zod'

/** What `tellen demo` and `POST /api/admin/demo` accept. */
export const demoOptionsSchema = z.strictObject({
  site: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, 'site is not a domain name'),
  days: z.coerce.number({ error: 'days must be a number' }).int('days must be a whole number').min(1, 'days must be at least 1').max(400, 'days must be at most 400'),
  events: z.coerce
    .number({ error: 'events must be a number' })
    .int('events must be a whole number')
    .min(1, 'events must be at least 1')
    .max(1_000_000_000, 'events must be at most 1000000000'),
})
export type DemoRequestOptions = z.infer<typeof demoOptionsSchema>
