// Interop scenario 2: channels between ksnode (a real daemon) and LDK 0.1, opened from each side,
// for each commitment format both support: option_static_remotekey, and
// option_anchors_zero_fee_htlc_tx with an LDK node configured to negotiate anchors. Both sides
// must reach channel_ready once the funding confirms on the devnet, agree on the channel id,
// value, type and balances.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bytesToHex, hexToBytes } from '../../src/crypto/index.js';
import { txidFromHex } from '../../src/tx/index.js';
import { channelById, type NodeProcess, waitFor } from '../node/harness.js';
import type { LdkPeer } from './ldk/client.js';
import { InteropNet, ksKeysend, type OpenedChannel, scidText } from './ldk-net.js';

/** BOLT 9 channel_type bits. */
const STATIC_REMOTEKEY = 12;
const ANCHORS_ZERO_FEE_HTLC = 22;

let net: InteropNet;
let ks: NodeProcess;
let ldk: LdkPeer;
let ldkAnchors: LdkPeer;
let anchorsChannel: OpenedChannel | undefined;

before(
  async () => {
    net = await InteropNet.start();
    [ks, ldk, ldkAnchors] = await Promise.all([net.ksnode('ks'), net.ldk(), net.ldk({ anchors: true })]);
  },
  { timeout: 90_000 },
);

after(async () => {
  await net?.close();
});

/** Both sides' views of a fresh channel agree: id, funding, value, balances, type. */
function assertAgree(
  c: OpenedChannel,
  sat: bigint,
  ksFunds: boolean,
  pushMsat: bigint,
  bits: number[],
): void {
  assert.equal(bytesToHex(c.ldkSide.channelId), c.channelId);
  assert.equal(c.ksSide.capacitySat, sat.toString());
  assert.equal(c.ldkSide.channelValueSat, sat);
  assert.equal(c.ksSide.initiator, ksFunds ? 'local' : 'remote');
  assert.equal(c.ksSide.channelType, bits.includes(ANCHORS_ZERO_FEE_HTLC) ? 'anchors' : 'static_remotekey');
  assert.equal(c.ldkSide.isOutbound, !ksFunds);
  // Both print txids in display order.
  assert.equal(c.ldkSide.fundingTxid, c.ksSide.fundingTxid, 'the same funding tx');
  assert.equal(c.ldkSide.fundingOutputIndex, c.ksSide.fundingOutputIndex);
  assert.ok(c.ldkSide.isChannelReady && c.ldkSide.isUsable);
  assert.deepEqual(
    [...c.ldkSide.channelTypeBits].sort((a, b) => a - b),
    bits,
  );
  // BOLT 7: short_channel_id is the funding's block height, transaction index and output index.
  const loc = net.devnet.getTx(txidFromHex(c.ksSide.fundingTxid));
  assert.ok(loc?.confirmed === true);
  assert.ok(c.ldkSide.shortChannelId !== null);
  assert.equal(c.ldkSide.shortChannelId >> 40n, BigInt(loc.height));
  const funderMsat = sat * 1000n - pushMsat;
  const ksLocal = BigInt(c.ksSide.localBalanceMsat);
  const ksRemote = BigInt(c.ksSide.remoteBalanceMsat);
  assert.equal(ksLocal, ksFunds ? funderMsat : pushMsat);
  assert.equal(ksRemote, ksFunds ? pushMsat : funderMsat);
}

test('ksnode opens a static_remotekey channel to LDK; both reach channel_ready', { timeout: 60_000 }, () =>
  net.explain(async () => {
    await net.ksConnects(ks, ldk);
    const since = await net.lastSeq(ldk);
    const c = await net.ksOpens(ks, ldk, 300_000n, 10_000_000n);
    assertAgree(c, 300_000n, true, 10_000_000n, [STATIC_REMOTEKEY]);
    const ready = await ldk.waitEvent('ChannelReady', { channelId: c.channelId }, since, 5000);
    assert.deepEqual(ready.data.channelTypeBits, [STATIC_REMOTEKEY]);
    // LDK holds what we pushed; its outbound capacity is the push less its reserve.
    assert.ok(c.ldkSide.outboundCapacityMsat > 0n && c.ldkSide.outboundCapacityMsat <= 10_000_000n);
  }),
);

test('LDK opens a static_remotekey channel to ksnode; both reach channel_ready', { timeout: 60_000 }, () =>
  net.explain(async () => {
    const c = await net.ldkOpens(ldk, ks, 250_000n, { pushMsat: 20_000_000n });
    assertAgree(c, 250_000n, false, 20_000_000n, [STATIC_REMOTEKEY]);
  }),
);

test('LDK (anchors) opens an anchors channel to ksnode; both reach channel_ready', { timeout: 60_000 }, () =>
  net.explain(async () => {
    await net.ldkConnects(ldkAnchors, ks);
    const c = await net.ldkOpens(ldkAnchors, ks, 400_000n, { anchors: true, pushMsat: 5_000_000n });
    assertAgree(c, 400_000n, false, 5_000_000n, [STATIC_REMOTEKEY, ANCHORS_ZERO_FEE_HTLC]);
    anchorsChannel = c;
  }),
);

test(
  'ksnode opens a channel to LDK (anchors configured): both reach channel_ready',
  { timeout: 60_000 },
  () =>
    net.explain(async () => {
      const c = await net.ksOpens(ks, ldkAnchors, 200_000n);
      // The request names no format and the node's channel-type setting is the default: ksnode
      // proposes static_remotekey, which an anchors-capable LDK accepts as well.
      assertAgree(c, 200_000n, true, 0n, [STATIC_REMOTEKEY]);
    }),
);

