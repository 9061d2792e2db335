// Loaded with `node --import` into a collector under test: moves its wall clock (Date) by
// TELLEN_TEST_CLOCK_SHIFT_MS, so a test can run it across a UTC midnight without touching the
// system clock. Timers and performance.now() are left alone.
const shift = Number(process.env.TELLEN_TEST_CLOCK_SHIFT_MS ?? 0)
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
