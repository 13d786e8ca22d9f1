// Owns: timing every store operation the scheduler makes, once, for the
// `call_scheduler.store.operation.duration` histogram. The store is wrapped at build time; the
// parts see an ordinary CallStore. Durations are taken with `performance.now()`, a monotonic
// wall-clock reading that only ever feeds the histogram: it never drives scheduling, which runs
// on the injected Clock alone (a FakeClock test is not affected by it).
import type { CallStore } from '../store/call-store.js';
import type { SchedulerTelemetry } from '../telemetry/scheduler-telemetry.js';

/**
 * `store`, with every method's duration recorded as `telemetry.storeOperation(<method>, ms)`
 * (successful or not). Properties that are not functions, and optional methods the store lacks,
 * read through unchanged.
 */
export function instrumentStore(store: CallStore, telemetry: SchedulerTelemetry): CallStore {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function' || key === 'constructor') return value;
      // Stores keep private state (#fields): every method runs with the store itself as `this`.
      if (typeof key !== 'string') return (value as (...args: unknown[]) => unknown).bind(target);
      let fn = wrapped.get(key);
      if (fn === undefined) {
        const method = value as (...args: unknown[]) => unknown;
        fn = function timed(...args: unknown[]): unknown {
          const started = performance.now();
          let result: unknown;
          try {
            result = method.apply(target, args);
          } catch (error) {
            telemetry.storeOperation(key, performance.now() - started);
            throw error;
          }
          if (result instanceof Promise) {
            const done = (): void => telemetry.storeOperation(key, performance.now() - started);
            // A side branch: the caller gets the store's own promise, so the wrapper adds no
            // microtask hop to any operation (the order of work on a FakeClock is unchanged).
            result.then(done, done);
            return result;
          }
          telemetry.storeOperation(key, performance.now() - started);
          return result;
        };
        wrapped.set(key, fn);
      }
      return fn;
    },
  });
}
