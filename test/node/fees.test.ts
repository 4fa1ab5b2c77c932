// test/node/fees.test.ts: two ksnode processes on a devnet whose fee estimate moves. The funder
// sends update_fee on the next block; both commitments then pay the new rate (each side's
// force-closed commitment shows it); a fall to less than half is followed too, a move while the
// peer was away right after channel_reestablish, and a cooperative close without a feerate pays
// the chain's estimate. Then the receiving side of the dust exposure cap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawTx } from '@scure/btc-signer/script.js';
import { commitmentFeeSat, txidFromHex } from '../../src/tx/index.js';
import {
  type ChannelJson,
  type Cluster,
  channelById,
  connect,
  keysend,
  NodeProcess,
  openChannel,
  useCluster,
  waitActive,
  waitFor,
} from './harness.js';

let cluster: Cluster;
let alice: NodeProcess;
let bob: NodeProcess;

// One coin per channel: the three opens must not wait for each other's change.
useCluster([{ name: 'alice', fundSat: 600_000n, coins: 4 }, 'bob'], (c, nodes) => {
  cluster = c;
  [alice, bob] = nodes;
});

/** The feerates of the `update_fee sent` log lines of `n` for channel `id` (sent for `why`, if given). */
function feeUpdates(n: NodeProcess, id: string, why?: 'block' | 'reconnected'): number[] {
  const out: number[] = [];
  for (const line of n.logTail) {
    if (!line.includes('"update_fee sent"')) continue;
    try {
      const j = JSON.parse(line) as { channelId?: string; feeratePerKw?: number; why?: string };
      if (j.channelId === id && j.feeratePerKw !== undefined && (why === undefined || j.why === why))
        out.push(j.feeratePerKw);
    } catch {}
  }
  return out;
}

async function settled(id: string): Promise<void> {
  for (const n of [alice, bob])
    await waitFor(`no HTLCs on ${n.name}`, async () => (await channelById(n, id))?.pendingHtlcs === 0);
}

/** The transaction spending channel `id`'s funding output (whoever broadcast it), its fee and weight. */
async function spendingTx(n: NodeProcess, id: string) {
  const c = await channelById(n, id);
  assert.ok(c !== undefined);
  const funding = txidFromHex(c.fundingTxid);
  const loc = await waitFor('the funding spend on the devnet', () => {
    const s = cluster.devnet.outspend(funding, c.fundingOutputIndex);
    return s === undefined ? undefined : cluster.devnet.getTx(s.txid);
  });
  const outputs = loc.ptx.tx.outputs;
  const feeSat = BigInt(c.capacitySat) - outputs.reduce((s, o) => s + o.amount, 0n);
  const base = RawTx.encode({ ...loc.ptx.tx, segwitFlag: false, witnesses: undefined }).length;
  return { feeSat, weight: BigInt(base * 3 + loc.ptx.raw.length), outputs: outputs.length };
}

