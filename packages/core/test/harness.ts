import { MemoryStore } from '@call-scheduler/store-memory';
import { CALL_EVENT_NAMES, CallScheduler, type CallSchedulerOptions, type CallStore } from '../src/index.js';
import { FakeCallProvider, FakeClock, type FakeCallProviderOptions } from '../src/testing/index.js';
import { cleanupAfterEach, type TestCleanup } from './support/cleanup-after-each.js';

export const START = Date.parse('2026-11-21T09:00:00Z');
export const NUMBER = '+14155550123';
export const OTHER = '+14155550124';
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export interface RecordedEvent {
  name: string;
  at: number;
  callId?: string;
  status?: string;
  payload: unknown;
}

/** A scheduler on a fake clock, a fake provider and a memory store, with every event recorded. */
export function harness(
  options: Partial<CallSchedulerOptions> & { providerOptions?: Partial<FakeCallProviderOptions>; store?: CallStore } = {},
) {
  const clock = new FakeClock(START);
  const provider = new FakeCallProvider({ clock, ...options.providerOptions });
  const store = options.store ?? new MemoryStore();
  const { providerOptions: _p, store: _s, ...rest } = options;
  const scheduler = new CallScheduler({ store, provider, clock, ...rest, id: rest.id ?? 'scheduler-a' });
  const events: RecordedEvent[] = [];
  const names = [...CALL_EVENT_NAMES, 'scheduler:error'] as const;
  for (const name of names) {
    scheduler.on(name, (payload: unknown) => {
      const p = payload as { call?: { id: string; status: string } };
      events.push({
        name,
        at: clock.now(),
        ...(p.call ? { callId: p.call.id, status: p.call.status } : {}),
        payload,
      });
    });
  }
  const errors = () => events.filter((e) => e.name === 'scheduler:error');
  const of = (callId: string) => events.filter((e) => e.callId === callId);
  return { clock, provider, store, scheduler, events, errors, of };
}

/**
 * Call at the top level of a test file: {@link harness}, each scheduler it makes stopped after
 * its test by `cleanup` (a new {@link cleanupAfterEach} unless given).
 */
export function harnessStoppedAfterEach(cleanup: TestCleanup = cleanupAfterEach()): typeof harness {
  return (...args) => {
    const h = harness(...args);
    cleanup.stop(h.scheduler);
    return h;
  };
}
