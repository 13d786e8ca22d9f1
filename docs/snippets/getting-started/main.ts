import { createCalls } from './calls.js';
import { scheduleReminder } from './reminders.js';

const calls = createCalls({ dataFile: process.env.CALLS_DB ?? 'calls.db' });
await calls.start(); // opens and migrates the file, picks up what an earlier run left in flight

// On Ctrl+C (SIGINT) or a process manager's SIGTERM: let dials in flight finish (up to 10 s),
// release the rest to the next start, close the file, and exit. A signal can come twice (from the
// terminal and again from `npx`/`tsx`, which pass it on): the repeat must not cut the stop short.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    void calls
      .stop({ timeoutMs: 10_000 })
      .then(() => calls.store.close?.())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('could not stop cleanly:', error);
          process.exit(1);
        },
      );
  });
}

// Wherever your service books an appointment:
const reminder = await scheduleReminder(calls, {
  id: 'apt-1001',
  phone: '+1 (415) 555-0123',
  startsAt: new Date(Date.now() + 3 * 24 * 60 * 60_000),
});
console.log(`reminder ${reminder.id} due at ${reminder.nextAttemptAt?.toISOString()}`);
