import { CALL_EVENT_NAMES, ErrorCode, isCallSchedulerError, type Call, type CallEvent, type CallEventPayload } from '@call-scheduler/core';
import type { CallRouterEventName } from '../call-router-scheduler.js';
import { invalidInputProblem } from '../http/problem.js';
import { SseStream } from '../http/sse-stream.js';
import { parseOrProblem } from '../schemas/field-problems.js';
import { eventIdSchema, eventsQuerySchema } from '../schemas/request-schemas.js';
import { callToJson, eventToJson, toJsonValue } from '../schemas/to-json.js';
import { parseQuery, withoutUndefined } from './call-handlers.js';
import type { LocalEmission } from '../events/event-log-follower.js';
import type { RouteContext } from './route-context.js';
import { listenSeriesEvents } from './series-events.js';

/** Events read from the store's log per `listEvents` call. */
export const REPLAY_PAGE_SIZE = 500;

interface Emission {
  readonly name: CallRouterEventName;
  readonly payload: CallEventPayload;
}

interface Resume {
  readonly cursor: string;
  /** Where the cursor came from, for a problem naming it. */
  readonly path: string;
}

function liveData(payload: CallEventPayload): Record<string, unknown> {
  const { call, event, ...extras } = payload as CallEventPayload & Record<string, unknown>;
  return { ...(toJsonValue(extras) as Record<string, unknown>), call: callToJson(call), event: eventToJson(event) };
}

function resumeFrom(ctx: RouteContext, queryLastEventId: string | undefined): Resume | undefined {
  const header = ctx.req.headers['last-event-id'];
  if (Array.isArray(header)) {
    throw invalidInputProblem([{ path: 'headers.last-event-id', message: 'must be given once', rule: 'duplicate' }], 'headers');
  }
  if (header === undefined || header.trim() === '') {
    return queryLastEventId === undefined ? undefined : { cursor: queryLastEventId, path: 'query.lastEventId' };
  }
  return { cursor: parseOrProblem(eventIdSchema, header.trim(), 'Last-Event-ID header', 'headers.last-event-id'), path: 'headers.last-event-id' };
}

/** Reads one page of the log; a cursor the store did not make becomes a 400 naming where it came from. */
async function readPage(ctx: RouteContext, after: string | null, resume: Resume | undefined, callId: string | undefined): Promise<readonly CallEvent[]> {
  try {
    return await ctx.settings.scheduler.listEvents(withoutUndefined({ after, limit: REPLAY_PAGE_SIZE, callId }));
  } catch (error) {
    if (resume !== undefined && after === resume.cursor && isCallSchedulerError(error) && error.code === ErrorCode.INVALID_INPUT) {
      throw invalidInputProblem([{ path: resume.path, message: 'is not an event id of this stream', rule: 'invalid_cursor' }], 'Last-Event-ID');
    }
    throw error;
  }
}

/**
 * The calls of a page's events, each read once (the call as it is now), except those of events
 * for which `skip` holds (sent from this process's own emission).
 */
function callsOf(ctx: RouteContext, events: readonly CallEvent[], skip: (event: CallEvent) => boolean = () => false): Map<string, Promise<Call | undefined>> {
  const calls = new Map<string, Promise<Call | undefined>>();
  for (const event of events) {
    if (!calls.has(event.callId) && !skip(event)) calls.set(event.callId, ctx.settings.scheduler.get(event.callId));
  }
  return calls;
}

function sendStored(stream: SseStream, event: CallEvent, call: Call | undefined, replayed: boolean): void {
  stream.send(event.cursor, `call:${event.type}`, {
    call: call === undefined ? null : callToJson(call),
    event: eventToJson(event),
    ...(replayed ? { replayed: true } : {}),
  });
}

function startHead(ctx: RouteContext): boolean {
  if (ctx.req.method !== 'HEAD') return false;
  ctx.res.statusCode = 200;
  ctx.res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  ctx.res.end();
  return true;
}

/**
 * `GET /events`: every call event as Server-Sent Events (`id:` the event's cursor, `event:` the
 * scheduler event name, `data:` `{ call, event, ...extras }`). With `Last-Event-ID` (or
 * `?lastEventId=`) it first sends the stored events after that cursor (`replayed: true`), then
 * live ones, without a gap or a duplicate.
 *
 * - When the scheduler's store can watch (`scheduler.store.watch`), the stream follows the store's event log:
 *   every host's events, read after the stream's cursor whenever the store reports new events and
 *   on a slow re-read. The data carries the call as it is when read.
 * - Otherwise it streams this process's live events: it listens before it reads history, holds
 *   live events back during the replay, and drops those the replay already sent (by event id).
 */
export async function streamEvents(ctx: RouteContext): Promise<void> {
  const query = parseQuery(ctx, eventsQuerySchema);
  const resume = resumeFrom(ctx, query.lastEventId);
  const follower = ctx.settings.eventLog;
  if (follower !== undefined && (await follower.acquire())) {
    try {
      await followLog(ctx, resume, query.callId);
    } catch (error) {
      follower.release();
      throw error;
    }
    return;
  }
  await streamEmitter(ctx, resume, query.callId);
}

