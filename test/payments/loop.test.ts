// The payment loop's retries and bookkeeping over a simulated network: a failing channel is routed
// around (every attempt stored with failing hop and code), a permanent failure at the destination
// stops at once, the deadline stops retries, idempotency keys pay once (also concurrently), local
// refusals, node failures, channel_updates in failures, and restarts with attempts in flight.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex } from '../../src/crypto/index.js';
import { FAILURE_MESSAGES } from '../../src/onion/index.js';
import { type HtlcSender, PaymentError, type PaymentLoop } from '../../src/payments/index.js';
import { directionOf } from '../../src/routing/index.js';
import { graphSnapshot, harness, line, recordGraphWrites } from './harness.js';
import { SimNetwork } from './sim.js';

const code = (name: keyof typeof FAILURE_MESSAGES) => FAILURE_MESSAGES[name].code;

/** 0 - 1, then 1 - 2 - 4 (cheap) and 1 - 3 - 4 (dearer). */
function diamond(): SimNetwork {
  return new SimNetwork(5)
    .addChannel({ scid: 1n, a: 0, b: 1 })
    .addChannel({ scid: 2n, a: 1, b: 2 })
    .addChannel({ scid: 3n, a: 2, b: 4 })
    .addChannel({ scid: 4n, a: 1, b: 3, ab: { feeBaseMsat: 3000n } })
    .addChannel({ scid: 5n, a: 3, b: 4 });
}

const nodesOf = (route: { hops: { nodeId: Uint8Array }[] }) => route.hops.map((h) => bytesToHex(h.nodeId));

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(cond(), 'condition not reached');
}

test('a failing channel in the middle: the loop retries around it and stores both attempts', async () => {
  const sim = diamond();
  (sim.channels.get(2n) as { balance: [bigint, bigint] }).balance[0] = 1000n; // 1 -> 2 is nearly empty
  const h = await harness(sim);
  try {
    const r = await h.loop.keysend(sim.id(4), 100_000n);
    assert.equal(r.payment.status, 'succeeded', r.payment.failureReason ?? '');
    assert.equal(r.attempts.length, 2);
    const [first, second] = r.attempts;
    assert.deepEqual(
      nodesOf(first!.route),
      [1, 2, 4].map((i) => bytesToHex(sim.id(i))),
    );
    assert.equal(first!.record.status, 'failed');
    assert.equal(first!.record.failingHop, 1); // node 1 could not forward
    assert.equal(first!.record.failureCode, code('temporary_channel_failure'));
    assert.equal(first!.failure?.failureName, 'temporary_channel_failure');
    assert.match(
      first!.failure?.reason ?? '',
      /hop 1 .* returned temporary_channel_failure for channel 0x0x2/,
    );
    assert.deepEqual(
      nodesOf(second!.route),
      [1, 3, 4].map((i) => bytesToHex(sim.id(i))),
    );
    assert.equal(second!.record.status, 'succeeded');
    assert.equal(r.payment.feeMsat, second!.route.totalFeeMsat);
    assert.deepEqual(
      h.events.map((e) => e.type),
      ['payment_created', 'attempt_started', 'attempt_failed', 'attempt_started', 'payment_succeeded'],
    );
    // The scorer learned that 1 -> 2 cannot carry what it was asked to.
    const asked = first!.route.hops[1]!.amtToForwardMsat + first!.route.hops[1]!.feeMsat;
    const est = h.scorer.estimate(2n, directionOf(sim.id(1), sim.id(2)));
    assert.equal(est?.upperBoundMsat, Number(asked) - 1);
    // Lookups by id, by hash, and the list.
    const byHash = await h.loop.getPaymentByHash(r.payment.paymentHash);
    assert.equal(byHash?.payment.id, r.payment.id);
    assert.equal(byHash?.attempts.length, 2);
    assert.deepEqual(
      (await h.loop.listPayments({ status: 'succeeded' })).map((p) => p.id),
      [r.payment.id],
    );
  } finally {
    await h.cleanup();
  }
});

test('a permanent failure at the destination stops the payment after one attempt', async () => {
  const sim = diamond();
  sim.node(4).acceptKeysend = false;
  const h = await harness(sim);
  try {
    const r = await h.loop.keysend(sim.id(4), 100_000n);
    assert.equal(r.payment.status, 'failed');
    assert.equal(r.attempts.length, 1);
    assert.equal(r.attempts[0]?.record.failingHop, 3); // the recipient, hop 3 of 3
    assert.equal(r.attempts[0]?.record.failureCode, code('incorrect_or_unknown_payment_details'));
    assert.match(
      r.payment.failureReason ?? '',
      /the recipient .* returned incorrect_or_unknown_payment_details/,
    );
    assert.equal(h.sim.sent.length, 1);
    assert.equal(h.events.at(-1)?.type, 'payment_failed');
  } finally {
    await h.cleanup();
  }
});

