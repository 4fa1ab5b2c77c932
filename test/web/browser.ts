// What both dashboard tests share: Debian's chromium through playwright-core, and the login step.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));
// Without chromium a developer's run skips; CI installs it (.ci/run), so there the test must run.
export const skip =
  !existsSync(CHROMIUM) && !process.env.CI
    ? `${CHROMIUM} is not installed (apt-get install chromium)`
    : false;

/** Headless chromium with a fresh profile; flags that keep it off the (closed) network. */
export function launchChromium(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1200, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Logs a page in with a token and waits for the dashboard, its live stream and its channels. */
export async function logIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.fill('#login-token', token);
  await page.click('#login-button');
  await page.waitForSelector('#dashboard:not([hidden])');
  await page.waitForSelector('#stream-status.live');
  await page.waitForSelector('#channels li[data-channel-id]');
}
