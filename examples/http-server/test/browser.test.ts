import type { CallJson, CallWithHistoryJson } from '@call-scheduler/http-adapter';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowserPage, WAIT_MS, type BrowserPage } from './browser-page.js';
import { startTestServer, tempDir } from './support.js';


const NOW_NUMBER = '+14155550123';
const LATER_NUMBER = '+13125550199';

let web: BrowserPage;
let page: Page;

async function apiCall(id: string): Promise<CallWithHistoryJson> {
  const response = await fetch(`${web.running.url}api/calls/${id}`);
  return (await response.json()) as CallWithHistoryJson;
}

/**
 * Runs in the page (plain JavaScript: the test's TypeScript has no DOM types): records every
 * status each call's badge shows, in order, in `window.badgeLog[callId]`.
 */
const RECORD_BADGES = `(() => {
  const seen = (window.badgeLog = {});
  const note = (badge) => {
    const id = badge.closest('li.call')?.getAttribute('data-id');
    const status = badge.getAttribute('data-status');
    if (!id || !status) return;
    const list = (seen[id] ??= []);
    if (list[list.length - 1] !== status) list.push(status);
  };
  new MutationObserver((mutations) => {
    for (const mutation of mutations) {
      if (mutation.type === 'attributes' && mutation.target.matches('.badge')) note(mutation.target);
      for (const node of mutation.addedNodes) if (node.nodeType === 1) node.querySelectorAll('.badge').forEach(note);
    }
  }).observe(document.querySelector('#calls'), { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
})()`;

/** Runs in the page: records the time line (`.when`) each row shows while its call is live, in `window.liveWhen`. */
const RECORD_LIVE_WHEN = `(() => {
  const seen = (window.liveWhen = []);
  new MutationObserver(() => {
    for (const row of document.querySelectorAll('li.call')) {
      const status = row.getAttribute('data-status');
      if (['dispatching', 'initiated', 'ringing', 'connected'].includes(status)) seen.push(status + ': ' + row.querySelector('.when').textContent);
    }
  }).observe(document.querySelector('#calls'), { subtree: true, childList: true, characterData: true, attributes: true });
})()`;

/** The row of the call to `number` (the newest one). */
function rowOf(number: string) {
  return page.locator('li.call', { has: page.locator('.number', { hasText: number }) }).first();
}

beforeAll(async () => {
  // Time factor 0.1: a call rings at 0.2 s, connects at 0.5 s and completes at 1 s. The server's
  // own polling, scaled to the factor (25 to 100 ms), sees each step.
  web = await openBrowserPage({ env: { MOCK_TIME_FACTOR: '0.1' }, server: { polling: 'server default' }, viewport: { width: 1280, height: 900 } });
  page = web.page;
});

afterAll(async () => {
  await (web as BrowserPage | undefined)?.close();
});

