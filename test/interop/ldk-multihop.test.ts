// Interop scenario 5: payments over two hops with LDK 0.1 and ksnode in each role. Through LDK:
// ksnode A -> LDK -> ksnode B, A routing on the gossip it learned from LDK (LDK's
// channel_announcement and both channel_updates of the LDK -> B channel). Through ksnode:
// LDK -> ksnode A -> LDK 2, A forwarding, LDK routing on what ksnode announced.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bytesToHex, equalBytes } from '../../src/crypto/index.js';
import { invoice, type NodeProcess, waitFor } from '../node/harness.js';
import type { LdkPeer } from './ldk/client.js';
import { InteropNet, ksKeysend, ksPayment, type OpenedChannel, scidText, utf8 } from './ldk-net.js';

/** LDK's forwarding fee (its defaults) and ksnode's (the node's defaults). */
const LDK_FEE_BASE_MSAT = 1000n;
const KS_FEE_BASE_MSAT = 1000n;
const KS_FEE_PPM = 1n;
/** BOLT 7: announcement_signatures are exchanged once the funding is 6 blocks deep. */
const ANNOUNCE_DEPTH = 6;

let net: InteropNet;
let a: NodeProcess;
let b: NodeProcess;
let c: NodeProcess;
let ldk: LdkPeer;
let ldk2: LdkPeer;
let aToLdk: OpenedChannel;
let ldkToB: OpenedChannel;
let aToLdk2: OpenedChannel;
let cToLdkPrivate: OpenedChannel;

interface GraphChannel {
  shortChannelId: string;
  node1: string;
  node2: string;
  policies: [unknown, unknown];
}

before(
  async () => {
    net = await InteropNet.start();
    [a, b, c, ldk, ldk2] = await Promise.all([
      net.ksnode('a', 3_000_000n),
      net.ksnode('b', 0n),
      net.ksnode('c', 1_000_000n),
      net.ldk(),
      net.ldk(),
    ]);
    await net.explain(async () => {
      await Promise.all([
        net.ksConnects(a, ldk),
        net.ksConnects(b, ldk),
        net.ksConnects(c, ldk),
        net.ksConnects(a, ldk2),
      ]);
      // A pushes LDK enough to pay through A later.
      aToLdk = await net.ksOpens(a, ldk, 1_000_000n, 300_000_000n);
      ldkToB = await net.ldkOpens(ldk, b, 1_000_000n);
      aToLdk2 = await net.ksOpens(a, ldk2, 800_000n);
      // C's channel is private; C pushes LDK the means to pay through it.
      cToLdkPrivate = await net.ksOpens(c, ldk, 500_000n, 200_000_000n, { private: true });
      // Deep enough for every channel to be announced.
      await net.mine(ANNOUNCE_DEPTH);
    });
  },
  { timeout: 90_000 },
);

after(async () => {
  await net?.close();
});

test('ksnode A -> LDK -> ksnode B, A routing on gossip learned from LDK', { timeout: 60_000 }, () =>
  net.explain(async () => {
    const scid = scidText(ldkToB.ldkSide.shortChannelId!);
    // LDK announces the LDK -> B channel (both sides signed) and relays it to A with both updates.
    await waitFor(
      'the LDK -> B channel and both directions in A’s graph',
      async () => {
        const r = await a.api<{ channels: GraphChannel[] }>(
          'GET',
          `/v1/graph/channels?around=${bytesToHex(ldk.nodeId)}&limit=100`,
        );
        const c = r.channels.find((x) => x.shortChannelId === scid);
        return c !== undefined && c.policies[0] !== null && c.policies[1] !== null;
      },
      40_000,
      250,
    );
    const since = await net.lastSeq(ldk);
    const amount = 77_000_000n;
    const p = await ksKeysend(a, b.nodeId, amount, { records: { '65537': bytesToHex(utf8('via LDK')) } });
    assert.equal(p.status, 'succeeded', p.failureReason ?? '');
    // LDK charges its base fee only (0 ppm by default).
    assert.equal(p.feeMsat, LDK_FEE_BASE_MSAT.toString());
    const full = await ksPayment(a, p.paymentHash);
    const winner = full.attempts.find((t) => t.status === 'succeeded');
    assert.deepEqual(
      winner?.route.hops.map((h) => h.nodeId),
      [bytesToHex(ldk.nodeId), b.nodeId],
      'the route went through LDK',
    );
    assert.equal(winner?.route.hops[1]?.shortChannelId, scid);
    const inv = await invoice(b, p.paymentHash);
    assert.equal(inv?.state, 'settled');
    assert.equal(inv?.amountReceivedMsat, amount.toString());
    assert.equal(inv?.records['65537'], bytesToHex(utf8('via LDK')));
    const fwd = await ldk.waitEvent('PaymentForwarded', {}, since, 10_000);
    assert.equal(fwd.data.totalFeeEarnedMsat, LDK_FEE_BASE_MSAT.toString());
    assert.equal(fwd.data.outboundAmountForwardedMsat, amount.toString());
    assert.equal(fwd.data.prevChannelId, aToLdk.channelId);
    assert.equal(fwd.data.nextChannelId, ldkToB.channelId);
  }),
);