test('an even custom record the recipient does not know fails permanently (invalid_onion_payload)', async () => {
  const h = await harness(line(new SimNetwork(3), 2));
  try {
    const r = await h.loop.keysend(h.sim.id(2), 10_000n, {
      customRecords: new Map([[65536n, Uint8Array.of(1)]]),
    });
    assert.equal(r.payment.status, 'failed');
    assert.equal(r.attempts.length, 1);
    assert.equal(r.attempts[0]?.record.failureCode, code('invalid_onion_payload'));
  } finally {
    await h.cleanup();
  }
});

test('timeout: no new attempt after the deadline', async () => {
  const sim = new SimNetwork(3).addChannel({ scid: 1n, a: 0, b: 1 });
  for (let i = 0; i < 10; i++) {
    const scid = BigInt(10 + i);
    sim.addChannel({ scid, a: 1, b: 2 });
    sim.failOnChannel.set(scid, () => ({
      name: 'temporary_channel_failure',
      channelUpdate: new Uint8Array(0),
    }));
  }
  sim.msPerHtlc = 25_000;
  const h = await harness(sim);
  try {
    const r = await h.loop.keysend(sim.id(2), 10_000n, { timeoutMs: 60_000 });
    assert.equal(r.payment.status, 'failed');
    assert.equal(r.attempts.length, 3); // sent at +25 s, +50 s, +75 s: the third failure is past 60 s
    assert.match(
      r.payment.failureReason ?? '',
      /^timeout: .*3 attempt\(s\).*last failure: hop 1 .*temporary_channel_failure/,
    );
    for (const a of r.attempts) assert.equal(a.record.failureCode, code('temporary_channel_failure'));
  } finally {
    await h.cleanup();
  }
});

test('no route left: the payment fails saying why, with the last failure', async () => {
  const sim = line(new SimNetwork(3), 2);
  sim.failOnChannel.set(2n, () => ({ name: 'permanent_channel_failure' }));
  const h = await harness(sim);
  try {
    const r = await h.loop.keysend(sim.id(2), 10_000n);
    assert.equal(r.payment.status, 'failed');
    assert.equal(r.attempts.length, 1);
    assert.match(r.payment.failureReason ?? '', /^no route: .*last failure: .*permanent_channel_failure/);
  } finally {
    await h.cleanup();
  }
});

test('an idempotency key pays once: repeated and concurrent calls return the first payment', async () => {
  const h = await harness(line(new SimNetwork(3), 2));
  try {
    const dest = h.sim.id(2);
    const first = await h.loop.keysend(dest, 20_000n, { idempotencyKey: 'order-1' });
    assert.equal(first.existing, false);
    const again = await h.loop.keysend(dest, 20_000n, { idempotencyKey: 'order-1' });
    assert.equal(again.existing, true);
    assert.equal(again.payment.id, first.payment.id);
    assert.equal(h.sim.received.length, 1);

    const starts = await Promise.all(
      [1, 2, 3].map(() => h.loop.startKeysend(dest, 30_000n, { idempotencyKey: 'order-2' })),
    );
    assert.equal(new Set(starts.map((s) => s.payment.id)).size, 1);
    assert.equal(starts.filter((s) => !s.existing).length, 1);
    const done = await h.loop.waitForCompletion(starts[0]!.payment.id);
    assert.equal(done.status, 'succeeded');
    await h.sim.settle();
    assert.equal(h.sim.received.length, 2);
    assert.equal(h.sim.sent.length, 2);

    await assert.rejects(
      h.loop.keysend(dest, 99_999n, { idempotencyKey: 'order-1' }),
      (e: unknown) => e instanceof PaymentError && e.code === 'idempotency_key_reused',
    );
    // A failed payment is returned too, not paid again.
    h.sim.node(2).acceptKeysend = false;
    const failed = await h.loop.keysend(dest, 40_000n, { idempotencyKey: 'order-3' });
    h.sim.node(2).acceptKeysend = true;
    const repeat = await h.loop.keysend(dest, 40_000n, { idempotencyKey: 'order-3' });
    assert.equal(repeat.payment.status, 'failed');
    assert.equal(repeat.payment.id, failed.payment.id);
    assert.equal(h.sim.received.length, 2);
  } finally {
    await h.cleanup();
  }
});

