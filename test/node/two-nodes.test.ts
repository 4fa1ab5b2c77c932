// test/node/two-nodes.test.ts: two ksnode processes on a devnet over loopback TCP: channels opened
// in both directions, keysend payments with records both ways (one at a time and many at once),
// cooperative closes, and each side's on-chain output equal to its final channel balance.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex, hexToBytes, sha256 } from '../../src/crypto/index.js';
import { decodeTx, txidFromHex } from '../../src/tx/index.js';
import {
  type ChannelJson,
  type Cluster,
  channelById,
  invoice,
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
let aliceToBob = '';
let bobToAlice = '';

useCluster(
  [
    { name: 'alice', fundSat: 2_000_000n },
    { name: 'bob', fundSat: 2_000_000n },
  ],
  (c, nodes) => {
    cluster = c;
    [alice, bob] = nodes;
  },
);

function msat(c: ChannelJson | undefined, field: 'localBalanceMsat' | 'remoteBalanceMsat'): bigint {
  assert.ok(c !== undefined, 'channel not found');
  return BigInt(c[field]);
}

test('channels open in both directions and confirm', { timeout: 60_000 }, async () => {
  try {
    aliceToBob = await openChannel(alice, bob, 500_000n);
    bobToAlice = await openChannel(bob, alice, 300_000n, 20_000_000n);
    cluster.mine(3);
    await waitActive(aliceToBob, alice, bob);
    await waitActive(bobToAlice, alice, bob);
    const ab = await channelById(alice, aliceToBob);
    const abOnBob = await channelById(bob, aliceToBob);
    assert.equal(ab?.initiator, 'local');
    assert.equal(abOnBob?.initiator, 'remote');
    assert.equal(ab?.capacitySat, '500000');
    assert.equal(msat(abOnBob, 'localBalanceMsat'), 0n);
    const ba = await channelById(alice, bobToAlice);
    // The push is Alice's from the start.
    assert.equal(msat(ba, 'localBalanceMsat'), 20_000_000n);
    // Both sides agree on the balances (mirrored).
    assert.equal(msat(ab, 'localBalanceMsat'), msat(abOnBob, 'remoteBalanceMsat'));
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
  }
});

test('keysend with records and a message, both ways', { timeout: 60_000 }, async () => {
  try {
    const records = { '65537': 'deadbeef', '5482373485': '00ff' };
    const p = await keysend(alice, bob, 1_234_567n, {
      message: 'hello bob',
      records,
      allowWithoutFeature: true,
    });
    assert.equal(p.status, 'succeeded', p.failureReason ?? '');
    assert.ok(p.preimage !== null);
    assert.equal(bytesToHex(sha256(hexToBytes(p.preimage))), p.paymentHash);
    const inv = await invoice(bob, p.paymentHash);
    assert.equal(inv?.state, 'settled');
    assert.equal(inv?.keysend, true);
    assert.equal(inv?.amountReceivedMsat, '1234567');
    assert.equal(inv?.app?.message, 'hello bob');
    assert.equal(inv?.records['65537'], 'deadbeef');
    assert.equal(inv?.records['5482373485'], '00ff');

    const back = await keysend(bob, alice, 45_000n, {
      records: { '65539': '0102' },
      allowWithoutFeature: true,
    });
    assert.equal(back.status, 'succeeded', back.failureReason ?? '');
    const invBack = await invoice(alice, back.paymentHash);
    assert.equal(invBack?.state, 'settled');
    assert.equal(invBack?.records['65539'], '0102');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
  }
});

/** Waits until no HTLC is pending on either side of the given channels. */
async function settled(...ids: string[]): Promise<void> {
  await waitFor('no HTLC left pending', async () => {
    for (const n of [alice, bob])
      for (const id of ids) if ((await channelById(n, id))?.pendingHtlcs !== 0) return false;
    return true;
  });
}

test('many HTLCs at once each way leave both sides agreeing', { timeout: 60_000 }, async () => {
  try {
    await settled(aliceToBob, bobToAlice);
    const before = await Promise.all([channelById(alice, aliceToBob), channelById(alice, bobToAlice)]);
    const aliceTotalBefore = msat(before[0], 'localBalanceMsat') + msat(before[1], 'localBalanceMsat');
    const sends = [
      ...[1, 2, 3, 4, 5, 6].map((i) =>
        keysend(alice, bob, 10_000n * BigInt(i), { allowWithoutFeature: true }),
      ),
      ...[1, 2, 3, 4].map((i) => keysend(bob, alice, 7_000n * BigInt(i), { allowWithoutFeature: true })),
    ];
    const results = await Promise.all(sends);
    for (const r of results) assert.equal(r.status, 'succeeded', r.failureReason ?? '');
    const aliceSent = 10_000n * 21n;
    const bobSent = 7_000n * 10n;
    await settled(aliceToBob, bobToAlice);
    const [ab, ba, abB, baB] = await Promise.all([
      channelById(alice, aliceToBob),
      channelById(alice, bobToAlice),
      channelById(bob, aliceToBob),
      channelById(bob, bobToAlice),
    ]);
    const aliceTotal = msat(ab, 'localBalanceMsat') + msat(ba, 'localBalanceMsat');
    // Direct payments carry no routing fee: Alice is down exactly what she sent net.
    assert.equal(aliceTotal, aliceTotalBefore - aliceSent + bobSent);
    assert.equal(msat(ab, 'localBalanceMsat'), msat(abB, 'remoteBalanceMsat'));
    assert.equal(msat(ba, 'localBalanceMsat'), msat(baB, 'remoteBalanceMsat'));
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
  }
});

/** Closes `channelId` from `closer`, mines the closing transaction, and checks its outputs. */
async function closeAndCheck(closer: NodeProcess, other: NodeProcess, channelId: string): Promise<void> {
  await settled(channelId);
  const before = await channelById(closer, channelId);
  const closerMsat = msat(before, 'localBalanceMsat');
  const otherMsat = msat(before, 'remoteBalanceMsat');
  const closerIsFunder = before?.initiator === 'local';
  const closerWallet = await onchainSat(closer);
  const otherWallet = await onchainSat(other);
  await closer.api('POST', `/v1/channels/${channelId}/close`, {});
  const closing = await waitFor('the closing transaction', async () => {
    const c = await channelById(closer, channelId);
    return c?.closingTxid ?? undefined;
  });
  const loc = await waitFor('the closing tx in the mempool', () =>
    cluster.devnet.getTx(txidFromHex(closing)),
  );
  const tx = decodeTx(loc.ptx.raw);
  assert.ok(tx.ok);
  const byOwner = (sat: bigint) => tx.value.outputs.filter((o) => o.amountSat === sat).length;
  // BOLT 3: each side's output is its balance rounded down to whole satoshis; the funder's
  // output also pays the agreed closing fee. (Both balances are above the dust limit here.)
  const funderBalanceSat = (closerIsFunder ? closerMsat : otherMsat) / 1000n;
  const fundeeSat = (closerIsFunder ? otherMsat : closerMsat) / 1000n;
  assert.ok(fundeeSat >= 546n && funderBalanceSat >= 546n, 'test setup: both balances above dust');
  assert.equal(tx.value.outputs.length, 2);
  assert.equal(byOwner(fundeeSat), 1, `an output of exactly the fundee's ${fundeeSat} sat`);
  const funderOut = tx.value.outputs.find((o) => o.amountSat !== fundeeSat)!.amountSat;
  const fee = funderBalanceSat - funderOut;
  // The agreed fee: what the inputs lose beyond the two balances (at the devnet's 253 sat/kw floor
  // a two-output closing transaction weighs about 700 units).
  assert.ok(fee > 100n && fee < 1_000n, `closing fee ${fee}`);
  const funderSat = funderOut;
  // Nothing else is in the channel: the two balances are the whole capacity.
  assert.equal(closerMsat + otherMsat, BigInt(before!.capacitySat) * 1000n);
  cluster.mine(1);
  for (const n of [closer, other])
    await waitFor(
      `${n.name} sees the channel closed`,
      async () => (await channelById(n, channelId))?.status === 'closed',
    );
  // The outputs went to each side's wallet.
  const closerGain = closerIsFunder ? funderSat : fundeeSat;
  const otherGain = closerIsFunder ? fundeeSat : funderSat;
  await waitFor(
    `${closer.name}'s wallet credited`,
    async () => (await onchainSat(closer)) === closerWallet + closerGain,
  );
  await waitFor(
    `${other.name}'s wallet credited`,
    async () => (await onchainSat(other)) === otherWallet + otherGain,
  );
}

test('cooperative closes pay each side its final balance', { timeout: 60_000 }, async () => {
  try {
    await closeAndCheck(alice, bob, aliceToBob);
    // The other channel is closed by its fundee.
    await closeAndCheck(alice, bob, bobToAlice);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
  }
});
