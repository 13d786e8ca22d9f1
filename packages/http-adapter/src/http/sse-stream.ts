import type { ServerResponse } from 'node:http';
import type { Clock, TimerHandle } from '@call-scheduler/core';
import { MAX_TIMER_DELAY_MS } from '@call-scheduler/core';

/** A slow client whose unsent data passes this many bytes is disconnected (it can resume). */
export const SSE_MAX_BUFFERED_BYTES = 1024 * 1024;

/** Options of {@link SseStream}. */
export interface SseStreamOptions {
  /** The clock for heartbeats. */
  readonly clock: Clock;
  /** Heartbeat interval. */
  readonly heartbeatMs: number;
  /** Extra headers (CORS). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Called once when the stream ends, for whatever reason. */
  readonly onClose: () => void;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

/**
 * A Server-Sent Events response: writes events and comments, sends a heartbeat comment every
 * `heartbeatMs` on the injected clock, and cleans up (timer, `onClose`) when the client goes away.
 */
export class SseStream {
  readonly #res: ServerResponse;
  readonly #options: SseStreamOptions;
  #timer: { readonly handle: TimerHandle } | undefined;
  #closed = false;

  constructor(res: ServerResponse, options: SseStreamOptions) {
    this.#res = res;
    this.#options = options;
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
    res.on('close', () => this.close());
    if (res.destroyed || res.socket === null || res.socket.destroyed) {
      // The client left while the stream was being prepared: its 'close' has already passed.
      this.close();
      return;
    }
    res.flushHeaders();
    this.#write(': connected\n\n');
    this.#arm();
  }

  /** Whether the stream has ended. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sends one event. Returns false when the client is too slow and was disconnected, or gone. */
  send(id: string, event: string, data: unknown): boolean {
    return this.#write(`id: ${id}\nevent: ${oneLine(event)}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /**
   * Sends one event without an `id:` line: the client's last event id (its `Last-Event-ID` on a
   * reconnect) stays what it was. For events that are not in the store's log (`series:*`).
   */
  sendUnnumbered(event: string, data: unknown): boolean {
    return this.#write(`event: ${oneLine(event)}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Resolves when the client has taken the buffered data, or the stream ended. */
  async drained(): Promise<void> {
    if (this.#closed || !this.#res.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.#res.off('drain', done);
        this.#res.off('close', done);
        resolve();
      };
      this.#res.on('drain', done);
      this.#res.on('close', done);
    });
  }

  /** Ends the stream and releases the timer; safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer.handle);
    this.#timer = undefined;
    if (!this.#res.writableEnded) this.#res.end();
    this.#options.onClose();
  }

  #write(text: string): boolean {
    if (this.#closed || this.#res.writableEnded || this.#res.destroyed) return false;
    if (this.#res.writableLength > SSE_MAX_BUFFERED_BYTES) {
      // Too slow: drop it (and what waits for it) rather than buffer without bound. A client
      // that is still alive reconnects with Last-Event-ID and misses nothing.
      // A reset discards what the kernel still holds for it, too.
      const socket = this.#res.socket;
      if (socket !== null && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
      else this.#res.destroy();
      this.close();
      return false;
    }
    this.#res.write(text);
    return true;
  }

  #arm(): void {
    if (this.#closed) return;
    const handle = this.#options.clock.setTimeout(
      () => {
        this.#timer = undefined;
        this.#write(': heartbeat\n\n');
        this.#arm();
      },
      Math.min(this.#options.heartbeatMs, MAX_TIMER_DELAY_MS),
    );
    this.#timer = { handle };
  }
}
