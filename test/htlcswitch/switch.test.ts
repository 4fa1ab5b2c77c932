// Three switches in memory (A pays, B forwards, C receives) with real onions: fulfills and
// failures travel back hop by hop, and B restarts at the awkward moments.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sha256 } from '../../src/crypto/index.js';
import { decodeCircuit, SWITCH_KV_NAMESPACE } from '../../src/htlcswitch/index.js';
import { verifyFulfillAttribution } from '../../src/onion/index.js';
import { decodeMessage } from '../../src/wire/index.js';
import { type FakeLink, type Net, scid, type TestNode } from './harness.js';
import { eachLine, type Line, withLine } from './network.js';
import {
  AB,
  AMT,
  attributed,
  BC,
  corruptOnions,
  FEE,
  FINAL_CLTV,
  failureAt,
  fulfilledAt,
  IN_CLTV,
  keysend,
  recommitFirst,
  send,
  storedCircuits,
  UNKNOWN_DETAILS,
} from './route.js';

describe('HtlcSwitch: A -> B -> C', () => {
  let net: Net;
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;
  eachLine((line) => ({ net, a, b, c } = line));

  test('a keysend settles: the preimage is carried back, B records its fee, hold times are attributed', async () => {
    const p = keysend(b, c);
    c.finalMode = 'hold';
    await send(a, p);
    await net.pump();
    assert.equal(c.finals.length, 1);
    assert.deepEqual(c.finals[0]!.payload.keysendPreimage, p.preimage);
    assert.equal(c.finals[0]!.htlc.amountMsat, AMT);
    assert.equal(c.finals[0]!.htlc.cltvExpiry, FINAL_CLTV);
    assert.equal(a.outcomes.length, 0, 'nothing resolves while C holds the HTLC');

    b.clock += 3400;
    c.clock += 1200;
    assert.equal(await c.switch.settleHeldHtlc(c.linkTo(b).channelId, 0n, p.preimage), true);
    assert.equal(await c.switch.settleHeldHtlc(c.linkTo(b).channelId, 0n, p.preimage), false);
    await net.pump();

    const attr = fulfilledAt(a, p);
    assert.ok(attr !== undefined);
    assert.deepEqual(verifyFulfillAttribution(p.sharedSecrets, attr), {
      verifiedHops: 2,
      holdTimes: [34, 12],
    });
    assert.deepEqual(
      b.removalsOn(a).map((r) => r.kind),
      ['fulfill'],
    );
    const [fwd] = await b.store.forwards.list();
    assert.equal(fwd?.status, 'settled');
    assert.equal(fwd?.feeMsat, FEE);
    assert.equal(fwd?.incomingAmountMsat, AMT + FEE);
    assert.equal(fwd?.outgoingAmountMsat, AMT);
    assert.equal(fwd?.outgoingHtlcId, 0n);
    assert.deepEqual(fwd?.outgoingChannelId, b.linkTo(c).channelId);
    assert.deepEqual(
      b.events.map((e) => e.kind),
      ['forward_added', 'forward_settled'],
    );
    assert.deepEqual(b.switch.pendingCircuits(), []);
    assert.deepEqual(a.switch.pendingCircuits(), []);
    assert.deepEqual(await storedCircuits(a), [], 'a delivered local circuit is deleted');
  });

  test('a failure at the final hop is wrapped by B and attributed to C at the origin', async () => {
    const p = keysend(b, c);
    const failure = UNKNOWN_DETAILS;
    c.finalMode = { fail: { kind: 'fail', failure } };
    await send(a, p);
    await net.pump();
    const d = failureAt(a, p);
    assert.deepEqual(attributed(d, 1), failure);
    assert.equal(d.kind === 'attributed' && d.attribution?.verifiedHops, 2);
    const [fwd] = await b.store.forwards.list();
    assert.equal(fwd?.status, 'failed');
    assert.equal(fwd?.failureReason, 'failed downstream');
  });

  test('without attribution data the failure still decrypts and is attributed by its HMAC', async () => {
    const options = { names: ['X', 'Y', 'Z'], config: { attributionData: false } } as const;
    await withLine(options, async ({ net: net2, a: x, b: y, c: z }) => {
      const p = keysend(y, z);
      z.finalMode = { fail: { kind: 'fail', failure: { name: 'mpp_timeout' } } };
      await send(x, p);
      await net2.pump();
      const o = x.outcomes[0]?.outcome;
      assert.ok(o?.kind === 'failed' && o.failure.kind === 'fail');
      assert.equal(o.failure.attributionData, undefined);
      assert.deepEqual(attributed(failureAt(x, p), 1), { name: 'mpp_timeout' });
    });
  });

  test('fee_insufficient from B carries the incoming amount and a channel_update for the onion scid', async () => {
    const p = keysend(b, c, { fee: 500n });
    await send(a, p);
    await net.pump();
    const f = attributed(failureAt(a, p), 0);
    assert.equal(f.name, 'fee_insufficient');
    assert.ok(f.name === 'fee_insufficient');
    assert.equal(f.htlcMsat, AMT + 500n);
    const update = decodeMessage(f.channelUpdate);
    assert.ok(update.ok && update.value.kind === 'channel_update');
    assert.equal(update.value.shortChannelId, BC);
    assert.equal(update.value.feeBaseMsat, 1000);
    assert.equal(c.finals.length, 0);
    assert.deepEqual(await b.store.forwards.list(), [], 'a refused HTLC is not a forward');
    assert.deepEqual(
      b.events.map((e) => e.kind === 'forward_refused' && e.failure),
      ['fee_insufficient'],
    );
  });

  test('unknown_next_peer for a short_channel_id B has no channel for', async () => {
    const p = keysend(b, c, { outScid: scid(1, 2, 3) });
    await send(a, p);
    await net.pump();
    assert.deepEqual(attributed(failureAt(a, p), 0), { name: 'unknown_next_peer' });
  });

  test('an onion C cannot parse comes back as update_fail_htlc with invalid_onion_hmac from B', async () => {
    const tampered = corruptOnions(b.linkTo(c), 100);
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    const [m] = c.removalsOn(b);
    assert.equal(m?.kind, 'malformed');
    assert.ok(m?.kind === 'malformed');
    assert.equal(m.failureCode, 0x8000 | 0x4000 | 5);
    assert.deepEqual(m.sha256OfOnion, sha256(tampered.onion));
    assert.deepEqual(
      b.removalsOn(a).map((r) => r.kind),
      ['fail'],
    );
    assert.deepEqual(attributed(failureAt(a, p), 0), {
      name: 'invalid_onion_hmac',
      sha256OfOnion: sha256(tampered.onion),
    });
  });

  test('a repeated incoming HTLC is not forwarded twice', async () => {
    c.finalMode = 'hold';
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    await recommitFirst(a, b);
    assert.equal(b.linkTo(c).offered.size, 1);
    assert.equal(net.pending, 0);
    assert.equal((await b.store.forwards.list()).length, 1);
  });

  test('B restarts mid-forward: a new switch over the same store carries the fulfill back', async () => {
    c.finalMode = 'hold';
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    await b.restart();
    assert.deepEqual(
      b.switch.pendingCircuits().map((x) => x.state),
      ['in_flight'],
    );
    await c.switch.settleHeldHtlc(c.linkTo(b).channelId, 0n, p.preimage);
    await net.pump();
    fulfilledAt(a, p);
    assert.equal((await b.store.forwards.list())[0]?.status, 'settled');
  });

  test('B stops after storing the circuit but before the add: the incoming HTLC fails back on restart', async () => {
    b.linkTo(c).addMode = 'hang';
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    const [stored] = await storedCircuits(b);
    assert.equal(stored?.state, 'adding');
    assert.equal(stored?.outgoingHtlcId, null);

    b.linkTo(c).addMode = 'normal';
    await b.restart();
    await net.pump();
    const f = attributed(failureAt(a, p), 0);
    assert.equal(f.name, 'temporary_channel_failure');
    assert.equal(b.linkTo(c).offered.size, 0);
    const [fwd] = await b.store.forwards.list();
    assert.equal(fwd?.status, 'failed');
    assert.match(fwd?.failureReason ?? '', /never added/);
  });

  test('B stops after the channel kept the add: the restarted switch finds the HTLC by its origin', async () => {
    b.linkTo(c).addMode = 'record-then-hang';
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    assert.equal((await storedCircuits(b))[0]?.state, 'adding');

    b.linkTo(c).addMode = 'normal';
    await b.restart();
    const [circuit] = b.switch.pendingCircuits();
    assert.equal(circuit?.state, 'in_flight');
    assert.equal(circuit?.outgoingHtlcId, 0n);
    assert.equal((await b.store.forwards.list())[0]?.outgoingHtlcId, 0n);
    // The channel sends the kept add after reconnecting.
    await recommitFirst(b, c);
    await net.pump();
    fulfilledAt(a, p);
  });

  test('a fulfill that arrives while the incoming link is gone is handed over after a restart', async () => {
    c.finalMode = 'hold';
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    b.switch.removeLink(b.linkTo(a).channelId);
    await c.switch.settleHeldHtlc(c.linkTo(b).channelId, 0n, p.preimage);
    await net.pump();
    assert.equal(a.outcomes.length, 0);
    assert.deepEqual(
      (await storedCircuits(b)).map((x) => x.state),
      ['resolving'],
    );
    assert.equal(
      (await b.store.forwards.list())[0]?.status,
      'settled',
      'the forward settled when B learned the preimage',
    );
    await b.restart();
    await net.pump();
    fulfilledAt(a, p);
    // Handed over: resolved in memory; the store keeps 'resolving' (handing over again is harmless).
    assert.deepEqual(b.switch.pendingCircuits(), []);
  });

  test('outgoing channel closed: the incoming HTLC fails back only once it nears expiry', async () => {
    c.finalMode = 'hold';
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    await b.switch.channelClosed(b.linkTo(c).channelId);
    await b.switch.blockConnected(IN_CLTV - 13);
    assert.equal(b.removalsOn(a).length, 0);
    await b.restart(); // the closed mark is persisted
    await b.switch.blockConnected(IN_CLTV - 12);
    await net.pump();
    assert.deepEqual(attributed(failureAt(a, p), 0), { name: 'permanent_channel_failure' });
    const [fwd] = await b.store.forwards.list();
    assert.equal(fwd?.status, 'failed');
    assert.match(fwd?.failureReason ?? '', /failed back 12 blocks before/);

    // Downstream claims after all: nothing more goes upstream, and the loss is reported.
    await c.switch.settleHeldHtlc(c.linkTo(b).channelId, 0n, p.preimage);
    await net.pump();
    assert.equal(b.removalsOn(a).length, 1);
    assert.ok(
      b.events.some((e) => e.kind === 'anomaly' && /after the incoming HTLC was failed back/.test(e.message)),
    );
  });

  test('an outgoing HTLC that can no longer be claimed fails back at once with permanent_channel_failure', async () => {
    c.finalMode = 'hold';
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    await b.switch.outgoingHtlcFailed(b.linkTo(c), 0n, { kind: 'closed', why: 'timed out on chain' });
    await net.pump();
    assert.deepEqual(attributed(failureAt(a, p), 0), { name: 'permanent_channel_failure' });
    assert.equal(
      (await b.store.forwards.list())[0]?.failureReason,
      'outgoing channel closed: timed out on chain',
    );
  });

  test('a channel that refuses the add gives temporary_channel_failure with its channel_update', async () => {
    b.linkTo(c).refuse = 'htlc_limits';
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    const f = attributed(failureAt(a, p), 0);
    assert.ok(f.name === 'temporary_channel_failure');
    const update = decodeMessage(f.channelUpdate);
    assert.ok(update.ok && update.value.kind === 'channel_update' && update.value.shortChannelId === BC);
    const [fwd] = await b.store.forwards.list();
    assert.equal(fwd?.status, 'failed');
    assert.equal(fwd?.failureReason, 'outgoing channel refused the HTLC: htlc_limits');
  });

  test('resolved circuits stay until the incoming HTLC expires, then are pruned', async () => {
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    fulfilledAt(a, p);
    assert.equal((await storedCircuits(b)).length, 1);
    await b.switch.blockConnected(IN_CLTV);
    assert.equal((await storedCircuits(b)).length, 1);
    await b.switch.blockConnected(IN_CLTV + 1);
    assert.equal((await storedCircuits(b)).length, 0);
    assert.equal((await b.store.forwards.list())[0]?.status, 'settled', 'the history stays');
  });

  test('a handed-over resolution is not written again: after a restart it is handed over again, then pruned', async () => {
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    fulfilledAt(a, p);
    const fulfills = () => b.linkTo(a).removals.filter((r) => r.kind === 'fulfill').length;
    assert.equal(fulfills(), 1);
    assert.deepEqual(
      (await storedCircuits(b)).map((x) => x.state),
      ['resolving'],
    );
    await b.restart();
    await net.pump();
    assert.equal(fulfills(), 2, 'the same fulfill again (the channel ignores a repeat)');
    assert.equal(a.outcomes.length, 1);
    await b.switch.blockConnected(IN_CLTV + 1);
    assert.deepEqual(await storedCircuits(b), []);
  });

  test('a resolving circuit whose incoming channel is gone is dropped once the HTLC expired', async () => {
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    b.switch.removeLink(b.linkTo(a).channelId);
    await b.restart();
    b.switch.removeLink(b.linkTo(a).channelId);
    await b.switch.blockConnected(IN_CLTV);
    assert.equal((await storedCircuits(b)).length, 1, 'kept until the incoming HTLC expires');
    await b.switch.blockConnected(IN_CLTV + 1);
    assert.deepEqual(await storedCircuits(b), []);
  });

  test('a blinded incoming HTLC is failed as malformed with invalid_onion_blinding', async () => {
    const p = keysend(b, c);
    await b.switch.incomingHtlcCommitted(b.linkTo(a), {
      id: 7n,
      amountMsat: p.amountMsat,
      cltvExpiry: p.cltvExpiry,
      paymentHash: p.paymentHash,
      onion: p.onion,
      pathKey: c.nodeId,
    });
    assert.deepEqual(b.removalsOn(a), [
      { kind: 'malformed', htlcId: 7n, sha256OfOnion: sha256(p.onion), failureCode: 0x8000 | 0x4000 | 24 },
    ]);
  });

  test('our own HTLCs: refused locally without a usable channel, idempotent by ref', async () => {
    const p = keysend(b, c);
    const base = {
      amountMsat: p.amountMsat,
      cltvExpiry: p.cltvExpiry,
      paymentHash: p.paymentHash,
      onion: p.onion,
    };
    const unknown = await a.switch.sendHtlc({ ...base, ref: 'x', shortChannelId: scid(9, 9, 9) });
    assert.deepEqual(unknown.kind === 'refused' && unknown.failure, { name: 'unknown_next_peer' });
    a.linkTo(b).usable = false;
    const down = await a.switch.sendHtlc({ ...base, ref: 'x', shortChannelId: AB });
    assert.equal(down.kind === 'refused' && down.failure.name, 'temporary_channel_failure');
    a.linkTo(b).usable = true;
    assert.deepEqual(await storedCircuits(a), []);

    c.finalMode = 'hold';
    assert.deepEqual(await a.switch.sendHtlc({ ...base, ref: 'x', shortChannelId: AB }), {
      kind: 'sent',
      htlcId: 0n,
    });
    assert.deepEqual(await a.switch.sendHtlc({ ...base, ref: 'x', shortChannelId: AB }), {
      kind: 'already_sent',
    });
    assert.equal(a.switch.localHtlcStatus('x'), 'pending');
    assert.equal(a.switch.localHtlcStatus('never'), 'unknown');
    await a.switch.channelClosed(a.linkTo(b).channelId);
    const closed = await a.switch.sendHtlc({ ...base, ref: 'y', shortChannelId: AB });
    assert.deepEqual(closed.kind === 'refused' && closed.failure, { name: 'permanent_channel_failure' });
  });

  test('an outcome not delivered before a crash is delivered after the restart', async () => {
    const p = keysend(b, c);
    a.sinkMode = 'crash';
    await send(a, p);
    await net.pump();
    assert.equal(a.outcomes.length, 0);
    // The circuit is not rewritten with the outcome: the channel's outbox keeps it until taken.
    assert.deepEqual(
      (await storedCircuits(a)).map((x) => x.state),
      ['in_flight'],
    );
    assert.equal(a.linkTo(b).outbox.size, 1);
    await a.restart();
    fulfilledAt(a, p);
    assert.equal(a.outcomes.length, 1);
    await net.pump();
    assert.deepEqual(await storedCircuits(a), []);
    assert.equal(a.linkTo(b).outbox.size, 0, 'taken once delivered');
  });
});

