// test/htlcswitch/switch-refuse.test.ts: an incoming HTLC the channel layer refuses once it is
// committed (our dust exposure overflowed) is failed back by the switch like its other refusals:
// temporary_channel_failure with the incoming channel's own channel_update, attribution data and a
// forward_refused event; never for an HTLC the switch already acted on, and a malformed onion keeps
// its update_fail_malformed_htlc.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ecdsaVerify, sha256 } from '../../src/crypto/index.js';
import type { IncomingRefusal } from '../../src/htlcswitch/index.js';
import { buildOnion, encodeHopPayload } from '../../src/onion/index.js';
import { channelUpdateHash, decodeMessage } from '../../src/wire/index.js';
import { bytes, FakeLink, HEIGHT, Net, type TestNode } from './harness.js';
import { eachLine } from './network.js';
import {
  AB,
  AMT,
  attributed,
  corruptOnions,
  failureAt,
  keysend,
  type Payment,
  recommitFirst,
  send,
  storedCircuits,
} from './route.js';

const DUST: IncomingRefusal = {
  failure: 'temporary_channel_failure',
  why: 'dust exposure: the remote commitment would trim 900000 msat, above our limit 500000 msat',
};

/** A keysend that ends at `b` (one hop from A). */
function keysendTo(b: TestNode, label: string): Payment {
  const preimage = bytes(`refuse preimage ${label}`);
  const paymentHash = sha256(preimage);
  const { packet, sharedSecrets } = buildOnion(
    [
      {
        nodeId: b.nodeId,
        payload: encodeHopPayload({
          amtToForwardMsat: AMT,
          outgoingCltvValue: HEIGHT + 40,
          keysendPreimage: preimage,
        }),
      },
    ],
    bytes(`refuse session ${label}`),
    paymentHash,
  );
  return {
    ref: `refuse-${label}`,
    preimage,
    paymentHash,
    onion: packet,
    sharedSecrets,
    amountMsat: AMT,
    cltvExpiry: HEIGHT + 40,
  };
}