test('a local refusal is a failure at hop 0; the loop leaves through another channel', async () => {
  const sim = new SimNetwork(4)
    .addChannel({ scid: 1n, a: 0, b: 1 })
    .addChannel({ scid: 2n, a: 0, b: 2 })
    .addChannel({ scid: 3n, a: 1, b: 3 })
    .addChannel({ scid: 4n, a: 2, b: 3, ab: { feeBaseMsat: 5000n } });
  sim.refuse.add(1n);
  const h = await harness(sim);
  try {
    const r = await h.loop.keysend(sim.id(3), 100_000n);
    assert.equal(r.payment.status, 'succeeded');
    assert.equal(r.attempts.length, 2);
    assert.equal(r.attempts[0]?.record.failingHop, 0);
    assert.equal(r.attempts[0]?.record.failureCode, null);
    assert.match(
      r.attempts[0]?.failure?.reason ?? '',
      /our channel 0x0x1 refused the HTLC: channel is not usable/,
    );
    assert.equal(r.attempts[1]?.route.hops[0]?.shortChannelId, 2n);
  } finally {
    await h.cleanup();
  }
});

test('a NODE failure removes every channel of the erring node', async () => {
  const sim = diamond();
  sim.failOnChannel.set(3n, () => ({ name: 'temporary_node_failure' }));
  const h = await harness(sim);
  try {
    const r = await h.loop.keysend(sim.id(4), 100_000n);
    assert.equal(r.payment.status, 'succeeded');
    assert.equal(r.attempts[0]?.record.failingHop, 2);
    assert.equal(r.attempts[0]?.record.failureCode, code('temporary_node_failure'));
    assert.ok(!nodesOf(r.attempts[1]!.route).includes(bytesToHex(sim.id(2))));
  } finally {
    await h.cleanup();
  }
});

test('a NODE failure of our own peer: the retry leaves over another of our channels', async () => {
  // 0 - 1 - 3 (cheap) and 0 - 2 - 3 (dearer); node 1 fails with its NODE bit set.
  const sim = new SimNetwork(4)
    .addChannel({ scid: 1n, a: 0, b: 1 })
    .addChannel({ scid: 2n, a: 0, b: 2 })
    .addChannel({ scid: 3n, a: 1, b: 3 })
    .addChannel({ scid: 4n, a: 2, b: 3, ab: { feeBaseMsat: 3000n } });
  sim.failOnChannel.set(3n, () => ({ name: 'permanent_node_failure' }));
  const h = await harness(sim);
  try {
    const r = await h.loop.keysend(sim.id(3), 100_000n);
    assert.equal(r.payment.status, 'succeeded', r.payment.failureReason ?? '');
    assert.equal(r.attempts.length, 2);
    assert.equal(r.attempts[0]?.record.failingHop, 1);
    assert.equal(r.attempts[0]?.record.failureCode, code('permanent_node_failure'));
    assert.deepEqual(
      r.attempts[1]!.route.hops.map((x) => x.shortChannelId),
      [2n, 4n],
    );
  } finally {
    await h.cleanup();
  }
});