test('HTLCs both ways on the anchors channel, then a cooperative close by ksnode', { timeout: 60_000 }, () =>
  net.explain(async () => {
    const c = anchorsChannel;
    assert.ok(c !== undefined, 'the anchors channel is open');
    const ksId = hexToBytes(ks.nodeId);
    // Several HTLCs at once each way: commitments with HTLC outputs, and (anchors) second-level
    // HTLC signatures with SIGHASH_SINGLE|ANYONECANPAY, checked by both sides.
    const fromLdk = [10_000_000n, 11_000_000n, 12_000_000n].map((a) => ldkAnchors.keysend(ksId, a));
    for (const p of await Promise.all(fromLdk)) {
      assert.equal(p.status, 'succeeded', p.failure ?? '');
      assert.equal(p.path?.[0]?.shortChannelId, c.ldkSide.shortChannelId, 'over the anchors channel');
    }
    // Now ksnode has more than LDK's reserve to send with.
    const fromKs = [4_000_000n, 5_000_000n].map((a) =>
      ksKeysend(ks, bytesToHex(ldkAnchors.nodeId), a, {
        outgoingChannel: scidText(c.ldkSide.shortChannelId!),
      }),
    );
    for (const p of await Promise.all(fromKs)) assert.equal(p.status, 'succeeded', p.failureReason ?? '');
    const ours = await waitFor('the HTLCs settled', async () => {
      const x = await channelById(ks, c.channelId);
      return x?.pendingHtlcs === 0 ? x : undefined;
    });
    assert.equal(BigInt(ours.localBalanceMsat), 5_000_000n + 33_000_000n - 9_000_000n);

    const since = await net.lastSeq(ldkAnchors);
    await ks.api('POST', `/v1/channels/${c.channelId}/close`, {});
    const spend = await waitFor(
      'the closing transaction',
      async () => net.devnet.outspend(txidFromHex(c.ksSide.fundingTxid), c.ksSide.fundingOutputIndex),
      20_000,
    );
    const loc = net.devnet.getTx(spend.txid);
    assert.ok(loc !== undefined);
    // A mutual close has no anchors: our balance (rounded down) and LDK's less the fee.
    const outs = loc.ptx.tx.outputs.map((o) => o.amount);
    assert.ok(outs.includes(BigInt(ours.localBalanceMsat) / 1000n), `our output among ${outs}`);
    await net.mine(1);
    const closed = await ldkAnchors.waitEvent('ChannelClosed', { channelId: c.channelId }, since, 20_000);
    assert.match(String(closed.data.reason), /cooperative/i);
  }),
);

test(
  'ksnode opens an anchors channel to LDK (anchors configured): channel_ready, keysend both ways, cooperative close by LDK',
  { timeout: 90_000 },
  () =>
    net.explain(async () => {
      const since = await net.lastSeq(ldkAnchors);
      const c = await net.ksOpens(ks, ldkAnchors, 250_000n, 0n, { channelType: 'anchors' });
      assertAgree(c, 250_000n, true, 0n, [STATIC_REMOTEKEY, ANCHORS_ZERO_FEE_HTLC]);
      const ready = await ldkAnchors.waitEvent('ChannelReady', { channelId: c.channelId }, since, 5000);
      assert.deepEqual(
        [...(ready.data.channelTypeBits as number[])].sort((a, b) => a - b),
        [STATIC_REMOTEKEY, ANCHORS_ZERO_FEE_HTLC],
      );
      const scid = c.ldkSide.shortChannelId!;
      const ksId = hexToBytes(ks.nodeId);
      // ksnode funded everything: it pays first, over this channel, so that LDK has something to send.
      const fromKs = [6_000_000n, 7_000_000n].map((a) =>
        ksKeysend(ks, bytesToHex(ldkAnchors.nodeId), a, { outgoingChannel: scidText(scid) }),
      );
      for (const p of await Promise.all(fromKs)) assert.equal(p.status, 'succeeded', p.failureReason ?? '');
      // LDK's other channel with ksnode (static_remotekey, funded by ksnode, nothing pushed) has no
      // outbound capacity on LDK's side, so LDK's payments can only take this one.
      const fromLdk = [1_000_000n, 2_000_000n].map((a) => ldkAnchors.keysend(ksId, a));
      for (const p of await Promise.all(fromLdk)) {
        assert.equal(p.status, 'succeeded', p.failure ?? '');
        assert.equal(p.path?.[0]?.shortChannelId, scid, 'over the anchors channel');
      }
      const ours = await waitFor('the HTLCs settled', async () => {
        const x = await channelById(ks, c.channelId);
        return x?.pendingHtlcs === 0 && BigInt(x.remoteBalanceMsat) === 10_000_000n ? x : undefined;
      });
      // Balances before fees (the funder pays the commitment fee and the anchors out of its own).
      assert.equal(BigInt(ours.localBalanceMsat), 240_000_000n);
      assert.equal(ours.channelType, 'anchors');

      await ldkAnchors.closeChannel(hexToBytes(c.channelId), ksId);
      const spend = await waitFor(
        'the closing transaction',
        async () => net.devnet.outspend(txidFromHex(c.ksSide.fundingTxid), c.ksSide.fundingOutputIndex),
        20_000,
      );
      const loc = net.devnet.getTx(spend.txid);
      assert.ok(loc !== undefined);
      // A mutual close has no anchor outputs: LDK's 10,000 sat exactly (ksnode, the funder, pays the fee).
      const outs = loc.ptx.tx.outputs.map((o) => o.amount);
      assert.equal(outs.length, 2, `two outputs: ${outs}`);
      assert.ok(outs.includes(10_000n), `LDK's output among ${outs}`);
      await net.mine(1);
      const closed = await ldkAnchors.waitEvent('ChannelClosed', { channelId: c.channelId }, since, 20_000);
      assert.match(String(closed.data.reason), /cooperative/i);
    }),
);
