import { isCallSchedulerError } from '@call-scheduler/core';
import type { CallInsert, CallUpdate, UpdateResult } from '@call-scheduler/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { recordingDatabase } from './support/recording-database.js';
import { scheduledCall } from './support/records.js';
import { tempDir } from './support/temp-files.js';

const LEASE = { owner: 'scheduler-a', leaseExpiresAt: 60_000 };
const CALLS = 8;

type Settled = { readonly ok: true; readonly value: UpdateResult | undefined } | { readonly ok: false; readonly code: string };

/**
 * The updates of the test: every call answered `initiated`; call 2 with a stale token, and, when
 * `failing`, call 5 naming an attempt that does not exist (it throws after its `UPDATE` ran).
 */
function updates(claimed: readonly UpdateResult[], failing: boolean): CallUpdate[] {
  return claimed.map(({ call }, i): CallUpdate => ({
    id: call.id,
    expect: { token: i === 2 ? call.fencingToken - 1 : call.fencingToken, statuses: ['dispatching'] },
    set: { status: 'initiated', providerCallId: `p-${i}`, providerStatus: 'queued' },
    attempt: { number: failing && i === 5 ? 7 : 1, set: { status: 'initiated', providerCallId: `p-${i}` } },
    events: [{ type: 'status', at: 2_000, attempt: 1, status: 'initiated', providerStatus: 'queued', data: { i } }],
    now: 2_000,
  }));
}

function settle(promise: Promise<UpdateResult | undefined>): Promise<Settled> {
  return promise.then(
    (value): Settled => ({ ok: true, value }),
    (error: unknown): Settled => ({ ok: false, code: isCallSchedulerError(error) ? error.code : String(error) }),
  );
}

/** Runs the scenario on a fresh file; returns every result and how many write transactions the updates began and committed. */
async function run(
  file: string,
  options: { readonly groupCommit: boolean; readonly failing: boolean },
  items: readonly CallInsert[] = Array.from({ length: CALLS }, () => scheduledCall(1_000)),
): Promise<{ results: Settled[]; claimed: UpdateResult[]; begins: number; commits: number; store: SqliteStore; close: () => Promise<void> }> {
  const { groupCommit, failing } = options;
  const recorder = recordingDatabase(file);
  const store = new SqliteStore({ database: recorder.database, groupCommit });
  await store.insertCalls(items);
  const claimed = await store.claimDueCalls({ now: 1_000, limit: CALLS, ...LEASE });
  expect(claimed).toHaveLength(CALLS);
  const before = recorder.queries.length;
  // All issued in one turn of the event loop, none awaited before the next.
  const results = await Promise.all(updates(claimed, failing).map((update) => settle(store.updateCall(update))));
  const begins = recorder.queries.slice(before).filter((q) => /^begin immediate$/i.test(q.sql)).length;
  const commits = recorder.queries.slice(before).filter((q) => /^commit$/i.test(q.sql)).length;
  return {
    results,
    claimed,
    begins,
    commits,
    store,
    close: async () => {
      await store.close();
      recorder.raw.close();
    },
  };
}

