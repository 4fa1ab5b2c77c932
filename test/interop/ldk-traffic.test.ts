// Interop scenario 7: sustained traffic between ksnode and LDK 0.1. 200 keysend payments, both
// directions interleaved in concurrent batches over a channel each way; LDK drops the connection
// in the middle of a batch and ksnode redials it (channel_reestablish on both channels); then both
// channels close cooperatively. Both sides' balances agree with the payments that succeeded at
// every step, and the closing transactions pay each side exactly its final balance.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hashToHex } from '../../src/chain/index.js';
import { bytesToHex, hexToBytes } from '../../src/crypto/index.js';
import { decodeTx, txidFromHex } from '../../src/tx/index.js';
import { channelById, type NodeProcess, waitFor } from '../node/harness.js';
import type { LdkPeer } from './ldk/client.js';
import { type InteropNet, ksKeysend, type OpenedChannel, pairWithChannels } from './ldk-net.js';

const PAYMENTS = 200;
const KS_IN_FLIGHT = 8;
const LDK_SPACING_MS = 120;
/** Payments allowed to fail: those caught by the disconnection. */
const MAX_FAILED = 20;

let net: InteropNet;
let ks: NodeProcess;
let ldk: LdkPeer;
let ksToLdk: OpenedChannel;
let ldkToKs: OpenedChannel;

before(
  async () => {
    ({ net, ks, ldk, ksToLdk, ldkToKs } = await pairWithChannels({}, 1_000_000n));
  },
  { timeout: 90_000 },
);

after(async () => {
  await net?.close();
});

/** ksnode's local balance over both channels, once neither has an HTLC pending on either side. */
async function settledBalances(): Promise<{ ksMsat: bigint; ldkMsat: bigint }> {
  return waitFor(
    'no HTLC pending on either side',
    async () => {
      const ksSide = await Promise.all([ksToLdk, ldkToKs].map((c) => channelById(ks, c.channelId)));
      const ldkSide = await Promise.all([ksToLdk, ldkToKs].map((c) => net.ldkChannel(ldk, c.channelId)));
      if (ksSide.some((c) => c === undefined || c.pendingHtlcs !== 0)) return undefined;
      if (ldkSide.some((c) => c === undefined || c.pendingInboundHtlcs + c.pendingOutboundHtlcs !== 0))
        return undefined;
      const ksMsat = ksSide.reduce((s, c) => s + BigInt(c!.localBalanceMsat), 0n);
      const ldkView = ksSide.reduce((s, c) => s + BigInt(c!.remoteBalanceMsat), 0n);
      return { ksMsat, ldkMsat: ldkView };
    },
    30_000,
    100,
  );
}

/** Amount of payment i: above the dust limits (LDK caps dust HTLC exposure), all different. */
const amountOf = (i: number): bigint => 5_000_000n + BigInt(i) * 1_013n;