test('fees follow the chain: update_fee on a rise and a fall, commitments and a mutual close at the estimate', {
  timeout: 90_000,
}, async () => {
  try {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await openChannel(alice, bob, 400_000n, 50_000_000n));
    cluster.mine(3);
    for (const id of ids) await waitActive(id, alice, bob);
    const [forBob, forAlice, forClose] = ids as [string, string, string];
    for (const id of ids)
      assert.deepEqual(feeUpdates(alice, id), [], 'opened at the estimate: nothing to do');

    // Fees rise from 1,000 to 5,000 sat/kw; the next block brings update_fee on every channel.
    cluster.devnet.setFeeRate(5_000n);
    cluster.mine(1);
    for (const id of ids)
      await waitFor(`update_fee on ${id.slice(0, 8)}`, () => feeUpdates(alice, id).includes(5_000));
    assert.deepEqual(feeUpdates(bob, forBob), [], 'the fundee never sends update_fee');
    // A payment over each channel afterwards: update_fee came first, so once the HTLC is
    // irrevocably committed on both sides, so is the new feerate.
    for (const id of ids) {
      const scid = (await channelById(alice, id))?.shortChannelId;
      assert.ok(scid);
      const p = await keysend(alice, bob, 2_000_000n, { allowWithoutFeature: true, outgoingChannel: scid });
      assert.equal(p.status, 'succeeded', p.failureReason ?? '');
      await settled(id);
    }

    // The commitments pay 5,000 sat/kw: 724 weight units without HTLCs (BOLT 3). Each side
    // force closes one channel; the other side answers the error with its own commitment, so
    // either may reach the chain first: both must pay the new rate.
    const expected = commitmentFeeSat('static_remotekey', 5_000, 0);
    assert.equal(expected, 3_620n);
    for (const [closer, id] of [
      [bob, forBob],
      [alice, forAlice],
    ] as const) {
      assert.equal((await channelById(closer, id))?.pendingHtlcs, 0);
      await closer.api('POST', `/v1/channels/${id}/close`, { force: true });
      const tx = await spendingTx(closer, id);
      assert.equal(tx.feeSat, expected, `commitment fee after ${closer.name}'s force close`);
    }

    // Fees fall to 2,000 (below half of 5,000): the funder lowers the rate too.
    cluster.devnet.setFeeRate(2_000n);
    cluster.mine(1);
    await waitFor('update_fee down', () => feeUpdates(alice, forClose).includes(2_000));
    // A small further move (+5%) is not worth an update.
    cluster.devnet.setFeeRate(2_100n);
    cluster.mine(1);
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepEqual(feeUpdates(alice, forClose), [5_000, 2_000]);

    // Fees move while Bob is down: Alice cannot update then, and does right after reestablishing.
    await bob.kill('SIGKILL');
    cluster.devnet.setFeeRate(6_000n);
    cluster.mine(1);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(feeUpdates(alice, forClose), [5_000, 2_000], 'no update_fee to a peer that is away');
    await bob.restart();
    await waitFor('update_fee after channel_reestablish', () =>
      feeUpdates(alice, forClose, 'reconnected').includes(6_000),
    );

    // A mutual close without a feerate pays the chain's estimate (6,000 sat/kw), not 253.
    await settled(forClose);
    const c: ChannelJson | undefined = await channelById(alice, forClose);
    assert.equal(c?.status, 'open');
    await alice.api('POST', `/v1/channels/${forClose}/close`, {});
    const tx = await spendingTx(alice, forClose);
    assert.equal(tx.outputs, 2);
    const rate = (tx.feeSat * 1000n) / tx.weight;
    assert.ok(rate >= 5_900n && rate <= 6_100n, `closing feerate ${rate} sat/kw (fee ${tx.feeSat})`);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
  }
});

test('dust exposure, receiving side: an HTLC past the cap is failed back, the channel stays', {
  timeout: 60_000,
}, async () => {
  // Carol allows 500 sat of dust: any trimmed HTLC (below about 2,000 sat at 2,100 sat/kw) is
  // past it on its own, whatever else is in flight.
  const carol = await NodeProcess.spawn('carol', cluster.chainUrl, {
    flags: { 'max-dust-exposure-msat': '500000' },
  });
  cluster.nodes.push(carol);
  try {
    await connect(alice, carol);
    const id = await openChannel(alice, carol, 400_000n);
    cluster.mine(3);
    await waitActive(id, alice, carol);
    const dust = await keysend(alice, carol, 900_000n, { allowWithoutFeature: true });
    assert.equal(dust.status, 'failed');
    assert.match(dust.failureReason ?? '', /temporary_channel_failure/);
    // Carol's switch refused it (the driver judged it when it was committed).
    const failedBack = carol.logTail.filter(
      (l) => l.includes('"HTLC refused"') && l.includes('dust exposure'),
    );
    assert.ok(failedBack.length > 0, 'carol failed the HTLC back for dust exposure');
    assert.match(failedBack[0]!, /"failure":"temporary_channel_failure"/);
    assert.match(failedBack[0]!, /dust balance 900000 msat, above our limit 500000 msat/);
    // The channel was not failed: both sides still have it open, and it still pays.
    for (const n of [alice, carol]) assert.equal((await channelById(n, id))?.status, 'open');
    const big = await keysend(alice, carol, 50_000_000n, { allowWithoutFeature: true });
    assert.equal(big.status, 'succeeded', big.failureReason ?? '');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
  }
});