test("a failure's signed channel_update is used for this payment's retry, never written to the graph", async () => {
  // Node 2 really charges 4000 msat over 2 -> 4 but the graph still says 1000; via 3 costs more.
  const sim = diamond();
  sim.channels.get(4n)!.policy[0].feeBaseMsat = 10_000n;
  sim.channels.get(4n)!.advertised[0].feeBaseMsat = 10_000n;
  sim.channels.get(3n)!.policy[0] = { ...sim.channels.get(3n)!.policy[0], feeBaseMsat: 4000n, timestamp: 2 };
  const h = await harness(sim);
  const before = graphSnapshot(h.graph);
  // Every write to the shared graph is recorded (and not done) from here on.
  const recorder = recordGraphWrites(h.graph);
  try {
    const dir = directionOf(sim.id(2), sim.id(4));
    const r = await h.loop.keysend(sim.id(4), 100_000n);
    assert.equal(r.payment.status, 'succeeded', r.payment.failureReason ?? '');
    assert.equal(r.attempts.length, 2);
    assert.equal(r.attempts[0]?.record.failureCode, code('fee_insufficient'));
    assert.match(r.attempts[0]?.failure?.reason ?? '', /retrying with the channel_update it sent/);
    assert.deepEqual(nodesOf(r.attempts[1]!.route), nodesOf(r.attempts[0]!.route));
    assert.equal(r.attempts[1]!.route.hops[1]?.feeMsat, 4000n + (100_000n * 100n) / 1_000_000n);
    // BOLT 4: the update stays out of the shared graph: not written, not even for a moment.
    assert.deepEqual(recorder.writes, []);
    assert.equal(graphSnapshot(h.graph), before);
    const p = h.graph.getPolicy(3n, dir);
    assert.equal(p?.feeBaseMsat, 1000n);
    assert.equal(p?.timestamp, 1);
    // Another payment does not see it either: it routes on the graph's policy, fails the same way,
    // and learns the update from its own failure.
    const again = await h.loop.keysend(sim.id(4), 100_000n);
    assert.equal(again.payment.status, 'succeeded', again.payment.failureReason ?? '');
    assert.equal(again.attempts.length, 2);
    assert.equal(again.attempts[0]?.record.failureCode, code('fee_insufficient'));
    assert.equal(again.attempts[0]!.route.hops[1]?.feeMsat, 1000n + (100_000n * 100n) / 1_000_000n);
    assert.deepEqual(recorder.writes, []);
    assert.equal(graphSnapshot(h.graph), before);
  } finally {
    recorder.stop();
    await h.cleanup();
  }
});

test("a private channel's signed channel_update replaces its route hint's policy for the retry", async () => {
  // 0 - 1 - 2 public; 2 -> 3 private, hinted at 1000 msat, but node 2 charges 6000 (timestamp 2).
  const sim = line(new SimNetwork(4), 2).addChannel({
    scid: 3n,
    a: 2,
    b: 3,
    private: true,
    ab: { feeBaseMsat: 6000n, timestamp: 2 },
  });
  const hint = [
    {
      nodeId: sim.id(2),
      shortChannelId: 3n,
      feeBaseMsat: 1000n,
      feeProportionalMillionths: 100,
      cltvExpiryDelta: 40,
    },
  ];
  const h = await harness(sim);
  const recorder = recordGraphWrites(h.graph);
  try {
    const r = await h.loop.keysend(sim.id(3), 100_000n, { routeHints: [hint], allowWithoutFeature: true });
    assert.equal(r.payment.status, 'succeeded', r.payment.failureReason ?? '');
    assert.equal(r.attempts.length, 2);
    assert.equal(r.attempts[0]?.record.failureCode, code('fee_insufficient'));
    assert.equal(r.attempts[0]?.record.failingHop, 2);
    assert.match(r.attempts[0]?.failure?.reason ?? '', /retrying with the channel_update it sent/);
    assert.deepEqual(
      r.attempts[1]!.route.hops.map((x) => [x.shortChannelId, x.feeMsat]),
      // Node 2 charges 6000 + 100 ppm of 100,000; node 1 charges 1000 + 100 ppm of 106,010.
      [
        [1n, 1010n],
        [2n, 6010n],
        [3n, 0n],
      ],
    );
    assert.equal(hint[0]?.feeBaseMsat, 1000n);
    assert.deepEqual(recorder.writes, []);
  } finally {
    recorder.stop();
    await h.cleanup();
  }
});

test('a channel_update not signed by the failing node is ignored and the channel avoided', async () => {
  const sim = diamond();
  sim.channels.get(3n)!.policy[0] = { ...sim.channels.get(3n)!.policy[0], timestamp: 2 };
  // Node 2 fails with an update of its own channel, but signed by node 3.
  sim.failOnChannel.set(3n, (s) => ({
    name: 'fee_insufficient',
    htlcMsat: 1n,
    channelUpdate: s.signedUpdate(3n, 2, 3),
  }));
  const h = await harness(sim);
  try {
    const r = await h.loop.keysend(sim.id(4), 100_000n);
    assert.equal(r.payment.status, 'succeeded');
    assert.match(r.attempts[0]?.failure?.reason ?? '', /channel_update signature is not by the failing node/);
    assert.deepEqual(
      nodesOf(r.attempts[1]!.route),
      [1, 3, 4].map((i) => bytesToHex(sim.id(i))),
    );
  } finally {
    await h.cleanup();
  }
});

