/**
 * The timer witness of the pg-hosts lateness cases, in a process of its own beside the dialing
 * hosts (started by `cases.ts`): a bare `setTimeout`, re-armed to the next due time, firing the
 * case's due times as they are scheduled. It measures the machine's timer floor under the very
 * load the hosts dial under (the bare `timer` case measures it on a quiet machine).
 *
 * It writes `{"type":"ready"}` as one JSON line on stdout, then reads one due time (epoch ms, in
 * ascending order) per line on stdin until a line `stop`; then it writes
 * `{"type":"done","lateness":[...],"early":n}` (lateness in ms by the sub-millisecond wall clock,
 * early when `Date.now()` was still before the due time), as `bare-timer.ts` measures.
 */
import { createInterface } from 'node:readline';
import { calibrateWallClock } from '../../lib/wall-clock.js';

function send(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

const wallNow = calibrateWallClock();
const due: number[] = [];
const lateness: number[] = [];
let early = 0;
let next = 0;
let timer: NodeJS.Timeout | undefined;

function fire(): void {
  timer = undefined;
  const now = Date.now();
  for (let at = due[next]; at !== undefined && at <= now; at = due[next]) {
    lateness.push(wallNow() - at);
    if (Date.now() < at) early += 1;
    next += 1;
  }
  arm();
}

function arm(): void {
  const at = due[next];
  if (at !== undefined && timer === undefined) timer = setTimeout(fire, Math.max(0, at - Date.now()));
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const text = line.trim();
  if (text === 'stop') {
    if (timer !== undefined) clearTimeout(timer);
    lines.close();
    send({ type: 'done', lateness, early, unfired: due.length - next });
    return;
  }
  due.push(Number(text));
  arm();
});
send({ type: 'ready' });
