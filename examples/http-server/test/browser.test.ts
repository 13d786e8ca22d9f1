import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallJson, CallWithHistoryJson } from '@call-scheduler/http-adapter';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { startTestServer, tempDir } from './support.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'example-http-server');
/** Every wait for the page is bounded by this. */
const WAIT_MS = 15_000;

const NOW_NUMBER = '+14155550123';
const LATER_NUMBER = '+13125550199';

let dir: { path: string; remove: () => void } | undefined;
let running: RunningServer | undefined;
let browser: Browser | undefined;
let context: BrowserContext | undefined;
let page: Page;
const pageErrors: string[] = [];

async function shot(name: string, target: Page = page): Promise<void> {
  await target.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function apiCall(id: string): Promise<CallWithHistoryJson> {
  const response = await fetch(`${running!.url}api/calls/${id}`);
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

/** The row of the call to `number` (the newest one). */
function rowOf(number: string) {
  return page.locator('li.call', { has: page.locator('.number', { hasText: number }) }).first();
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser test needs Debian's chromium. Install it with "apt-get update && apt-get install -y chromium" (.ci/run does this in CI).`,
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  dir = tempDir();
  // Time factor 0.1: a call rings at 0.2 s, connects at 0.5 s and completes at 1 s. The server's
  // own polling, scaled to the factor (25 to 100 ms), sees each step.
  ({ running } = await startTestServer(dir.path, { MOCK_TIME_FACTOR: '0.1' }, { polling: 'server default' }));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'America/New_York' });
  context.setDefaultTimeout(WAIT_MS);
  page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(running.url, { waitUntil: 'load', timeout: WAIT_MS });
  await page.locator('#connection[data-state="live"]').waitFor({ timeout: WAIT_MS });
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await running?.close(2_000);
  dir?.remove();
});

describe('the web page in headless Chromium', () => {
  it('starts empty, with the browser time zone chosen', async () => {
    await expect.poll(() => page.locator('#empty').isVisible(), { timeout: WAIT_MS }).toBe(true);
    expect(await page.locator('#empty-title').textContent()).toBe('No calls yet');
    expect(await page.locator('#timeZone').inputValue()).toBe('America/New_York');
    expect(await page.locator('#schedule-button').textContent()).toBe('Call now');
    await shot('01-empty');
  });

  it('calls now and shows the badge go through ringing and connected to completed', async () => {
    // Record every status the badge shows, as it changes (the page updates from the SSE stream).
    await page.evaluate(RECORD_BADGES);

    await page.locator('#to').fill(NOW_NUMBER);
    await page.locator('#schedule-button').click();
    const row = rowOf(NOW_NUMBER);
    await row.waitFor();
    const id = (await row.getAttribute('data-id'))!;
    await row.locator('.badge[data-status="completed"]').waitFor({ timeout: WAIT_MS });
    await shot('02-call-completed');

    const seen = await page.evaluate<string[]>(`window.badgeLog[${JSON.stringify(id)}] ?? []`);
    const order = ['ringing', 'connected', 'completed'].map((status) => seen.indexOf(status));
    expect(seen, `badge statuses seen: ${seen.join(' → ')}`).toEqual(expect.arrayContaining(['ringing', 'connected', 'completed']));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(await row.locator('.badge').textContent()).toBe('Completed');
    expect(await page.locator('#form-done').textContent()).toContain(`Calling ${NOW_NUMBER} now`);

    const stored = await apiCall(id);
    expect(stored.status).toBe('completed');
    expect(stored.timeZone).toBe('America/New_York');
    expect(running!.mock?.dialsTo(NOW_NUMBER)).toHaveLength(1);
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
    await shot('03-call-details');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await page.evaluate('document.activeElement?.getAttribute("data-action")')).toBe('details');
  });

  it('schedules a call for a wall-clock time in another time zone, reschedules it, and cancels it', async () => {
    await page.locator('input[name="when"][value="later"]').check();
    expect(await page.locator('#schedule-button').textContent()).toBe('Schedule call');
    await page.locator('#timeZone').selectOption('America/Chicago');
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
    await shot('04-call-scheduled');

    await row.locator('button[data-action="reschedule"]').click();
    const input = row.locator('form.reschedule input');
    expect(await input.inputValue()).toBe('2030-01-15T09:30');
    expect(await page.evaluate('document.activeElement?.closest("form")?.className')).toBe('reschedule');
    await input.fill('2030-07-16T10:00'); // summer time: UTC-5
    await row.locator('form.reschedule button[type="submit"]').click();
    await expect.poll(async () => (await apiCall(id)).nextAttemptAt, { timeout: WAIT_MS }).toBe('2030-07-16T15:00:00.000Z');
    await expect.poll(() => row.locator('form.reschedule').isVisible()).toBe(false);

    await row.locator('button[data-action="cancel"]').click();
    await row.locator('.badge[data-status="canceled"]').waitFor();
    expect(await row.locator('button[data-action="cancel"]').isVisible()).toBe(false);
    expect((await apiCall(id)).status).toBe('canceled');
    expect(running!.mock?.dialsTo(LATER_NUMBER)).toHaveLength(0);
    await shot('05-call-canceled');
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
    await shot('06-no-match');
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
    await shot('07-invalid-number');
    // Only two calls exist: nothing was stored for the bad input.
    const list = (await (await fetch(`${running!.url}api/calls`)).json()) as { items: CallJson[] };
    expect(list.items).toHaveLength(2);
  });

  it('fits a phone-sized screen', async () => {
    const phone = await browser!.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'en-US', timezoneId: 'Europe/Berlin' });
    try {
      const small = await phone.newPage();
      small.on('pageerror', (e) => pageErrors.push(e.message));
      await small.goto(running!.url, { waitUntil: 'load', timeout: WAIT_MS });
      await small.locator('li.call').nth(1).waitFor({ timeout: WAIT_MS });
      expect(await small.locator('#timeZone').inputValue()).toBe('Europe/Berlin');
      const overflow = await small.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect(overflow).toBeLessThanOrEqual(0);
      await shot('08-phone', small);
    } finally {
      await phone.close();
    }
  });

  it('asks for the API key when the server wants one, and then works', async () => {
    const keyDir = tempDir();
    const keyed = await startTestServer(keyDir.path, { API_KEY: 'open-sesame-1234', MOCK_TIME_FACTOR: '0.1' });
    try {
      const keyPage = await context!.newPage();
      keyPage.on('pageerror', (e) => pageErrors.push(e.message));
      await keyPage.goto(keyed.running.url, { waitUntil: 'load', timeout: WAIT_MS });
      await keyPage.locator('#key-dialog').waitFor({ state: 'visible', timeout: WAIT_MS });
      expect(await keyPage.locator('#api-key-error').isVisible()).toBe(false);
      await keyPage.locator('#api-key').fill('not-the-key-9876');
      await keyPage.locator('#key-form button[type="submit"]').click();
      await keyPage.locator('#api-key-error').waitFor({ state: 'visible', timeout: WAIT_MS });
      await shot('09-api-key-refused', keyPage);
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
    expect(pageErrors).toEqual([]);
  });
});
