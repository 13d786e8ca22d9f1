import type { CallStoreChange, Clock, TimerHandle } from '@call-scheduler/core';
import type { PostgresNotification, PostgresStorePoolClient } from '../postgres-store-options.js';
import { decodeChange } from './change-payload.js';

/** Options of {@link ChangeListener}. */
export interface ChangeListenerOptions {
  /** Checks out the dedicated connection. */
  readonly connect: () => Promise<PostgresStorePoolClient>;
  /** The channel, already a safe identifier. */
  readonly channel: string;
  /** Called with every change announced by any handle of the store. */
  readonly onChange: (change: CallStoreChange) => void;
  /**
   * After a reconnection: what may have been missed meanwhile (the store re-reads its earliest due
   * time); passed to `onChange`.
   */
  readonly resync: () => Promise<CallStoreChange>;
  /** First reconnection delay; doubles on each failure up to `maxDelayMs`. */
  readonly delayMs: number;
  /** See `delayMs`. */
  readonly maxDelayMs: number;
  /** Where the back-off waits come from. */
  readonly clock: Clock;
}

/**
 * `LISTEN` on a dedicated connection, for {@link PostgresStore.watch}. A lost connection is given
 * back to its pool destroyed and opened again with exponential back-off; meanwhile `watching` is
 * false (the schedulers are back on their slow re-read), and once it listens again the listener
 * reports a resync change, since notifications sent meanwhile are gone.
 */
export class ChangeListener {
  readonly #options: ChangeListenerOptions;
  #client: PostgresStorePoolClient | undefined;
  #watching = false;
  #closed = false;
  #delayMs: number;
  #timer: TimerHandle = undefined;
  #connecting: Promise<void> | undefined;
  #detach: (() => void) | undefined;
  #started = false;
  /** Connections lost so far. */
  reconnects = 0;
  /** The last connection error, for health details. */
  lastError: string | undefined;

  constructor(options: ChangeListenerOptions) {
    this.#options = options;
    this.#delayMs = options.delayMs;
  }

  /** True while the connection listens. */
  get watching(): boolean {
    return this.#watching;
  }

  /** Opens the connection and listens; on failure, keeps trying in the background. Never rejects. */
  start(): Promise<void> {
    if (this.#started) return this.#connecting ?? Promise.resolve();
    this.#started = true;
    this.#connecting = this.#connect(false).finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(isReconnect: boolean): Promise<void> {
    if (this.#closed) return;
    let client: PostgresStorePoolClient | undefined;
    const onError = (error: Error): void => this.#lost(client, error);
    const onNotification = (message: PostgresNotification): void => {
      if (message.channel === this.#options.channel) this.#options.onChange(decodeChange(message.payload));
    };
    try {
      client = await this.#options.connect();
      client.on('error', onError);
      client.on('notification', onNotification);
      await client.query(`listen "${this.#options.channel}"`);
    } catch (error) {
      this.#lost(client, error);
      return;
    }
    if (this.#closed) {
      client.removeListener('notification', onNotification);
      client.release(true);
      return;
    }
    this.#client = client;
    const listening = client;
    this.#detach = () => {
      listening.removeListener('notification', onNotification);
      listening.removeListener('error', onError);
    };
    this.#watching = true;
    this.#delayMs = this.#options.delayMs;
    this.lastError = undefined;
    if (isReconnect) {
      const change = await this.#options.resync().catch((): CallStoreChange => ({ events: true }));
      if (!this.#closed) this.#options.onChange(change);
    }
  }

  /** The connection failed (or never opened): destroy it and try again after the back-off. */
  #lost(client: PostgresStorePoolClient | undefined, error: unknown): void {
    if (client !== undefined && this.#client !== undefined && client !== this.#client) return;
    this.lastError = error instanceof Error ? error.message : String(error);
    if (client !== undefined) {
      if (client === this.#client) this.reconnects += 1;
      this.#client = undefined;
      // Keeps an error handler on the destroyed client: pg may still emit on it.
      client.on('error', () => undefined);
      try {
        client.release(error instanceof Error ? error : true);
      } catch {
        // Already released.
      }
    }
    this.#watching = false;
    if (this.#closed || this.#timer !== undefined) return;
    const delay = this.#delayMs;
    this.#delayMs = Math.min(this.#delayMs * 2, this.#options.maxDelayMs);
    this.#timer = this.#options.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#connect(true);
    }, delay);
  }

  /** Stops listening and gives the connection back; no `onChange` after it resolves. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#connecting;
    const client = this.#client;
    this.#client = undefined;
    this.#watching = false;
    if (client === undefined) return;
    try {
      await client.query(`unlisten "${this.#options.channel}"`);
      this.#detach?.();
      client.release();
    } catch (error) {
      client.release(error instanceof Error ? error : true);
    }
  }
}
