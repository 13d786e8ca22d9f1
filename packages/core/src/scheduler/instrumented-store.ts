// Owns: timing every store operation the scheduler makes, once, for the
// `call_scheduler.store.operation.duration` histogram. The store is wrapped at build time; the
// parts see an ordinary CallStore. Durations are taken with `performance.now()`, a monotonic
// wall-clock reading that only ever feeds the histogram: it never drives scheduling, which runs
// on the injected Clock alone (a FakeClock test is not affected by it).
import type { CallStore } from '../store/call-store.js';
import type { SchedulerTelemetry } from '../telemetry/scheduler-telemetry.js';

/**
 * `store`, with every method's duration recorded as the `call_scheduler.store.operation.duration`
 * of `<method>` (successful or not). The wrapper is built once: an object whose prototype is the
 * store (so its other properties read through) with a timed own copy of every method found on the
 * store and its prototypes, each running with the store itself as `this` (stores keep private
 * state). Optional methods the store lacks stay absent.
 */
export function instrumentStore(store: CallStore, telemetry: SchedulerTelemetry): CallStore {
  const wrapper = Object.create(store) as object;
  const seen = new Set<string>();
  for (let level: object | null = store; level !== null && level !== Object.prototype; level = Object.getPrototypeOf(level) as object | null) {
    for (const key of Object.getOwnPropertyNames(level)) {
      if (key === 'constructor' || seen.has(key)) continue;
      seen.add(key);
      const descriptor = Object.getOwnPropertyDescriptor(level, key);
      if (descriptor === undefined || typeof descriptor.value !== 'function') continue;
      defineTimed(wrapper, store, key, telemetry.storeOperationRecorder(key));
    }
  }
  return wrapper as unknown as CallStore;
}

/**
 * Defines `key` on `wrapper` as a getter of the store's current method, timed: a method replaced
 * or removed on the store later (a test's spy, say) is seen, and its timed copy is made once.
 */
function defineTimed(wrapper: object, store: object, key: string, record: (ms: number) => void): void {
  let method: unknown;
  let timedMethod: unknown;
  Object.defineProperty(wrapper, key, {
    configurable: true,
    enumerable: false,
    get(): unknown {
      const current: unknown = (store as Record<string, unknown>)[key];
      if (typeof current !== 'function') return current;
      if (current !== method) {
        method = current;
        timedMethod = timed(store, current as (...args: unknown[]) => unknown, record);
      }
      return timedMethod;
    },
  });
}

/** `method` run on `target`, its duration given to `record` when it settles. */
function timed(target: object, method: (...args: unknown[]) => unknown, record: (ms: number) => void): (...args: unknown[]) => unknown {
  return (...args: unknown[]): unknown => {
    const started = performance.now();
    let result: unknown;
    try {
      result = method.apply(target, args);
    } catch (error) {
      record(performance.now() - started);
      throw error;
    }
    if (result instanceof Promise) {
      const done = (): void => record(performance.now() - started);
      // A side branch: the caller gets the store's own promise, so the wrapper adds no microtask
      // hop to any operation (the order of work on a FakeClock is unchanged).
      result.then(done, done);
      return result;
    }
    record(performance.now() - started);
    return result;
  };
}
