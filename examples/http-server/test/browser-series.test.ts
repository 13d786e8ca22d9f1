import type { CallSeriesJson } from '@call-scheduler/http-adapter';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBrowserPage, WAIT_MS, type BrowserPage } from './browser-page.js';

const NUMBER = '+12125550147';

let web: BrowserPage;
let page: Page;

async function apiSeries(id: string): Promise<CallSeriesJson> {
  const response = await fetch(`${web.running.url}api/series/${id}`);
  return (await response.json()) as CallSeriesJson;
}

/** The weekday and wall-clock time of an instant in New York, e.g. `Mon 09:00`. */
function newYorkTime(iso: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts['weekday']} ${parts['hour']}:${parts['minute']}`;
}

beforeAll(async () => {
  // A week's lead: a series creates its occurrence calls of the coming week at once, so that the
  // page has occurrence calls (and their statuses) to show without waiting for a real 09:00.
  web = await openBrowserPage({ env: { MOCK_TIME_FACTOR: '0.1' }, server: { scheduler: { series: { leadMs: 7 * 86_400_000 } } }, viewport: { width: 1280, height: 1000 } });
  page = web.page;
});

afterAll(async () => {
  await (web as BrowserPage | undefined)?.close();
});

describe('recurring calls on the web page in headless Chromium', () => {
  it('a custom cron pattern that is not one says so in the preview, before anything is saved', async () => {
    await page.locator('#repeat').selectOption('custom');
    expect(await page.locator('#cron-field').isVisible()).toBe(true);
    expect(await page.locator('.field.when').isVisible()).toBe(false);
    await page.locator('#cron').fill('0 9 * *');
    await expect.poll(() => page.locator('#repeat-preview-message').textContent(), { timeout: WAIT_MS }).toMatch(/^Cron pattern .+\.$/);
    expect(await page.locator('#repeat-preview-list li').count()).toBe(0);
    const list = await fetch(`${web.running.url}api/series`).then(async (r) => (await r.json()) as { items: unknown[] });
    expect(list.items).toEqual([]);
  });

  it('creates a weekday series after showing its next 5 calls on the recipient clocks', async () => {
    await page.locator('#to').fill(NUMBER);
    await page.locator('#repeat').selectOption('weekdays');
    expect(await page.locator('#schedule-button').textContent()).toBe('Schedule series');
    // Calling hours on and off again leave the form a series form.
    await page.locator('#more summary').click();
    await page.locator('#tcpa').check();
    await page.locator('#tcpa').uncheck();
    await page.locator('#more summary').click();
    expect(await page.locator('#schedule-button').textContent()).toBe('Schedule series');
    expect(await page.locator('.field.when').isVisible()).toBe(false);
    expect(await page.locator('#repeat-time').inputValue()).toBe('09:00');
    expect(await page.locator('#timeZone').inputValue()).toBe('America/New_York');
    const items = page.locator('#repeat-preview-list li');
    await expect.poll(() => items.count(), { timeout: WAIT_MS }).toBe(5);
    const instants = await items.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-at') ?? ''));
    // Five weekdays at 09:00 in New York, in order, none on a weekend.
    for (const at of instants) expect(newYorkTime(at)).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    expect([...instants].sort()).toEqual(instants);
    const texts = await items.allTextContents();
    for (const text of texts) expect(text).toMatch(/^(Mon|Tue|Wed|Thu|Fri), \w{3} \d+, \d{4}, 9:00 AM E[SD]T$/);
    expect(await page.locator('#repeat-preview-zone').textContent()).toBe("On the recipient's clocks: America/New_York.");
    await web.shot('series-01-preview');

    await page.locator('#schedule-button').click();
    const row = page.locator('li.series').first();
    await row.waitFor();
    await expect.poll(() => page.locator('#form-done').textContent(), { timeout: WAIT_MS }).toMatch(
      new RegExp(`^Scheduled a series: calls to \\${NUMBER}, weekdays at 09:00 in America/New_York\\. First: (Mon|Tue|Wed|Thu|Fri), .+ 9:00 AM E[SD]T\\.$`),
    );
    expect(await row.locator('.call-head .badge').textContent()).toBe('Active');
    expect(await row.locator('.rule').textContent()).toBe('Weekdays at 09:00 · America/New_York');
    expect(await row.locator('.when').textContent()).toMatch(/^Next call: (Mon|Tue|Wed|Thu|Fri), .+ 9:00 AM E[SD]T$/);
    // The new series' calls are open: each occurrence call with its status, or a note that none exists yet.
    expect(await row.locator('[data-action="occurrences"]').getAttribute('aria-expanded')).toBe('true');
    const occurrences = row.locator('.occurrence-list li.occurrence');
    await occurrences.first().waitFor();
    // With a week's lead, the series has its calls of the coming week: each scheduled, on a weekday at 09:00.
    const created = await occurrences.evaluateAll((nodes) => nodes.map((n) => [n.getAttribute('data-status'), n.querySelector('time')?.getAttribute('datetime') ?? '']));
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const [status, at] of created) {
      expect(status).toBe('scheduled');
      expect(newYorkTime(at)).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    }
    expect(await occurrences.first().locator('.badge').textContent()).toBe('Scheduled');
    // They are ordinary calls: the call list shows them as upcoming.
    await expect.poll(() => page.locator('.call-group[data-group="upcoming"] li.call').count(), { timeout: WAIT_MS }).toBe(created.length);
    // The form is back to one call.
    expect(await page.locator('#repeat').inputValue()).toBe('never');
    expect(await page.locator('#repeat-preview').isVisible()).toBe(false);
    await web.shot('series-02-created');

    const id = (await row.getAttribute('data-id'))!;
    const stored = await apiSeries(id);
    expect(stored).toMatchObject({ to: NUMBER, cron: '0 9 * * MON-FRI', timeZone: 'America/New_York', status: 'active' });
    expect(newYorkTime(stored.nextOccurrenceAt ?? stored.lastOccurrenceAt!)).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
  });

  it('pauses and resumes the series from its row', async () => {
    const row = page.locator('li.series').first();
    const id = (await row.getAttribute('data-id'))!;
    await row.locator('[data-action="pause"]').click();
    // The badge may change first, from the series:paused event; the row's note once the answer is in.
    await row.locator('.badge[data-status="paused"]').waitFor();
    expect(await row.locator('.when').textContent()).toBe('Paused: no calls until it is resumed.');
    const waiting = await row.locator('.occurrence-list li.occurrence').count();
    await expect
      .poll(() => row.locator('.row-done').textContent(), { timeout: WAIT_MS })
      .toBe(`Paused the series to ${NUMBER}. ${waiting === 1 ? 'Its waiting call was' : `Its ${waiting} waiting calls were`} canceled.`);
    // Its waiting calls were canceled with it: the series view shows each one canceled.
    await expect.poll(() => row.locator('.occurrence-list li.occurrence[data-status="canceled"]').count(), { timeout: WAIT_MS }).toBe(waiting);
    expect(await row.locator('[data-action="pause"]').isVisible()).toBe(false);
    // Focus moves to the button that undoes it.
    expect(await page.evaluate<string | null>("document.activeElement?.getAttribute('data-action') ?? null")).toBe('resume');
    expect((await apiSeries(id)).status).toBe('paused');
    await web.shot('series-03-paused');

    await row.locator('[data-action="resume"]').click();
    await row.locator('.badge[data-status="active"]').waitFor();
    await expect.poll(() => row.locator('.row-done').textContent(), { timeout: WAIT_MS }).toMatch(new RegExp(`^Resumed the series to \\${NUMBER}\\. Next call: (Mon|Tue|Wed|Thu|Fri), .+ 9:00 AM E[SD]T\\.$`));
    expect(await row.locator('.when').textContent()).toMatch(/^Next call: /);
    // The calls the pause canceled stay canceled; the series goes on after the latest of them.
    const after = await row.locator('.occurrence-list li.occurrence').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-status')));
    expect(after).toEqual(Array.from({ length: waiting }, () => 'canceled'));
    const resumed = await apiSeries(id);
    expect(resumed.status).toBe('active');
    const lastCanceled = await row.locator('.occurrence-list li.occurrence time').last().getAttribute('datetime');
    expect(Date.parse(resumed.nextOccurrenceAt!)).toBeGreaterThan(Date.parse(lastCanceled!));
    await web.shot('series-04-resumed');
  });

  it('ends the series after asking, and says why it ended', async () => {
    const row = page.locator('li.series').first();
    const id = (await row.getAttribute('data-id'))!;
    await row.locator('[data-action="end"]').click();
    expect(await row.locator('.confirm-question').textContent()).toBe(`End the series to ${NUMBER}? Its waiting call is canceled and no more calls are made.`);
    // The question takes focus to its safe answer; keeping it changes nothing.
    expect(await page.evaluate<string | null>("document.activeElement?.getAttribute('data-action') ?? null")).toBe('keep');
    await page.keyboard.press('Enter');
    expect(await row.locator('.confirm').isVisible()).toBe(false);
    expect((await apiSeries(id)).status).toBe('active');
    await row.locator('[data-action="end"]').click();
    await row.locator('[data-action="confirm-end"]').click();
    await row.locator('.call-head .badge[data-status="ended"]').waitFor();
    expect(await row.locator('.when').textContent()).toBe('Ended: no more calls.');
    for (const action of ['pause', 'resume', 'end']) expect(await row.locator(`[data-action="${action}"]`).isVisible()).toBe(false);
    expect(await apiSeries(id)).toMatchObject({ status: 'ended', endReason: 'canceled' });
    await web.shot('series-05-ended');
    expect(web.pageErrors).toEqual([]);
  });
});
