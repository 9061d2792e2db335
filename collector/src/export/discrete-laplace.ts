import { randomInt } from 'node:crypto'

/**
 * A source of uniform whole numbers: `below(n)` is uniform on 0 .. n-1. Every random choice of the
 * samplers below goes through it, so nothing depends on floating-point arithmetic.
 */
export interface UniformSource {
  below(n: number): number
}

/** The operating system's cryptographic generator (`crypto.randomInt`, unbiased by rejection). */
export const cryptoSource: UniformSource = { below: (n) => randomInt(n) }

/** The largest bound `crypto.randomInt` takes. */
const MAX_UNIFORM = 2 ** 48 - 1

function checkWhole(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be a whole number of at least ${min}, not ${value}`)
}

/**
 * True with probability `numerator / denominator`, exactly.
 * @example bernoulli(1, 2) // a fair coin
 */
export function bernoulli(numerator: number, denominator: number, source: UniformSource = cryptoSource): boolean {
  checkWhole('denominator', denominator, 1)
  if (denominator > MAX_UNIFORM) throw new RangeError(`denominator ${denominator} is beyond the uniform sampler`)
  return source.below(denominator) < numerator
}

/**
 * True with probability exp(-numerator / denominator), exactly, for a rational exponent of at least
 * zero, without evaluating exp: the series of Canonne, Kamath and Steinke (2020, algorithm 1).
 * @example bernoulliExp(1, 3) // true with probability exp(-1/3)
 */
export function bernoulliExp(numerator: number, denominator: number, source: UniformSource = cryptoSource): boolean {
  checkWhole('numerator', numerator, 0)
  checkWhole('denominator', denominator, 1)
  let rest = numerator
  // exp(-g) = exp(-1)^floor(g) * exp(-(g - floor(g))): each whole unit is its own trial.
  while (rest > denominator) {
    if (!bernoulliExp(1, 1, source)) return false
    rest -= denominator
  }
  let k = 1
  while (bernoulli(rest, denominator * k, source)) k++
  return k % 2 === 1
}

/**
 * A draw of the discrete Laplace distribution (two-sided geometric) with scale `scaleNumerator /
 * scaleDenominator`: P(x) is proportional to exp(-|x| / scale) for every whole x. Exact sampling in
 * whole numbers (Canonne, Kamath and Steinke 2020, algorithm 2), so the attacks on floating-point
 * Laplace noise (Mironov 2012) have nothing to read.
 * @example discreteLaplace(5, 2) // scale 2.5: within ±8 with probability about 0.95
 */
export function discreteLaplace(scaleNumerator: number, scaleDenominator: number, source: UniformSource = cryptoSource): number {
  checkWhole('scale numerator', scaleNumerator, 1)
  checkWhole('scale denominator', scaleDenominator, 1)
  const t = scaleNumerator
  const s = scaleDenominator
  for (;;) {
    const u = source.below(t)
    if (!bernoulliExp(u, t, source)) continue
    let v = 0
    while (bernoulliExp(1, 1, source)) v++
    const magnitude = Math.floor((u + t * v) / s)
    const negative = bernoulli(1, 2, source)
    if (negative && magnitude === 0) continue
    return negative ? -magnitude : magnitude
  }
}

/** The scale of a discrete Laplace distribution as a fraction of whole numbers. */
export interface Scale {
  numerator: number
  denominator: number
}

/** exp(-1 / scale): the ratio of the probabilities of neighbouring values. */
export const decay = (scale: Scale) => Math.exp(-scale.denominator / scale.numerator)

/**
 * The variance of the discrete Laplace distribution: 2p / (1 - p)^2 with p = exp(-1/scale).
 * @example laplaceVariance({ numerator: 1, denominator: 1 }) // about 1.84
 */
export function laplaceVariance(scale: Scale): number {
  const p = decay(scale)
  return (2 * p) / (1 - p) ** 2
}

/**
 * The probability that a draw is at least `t` away from zero (t ≥ 1): 2p^t / (1 + p).
 * @example tailProbability({ numerator: 1, denominator: 1 }, 3) // about 0.073
 */
export function tailProbability(scale: Scale, t: number): number {
  const p = decay(scale)
  return (2 * p ** t) / (1 + p)
}

/**
 * The smallest `t` such that a draw lies within ±t with at least probability `confidence`.
 * @example halfWidth({ numerator: 5, denominator: 6 }, 0.95) // 2
 */
export function halfWidth(scale: Scale, confidence: number): number {
  let t = 0
  while (1 - tailProbability(scale, t + 1) < confidence) t++
  return t
}
