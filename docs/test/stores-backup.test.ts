import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CallScheduler } from '@call-scheduler/core';
import { FakeCallProvider, FakeClock } from '@call-scheduler/core/testing';
import { SqliteStore } from '@call-scheduler/store-sqlite';
import { afterEach, expect, it } from 'vitest';
import { backup, productionStore } from '../snippets/stores.js';

// docs/stores.md: backup() copies a database that a running scheduler is writing.
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('backs up a live database into a file that opens with every call in it', async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'stores-backup-'));
  const clock = new FakeClock('2026-06-01T08:00:00Z');
  const store = productionStore(path.join(dir, 'calls.db'));
  const scheduler = new CallScheduler({ store, provider: new FakeCallProvider({ clock }), clock });
  await scheduler.start();
  const later = await scheduler.schedule({ to: '+14155550123', at: '2026-06-02T08:00:00Z' });
  const now = await scheduler.schedule({ to: '+14155550124' });
  await clock.advance(15_000);

  await backup(path.join(dir, 'calls.db'), path.join(dir, 'backup.db'));
  await scheduler.stop();
  await store.close();

  const copy = new SqliteStore({ filename: path.join(dir, 'backup.db') });
  const restored = new CallScheduler({ store: copy, provider: new FakeCallProvider({ clock }), clock });
  expect((await restored.get(later.id))?.status).toBe('scheduled');
  expect((await restored.get(now.id))?.status).toBe('completed');
  await copy.close();
});