describe('HtlcSwitch: non-strict forwarding', () => {
  test('a second channel to the same peer carries the HTLC when the named one lacks balance', async () => {
    let second!: FakeLink;
    const setup = ({ net, b, c }: Line) => {
      [second] = net.connect(b, c, scid(700_000, 3), 'second');
      b.linkTo(c, 0).outbound = 10n;
    };
    await withLine({ bcLabel: 'first', setup }, async ({ net, a, b, c }) => {
      const p = keysend(b, c);
      await send(a, p);
      await net.pump();
      fulfilledAt(a, p);
      assert.equal(b.linkTo(c, 0).offered.size, 0);
      assert.equal(second.offered.size, 1);
      const [fwd] = await b.store.forwards.list();
      assert.deepEqual(fwd?.outgoingChannelId, second.channelId);
      const [circuit] = (await b.store.kv(SWITCH_KV_NAMESPACE).list('c/')).map((e) => decodeCircuit(e.value));
      assert.deepEqual(circuit?.outgoingChannelId, second.channelId);
      assert.equal(circuit?.outgoingShortChannelId, BC, 'failures name the channel the onion named');
    });
  });

  test('without another channel to the peer the named channel fails with temporary_channel_failure', async () => {
    let d!: TestNode;
    const setup = ({ net, b, c }: Line) => {
      d = net.node('D');
      net.connect(b, d, scid(700_000, 4)); // plenty of balance, but to another peer
      b.linkTo(c).outbound = 10n;
    };
    await withLine({ setup }, async ({ net, a, b, c }) => {
      const p = keysend(b, c);
      await send(a, p);
      await net.pump();
      assert.equal(attributed(failureAt(a, p), 0).name, 'temporary_channel_failure');
      assert.equal(b.linkTo(d).offered.size, 0);
    });
  });
});
