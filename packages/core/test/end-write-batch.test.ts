import { MemoryStore } from '@call-scheduler/store-memory';
import { describe, expect, it } from 'vitest';
import { CallSchedulerError, ErrorCode, type CallStore, type CallUpdate, type UpdateResult } from '../src/index.js';
import { EndWriteBatch } from '../src/scheduler/end-write-batch.js';
import { FakeClock } from '../src/testing/index.js';
import { START, harness } from './harness.js';
import { cleanupAfterEach } from './support/cleanup-after-each.js';

// The writes that end calls wait, while more calls are about to end, so that the store commits
// them together; they never wait when nothing else is in flight, and never past their window.

const cleanup = cleanupAfterEach();

const completedAtOnce = { defaultBehavior: { steps: [{ afterMs: 0, status: 'completed' }] } };

/** A MemoryStore whose `updateCall`s are noted with the clock's time and the turn they were sent in. */
function notingStore(clock: () => number): { store: CallStore; sent: { at: number; turn: number; update: CallUpdate }[] } {
  const inner = new MemoryStore();
  const sent: { at: number; turn: number; update: CallUpdate }[] = [];
  let turn = 0;
  let turnNoted = false;
  const store = new Proxy(inner, {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      if (name !== 'updateCall') return (value as (...a: unknown[]) => unknown).bind(target);
      return (update: CallUpdate) => {
        // Writes sent before the next microtask checkpoint share a turn.
        if (!turnNoted) {
          turnNoted = true;
          turn += 1;
          queueMicrotask(() => {
            turnNoted = false;
          });
        }
        sent.push({ at: clock(), turn, update });
        return (value as (u: CallUpdate) => Promise<UpdateResult | undefined>).call(target, update);
      };
    },
  });
  return { store, sent };
}

/** An EndWriteBatch over a store that records each write and answers it when told. */
function batchOver(options: { windowMs?: number; maxWaiting?: number; moreEndsSoon?: () => boolean; inGap?: () => boolean } = {}) {
  const clock = new FakeClock(START);
  const sent: string[] = [];
  const answers = new Map<string, { resolve: (r: UpdateResult | undefined) => void; reject: (e: unknown) => void }>();
  const store = {
    updateCall: (update: CallUpdate) =>
      new Promise<UpdateResult | undefined>((resolve, reject) => {
        sent.push(update.id);
        answers.set(update.id, { resolve, reject });
      }),
  } as unknown as CallStore;
  let more = true;
  const batch = new EndWriteBatch({
    clock,
    store,
    windowMs: options.windowMs ?? 25,
    maxWaiting: options.maxWaiting ?? 50,
    moreEndsSoon: options.moreEndsSoon ?? (() => more),
    // By default the next local task is always close: no gap to send in.
    inGap: options.inGap ?? (() => false),
  });
  const update = (id: string): CallUpdate => ({ id, expect: { token: 1 }, set: {}, events: [] }) as unknown as CallUpdate;
  return { clock, batch, sent, answers, update, setMore: (value: boolean) => (more = value) };
}

