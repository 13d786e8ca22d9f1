import { CALL_SERIES_EVENT_NAMES, type CallSeries, type CallSeriesEventName } from '@call-scheduler/core';
import type { CallRouterScheduler } from '../call-router-scheduler.js';
import { hasSeries } from '../call-router-series.js';
import { seriesToJson } from '../schemas/series-schemas.js';
import { callToJson, toJsonValue } from '../schemas/to-json.js';

/** A listener of a `series:*` event (its payload as the scheduler emits it). */
type SeriesListener = (payload: unknown) => void;

/** The `on`/`off` of a scheduler, for the `series:*` names its typed event map may not list. */
export interface SeriesEmitter {
  /** Subscribes. */
  on(name: CallSeriesEventName, listener: SeriesListener): unknown;
  /** Unsubscribes. */
  off(name: CallSeriesEventName, listener: SeriesListener): unknown;
}

/** The scheduler's own `on`/`off`, seen as an emitter of the `series:*` events. */
export function seriesEmitter(scheduler: object): SeriesEmitter {
  const { on, off } = scheduler as unknown as SeriesEmitter;
  return { on: (name, listener) => on.call(scheduler, name, listener), off: (name, listener) => off.call(scheduler, name, listener) };
}

/** A `series:*` payload as the JSON `data` of a Server-Sent Event: `{ series, call?, ...extras }` with ISO times. */
export function seriesEventData(payload: unknown): Record<string, unknown> {
  const { series, call, ...extras } = payload as { series: CallSeries; call?: Parameters<typeof callToJson>[0] } & Record<string, unknown>;
  return {
    ...(toJsonValue(extras) as Record<string, unknown>),
    series: seriesToJson(series),
    ...(call === undefined ? {} : { call: callToJson(call) }),
  };
}

/**
 * Listens to every `series:*` event of `scheduler` (when it has the series methods) and hands
 * each to `send` as its SSE name and data; returns the unsubscribe. These events are not in the
 * store's event log: they are this process's, live, with no SSE id (a client's `Last-Event-ID`
 * stays on the last call event).
 */
export function listenSeriesEvents(scheduler: CallRouterScheduler, send: (name: CallSeriesEventName, data: Record<string, unknown>) => void): () => void {
  if (!hasSeries(scheduler)) return () => undefined;
  const emitter = seriesEmitter(scheduler);
  const listeners = CALL_SERIES_EVENT_NAMES.map((name) => {
    const listener: SeriesListener = (payload) => send(name, seriesEventData(payload));
    emitter.on(name, listener);
    return [name, listener] as const;
  });
  return () => {
    for (const [name, listener] of listeners.splice(0)) emitter.off(name, listener);
  };
}
