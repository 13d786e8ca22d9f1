import { isTerminalStatus, type Call, type CallScheduler, type CallSchedulerEvents } from '@call-scheduler/core';

/** Options of {@link attachEventLog}. */
export interface EventLogOptions {
  /** Where a line goes. @default console.log */
  readonly write?: (line: string) => void;
  /** Where a scheduler error goes. @default console.error */
  readonly writeError?: (line: string) => void;
  /** The time zone of the `HH:MM:SS` stamps. @default the machine's */
  readonly timeZone?: string;
}

/**
 * The short form of a call id: UUID v7 ids start with their creation time, so calls made in the
 * same minute share their first characters; the last eight tell them apart.
 */
export function shortId(id: string): string {
  return id.length > 8 ? `…${id.slice(-8)}` : id;
}

function clockTime(date: Date, timeZone: string | undefined): string {
  return new Intl.DateTimeFormat('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    ...(timeZone === undefined ? {} : { timeZone }),
  }).format(date);
}

function line(at: Date, call: Call, what: string, timeZone: string | undefined): string {
  return `${clockTime(at, timeZone)} call ${shortId(call.id)} ${call.to} ${what}`;
}

/**
 * Logs one line a person can read for every call event of `scheduler`, e.g.
 * `10:02:03 call …9c2e41d0 +14155550123 ringing (attempt 1)`, and every `scheduler:error`.
 * Returns a function that stops logging.
 */
export function attachEventLog(scheduler: CallScheduler, options: EventLogOptions = {}): () => void {
  const write = options.write ?? ((text: string) => console.log(text));
  const writeError = options.writeError ?? ((text: string) => console.error(text));
  const tz = options.timeZone;
  const attempt = (n: number | null): string => (n === null ? '' : ` (attempt ${n})`);
  const seriesLine = (series: { readonly id: string; readonly to: string }, text: string): void =>
    write(`${clockTime(new Date(scheduler.clock.now()), tz)} series ${shortId(series.id)} to ${series.to}: ${text}`);

  const handlers = {
    'call:scheduled': ({ call, event }) => write(line(event.at, call, `scheduled for ${call.at.toISOString()}`, tz)),
    'call:rescheduled': ({ call, event }) =>
      write(line(event.at, call, `rescheduled to ${(call.nextAttemptAt ?? call.at).toISOString()}`, tz)),
    'call:dispatching': ({ call, event, attempt: n }) => write(line(event.at, call, `dialing${attempt(n)}`, tz)),
    'call:status': ({ call, event, attempt: n, status, previousStatus, providerStatus }) => {
      if (status === previousStatus && providerStatus !== status) {
        write(line(event.at, call, `provider said "${providerStatus}", still ${status}${attempt(n)}`, tz));
      } else if (status !== previousStatus && !isTerminalStatus(status)) {
        // A final status is logged once, by call:completed, call:failed or call:retrying.
        write(line(event.at, call, `${status}${attempt(n)}`, tz));
      }
    },
    'call:completed': ({ call, event }) => write(line(event.at, call, `completed${attempt(event.attempt)}`, tz)),
    'call:failed': ({ call, event, error }) =>
      write(line(event.at, call, `${call.status}${attempt(event.attempt)}: ${error.code} ${error.message}`, tz)),
    'call:retrying': ({ call, event, outcome, nextAttemptAt, attempt: n }) =>
      write(line(event.at, call, `${outcome}${attempt(n)}, next attempt at ${nextAttemptAt.toISOString()}`, tz)),
    'call:canceled': ({ call, event }) => write(line(event.at, call, 'canceled', tz)),
    'call:expired': ({ call, event }) => write(line(event.at, call, `expired${call.error ? `: ${call.error.message}` : ''}`, tz)),
    'call:recovered': ({ call, event }) => write(line(event.at, call, `recovered after a lost lease (now ${call.status})`, tz)),
    'series:scheduled': ({ series }) => seriesLine(series, `scheduled: ${series.cron} in ${series.timeZone}`),
    'series:occurrence': ({ series, call, missed }) => seriesLine(series, `${missed ? 'caught up' : 'created'} call ${shortId(call.id)} for ${call.at.toISOString()}`),
    'series:skipped': ({ series, first, last }) => seriesLine(series, `skipped missed occurrences ${first.toISOString()} to ${last.toISOString()}`),
    'series:paused': ({ series }) => seriesLine(series, 'paused'),
    'series:resumed': ({ series }) => seriesLine(series, 'resumed'),
    'series:changed': ({ series }) => seriesLine(series, `changed: ${series.cron} in ${series.timeZone}`),
    'series:ended': ({ series, reason }) => seriesLine(series, `ended (${reason})`),
    'scheduler:error': ({ error, operation, callId }) => {
      const message = error instanceof Error ? error.message : String(error);
      writeError(`${clockTime(new Date(scheduler.clock.now()), tz)} scheduler error during ${operation}${callId === undefined ? '' : ` (call ${shortId(callId)})`}: ${message}`);
    },
  } satisfies CallSchedulerEvents;

  for (const [name, handler] of Object.entries(handlers)) scheduler.on(name as keyof typeof handlers, handler as never);
  return () => {
    for (const [name, handler] of Object.entries(handlers)) scheduler.off(name as keyof typeof handlers, handler as never);
  };
}