/** The stream of a store that can watch: it reads the store's log after its own cursor. */
async function followLog(ctx: RouteContext, resume: Resume | undefined, callId: string | undefined): Promise<void> {
  const { scheduler, eventLog } = ctx.settings;
  const store = scheduler.store;
  if (eventLog === undefined || store?.eventLogHead === undefined) throw new Error('followLog without a follower');
  // The first page is read before the answer starts, so that a bad cursor is a 400.
  let cursor: string | null = resume === undefined ? await store.eventLogHead() : resume.cursor;
  let first: readonly CallEvent[] | undefined = await readPage(ctx, cursor, resume, callId);
  if (startHead(ctx)) {
    eventLog.release();
    return;
  }
  let replaying = resume !== undefined;
  let pumping = false;
  let again = false;
  let unfollow = (): void => undefined;
  let stopSeries = (): void => undefined;
  const stream = new SseStream(ctx.res, {
    clock: scheduler.clock,
    heartbeatMs: ctx.settings.sseHeartbeatMs,
    onClose: () => {
      unfollow();
      stopSeries();
      eventLog.release();
    },
  });
  // series:* events are not in the store's log: this process's own, sent live (no SSE id).
  if (!stream.closed && callId === undefined) stopSeries = listenSeriesEvents(scheduler, (name, data) => stream.sendUnnumbered(name, data));

  const readAll = async (): Promise<void> => {
    for (;;) {
      const events = first ?? (await readPage(ctx, cursor, undefined, callId));
      first = undefined;
      // An event this process emitted is sent as the emitter gave it (with its extras). Looked up
      // once per page, so that the calls read below are exactly those of the other events.
      const emissions = new Map<number, LocalEmission>();
      for (const event of replaying ? [] : events) {
        const emission = eventLog.localEmission(event.id);
        if (emission !== undefined) emissions.set(event.id, emission);
      }
      const calls = callsOf(ctx, events, (event) => emissions.has(event.id));
      for (const event of events) {
        if (stream.closed) return;
        const emission = emissions.get(event.id);
        if (emission !== undefined) {
          stream.send(event.cursor, emission.name, liveData(emission.payload));
          cursor = event.cursor;
          await stream.drained();
          continue;
        }
        const call = await calls.get(event.callId);
        if (stream.closed) return;
        sendStored(stream, event, call, replaying);
        cursor = event.cursor;
        await stream.drained();
      }
      if (events.length < REPLAY_PAGE_SIZE) {
        replaying = false; // caught up: what follows happened after the client connected
        return;
      }
    }
  };
  const wake = (): void => {
    if (stream.closed) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    void (async () => {
      try {
        do {
          again = false;
          await readAll();
        } while (again && !stream.closed);
      } catch (error) {
        ctx.settings.reportError(error, ctx.req);
        stream.close();
      } finally {
        pumping = false;
      }
    })();
  };
  unfollow = eventLog.follow({ wake });
  if (stream.closed) unfollow();
  wake();
}

/** The stream of a store that cannot watch: this process's live events, after a replay. */
async function streamEmitter(ctx: RouteContext, resume: Resume | undefined, callIdFilter: string | undefined): Promise<void> {
  const { scheduler } = ctx.settings;
  const held: Emission[] = [];
  const listeners = new Map<CallRouterEventName, (payload: CallEventPayload) => void>();
  let stopSeries = (): void => undefined;
  const unlisten = (): void => {
    stopSeries();
    for (const [name, listener] of listeners) scheduler.off(name, listener);
    listeners.clear();
    held.length = 0;
  };
  const opened: { stream?: SseStream } = {};
  let live = false;
  /**
   * Ids of the events the replay sent, so that their live emission (held back during the replay,
   * or arriving just after it) is not sent twice. Kept for the stream's life: it grows only with
   * the replay, never with live events.
   */
  const replayed = new Set<number>();
  const deliver = (emission: Emission): void => {
    if (replayed.has(emission.payload.event.id)) return;
    opened.stream?.send(emission.payload.event.cursor, emission.name, liveData(emission.payload));
  };
  // Listen before reading history, so that nothing falls between the two.
  for (const name of CALL_EVENT_NAMES) {
    const listener = (payload: CallEventPayload): void => {
      if (opened.stream?.closed === true) return;
      if (callIdFilter !== undefined && payload.call.id !== callIdFilter) return;
      if (live) deliver({ name, payload });
      else held.push({ name, payload });
    };
    listeners.set(name, listener);
    scheduler.on(name, listener);
  }
  let first: readonly CallEvent[] | undefined;
  try {
    if (resume !== undefined) first = await readPage(ctx, resume.cursor, resume, callIdFilter);
  } catch (error) {
    unlisten();
    throw error;
  }
  if (startHead(ctx)) {
    unlisten();
    return;
  }
  const open = new SseStream(ctx.res, { clock: scheduler.clock, heartbeatMs: ctx.settings.sseHeartbeatMs, onClose: unlisten });
  opened.stream = open;
  // series:* events are not in the store's log: sent live as they come (no SSE id), never replayed.
  if (!open.closed && callIdFilter === undefined) stopSeries = listenSeriesEvents(scheduler, (name, data) => open.sendUnnumbered(name, data));
  try {
    if (resume !== undefined) {
      let cursor = resume.cursor;
      for (;;) {
        const events = first ?? (await readPage(ctx, cursor, undefined, callIdFilter));
        first = undefined;
        const calls = callsOf(ctx, events);
        for (const event of events) {
          if (open.closed) return;
          const call = await calls.get(event.callId);
          if (open.closed) return;
          sendStored(open, event, call, true);
          replayed.add(event.id);
          cursor = event.cursor;
          await open.drained();
        }
        if (events.length < REPLAY_PAGE_SIZE) break;
      }
    }
    live = true;
    const pending = held.splice(0, held.length);
    for (const emission of pending) deliver(emission);
  } catch (error) {
    ctx.settings.reportError(error, ctx.req);
    open.close();
  }
}
