import Database from 'better-sqlite3';
import { historiesOf, type AttemptRow, type CallHistory } from '../../../../test-support/crash-checks.js';
import type { DialRow } from '../fixtures/durable-provider.js';

/** What a run left behind: the store's calls and events, and the provider's record. */
export interface RunOutcome {
  readonly calls: readonly {
    readonly id: string;
    readonly status: string;
    readonly error_code: string | null;
    readonly provider_call_id: string | null;
    readonly attempt_count: number;
  }[];
  /** Events by type. */
  readonly eventCounts: Readonly<Record<string, number>>;
  /** Calls the provider started, by scheduler call id. */
  readonly dialsByCall: ReadonlyMap<string, readonly DialRow[]>;
  /** `placeCall` requests, by idempotency key (more than the dials when the provider de-duplicated). */
  readonly requestsByKey: ReadonlyMap<string, number>;
  /** Who did what, by call: each attempt's scheduler, and the data of its claim, recovery and end events. */
  readonly historyByCall: ReadonlyMap<string, CallHistory>;
}

/** Reads both files (read-only) after the processes are gone. */
export function readOutcome(storeFile: string, providerFile: string): RunOutcome {
  const store = new Database(storeFile, { readonly: true, fileMustExist: true });
  const provider = new Database(providerFile, { readonly: true, fileMustExist: true });
  try {
    const calls = store.prepare('select id, status, error_code, provider_call_id, attempt_count from calls order by id').all() as RunOutcome['calls'];
    const eventCounts = Object.fromEntries(
      (store.prepare('select type, count(*) as n from events group by type').all() as { type: string; n: number }[]).map((r) => [r.type, r.n]),
    );
    const dialsByCall = new Map<string, DialRow[]>();
    for (const dial of provider.prepare('select * from dials').all() as DialRow[]) {
      dialsByCall.set(dial.call_id, [...(dialsByCall.get(dial.call_id) ?? []), dial]);
    }
    const requestsByKey = new Map(
      (provider.prepare('select idempotency_key as k, count(*) as n from requests group by idempotency_key').all() as { k: string; n: number }[]).map(
        (r) => [r.k, r.n],
      ),
    );
    const attempts = store.prepare('select call_id, number, scheduler_id from attempts').all() as AttemptRow[];
    const eventRows = store
      .prepare("select call_id, type, attempt, data from events where type in ('dispatching', 'recovered', 'failed') order by id")
      .all() as { call_id: string; type: string; attempt: number | null; data: string | null }[];
    const historyByCall = historiesOf(
      attempts,
      eventRows.map((row) => ({ ...row, data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>) })),
    );
    return { calls, eventCounts, dialsByCall, requestsByKey, historyByCall };
  } finally {
    store.close();
    provider.close();
  }
}
