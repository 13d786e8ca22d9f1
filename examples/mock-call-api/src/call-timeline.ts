/** How a mocked call ends. `ring-forever` and `talk-forever` never end (for max ring / duration tests). */
export type MockOutcome = 'completed' | 'busy' | 'no-answer' | 'failed' | 'ring-forever' | 'talk-forever';

/** Every {@link MockOutcome}. */
export const MOCK_OUTCOMES: readonly MockOutcome[] = Object.freeze([
  'completed',
  'busy',
  'no-answer',
  'failed',
  'ring-forever',
  'talk-forever',
]);

/** One step of a call's life: at `atMs` after creation (before the time factor), `status`. */
export interface TimelineStep {
  /** Offset from the call's creation, in unscaled ms. */
  readonly atMs: number;
  /** The status from then on. */
  readonly status: string;
  /** The `duration` reported from then on. */
  readonly duration: number | null;
}

/**
 * The status progression per outcome, in unscaled ms. `completed` is the reference server's:
 * `initiated` → `ringing` (2 s) → `connected` (5 s) → `completed` (10 s, duration 10).
 */
export const TIMELINES: Readonly<Record<MockOutcome, readonly TimelineStep[]>> = {
  completed: [
    { atMs: 0, status: 'initiated', duration: null },
    { atMs: 2_000, status: 'ringing', duration: null },
    { atMs: 5_000, status: 'connected', duration: null },
    { atMs: 10_000, status: 'completed', duration: 10 },
  ],
  busy: [
    { atMs: 0, status: 'initiated', duration: null },
    { atMs: 2_000, status: 'ringing', duration: null },
    { atMs: 4_000, status: 'busy', duration: 0 },
  ],
  'no-answer': [
    { atMs: 0, status: 'initiated', duration: null },
    { atMs: 2_000, status: 'ringing', duration: null },
    { atMs: 8_000, status: 'no-answer', duration: 0 },
  ],
  failed: [
    { atMs: 0, status: 'initiated', duration: null },
    { atMs: 1_000, status: 'failed', duration: 0 },
  ],
  'ring-forever': [
    { atMs: 0, status: 'initiated', duration: null },
    { atMs: 2_000, status: 'ringing', duration: null },
  ],
  'talk-forever': [
    { atMs: 0, status: 'initiated', duration: null },
    { atMs: 2_000, status: 'ringing', duration: null },
    { atMs: 5_000, status: 'connected', duration: null },
  ],
};

/** The step a call of `outcome` is in, `elapsedMs` after its creation, with `timeFactor` applied. */
export function stepAt(outcome: MockOutcome, elapsedMs: number, timeFactor: number): { step: TimelineStep; sinceMs: number } {
  const steps = TIMELINES[outcome];
  let current = steps[0] as TimelineStep;
  for (const step of steps) {
    if (step.atMs * timeFactor <= elapsedMs) current = step;
    else break;
  }
  return { step: current, sinceMs: current.atMs * timeFactor };
}
