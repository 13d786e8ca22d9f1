import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page, type ViewportSize } from 'playwright-core';
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
export const WAIT_MS = 15_000;

/** The example server and its page, open in headless Chromium. */
export interface BrowserPage {
  readonly running: RunningServer;
  readonly browser: Browser;
  /** The context of {@link BrowserPage.page}: en-US, in New York, every wait bounded by {@link WAIT_MS}. */
  readonly context: BrowserContext;
  /** The page, loaded and live on the server's event stream. */
  readonly page: Page;
  /** The errors the page (or another page that reports here) threw. */
  readonly pageErrors: string[];
  /**
   * Saves a screenshot of {@link BrowserPage.page} (or of `options.page`) as
   * `test-artifacts/example-http-server/<name>.png`: the whole page, or only what is in view when
   * `options.fullPage` is false.
   */
  shot(name: string, options?: { readonly page?: Page; readonly fullPage?: boolean }): Promise<void>;
  /** Closes the browser and the server, and removes the server's folder. */
  close(): Promise<void>;
}

/**
 * Starts a test server in a new temporary folder (`startTestServer` with `env` and `server`), opens
 * its page in headless Chromium at `viewport` and waits until the page is live. Fails with how to
 * install Chromium when it is missing; on any failure closes what it opened.
 */
export async function openBrowserPage(options: {
  readonly env: Record<string, string>;
  readonly server: Parameters<typeof startTestServer>[2];
  readonly viewport: ViewportSize;
}): Promise<BrowserPage> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser tests need Debian's chromium. Install it with "apt-get update && apt-get install -y chromium" (.ci/run does this in CI).`,
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const dir = tempDir();
  let running: RunningServer | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    await running?.close(2_000);
    dir.remove();
  };
  try {
    ({ running } = await startTestServer(dir.path, options.env, options.server));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, timeout: 30_000 });
    const context = await browser.newContext({ viewport: options.viewport, locale: 'en-US', timezoneId: 'America/New_York' });
    context.setDefaultTimeout(WAIT_MS);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(running.url, { waitUntil: 'load', timeout: WAIT_MS });
    await page.locator('#connection[data-state="live"]').waitFor({ timeout: WAIT_MS });
    const shot: BrowserPage['shot'] = async (name, { page: target = page, fullPage = true } = {}) => {
      await target.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });
    };
    return { running, browser, context, page, pageErrors, shot, close };
  } catch (error) {
    await close();
    throw error;
  }
}
