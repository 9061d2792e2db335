import { decay, halfWidth, type Scale } from './discrete-laplace.ts'
import { MAX_DAYS_IN_PERIOD, type PeriodKind } from './periods.ts'

/** Rows of a dataset one visitor code counts in per UTC day: the group of its first visit that day. */
export const ROWS_PER_VISITOR_DAY = 1
/** Pageviews one visitor code adds to its row per UTC day, at most; more are not counted. */
export const PAGEVIEWS_PER_VISITOR_DAY = 10
/** Epsilon is kept in thousandths, so that every noise scale is a fraction of whole numbers. */
export const EPSILON_UNIT = 1000
/** The epsilon of a dataset defined without one. */
export const DEFAULT_EPSILON = 2

/**
 * How a dataset's epsilon is shared, in tenths: the noisy count of groups (from which the withheld
 * rows follow) takes one, pageviews three when published, and visitors the rest.
 */
const SHARES = 10
const GROUPS_SHARE = 1
const PAGEVIEWS_SHARE = 3

/** What the mechanism needs of a dataset. */
export interface MechanismInput {
  period: PeriodKind
  metrics: readonly string[]
  epsilonMilli: number
}

/** The scale of the discrete Laplace noise on each released figure. */
export interface NoiseScales {
  visitors: Scale
  pageviews: Scale
  groups: Scale
}

/**
 * Noise scales of a dataset: sensitivity over epsilon share. One person is up to a period's days of
 * visitor codes, each in at most ROWS_PER_VISITOR_DAY rows with one visitor and at most
 * PAGEVIEWS_PER_VISITOR_DAY pageviews, and able to add as many groups; the epsilons of the three
 * figures add up to the dataset's.
 * @example noiseScales({ period: 'day', metrics: ['visitors', 'pageviews'], epsilonMilli: 2000 }).visitors // 10000/12000
 */
export function noiseScales(d: MechanismInput): NoiseScales {
  const contributions = MAX_DAYS_IN_PERIOD[d.period] * ROWS_PER_VISITOR_DAY
  const pageviewsShare = d.metrics.includes('pageviews') ? PAGEVIEWS_SHARE : 0
  const visitorsShare = SHARES - GROUPS_SHARE - pageviewsShare
  // scale = sensitivity / (epsilon * share / SHARES), with epsilon = epsilonMilli / EPSILON_UNIT.
  const over = (sensitivity: number, share: number): Scale => ({ numerator: sensitivity * EPSILON_UNIT * SHARES, denominator: d.epsilonMilli * share })
  return {
    visitors: over(contributions, visitorsShare),
    pageviews: over(contributions * PAGEVIEWS_PER_VISITOR_DAY, Math.max(pageviewsShare, 1)),
    groups: over(contributions, GROUPS_SHARE),
  }
}

/**
 * The chance, at most, that a group made by one person alone shows in a release (the delta of the
 * noisy threshold): its true count is at most the period's days, and it shows only when noise lifts
 * that to the threshold.
 */
export const EXPORT_DELTA = 1e-6

/**
 * The noisy visitor count a row needs to be released: the configured k, or higher when the noise of
 * the dataset is wide enough that one person's group would pass k more often than EXPORT_DELTA.
 * P(noise ≥ t) = p^t / (1 + p) for the discrete Laplace distribution, p = exp(-1/scale).
 * @example releaseThreshold({ period: 'day', metrics: ['visitors', 'pageviews'], epsilonMilli: 2000 }, 10) // 13
 */
export function releaseThreshold(d: MechanismInput, k: number): number {
  const p = decay(noiseScales(d).visitors)
  const onePerson = MAX_DAYS_IN_PERIOD[d.period] * ROWS_PER_VISITOR_DAY
  return Math.max(k, onePerson + Math.ceil(Math.log(EXPORT_DELTA * (1 + p)) / Math.log(p)))
}

/**
 * How far a released visitor count can be from the true one: ±t with the given confidence.
 * @example visitorError({ period: 'day', metrics: ['visitors'], epsilonMilli: 2000 }, 0.95)
 */
export const visitorError = (d: MechanismInput, confidence: number) => halfWidth(noiseScales(d).visitors, confidence)
