import { CallScheduler } from '@call-scheduler/core';
import { HttpCallProvider } from '@call-scheduler/core/http';
import { SqliteStore } from '@call-scheduler/store-sqlite';

const scheduler = new CallScheduler({
  store: new SqliteStore({ filename: 'calls.db' }), // created if missing; calls survive restarts
  provider: new HttpCallProvider({ baseUrl: process.env.CALL_API_URL ?? 'http://localhost:5000' }),
});
scheduler.on('call:status', ({ call }) => console.log(`${call.to} is ${call.status}`));
scheduler.on('call:completed', () => void scheduler.stop());
scheduler.on('call:failed', ({ error }) => void scheduler.stop().then(() => console.error(error.message)));

await scheduler.start();
await scheduler.schedule({ to: '+1 415 555 0123' }); // no `at`: now. Or `at: '2026-12-24T09:00:00Z'`
