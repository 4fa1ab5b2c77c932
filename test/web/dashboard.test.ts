// The dashboard in a real browser: Debian's chromium driven by playwright-core. Alice sends a keysend
// with a message from her page; it arrives live, from a verified sender, on Carol's page. Screenshots
// of both pages (and a phone-sized one) are saved under test-output/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { startHarness } from '../api/helpers.js';
import { launchChromium, logIn, OUTPUT, skip } from './browser.js';

test('dashboard: a keysend with a message sent from one page arrives live on the other', {
  skip,
  timeout: 60_000,
}, async () => {
  const h = await startHarness({ net: { attemptMs: 200 }, web: true });
  const profile = mkdtempSync(join(tmpdir(), 'ksnode-chromium-'));
  let context: BrowserContext | undefined;
  const problems: string[] = [];
  try {
    context = await launchChromium(profile);
    const alice = await context.newPage();
    const carol = await context.newPage();
    for (const [name, page] of [
      ['alice', alice],
      ['carol', carol],
    ] as const) {
      page.on('pageerror', (e) => problems.push(`${name}: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`${name} console: ${m.text()}`);
      });
    }
    const aliceApi = h.servers.get(h.alice)!;
    const carolApi = h.servers.get(h.carol)!;
    await logIn(alice, aliceApi.url, aliceApi.tokens.admin);
    // The recipient only watches: the read-only token is enough.
    await logIn(carol, carolApi.url, carolApi.tokens.readonly);

    // The read-only page watches: no send form, a badge instead.
    assert.equal(await carol.isVisible('#send-card'), false);
    assert.equal(await carol.textContent('#role'), 'read-only');
    assert.equal(await alice.isVisible('#role'), false);

    // Balances and channels came from the API.
    assert.equal(await alice.textContent('#balance-onchain'), '1,000,000 sat');
    // Callbacks run in the page; this project's TypeScript has no DOM types, hence the casts.
    const bar = await alice.$eval(
      '#channels li .bar .local',
      (el) => (el as unknown as { style: { width: string } }).style.width,
    );
    assert.equal(bar, '100%');
    await alice.waitForSelector('#graph svg g[data-node-id]');
    assert.equal(await alice.$$eval('#graph svg g[data-node-id]', (g) => g.length), 3);
    assert.equal(await carol.$$eval('#feed .feed-item', (l) => l.length), 0);

    // Alice sends to "carol" by alias, with a message and a boost.
    await alice.fill('#send-to', 'carol');
    await alice.fill('#send-amount', '1234');
    await alice.fill('#send-message', 'hello from alice ⚡');
    await alice.click('#send-card summary');
    await alice.fill('#send-boost', '{"action":"boost","app_name":"ksnode","sender_name":"Alice"}');
    await alice.click('#send-button');
    // Live progress: the attempt shows in flight before the payment completes.
    await alice.waitForSelector('#send-progress li.in_flight');
    const result = await alice.waitForSelector('#send-result');
    assert.match((await result.textContent()) ?? '', /^✓ delivered, fee 1\.123 sat$/);

    // Carol's page shows it without a reload: message, verified sender, amount, boost.
    const item = await carol.waitForSelector('#feed .feed-item');
    assert.equal(await item.$eval('.feed-message', (e) => e.textContent), 'hello from alice ⚡');
    assert.equal(await item.$eval('.feed-sender', (e) => e.className), 'feed-sender verified');
    assert.equal(await item.$eval('.feed-sender', (e) => e.textContent), '✓ alice');
    assert.equal(await item.$eval('.feed-amount', (e) => e.textContent), '1,234 sat');
    assert.match((await item.$eval('.boost', (e) => e.textContent)) ?? '', /boost from Alice via ksnode/);
    await carol.waitForFunction("document.querySelector('#balance-remote').textContent !== '0 sat'");

    // Alice's payment list shows it; opening it shows the attempt and its route.
    await alice.waitForSelector('#payments li[data-hash] .payment-status.succeeded');
    await alice.click('#payments li[data-hash] summary');
    const attempt = await alice.waitForSelector('#payments .attempts li.succeeded');
    assert.match(
      (await attempt.textContent()) ?? '',
      /^attempt 1 via bob → carol: succeeded, fee 1\.123 sat$/,
    );

    mkdirSync(OUTPUT, { recursive: true });
    await alice.screenshot({ path: join(OUTPUT, 'dashboard-alice.png'), fullPage: true });
    await carol.screenshot({ path: join(OUTPUT, 'dashboard-carol.png'), fullPage: true });

    // Phone width: one column, nothing wider than the screen.
    await carol.setViewportSize({ width: 375, height: 812 });
    const widths = (await carol.evaluate(
      "({ page: document.documentElement.scrollWidth, feed: document.querySelector('#feed-card').getBoundingClientRect().width })",
    )) as { page: number; feed: number };
    assert.ok(widths.page <= 375, `page is ${widths.page}px wide at 375px`);
    assert.ok(widths.feed > 300, `cards use the width (${widths.feed}px)`);
    await carol.screenshot({ path: join(OUTPUT, 'dashboard-phone.png'), fullPage: true });
    assert.ok(existsSync(join(OUTPUT, 'dashboard-phone.png')));

    assert.deepEqual(problems, []);
  } finally {
    await context?.close();
    await h.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