describe('EndWriteBatch', () => {
  it('sends a write at once when no other call is about to end', async () => {
    const { batch, sent, update, setMore } = batchOver();
    setMore(false);
    void batch.write(update('a'));
    expect(sent).toEqual(['a']);
    expect(batch.waiting).toBe(0);
  });

  it('holds writes while more calls are about to end, and sends them together within the window', async () => {
    const { clock, batch, sent, update, answers } = batchOver({ windowMs: 25 });
    const a = batch.write(update('a'));
    await clock.advance(10);
    const b = batch.write(update('b'));
    expect(sent).toEqual([]);
    expect(batch.waiting).toBe(2);
    // The window runs from the first write that waited, not the last.
    await clock.advance(14);
    expect(sent).toEqual([]);
    await clock.advance(1);
    expect(sent).toEqual(['a', 'b']);
    expect(batch.waiting).toBe(0);
    // Each settles with its own store answer.
    const result = { call: { id: 'a' }, events: [] } as unknown as UpdateResult;
    answers.get('a')!.resolve(result);
    answers.get('b')!.resolve(undefined);
    await expect(a).resolves.toBe(result);
    await expect(b).resolves.toBeUndefined();
  });

  it('sends the waiting writes with the last one when no more calls are about to end', async () => {
    const { clock, batch, sent, update, setMore } = batchOver();
    void batch.write(update('a'));
    void batch.write(update('b'));
    await clock.advance(5);
    expect(sent).toEqual([]);
    setMore(false);
    void batch.write(update('c'));
    expect(sent).toEqual(['a', 'b', 'c']);
    // The window's timer was cleared: nothing more is sent when it would have fired.
    await clock.advance(100);
    expect(sent).toEqual(['a', 'b', 'c']);
  });

  it('sends a full batch at once', async () => {
    const { batch, sent, update } = batchOver({ maxWaiting: 3 });
    void batch.write(update('a'));
    void batch.write(update('b'));
    expect(sent).toEqual([]);
    void batch.write(update('c'));
    expect(sent).toEqual(['a', 'b', 'c']);
    void batch.write(update('d'));
    expect(sent).toEqual(['a', 'b', 'c']);
  });

  it('sends four or more waiting writes in a gap before the next local task', async () => {
    let gap = false;
    const { clock, batch, sent, update } = batchOver({ inGap: () => gap });
    void batch.write(update('a'));
    void batch.write(update('b'));
    void batch.write(update('c'));
    expect(sent).toEqual([]);
    // The fourth arrives in a gap: all four go.
    gap = true;
    void batch.write(update('c2'));
    expect(sent).toEqual(['a', 'b', 'c', 'c2']);
    // Four wait again, with no gap.
    gap = false;
    for (const id of ['d', 'e', 'f', 'g']) void batch.write(update(id));
    expect(sent).toHaveLength(4);
    // The next one arrives in a gap: all five go.
    gap = true;
    void batch.write(update('h'));
    expect(sent).toEqual(['a', 'b', 'c', 'c2', 'd', 'e', 'f', 'g', 'h']);
    await clock.advance(100);
    expect(sent).toHaveLength(9);
  });

  it('with windowMs 0 sends every write at once', async () => {
    const { batch, sent, update } = batchOver({ windowMs: 0 });
    void batch.write(update('a'));
    void batch.write(update('b'));
    expect(sent).toEqual(['a', 'b']);
  });

  it('a write the store refuses fails alone', async () => {
    const { batch, answers, update } = batchOver();
    const a = batch.write(update('a'));
    const b = batch.write(update('b'));
    batch.flush();
    answers.get('a')!.reject(new Error('disk full'));
    answers.get('b')!.resolve(undefined);
    await expect(a).rejects.toThrow('disk full');
    await expect(b).resolves.toBeUndefined();
  });
});

/** A started scheduler whose provider answers `completed` at once, on a store that notes its writes. */
async function started(options: { endWriteWindowMs?: number } = {}) {
  const ref: { clock?: FakeClock } = {};
  const { store, sent } = notingStore(() => ref.clock!.now());
  const h = harness({ store, providerOptions: completedAtOnce, ...options });
  ref.clock = h.clock;
  cleanup.stop(h.scheduler);
  await h.scheduler.start();
  return { ...h, sent };
}