describe('HtlcSwitch: HTLCs the incoming channel refuses', () => {
  let net: Net;
  let a: TestNode;
  let b: TestNode;
  let c: TestNode;
  eachLine((line) => ({ net, a, b, c } = line));

  test("a refused forward fails with temporary_channel_failure carrying B's update for the incoming channel", async () => {
    b.linkTo(a).refuseIncoming = DUST;
    const p = keysend(b, c);
    b.clock += 5_000; // the refusal is immediate: hold time 0 whatever the clock says
    await send(a, p);
    await net.pump();

    const d = failureAt(a, p);
    const f = attributed(d, 0);
    assert.equal(f.name, 'temporary_channel_failure');
    assert.ok(f.name === 'temporary_channel_failure');
    const update = decodeMessage(f.channelUpdate);
    assert.ok(update.ok && update.value.kind === 'channel_update', 'a channel_update, not empty bytes');
    assert.equal(update.value.shortChannelId, AB, 'the channel the HTLC came in on, not the outgoing one');
    assert.ok(
      ecdsaVerify(update.value.signature, channelUpdateHash(update.value), b.nodeId),
      "signed by B's node key",
    );
    // Attribution data came with it, and B's hold time is 0 (refused before anything went out).
    assert.ok(d.kind === 'attributed' && d.attribution !== undefined, 'attribution data present');
    assert.equal(d.attribution.verifiedHops, 1);
    assert.deepEqual(d.attribution.holdTimes, [0]);
    const [removal] = b.removalsOn(a);
    assert.ok(removal?.kind === 'fail' && removal.attributionData !== undefined);

    // Nothing went out to C, no forward or circuit was recorded, and the refusal was reported.
    assert.equal(b.linkTo(c).offered.size, 0);
    assert.equal(c.finals.length, 0);
    assert.deepEqual(await b.store.forwards.list(), []);
    assert.deepEqual(await storedCircuits(b), []);
    assert.deepEqual(b.events, [
      {
        kind: 'forward_refused',
        incomingChannelId: b.linkTo(a).channelId,
        incomingHtlcId: 0n,
        paymentHash: p.paymentHash,
        failure: 'temporary_channel_failure',
        reason: DUST.why,
      },
    ]);
  });

  test('a refused HTLC that ends here is failed without asking the registry', async () => {
    b.linkTo(a).refuseIncoming = DUST;
    const p = keysendTo(b, 'final');
    await send(a, p);
    await net.pump();
    const d = failureAt(a, p);
    const f = attributed(d, 0);
    assert.ok(f.name === 'temporary_channel_failure');
    const update = decodeMessage(f.channelUpdate);
    assert.ok(update.ok && update.value.kind === 'channel_update');
    assert.equal(update.value.shortChannelId, AB);
    assert.ok(d.kind === 'attributed' && d.attribution?.verifiedHops === 1);
    assert.equal(b.finals.length, 0, 'the registry never saw it');
    assert.deepEqual(
      b.events.map((e) => (e.kind === 'forward_refused' ? [e.failure, e.reason] : e.kind)),
      [['temporary_channel_failure', DUST.why]],
    );
  });

  test('an unannounced channel without a real short_channel_id names itself by its alias', async () => {
    const net2 = await Net.create();
    try {
      const x = net2.node('X');
      const y = net2.node('Y');
      const alias = 0x0123_4567_89abn;
      // Y knows the channel (funding not yet confirmed) only by the alias it gave X.
      const id = bytes('channel X-Y by alias');
      const xy = new FakeLink(x, id, AB);
      const yx = new FakeLink(y, id, undefined);
      yx.aliases.push(alias);
      xy.peer = yx;
      yx.peer = xy;
      x.links.push(xy);
      y.links.push(yx);
      yx.refuseIncoming = DUST;
      for (const n of [x, y]) await n.boot();
      const p = keysendTo(y, 'alias');
      await send(x, p);
      await net2.pump();
      const f = attributed(failureAt(x, p), 0);
      assert.ok(f.name === 'temporary_channel_failure');
      const update = decodeMessage(f.channelUpdate);
      assert.ok(update.ok && update.value.kind === 'channel_update');
      assert.equal(update.value.shortChannelId, alias);
    } finally {
      await net2.close();
    }
  });

  test('an HTLC the switch already forwarded is not failed when reported again with a verdict', async () => {
    c.finalMode = 'hold';
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    assert.equal(b.linkTo(c).offered.size, 1, 'forwarded to C');
    await recommitFirst(a, b, DUST);
    await net.pump();
    assert.deepEqual(b.removalsOn(a), [], 'the incoming HTLC stays while its forward is in flight');
    assert.equal(a.outcomes.length, 0);
    assert.ok(!b.events.some((e) => e.kind === 'forward_refused'));

    // The forward still completes normally.
    assert.equal(await c.switch.settleHeldHtlc(c.linkTo(b).channelId, 0n, p.preimage), true);
    await net.pump();
    assert.deepEqual(
      b.removalsOn(a).map((r) => r.kind),
      ['fulfill'],
    );
  });

  test('a held final-hop HTLC is not failed when reported again with a verdict', async () => {
    b.finalMode = 'hold';
    const p = keysendTo(b, 'held');
    await send(a, p);
    await net.pump();
    assert.equal(b.finals.length, 1);
    await recommitFirst(a, b, DUST);
    await net.pump();
    assert.deepEqual(b.removalsOn(a), []);
    assert.equal(b.finals.length, 1, 'not handed to the registry again either');
    assert.equal(await b.switch.settleHeldHtlc(b.linkTo(a).channelId, 0n, p.preimage), true);
    await net.pump();
    assert.deepEqual(
      b.removalsOn(a).map((r) => r.kind),
      ['fulfill'],
    );
  });

  test('a refused HTLC with an onion B cannot parse is failed as malformed', async () => {
    b.linkTo(a).refuseIncoming = DUST;
    const tampered = corruptOnions(a.linkTo(b), 200);
    const p = keysend(b, c);
    await send(a, p);
    await net.pump();
    const [m] = b.removalsOn(a);
    assert.ok(m?.kind === 'malformed', `expected update_fail_malformed_htlc, got ${m?.kind}`);
    assert.equal(m.failureCode, 0x8000 | 0x4000 | 5, 'invalid_onion_hmac');
    assert.deepEqual(m.sha256OfOnion, sha256(tampered.onion));
    assert.deepEqual(
      b.events.map((e) => e.kind === 'forward_refused' && e.failure),
      ['invalid_onion_hmac'],
    );
  });
});