test('LDK -> ksnode A -> LDK 2, A forwarding, LDK routing on what A announced', { timeout: 60_000 }, () =>
  net.explain(async () => {
    const scid = aToLdk2.ldkSide.shortChannelId!.toString();
    // A announces the A -> LDK 2 channel (with LDK 2's signatures) and relays it to LDK.
    await waitFor(
      'the A -> LDK 2 channel and both directions in LDK’s graph',
      async () => {
        const c = (await ldk.graph()).channels.find((x) => x.shortChannelId === scid);
        return c !== undefined && c.oneToTwo !== null && c.twoToOne !== null;
      },
      40_000,
      250,
    );
    const before = BigInt(
      (await net.ksChannels(a)).find((c) => c.channelId === aToLdk.channelId)!.localBalanceMsat,
    );
    const amount = 55_000_000n;
    const sent = await ldk.keysend(ldk2.nodeId, amount, {
      customRecords: new Map([[65539n, utf8('via ksnode')]]),
    });
    assert.equal(sent.status, 'succeeded', sent.failure ?? '');
    // BOLT 7: fee_base_msat + amount_to_forward * fee_proportional_millionths / 1000000.
    const fee = KS_FEE_BASE_MSAT + (amount * KS_FEE_PPM) / 1_000_000n;
    assert.equal(sent.feePaidMsat, fee);
    assert.deepEqual(
      sent.path?.map((h) => bytesToHex(h.nodeId)),
      [a.nodeId, bytesToHex(ldk2.nodeId)],
    );
    assert.equal(sent.path?.[1]?.shortChannelId, BigInt(scid));
    await ldk2.waitEvent('PaymentClaimed', { paymentHash: bytesToHex(sent.paymentHash) }, 0, 10_000);
    const got = (await ldk2.payments()).received.find((r) => equalBytes(r.paymentHash, sent.paymentHash));
    assert.equal(got?.amountMsat, amount);
    assert.ok(equalBytes(got?.customRecords.get(65539n) ?? new Uint8Array(0), utf8('via ksnode')));
    // A earned the fee: in on the LDK channel, out (less the fee) on the LDK 2 channel.
    await waitFor('A settled both sides of the forward', async () => {
      const cs = await net.ksChannels(a);
      return cs.every((c) => c.pendingHtlcs === 0);
    });
    const cs = await net.ksChannels(a);
    const inSide = BigInt(cs.find((c) => c.channelId === aToLdk.channelId)!.localBalanceMsat);
    const outSide = BigInt(cs.find((c) => c.channelId === aToLdk2.channelId)!.localBalanceMsat);
    assert.equal(inSide - before, amount + fee);
    assert.equal(outSide, 800_000_000n - amount);
  }),
);

test(
  'ksnode A -> LDK -> ksnode C over a private channel, A routing with a route hint',
  { timeout: 60_000 },
  () =>
    net.explain(async () => {
      const ldkView = cToLdkPrivate.ldkSide;
      assert.equal(ldkView.isAnnounced, false, 'LDK keeps the channel private');
      // The hint names the alias LDK gave C in channel_ready, as an invoice of C's would.
      const alias = ldkView.outboundScidAlias;
      assert.ok(alias !== null);
      const graph = await a.api<{ channels: GraphChannel[] }>('GET', `/v1/graph/channels?around=${c.nodeId}`);
      assert.equal(graph.channels.length, 0, 'A knows no channel of C');
      const since = await net.lastSeq(ldk);
      const amount = 33_000_000n;
      const p = await ksKeysend(a, c.nodeId, amount, {
        routeHints: [
          [
            {
              nodeId: bytesToHex(ldk.nodeId),
              shortChannelId: scidText(alias),
              feeBaseMsat: LDK_FEE_BASE_MSAT.toString(),
              feeProportionalMillionths: 0,
              cltvExpiryDelta: 72,
            },
          ],
        ],
      });
      assert.equal(p.status, 'succeeded', p.failureReason ?? '');
      assert.equal(p.feeMsat, LDK_FEE_BASE_MSAT.toString());
      const inv = await invoice(c, p.paymentHash);
      assert.equal(inv?.state, 'settled');
      assert.equal(inv?.amountReceivedMsat, amount.toString());
      const fwd = await ldk.waitEvent(
        'PaymentForwarded',
        { nextChannelId: cToLdkPrivate.channelId },
        since,
        10_000,
      );
      assert.equal(fwd.data.prevChannelId, aToLdk.channelId);
    }),
);
