// Loaded with `node --import` into a collector under test: moves its wall clock (Date) by
// TELLEN_TEST_CLOCK_SHIFT_MS, so a test can run it across a UTC midnight without touching the
// system clock, and forward by TELLEN_TEST_CLOCK_STEP_MS more at every SIGUSR2, so a test can make
// days pass while it runs. With TELLEN_TEST_CLOCK_SHIFT_FILE, a SIGUSR2 instead sets the shift to the
// number in that file and then writes the file `<file>.applied`, so a test can set the clock once the
// collector is up, however long its start took. Timers and performance.now() are left alone.
import fs from 'node:fs'

let shift = Number(process.env.TELLEN_TEST_CLOCK_SHIFT_MS ?? 0)
const step = Number(process.env.TELLEN_TEST_CLOCK_STEP_MS ?? 0)
const shiftFile = process.env.TELLEN_TEST_CLOCK_SHIFT_FILE
if (shiftFile) {
  process.on('SIGUSR2', () => {
    shift = Number(fs.readFileSync(shiftFile, 'utf8'))
    fs.writeFileSync(`${shiftFile}.applied`, String(shift))
  })
} else if (step) process.on('SIGUSR2', () => (shift += step))
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