test('restart: a new loop re-attaches an in-flight attempt and completes on its outcome', async () => {
  const h = await harness(line(new SimNetwork(3), 2));
  try {
    h.sim.hold = true;
    const start = await h.loop.startKeysend(h.sim.id(2), 10_000n, { message: 'survives restarts' });
    await until(() => h.sim.held.length === 1);
    const loop2: PaymentLoop = h.restart();
    assert.deepEqual(await loop2.resumeInFlight(), { payments: 1, attempts: 1 });
    const done = loop2.waitForCompletion(start.payment.id);
    h.sim.release();
    const p = await done;
    assert.equal(p.status, 'succeeded');
    assert.equal(h.sim.sent.length, 1);
  } finally {
    await h.cleanup();
  }
});

test('restart: a failure arriving after the restart is decrypted and retried', async () => {
  const sim = diamond();
  (sim.channels.get(2n) as { balance: [bigint, bigint] }).balance[0] = 1000n;
  const h = await harness(sim);
  try {
    sim.hold = true;
    const start = await h.loop.startKeysend(sim.id(4), 100_000n);
    await until(() => sim.held.length === 1);
    const loop2 = h.restart();
    await loop2.resumeInFlight();
    const done = loop2.waitForCompletion(start.payment.id);
    sim.release();
    assert.equal((await done).status, 'succeeded');
    const view = await loop2.getPayment(start.payment.id);
    assert.equal(view?.attempts.length, 2);
    assert.equal(view?.attempts[0]?.record.failingHop, 1);
    assert.equal(view?.attempts[0]?.record.failureCode, code('temporary_channel_failure'));
    assert.equal(sim.sent.length, 2);
  } finally {
    await h.cleanup();
  }
});

test('restart: an attempt stored but never sent is failed and retried when the channel layer says so', async () => {
  const sim = line(new SimNetwork(3), 2);
  let crash = true;
  const sender: HtlcSender = {
    sendHtlc: async (req) => {
      if (crash) throw new Error('process died');
      return sim.sender.sendHtlc(req);
    },
    attemptStatus: async (id) => (sim.sent.some((r) => r.attemptId === id) ? 'pending' : 'unknown'),
  };
  const h = await harness(sim, { htlcSender: sender });
  try {
    const start = await h.loop.startKeysend(sim.id(2), 10_000n);
    assert.equal((await h.loop.getPayment(start.payment.id))?.attempts[0]?.record.status, 'in_flight');
    crash = false;
    const loop2 = h.restart();
    const done = loop2.waitForCompletion(start.payment.id);
    await loop2.resumeInFlight();
    assert.equal((await done).status, 'succeeded');
    const view = await loop2.getPayment(start.payment.id);
    assert.equal(view?.attempts.length, 2);
    assert.equal(view?.attempts[0]?.record.failingHop, 0);
    assert.match(view?.attempts[0]?.failure?.reason ?? '', /never sent/);
    assert.equal(sim.sent.length, 1);
  } finally {
    await h.cleanup();
  }
});

test('restart after the deadline: a payment with nothing in flight times out', async () => {
  const sim = line(new SimNetwork(3), 2);
  const h = await harness(sim);
  try {
    sim.hold = true;
    const start = await h.loop.startKeysend(sim.id(2), 10_000n, { timeoutMs: 1000 });
    await until(() => sim.held.length === 1);
    // The node was down for a minute, and meanwhile the first peer failed the HTLC.
    sim.clock.nowMs += 60_000;
    const held = sim.held.splice(0);
    const loop2 = h.restart();
    await loop2.resumeInFlight();
    const done = loop2.waitForCompletion(start.payment.id);
    await loop2.onHtlcResolved(held[0]!.attemptId, { kind: 'malformed', code: code('invalid_onion_hmac') });
    const p = await done;
    assert.equal(p.status, 'failed');
    assert.match(p.failureReason ?? '', /^timeout/);
  } finally {
    await h.cleanup();
  }
});

