import type { Generated } from 'kysely';

/**
 * A row of `calls`. Times are integer epoch ms; `calling_window`, `retry_policy` and `metadata`
 * are JSON text. The lease is `lease_owner` + `lease_expires_at` (both set or both null); its
 * token is `fencing_token`, which only a claim increments.
 */
export interface CallsTable {
  id: string;
  to_number: string;
  status: string;
  at: number;
  due_at: number | null;
  time_zone: string | null;
  calling_window: string | null;
  expires_at: number | null;
  retry_policy: string | null;
  idempotency_key: string | null;
  metadata: string | null;
  attempt_count: number;
  provider_call_id: string | null;
  provider_status: string | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  fencing_token: number;
  /**
   * The instant the latest claim of the call was due at: its `due_at` for a dispatch claim (which
   * sets `due_at` to null), the expired `lease_expires_at` for a recovery (which replaces it).
   * Orders the result of a claim, whose `RETURNING` rows come in no defined order.
   */
  claimed_due_at: number | null;
  version: number;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
}

/** A row of `attempts`; the key is (`call_id`, `number`). */
export interface AttemptsTable {
  call_id: string;
  number: number;
  status: string;
  provider_call_id: string | null;
  provider_status: string | null;
  started_at: number;
  ended_at: number | null;
  duration_seconds: number | null;
  error_code: string | null;
  error_message: string | null;
  /** The claim's owner: the scheduler that dialed this attempt (`NULL` for attempts older than migration 0003). */
  scheduler_id: string | null;
}

/** A row of `events`; `id` is an `AUTOINCREMENT` key, so ids are never reused. `data` is JSON text. */
export interface EventsTable {
  id: Generated<number>;
  call_id: string;
  type: string;
  at: number;
  attempt: number | null;
  status: string;
  provider_status: string | null;
  data: string | null;
}

/** The store's tables, for kysely. */
export interface StoreTables {
  calls: CallsTable;
  attempts: AttemptsTable;
  events: EventsTable;
}
