/**
 * A query string or definition that is not valid: the message says which parameter and why. Its own
 * module, so that code the visits job loads (export datasets) can throw it without loading the
 * stats parameters, which load the visits job.
 * @example throw new ParamError('from must be a day (YYYY-MM-DD)')
 */
export class ParamError extends Error {
  override name = 'ParamError'
}
