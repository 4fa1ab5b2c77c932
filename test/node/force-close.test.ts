// test/node/force-close.test.ts: a force close between two ksnode processes. Alice broadcasts her
// commitment; Bob's to_remote output is exactly his balance and he sweeps it at once; Alice's
// to_local waits for the to_self_delay Bob imposed (6 blocks here; she is killed and restarted
// meanwhile), then she sweeps it. Both
// wallets end up with their channel balance less the on-chain fees.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTx, txidFromHex } from '../../src/tx/index.js';
import {
  type Cluster,
  channelById,
  keysend,
  type NodeProcess,
  onchainSat,
  openChannel,
  useCluster,
  waitActive,
  waitFor,
} from './harness.js';

let cluster: Cluster;
let alice: NodeProcess;
let bob: NodeProcess;

const flags = { 'to-self-delay': '6' };
useCluster(
  [
    { name: 'alice', flags, fundSat: 2_000_000n },
    { name: 'bob', flags },
  ],
  (c, nodes) => {
    cluster = c;
    [alice, bob] = nodes;
  },
);

test('force close: each side sweeps its balance, the closer after the delay', {
  timeout: 60_000,
}, async () => {
  try {
    const id = await openChannel(alice, bob, 500_000n, 100_000_000n);
    cluster.mine(3);
    await waitActive(id, alice, bob);
    const p = await keysend(alice, bob, 1_234_567n, { allowWithoutFeature: true });
    assert.equal(p.status, 'succeeded', p.failureReason ?? '');
    await waitFor('settled', async () => (await channelById(alice, id))?.pendingHtlcs === 0);
    await waitFor('settled on bob', async () => (await channelById(bob, id))?.pendingHtlcs === 0);
    const before = await channelById(alice, id);
    const aliceMsat = BigInt(before!.localBalanceMsat);
    const bobMsat = BigInt(before!.remoteBalanceMsat);
    assert.equal(bobMsat, 101_234_567n);
    const [aliceWallet, bobWallet] = [await onchainSat(alice), await onchainSat(bob)];

    const r = await alice.api<{ closingTxid: string | null }>('POST', `/v1/channels/${id}/close`, {
      force: true,
    });
    assert.ok(r.closingTxid !== null);
    const loc = await waitFor('the commitment in the mempool', () =>
      cluster.devnet.getTx(txidFromHex(r.closingTxid!)),
    );
    const tx = decodeTx(loc.ptx.raw);
    assert.ok(tx.ok);
    const amounts = tx.value.outputs.map((o) => o.amountSat);
    // BOLT 3: the to_remote output is Bob's balance rounded down; Alice (the funder) pays the fee.
    const bobOut = bobMsat / 1000n;
    assert.ok(amounts.includes(bobOut), `no output of ${bobOut} in ${amounts}`);
    const aliceOut = amounts.find((a) => a !== bobOut)!;
    const commitFee = aliceMsat / 1000n - aliceOut;
    assert.ok(commitFee > 0n && commitFee < 2_000n, `commitment fee ${commitFee}`);

    // The commitment confirms: Bob sweeps his output at once.
    cluster.mine(1);
    await waitFor('bob broadcasts his sweep', () => cluster.devnet.mempoolTxids().length > 0);
    cluster.mine(1);
    const bobGain = await waitFor('bob credited', async () => {
      const g = (await onchainSat(bob)) - bobWallet;
      return g > 0n ? g : undefined;
    });
    assert.ok(bobGain <= bobOut && bobOut - bobGain < 1_000n, `bob got ${bobGain} of ${bobOut}`);
    // Closed for Bob once his sweep confirmed.
    await waitFor(
      'bob sees the channel closed',
      async () => (await channelById(bob, id))?.status === 'closed',
    );
    // Alice's to_local is locked for the 6 blocks Bob asked for.
    assert.equal(await onchainSat(alice), aliceWallet);
    assert.equal(cluster.devnet.mempoolTxids().length, 0);
    // The commitment confirmed at height H; at H+4 it has 5 confirmations: not yet.
    cluster.mine(3);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(cluster.devnet.mempoolTxids().length, 0, 'alice swept before the delay');
    // A crash while waiting: the restarted node still knows what to sweep.
    await alice.kill('SIGKILL');
    await alice.restart();
    // At H+5 (6 confirmations) the sweep may go into the next block (BIP 68).
    cluster.mine(1);
    await waitFor('alice broadcasts her sweep', () => cluster.devnet.mempoolTxids().length > 0);
    cluster.mine(1);
    const aliceGain = await waitFor('alice credited', async () => {
      const g = (await onchainSat(alice)) - aliceWallet;
      return g > 0n ? g : undefined;
    });
    assert.ok(
      aliceGain <= aliceOut && aliceOut - aliceGain < 1_000n,
      `alice got ${aliceGain} of ${aliceOut}`,
    );
    await waitFor(
      'alice sees the channel closed',
      async () => (await channelById(alice, id))?.status === 'closed',
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
  }
});
