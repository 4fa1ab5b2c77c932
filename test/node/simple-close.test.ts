// test/node/simple-close.test.ts: two ksnode processes on a devnet close a channel through
// option_simple_close (closing_complete / closing_sig, both advertise bit 61): the fundee asks for
// the close while the funder is down, the funder's closing transaction is signed by both, survives
// a restart of the funder before it confirms, and pays each side its balance less the fee that side
// paid: the funder its closing_complete fee, the fundee nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashFromHex } from '../../src/chain/index.js';
import { decodeTx, feeForWeight, type Tx, txWeight, withWitnesses } from '../../src/tx/index.js';
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

/** The devnet's fee estimate, which both daemons use as their closing feerate. */
const CLOSING_FEERATE = 1_000;

let cluster: Cluster;
let alice: NodeProcess;
let bob: NodeProcess;

useCluster([{ name: 'alice', fundSat: 1_000_000n }, 'bob'], (c, nodes) => {
  cluster = c;
  [alice, bob] = nodes;
});

/** The fee a closer asks at `feerate`: the signed transaction's weight with 73-byte signatures. */
function feeAt(signed: Tx, feerate: number): bigint {
  const w = signed.inputs[0]!.witness;
  const sig = new Uint8Array(73);
  return feeForWeight(feerate, txWeight(withWitnesses(signed, [[w[0]!, sig, sig, w[3]!]])));
}

test('a cooperative close through option_simple_close pays each side its balance less its own fee', {
  timeout: 120_000,
}, async () => {
  try {
    const peers = await alice.api<{ peers: { nodeId: string; features: number[] }[] }>('GET', '/v1/peers');
    const bobAsPeer = peers.peers.find((p) => p.nodeId === bob.nodeId);
    assert.ok(bobAsPeer?.features.includes(61), 'bob offers option_simple_close (odd bit 61)');

    const id = await openChannel(alice, bob, 400_000n);
    cluster.mine(3);
    await waitActive(id, alice, bob);
    // A balance with a msat remainder on both sides: BOLT 3 rounds each output down.
    const p = await keysend(alice, bob, 50_000_123n, { allowWithoutFeature: true });
    assert.equal(p.status, 'succeeded', p.failureReason ?? '');
    const open = await waitFor('the payment settled', async () => {
      const c = await channelById(alice, id);
      return c?.pendingHtlcs === 0 && c.localBalanceMsat === '349999877' ? c : undefined;
    });
    const aliceSat = BigInt(open.localBalanceMsat) / 1000n;
    const bobSat = BigInt(open.remoteBalanceMsat) / 1000n;
    assert.equal(aliceSat, 349_999n);
    assert.equal(bobSat, 50_000n);
    const walletsBefore = { alice: await onchainSat(alice), bob: await onchainSat(bob) };

    // The fundee asks while the funder is down: its shutdown waits for the reconnection.
    await alice.kill('SIGKILL');
    await bob.api('POST', `/v1/channels/${id}/close`, {});
    await alice.restart();
    const closingTxid = await waitFor(
      'the closing transaction on both sides',
      async () => {
        const [a, b] = [await channelById(alice, id), await channelById(bob, id)];
        return a?.closingTxid && a.closingTxid === b?.closingTxid ? a.closingTxid : undefined;
      },
      30_000,
    );
    const loc = await waitFor('the closing transaction in the mempool', () =>
      cluster.devnet.getTx(hashFromHex(closingTxid)),
    );
    const tx = decodeTx(loc.ptx.raw);
    assert.ok(tx.ok);
    const funding = await channelById(alice, id);
    assert.deepEqual(
      tx.value.inputs[0]!.prevout.txid,
      hashFromHex(funding!.fundingTxid),
      'it spends the funding',
    );
    assert.equal(tx.value.inputs[0]!.prevout.index, funding!.fundingOutputIndex);
    // The option_simple_close shape (BOLT 3): RBF-signalling sequence, two outputs.
    assert.equal(tx.value.inputs[0]!.sequence, 0xfffffffd);
    assert.equal(tx.value.outputs.length, 2);
    assert.equal(cluster.devnet.feeRateSatPerKw, BigInt(CLOSING_FEERATE));
    const fee = feeAt(tx.value, CLOSING_FEERATE);
    assert.ok(fee > 400n && fee < 1_500n, `closing fee ${fee}`);
    const amounts = tx.value.outputs.map((o) => o.amountSat).sort((x, y) => (x < y ? -1 : 1));
    // The funder (alice) sent closing_complete and pays; the fundee's output is its whole balance.
    assert.deepEqual(amounts, [bobSat, aliceSat - fee]);

    // The funder restarts once more before the transaction confirms; it still closes.
    await alice.kill('SIGKILL');
    await alice.restart();
    cluster.mine(1);
    for (const n of [alice, bob])
      await waitFor(
        `${n.name} sees the channel closed`,
        async () => (await channelById(n, id))?.status === 'closed',
      );
    await waitFor('alice credited her balance less her fee', async () => {
      return (await onchainSat(alice)) === walletsBefore.alice + aliceSat - fee;
    });
    await waitFor('bob credited his whole balance', async () => {
      return (await onchainSat(bob)) === walletsBefore.bob + bobSat;
    });
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
  }
});
