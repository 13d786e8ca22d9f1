/**
 * The floor every lateness figure is read against: the due times fired by one bare `setTimeout`,
 * re-armed to the next due time, firing everything with `due <= Date.now()` at each wake-up.
 */

/** What {@link fireBareTimer} saw: each due time's lateness (ms) and how many fired early. */
export interface BareTimerRun {
  readonly lateness: number[];
  readonly early: number;
}

/**
 * Fires `due` (epoch ms, ascending) with one re-armed `setTimeout`; lateness is `wallNow()` (a
 * sub-millisecond clock aligned with `Date.now()`, see `wall-clock.ts`) minus the due time, and a
 * fire counts as early when `Date.now()` is still before its due time.
 */
export function fireBareTimer(due: readonly number[], wallNow: () => number): Promise<BareTimerRun> {
  const lateness: number[] = [];
  let early = 0;
  return new Promise<BareTimerRun>((resolve) => {
    let next = 0;
    const arm = (): void => {
      const at = due[next];
      if (at === undefined) resolve({ lateness, early });
      else setTimeout(fire, Math.max(0, at - Date.now()));
    };
    const fire = (): void => {
      const now = Date.now();
      for (let at = due[next]; at !== undefined && at <= now; at = due[next]) {
        const late = wallNow() - at;
        if (Date.now() < at) early += 1;
        lateness.push(late);
        next += 1;
      }
      arm();
    };
    arm();
  });
}
