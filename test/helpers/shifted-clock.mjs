// Loaded with `node --import` into a collector under test: moves its wall clock (Date) by
// TELLEN_TEST_CLOCK_SHIFT_MS, so a test can run it across a UTC midnight without touching the
// system clock, and forward by TELLEN_TEST_CLOCK_STEP_MS more at every SIGUSR2, so a test can make
// days pass while it runs. Timers and performance.now() are left alone.
let shift = Number(process.env.TELLEN_TEST_CLOCK_SHIFT_MS ?? 0)
const step = Number(process.env.TELLEN_TEST_CLOCK_STEP_MS ?? 0)
if (step) process.on('SIGUSR2', () => (shift += step))
const RealDate = Date
class ShiftedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + shift)
    else super(...args)
  }
  static now() {
    return RealDate.now() + shift
  }
}
globalThis.Date = ShiftedDate
