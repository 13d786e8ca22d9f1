/**
 * A row set as `pg` returns it: the part of `pg`'s `QueryResult` the store reads.
 */
export interface PostgresQueryResultLike {
  /** The rows, as objects keyed by column name. */
  readonly rows: unknown[];
  /** Rows the statement affected or returned. */
  readonly rowCount: number | null;
}

/** A notification as `pg` delivers it to a `LISTEN`ing client. */
export interface PostgresNotification {
  /** The channel it was sent on. */
  readonly channel: string;
  /** Its payload (`NOTIFY channel, 'payload'`). */
  readonly payload?: string | undefined;
}

/**
 * The part of a `pg` `PoolClient` that {@link PostgresStore} uses: one connection checked out of a
 * {@link PostgresStorePool}. A `pg` `PoolClient` has this shape.
 */
export interface PostgresStorePoolClient {
  /** Runs one statement with `$1, $2...` parameters. */
  query(text: string, values?: unknown[]): Promise<PostgresQueryResultLike>;
  /**
   * Runs one statement as a named (prepared) statement: the connection parses and plans `text`
   * once under `name` and reuses it (see {@link PostgresStoreCommonOptions.preparedStatements}).
   */
  query(config: { readonly name: string; readonly text: string; readonly values: unknown[] }): Promise<PostgresQueryResultLike>;
  /**
   * `'I'` when the connection is idle outside a transaction (`pg` 8.17 and later). Without it, a
   * named statement refused by the server is not sent again on the same connection.
   */
  getTransactionStatus?(): string | null;
  /** Gives the connection back to its pool; an `Error` (or `true`) closes it instead. */
  release(destroy?: Error | boolean): void;
  /** `LISTEN` notifications (the store's watcher), and errors of the connection. */
  on(event: 'notification', listener: (message: PostgresNotification) => void): unknown;
  /** See above: an error of the connection (it is then unusable). */
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Removes a listener added with `on`. */
  removeListener(event: 'notification', listener: (message: PostgresNotification) => void): unknown;
  /** See above. */
  removeListener(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * The part of a `pg` `Pool` that {@link PostgresStore} uses: a `new pg.Pool(...)` has this shape.
 * The store checks connections out for its statements and transactions and gives them back; while
 * it watches (`watch()`), it keeps one connection checked out for `LISTEN`.
 */
export interface PostgresStorePool {
  /** Checks out a connection. */
  connect(): Promise<PostgresStorePoolClient>;
}

/** Options shared by both ways of giving {@link PostgresStore} its database. */
export interface PostgresStoreCommonOptions {
  /**
   * The PostgreSQL schema that holds the store's tables (created if missing), beside an
   * application's own tables. A plain identifier: letters, digits and `_`, not starting with a
   * digit, at most 40 characters.
   * @default 'call_scheduler'
   */
  readonly schema?: string;
  /**
   * Group commit: the `insertCalls` and `updateCall` writes that arrive in the same turn of the
   * event loop (and those that arrive while the previous group is committing) are committed
   * together in one transaction, each in its own savepoint when one of them fails, so that each
   * caller still gets the result it would have got alone. A caller's promise settles only after the
   * commit. `false` gives every write its own transaction.
   * @default true
   */
  readonly groupCommit?: boolean;
  /**
   * Cross-host wake-ups with `LISTEN`/`NOTIFY`: a write that makes a call due earlier than anything
   * stored before sends one `NOTIFY` (payload: the due time), and {@link PostgresStore.watch}
   * listens on a dedicated connection. `false` sends no `NOTIFY` and listens to nothing (behind
   * PgBouncer in transaction mode, which cannot hold a `LISTEN`): schedulers then rely on their
   * slow re-read alone, and `health()` says `watching: false`.
   * @default true
   */
  readonly notify?: boolean;
  /**
   * Sends the statements a dialing host runs most (the claims, the read of the next wake-up, and
   * the write of one call when it is not merged with others) as named, prepared statements: each
   * connection parses them once, and reuses their generic plan when PostgreSQL keeps it. The pool
   * the store makes (`connectionString`) tells PostgreSQL to keep it (`plan_cache_mode =
   * force_generic_plan` on its connections); on a large table PostgreSQL would otherwise plan a
   * claim again at every run. Planning a claim costs the server more than running it. `false`
   * sends every statement unnamed: behind PgBouncer in transaction mode before version 1.21 (or
   * with its `max_prepared_statements` at 0), which cannot keep a prepared statement on the server
   * connection a client gets next.
   * @default true
   */
  readonly preparedStatements?: boolean;
  /**
   * The shortest interval between two `NOTIFY`s that only tell event-log followers that events were
   * committed (due-time notifications are never delayed). Bounds the `NOTIFY` rate of a busy host:
   * every `NOTIFY` takes a server-wide lock at commit. `0` sends one after every write group.
   * @default 25
   */
  readonly eventsNotifyIntervalMs?: number;
  /**
   * How long a lost `LISTEN` connection waits before its first reconnection attempt; each further
   * failure doubles the wait, up to `listenMaxReconnectDelayMs`.
   * @default 100
   */
  readonly listenReconnectDelayMs?: number;
  /**
   * See `listenReconnectDelayMs`.
   * @default 5000
   */
  readonly listenMaxReconnectDelayMs?: number;
}

/** Use a `pg` pool that the caller made and keeps owning. */
export interface PostgresStorePoolOptions extends PostgresStoreCommonOptions {
  /**
   * A `pg` `Pool` (or anything with its `connect()` shape; its clients must take a named query,
   * `query({ name, text, values })`, unless `preparedStatements` is `false`). The store never ends it:
   * {@link PostgresStore.close} gives back its connections and leaves the pool to its owner. While
   * the store watches, it holds one of the pool's connections for `LISTEN`.
   */
  readonly pool: PostgresStorePool;
  /** Not with `pool`. */
  readonly connectionString?: never;
}

/** Make (and own) a `pg` pool from a connection string. */
export interface PostgresStoreConnectionOptions extends PostgresStoreCommonOptions {
  /**
   * A PostgreSQL URL such as `postgres://user:password@host:5432/database`. The store makes a
   * `pg` `Pool` from it (so `pg` must be installed) and ends it in {@link PostgresStore.close}.
   */
  readonly connectionString: string;
  /**
   * The size of that pool (the `LISTEN` connection included).
   * @default 10
   */
  readonly poolSize?: number;
  /** Not with `connectionString`. */
  readonly pool?: never;
}

/**
 * Options of {@link PostgresStore}: either `pool` or `connectionString`.
 *
 * @example
 * ```ts
 * const store = new PostgresStore({ connectionString: process.env.DATABASE_URL! });
 * const shared = new PostgresStore({ pool: new pg.Pool({ max: 20 }), schema: 'calls' });
 * const behindPgBouncer = new PostgresStore({ connectionString: url, notify: false, preparedStatements: false });
 * ```
 */
export type PostgresStoreOptions = PostgresStorePoolOptions | PostgresStoreConnectionOptions;
