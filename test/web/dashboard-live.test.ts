// The dashboard in a real browser against real daemons: a devnet and three ksnode processes
// (alice → bob → carol, channels open, gossip learned, as `ksnode demo` sets them up), Debian's
// chromium driven by playwright-core. Alice sends a keysend to "carol" with a signed message and a
// boost from her page; it arrives live, from a verified sender, on Carol's read-only page.
// Screenshots of both pages are saved as test-output/live-alice.png and live-carol.png.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { DemoNetwork, setUpNetwork } from '../../src/cli/demo-network.js';
import { demoNetworkPlan } from '../../src/cli/demo-plan.js';
import { waitUntil } from '../../src/cli/demo-wait.js';
import { launchChromium, logIn, OUTPUT, skip } from './browser.js';

/** As `ksnode demo` runs its nodes: fast chain polling and gossip relay, so the network settles in seconds. */
const NODE_FLAGS = {
  'chain-poll-ms': '200',
  'gossip-flush-ms': '200',
  'min-depth': '3',
  'log-level': 'info',
};
/** Every setup wait's bound: the whole test must stay well under its 90 s. */
const SETUP_TIMEOUTS = {
  nodeReady: 20_000,
  funds: 15_000,
  channelOpen: 15_000,
  channelActive: 20_000,
  gossip: 20_000,
  stopGrace: 5_000,
};
const UI_TIMEOUT_MS = 15_000;

test('dashboard on real daemons: a keysend with a message sent from alice arrives live on carol', {
  skip,
  timeout: 90_000,
}, async () => {
  const root = mkdtempSync(join(tmpdir(), 'ksnode-web-live-'));
  const profile = mkdtempSync(join(tmpdir(), 'ksnode-chromium-'));
  let net: DemoNetwork | undefined;
  let context: BrowserContext | undefined;
  let ok = false;
  const problems: string[] = [];
  try {
    net = await DemoNetwork.start({ root, nodeFlags: NODE_FLAGS, timeouts: SETUP_TIMEOUTS });
    const plan = demoNetworkPlan(3);
    const { route } = await setUpNetwork(net, plan, 'carol', () => {});
    assert.deepEqual(
      route.hops.map((x) => net!.nameOf(x.nodeId)),
      ['bob', 'carol'],
    );
    const aliceNode = net.node('alice');
    const carolNode = net.node('carol');
    // Carol's page names the sender from her own graph: wait until gossip told her alice's alias.
    await waitUntil(
      "carol learning alice's node announcement",
      async () => {
        const r = await carolNode.call<{ nodes: { nodeId: string; alias?: string }[] }>(
          'GET',
          `/v1/graph/nodes?search=${aliceNode.nodeId}`,
        );
        return r.nodes.some((n) => n.nodeId === aliceNode.nodeId && n.alias === 'alice');
      },
      { timeoutMs: SETUP_TIMEOUTS.gossip, intervalMs: 100 },
    );
    // The recipient only watches: the read-only token from her data directory is enough.
    const carolReadonly = readFileSync(join(carolNode.dataDir, 'readonly.token'), 'utf8').trim();

    context = await launchChromium(profile);
    context.setDefaultTimeout(UI_TIMEOUT_MS);
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
    await logIn(alice, aliceNode.apiUrl, aliceNode.adminToken);
    await logIn(carol, carolNode.apiUrl, carolReadonly);

    assert.equal(await alice.textContent('#node-alias'), 'alice');
    assert.equal(await carol.textContent('#node-alias'), 'carol');
    assert.equal(await carol.isVisible('#send-card'), false);
    assert.equal(await carol.textContent('#role'), 'read-only');
    assert.equal(await alice.isVisible('#role'), false);
    // Alice's one channel, to bob, and the three nodes of the network in her graph.
    assert.equal(await alice.$$eval('#channels li[data-channel-id]', (l) => l.length), 1);
    await alice.waitForFunction("document.querySelectorAll('#graph svg g[data-node-id]').length === 3");
    assert.equal(await carol.$$eval('#feed .feed-item', (l) => l.length), 0);
    // A mark in carol's page that a reload would wipe out.
    await carol.evaluate('window.ksnodeTestMark = 42');

    // Alice sends to "carol" by alias, with a signed message and a boost.
    await alice.fill('#send-to', 'carol');
    await alice.fill('#send-amount', '1234');
    await alice.fill('#send-message', 'hello from alice ⚡');
    assert.equal(await alice.isChecked('#send-sign'), true, 'the message is signed by default');
    await alice.click('#send-card summary');
    await alice.fill('#send-boost', '{"action":"boost","app_name":"ksnode","sender_name":"Alice"}');
    await alice.click('#send-button');
    const result = await alice.waitForSelector('#send-result');
    assert.match((await result.textContent()) ?? '', /^✓ delivered, fee [\d,.]+ sat$/);

    // Carol's page shows it without a reload: message, verified sender, amount, boost.
    const item = await carol.waitForSelector('#feed .feed-item');
    // Added by the event stream (marked new), in the same page as before.
    assert.equal(await item.getAttribute('class'), 'feed-item new');
    assert.equal(await carol.evaluate('window.ksnodeTestMark'), 42);
    assert.equal(await item.$eval('.feed-message', (e) => e.textContent), 'hello from alice ⚡');
    assert.equal(await item.$eval('.feed-sender', (e) => e.className), 'feed-sender verified');
    assert.equal(await item.$eval('.feed-sender', (e) => e.textContent), '✓ alice');
    assert.equal(await item.$eval('.feed-amount', (e) => e.textContent), '1,234 sat');
    assert.match((await item.$eval('.boost', (e) => e.textContent)) ?? '', /boost from Alice via ksnode/);
    // Her channel balance follows: carol opened nothing, so her local side was empty until now.
    await carol.waitForFunction("document.querySelector('#balance-remote').textContent !== '0 sat'");

    // Alice's payment list shows it, routed through bob.
    await alice.waitForSelector('#payments li[data-hash] .payment-status.succeeded');
    // The same payment on both pages.
    assert.equal(
      await alice.getAttribute('#payments li[data-hash]', 'data-hash'),
      await item.getAttribute('data-hash'),
    );
    await alice.click('#payments li[data-hash] summary');
    const attempt = await alice.waitForSelector('#payments .attempts li.succeeded');
    assert.match(
      (await attempt.textContent()) ?? '',
      /^attempt 1 via bob → carol: succeeded, fee [\d,.]+ sat$/,
    );

    mkdirSync(OUTPUT, { recursive: true });
    await alice.screenshot({ path: join(OUTPUT, 'live-alice.png'), fullPage: true });
    await carol.screenshot({ path: join(OUTPUT, 'live-carol.png'), fullPage: true });
    assert.ok(existsSync(join(OUTPUT, 'live-alice.png')));
    assert.ok(existsSync(join(OUTPUT, 'live-carol.png')));

    assert.deepEqual(problems, []);
    ok = true;
  } catch (e) {
    if (net !== undefined)
      for (const n of net.nodes.values())
        console.error(`--- ${n.name} (log ${n.logFile}) ---\n${n.tail(15)}`);
    throw e;
  } finally {
    await context?.close();
    if (net !== undefined) {
      const stopped = await net.stop();
      for (const [name, outcome] of stopped)
        if (ok) assert.equal(outcome, 'stopped', `${name} stopped cleanly`);
    }
    rmSync(profile, { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  }
});
