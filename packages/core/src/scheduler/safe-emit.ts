// Owns: delivering one scheduler event to its listeners so that no listener can break the
// scheduler: a throw, or the rejection of an async listener, is reported as `scheduler:error`
// (never for `scheduler:error` itself) and the other listeners still run; and `once()` listeners
// removed after they ran, and only those registrations.
import { EventEmitter } from 'eventemitter3';
import type { Call } from '../call/call.js';

/**
 * Calls every listener of `name` with `payload` (on `self`). A listener's error is handed to
 * `report` with the operation `listener:<name>` and the payload's call id.
 */
export function emitIsolated(
  self: unknown,
  name: string,
  listeners: readonly ((payload: unknown) => unknown)[],
  payload: object,
  report: (error: unknown, operation: string, callId?: string) => void,
): void {
  const fail = (error: unknown): void => {
    if (name !== 'scheduler:error') report(error, `listener:${name}`, 'call' in payload ? (payload as { call: Call }).call.id : undefined);
  };
  for (const listener of listeners) {
    try {
      const result: unknown = listener.call(self, payload);
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
        // An async listener: its rejection is reported like a throw, never left unhandled.
        (result as PromiseLike<unknown>).then(undefined, fail);
      }
    } catch (error) {
      fail(error);
    }
  }
}

/**
 * An eventemitter3 emitter whose events are delivered by {@link emitIsolated}: the base of
 * `CallScheduler`. Listeners are added with `on`, `once` and `off` as usual.
 */
export class IsolatingEmitter<Events extends EventEmitter.ValidEventTypes> extends EventEmitter<Events> {
  /** Events that may have listeners added with `once()` (swept after their next emit). */
  readonly #onceEvents = new Set<unknown>();

  /**
   * Emits `payload` to every listener of `name`; a listener's error goes to `report` and the
   * others still run. Then removes the registrations made by `once()` of the listeners that ran.
   * @internal
   */
  protected emitIsolated(name: EventEmitter.EventNames<Events>, payload: object, report: (error: unknown, operation: string, callId?: string) => void): void {
    const listeners = this.listeners(name) as ((p: unknown) => unknown)[];
    const sweep = this.#onceEvents.delete(name);
    emitIsolated(this, String(name), listeners, payload, report);
    // eventemitter3 flags once() registrations: remove those of the listeners that ran, never one added with on().
    if (sweep) for (const fn of new Set(listeners)) super.off(name, fn as EventEmitter.EventListener<Events, typeof name>, undefined, true);
  }

  /**
   * Adds a listener that runs once. (Overridden so that the isolating emit removes it after it
   * ran: only that registration, never one added with `on()`.)
   */
  override once<T extends EventEmitter.EventNames<Events>>(event: T, fn: EventEmitter.EventListener<Events, T>, context?: unknown): this {
    super.once(event, fn, context);
    this.#onceEvents.add(event);
    return this;
  }
}