test(
  '200 keysends both ways, a reconnection mid-stream, then cooperative closes; balances agree',
  {
    timeout: 90_000,
  },
  () =>
    net.explain(async () => {
      const start = await settledBalances();
      let ksSent = 0n;
      let ldkSent = 0n;
      let ok = 0;
      let done = 0;
      const failures: string[] = [];
      const ksId = hexToBytes(ks.nodeId);
      let reconnected: Promise<void> | undefined;
      const finished = (): void => {
        done++;
        // Mid-stream, with payments in flight both ways: LDK drops the connection; ksnode redials
        // (a channel peer) and both channels go through channel_reestablish.
        if (done === PAYMENTS / 2)
          reconnected = ldk.disconnect(ksId).then(() => ldk.waitPeer(ksId, 30_000).then(() => undefined));
      };
      const ksPays = async (i: number): Promise<void> => {
        // Payments started while the peer is away would fail at once: wait for the reconnection.
        await reconnected;
        const amount = amountOf(i);
        const p = await ksKeysend(ks, bytesToHex(ldk.nodeId), amount, {
          records: { '65537': i.toString(16).padStart(4, '0') },
        });
        if (p.status === 'succeeded') {
          ok++;
          ksSent += amount;
        } else failures.push(`ks #${i}: ${p.failureReason}`);
        finished();
      };
      const ldkPays = async (i: number): Promise<void> => {
        await reconnected;
        const amount = amountOf(i);
        const p = await ldk.keysend(ksId, amount, { retries: 5, timeoutMs: 40_000 });
        if (p.status === 'succeeded') {
          ok++;
          ldkSent += amount;
        } else failures.push(`ldk #${i}: ${p.failure}`);
        finished();
      };
      // ksnode sends its half KS_IN_FLIGHT at a time; LDK starts one every LDK_SPACING_MS (ksnode
      // takes at most 5 keysends a second from one peer after a burst of 50, and answers more with
      // incorrect_or_unknown_payment_details, which LDK takes as final).
      const ksQueue = Array.from({ length: PAYMENTS / 2 }, (_, k) => 2 * k);
      const ksWorkers = Array.from({ length: KS_IN_FLIGHT }, async () => {
        for (let i = ksQueue.shift(); i !== undefined; i = ksQueue.shift()) await ksPays(i);
      });
      const ldkJobs: Promise<void>[] = [];
      for (let k = 0; k < PAYMENTS / 2; k++) {
        ldkJobs.push(ldkPays(2 * k + 1));
        await new Promise((r) => setTimeout(r, LDK_SPACING_MS));
      }
      await Promise.all([...ksWorkers, ...ldkJobs]);
      assert.ok(reconnected !== undefined, 'the disconnection happened mid-stream');
      await reconnected;
      assert.equal(done, PAYMENTS);
      // Failed payments are allowed only around the disconnection, and must leave no trace.
      assert.ok(ok >= PAYMENTS - MAX_FAILED, `${ok} of ${PAYMENTS} succeeded: ${failures.join('; ')}`);
      const end = await settledBalances();
      assert.equal(end.ksMsat, start.ksMsat - ksSent + ldkSent, 'ksnode: start - sent + received');
      assert.equal(end.ldkMsat, start.ldkMsat + ksSent - ldkSent, 'LDK as ksnode sees it');
      // LDK's own view of each channel: its balance is what ksnode thinks LDK holds.
      for (const c of [ksToLdk, ldkToKs]) {
        const ours = await channelById(ks, c.channelId);
        const theirs = await net.ldkChannel(ldk, c.channelId);
        assert.ok(ours !== undefined && theirs !== undefined);
        assert.ok(theirs.isUsable, 'usable again after the reconnection');
        // LDK's outbound capacity is its balance less the reserve we ask of it.
        const reserveMsat = BigInt(ours.capacitySat) * 10n; // 1 % of the channel, in msat
        assert.equal(
          theirs.outboundCapacityMsat,
          BigInt(ours.remoteBalanceMsat) - reserveMsat,
          'LDK balance',
        );
      }

      // Cooperative closes: ksnode closes the channel it funded, LDK the one it funded.
      const closes = [
        { c: ksToLdk, ksFunds: true },
        { c: ldkToKs, ksFunds: false },
      ];
      const since = await net.lastSeq(ldk);
      const before = await Promise.all(closes.map(({ c }) => channelById(ks, c.channelId)));
      await ks.api('POST', `/v1/channels/${ksToLdk.channelId}/close`, {});
      await ldk.closeChannel(hexToBytes(ldkToKs.channelId), ksId);
      for (const [k, { c, ksFunds }] of closes.entries()) {
        const fundingTxid = txidFromHex(c.ksSide.fundingTxid);
        const spend = await waitFor(
          'the closing transaction',
          async () => net.devnet.outspend(fundingTxid, c.ksSide.fundingOutputIndex),
          20_000,
        );
        const loc = net.devnet.getTx(spend.txid);
        assert.ok(loc !== undefined);
        const tx = decodeTx(loc.ptx.raw);
        assert.ok(tx.ok);
        const outputs = tx.value.outputs.map((o) => o.amountSat);
        const ksMsat = BigInt(before[k]!.localBalanceMsat);
        const ldkMsat = BigInt(before[k]!.remoteBalanceMsat);
        const [funderMsat, fundeeMsat] = ksFunds ? [ksMsat, ldkMsat] : [ldkMsat, ksMsat];
        // BOLT 3: each output is its owner's balance rounded down to the satoshi, the funder's less
        // the closing fee (the msat remainders go to the miner too).
        const fundeeSat = fundeeMsat / 1000n;
        assert.equal(outputs.length, 2, `two outputs in ${hashToHex(spend.txid)}`);
        assert.ok(
          outputs.includes(fundeeSat),
          `the fundee's output is its balance: ${outputs} vs ${fundeeSat}`,
        );
        const funderOut = outputs[0] === fundeeSat ? outputs[1]! : outputs[0]!;
        const closingFee = funderMsat / 1000n - funderOut;
        assert.ok(closingFee > 0n && closingFee < 5_000n, `closing fee ${closingFee}`);
        const remainder = BigInt(c.ksSide.capacitySat) - funderOut - fundeeSat - closingFee;
        assert.ok(remainder === 0n || remainder === 1n, `only rounding beyond the fee: ${remainder} sat`);
      }
      await net.mine(1);
      for (const [k, { c }] of closes.entries()) {
        const closed = await ldk.waitEvent('ChannelClosed', { channelId: c.channelId }, since, 20_000);
        assert.match(String(closed.data.reason), /cooperative/i);
        // LDK's last balance in the channel is what ksnode held as LDK's.
        assert.equal(closed.data.lastLocalBalanceMsat, before[k]!.remoteBalanceMsat);
        await waitFor(
          'ksnode sees the channel closed',
          async () => (await channelById(ks, c.channelId))?.status === 'closed',
        );
      }
    }),
);
