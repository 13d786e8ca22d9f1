import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { fullScans, plansOf, queryPlan, recordingDatabase } from './support/recording-database.js';
import type { RecordedQuery } from './support/recording-database.js';
import { scheduledCall } from './support/records.js';
import { usePlanStore } from './support/plan-store.js';
import { tempDir } from './support/temp-files.js';

describe('query plans of the hot queries', () => {
  // One store for every plan check (filling it is the slow part); the checks only read plans, and
  // the claims they run take a few of its many due calls.
  const rig = usePlanStore(async ({ store }) => {
    // A store with some history: scheduled, dispatching (leased), live and ended calls.
    const numbers = Array.from({ length: 50 }, (_, i) => `+1415555${(1000 + i).toString()}`);
    await store.insertCalls(Array.from({ length: 2_000 }, (_, i) => scheduledCall(1_000 + i, { to: numbers[i % 50] ?? '' })));
    const claimed = await store.claimDueCalls({ now: 1_400, limit: 300, owner: 'a', leaseExpiresAt: 5_000 });
    for (const [i, c] of claimed.entries()) {
      const ended = i % 2 === 0;
      await store.updateCall({
        id: c.call.id,
        expect: { token: c.call.fencingToken },
        set: ended
          ? { status: 'completed', providerCallId: `p-${i}`, endedAt: 2_000, leaseExpiresAt: null }
          : { status: 'ringing', providerCallId: `p-${i}`, leaseExpiresAt: 3_000 + i },
        now: 2_000,
      });
    }
  });

  const hotQueries: Record<string, { run: (s: SqliteStore) => Promise<unknown>; indexes: string[] }> = {
    claim: { run: (s) => s.claimDueCalls({ now: 1_500, limit: 10, owner: 'b', leaseExpiresAt: 9_000 }), indexes: ['calls_due_idx'] },
    'claim with onePerNumber': {
      run: (s) => s.claimDueCalls({ now: 1_600, limit: 10, owner: 'b', leaseExpiresAt: 9_000, onePerNumber: true }),
      indexes: ['calls_due_idx', 'calls_unended_to_idx'],
    },
    'next wake-up': { run: (s) => s.nextWakeUpAt(), indexes: ['calls_due_idx', 'calls_lease_idx'] },
    'lease recovery': { run: (s) => s.claimExpiredLeases({ now: 3_100, limit: 10, owner: 'b', leaseExpiresAt: 9_000 }), indexes: ['calls_lease_idx'] },
    'list, newest first': { run: (s) => s.listCalls({ limit: 50, cursor: null, order: 'desc' }), indexes: [] },
    'list by status': { run: (s) => s.listCalls({ statuses: ['ringing'], limit: 50, cursor: null, order: 'desc' }), indexes: ['calls_status_id_idx'] },
    'list by several statuses': { run: (s) => s.listCalls({ statuses: ['completed', 'failed'], limit: 50, cursor: null, order: 'asc' }), indexes: [] },
    'list by number': { run: (s) => s.listCalls({ to: '+14155551001', limit: 50, cursor: null, order: 'desc' }), indexes: ['calls_to_id_idx'] },
    'webhook lookup': { run: (s) => s.findCallByProviderCallId('p-3'), indexes: ['calls_provider_call_id_idx'] },
    'events of a call': { run: (s) => s.listEvents({ after: null, limit: 100, callId: 'x' }), indexes: ['events_call_id_idx'] },
    'events after an id': { run: (s) => s.listEvents({ after: '10', limit: 100 }), indexes: [] },
    'per-number attempts': { run: (s) => s.countAttempts({ to: '+14155551001', since: 0 }), indexes: ['calls_to_id_idx'] },
    'call details': { run: async (s) => s.getCallDetails((await s.listCalls({ limit: 1, cursor: null, order: 'asc' })).items[0]?.id ?? ''), indexes: [] },
  };

  for (const statistics of ['without statistics', 'after ANALYZE'] as const) {
    describe(statistics, () => {
      if (statistics === 'after ANALYZE') beforeAll(() => void rig.recorder.raw.exec('analyze'));
      for (const [name, { run, indexes }] of Object.entries(hotQueries)) {
        it(`${name}: no full table scan${indexes.length > 0 ? `, uses ${indexes.join(' and ')}` : ''}`, async () => {
          const plans = await plansOf(rig.recorder, () => run(rig.store));
          for (const { sql, plan } of plans) {
            expect(fullScans(plan), `${sql}\n${plan.join('\n')}`).toEqual([]);
          }
          const all = plans.flatMap((p) => p.plan).join('\n');
          for (const index of indexes) expect(all).toContain(index);
        });
      }
    });
  }

  it('the full-scan detector sees a full scan (so that the checks above can fail)', () => {
    const plan = queryPlan(rig.recorder.raw, { sql: 'select * from calls where at = ? order by due_at', parameters: [5] });
    expect(fullScans(plan)).toEqual(['SCAN calls']);
  });

  it('the claim walks its index in order and stops at the limit (no sort of all due calls)', async () => {
    const plans = await plansOf(rig.recorder, () => rig.store.claimDueCalls({ now: 1_500, limit: 10, owner: 'b', leaseExpiresAt: 9_000 }));
    const update = plans.find((p) => /^update/i.test(p.sql.trim()));
    expect(update?.plan.join('\n')).toMatch(/SEARCH \w+ USING COVERING INDEX calls_due_idx \(due_at<\?\)/);
    expect(update?.plan.join('\n')).not.toMatch(/TEMP B-TREE/);
  });
});

describe('a claim reads a bounded batch', () => {
  it('claims 10 of 50,000 due calls through the due-time index', async () => {
    const dir = tempDir();
    const recorder = recordingDatabase(dir.file('big.db'));
    const store = new SqliteStore({ database: recorder.database });
    try {
      await store.init();
      const batch = Array.from({ length: 50_000 }, (_, i) => scheduledCall(1_000 + (i % 5_000), { to: `+1415555${(1000 + (i % 9000)).toString()}` }));
      const inserted = await store.insertCalls(batch);
      expect(inserted).toHaveLength(50_000);
      recorder.queries.length = 0;
      const claimed = await store.claimDueCalls({ now: 1_000_000, limit: 10, owner: 'a', leaseExpiresAt: 2_000_000 });
      expect(claimed).toHaveLength(10);
      expect(claimed.map((c) => c.call.id)).toEqual(
        batch
          .filter((_, i) => i % 5_000 === 0 || i % 5_000 === 1)
          .map((b) => b.call)
          .sort((a, b) => (a.dueAt ?? 0) - (b.dueAt ?? 0) || (a.id < b.id ? -1 : 1))
          .slice(0, 10)
          .map((c) => c.id),
      );
      const update = recorder.queries.find((q) => /^update/i.test(q.sql.trim()));
      expect(update).toBeDefined();
      const plan = queryPlan(recorder.raw, update as RecordedQuery).join('\n');
      expect(plan).toContain('calls_due_idx');
      expect(plan).not.toMatch(/TEMP B-TREE/);
      expect(fullScans(plan.split('\n'))).toEqual([]);
      // Everything else is still waiting.
      const left = await store.listCalls({ statuses: ['scheduled'], limit: 1000, cursor: null, order: 'asc' });
      expect(left.items).toHaveLength(1000);
      expect(left.nextCursor).not.toBeNull();
    } finally {
      await store.close();
      recorder.raw.close();
      dir.remove();
    }
  }, 60_000);
});
