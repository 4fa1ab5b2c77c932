// test/node/restart.test.ts: SIGKILL of a ksnode process with HTLCs in flight, then a restart on the
// same data directory: the channel is reestablished, every payment ends (succeeded or failed, never
// in flight), a payment succeeded exactly when its recipient settled it, and both sides agree on
// the balances, which moved by exactly the payments that succeeded.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  Cluster,
  channelById,
  connect,
  invoice,
  type NodeProcess,
  openChannel,
  type PaymentJson,
  waitActive,
  waitFor,
} from './harness.js';

let cluster: Cluster;
let alice: NodeProcess;
let bob: NodeProcess;
let channelId = '';

before(async () => {
  cluster = await Cluster.start();
  [alice, bob] = await cluster.add('alice', 'bob');
  await cluster.fund(alice, 3_000_000n);
  await connect(alice, bob);
  channelId = await openChannel(alice, bob, 1_000_000n, 200_000_000n);
  cluster.mine(3);
  await waitActive(channelId, alice, bob);
});

after(async () => {
  await cluster?.close();
});

async function startPayments(from: NodeProcess, to: NodeProcess, amounts: bigint[]): Promise<PaymentJson[]> {
  return Promise.all(
    amounts.map((a, i) =>
      from.api<PaymentJson>('POST', '/v1/keysend', {
        destination: to.nodeId,
        amountMsat: a.toString(),
        message: `payment ${i}`,
        allowWithoutFeature: true,
        wait: false,
      }),
    ),
  );
}

async function finalPayments(node: NodeProcess, hashes: string[]): Promise<PaymentJson[]> {
  return waitFor(
    `${node.name}'s payments to end`,
    async () => {
      const out: PaymentJson[] = [];
      for (const h of hashes) {
        const p = await node.api<PaymentJson>('GET', `/v1/payments/${h}`);
        if (p.status === 'in_flight') return undefined;
        out.push(p);
      }
      return out;
    },
    45_000,
    200,
  );
}

/** Succeeded exactly when the recipient settled; returns the sum that moved. */
async function checkOutcomes(payments: PaymentJson[], recipient: NodeProcess): Promise<bigint> {
  let moved = 0n;
  for (const p of payments) {
    const inv = await invoice(recipient, p.paymentHash);
    if (p.status === 'succeeded') {
      assert.equal(inv?.state, 'settled', `payment ${p.paymentHash} succeeded but was not settled`);
      assert.equal(inv?.amountReceivedMsat, p.amountMsat);
      moved += BigInt(p.amountMsat);
    } else {
      assert.notEqual(inv?.state, 'settled', `payment ${p.paymentHash} failed but was settled`);
    }
  }
  return moved;
}

async function balances(): Promise<{ alice: bigint; bob: bigint; pending: number }> {
  const [a, b] = await Promise.all([channelById(alice, channelId), channelById(bob, channelId)]);
  assert.ok(a !== undefined && b !== undefined);
  // Both sides agree on every balance.
  assert.equal(a.localBalanceMsat, b.remoteBalanceMsat);
  assert.equal(a.remoteBalanceMsat, b.localBalanceMsat);
  return {
    alice: BigInt(a.localBalanceMsat),
    bob: BigInt(b.localBalanceMsat),
    pending: a.pendingHtlcs + b.pendingHtlcs,
  };
}

async function settledBalances(): Promise<{ alice: bigint; bob: bigint }> {
  await waitFor('both sides settled', async () => {
    try {
      const b = await balances();
      return b.pending === 0;
    } catch {
      return false;
    }
  });
  return balances();
}

