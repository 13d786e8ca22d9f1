// A custom Clock and a custom CallProvider written the way docs/writing-a-provider.md shows, using
// only the package's exported types.
import { MemoryStore } from '@call-scheduler/store-memory';
import { describe, expect, it } from 'vitest';
import {
  CallScheduler,
  ProviderError,
  normalizeProviderStatus,
  type CallProvider,
  type Clock,
  type PlaceCallRequest,
  type ProviderCallInfo,
  type ProviderRequestOptions,
  type TimerHandle,
} from '@call-scheduler/core';

/** A manual clock: time moves only when `tick` is called. */
class ManualClock implements Clock {
  #now = Date.parse('2026-03-01T12:00:00Z');
  #timers: { at: number; fn: () => void; id: number }[] = [];
  #id = 0;
  now(): number {
    return this.#now;
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.#id;
    this.#timers.push({ at: this.#now + ms, fn, id });
    return id;
  }
  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }
  async tick(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      const next = this.#timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (next === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    }
    this.#now = end;
  }
}

/** A provider whose calls connect at once and complete on the next status request. */
class InstantProvider implements CallProvider {
  readonly name = 'instant';
  readonly calls = new Map<string, number>();
  async placeCall(request: PlaceCallRequest, { signal }: ProviderRequestOptions): Promise<ProviderCallInfo> {
    if (signal.aborted) throw ProviderError.timeout();
    if (request.to.endsWith('0000')) throw ProviderError.rejected('Number not in service', { httpStatus: 400 });
    const id = `inst-${request.callId}-${request.attempt}`;
    this.calls.set(id, 0);
    return { providerCallId: id, status: normalizeProviderStatus('in-progress'), rawStatus: 'in-progress' };
  }
  async getCall(providerCallId: string): Promise<ProviderCallInfo> {
    if (!this.calls.has(providerCallId)) throw ProviderError.notFound(providerCallId);
    return { providerCallId, status: 'completed', rawStatus: 'completed', durationSeconds: 3 };
  }
}

describe('user-written Clock and CallProvider', () => {
  it('drive the scheduler through a whole call', async () => {
    const clock = new ManualClock();
    const provider = new InstantProvider();
    const scheduler = new CallScheduler({ clock, provider, store: new MemoryStore() });
    await scheduler.start();
    const ok = await scheduler.schedule({ to: '+14155550123', at: clock.now() + 60_000 });
    const rejected = await scheduler.schedule({ to: '+14155550000', at: clock.now() + 60_000 });
    await clock.tick(60_000);
    await clock.tick(1_000);
    expect((await scheduler.get(ok.id))?.status).toBe('completed');
    expect((await scheduler.get(rejected.id))?.error).toEqual({ code: 'PROVIDER_REJECTED', message: 'Number not in service' });
    await scheduler.stop();
  });
});