describe('SqliteStore group commit', () => {
  let dir: ReturnType<typeof tempDir>;

  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    dir.remove();
  });

  it('commits the updateCalls of one turn in one transaction; a stale one does not affect the others', async () => {
    const items = Array.from({ length: CALLS }, () => scheduledCall(1_000));
    const separate = await run(dir.file('separate.db'), { groupCommit: false, failing: false }, items);
    const grouped = await run(dir.file('grouped.db'), { groupCommit: true, failing: false }, items);
    try {
      expect(separate).toMatchObject({ begins: CALLS, commits: CALLS });
      expect(grouped).toMatchObject({ begins: 1, commits: 1 });
      grouped.results.forEach((settled, i) => {
        if (i === 2) expect(settled).toEqual({ ok: true, value: undefined });
        else expect(settled).toMatchObject({ ok: true, value: { call: { status: 'initiated', providerCallId: `p-${i}` }, events: [{ data: { i } }] } });
      });
      // The same calls in two files: the same records, events and event ids.
      expect(grouped.results).toEqual(separate.results);
      const page = await grouped.store.listCalls({ cursor: null, limit: 100, order: 'asc' });
      expect(page.items.map((call) => call.status)).toEqual(grouped.results.map((_, i) => (i === 2 ? 'dispatching' : 'initiated')));
    } finally {
      await separate.close();
      await grouped.close();
    }
  });

  it('undoes a write that throws alone: the others of its turn commit together and get their results', async () => {
    const grouped = await run(dir.file('grouped.db'), { groupCommit: true, failing: true });
    try {
      // The batch first ran without savepoints; the throw rolled it back, and it ran again with a
      // savepoint per write: two BEGINs, one COMMIT.
      expect(grouped).toMatchObject({ begins: 2, commits: 1 });
      grouped.results.forEach((settled, i) => {
        if (i === 2) expect(settled).toEqual({ ok: true, value: undefined });
        else if (i === 5) expect(settled).toEqual({ ok: false, code: 'INVALID_INPUT' });
        else {
          expect(settled.ok).toBe(true);
          const value = settled.ok ? settled.value : undefined;
          expect(value?.call).toMatchObject({ status: 'initiated', providerCallId: `p-${i}`, updatedAt: 2_000 });
          expect(value?.events).toMatchObject([{ type: 'status', data: { i } }]);
        }
      });
      // Committed: a read after the promises resolved sees the writes; the failed one left nothing.
      const claimedIds = grouped.results.map((settled) => (settled.ok && settled.value !== undefined ? settled.value.call.id : undefined));
      const applied = await grouped.store.getCallDetails(claimedIds[0] ?? '');
      expect(applied?.call.status).toBe('initiated');
      expect(applied?.attempts[0]).toMatchObject({ status: 'initiated', providerCallId: 'p-0' });
      const page = await grouped.store.listCalls({ cursor: null, limit: 100, order: 'asc' });
      expect(page.items.filter((call) => call.status === 'initiated')).toHaveLength(CALLS - 2);
      const untouched = page.items.filter((call) => call.status === 'dispatching');
      expect(untouched).toHaveLength(2);
      expect(untouched.map((call) => call.id)).toEqual([grouped.claimed[2]?.call.id, grouped.claimed[5]?.call.id]);
      for (const call of untouched) {
        // Exactly as claimed: the failing update's UPDATE ran before its attempt check and was
        // rolled back to its savepoint.
        expect(call).toEqual(grouped.claimed.find((claim) => claim.call.id === call.id)?.call);
        const details = await grouped.store.getCallDetails(call.id);
        expect(details?.events.map((event) => event.type)).toEqual(['scheduled', 'dispatching']);
      }
    } finally {
      await grouped.close();
    }
  });

  it('gives each caller the same result as separate transactions do (groupCommit: false), a failing write included', async () => {
    const items = Array.from({ length: CALLS }, () => scheduledCall(1_000));
    const separate = await run(dir.file('separate.db'), { groupCommit: false, failing: true }, items);
    const grouped = await run(dir.file('grouped.db'), { groupCommit: true, failing: true }, items);
    try {
      expect(separate.commits).toBe(CALLS - 1); // the failing one rolled back
      expect(grouped.commits).toBe(1);
      // The same calls in two files: the same records, events and event ids, the same errors.
      expect(grouped.results).toEqual(separate.results);
      expect(grouped.results.filter((settled) => settled.ok && settled.value !== undefined)).toHaveLength(CALLS - 2);
    } finally {
      await separate.close();
      await grouped.close();
    }
  });

  it('commits concurrent insertCalls in one transaction; a duplicate id fails alone', async () => {
    const recorder = recordingDatabase(dir.file('inserts.db'));
    const store = new SqliteStore({ database: recorder.database });
    try {
      await store.init();
      const a = scheduledCall(1_000, { idempotencyKey: 'k' });
      const b = scheduledCall(1_000);
      const duplicate = { ...scheduledCall(1_000), call: { ...b.call } };
      const again = scheduledCall(2_000, { idempotencyKey: 'k' });
      const before = recorder.queries.length;
      const results = await Promise.allSettled([
        store.insertCalls([a]),
        store.insertCalls([b]),
        store.insertCalls([duplicate]),
        store.insertCalls([again]),
      ]);
      // Two BEGINs (the first run, rolled back when the duplicate threw, then one with savepoints), one COMMIT.
      expect(recorder.queries.slice(before).filter((q) => /^begin immediate$/i.test(q.sql))).toHaveLength(2);
      expect(recorder.queries.slice(before).filter((q) => /^commit$/i.test(q.sql))).toHaveLength(1);
      expect(results[0]).toMatchObject({ status: 'fulfilled', value: [{ created: true, call: { id: a.call.id } }] });
      expect(results[1]).toMatchObject({ status: 'fulfilled', value: [{ created: true, call: { id: b.call.id } }] });
      const failed = results[2];
      expect(failed?.status).toBe('rejected');
      const reason: unknown = failed?.status === 'rejected' ? failed.reason : undefined;
      expect(isCallSchedulerError(reason) && reason.code).toBe('INVALID_INPUT');
      expect(isCallSchedulerError(reason) && reason.issues[0]?.path).toBe('items.0.call.id');
      // Sees the earlier insert of the same batch, as it would have seen it committed.
      expect(results[3]).toMatchObject({ status: 'fulfilled', value: [{ created: false, call: { id: a.call.id } }] });
      const page = await store.listCalls({ cursor: null, limit: 10, order: 'asc' });
      expect(page.items.map((call) => call.id)).toEqual([a.call.id, b.call.id]);
    } finally {
      await store.close();
      recorder.raw.close();
    }
  });

  it('refuses a groupCommit that is not a boolean, naming it', () => {
    const error: unknown = (() => {
      try {
        new SqliteStore({ filename: ':memory:', groupCommit: 'yes' as unknown as boolean });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(isCallSchedulerError(error) && error.issues.map((issue) => issue.path)).toEqual(['groupCommit']);
  });
});
