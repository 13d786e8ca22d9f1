import type { Call, CallEvent, CallEventPayload } from '@call-scheduler/core';
import { CALL_ROUTER_EVENT_NAMES, type CallRouterEventName } from '../call-router-scheduler.js';
import { invalidInputProblem } from '../http/problem.js';
import { SseStream } from '../http/sse-stream.js';
import { parseOrProblem } from '../schemas/field-problems.js';
import { eventIdSchema, eventsQuerySchema } from '../schemas/request-schemas.js';
import { callToJson, eventToJson, toJsonValue } from '../schemas/to-json.js';
import { parseQuery, withoutUndefined } from './call-handlers.js';
import type { RouteContext } from './route-context.js';

/** Events read from history per `listEvents` call when resuming. */
export const REPLAY_PAGE_SIZE = 500;

interface Emission {
  readonly name: CallRouterEventName;
  readonly payload: CallEventPayload;
}

function liveData(payload: CallEventPayload): Record<string, unknown> {
  const { call, event, ...extras } = payload as CallEventPayload & Record<string, unknown>;
  return { ...(toJsonValue(extras) as Record<string, unknown>), call: callToJson(call), event: eventToJson(event) };
}

function resumeAfter(ctx: RouteContext, queryLastEventId: number | undefined): number | undefined {
  const header = ctx.req.headers['last-event-id'];
  if (Array.isArray(header)) {
    throw invalidInputProblem([{ path: 'headers.last-event-id', message: 'must be given once', rule: 'duplicate' }], 'headers');
  }
  if (header === undefined || header.trim() === '') return queryLastEventId;
  return parseOrProblem(eventIdSchema, header.trim(), 'Last-Event-ID header', 'headers.last-event-id');
}

/**
 * `GET /events`: every call event as Server-Sent Events (`id:` the event id, `event:` the scheduler
 * event name, `data:` `{ call, event, ...extras }`). With `Last-Event-ID` (or `?lastEventId=`) it
 * first replays the stored events after that id, then goes live without a gap or a duplicate:
 * it listens before it reads history, holds live events back during the replay, and drops those
 * the replay already sent.
 */
export async function streamEvents(ctx: RouteContext): Promise<void> {
  const query = parseQuery(ctx, eventsQuerySchema);
  const afterId = resumeAfter(ctx, query.lastEventId);
  const callIdFilter = query.callId;
  const { scheduler } = ctx.settings;

  if (ctx.req.method === 'HEAD') {
    ctx.res.statusCode = 200;
    ctx.res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    ctx.res.end();
    return;
  }

  const held: Emission[] = [];
  let live = false;
  let replayedUpTo = afterId ?? -1;
  const listeners = new Map<CallRouterEventName, (payload: CallEventPayload) => void>();
  const stream = new SseStream(ctx.res, {
    clock: scheduler.clock,
    heartbeatMs: ctx.settings.sseHeartbeatMs,
    onClose: () => {
      for (const [name, listener] of listeners) scheduler.off(name, listener);
      listeners.clear();
      held.length = 0;
    },
  });

  const deliver = (emission: Emission): void => {
    if (emission.payload.event.id <= replayedUpTo) return; // already sent by the replay
    stream.send(emission.payload.event.id, emission.name, liveData(emission.payload));
  };
  for (const name of CALL_ROUTER_EVENT_NAMES) {
    const listener = (payload: CallEventPayload): void => {
      if (stream.closed) return;
      if (callIdFilter !== undefined && payload.call.id !== callIdFilter) return;
      if (live) deliver({ name, payload });
      else held.push({ name, payload });
    };
    listeners.set(name, listener);
    scheduler.on(name, listener);
  }

  try {
    if (afterId !== undefined) {
      let cursor = afterId;
      for (;;) {
        if (stream.closed) return;
        const events = await scheduler.listEvents(withoutUndefined({ afterId: cursor, limit: REPLAY_PAGE_SIZE, callId: callIdFilter }));
        const calls = new Map<string, Promise<Call | undefined>>();
        for (const event of events) {
          if (stream.closed) return;
          if (event.id <= cursor) continue;
          let call = calls.get(event.callId);
          if (call === undefined) {
            call = scheduler.get(event.callId);
            calls.set(event.callId, call);
          }
          const current = await call;
          sendReplayed(stream, event, current);
          cursor = event.id;
          replayedUpTo = Math.max(replayedUpTo, event.id);
          await stream.drained();
        }
        if (events.length < REPLAY_PAGE_SIZE) break;
      }
    }
    live = true;
    const pending = held.splice(0, held.length);
    for (const emission of pending) deliver(emission);
  } catch (error) {
    ctx.settings.reportError(error, ctx.req);
    stream.close();
  }
}

function sendReplayed(stream: SseStream, event: CallEvent, call: Call | undefined): void {
  stream.send(event.id, `call:${event.type}`, {
    call: call === undefined ? null : callToJson(call),
    event: eventToJson(event),
    replayed: true,
  });
}
