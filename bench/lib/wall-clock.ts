/**
 * A sub-millisecond wall clock aligned with `Date.now()`.
 *
 * `Date.now()` is the scheduler's clock, but it truncates to whole milliseconds. This spins until
 * `Date.now()` ticks (the true time is then a whole millisecond) and keeps the offset to
 * `performance.now()`, so that `wallNow()` can tell how late a call fired to a few microseconds.
 * The offset is taken as the largest of several edges (each edge is seen a little after it
 * happened, which only makes the offset smaller).
 */
export function calibrateWallClock(samples = 5): () => number {
  let offset = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < samples; i++) {
    const start = Date.now();
    let now = start;
    let hr = 0;
    while (now === start) {
      hr = performance.now();
      now = Date.now();
    }
    // The edge happened between the previous read and this one; `hr` is before `now`'s read.
    offset = Math.max(offset, now - hr);
  }
  const fixed = offset;
  return () => performance.now() + fixed;
}
