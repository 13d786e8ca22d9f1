/**
 * Learns how long a provider's calls stay in each live status (how long `initiated` lasts before
 * `ringing`, and so on) from the transitions the scheduler observes, so that polling can sleep
 * through the quiet part of a status and poll densely only around the expected change. A
 * provider's declared dwell times (its hint) can seed it, so that this holds from the first call.
 *
 * Estimates are an exponentially weighted moving average of observed dwell times. Only samples
 * whose timing is known to within `maxUncertaintyMs` are used.
 */
export class DwellEstimator {
  readonly #alpha: number;
  readonly #maxUncertaintyMs: number;
  readonly #minSamples: number;
  readonly #estimates = new Map<string, { mean: number; samples: number }>();

  /**
   * @param options.alpha weight of a new sample. @default 0.25
   * @param options.maxUncertaintyMs samples less precise than this are ignored. @default 1000
   * @param options.minSamples samples needed before {@link DwellEstimator.expected} answers. @default 2
   * @param options.prior expected dwell per status known before any sample (a provider's hint):
   *   such a status answers at once, and each observation moves its estimate like any sample.
   */
  constructor(options: { alpha?: number; maxUncertaintyMs?: number; minSamples?: number; prior?: Readonly<Record<string, number>> } = {}) {
    this.#alpha = options.alpha ?? 0.25;
    this.#maxUncertaintyMs = options.maxUncertaintyMs ?? 1000;
    this.#minSamples = options.minSamples ?? 2;
    for (const [status, mean] of Object.entries(options.prior ?? {})) {
      if (Number.isFinite(mean) && mean > 0) this.#estimates.set(status, { mean, samples: this.#minSamples });
    }
  }

  /** Records that a call stayed `dwellMs` in `status`, known to within ± `uncertaintyMs`. */
  observe(status: string, dwellMs: number, uncertaintyMs: number): void {
    if (!Number.isFinite(dwellMs) || dwellMs < 0 || uncertaintyMs > this.#maxUncertaintyMs) return;
    const current = this.#estimates.get(status);
    if (current === undefined) {
      this.#estimates.set(status, { mean: dwellMs, samples: 1 });
      return;
    }
    current.mean += this.#alpha * (dwellMs - current.mean);
    current.samples += 1;
  }

  /** The expected dwell in `status`, or `null` while there are too few samples. */
  expected(status: string): number | null {
    const e = this.#estimates.get(status);
    return e === undefined || e.samples < this.#minSamples ? null : e.mean;
  }
}

/** How long a status counts as young: without an estimate, it is polled within the target lag. */
const YOUNG_STATUS_MS = 30_000;

/** What {@link nextPollAt} needs to know about one followed call. */
export interface PollState {
  /** The call's current status. */
  readonly status: string;
  /** Best estimate of when the call entered `status` (epoch ms). */
  readonly enteredAt: number;
  /** The gap before the previous poll (grows while nothing changes). */
  readonly intervalMs: number;
}

/** Polling parameters (all ms). */
export interface PollTuning {
  /** Shortest gap between two polls. */
  readonly minIntervalMs: number;
  /** Longest gap between two polls. */
  readonly maxIntervalMs: number;
  /** Gap growth while nothing changes and no estimate helps. */
  readonly backoffFactor: number;
  /** How late a status change may be seen, at most, when its timing is predictable. */
  readonly targetLagMs: number;
}

/**
 * When to poll next and with what interval. With an expected dwell for the status, sleep until
 * just before the expected change, then poll every `0.8 × targetLagMs` (or half the expected
 * dwell, when statuses are shorter than that) until it is seen (falling
 * back to growing gaps once the status has lasted three times longer than expected). Without one,
 * gaps grow from `minIntervalMs` by `backoffFactor`, up to `0.8 × targetLagMs` during a status's
 * first 30 s and up to `maxIntervalMs` after.
 */
export function nextPollAt(now: number, state: PollState, expectedDwellMs: number | null, tuning: PollTuning): { at: number; intervalMs: number } {
  if (expectedDwellMs !== null) {
    // Statuses that last less than the target lag are polled faster, so that none is skipped.
    const dense = Math.max(tuning.minIntervalMs, Math.min(tuning.maxIntervalMs, 0.8 * tuning.targetLagMs, expectedDwellMs / 2));
    const change = state.enteredAt + expectedDwellMs;
    const firstLook = change - dense / 2;
    if (firstLook - now > dense) return { at: Math.min(firstLook, now + tuning.maxIntervalMs), intervalMs: dense };
    if (now - state.enteredAt <= 3 * expectedDwellMs + tuning.targetLagMs) return { at: now + dense, intervalMs: dense };
  }
  // No usable estimate: while the status is young, never wait longer than the target lag allows;
  // a status that has lasted a while (a long conversation) is polled with growing gaps.
  const young = now - state.enteredAt < YOUNG_STATUS_MS;
  const cap = young ? Math.max(tuning.minIntervalMs, Math.min(tuning.maxIntervalMs, 0.8 * tuning.targetLagMs)) : tuning.maxIntervalMs;
  const intervalMs = Math.min(cap, Math.max(tuning.minIntervalMs, state.intervalMs * tuning.backoffFactor));
  return { at: now + intervalMs, intervalMs };
}
