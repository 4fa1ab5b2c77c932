import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { ApiJson as J, type NodeFacade, startApiServer } from '../../src/api/index.js';
import { bytesToHex } from '../../src/crypto/index.js';
import { PODCAST_RECORD_TYPE, WHATSAT } from '../../src/onion/index.js';
import { FakeNetwork } from './fake-network.js';
import { call, type Harness, startHarness } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startHarness({ net: { attemptMs: 5, confirmMs: 5 } });
});
after(async () => {
  await h.close();
});

const api = (n: 'alice' | 'bob' | 'carol') => h.servers.get(h[n])!;

describe('tokens', () => {
  test('admin.token and readonly.token are created once, 0600, and reused on restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksnode-tokens-'));
    try {
      const net = new FakeNetwork();
      const node = net.addNode('dave');
      const s1 = await startApiServer({ facade: node, dataDir: dir, port: 0, webDir: false });
      await s1.close();
      for (const f of ['admin.token', 'readonly.token']) {
        const st = statSync(join(dir, f));
        assert.equal(st.mode & 0o777, 0o600, f);
        assert.match(readFileSync(join(dir, f), 'utf8'), /^[0-9a-f]{64}\n$/);
      }
      assert.notEqual(s1.tokens.admin, s1.tokens.readonly);
      assert.equal(readFileSync(join(dir, 'admin.token'), 'utf8').trim(), s1.tokens.admin);
      const s2 = await startApiServer({ facade: node, dataDir: dir, port: 0, webDir: false });
      await s2.close();
      assert.deepEqual(s2.tokens, s1.tokens);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('auth', () => {
  test('no token, a wrong token and a malformed header are 401 with a Bearer challenge', async () => {
    for (const token of [null, 'f'.repeat(64), api('bob').tokens.admin]) {
      const r = await call(api('alice'), 'GET', '/v1/info', { token });
      assert.equal(r.status, 401, String(token));
      assert.equal(r.json.error.code, 'unauthorized');
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    const bad = await call(api('alice'), 'GET', '/v1/info', {
      token: null,
      headers: { authorization: `Basic ${api('alice').tokens.admin}` },
    });
    assert.equal(bad.status, 401);
    assert.match(bad.json.error.message, /Bearer <token>/);
  });

  test('/v1/session says which token it is; HEAD needs a token too', async () => {
    assert.deepEqual((await call(api('alice'), 'GET', '/v1/session')).json, { role: 'admin' });
    assert.deepEqual((await call(api('alice'), 'GET', '/v1/session', { token: 'readonly' })).json, {
      role: 'readonly',
    });
    const head = await fetch(`${api('alice').url}/v1/info`, { method: 'HEAD' });
    assert.equal(head.status, 401);
  });

  test('the read-only token reads but may not act', async () => {
    const info = await call(api('alice'), 'GET', '/v1/info', { token: 'readonly' });
    assert.equal(info.status, 200);
    assert.equal(info.json.alias, 'alice');
    const send = await call(api('alice'), 'POST', '/v1/keysend', {
      token: 'readonly',
      body: { destination: h.bob.nodeIdHex, amountSat: 10 },
    });
    assert.equal(send.status, 403);
    assert.equal(send.json.error.code, 'forbidden');
    const addr = await call(api('alice'), 'POST', '/v1/onchain/address', { token: 'readonly', body: {} });
    assert.equal(addr.status, 403);
  });
});

describe('input validation', () => {
  const keysend = (body: unknown) => call(api('alice'), 'POST', '/v1/keysend', { body });

  test('400s name the field and say what was expected', async () => {
    const cases: [unknown, RegExp][] = [
      [{ destination: 'zz', amountSat: 1 }, /body\.destination: expected a node id: 66 hex characters/],
      [{ amountSat: 1 }, /body\.destination: required/],
      [{ destination: `02${'00'.repeat(32)}`, amountSat: 1 }, /body\.destination: .*not a valid compressed/],
      [
        { destination: h.bob.nodeIdHex, amountMsat: 'abc' },
        /body\.amountMsat: expected millisatoshis as a decimal string/,
      ],
      [{ destination: h.bob.nodeIdHex, amountMsat: 1.5 }, /body\.amountMsat/],
      [
        { destination: h.bob.nodeIdHex, amountMsat: '99999999999999999999' },
        /body\.amountMsat: millisatoshis must be at most/,
      ],
      [{ destination: h.bob.nodeIdHex }, /give exactly one of amountMsat and amountSat/],
      [{ destination: h.bob.nodeIdHex, amountSat: 1, extra: 1 }, /body: unknown field "extra"/],
      [
        { destination: h.bob.nodeIdHex, amountSat: 1, records: { abc: '00' } },
        /body\.records\.abc: record types are decimal/,
      ],
      [
        { destination: h.bob.nodeIdHex, amountSat: 1, records: { 65537: 'xyz' } },
        /body\.records\.65537: expected a record value/,
      ],
      [
        { destination: h.bob.nodeIdHex, amountSat: 1, outgoingChannel: '12' },
        /body\.outgoingChannel: expected a short channel id/,
      ],
      [{ destination: h.bob.nodeIdHex, amountSat: 1, signSender: true }, /body\.signSender: needs a message/],
      [{ destination: h.bob.nodeIdHex, amountSat: 1, timeoutSeconds: 0 }, /body\.timeoutSeconds/],
    ];
    for (const [body, re] of cases) {
      const r = await keysend(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.code, 'invalid_request');
      assert.match(r.json.error.message, re, JSON.stringify(body));
    }
  });

  test('query strings and path parameters are checked too', async () => {
    const q = await call(api('alice'), 'GET', '/v1/payments?limit=0');
    assert.equal(q.status, 400);
    assert.match(q.json.error.message, /query\.limit: expected an integer from 1 to 1000/);
    const unknown = await call(api('alice'), 'GET', '/v1/info?verbose=1');
    assert.match(unknown.json.error.message, /query: unknown field "verbose"/);
    const p = await call(api('alice'), 'GET', '/v1/payments/abcd');
    assert.equal(p.status, 400);
    assert.match(p.json.error.message, /path\.paymentHash: expected a payment hash: 64 hex characters/);
  });

  test('bodies: bad JSON is 400, a body over 64 KiB is 413, a non-JSON type is 415', async () => {
    const bad = await call(api('alice'), 'POST', '/v1/keysend', { rawBody: '{"destination":' });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /^body: not valid JSON/);
    const big = await call(api('alice'), 'POST', '/v1/keysend', {
      body: { destination: h.bob.nodeIdHex, amountSat: 1, message: 'x'.repeat(70_000) },
    });
    assert.equal(big.status, 413);
    assert.equal(big.json.error.code, 'body_too_large');
    const text = await call(api('alice'), 'POST', '/v1/keysend', {
      rawBody: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(text.status, 415);
    assert.equal(text.json.error.code, 'unsupported_media_type');
  });

  test('an unknown route is 404 and points at the document', async () => {
    const r = await call(api('alice'), 'GET', '/v1/nope');
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'route_not_found');
    assert.match(r.json.error.message, /openapi\.json/);
  });
});

describe('node, peers, channels, on-chain', () => {
  test('info, peers and channels with balances match the schemas', async () => {
    const info = await call(api('bob'), 'GET', '/v1/info');
    J.InfoJson.parse(info.json);
    assert.equal(info.json.nodeId, h.bob.nodeIdHex);
    assert.equal(info.json.numActiveChannels, 2);
    const peers = await call(api('bob'), 'GET', '/v1/peers');
    assert.deepEqual(peers.json.peers.map((p: { alias: string }) => p.alias).sort(), ['alice', 'carol']);
    const ch = await call(api('bob'), 'GET', '/v1/channels');
    J.ChannelListJson.parse(ch.json);
    const withCarol = ch.json.channels.find((c: { peerAlias: string }) => c.peerAlias === 'carol');
    assert.equal(withCarol.capacitySat, '1000000');
    assert.equal(withCarol.initiator, 'local');
    assert.equal(BigInt(withCarol.localBalanceMsat) + BigInt(withCarol.remoteBalanceMsat), 1_000_000_000n);
    assert.match(withCarol.shortChannelId, /^\d+x\d+x\d+$/);
    assert.equal(
      BigInt(ch.json.totals.localBalanceMsat),
      ch.json.channels.reduce(
        (s: bigint, c: { localBalanceMsat: string }) => s + BigInt(c.localBalanceMsat),
        0n,
      ),
    );
  });

  test('balance, new address, send on chain', async () => {
    const bal = await call(api('carol'), 'GET', '/v1/balance');
    J.BalanceJson.parse(bal.json);
    assert.equal(bal.json.onchain.confirmedSat, '1000000');
    const addr = await call(api('carol'), 'POST', '/v1/onchain/address', { body: {} });
    assert.match(addr.json.address, /^bcrt1q/);
    const sent = await call(api('carol'), 'POST', '/v1/onchain/send', {
      body: { address: addr.json.address, amountSat: '1000' },
    });
    assert.equal(sent.status, 200);
    J.SendOnChainJson.parse(sent.json);
    const both = await call(api('carol'), 'POST', '/v1/onchain/send', {
      body: { address: addr.json.address, amountSat: '1000', sendAll: true },
    });
    assert.equal(both.status, 400);
    const tooMuch = await call(api('carol'), 'POST', '/v1/onchain/send', {
      body: { address: addr.json.address, amountSat: '5000000' },
    });
    assert.equal(tooMuch.status, 422);
    assert.equal(tooMuch.json.error.code, 'insufficient_funds');
  });

  test('connect, open a channel (202, then confirmations), close it', async () => {
    const wrong = await call(api('alice'), 'POST', '/v1/peers', {
      body: { nodeId: h.carol.nodeIdHex, address: '127.0.0.1:1' },
    });
    assert.equal(wrong.status, 502);
    assert.equal(wrong.json.error.code, 'peer_unreachable');
    const badAddr = await call(api('alice'), 'POST', '/v1/peers', {
      body: { nodeId: h.carol.nodeIdHex, address: 'nowhere' },
    });
    assert.match(badAddr.json.error.message, /body\.address: expected host:port/);
    const ok = await call(api('alice'), 'POST', '/v1/peers', {
      body: { nodeId: h.carol.nodeIdHex, address: h.carol.address },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.connected, true);
    const open = await call(api('alice'), 'POST', '/v1/channels', {
      body: { nodeId: h.carol.nodeIdHex, amountSat: '200000' },
    });
    assert.equal(open.status, 202);
    J.OpenChannelJson.parse(open.json);
    const id = open.json.channelId;
    for (let i = 0; i < 100; i++) {
      const list = await call(api('alice'), 'GET', '/v1/channels');
      const c = list.json.channels.find((x: { channelId: string }) => x.channelId === id);
      if (c.status === 'open') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const list = await call(api('carol'), 'GET', '/v1/channels');
    const c = list.json.channels.find((x: { channelId: string }) => x.channelId === id);
    assert.equal(c.status, 'open');
    assert.equal(c.initiator, 'remote');
    assert.equal(c.confirmations, 3);
    // Txids leave the node in display order (the reverse of the bytes the node keeps), as explorers
    // and LDK print them.
    const fake = h.net.channels.find((x) => bytesToHex(x.channelId) === id)!;
    const display = bytesToHex(Uint8Array.from(fake.fundingTxid).reverse());
    assert.equal(open.json.fundingTxid, display);
    assert.equal(c.fundingTxid, display);
    const close = await call(api('alice'), 'POST', `/v1/channels/${id}/close`, { body: { force: true } });
    assert.equal(close.status, 202);
    assert.equal(close.json.closingTxid, bytesToHex(Uint8Array.from(fake.closingTxid!).reverse()));
    const again = await call(api('alice'), 'POST', `/v1/channels/${id}/close`, { body: {} });
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'channel_state');
    const disc = await call(api('alice'), 'DELETE', `/v1/peers/${h.carol.nodeIdHex}`);
    assert.deepEqual(disc.json, { ok: true });
    const disc2 = await call(api('alice'), 'DELETE', `/v1/peers/${h.carol.nodeIdHex}`);
    assert.equal(disc2.status, 404);
  });

  test('channelType: anchors or static_remotekey reach the node, absent stays absent, anything else is 400', async () => {
    const types = h.alice.openedChannelTypes;
    const before = types.length;
    const open = (channelType?: unknown) =>
      call(api('alice'), 'POST', '/v1/channels', {
        body: {
          nodeId: h.bob.nodeIdHex,
          amountSat: '100000',
          ...(channelType !== undefined ? { channelType } : {}),
        },
      });
    const anchors = await open('anchors');
    assert.equal(anchors.status, 202);
    const listed = await call(api('alice'), 'GET', '/v1/channels');
    J.ChannelListJson.parse(listed.json);
    const listedTypes = new Map(
      listed.json.channels.map((c: { channelId: string; channelType: string }) => [
        c.channelId,
        c.channelType,
      ]),
    );
    assert.equal(listedTypes.get(anchors.json.channelId), 'anchors');
    assert.ok([...listedTypes.values()].includes('static_remotekey'), 'the harness channels');
    assert.equal((await open('static_remotekey')).status, 202);
    assert.equal((await open()).status, 202);
    assert.deepEqual(types.slice(before), ['anchors', 'static_remotekey', undefined]);
    for (const bad of ['legacy', 'ANCHORS', 1, true]) {
      const r = await open(bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(r.json.error.code, 'invalid_request');
      assert.match(r.json.error.message, /body\.channelType: expected "static_remotekey" or "anchors"/);
    }
    assert.equal(types.length, before + 3, 'a refused request never reaches the node');
  });
});

describe('keysend and invoices', () => {
  test('a keysend with a signed message, records and a boost arrives byte-exact, verified, on the recipient', async () => {
    const r = await call(api('alice'), 'POST', '/v1/keysend', {
      body: {
        destination: h.carol.nodeIdHex,
        amountSat: 1000,
        message: 'hello carol ✓',
        signSender: true,
        records: { '696969': '00ff10', '18446744073709551615': '' },
        boost: { action: 'boost', app_name: 'ksnode', value_msat_total: 1000000, message: 'great show' },
        maxFeeMsat: '10000',
      },
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    J.PaymentJson.parse(r.json);
    assert.equal(r.json.status, 'succeeded');
    assert.equal(r.json.amountMsat, '1000000');
    assert.equal(r.json.feeMsat, '1100'); // bob: 1000 base + 100 ppm of 1,000,000 msat
    assert.equal(r.json.records['696969'], '00ff10');
    assert.equal(r.json.records['18446744073709551615'], '');
    // Kind and invoice from the payment's plan, the message from its Whatsat record.
    assert.equal(r.json.kind, 'keysend');
    assert.equal(r.json.bolt11, null);
    assert.equal(r.json.message, 'hello carol ✓');
    const listed = await call(api('alice'), 'GET', '/v1/payments?reversed=true&limit=1');
    assert.equal(listed.json.payments[0].message, 'hello carol ✓');

    const invs = await call(api('carol'), 'GET', '/v1/invoices?keysendOnly=true&reversed=true&limit=1');
    J.InvoiceListJson.parse(invs.json);
    const inv = invs.json.invoices[0];
    assert.equal(inv.paymentHash, r.json.paymentHash);
    assert.equal(inv.state, 'settled');
    assert.equal(inv.keysend, true);
    assert.equal(inv.amountReceivedMsat, '1000000');
    assert.equal(inv.app.message, 'hello carol ✓');
    assert.equal(inv.app.senderVerified, true);
    assert.equal(inv.app.senderNodeId, h.alice.nodeIdHex);
    assert.equal(inv.app.boost.message, 'great show');
    assert.equal(inv.app.boost.value_msat_total, 1000000);
    assert.equal(inv.records['696969'], '00ff10');
    assert.equal(
      inv.records[WHATSAT.message.toString()],
      bytesToHex(new TextEncoder().encode('hello carol ✓')),
    );
    assert.ok(inv.records[PODCAST_RECORD_TYPE.toString()]);
    const one = await call(api('carol'), 'GET', `/v1/invoices/${inv.paymentHash}`);
    assert.deepEqual(one.json, inv);

    const p = await call(api('alice'), 'GET', `/v1/payments/${r.json.paymentHash}`, { token: 'readonly' });
    J.PaymentJson.parse(p.json);
    assert.equal(p.json.attempts.length, 1);
    const route = p.json.attempts[0].route;
    assert.deepEqual(
      route.hops.map((x: { nodeId: string }) => x.nodeId),
      [h.bob.nodeIdHex, h.carol.nodeIdHex],
    );
    assert.equal(route.totalFeeMsat, '1100');
    assert.equal(route.hops[1].amtToForwardMsat, '1000000');
  });

  test('an unsigned message is shown unverified, with no sender', async () => {
    const r = await call(api('alice'), 'POST', '/v1/keysend', {
      body: { destination: h.bob.nodeIdHex, amountMsat: '5000', message: 'anon' },
    });
    assert.equal(r.json.status, 'succeeded');
    const inv = await call(api('bob'), 'GET', `/v1/invoices/${r.json.paymentHash}`);
    assert.equal(inv.json.app.message, 'anon');
    assert.equal(inv.json.app.senderVerified, false);
    assert.equal(inv.json.app.senderNodeId, undefined);
  });

  test('idempotency: the same key returns the same payment; other parameters are a 409', async () => {
    const body = { destination: h.bob.nodeIdHex, amountSat: 2, idempotencyKey: 'order-42' };
    const a = await call(api('alice'), 'POST', '/v1/keysend', { body });
    const b = await call(api('alice'), 'POST', '/v1/keysend', { body });
    assert.equal(a.json.status, 'succeeded');
    assert.equal(b.json.id, a.json.id);
    assert.equal(b.json.paymentHash, a.json.paymentHash);
    const c = await call(api('alice'), 'POST', '/v1/keysend', { body: { ...body, amountSat: 3 } });
    assert.equal(c.status, 409);
    assert.equal(c.json.error.code, 'idempotency_key_reused');
  });

  test('wait: false answers 202 in flight; the payment completes later', async () => {
    const r = await call(api('alice'), 'POST', '/v1/keysend', {
      body: { destination: h.carol.nodeIdHex, amountSat: 3, wait: false },
    });
    assert.equal(r.status, 202);
    assert.equal(r.json.status, 'in_flight');
    let status = 'in_flight';
    for (let i = 0; i < 100 && status === 'in_flight'; i++) {
      await new Promise((res) => setTimeout(res, 10));
      status = (await call(api('alice'), 'GET', `/v1/payments/${r.json.paymentHash}`)).json.status;
    }
    assert.equal(status, 'succeeded');
  });

  test('node refusals map to statuses: keysend not supported 422, reserved record type 400', async () => {
    h.carol.acceptKeysend = false;
    try {
      const r = await call(api('alice'), 'POST', '/v1/keysend', {
        body: { destination: h.carol.nodeIdHex, amountSat: 1 },
      });
      assert.equal(r.status, 422);
      assert.equal(r.json.error.code, 'keysend_not_supported');
      const forced = await call(api('alice'), 'POST', '/v1/keysend', {
        body: { destination: h.carol.nodeIdHex, amountSat: 1, allowWithoutFeature: true },
      });
      assert.equal(forced.status, 200);
      assert.equal(forced.json.status, 'failed');
      assert.match(forced.json.failureReason, /refused/);
    } finally {
      h.carol.acceptKeysend = true;
    }
    const low = await call(api('alice'), 'POST', '/v1/keysend', {
      body: { destination: h.carol.nodeIdHex, amountSat: 1, records: { 1000: '00' } },
    });
    assert.equal(low.status, 400);
    assert.equal(low.json.error.code, 'invalid_custom_record');
  });

  test('a failed attempt is retried and both attempts are recorded', async () => {
    h.net.failNextAttempts = 1;
    const r = await call(api('alice'), 'POST', '/v1/keysend', {
      body: { destination: h.carol.nodeIdHex, amountSat: 4 },
    });
    assert.equal(r.json.status, 'succeeded');
    assert.deepEqual(
      r.json.attempts.map((a: { status: string }) => a.status),
      ['failed', 'succeeded'],
    );
    assert.equal(r.json.attempts[0].failureName, 'temporary_channel_failure');
  });

  test('BOLT 11: create on carol, pay from alice, settled on carol; paying twice is a 409', async () => {
    const created = await call(api('carol'), 'POST', '/v1/invoices', {
      body: { amountMsat: '25000', description: 'coffee' },
    });
    assert.equal(created.status, 200);
    J.CreatedInvoiceJson.parse(created.json);
    assert.match(created.json.bolt11, /^lnbcrt250n1/);
    const paid = await call(api('alice'), 'POST', '/v1/pay', { body: { invoice: created.json.bolt11 } });
    assert.equal(paid.json.status, 'succeeded');
    assert.equal(paid.json.kind, 'bolt11');
    assert.equal(paid.json.bolt11, created.json.bolt11);
    assert.equal(paid.json.message, undefined);
    const inv = await call(api('carol'), 'GET', `/v1/invoices/${created.json.paymentHash}`);
    assert.equal(inv.json.state, 'settled');
    assert.equal(inv.json.memo, 'coffee');
    const again = await call(api('alice'), 'POST', '/v1/pay', { body: { invoice: created.json.bolt11 } });
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'already_paid');
    const junk = await call(api('alice'), 'POST', '/v1/pay', { body: { invoice: 'lnbcrt1notaninvoice' } });
    assert.equal(junk.status, 400);
    assert.equal(junk.json.error.code, 'invalid_invoice');
  });

  test('payments list, route query, graph, fees', async () => {
    const list = await call(api('alice'), 'GET', '/v1/payments?status=succeeded&limit=2');
    J.PaymentListJson.parse(list.json);
    assert.equal(list.json.payments.length, 2);
    assert.ok(list.json.payments.every((p: { status: string }) => p.status === 'succeeded'));
    const route = await call(
      api('alice'),
      'GET',
      `/v1/graph/route?destination=${h.carol.nodeIdHex}&amountMsat=1000000`,
    );
    J.RouteJson.parse(route.json);
    assert.equal(route.json.hops.length, 2);
    const none = await call(
      api('alice'),
      'GET',
      `/v1/graph/route?destination=${h.carol.nodeIdHex}&amountMsat=1000000&maxFeeMsat=1`,
    );
    assert.equal(none.status, 422);
    assert.equal(none.json.error.code, 'no_route');
    const nodes = await call(api('alice'), 'GET', '/v1/graph/nodes?depth=1');
    J.GraphNodesJson.parse(nodes.json);
    assert.deepEqual(nodes.json.nodes.map((n: { alias: string }) => n.alias).sort(), ['alice', 'bob']);
    const search = await call(api('alice'), 'GET', '/v1/graph/nodes?search=CAR');
    assert.deepEqual(
      search.json.nodes.map((n: { alias: string }) => n.alias),
      ['carol'],
    );
    const chans = await call(api('alice'), 'GET', '/v1/graph/channels?depth=2');
    J.GraphChannelsJson.parse(chans.json);
    assert.ok(chans.json.channels.length >= 2);
    const set = await call(api('bob'), 'POST', '/v1/fees', {
      body: { feeBaseMsat: '0', feeProportionalMillionths: 1 },
    });
    J.FeesJson.parse(set.json);
    assert.equal(set.json.defaults.feeBaseMsat, '0');
    const r = await call(
      api('alice'),
      'GET',
      `/v1/graph/route?destination=${h.carol.nodeIdHex}&amountMsat=1000000`,
    );
    assert.equal(r.json.totalFeeMsat, '1'); // bob now charges 1 ppm and no base fee
    const get = await call(api('bob'), 'GET', '/v1/fees', { token: 'readonly' });
    assert.ok(
      get.json.channels.every((c: { policy: { feeBaseMsat: string } }) => c.policy.feeBaseMsat === '0'),
    );
  });
});

describe('limits and failures', () => {
  test('a token over its rate gets 429 with Retry-After', async () => {
    const net = new FakeNetwork();
    const dir = mkdtempSync(join(tmpdir(), 'ksnode-rate-'));
    const s = await startApiServer({
      facade: net.addNode('erin'),
      dataDir: dir,
      port: 0,
      webDir: false,
      rateLimit: { burst: 3, perSecond: 0.01 },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(s, 'GET', '/v1/info')).status);
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      const r = await call(s, 'GET', '/v1/info');
      assert.equal(r.json.error.code, 'rate_limited');
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      // The read-only token has its own bucket.
      assert.equal((await call(s, 'GET', '/v1/info', { token: 'readonly' })).status, 200);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('request log lines carry method, path and status, never a token from the query', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => lines.push(l) });
    const net = new FakeNetwork();
    const dir = mkdtempSync(join(tmpdir(), 'ksnode-log-'));
    const s = await startApiServer({
      facade: net.addNode('gina'),
      dataDir: dir,
      port: 0,
      webDir: false,
      logger,
    });
    try {
      const secret = s.tokens.admin;
      await call(s, 'GET', `/v1/info?token=${secret}`, { token: null });
      await call(s, 'GET', '/v1/info');
      const entries = lines.map((l) => JSON.parse(l)).filter((e) => e.msg === 'api request');
      assert.deepEqual(
        entries.map((e) => [e.method, e.url, e.status, e.level]),
        [
          // Refused at info, answered at debug.
          ['GET', '/v1/info?token=***', 401, 30],
          ['GET', '/v1/info', 200, 20],
        ],
      );
      assert.ok(!lines.join('').includes(secret));
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a facade bug is a 500 that leaks nothing', async () => {
    const net = new FakeNetwork();
    const node = net.addNode('frank');
    const broken: NodeFacade = Object.assign(Object.create(node) as NodeFacade, {
      getInfo: async () => {
        throw new Error('secret internal detail');
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'ksnode-500-'));
    const s = await startApiServer({ facade: broken, dataDir: dir, port: 0, webDir: false });
    try {
      const r = await call(s, 'GET', '/v1/info');
      assert.equal(r.status, 500);
      assert.deepEqual(r.json, {
        error: { code: 'internal', message: 'internal error: see the daemon log' },
      });
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
