import Database from 'better-sqlite3';
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
    return { calls, eventCounts, dialsByCall, requestsByKey };
  } finally {
    store.close();
    provider.close();
  }
}
