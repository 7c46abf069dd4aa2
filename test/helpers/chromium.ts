/**
 * Debian's headless Chromium driven over the DevTools protocol (playwright-core, never a downloaded browser), with
 * every console message, page error and request a page makes recorded, for tests of what a person would see.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';

/** The browser binary (`apt-get install chromium`); SNOWPATROL_CHROMIUM overrides it. */
export const CHROMIUM_PATH = process.env.SNOWPATROL_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Flags that keep Chromium from reaching out: on these machines its background connections are refused (and any
 * attempt to leave loopback is a fault of the test).
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why Chromium cannot be driven here, or undefined when it can. */
export function chromiumMissing(): string | undefined {
  if (!fs.existsSync(CHROMIUM_PATH)) return `no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`;
  try {
    require.resolve('playwright-core');
  } catch {
    return 'playwright-core is not installed (npm install)';
  }
  return undefined;
}

/** What happened while a page was open. */
export interface PageRecord {
  /** Console messages of type error, and uncaught page errors. */
  errors: string[];
  /** Every URL the page requested (the document included). */
  requests: string[];
  /** Requests that failed, with the reason. */
  failedRequests: string[];
}

/**
 * Open `url` in a fresh headless Chromium (new empty profile), run `fn` on the loaded page, and close everything.
 * Requests to anything but `file:` are aborted and recorded, so a page that tries to load from the network fails
 * its test rather than hanging or leaking.
 */
export async function withChromiumPage<T>(
  url: string,
  fn: (page: Page, record: PageRecord) => Promise<T>,
  viewport = { width: 1280, height: 900 },
): Promise<{ result: T; record: PageRecord }> {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'snowpatrol-chromium-'));
  const record: PageRecord = { errors: [], requests: [], failedRequests: [] };
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport,
      offline: true,
    });
    await context.route(/^(?!file:)/, (route) => route.abort('blockedbyclient'));
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (m.type() === 'error') record.errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => record.errors.push(`page error: ${e.message}`));
    page.on('request', (r) => record.requests.push(r.url()));
    page.on('requestfailed', (r) => record.failedRequests.push(`${r.url()}: ${r.failure()?.errorText ?? 'failed'}`));
    await page.goto(url, { waitUntil: 'load' });
    const result = await fn(page, record);
    return { result, record };
  } finally {
    await context?.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
