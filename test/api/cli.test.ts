// The `ksnode` client commands against the API server backed by the fake node.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { main } from '../../src/cli/main.js';
import { type Harness, startHarness } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startHarness({ net: { attemptMs: 5, confirmMs: 5 } });
});
after(async () => {
  await h.close();
});

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs `ksnode <args>` in this process against `node`'s API (with its admin token unless given). */
async function ksnode(node: 'alice' | 'bob' | 'carol', ...args: string[]): Promise<Run> {
  const server = h.servers.get(h[node])!;
  let out = '';
  let err = '';
  const auth = args.some((a) => a.startsWith('--token') || a === '--data-dir')
    ? []
    : ['--token', server.tokens.admin];
  const code = await main(['node', 'ksnode', ...args, '--api', server.url, ...auth], {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

describe('reading', () => {
  test('getinfo: a table by default, JSON with --json', async () => {
    const human = await ksnode('bob', 'getinfo');
    assert.equal(human.code, 0, human.err);
    assert.match(human.out, new RegExp(`^node id\\s+${h.bob.nodeIdHex}$`, 'm'));
    assert.match(human.out, /^channels\s+2 active, 0 pending$/m);
    const json = await ksnode('bob', 'getinfo', '--json');
    assert.equal(JSON.parse(json.out).alias, 'bob');
  });

  test('the token is found in --data-dir (admin.token first)', async () => {
    const r = await ksnode('carol', 'getinfo', '--json', '--data-dir', h.dataDirs.get(h.carol)!);
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).alias, 'carol');
  });

  test('channels show balances and a liquidity bar; peers, balance', async () => {
    const ch = await ksnode('bob', 'channels');
    assert.equal(ch.code, 0, ch.err);
    const carolLine = ch.out.split('\n').find((l) => l.startsWith('carol'))!;
    assert.match(carolLine, /open\s+1,000,000 sat\s+900,000 sat\s+\[#{18}\.{2}\]\s+100,000 sat/);
    assert.match(ch.out, /^total: local /m);
    const peers = await ksnode('bob', 'peers');
    assert.match(peers.out, /^alice\s+[0-9a-f]{66}\s+127\.0\.0\.1:9735\s+inbound/m);
    const bal = await ksnode('carol', 'balance', '--json');
    assert.equal(JSON.parse(bal.out).onchain.confirmedSat, '1000000');
  });
});

describe('keysend', () => {
  test('with a signed message, a record and a boost: progress on stderr, the result on stdout, exit 0', async () => {
    const r = await ksnode(
      'alice',
      'keysend',
      h.carol.nodeIdHex,
      '1000',
      '--message',
      'hi carol',
      '--sign',
      '--record',
      '696969=00ff',
      '--boost',
      '{"action":"boost","message":"love it"}',
      '--max-fee',
      '10',
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^sending 1,000 sat to carol: [0-9a-f]{64}$/m);
    assert.match(r.err, /^attempt 1 via 0[23][0-9a-f]{6}….* -> .* \(fee 1\.1 sat\): in flight$/m);
    assert.match(r.err, /^attempt 1 .*: succeeded$/m);
    assert.match(r.out, /^paid 1,000 sat to carol, fee 1\.1 sat$/m);
    const inv = await ksnode('carol', 'invoices', '--keysend', '--json', '--limit', '1');
    const got = JSON.parse(inv.out).invoices[0];
    assert.equal(got.app.message, 'hi carol');
    assert.equal(got.app.senderVerified, true);
    assert.equal(got.app.senderNodeId, h.alice.nodeIdHex);
    assert.equal(got.app.boost.message, 'love it');
    assert.equal(got.records['696969'], '00ff');
    const table = await ksnode('carol', 'invoices', '--keysend', '--limit', '1');
    assert.match(table.out, /settled\s+1,000 sat\s+keysend\s+\S+ ✓\s+hi carol/);
  });

  test('a retried payment shows each attempt as it happens', async () => {
    h.net.failNextAttempts = 1;
    const r = await ksnode('alice', 'keysend', h.carol.nodeIdHex, '2.5');
    assert.equal(r.code, 0, r.err);
    const attempts = r.err.split('\n').filter((l) => l.startsWith('attempt'));
    assert.equal(attempts.length, 4, r.err);
    assert.match(attempts[1]!, /^attempt 1 .*: failed at hop 1: temporary_channel_failure$/);
    assert.match(attempts[3]!, /^attempt 2 .*: succeeded$/);
    assert.match(r.out, /^paid 2\.5 sat to carol/m);
  });

  test('a failed payment exits 1; --json prints the payment', async () => {
    h.carol.acceptKeysend = false;
    try {
      const r = await ksnode('alice', 'keysend', h.carol.nodeIdHex, '1', '--allow-without-feature', '--json');
      assert.equal(r.code, 1);
      const p = JSON.parse(r.out);
      assert.equal(p.status, 'failed');
      assert.match(p.failureReason, /refused/);
      const refused = await ksnode('alice', 'keysend', h.carol.nodeIdHex, '1');
      assert.equal(refused.code, 1);
      assert.match(refused.err, /does not advertise keysend .*\[keysend_not_supported\]/);
    } finally {
      h.carol.acceptKeysend = true;
    }
  });

  test('--idempotency-key: the second run returns the first payment', async () => {
    const a = await ksnode('alice', 'keysend', h.bob.nodeIdHex, '7', '--idempotency-key', 'cli-1', '--json');
    const b = await ksnode('alice', 'keysend', h.bob.nodeIdHex, '7', '--idempotency-key', 'cli-1', '--json');
    assert.equal(a.code, 0, a.err);
    assert.equal(b.code, 0, b.err);
    assert.equal(JSON.parse(b.out).paymentHash, JSON.parse(a.out).paymentHash);
  });

  test('payments: the list, and one payment with its attempts', async () => {
    const list = await ksnode('alice', 'payments', '--limit', '3', '--json');
    const payments = JSON.parse(list.out);
    assert.equal(payments.length, 3);
    const one = await ksnode('alice', 'payments', payments[0].paymentHash);
    assert.equal(one.code, 0, one.err);
    assert.match(one.out, /^status\s+succeeded$/m);
    assert.match(one.out, /^attempt 1 via .*: succeeded$/m);
  });
});

describe('invoices, routes, fees, channels', () => {
  test('invoice on carol, pay from alice, lookupinvoice', async () => {
    const inv = await ksnode('carol', 'invoice', '12', '--description', 'tea', '--json');
    assert.equal(inv.code, 0, inv.err);
    const { bolt11, paymentHash } = JSON.parse(inv.out);
    const paid = await ksnode('alice', 'pay', bolt11);
    assert.equal(paid.code, 0, paid.err);
    assert.match(paid.out, /^paid 12 sat to carol/m);
    const look = await ksnode('carol', 'lookupinvoice', paymentHash);
    assert.match(look.out, /^state\s+settled$/m);
    assert.match(look.out, /^message\s+tea$/m);
    const twice = await ksnode('alice', 'pay', bolt11);
    assert.equal(twice.code, 1);
    assert.match(twice.err, /\[already_paid\]/);
  });

  test('route and fees', async () => {
    const r = await ksnode('alice', 'route', h.carol.nodeIdHex, '100');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^\\s+2\\s+${h.carol.nodeIdHex}\\s+\\d+x2x0\\s+100 sat\\s+0 sat`, 'm'));
    assert.match(r.out, /^total 101\.01 sat \(fee 1\.01 sat\), CLTV delta 80/m);
    const f = await ksnode('bob', 'fees', '--ppm', '250');
    assert.equal(f.code, 0, f.err);
    assert.match(f.out, /^\(defaults\)\s+1000 msat\s+250 ppm\s+40$/m);
    const none = await ksnode('alice', 'route', h.carol.nodeIdHex, '100', '--max-fee', '0.001');
    assert.equal(none.code, 1);
    assert.match(none.err, /\[no_route\]/);
  });

  test('connect, openchannel follows confirmations until open, closechannel', async () => {
    const c = await ksnode('alice', 'connect', `${h.carol.nodeIdHex}@${h.carol.address}`);
    assert.equal(c.code, 0, c.err);
    assert.match(c.out, /^connected to carol at 127\.0\.0\.1:\d+$/m);
    const o = await ksnode('alice', 'openchannel', h.carol.nodeIdHex, '100000');
    assert.equal(o.code, 0, o.err);
    assert.match(o.err, /^funding transaction [0-9a-f]{64}:0 broadcast$/m);
    assert.match(o.err, /^waiting for confirmations: 1\/3$/m);
    assert.match(o.err, /^channel open \(\d+x\d+x\d+\)$/m);
    const id = /^channel ([0-9a-f]{64}) is open$/m.exec(o.out)?.[1];
    assert.ok(id, o.out);
    const close = await ksnode('alice', 'closechannel', id!);
    assert.equal(close.code, 0, close.err);
    assert.match(close.out, /negotiating/);
  });

  test('openchannel --anchors asks for anchors, --static-remotekey for static_remotekey, neither for none', async () => {
    const types = h.alice.openedChannelTypes;
    const before = types.length;
    for (const flag of ['--anchors', '--static-remotekey', undefined]) {
      const args = [
        'openchannel',
        h.bob.nodeIdHex,
        '100000',
        '--no-wait',
        ...(flag !== undefined ? [flag] : []),
      ];
      const r = await ksnode('alice', ...args);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^funding transaction [0-9a-f]{64}:0 broadcast; channel [0-9a-f]{64}$/m);
    }
    assert.deepEqual(types.slice(before), ['anchors', 'static_remotekey', undefined]);
    const both = await ksnode(
      'alice',
      'openchannel',
      h.bob.nodeIdHex,
      '100000',
      '--anchors',
      '--static-remotekey',
    );
    assert.equal(both.code, 2);
    assert.match(both.err, /--anchors or --static-remotekey, not both/);
    assert.equal(types.length, before + 3);
  });

  test('subscribe --count prints events as they come', async () => {
    const sub = ksnode('carol', 'subscribe', '--types', 'invoice_settled', '--count', '1');
    await new Promise((r) => setTimeout(r, 150));
    const sent = await ksnode('alice', 'keysend', h.carol.nodeIdHex, '3', '--message', 'ping');
    assert.equal(sent.code, 0, sent.err);
    const r = await sub;
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^\d\d:\d\d:\d\d received 3 sat \(keysend\) from anonymous: "ping"$/m);
  });
});

describe('exit codes and help', () => {
  test('2 for bad usage or input, 3 for an unreachable daemon or a refused token', async () => {
    const badId = await ksnode('alice', 'keysend', 'nope', '1');
    assert.equal(badId.code, 2);
    assert.match(badId.err, /^ksnode keysend: expected a node id/m);
    const badRecord = await ksnode('alice', 'keysend', h.bob.nodeIdHex, '1', '--record', '5=zz');
    assert.equal(badRecord.code, 2);
    const apiSays400 = await ksnode('alice', 'keysend', h.bob.nodeIdHex, '1', '--max-cltv', '5000');
    assert.equal(apiSays400.code, 2);
    assert.match(apiSays400.err, /body\.maxCltv/);
    const missingArg = await ksnode('alice', 'keysend');
    assert.equal(missingArg.code, 2);
    const wrongToken = await ksnode('alice', 'getinfo', '--token', 'f'.repeat(64));
    assert.equal(wrongToken.code, 3);
    assert.match(wrongToken.err, /invalid token/);
    const readonly = await ksnode('alice', 'newaddress', '--token', h.servers.get(h.alice)!.tokens.readonly);
    assert.equal(readonly.code, 3);
    assert.match(readonly.err, /admin token/);
    let err = '';
    const down = await main(['node', 'ksnode', 'getinfo', '--api', 'http://127.0.0.1:1', '--token', 'x'], {
      out: () => {},
      err: (t) => {
        err += t;
      },
    });
    assert.equal(down, 3);
    assert.match(err, /cannot reach the daemon at http:\/\/127\.0\.0\.1:1/);
  });

  test('--help works for every command and lists the client options', async () => {
    const commands = [
      'getinfo',
      'connect',
      'disconnect',
      'peers',
      'openchannel',
      'channels',
      'closechannel',
      'newaddress',
      'balance',
      'sendonchain',
      'keysend',
      'pay',
      'invoice',
      'invoices',
      'lookupinvoice',
      'payments',
      'route',
      'fees',
      'subscribe',
    ];
    for (const c of commands) {
      let out = '';
      const code = await main(['node', 'ksnode', c, '--help'], {
        out: (t) => {
          out += t;
        },
        err: () => {},
      });
      assert.equal(code, 0, c);
      assert.match(out, new RegExp(`^Usage: ksnode ${c}`, 'm'), c);
      assert.match(out, /--api <url>/, c);
    }
    let out = '';
    await main(['node', 'ksnode', 'keysend', '--help'], { out: (t) => (out += t), err: () => {} });
    for (const flag of [
      '--message',
      '--sign',
      '--record',
      '--boost',
      '--max-fee',
      '--timeout',
      '--idempotency-key',
    ]) {
      assert.ok(out.includes(flag), flag);
    }
  });

  test('the ksnode binary: exit 0 against the daemon, 3 when it is down', async () => {
    const bin = fileURLToPath(new URL('../../bin/ksnode.mjs', import.meta.url));
    const server = h.servers.get(h.bob)!;
    const run = promisify(execFile);
    const ok = await run(process.execPath, [bin, 'getinfo', '--json'], {
      env: { ...process.env, KSNODE_API: server.url, KSNODE_TOKEN: server.tokens.readonly },
    });
    assert.equal(JSON.parse(ok.stdout).alias, 'bob');
    await assert.rejects(
      run(process.execPath, [bin, 'getinfo', '--api', 'http://127.0.0.1:1', '--token', 'x']),
      (e: { code: number; stderr: string }) => e.code === 3 && /cannot reach the daemon/.test(e.stderr),
    );
  });
});
