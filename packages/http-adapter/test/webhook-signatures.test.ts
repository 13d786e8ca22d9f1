import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { signWebhook, twilioSignature, verifyTwilioSignature } from '../src/index.js';
import { call, startHarness, type Harness } from './support/harness.js';

const TO = '+14155550123';

// Twilio's documented example (its request validation guide and the helper libraries' tests):
// auth token 12345, this URL and these POST parameters give this signature.
const TWILIO_TOKEN = '12345';
const TWILIO_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const TWILIO_PARAMS = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
const TWILIO_SIGNATURE = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

describe("Twilio's signature", () => {
  it("reproduces Twilio's documented example and refuses any change to it", () => {
    expect(twilioSignature(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS)).toBe(TWILIO_SIGNATURE);
    const verify = (overrides: Partial<Parameters<typeof verifyTwilioSignature>[0]>): boolean =>
      verifyTwilioSignature({ authTokens: [TWILIO_TOKEN], signature: TWILIO_SIGNATURE, url: TWILIO_URL, params: TWILIO_PARAMS, rawBody: undefined, ...overrides });
    expect(verify({})).toBe(true);
    // The parameters are sorted by name, whatever their order.
    expect(verify({ params: { To: '+18005551212', Digits: '1234', CallSid: 'CA1234567890ABCDE', From: '+14158675309', Caller: '+14158675309' } })).toBe(true);
    // Twilio may sign the URL with or without the default port.
    expect(verify({ url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2' })).toBe(true);
    // Any rotated token may have signed.
    expect(verify({ authTokens: ['other', TWILIO_TOKEN] })).toBe(true);
    expect(verify({ params: { ...TWILIO_PARAMS, Digits: '9999' } })).toBe(false);
    expect(verify({ params: { ...TWILIO_PARAMS, Extra: '' } })).toBe(false);
    expect(verify({ url: `${TWILIO_URL}&baz=3` })).toBe(false);
    expect(verify({ url: 'http://mycompany.com/myapp.php?foo=1&bar=2' })).toBe(false);
    expect(verify({ authTokens: ['54321'] })).toBe(false);
    expect(verify({ signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8' })).toBe(false);
    expect(verify({ signature: '' })).toBe(false);
  });
});

describe('POST /webhooks/call-status with signatures', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const PUBLIC_ORIGIN = 'https://calls.example.com';

  /** A harness whose one call has been dialed, with a snapshot of what the store holds about it. */
  async function dialedCall(router: NonNullable<Parameters<typeof startHarness>[0]['router']>, flavor: 'node' | 'express5' = 'node') {
    const harness = await startHarness({ flavor, ...(flavor === 'express5' ? { expressJson: true } : {}), router });
    h = harness;
    const scheduled = await harness.scheduler.schedule({ to: TO });
    await harness.clock.advance(10);
    const providerCallId = (await harness.scheduler.get(scheduled.id))?.providerCallId ?? '';
    expect(providerCallId).not.toBe('');
    const snapshot = async (): Promise<string> => JSON.stringify(await harness.scheduler.get(scheduled.id));
    return { harness, id: scheduled.id, providerCallId, snapshot, url: `${harness.api}/webhooks/call-status` };
  }

  const postJson = (url: string, body: string, headers: Record<string, string> = {}) =>
    call(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  it('X-Signature: accepts a signed, fresh push once; unsigned, tampered, stale, forged and replayed pushes change nothing', async () => {
    const { harness, providerCallId, snapshot, url } = await dialedCall({ webhook: { hmac: { secret: ['old-secret', 'shh'], toleranceMs: 60_000 } } });
    const before = await snapshot();
    const body = JSON.stringify({ providerCallId, status: 'ringing' });
    const now = harness.clock.now();
    const refusals = [
      await postJson(url, body),
      await postJson(url, JSON.stringify({ providerCallId, status: 'completed' }), signWebhook('shh', body, now)),
      await postJson(url, body, signWebhook('shh', body, now - 61_000)),
      await postJson(url, body, signWebhook('shh', body, now + 61_000)),
      await postJson(url, body, signWebhook('not-the-secret', body, now)),
      await postJson(url, body, { ...signWebhook('shh', body, now), 'x-signature': 'sha256=00' }),
    ];
    expect(refusals.map((r) => [r.status, r.body.code])).toEqual(Array.from({ length: 6 }, () => [401, 'UNAUTHORIZED']));
    expect(refusals.map((r) => r.body.detail)).toEqual([
      expect.stringMatching(/no x-signature/),
      'The signature does not match the body',
      expect.stringMatching(/outside the accepted window/),
      expect.stringMatching(/outside the accepted window/),
      'The signature does not match the body',
      expect.stringMatching(/must be sha256=/),
    ]);
    expect(await snapshot()).toBe(before);

    const signed = signWebhook('shh', body, now - 30_000);
    const accepted = await postJson(url, body, signed);
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('ringing');
    const after = await snapshot();
    expect(after).not.toBe(before);
    const replayed = await postJson(url, body, signed);
    expect([replayed.status, replayed.body.detail]).toEqual([401, 'This signature was already used']);
    expect(await snapshot()).toBe(after);
    // A push signed with the older secret of a rotation passes too.
    const byOld = JSON.stringify({ providerCallId, status: 'in-progress' });
    expect((await postJson(url, byOld, signWebhook('old-secret', byOld, now))).status).toBe(200);
    // Once the window has passed, the same signature is stale rather than remembered.
    await harness.clock.advance(31_000);
    expect((await postJson(url, body, signed)).body.detail).toMatch(/outside the accepted window/);
  });

  it('X-Twilio-Signature: accepts form pushes signed over the public URL and JSON pushes with bodySHA256; refuses tampered ones', async () => {
    const { providerCallId, snapshot, url } = await dialedCall({ webhook: { twilio: { authToken: 'tok', publicOrigin: PUBLIC_ORIGIN } } });
    const before = await snapshot();
    const publicUrl = `${PUBLIC_ORIGIN}/api/webhooks/call-status`;
    const params = { AccountSid: 'AC1', CallSid: providerCallId, CallStatus: 'ringing', Direction: 'outbound-api' };
    const signature = twilioSignature('tok', publicUrl, params);
    const postForm = (fields: Record<string, string>, headers: Record<string, string>) =>
      call(url, { method: 'POST', body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });

    const unsigned = await postForm(params, {});
    const tampered = await postForm({ ...params, CallStatus: 'completed' }, { 'x-twilio-signature': signature });
    const wrongHost = await postForm(params, { 'x-twilio-signature': twilioSignature('tok', `https://evil.example/api/webhooks/call-status`, params) });
    expect([unsigned, tampered, wrongHost].map((r) => r.status)).toEqual([401, 401, 401]);
    expect(unsigned.body.detail).toBe('The push has no X-Twilio-Signature header');
    expect(await snapshot()).toBe(before);

    const ok = await postForm(params, { 'x-twilio-signature': signature });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('ringing');

    const json = JSON.stringify({ providerCallId, status: 'completed', durationSeconds: 4 });
    const hash = createHash('sha256').update(json).digest('hex');
    const jsonUrl = `${publicUrl}?bodySHA256=${hash}`;
    const jsonSignature = twilioSignature('tok', jsonUrl);
    const mid = await snapshot();
    const badJson = await call(`${url}?bodySHA256=${hash}`, {
      method: 'POST',
      body: json.replace('"completed"', '"busy"'),
      headers: { 'content-type': 'application/json', 'x-twilio-signature': jsonSignature },
    });
    expect(badJson.status).toBe(401);
    expect(await snapshot()).toBe(mid);
    const goodJson = await postJson(`${url}?bodySHA256=${hash}`, json, { 'x-twilio-signature': jsonSignature });
    expect(goodJson.status).toBe(200);
    expect(goodJson.body.status).toBe('completed');
  });

  it('cannot check X-Signature when a body parser consumed the raw body, and says why', async () => {
    const { harness, providerCallId, snapshot, url } = await dialedCall({ webhook: { hmac: { secret: 'shh' } } }, 'express5');
    const before = await snapshot();
    const body = JSON.stringify({ providerCallId, status: 'ringing' });
    const res = await postJson(url, body, signWebhook('shh', body, harness.clock.now()));
    expect(res.status).toBe(401);
    expect(res.body.detail).toMatch(/raw body is gone/);
    expect(await snapshot()).toBe(before);
  });
});
