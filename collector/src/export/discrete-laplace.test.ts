import { describe, expect, it } from 'vitest'
import { bernoulliExp, decay, discreteLaplace, halfWidth, laplaceVariance, tailProbability, type Scale } from './discrete-laplace.ts'

const DRAWS = 40_000
/** How many standard errors an estimate may stray before the test calls it wrong (a false alarm about once in 10^6 runs). */
const SIGMAS = 5

function draws(scale: Scale): number[] {
  return Array.from({ length: DRAWS }, () => discreteLaplace(scale.numerator, scale.denominator))
}

/** Within SIGMAS binomial standard errors of the probability `p`. */
function expectFrequency(hits: number, p: number, label: string) {
  const error = Math.sqrt((p * (1 - p)) / DRAWS)
  expect(Math.abs(hits / DRAWS - p), label).toBeLessThanOrEqual(SIGMAS * error + 1e-9)
}

describe('discreteLaplace', () => {
  it.each([
    [{ numerator: 5, denominator: 6 }],
    [{ numerator: 5, denominator: 2 }],
    [{ numerator: 31, denominator: 1 }],
  ])('has mean zero and the variance of the mechanism at scale %o', (scale) => {
    const xs = draws(scale)
    const variance = laplaceVariance(scale)
    const mean = xs.reduce((a, b) => a + b, 0) / DRAWS
    expect(Math.abs(mean)).toBeLessThan(SIGMAS * Math.sqrt(variance / DRAWS))
    const spread = xs.reduce((a, x) => a + x * x, 0) / DRAWS
    // The fourth moment of the distribution bounds the error of the variance estimate; 6·var² covers it.
    expect(Math.abs(spread - variance)).toBeLessThan(SIGMAS * Math.sqrt((6 * variance * variance) / DRAWS))
    expect(xs.every(Number.isSafeInteger)).toBe(true)
  })

  it('gives every value near zero the probability of the mechanism, and a geometric tail', () => {
    const scale = { numerator: 5, denominator: 2 }
    const xs = draws(scale)
    const p = decay(scale)
    const zero = (1 - p) / (1 + p)
    for (let x = -8; x <= 8; x++) expectFrequency(xs.filter((v) => v === x).length, zero * p ** Math.abs(x), `P(${x})`)
    for (const t of [3, 6, 10, 15]) expectFrequency(xs.filter((v) => Math.abs(v) >= t).length, tailProbability(scale, t), `P(|x| >= ${t})`)
    // Symmetric: as many draws above zero as below.
    expectFrequency(xs.filter((v) => v > 0).length, (1 - zero) / 2, 'P(x > 0)')
  })

  it('refuses a scale that is not a fraction of whole numbers', () => {
    expect(() => discreteLaplace(2.5, 1)).toThrow(/whole number/)
    expect(() => discreteLaplace(0, 1)).toThrow(/at least 1/)
  })
})

describe('bernoulliExp', () => {
  it.each([[0, 1], [1, 3], [1, 1], [7, 2]])('is true with probability exp(-%i/%i)', (numerator, denominator) => {
    let hits = 0
    for (let i = 0; i < DRAWS; i++) if (bernoulliExp(numerator, denominator)) hits++
    expectFrequency(hits, Math.exp(-numerator / denominator), `exp(-${numerator}/${denominator})`)
  })
})

describe('halfWidth', () => {
  it('is the least distance that holds the asked share of draws', () => {
    const scale = { numerator: 5, denominator: 6 }
    const t = halfWidth(scale, 0.95)
    expect(1 - tailProbability(scale, t + 1)).toBeGreaterThanOrEqual(0.95)
    expect(1 - tailProbability(scale, t)).toBeLessThan(0.95)
    expect(t).toBe(2)
  })
})
