import { CallScheduler, ErrorCode, isCallSchedulerError, type CallSchedulerError } from '@call-scheduler/core';
import { FakeCallProvider, FakeClock } from '@call-scheduler/core/testing';
import { MemoryStore } from '@call-scheduler/store-memory';
import { describe, expect, it } from 'vitest';
import { createCallRouter, type CallRouterOptions } from '../src/index.js';

function newScheduler(): CallScheduler {
  const clock = new FakeClock('2026-03-02T09:00:00Z');
  return new CallScheduler({ store: new MemoryStore(), provider: new FakeCallProvider({ clock }), clock });
}

function refusal(options: unknown): CallSchedulerError {
  try {
    createCallRouter(options as CallRouterOptions);
  } catch (error) {
    expect(isCallSchedulerError(error)).toBe(true);
    expect((error as CallSchedulerError).code).toBe(ErrorCode.INVALID_INPUT);
    return error as CallSchedulerError;
  }
  throw new Error('createCallRouter accepted the options');
}

const paths = (options: unknown): string[] => refusal(options).issues.map((issue) => issue.path);

describe('createCallRouter options', () => {
  const scheduler = newScheduler();

  it('refuses bad options with INVALID_INPUT naming each one', () => {
    expect(paths({ scheduler: undefined })).toEqual(['scheduler']);
    expect(paths({ scheduler: { schedule: () => undefined } })).toEqual(['scheduler']);
    expect(paths({ scheduler, basePath: 'api' })).toEqual(['basePath']);
    expect(paths({ scheduler, bodyLimit: 0, sseHeartbeatMs: 2 ** 31 })).toEqual(['bodyLimit', 'sseHeartbeatMs']);
    expect(paths({ scheduler, cors: { origin: '*', credentials: true } })).toEqual(['cors.origin']);
    expect(paths({ scheduler, cors: { origin: 42 } })).toEqual(['cors.origin']);
    expect(paths({ scheduler, authorize: 'yes' })).toEqual(['authorize']);
    expect(paths({ scheduler, purge: { unprotected: 'yes' } })).toEqual(['purge.unprotected']);
    expect(paths({ scheduler, health: { maxOverdueMs: -1 } })).toEqual(['health.maxOverdueMs']);
    expect(paths({ scheduler, webhook: { hmac: { secret: '' } } })).toEqual(['webhook.hmac.secret']);
    expect(paths({ scheduler, webhook: { twilio: { authToken: 't', publicOrigin: 'calls.example.com/x' } } })).toEqual(['webhook.twilio.publicOrigin']);
    expect(paths({ scheduler, sseRereadMs: 1 })).toEqual(['sseRereadMs']);
    // A misspelt option is named instead of being ignored.
    expect(paths({ scheduler, bodylimit: 10 })).toEqual(['bodylimit']);
    expect(refusal({ scheduler, bodyLimit: 1.5 }).message).toMatch(/^Invalid createCallRouter options: bodyLimit/);
  });

  it('refuses a webhook route that nothing protects, unless told to serve it unsigned', () => {
    const open = refusal({ scheduler, webhook: true });
    expect(open.issues.map((issue) => issue.path)).toEqual(['webhook']);
    expect(open.message).toMatch(/anyone who can reach/);
    expect(paths({ scheduler, webhook: () => undefined })).toEqual(['webhook']);
    expect(paths({ scheduler, webhook: { unsigned: true, hmac: { secret: 's' } } })).toEqual(['webhook.unsigned']);
    const routes = (options: Omit<CallRouterOptions, 'scheduler'>): string[] => createCallRouter({ scheduler, ...options }).routes.map((r) => r.path);
    expect(routes({ webhook: { unsigned: true } })).toContain('/webhooks/call-status');
    expect(routes({ webhook: true, authorize: () => true })).toContain('/webhooks/call-status');
    expect(routes({ webhook: { hmac: { secret: 's' } } })).toContain('/webhooks/call-status');
    expect(routes({ webhook: { twilio: { authToken: ['old', 'new'], publicOrigin: 'https://calls.example.com' } } })).toContain('/webhooks/call-status');
    expect(routes({ webhook: false })).not.toContain('/webhooks/call-status');
  });

  it('serves POST /calls/purge only with an authorize hook or purge.unprotected', () => {
    const routes = (options: Omit<CallRouterOptions, 'scheduler'>): string[] =>
      createCallRouter({ scheduler, ...options }).routes.map((r) => `${r.method} ${r.path}`);
    expect(routes({})).not.toContain('POST /calls/purge');
    expect(routes({ purge: {} })).not.toContain('POST /calls/purge');
    expect(routes({ purge: { unprotected: true } })).toContain('POST /calls/purge');
    expect(routes({ authorize: () => true })).toContain('POST /calls/purge');
  });
});
