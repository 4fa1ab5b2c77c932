// Interop scenario 8: ksnode is killed (SIGKILL) with HTLCs in flight to LDK 0.1 and restarted on
// the same data directory. While it is down LDK settles some of them and fails another; after the
// restart ksnode redials LDK, both sides go through channel_reestablish, and nothing is lost: every
// payment ends as LDK decided, with the preimage where LDK claimed, and both sides' balances agree.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { bytesToHex, hexToBytes, sha256 } from '../../src/crypto/index.js';
import { channelById, type NodeProcess, type PaymentJson, waitFor } from '../node/harness.js';
import type { LdkPeer } from './ldk/client.js';
import { InteropNet, ksKeysend, ksPayment, type OpenedChannel } from './ldk-net.js';

let net: InteropNet;
let ks: NodeProcess;
let ldk: LdkPeer;
let channel: OpenedChannel;

before(
  async () => {
    net = await InteropNet.start();
    // LDK holds what it receives until told to claim or fail it.
    [ks, ldk] = await Promise.all([net.ksnode('ks'), net.ldk({ claim: false })]);
    await net.explain(async () => {
      await net.ksConnects(ks, ldk);
      channel = await net.ksOpens(ks, ldk, 600_000n);
    });
  },
  { timeout: 90_000 },
);

after(async () => {
  await net?.close();
});

async function balances(): Promise<{ ksLocal: bigint; ksRemote: bigint; pending: number }> {
  const c = await channelById(ks, channel.channelId);
  assert.ok(c !== undefined);
  return {
    ksLocal: BigInt(c.localBalanceMsat),
    ksRemote: BigInt(c.remoteBalanceMsat),
    pending: c.pendingHtlcs,
  };
}

test('SIGKILL with HTLCs in flight to LDK, restart, reestablish: nothing lost', { timeout: 90_000 }, () =>
  net.explain(async () => {
    const start = await balances();
    const ldkId = bytesToHex(ldk.nodeId);
    const amounts = [11_000_000n, 12_000_000n, 13_000_000n];
    // Three payments committed to the channel and held by LDK.
    const started = await Promise.all(amounts.map((a) => ksKeysend(ks, ldkId, a, { wait: false })));
    const hashes = started.map((p) => p.paymentHash);
    for (const h of hashes) await ldk.waitEvent('PaymentClaimable', { paymentHash: h }, 0, 15_000);
    // A fourth goes out at the moment of the crash: it may or may not have reached LDK.
    const last = await ksKeysend(ks, ldkId, 14_000_000n, { wait: false });
    assert.equal(await ks.kill('SIGKILL'), null, 'killed by the signal');
    await waitFor('LDK notices the disconnection', async () => (await ldk.peers()).length === 0, 15_000);

    // While ksnode is down: LDK claims two and fails one.
    await ldk.claim(hexToBytes(hashes[0]!));
    await ldk.claim(hexToBytes(hashes[1]!));
    await ldk.fail(hexToBytes(hashes[2]!));

    await ks.restart();
    await ldk.waitPeer(hexToBytes(ks.nodeId), 30_000);
    // The fourth: if LDK got it, claim it; either way ksnode must end it as LDK did.
    const lastAtLdk = await ldk
      .waitEvent('PaymentClaimable', { paymentHash: last.paymentHash }, 0, 5_000)
      .then(() => true)
      .catch(() => false);
    if (lastAtLdk) await ldk.claim(hexToBytes(last.paymentHash));

    const final = async (hash: string): Promise<PaymentJson> =>
      waitFor(
        `payment ${hash.slice(0, 8)} resolved`,
        async () => {
          const p = await ksPayment(ks, hash);
          return p.status === 'in_flight' ? undefined : p;
        },
        30_000,
      );
    const [p0, p1, p2, p3] = await Promise.all([...hashes, last.paymentHash].map(final));
    for (const p of [p0!, p1!]) {
      assert.equal(p.status, 'succeeded', `claimed while we were down: ${p.failureReason}`);
      assert.ok(p.preimage !== null);
      assert.equal(bytesToHex(sha256(hexToBytes(p.preimage))), p.paymentHash, 'the preimage LDK revealed');
    }
    assert.equal(p2!.status, 'failed', 'failed while we were down');
    const received = (await ldk.payments()).received;
    const lastRecord = received.find((r) => bytesToHex(r.paymentHash) === last.paymentHash);
    assert.equal(
      p3!.status,
      lastRecord?.status === 'claimed' ? 'succeeded' : 'failed',
      'the fourth as LDK decided',
    );

    // Balances: what LDK claimed moved, nothing else; both sides agree and nothing is pending.
    const claimed = amounts[0]! + amounts[1]! + (p3!.status === 'succeeded' ? 14_000_000n : 0n);
    const end = await waitFor('no HTLC pending', async () => {
      const b = await balances();
      return b.pending === 0 ? b : undefined;
    });
    assert.equal(end.ksLocal, start.ksLocal - claimed);
    assert.equal(end.ksRemote, start.ksRemote + claimed);
    const theirs = await waitFor('LDK has no HTLC pending', async () => {
      const c = await net.ldkChannel(ldk, channel.channelId);
      return c !== undefined && c.pendingInboundHtlcs === 0 && c.isUsable ? c : undefined;
    });
    // LDK's outbound capacity is its balance less the reserve we ask of it (1 % of the channel).
    assert.equal(theirs.outboundCapacityMsat, end.ksRemote > 6_000_000n ? end.ksRemote - 6_000_000n : 0n);
    const claimedAtLdk = received
      .filter((r) => r.status === 'claimed')
      .reduce((s, r) => s + r.amountMsat, 0n);
    assert.equal(claimedAtLdk, claimed, 'LDK claimed exactly what ksnode paid');

    // The channel still works both ways after all that.
    const again = await ksKeysend(ks, ldkId, 5_000_000n, { wait: false });
    await ldk.waitEvent('PaymentClaimable', { paymentHash: again.paymentHash }, 0, 15_000);
    await ldk.claim(hexToBytes(again.paymentHash));
    assert.equal((await final(again.paymentHash)).status, 'succeeded');
  }),
);