describe('the web page in headless Chromium', () => {
  it('starts empty, with the browser time zone chosen', async () => {
    await expect.poll(() => page.locator('#empty').isVisible(), { timeout: WAIT_MS }).toBe(true);
    expect(await page.locator('#empty-title').textContent()).toBe('No calls yet');
    expect(await page.locator('#timeZone').inputValue()).toBe('America/New_York');
    expect(await page.locator('#schedule-button').textContent()).toBe('Call now');
    await web.shot('01-empty');
  });

  it('calls now and shows the badge go through ringing and connected to completed', async () => {
    // Record every status the badge shows, as it changes (the page updates from the SSE stream).
    await page.evaluate(RECORD_BADGES);
    await page.evaluate(RECORD_LIVE_WHEN);

    await page.locator('#to').fill(NOW_NUMBER);
    await page.locator('#schedule-button').click();
    // While the call is live the form says so; the line goes once the call has ended (below).
    await expect.poll(() => page.locator('#form-done').textContent(), { timeout: WAIT_MS }).toContain(`Calling ${NOW_NUMBER} now`);
    const row = rowOf(NOW_NUMBER);
    await row.waitFor();
    const id = (await row.getAttribute('data-id'))!;
    await row.locator('.badge[data-status="completed"]').waitFor({ timeout: WAIT_MS });
    await expect.poll(() => page.locator('#form-done').textContent(), { timeout: WAIT_MS }).toBe('');
    await web.shot('02-call-completed');

    const seen = await page.evaluate<string[]>(`window.badgeLog[${JSON.stringify(id)}] ?? []`);
    const order = ['ringing', 'connected', 'completed'].map((status) => seen.indexOf(status));
    expect(seen, `badge statuses seen: ${seen.join(' → ')}`).toEqual(expect.arrayContaining(['ringing', 'connected', 'completed']));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(await row.locator('.badge').textContent()).toBe('Completed');
    // While it rang, the row kept the time it was scheduled for and its zone in view.
    const liveWhen = await page.evaluate<string[]>('window.liveWhen');
    expect(liveWhen.length).toBeGreaterThan(0);
    for (const line of liveWhen) expect(line).toMatch(/^\w+: Attempt 1 · scheduled for \w{3}, \w{3} \d+, \d{4}, \d+:\d{2} [AP]M E[SD]T in America\/New_York$/);
    // The form was cleared for the next call: the number is empty, "Now" chosen, no zone shown.
    expect(await page.locator('#to').inputValue()).toBe('');
    expect(await page.locator('#timeZone-field').isVisible()).toBe(false);
    // An ended call is listed under "Ended", with how long ago it ended.
    expect(await page.locator('.call-group[data-group="past"] li.call').count()).toBe(1);
    expect(await row.locator('.countdown').textContent()).toMatch(/^(just now|\d+ min ago)$/);

    const stored = await apiCall(id);
    expect(stored.status).toBe('completed');
    expect(stored.timeZone).toBe('America/New_York');
    expect(web.running.mock?.dialsTo(NOW_NUMBER)).toHaveLength(1);
  });

  it('opens a call with the keyboard to show its attempts and timeline', async () => {
    const row = rowOf(NOW_NUMBER);
    const details = row.locator('button[data-action="details"]');
    await details.focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('#call-dialog');
    await dialog.locator('.timeline li[data-type="completed"]').waitFor();
    expect(await page.locator('#dialog-title').textContent()).toBe(`Call to ${NOW_NUMBER}`);
    const timeline = await dialog.locator('.timeline li').allTextContents();
    const text = timeline.join('\n');
    for (const word of ['Scheduled', 'Dialing', 'Ringing', 'Connected', 'Provider reported “completed”, talk time 10 s', 'Call completed']) expect(text).toContain(word);
    expect(await dialog.locator('tbody tr').count()).toBe(1);
    expect(await dialog.locator('tbody tr td').nth(5).textContent()).toBe('10 s');
    // The provider's own figure is labelled as such; the connected time comes from the timeline
    // (the mock, 10 times faster here, connects at 0.5 s and completes at 1 s).
    expect(await dialog.locator('thead th').nth(5).textContent()).toBe("Talk time (provider's figure)");
    expect(await dialog.locator('thead th').nth(6).textContent()).toBe('Connected (timeline)');
    const connected = (await dialog.locator('tbody tr td').nth(6).textContent())!;
    expect(connected).toMatch(/^\d+(\.\d)? s$/);
    expect(Number.parseFloat(connected)).toBeGreaterThan(0);
    expect(Number.parseFloat(connected)).toBeLessThan(10);
    expect(text).toContain("talk time 10 s (the provider's figure)");
    await web.shot('03-call-details');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await page.evaluate('document.activeElement?.getAttribute("data-action")')).toBe('details');
  });

  it('schedules a call for a wall-clock time in another time zone, reschedules it, and cancels it', async () => {
    await page.locator('input[name="when"][value="later"]').check();
    expect(await page.locator('#schedule-button').textContent()).toBe('Schedule call');
    await page.locator('#timeZone').fill('America/Chicago');
    await page.locator('#timeZone').press('Tab');
    await page.locator('#to').fill(LATER_NUMBER);
    await page.locator('#at').fill('2030-01-15T09:30');
    await page.locator('#more summary').click();
    await page.locator('#tcpa').check();
    await page.locator('#retries').selectOption('2');
    await page.locator('#retryMinutes').fill('5');
    await page.locator('#schedule-button').click();
    const row = rowOf(LATER_NUMBER);
    await row.locator('.badge[data-status="scheduled"]').waitFor();
    const id = (await row.getAttribute('data-id'))!;
    // 09:30 in Chicago in January (UTC-6) is 15:30 UTC, converted in the browser.
    const stored = await apiCall(id);
    expect(stored).toMatchObject({ at: '2030-01-15T15:30:00.000Z', timeZone: 'America/Chicago', status: 'scheduled' });
    expect(stored.window?.mon).toEqual([{ start: '08:00', end: '21:00' }]);
    expect(Object.keys(stored.window ?? {})).toHaveLength(7);
    expect(stored.retry).toEqual({ busy: { delaysMs: [300_000], maxAttempts: 3 }, 'no-answer': { delaysMs: [300_000], maxAttempts: 3 } });
    expect(await row.locator('.when').textContent()).toContain('in America/Chicago');
    await web.shot('04-call-scheduled');

    await row.locator('button[data-action="reschedule"]').click();
    const input = row.locator('form.reschedule input');
    expect(await input.inputValue()).toBe('2030-01-15T09:30');
    expect(await page.evaluate('document.activeElement?.closest("form")?.className')).toBe('reschedule');
    await input.fill('2030-07-16T10:00'); // summer time: UTC-5
    await row.locator('form.reschedule button[type="submit"]').click();
    await expect.poll(async () => (await apiCall(id)).nextAttemptAt, { timeout: WAIT_MS }).toBe('2030-07-16T15:00:00.000Z');
    await expect.poll(() => row.locator('form.reschedule').isVisible()).toBe(false);
    // The row says what happened, in the call's zone, and what the time was before.
    const rescheduled = (await row.locator('.row-done').textContent())!;
    expect(rescheduled).toMatch(/^Rescheduled: the call to \+13125550199 is now due Tue, Jul 16, 2030, 10:00 AM CDT in America\/Chicago, in \d+ years \(was Tue, Jan 15, 2030, 9:30 AM CST in America\/Chicago\)\.$/);
    await web.shot('05a-call-rescheduled');

    // Cancel asks first; "Keep the call" keeps it.
    await row.locator('button[data-action="cancel"]').click();
    const confirm = row.locator('.confirm');
    await confirm.waitFor();
    expect(await confirm.locator('p').textContent()).toContain('It will not be dialed, and this cannot be undone.');
    expect(await page.evaluate('document.activeElement?.dataset.action')).toBe('keep');
    await web.shot('05b-cancel-asks');
    await row.locator('button[data-action="keep"]').click();
    expect(await confirm.isVisible()).toBe(false);
    expect((await apiCall(id)).status).toBe('scheduled');
    await row.locator('button[data-action="cancel"]').click();
    await row.locator('button[data-action="confirm-cancel"]').click();
    await row.locator('.badge[data-status="canceled"]').waitFor();
    expect(await row.locator('.row-done').textContent()).toBe(
      'Canceled: the call to +13125550199, due Tue, Jul 16, 2030, 10:00 AM CDT in America/Chicago, will not be dialed.',
    );
    expect(await row.locator('button[data-action="cancel"]').isVisible()).toBe(false);
    expect((await apiCall(id)).status).toBe('canceled');
    expect(web.running.mock?.dialsTo(LATER_NUMBER)).toHaveLength(0);
    await web.shot('05-call-canceled');
  });

  it('filters by status and searches by number', async () => {
    await page.locator('#filter-status').selectOption('canceled');
    await expect.poll(() => page.locator('li.call').count()).toBe(1);
    expect(await page.locator('li.call .number').textContent()).toBe(LATER_NUMBER);
    await page.locator('#filter-status').selectOption('completed');
    await expect.poll(() => page.locator('li.call .number').allTextContents()).toEqual([NOW_NUMBER]);
    await page.locator('#filter-status').selectOption('');
    await expect.poll(() => page.locator('li.call').count()).toBe(2);

    await page.locator('#search').fill('312 555');
    await expect.poll(() => page.locator('li.call .number').allTextContents()).toEqual([LATER_NUMBER]);
    await page.locator('#search').fill('999999');
    await page.locator('#empty').waitFor();
    expect(await page.locator('#empty-title').textContent()).toBe('No calls match');
    await web.shot('06-no-match');
    await page.locator('#search').fill('');
    await expect.poll(() => page.locator('li.call').count()).toBe(2);
  });

  it('shows the API error for an invalid number next to the field', async () => {
    await page.locator('input[name="when"][value="now"]').check();
    await page.locator('#to').fill('12345');
    await page.locator('#schedule-button').click();
    const error = page.locator('#to-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('Must be a valid phone number in international format, e.g. +14155550123.');
    expect(await page.locator('#to').getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate('document.activeElement?.id')).toBe('to');
    expect(await page.locator('#to').getAttribute('aria-describedby')).toContain('to-error');
    await web.shot('07-invalid-number');
    // Only two calls exist: nothing was stored for the bad input.
    const list = (await (await fetch(`${web.running.url}api/calls`)).json()) as { items: CallJson[] };
    expect(list.items).toHaveLength(2);
  });

  it('fits a phone-sized screen', async () => {
    const phone = await web.browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'en-US', timezoneId: 'Europe/Berlin' });
    try {
      const small = await phone.newPage();
      small.on('pageerror', (e) => web.pageErrors.push(e.message));
      await small.goto(web.running.url, { waitUntil: 'load', timeout: WAIT_MS });
      await small.locator('li.call').nth(1).waitFor({ timeout: WAIT_MS });
      expect(await small.locator('#timeZone').inputValue()).toBe('Europe/Berlin');
      const overflow = await small.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      await web.shot('08-phone', { page: small });
    } finally {
      await phone.close();
    }
  });

  it('searches by a number written as a person writes it, and a message does not move the filters', async () => {
    const sent: string[] = [];
    const onRequest = (request: { url: () => string }): void => {
      if (request.url().includes('/api/calls?')) sent.push(request.url());
    };
    page.on('request', onRequest);
    try {
      for (const typed of ['+1 312 555 0199', '+1 (312) 555-0199']) {
        await page.locator('#search').fill(typed);
        await expect.poll(() => sent.some((url) => url.includes(`to=${encodeURIComponent(typed)}`)), { timeout: WAIT_MS }).toBe(true);
        await expect.poll(() => page.locator('li.call .number').allTextContents()).toEqual([LATER_NUMBER]);
        expect(await page.locator('#search-error').textContent()).toBe('');
        expect(await page.locator('#search').getAttribute('aria-invalid')).toBeNull();
      }
      // The spaces and the plus sign reach the server as themselves, not as `+`.
      expect(sent.some((url) => url.includes('to=%2B1%20312%20555%200199'))).toBe(true);
      expect(sent.some((url) => /to=\+1\+/.test(url))).toBe(false);
      // Besides the newest page, the page asks for every call still to come (the schedule's part).
      expect(sent.some((url) => url.includes('status=dispatching%2Cinitiated%2Cringing%2Cconnected%2Cscheduled') && url.includes('to=%2B1%20312%20555%200199'))).toBe(true);
      await web.shot('10-search-as-typed');

      const boxes = async () =>
        Promise.all(['#filter-status', '#search', '#calls'].map(async (selector) => (await page.locator(selector).boundingBox())!));
      const before = await boxes();
      await page.locator('#search').fill('+999 999 999 99');
      await expect.poll(() => page.locator('#search-error').textContent(), { timeout: WAIT_MS }).toMatch(/phone number/);
      expect(await page.locator('#search').getAttribute('aria-invalid')).toBe('true');
      const after = await boxes();
      for (const [i, box] of after.entries()) expect({ x: box.x, y: box.y, height: i < 2 ? box.height : 0 }).toEqual({ x: before[i]!.x, y: before[i]!.y, height: i < 2 ? before[i]!.height : 0 });
      await web.shot('11-search-error-no-shift');
    } finally {
      page.off('request', onRequest);
      await page.locator('#search').fill('');
    }
    await expect.poll(() => page.locator('#search-error').textContent()).toBe('');
    await expect.poll(() => page.locator('li.call').count()).toBe(2);
  });

  it('offers a searchable zone list with UTC offsets, keeps the instant when the zone changes, and hides the zone for Now', async () => {
    expect(await page.locator('#timeZone-field').isVisible()).toBe(false); // "Now", no calling hours
    await page.locator('#more summary').click();
    await page.locator('#tcpa').check();
    expect(await page.locator('#timeZone-field').isVisible()).toBe(true); // calling hours are read in the zone
    await page.locator('#tcpa').uncheck();
    expect(await page.locator('#timeZone-field').isVisible()).toBe(false);
    await page.locator('#more summary').click();

    await page.locator('input[name="when"][value="later"]').check();
    expect(await page.locator('#timeZone-field').isVisible()).toBe(true);
    expect(await page.locator('#time-zones option[value="Asia/Tokyo"]').textContent()).toBe('UTC+09:00');
    expect(await page.locator('#time-zones option[value="America/New_York"]').textContent()).toMatch(/^UTC−0[45]:00 · yours$/);
    expect(await page.locator('#time-zones option[value="Asia/Tehran"]').textContent()).toBe('UTC+03:30');

    await page.locator('#timeZone').fill('Europe/Berlin');
    await page.locator('#timeZone').press('Tab');
    await page.locator('#at').fill('2030-01-15T01:40');
    await page.locator('#timeZone').fill('asia/tokyo'); // any case; the list's spelling is restored
    await page.locator('#timeZone').press('Tab');
    expect(await page.locator('#timeZone').inputValue()).toBe('Asia/Tokyo');
    // 01:40 in Berlin (UTC+1) is 09:40 in Tokyo (UTC+9): the same instant, and the page says so.
    expect(await page.locator('#at').inputValue()).toBe('2030-01-15T09:40');
    expect(await page.locator('#timeZone-note').textContent()).toBe(
      'Same moment, new clocks: Tue, Jan 15, 2030, 9:40 AM GMT+9 in Asia/Tokyo is Tue, Jan 15, 2030, 1:40 AM GMT+1 in Europe/Berlin.',
    );
    await web.shot('12-zone-keeps-instant');

    await page.locator('#timeZone').fill('Mars/Olympus');
    await page.locator('#timeZone').press('Tab');
    expect(await page.locator('#timeZone-error').textContent()).toBe(
      '“Mars/Olympus” is not a time zone of the list. Type a city, e.g. Chicago, and pick it; still Asia/Tokyo.',
    );
    expect(await page.locator('#timeZone').getAttribute('aria-invalid')).toBe('true');
    await page.locator('#to').fill(LATER_NUMBER);
    await page.locator('#schedule-button').click();
    expect(await page.locator('#timeZone-error').isVisible()).toBe(true); // nothing sent
    await web.shot('13-zone-unknown');
    const list = (await (await fetch(`${web.running.url}api/calls`)).json()) as { items: CallJson[] };
    expect(list.items).toHaveLength(2);
  });

  it('says when the calling hours move a call, and resets the form after scheduling', async () => {
    await page.locator('#timeZone').fill('America/Chicago');
    await page.locator('#timeZone').press('Tab');
    await page.locator('#to').fill('+1 212 555 0100');
    await page.locator('#at').fill('2030-01-15T23:30');
    await page.locator('#more summary').click();
    await page.locator('#tcpa').check();
    await page.locator('#schedule-button').click();
    await expect.poll(() => page.locator('#form-done').textContent(), { timeout: WAIT_MS }).toMatch(/^Calling hours moved this call/);
    expect(await page.locator('#form-done').textContent()).toMatch(
      /^Calling hours moved this call: Tue, Jan 15, 2030, 11:30 PM CST is outside the calling hours \(Every day 08:00–21:00 in America\/Chicago\), so the call to \+12125550100 is due Wed, Jan 16, 2030, 8:00 AM CST, in \d+ years: their next opening\.$/,
    );
    const row = rowOf('+12125550100');
    expect(await row.locator('.when').textContent()).toContain('moved by the calling hours from Tue, Jan 15, 2030, 11:30 PM CST');
    const stored = await apiCall((await row.getAttribute('data-id'))!);
    expect(stored.nextAttemptAt).toBe('2030-01-16T14:00:00.000Z');
    // The form is blank again: number, "Now", the browser's zone (hidden for "Now"), no calling hours.
    expect(await page.locator('#to').inputValue()).toBe('');
    expect(await page.locator('input[name="when"][value="now"]').isChecked()).toBe(true);
    expect(await page.locator('#tcpa').isChecked()).toBe(false);
    expect(await page.locator('#timeZone').inputValue()).toBe('America/New_York');
    expect(await page.locator('#timeZone-field').isVisible()).toBe(false);
    await web.shot('14-moved-by-calling-hours');

    // "Now" with calling hours, in a zone where it is night now: the zone shows (the hours are read
    // on its clocks), and the page says the call waits for the morning instead of "Calling ... now".
    const hourIn = (zone: string): number => Number(new Intl.DateTimeFormat('en-US', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(new Date()));
    const night = ['Pacific/Kiritimati', 'Asia/Tokyo', 'Asia/Dubai', 'Europe/London', 'America/New_York', 'America/Los_Angeles', 'Pacific/Honolulu', 'Pacific/Pago_Pago']
      .find((zone) => hourIn(zone) >= 22 || hourIn(zone) < 6)!;
    expect(night, 'one of these zones is between 22:00 and 06:00 at any moment').toBeDefined();
    await page.locator('#more summary').click();
    await page.locator('#tcpa').check();
    expect(await page.locator('#timeZone-field').isVisible()).toBe(true);
    await page.locator('#timeZone').fill(night);
    await page.locator('#timeZone').press('Tab');
    await page.locator('#to').fill('+1 212 555 0101');
    await page.locator('#schedule-button').click();
    await expect.poll(() => page.locator('#form-done').textContent(), { timeout: WAIT_MS }).toMatch(
      new RegExp(`^Calling hours moved this call: Now is outside the calling hours \\(Every day 08:00–21:00 in ${night}\\), so the call to \\+12125550101 is due .+ 8:00 AM .+, in .+: their next opening\\.$`),
    );
    const waiting = await apiCall((await rowOf('+12125550101').getAttribute('data-id'))!);
    expect(waiting.status).toBe('scheduled');
    expect(Date.parse(waiting.nextAttemptAt!)).toBeGreaterThan(Date.now() + 2 * 60 * 60_000);
    expect(web.running.mock?.dialsTo('+12125550101')).toHaveLength(0);
    await web.shot('14b-now-at-night-waits');
  });

  it('lists upcoming calls by due time with a countdown, ended ones latest first, and fits more than 7 at 1080p when compact', async () => {
    const now = Date.now();
    const offsetsMin = [60 * 24 * 3, 5, 45, 60 * 5, 60 * 24, 10, 60 * 24 * 30, 90];
    for (const [i, minutes] of offsetsMin.entries()) {
      const response = await fetch(`${web.running.url}api/calls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: `+1 212 555 01${String(i + 10)}`, at: new Date(now + minutes * 60_000 + 20_000).toISOString(), timeZone: 'America/New_York' }),
      });
      expect(response.status).toBe(201);
    }
    const upcoming = page.locator('.call-group[data-group="upcoming"] li.call');
    await expect.poll(() => upcoming.count(), { timeout: WAIT_MS }).toBe(10);
    const countdowns = await upcoming.locator('.countdown').allTextContents();
    expect(countdowns.slice(0, 4)).toEqual(['in 5 min', 'in 10 min', 'in 45 min', 'in 1 h 30 min']);
    expect(countdowns.at(-1)).toMatch(/^in \d+ years$/); // the 2030 call comes last
    const due = await upcoming.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-id')));
    const dueTimes = await Promise.all(due.map(async (id) => Date.parse((await apiCall(id)).nextAttemptAt!)));
    expect(dueTimes).toEqual([...dueTimes].sort((a, b) => a - b));
    // Ended calls: the latest first (the canceled call ended after the completed one).
    expect(await page.locator('.call-group[data-group="past"] li.call .number').allTextContents()).toEqual([LATER_NUMBER, NOW_NUMBER]);
    expect(await upcoming.first().locator('.when').textContent()).toMatch(/^Due \w{3}, \w{3} \d+, \d{4}, \d+:\d{2} [AP]M E[SD]T in America\/New_York$/);

    await page.setViewportSize({ width: 1920, height: 1080 });
    try {
      // Rows wholly in view (plain JavaScript in the page: the test's TypeScript has no DOM types).
      const fitting = async () =>
        page.evaluate<number>(
          "[...document.querySelectorAll('li.call')].filter((row) => { const box = row.getBoundingClientRect(); return box.height > 0 && box.bottom <= window.innerHeight; }).length",
        );
      await page.evaluate('window.scrollTo(0, 0)');
      const comfortable = await fitting();
      await web.shot('15-schedule-1080p', { fullPage: false });
      await page.locator('#density').click();
      expect(await page.locator('#density').getAttribute('aria-pressed')).toBe('true');
      const compact = await fitting();
      expect(compact, `rows in view at 1920x1080: ${comfortable} comfortable, ${compact} compact`).toBeGreaterThan(7);
      expect(compact).toBeGreaterThan(comfortable);
      await web.shot('16-schedule-1080p-compact', { fullPage: false });
      // The header lines up with the content column.
      const title = (await page.locator('.top h1').boundingBox())!;
      const heading = (await page.locator('#schedule-heading').boundingBox())!;
      expect(Math.abs(title.x - heading.x)).toBeLessThanOrEqual(1);
      await page.locator('#density').click();
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
    const title = (await page.locator('.top h1').boundingBox())!;
    const heading = (await page.locator('#schedule-heading').boundingBox())!;
    expect(Math.abs(title.x - heading.x)).toBeLessThanOrEqual(1);
  });

  it('keeps a gap between an error message and the button', async () => {
    await page.route('**/api/calls', (route) =>
      route.request().method() === 'POST'
        ? route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'The store is not answering; try again in a moment.' }) })
        : route.fallback(),
    );
    try {
      await page.locator('#to').fill(NOW_NUMBER);
      await page.locator('#schedule-button').click();
      const error = page.locator('#form-error');
      await error.waitFor();
      expect(await error.textContent()).toBe('The store is not answering; try again in a moment.');
      const box = (await error.boundingBox())!;
      const button = (await page.locator('#schedule-button').boundingBox())!;
      expect(button.y - (box.y + box.height)).toBeGreaterThanOrEqual(8);
      await web.shot('17-form-error-gap');
    } finally {
      await page.unroute('**/api/calls');
      await page.locator('#to').fill('');
    }
  });

  it('clears ended calls older than a chosen age, after asking', async () => {
    await page.locator('#purge-age').selectOption('3600000'); // older than 1 hour: none yet
    await page.locator('#purge-button').click();
    await page.locator('#purge-confirm').waitFor();
    await page.locator('#purge-yes').click();
    await expect.poll(() => page.locator('#purge-done').textContent(), { timeout: WAIT_MS }).toBe('No ended call was older than that: nothing was cleared.');
    expect(await page.locator('.call-group[data-group="past"] li.call').count()).toBe(2);

    await page.locator('#purge-age').selectOption('0'); // every ended call
    await page.locator('#purge-button').click();
    await page.locator('#purge-confirm').waitFor();
    expect(await page.locator('#purge-question').textContent()).toContain('Every ended call');
    expect(await page.locator('#purge-question').textContent()).toContain('2 of the calls shown');
    await web.shot('18-clear-asks');
    await page.locator('#purge-yes').click();
    await expect.poll(() => page.locator('#purge-done').textContent(), { timeout: WAIT_MS }).toMatch(/^Cleared 2 ended calls that ended before /);
    expect(await page.locator('.call-group[data-group="past"]').isVisible()).toBe(false);
    expect(await page.locator('.call-group[data-group="upcoming"] li.call').count()).toBe(10);
    const list = (await (await fetch(`${web.running.url}api/calls?limit=100`)).json()) as { items: CallJson[] };
    expect(list.items.map((call) => call.status).sort()).toEqual(Array.from({ length: 10 }, () => 'scheduled'));
    await web.shot('19-cleared');
  });

  it('asks for the API key when the server wants one, and then works', async () => {
    const keyDir = tempDir();
    const keyed = await startTestServer(keyDir.path, { API_KEY: 'open-sesame-1234', MOCK_TIME_FACTOR: '0.1' });
    try {
      const keyPage = await web.context.newPage();
      keyPage.on('pageerror', (e) => web.pageErrors.push(e.message));
      await keyPage.goto(keyed.running.url, { waitUntil: 'load', timeout: WAIT_MS });
      await keyPage.locator('#key-dialog').waitFor({ state: 'visible', timeout: WAIT_MS });
      expect(await keyPage.locator('#api-key-error').isVisible()).toBe(false);
      await keyPage.locator('#api-key').fill('not-the-key-9876');
      await keyPage.locator('#key-form button[type="submit"]').click();
      await keyPage.locator('#api-key-error').waitFor({ state: 'visible', timeout: WAIT_MS });
      await web.shot('09-api-key-refused', { page: keyPage });
      await keyPage.locator('#api-key').fill('open-sesame-1234');
      await keyPage.locator('#key-form button[type="submit"]').click();
      await keyPage.locator('#connection[data-state="live"]').waitFor({ timeout: WAIT_MS });
      await keyPage.locator('#empty').waitFor({ timeout: WAIT_MS });
      await keyPage.locator('#to').fill(NOW_NUMBER);
      await keyPage.locator('#schedule-button').click();
      await keyPage.locator('li.call .badge[data-status="completed"]').waitFor({ timeout: WAIT_MS });
      await keyPage.close();
    } finally {
      await keyed.running.close(2_000);
      keyDir.remove();
    }
  });

  it('raised no script errors', () => {
    expect(web.pageErrors).toEqual([]);
  });
});
