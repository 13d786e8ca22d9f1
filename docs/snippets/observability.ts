import { hostname } from 'node:os';
import { CallScheduler, type CallProvider, type CallStore } from '@call-scheduler/core';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';

/** A scheduler whose figures go to providers of its own instead of the global ones. */
export function createObservedScheduler(store: CallStore, provider: CallProvider, meterProvider: MeterProvider, tracerProvider: BasicTracerProvider): CallScheduler {
  const scheduler = new CallScheduler({ id: hostname(), store, provider, telemetry: { meterProvider, tracerProvider } });
  return scheduler;
}

/** The same scheduler with no instrumentation at all (nothing is recorded, the store is not wrapped). */
export function createQuietScheduler(store: CallStore, provider: CallProvider): CallScheduler {
  return new CallScheduler({ store, provider, telemetry: false });
}

/** Which host dialed a call, and why its outcome is unknown when it is. */
export async function whoDialed(scheduler: CallScheduler, callId: string): Promise<string[]> {
  const call = await scheduler.get(callId);
  if (call === undefined) return [];
  const lines = call.attempts.map((attempt) => `attempt ${attempt.number} dialed by ${attempt.schedulerId ?? 'unknown'}`);
  for (const event of call.events) {
    const data = event.data ?? {};
    if (event.type === 'recovered') lines.push(`taken over by ${JSON.stringify(data['owner'])} from ${JSON.stringify(data['previousOwner'])}`);
    if (data['reason'] !== undefined) lines.push(`outcome unknown: ${JSON.stringify(data['reason'])} (concluded by ${JSON.stringify(data['schedulerId'])})`);
  }
  return lines;
}
