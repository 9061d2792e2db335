/**
 * How unique visitors are counted. The rollups hold `uniqCombined(12)` states (sql/040): exact up to
 * 256 visitors, then a HyperLogLog of 4,096 cells (about 1.6 % standard error), small enough
 * that a 30-day answer merges thousands of hourly states quickly. Answers from rows (events, visits)
 * use the same function, so a question gets the same count whichever table answers it.
 */

/** Merges a column of visitor states into a count. */
export const mergeVisitors = (states: string) => `uniqCombinedMerge(12)(${states})`

/** Merges the `visitors` states of a rollup. */
export const VISITORS_MERGED = mergeVisitors('visitors')
/** The same, kept as a state to merge again (for counts per day that are then added up). */
export const VISITORS_MERGED_STATE = 'uniqCombinedMergeState(12)(visitors)'

/** Counts the distinct `visitor` hashes of rows. */
export const VISITORS_COUNTED = 'uniqCombined(12)(visitor)'
/** Counts the distinct `visitor` hashes of the rows where `condition` holds, as VISITORS_COUNTED does of all rows. */
export const visitorsCountedIf = (condition: string) => `uniqCombinedIf(12)(visitor, ${condition})`
/** The same, kept as a state to merge again. */
export const VISITORS_COUNTED_STATE = 'uniqCombinedState(12)(visitor)'
