// Owns: delivering one scheduler event to its listeners so that no listener can break the
// scheduler: a throw, or the rejection of an async listener, is reported as `scheduler:error`
// (never for `scheduler:error` itself) and the other listeners still run.
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
