import { describe, expect, it } from 'vitest';
import { ErrorCode, isCallSchedulerError, type CallSchedulerError } from '@call-scheduler/core';
import { extractProviderMessage, parseCallApiWebhook, parseRetryAfter } from '@call-scheduler/core/http';

function invalid(body: unknown): CallSchedulerError {
  try {
    parseCallApiWebhook(body);
  } catch (error) {
    expect(isCallSchedulerError(error)).toBe(true);
    return error as CallSchedulerError;
  }
  throw new Error('expected INVALID_INPUT');
}

describe('parseCallApiWebhook', () => {
  it('accepts { call: CALL }, flat { id | call_id, status, duration } and Twilio fields', () => {
    const call = { id: 'c1', phone_number: '+14155550123', status: 'completed', created_at: 'x', updated_at: 'y', duration: 10 };
    expect(parseCallApiWebhook({ success: true, call })).toEqual({ providerCallId: 'c1', status: 'completed', durationSeconds: 10 });
    expect(parseCallApiWebhook({ id: 'c2', status: 'ringing' })).toEqual({ providerCallId: 'c2', status: 'ringing', durationSeconds: null });
    expect(parseCallApiWebhook({ call_id: ' c3 ', status: 'busy', duration: null })).toEqual({ providerCallId: 'c3', status: 'busy', durationSeconds: null });
    expect(parseCallApiWebhook({ CallSid: 'CA1', CallStatus: 'no-answer', CallDuration: '0' })).toEqual({
      providerCallId: 'CA1',
      status: 'no-answer',
      durationSeconds: 0,
    });
  });

  it('accepts { providerCallId, status, durationSeconds } (the one parser of the HTTP adapter too)', () => {
    expect(parseCallApiWebhook({ providerCallId: 'p1', status: 'completed', durationSeconds: 12 })).toEqual({
      providerCallId: 'p1',
      status: 'completed',
      durationSeconds: 12,
    });
    expect(parseCallApiWebhook({ providerCallId: 'p2', status: 'ringing' })).toEqual({ providerCallId: 'p2', status: 'ringing', durationSeconds: null });
    expect(invalid({ providerCallId: '', status: 'ringing' }).issues.map((i) => i.path)).toEqual(['providerCallId']);
    expect(invalid({ providerCallId: 'p3', status: 'completed', durationSeconds: -1 }).issues.map((i) => i.path)).toEqual(['durationSeconds']);
  });

  it('keeps an unknown status word as sent (the scheduler records it without moving the call)', () => {
    expect(parseCallApiWebhook({ id: 'c', status: 'on-hold' }).status).toBe('on-hold');
  });

  it('rejects bad pushes with INVALID_INPUT naming each field', () => {
    const paths = (body: unknown): string[] => invalid(body).issues.map((i) => i.path);
    expect(invalid('nope').code).toBe(ErrorCode.INVALID_INPUT);
    expect(invalid(null).message).toContain('must be a JSON object');
    expect(paths({ status: 'ringing' })).toEqual(['id']);
    expect(paths({ id: 'c', status: '' })).toEqual(['status']);
    expect(paths({ id: 'c', status: 'completed', duration: -1 })).toEqual(['duration']);
    expect(paths({ call: { status: 'ringing' } })).toEqual(['call.id']);
    expect(paths({ CallSid: 'CA1', CallStatus: 'completed', CallDuration: 'ten' })).toEqual(['CallDuration']);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');
  it('reads seconds (whole or fractional) and HTTP-dates', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 2 ', now)).toBe(2000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('gives null for a missing or unreadable header', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('-1', now)).toBeNull();
    expect(parseRetryAfter('later', now)).toBeNull();
  });
});

describe('extractProviderMessage', () => {
  it('prefers a JSON error or message field', () => {
    expect(extractProviderMessage('{"error":"phone_number is required"}', 'Bad Request')).toBe('phone_number is required');
    expect(extractProviderMessage('{"code":21211,"message":"Invalid To number"}', 'Bad Request')).toBe('Invalid To number');
    expect(extractProviderMessage('{"error":{"message":"nested"}}', 'x')).toBe('nested');
    expect(extractProviderMessage('{"other":1}', 'Bad Request')).toBe('{"other":1}');
  });
  it('reads an HTML page, decoding entities, and never returns tags', () => {
    expect(extractProviderMessage('<html><body><h1>Oops</h1><div>x &amp; y</div></body></html>', 'x')).toBe('Oops');
    expect(extractProviderMessage('<p>only &#39;p&#39; &#x41; &#9999999;</p>', 'x')).toBe("only 'p' A");
    expect(extractProviderMessage('<html></html>', 'Bad Gateway')).toBe('Bad Gateway');
  });
  it('falls back to the status text for an empty body and clips long text', () => {
    expect(extractProviderMessage('  \n', 'Service Unavailable')).toBe('Service Unavailable');
    expect(extractProviderMessage('a'.repeat(1000), 'x')).toHaveLength(300);
  });
});