test('options: outgoing channel, CLTV bound, fee bound, and route hints to a private keysend node', async () => {
  const sim = new SimNetwork(5)
    .addChannel({ scid: 1n, a: 0, b: 1 })
    .addChannel({ scid: 2n, a: 0, b: 2, ab: { feeBaseMsat: 0n } })
    .addChannel({ scid: 3n, a: 1, b: 3 })
    .addChannel({ scid: 4n, a: 2, b: 3, ab: { feeBaseMsat: 4000n } })
    .addChannel({ scid: 5n, a: 3, b: 4, private: true });
  const h = await harness(sim);
  try {
    // Left alone, the loop goes through node 1 (cheaper); asked to, through channel 2.
    const viaTwo = await h.loop.keysend(sim.id(3), 50_000n, { outgoingChannelId: 2n });
    assert.equal(viaTwo.payment.status, 'succeeded');
    assert.equal(viaTwo.attempts[0]?.route.hops[0]?.shortChannelId, 2n);
    // 40 blocks for the recipient + 40 for node 1's channel do not fit in 60.
    const tight = await h.loop.keysend(sim.id(3), 50_000n, { maxCltvExpiryDelta: 60 });
    assert.equal(tight.payment.status, 'failed');
    assert.equal(tight.attempts.length, 0);
    assert.match(tight.payment.failureReason ?? '', /^no route: .*CLTV/);
    const cheap = await h.loop.keysend(sim.id(3), 50_000n, { maxFeeMsat: 100n });
    assert.equal(cheap.payment.status, 'failed');
    // Node 4 is private: a hint through node 3 reaches it (keysend to an unannounced node needs the override).
    const hint = [
      {
        nodeId: sim.id(3),
        shortChannelId: 5n,
        feeBaseMsat: 1000n,
        feeProportionalMillionths: 100,
        cltvExpiryDelta: 40,
      },
    ];
    const priv = await h.loop.keysend(sim.id(4), 50_000n, { routeHints: [hint], allowWithoutFeature: true });
    assert.equal(priv.payment.status, 'succeeded', priv.payment.failureReason ?? '');
    assert.deepEqual(
      priv.attempts[0]?.route.hops.map((x) => x.shortChannelId),
      [1n, 3n, 5n],
    );
  } finally {
    await h.cleanup();
  }
});

test('a listener that throws does not disturb the payment or other listeners', async () => {
  const h = await harness(line(new SimNetwork(2), 1));
  try {
    const seen: string[] = [];
    h.loop.on(() => {
      throw new Error('listener bug');
    });
    const off = h.loop.on((e) => seen.push(e.type));
    const r = await h.loop.keysend(h.sim.id(1), 1000n);
    assert.equal(r.payment.status, 'succeeded');
    assert.deepEqual(seen, ['payment_created', 'attempt_started', 'payment_succeeded']);
    off();
    await h.loop.keysend(h.sim.id(1), 1000n);
    assert.equal(seen.length, 3);
  } finally {
    await h.cleanup();
  }
});

test('a fulfill for an attempt given up as never sent still records the payment as paid', async () => {
  const sim = line(new SimNetwork(3), 2);
  // A channel layer that wrongly reports every attempt as unknown after the restart.
  const sender: HtlcSender = {
    sendHtlc: (req) => sim.sender.sendHtlc(req),
    attemptStatus: async () => 'unknown',
  };
  const h = await harness(sim, { htlcSender: sender });
  try {
    sim.hold = true;
    const start = await h.loop.startKeysend(sim.id(2), 10_000n);
    await until(() => sim.held.length === 1);
    const loop2 = h.restart();
    await loop2.resumeInFlight(); // attempt 1 failed as never sent, attempt 2 started
    await until(() => sim.held.length === 2);
    const first = sim.held.shift()!;
    sim.held.length = 0;
    await loop2.onHtlcResolved(first.attemptId, first.outcome);
    const view = await loop2.getPayment(start.payment.id);
    assert.equal(view?.payment.status, 'succeeded');
    assert.equal(view?.attempts[0]?.record.status, 'succeeded');
    assert.equal(view?.attempts[1]?.record.status, 'in_flight');
  } finally {
    await h.cleanup();
  }
});

test('a keysend is awaited without reading its payment back, and its success is read and written in one transaction', async () => {
  const h = await harness(line(new SimNetwork(3), 2));
  try {
    let autoCommitReads = 0;
    let transactions = 0;
    const get = h.store.payments.get.bind(h.store.payments);
    (h.store.payments as { get: typeof get }).get = (id) => {
      autoCommitReads++;
      return get(id);
    };
    const transaction = h.store.transaction.bind(h.store);
    h.store.transaction = ((fn) => {
      transactions++;
      return transaction(fn);
    }) as typeof h.store.transaction;
    const result = await h.loop.keysend(h.sim.id(2), 10_000n);
    assert.equal(result.payment.status, 'succeeded');
    assert.equal(autoCommitReads, 0, 'the waiter was registered before the HTLC left: nothing to look up');
    assert.equal(transactions, 3, 'the payment created, its success (read and written together), its view');
  } finally {
    await h.cleanup();
  }
});