describe('the scheduler groups the writes that end calls', () => {
  it('calls due close together end in a few store turns, each within the window of its dial', async () => {
    const { clock, scheduler, provider, sent } = await started();
    // 40 calls due 1 ms apart: claimed ahead and held, so that while one ends others are in flight
    // (and the next dial is never 2 ms away: no gap to send in).
    const calls = await scheduler.scheduleMany(Array.from({ length: 40 }, (_, i) => ({ to: `+1415555${String(2000 + i)}`, at: START + 100 + i })));
    await clock.advance(400);
    expect(provider.dials()).toBe(40);
    const ends = sent.filter((s) => s.update.set.status === 'completed');
    expect(ends).toHaveLength(40);
    const turns = new Set(ends.map((s) => s.turn));
    expect(turns.size).toBeLessThanOrEqual(6);
    expect(turns.size).toBeGreaterThan(1);
    // No end waited longer than the window after its call's time (dialed on time, answered at once).
    for (const [i, call] of calls.entries()) {
      const end = ends.find((s) => s.update.id === call.id)!;
      expect(end.at - (START + 100 + i)).toBeLessThanOrEqual(25);
    }
    for (const call of calls) expect((await scheduler.get(call.id))?.status).toBe('completed');
  });

  it('the waiting ends go in the first gap of 2 ms or more before the next held dial', async () => {
    const { clock, scheduler, provider, sent } = await started();
    // Two clusters of 8 calls 1 ms apart, 5 ms between them: the second is held while the first ends.
    const due = [...Array.from({ length: 8 }, (_, i) => START + 100 + i), ...Array.from({ length: 8 }, (_, i) => START + 112 + i)];
    const calls = await scheduler.scheduleMany(due.map((at, i) => ({ to: `+1415555${String(3000 + i)}`, at })));
    await clock.advance(200);
    expect(provider.dials()).toBe(16);
    const endAt = (id: string): number => sent.find((s) => s.update.id === id && s.update.set.status === 'completed')!.at;
    // The first cluster's ends go together at its last dial, in the gap before the second cluster.
    expect(calls.slice(0, 8).map((c) => endAt(c.id))).toEqual(Array(8).fill(START + 107));
    // The second's with its last (then nothing else is in flight).
    expect(calls.slice(8).map((c) => endAt(c.id))).toEqual(Array(8).fill(START + 119));
  });

  it('with endWriteWindowMs 0 every end is its own write, at its dial', async () => {
    const { clock, scheduler, provider, sent } = await started({ endWriteWindowMs: 0 });
    await scheduler.scheduleMany(Array.from({ length: 10 }, (_, i) => ({ to: `+1415555${String(2000 + i)}`, at: START + 100 + 2 * i })));
    await clock.advance(200);
    expect(provider.dials()).toBe(10);
    const ends = sent.filter((s) => s.update.set.status === 'completed');
    expect(new Set(ends.map((s) => s.turn)).size).toBe(10);
    expect(ends.map((s) => s.at - START)).toEqual(Array.from({ length: 10 }, (_, i) => 100 + 2 * i));
  });

  it('a call that ends alone is written at once', async () => {
    const { clock, scheduler, of, sent } = await started();
    const call = await scheduler.schedule({ to: '+14155552000', at: START + 100 });
    await clock.advance(100);
    expect((await scheduler.get(call.id))?.status).toBe('completed');
    expect(sent.filter((s) => s.update.set.status === 'completed').map((s) => s.at)).toEqual([START + 100]);
    expect(of(call.id).find((e) => e.name === 'call:completed')?.at).toBe(START + 100);
  });

  it('stop() sends the waiting writes at once: every call is ended when it resolves', async () => {
    const { clock, scheduler, provider } = harness({ providerOptions: completedAtOnce, endWriteWindowMs: 1000 });
    await scheduler.start();
    const calls = await scheduler.scheduleMany(Array.from({ length: 10 }, (_, i) => ({ to: `+1415555${String(2000 + i)}`, at: START + 100 + i })));
    await clock.advance(105);
    expect(provider.dials()).toBe(6);
    // Some ends wait for the calls still held; stopping must not wait for the window.
    await scheduler.stop();
    const statuses = await Promise.all(calls.map(async (c) => (await scheduler.get(c.id))?.status));
    expect(statuses.slice(0, 6)).toEqual(Array(6).fill('completed'));
    // The calls held and not dialed went back to the queue.
    expect(statuses.slice(6)).toEqual(Array(4).fill('scheduled'));
  });

  it('refuses an endWriteWindowMs outside 0..1000, naming it', () => {
    for (const bad of [-1, 1001, Number.NaN]) {
      let caught: unknown;
      try {
        harness({ endWriteWindowMs: bad });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(CallSchedulerError);
      expect((caught as CallSchedulerError).code).toBe(ErrorCode.INVALID_INPUT);
      expect((caught as Error).message).toContain('endWriteWindowMs');
    }
  });
});
