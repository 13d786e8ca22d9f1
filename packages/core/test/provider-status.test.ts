import { describe, expect, it } from 'vitest';
import { callStatusOf, normalizeProviderStatus, providerStatusRank } from '../src/index.js';

describe('normalizeProviderStatus', () => {
  it('maps the Call API and Twilio vocabularies, ignoring case and space', () => {
    expect(['initiated', 'RINGING', ' connected ', 'completed', 'queued', 'in-progress', 'busy', 'no-answer', 'failed', 'canceled', 'cancelled'].map(normalizeProviderStatus)).toEqual([
      'initiated',
      'ringing',
      'connected',
      'completed',
      'queued',
      'connected',
      'busy',
      'no-answer',
      'failed',
      'canceled',
      'canceled',
    ]);
  });

  it('treats anything else as unknown, including Object.prototype member names', () => {
    for (const word of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '', 'on-hold', 42, null, undefined, {}]) {
      expect(normalizeProviderStatus(word)).toBe('unknown');
    }
    expect(callStatusOf('unknown')).toBeNull();
    expect(providerStatusRank('unknown')).toBe(-1);
  });
});
