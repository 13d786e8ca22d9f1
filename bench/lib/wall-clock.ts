/**
 * A sub-millisecond wall clock aligned with `Date.now()`.
 *
 * `Date.now()` is the scheduler's clock, but it truncates to whole milliseconds. This spins until
 * `Date.now()` ticks (the true time is then a whole millisecond) and keeps the offset to
 * `performance.now()`, so that `wallNow()` can tell how late a call fired to a few microseconds.
 *
 * `performance.now()` is read right AFTER the tick was seen, so each sample's offset is at most
 * the true one (the tick happened before that read); the largest of several samples is kept. A
 * process taken off the CPU during a sample only makes that sample smaller. (Reading it before the
 * `Date.now()` that saw the tick, as this did until 6 December 2026, let a process descheduled
 * between the two reads overstate the offset by as long as it was off the CPU, and the largest
 * sample kept that error: whole runs read a few milliseconds late, p50 included.)
 */
export function calibrateWallClock(samples = 5): () => number {
  let offset = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < samples; i++) {
    const start = Date.now();
    let now = start;
    while (now === start) now = Date.now();
    const hr = performance.now();
    offset = Math.max(offset, now - hr);
  }
  const fixed = offset;
  return () => performance.now() + fixed;
}
