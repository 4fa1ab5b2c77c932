// test/demo/demo.test.ts: `ksnode demo --once` end to end, as CI and a newcomer run it: a devnet
// and four ksnode processes, three keysend payments from alice to carol, the summary, a clean stop.
// Asserts the exit code, what the summary says arrived, and that nothing is left behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';

const BIN = new URL('../../bin/ksnode.mjs', import.meta.url).pathname;

/**
 * Runs `ksnode demo` with `args`; `onOut` sees stdout as it grows and may act on the process
 * (send it a signal).
 */
function runDemo(
  args: string[],
  timeoutMs: number,
  onOut: (out: string, child: ReturnType<typeof spawn>) => void = () => {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KSNODE_')) env[k] = v;
    const child = spawn(process.execPath, [BIN, 'demo', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      onOut(out, child);
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
    });
    const timer = setTimeout(() => {
      // SIGTERM lets the demo stop its own children before it goes.
      child.kill('SIGTERM');
      reject(new Error(`ksnode demo did not finish in ${timeoutMs} ms\n${out}\n${err}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

test('ksnode demo --once: every payment arrives with its records, and everything stops', {
  timeout: 120_000,
}, async () => {
  const r = await runDemo(['--once'], 110_000);
  const report = `\n--- stdout ---\n${r.out}\n--- stderr ---\n${r.err}`;
  assert.equal(r.code, 0, report);
  assert.match(r.out, /3 of 3 payments arrived with their records/, report);
  // The setup happened for real: four nodes, four channels, a route learned from gossip.
  for (const name of ['alice', 'bob', 'carol', 'dave'])
    assert.match(r.out, new RegExp(`${name} is up: node [0-9a-f]{16}…`));
  assert.match(r.out, /opened 4 channels/);
  assert.match(
    r.out,
    /alice's graph learned the network from gossip; route to carol: alice → (bob|dave) → carol/,
  );
  // Each payment line and its summary row.
  assert.match(r.out, /✔ chat message: 21,000 sat via alice → (bob|dave) → carol, fee [\d.]+ sat, \d+ ms/);
  assert.match(r.out, /✔ podcast boost: 50,000 sat via alice → (bob|dave) → carol/);
  assert.match(r.out, /✔ plain keysend: 1,000 sat via alice → dave → carol/, 'the side path was taken');
  assert.doesNotMatch(r.out, /✘/);
  const summary = r.out.slice(r.out.indexOf('Summary:'));
  assert.match(summary, /chat message +21,000 sat .* yes +4 +alice ✔/, 'records arrived, sender verified');
  assert.match(summary, /podcast boost +50,000 sat .* yes +1 +-/);
  assert.match(summary, /plain keysend +1,000 sat .* yes +0 +-/);
  // Carol's invoices with the decoded records.
  assert.match(r.out, /message: {2}"Hi Carol! This one is for the coffee\. — Alice"/);
  assert.match(r.out, /sender: {3}alice \([0-9a-f]{8}…[0-9a-f]{6}\), signature verified/);
  assert.match(r.out, /boost: {4}boost of "Keysend Radio" episode "Episode 42: payments without invoices"/);
  // A clean stop: no dashboards in --once mode, every node stopped, the demo directory removed.
  assert.doesNotMatch(r.out, /Dashboards/);
  assert.match(r.out, /every node stopped cleanly/);
  const dir = /ksnode processes \(alice, bob, carol, dave\) in (\S+)/.exec(r.out)?.[1];
  assert.ok(dir !== undefined, report);
  assert.equal(existsSync(dir), false, `${dir} should have been removed`);
});

test('ksnode demo rejects a bad --nodes before starting anything', { timeout: 30_000 }, async () => {
  const r = await runDemo(['--once', '--nodes', '2'], 25_000);
  assert.equal(r.code, 2);
  assert.match(r.err, /--nodes: expected 3 to 8, got "2"/);
  assert.equal(r.out, '');
});

test('ksnode demo stays up with its dashboards until Ctrl-C, then stops everything and exits 0', {
  timeout: 120_000,
}, async () => {
  let checked: Promise<void> | undefined;
  const r = await runDemo([], 110_000, (out, child) => {
    if (checked !== undefined || !out.includes('Ctrl-C stops everything')) return;
    checked = (async () => {
      try {
        // Every dashboard row: a URL on loopback and its admin token, which the node accepts.
        const rows = [
          ...out.matchAll(/^(alice|bob|carol|dave) +(http:\/\/127\.0\.0\.1:\d+\/) +([0-9a-f]{64})$/gm),
        ];
        assert.equal(rows.length, 4, out);
        for (const [, name, url, token] of rows) {
          const page = await fetch(url!);
          assert.equal(page.status, 200, `${name}'s dashboard at ${url} (the node must serve src/web)`);
          assert.match(await page.text(), /<html/i);
          const info = await fetch(`${url}v1/info`, { headers: { authorization: `Bearer ${token}` } });
          assert.equal(info.status, 200, `${name}'s admin token`);
          assert.equal(((await info.json()) as { alias: string }).alias, name);
        }
      } finally {
        child.kill('SIGINT');
      }
    })();
  });
  assert.ok(checked !== undefined, `the demo never reached its running state\n${r.out}\n${r.err}`);
  await checked;
  assert.equal(r.code, 0, `${r.out}\n${r.err}`);
  assert.match(r.err, /SIGINT: stopping everything/);
  assert.match(r.out, /stopping 4 nodes and the devnet\n.*every node stopped cleanly/);
  const dir = /ksnode processes \(alice, bob, carol, dave\) in (\S+)/.exec(r.out)?.[1];
  assert.ok(dir !== undefined && !existsSync(dir), 'the demo directory was removed');
});
