// The payment loop when our channel to the first hop closes under an attempt: an HTLC never
// committed (or timed out on chain) is a failure of our own channel, retried over another one; an
// HTLC left in a commitment is resolved on chain, so the attempt stays in flight, unreplaced, until
// the chain fulfills or times it out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { harness } from './harness.js';
import { SimNetwork } from './sim.js';

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition not reached');
}

/** Two channels from us (node 0) to node 1, the recipient. */
const twoChannels = () =>
  new SimNetwork(2).addChannel({ scid: 1n, a: 0, b: 1 }).addChannel({ scid: 2n, a: 0, b: 1 });

type Harness = Awaited<ReturnType<typeof harness>>;

interface Held {
  sim: SimNetwork;
  h: Harness;
  start: Awaited<ReturnType<Harness['loop']['startKeysend']>>;
  /** The first attempt's HTLC, held by the network (taken out of `sim.held`). */
  held: SimNetwork['held'][number];
}

/** Over two channels, a keysend of 10000 msat to node 1 whose first HTLC is held, given to `body`. */
async function withHeldKeysend(body: (t: Held) => Promise<void>): Promise<void> {
  const sim = twoChannels();
  const h = await harness(sim);
  try {
    sim.hold = true;
    const start = await h.loop.startKeysend(sim.id(1), 10_000n);
    await until(() => sim.held.length === 1);
    await body({ sim, h, start, held: sim.held.splice(0)[0]! });
  } finally {
    await h.cleanup();
  }
}

test('a closed channel that never committed the HTLC: the attempt fails at our node, the retry avoids it', async () => {
  await withHeldKeysend(async ({ sim, h, start, held: first }) => {
    const firstScid = sim.sent[0]!.firstHopShortChannelId;
    const done = h.loop.waitForCompletion(start.payment.id);
    sim.hold = false;
    await h.loop.onHtlcResolved(first.attemptId, { kind: 'closed', why: 'channel failed before signing' });
    assert.equal((await done).status, 'succeeded');
    const view = await h.loop.getPayment(start.payment.id);
    assert.equal(view?.attempts.length, 2);
    const [a1, a2] = view!.attempts;
    assert.equal(a1?.record.status, 'failed');
    assert.equal(a1?.record.failingHop, 0, 'our own channel, not the peer');
    assert.equal(a1?.record.failureCode, null);
    assert.match(
      a1?.failure?.reason ?? '',
      /our channel .* closed without the HTLC: channel failed before signing/,
    );
    assert.notEqual(a2?.route.hops[0]?.shortChannelId, firstScid, 'the retry avoids the closed channel');
    assert.equal(a2?.record.status, 'succeeded');
  });
});

test('an HTLC left on chain keeps its attempt in flight, unreplaced, until the chain fulfills it', async () => {
  await withHeldKeysend(async ({ sim, h, start, held }) => {
    assert.equal(held.outcome.kind, 'fulfilled');
    for (let i = 0; i < 2; i++)
      await h.loop.onHtlcResolved(held.attemptId, { kind: 'onchain', why: 'channel 1 force-closed' });
    await sim.settle();
    const waiting = await h.loop.getPayment(start.payment.id);
    assert.equal(waiting?.payment.status, 'in_flight');
    assert.equal(waiting?.attempts.length, 1, 'no retry: it could pay twice');
    assert.equal(waiting?.attempts[0]?.record.status, 'in_flight');
    assert.match(waiting?.attempts[0]?.onChain ?? '', /resolves on chain \(channel 1 force-closed\)/);
    assert.equal(sim.sent.length, 1);
    assert.deepEqual(
      h.events
        .filter((e) => e.type === 'attempt_onchain')
        .map((e) => e.type === 'attempt_onchain' && e.attemptNumber),
      [1],
      'noted once, however often it is reported',
    );

    // Also across a restart: the loop re-attaches and still does not retry.
    const loop2 = h.restart();
    await loop2.resumeInFlight();
    await sim.settle();
    assert.equal(sim.sent.length, 1);

    // The peer claimed it on chain with the preimage: the payment succeeded.
    await loop2.onHtlcResolved(held.attemptId, held.outcome);
    const p = await loop2.waitForCompletion(start.payment.id);
    assert.equal(p.status, 'succeeded');
    assert.equal(sim.sent.length, 1);
  });
});

test('an HTLC left on chain that times out there ends the attempt; the payment then retries', async () => {
  await withHeldKeysend(async ({ sim, h, start, held }) => {
    await h.loop.onHtlcResolved(held.attemptId, { kind: 'onchain', why: 'force-closed' });
    assert.equal(sim.sent.length, 1);
    sim.hold = false;
    const done = h.loop.waitForCompletion(start.payment.id);
    await h.loop.onHtlcResolved(held.attemptId, { kind: 'closed', why: 'timed out on chain' });
    assert.equal((await done).status, 'succeeded');
    const view = await h.loop.getPayment(start.payment.id);
    assert.equal(view?.attempts.length, 2);
    assert.equal(view?.attempts[0]?.record.status, 'failed');
    assert.match(view?.attempts[0]?.failure?.reason ?? '', /timed out on chain/);
    assert.match(view?.attempts[0]?.onChain ?? '', /force-closed/, 'the history stays readable');
    // A late on-chain notice for the finished attempt changes nothing.
    await h.loop.onHtlcResolved(held.attemptId, { kind: 'onchain', why: 'again' });
    assert.equal(h.events.filter((e) => e.type === 'attempt_onchain').length, 1);
  });
});
