import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ApiJson as J } from '../../src/api/index.js';
import { call, type Harness, openStream, startHarness } from './helpers.js';

let h: Harness;
before(async () => {
  h = await startHarness({ net: { attemptMs: 5, confirmMs: 5 }, api: { heartbeatMs: 50 } });
});
after(async () => {
  await h.close();
});

const api = (n: 'alice' | 'bob' | 'carol') => h.servers.get(h[n])!;

test('the stream is text/event-stream, starts with a ready comment, and sends heartbeats', async () => {
  const s = await openStream(api('alice'));
  try {
    assert.equal(s.status, 200);
    assert.match(s.headers.get('content-type') ?? '', /^text\/event-stream/);
    await s.waitForComment((c) => c.startsWith('ready'));
    await s.waitForComment((c) => c === 'heartbeat', 2000);
  } finally {
    s.close();
  }
});

test('a keysend: the sender sees payment updates, the recipient an invoice_settled with the message', async () => {
  const sender = await openStream(api('alice'));
  const recipient = await openStream(api('carol'), '', { token: api('carol').tokens.readonly });
  try {
    await sender.waitForComment((c) => c.startsWith('ready'));
    await recipient.waitForComment((c) => c.startsWith('ready'));
    const r = await call(api('alice'), 'POST', '/v1/keysend', {
      body: { destination: h.carol.nodeIdHex, amountSat: 21, message: 'gm', signSender: true, wait: false },
    });
    assert.equal(r.status, 202);
    const hash = r.json.paymentHash;
    const done = await sender.waitFor(
      (m) => m.event === 'payment_updated' && JSON.parse(m.data).payment.status === 'succeeded',
    );
    const settled = await recipient.waitFor((m) => m.event === 'invoice_settled');
    const updates = sender.messages
      .filter((m) => m.event === 'payment_updated')
      .map((m) => JSON.parse(m.data));
    for (const u of updates) J.EventJson.parse(u);
    assert.ok(updates.every((u) => u.payment.paymentHash === hash));
    // created, attempt 1 in flight, succeeded
    assert.deepEqual(
      updates.map((u) => [u.payment.status, u.payment.attempts.length]),
      [
        ['in_flight', 0],
        ['in_flight', 1],
        ['succeeded', 1],
      ],
    );
    assert.equal(JSON.parse(done.data).payment.feeMsat, '1002');
    const inv = J.EventJson.parse(JSON.parse(settled.data));
    assert.equal(inv.type, 'invoice_settled');
    if (inv.type === 'invoice_settled') {
      assert.equal(inv.invoice.paymentHash, hash);
      assert.equal(inv.invoice.app?.message, 'gm');
      assert.equal(inv.invoice.app?.senderVerified, true);
      assert.equal(inv.invoice.app?.senderNodeId, h.alice.nodeIdHex);
    }
    // Ids increase within a stream.
    const ids = sender.messages.map((m) => Number(m.id));
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
    // The forwarder saw the HTLC go through and its channels change.
    const bobEvents = await call(api('bob'), 'GET', '/v1/channels');
    assert.equal(bobEvents.status, 200);
  } finally {
    sender.close();
    recipient.close();
  }
});

test('types filter, Last-Event-ID replay, ?token= for EventSource, and 401 without a token', async () => {
  const filtered = await openStream(api('bob'), '?types=htlc_forwarded');
  try {
    await filtered.waitForComment((c) => c.startsWith('ready'));
    const r = await call(api('alice'), 'POST', '/v1/keysend', {
      body: { destination: h.carol.nodeIdHex, amountSat: 5 },
    });
    assert.equal(r.json.status, 'succeeded');
    const fwd = await filtered.waitFor((m) => m.event === 'htlc_forwarded');
    const e = J.EventJson.parse(JSON.parse(fwd.data));
    assert.equal(e.type, 'htlc_forwarded');
    if (e.type === 'htlc_forwarded') {
      assert.equal(e.forward.paymentHash, r.json.paymentHash);
      assert.equal(e.forward.feeMsat, '1000');
      assert.equal(e.forward.status, 'settled');
    }
    await new Promise((res) => setTimeout(res, 30));
    assert.ok(filtered.messages.every((m) => m.event === 'htlc_forwarded'));

    // Resume from before the forward: it is replayed (with its original id).
    const id = Number(fwd.id);
    const replay = await openStream(api('bob'), '?types=htlc_forwarded', {
      token: null,
      headers: { 'last-event-id': String(id - 1), authorization: `Bearer ${api('bob').tokens.readonly}` },
    });
    const again = await replay.waitFor((m) => m.event === 'htlc_forwarded');
    assert.equal(again.id, fwd.id);
    assert.equal(again.data, fwd.data);
    replay.close();

    const q = await openStream(
      api('bob'),
      `?token=${api('bob').tokens.readonly}&lastEventId=0&types=htlc_forwarded`,
      {
        token: null,
      },
    );
    assert.equal(q.status, 200);
    await q.waitFor((m) => m.id === fwd.id);
    q.close();
  } finally {
    filtered.close();
  }
  const none = await openStream(api('bob'), '', { token: null });
  assert.equal(none.status, 401);
  const badType = await openStream(api('bob'), '?types=nope');
  assert.equal(badType.status, 400);
});

test('channel and peer changes are streamed while a channel opens', async () => {
  const s = await openStream(api('alice'), '?types=channel_changed,peer_changed');
  try {
    await s.waitForComment((c) => c.startsWith('ready'));
    await call(api('alice'), 'POST', '/v1/peers', {
      body: { nodeId: h.carol.nodeIdHex, address: h.carol.address },
    });
    await s.waitFor((m) => m.event === 'peer_changed' && JSON.parse(m.data).change === 'connected');
    const open = await call(api('alice'), 'POST', '/v1/channels', {
      body: { nodeId: h.carol.nodeIdHex, amountSat: 50_000 },
    });
    assert.equal(open.status, 202);
    await s.waitFor((m) => m.event === 'channel_changed' && JSON.parse(m.data).channel.status === 'open');
    const seen = s.messages
      .filter((m) => m.event === 'channel_changed')
      .map((m) => JSON.parse(m.data).channel)
      .filter((c) => c.channelId === open.json.channelId)
      .map((c) => `${c.status}:${c.confirmations}`);
    assert.deepEqual(seen, ['pending_open:0', 'pending_open:1', 'pending_open:2', 'open:3']);
  } finally {
    s.close();
  }
});