test('SIGKILL of the recipient with HTLCs in flight, restart, everything resolves', {
  timeout: 60_000,
}, async () => {
  try {
    const start = await settledBalances();
    const toBob = await startPayments(alice, bob, [11_000n, 12_000n, 13_000n, 14_000n, 15_000n, 16_000n]);
    const toAlice = await startPayments(bob, alice, [21_000n, 22_000n, 23_000n]);
    await bob.kill('SIGKILL');
    const killedAt = Date.now();
    await bob.restart();
    await waitActive(channelId, alice, bob);
    const aliceDone = await finalPayments(
      alice,
      toBob.map((p) => p.paymentHash),
    );
    const bobDone = await finalPayments(
      bob,
      toAlice.map((p) => p.paymentHash),
    );
    // Some payments were still in flight when Bob died: they ended after the restart.
    const endedLater = [...aliceDone, ...bobDone].filter((p) => p.updatedAt > killedAt).length;
    assert.ok(endedLater >= 1, 'no payment was in flight at the kill: the test did not test a restart');
    const aToB = await checkOutcomes(aliceDone, bob);
    const bToA = await checkOutcomes(bobDone, alice);
    const end = await settledBalances();
    assert.equal(end.alice, start.alice - aToB + bToA);
    assert.equal(end.bob, start.bob + aToB - bToA);
    // The channel still works both ways after the restart.
    const more = await startPayments(alice, bob, [5_000n]);
    const [p] = await finalPayments(
      alice,
      more.map((x) => x.paymentHash),
    );
    assert.equal(p?.status, 'succeeded', p?.failureReason ?? '');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
  }
});

test('SIGKILL of the sender mid-payment, restart, the payments end', { timeout: 60_000 }, async () => {
  try {
    const start = await settledBalances();
    const toBob = await startPayments(alice, bob, [31_000n, 32_000n, 33_000n, 34_000n]);
    await alice.kill('SIGKILL');
    await alice.restart();
    await waitActive(channelId, alice, bob);
    // No peer before the switch has reconciled its circuits: a peer's traffic could settle an HTLC
    // the switch is still looking for (found by test/node/storm.test.ts).
    const since = alice.logTail.slice(alice.logTail.lastIndexOf('---- restart ----'));
    const resumed = since.findIndex((l) => l.includes('"msg":"chain synced; payments resumed"'));
    const connected = since.findIndex((l) => l.includes('"msg":"peer connected"'));
    assert.ok(resumed >= 0 && connected > resumed, 'the peer connected only once payments resumed');
    const done = await finalPayments(
      alice,
      toBob.map((p) => p.paymentHash),
    );
    const moved = await checkOutcomes(done, bob);
    const end = await settledBalances();
    assert.equal(end.alice, start.alice - moved);
    assert.equal(end.bob, start.bob + moved);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
  }
});

test('SIGTERM stops the node cleanly; it comes back with its channel', { timeout: 60_000 }, async () => {
  try {
    const start = await settledBalances();
    const code = await bob.kill('SIGTERM');
    assert.equal(code, 0, bob.tail());
    assert.ok(
      bob.logTail.some((l) => l.includes('"msg":"stopped"')),
      'no "stopped" log line',
    );
    const nodeId = bob.nodeId;
    await bob.restart();
    assert.equal(bob.nodeId, nodeId);
    await waitActive(channelId, alice, bob);
    const end = await settledBalances();
    assert.deepEqual(end, start);
    const p = await startPayments(bob, alice, [1_000n]);
    const [done] = await finalPayments(
      bob,
      p.map((x) => x.paymentHash),
    );
    assert.equal(done?.status, 'succeeded', done?.failureReason ?? '');
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
  }
});

test('restarted with accept-keysend false, the node refuses keysend and nothing moves', {
  timeout: 60_000,
}, async () => {
  try {
    const start = await settledBalances();
    assert.equal(await bob.kill('SIGTERM'), 0);
    await bob.restart({ 'accept-keysend': 'false' });
    const info = await bob.api<{ acceptKeysend: boolean }>('GET', '/v1/info');
    assert.equal(info.acceptKeysend, false);
    await waitActive(channelId, alice, bob);
    const [p] = await startPayments(alice, bob, [7_000n]);
    const [done] = await finalPayments(alice, [p!.paymentHash]);
    assert.equal(done?.status, 'failed');
    // bLIP 3: refused keysend fails with incorrect_or_unknown_payment_details, from the recipient.
    const full = await alice.api<PaymentJson>('GET', `/v1/payments/${p!.paymentHash}`);
    assert.equal(full.attempts?.[0]?.failureName, 'incorrect_or_unknown_payment_details');
    assert.equal(full.attempts?.[0]?.failingHop, 1);
    assert.equal((await invoice(bob, p!.paymentHash))?.state, undefined);
    assert.deepEqual(await settledBalances(), start);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
  }
});
