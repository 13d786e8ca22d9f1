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
  /** Who did what, by call: each attempt's scheduler, and the data of its claim, recovery and end events. */
  readonly historyByCall: ReadonlyMap<string, CallHistory>;
}

/** One call's who-did-what, as stored. */
export interface CallHistory {
  /** `scheduler_id` of each attempt, by attempt number. */
  readonly attemptSchedulers: ReadonlyMap<number, string | null>;
  /** The data of its `dispatching`, `recovered` and `failed` events, in log order. */
  readonly events: readonly { readonly type: string; readonly attempt: number | null; readonly data: Record<string, unknown> | null }[];
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
    const historyByCall = new Map<string, { attemptSchedulers: Map<number, string | null>; events: CallHistory['events'][number][] }>();
    const historyOf = (id: string): { attemptSchedulers: Map<number, string | null>; events: CallHistory['events'][number][] } => {
      let history = historyByCall.get(id);
      if (history === undefined) {
        history = { attemptSchedulers: new Map(), events: [] };
        historyByCall.set(id, history);
      }
      return history;
    };
    for (const row of store.prepare('select call_id, number, scheduler_id from attempts').all() as { call_id: string; number: number; scheduler_id: string | null }[]) {
      historyOf(row.call_id).attemptSchedulers.set(row.number, row.scheduler_id);
    }
    const eventRows = store
      .prepare("select call_id, type, attempt, data from events where type in ('dispatching', 'recovered', 'failed') order by id")
      .all() as { call_id: string; type: string; attempt: number | null; data: string | null }[];
    for (const row of eventRows) {
      historyOf(row.call_id).events.push({ type: row.type, attempt: row.attempt, data: row.data === null ? null : (JSON.parse(row.data) as Record<string, unknown>) });
    }
    return { calls, eventCounts, dialsByCall, requestsByKey, historyByCall };
  } finally {
    store.close();
    provider.close();
  }
}
