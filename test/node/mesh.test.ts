// test/node/mesh.test.ts: five ksnode processes in a mesh on a devnet, learning the graph by gossip:
//
//   alice ── bob ── erin        bob's side of bob-erin is nearly empty (he pushed it to erin)
//     │              │
//   carol ── dave ───┘
//
// Keysend over 1, 2 and 3 hops; a payment too large for bob-erin is routed around it (bob fails
// the HTLC back and the payment loop tries alice-carol-dave-erin); and carol, forwarding, is killed
// with the payment in flight and restarted: the payment ends, succeeded exactly when erin settled
// it, and no HTLC is left anywhere.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type ChannelJson,
  Cluster,
  channelById,
  channels,
  connect,
  invoice,
  keysend,
  type NodeProcess,
  openChannel,
  type PaymentJson,
  waitActive,
  waitFor,
} from './harness.js';

let cluster: Cluster;
let alice: NodeProcess;
let bob: NodeProcess;
let carol: NodeProcess;
let dave: NodeProcess;
let erin: NodeProcess;
const ids: Record<string, string> = {};

type PaymentWithRoutes = Required<PaymentJson>;

before(async () => {
  cluster = await Cluster.start();
  [alice, bob, carol, dave, erin] = await cluster.add('alice', 'bob', 'carol', 'dave', 'erin');
  await Promise.all([alice, bob, carol, dave].map((n) => cluster.fund(n, 3_000_000n)));
  await Promise.all([
    connect(alice, bob),
    connect(bob, erin),
    connect(alice, carol),
    connect(carol, dave),
    connect(dave, erin),
  ]);
});

after(async () => {
  await cluster?.close();
});

const fail = (e: unknown): never => {
  throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
};

test('five nodes open channels and learn the whole graph by gossip', { timeout: 60_000 }, async () => {
  try {
    ids.ab = await openChannel(alice, bob, 1_000_000n);
    ids.be = await openChannel(bob, erin, 1_000_000n, 950_000_000n);
    ids.ac = await openChannel(alice, carol, 1_000_000n);
    ids.cd = await openChannel(carol, dave, 1_000_000n);
    ids.de = await openChannel(dave, erin, 1_000_000n);
    cluster.mine(6);
    await waitActive(ids.ab!, alice, bob);
    await waitActive(ids.be!, bob, erin);
    await waitActive(ids.ac!, alice, carol);
    await waitActive(ids.cd!, carol, dave);
    await waitActive(ids.de!, dave, erin);
    for (const n of [alice, carol, erin]) {
      await waitFor(
        `${n.name} to know the 5 channels`,
        async () => {
          const r = await n.api<{ channels: { policies: [unknown, unknown] }[] }>(
            'GET',
            '/v1/graph/channels?depth=3',
          );
          return (
            r.channels.length === 5 &&
            r.channels.every((c) => c.policies[0] !== null && c.policies[1] !== null)
          );
        },
        40_000,
        250,
      );
    }
    await waitFor('alice to know erin as a keysend node', async () => {
      const r = await alice.api<{ nodes: { nodeId: string; features: number[] }[] }>(
        'GET',
        '/v1/graph/nodes?depth=3',
      );
      return r.nodes.find((x) => x.nodeId === erin.nodeId)?.features.includes(55);
    });
  } catch (e) {
    fail(e);
  }
});

test('keysend over 1, 2 and 3 hops', { timeout: 60_000 }, async () => {
  try {
    const one = await keysend(alice, bob, 10_000n, { message: 'one hop' });
    assert.equal(one.status, 'succeeded', one.failureReason ?? '');
    assert.equal(one.feeMsat, '0');
    const two = await keysend(alice, dave, 20_000n, { message: 'two hops' });
    assert.equal(two.status, 'succeeded', two.failureReason ?? '');
    assert.equal(two.feeMsat, '1000'); // carol's base fee
    assert.equal((await invoice(dave, two.paymentHash))?.app?.message, 'two hops');
    // 3 hops by force: leave through alice-carol.
    const ac = await channelById(alice, ids.ac!);
    const three = await keysend(alice, erin, 30_000n, {
      message: 'three hops',
      outgoingChannel: ac!.shortChannelId!,
    });
    assert.equal(three.status, 'succeeded', three.failureReason ?? '');
    assert.equal(three.feeMsat, '2000'); // carol and dave
    const inv = await invoice(erin, three.paymentHash);
    assert.equal(inv?.state, 'settled');
    assert.equal(inv?.app?.message, 'three hops');
  } catch (e) {
    fail(e);
  }
});

test('a payment bob-erin cannot carry is routed around it', { timeout: 60_000 }, async () => {
  try {
    // Bob has under 50,000 sat on his side of bob-erin; the graph only knows its 1,000,000 capacity.
    const p = await keysend(alice, erin, 200_000_000n, { message: 'big one' });
    assert.equal(p.status, 'succeeded', p.failureReason ?? '');
    const full = await alice.api<PaymentWithRoutes>('GET', `/v1/payments/${p.paymentHash}`);
    const won = full.attempts.find((a) => a.status === 'succeeded');
    assert.deepEqual(
      won?.route.hops.map((h) => h.nodeId),
      [carol.nodeId, dave.nodeId, erin.nodeId],
    );
    for (const a of full.attempts.filter((x) => x.status === 'failed')) {
      // Any failed try went through bob, who could not forward: a temporary channel failure at hop 1.
      assert.equal(a.route.hops[0]?.nodeId, bob.nodeId);
      assert.equal(a.failingHop, 1);
      assert.equal(a.failureName, 'temporary_channel_failure');
    }
    assert.equal((await invoice(erin, p.paymentHash))?.amountReceivedMsat, '200000000');
  } catch (e) {
    fail(e);
  }
});

async function localTotal(n: NodeProcess): Promise<bigint> {
  return (await channels(n)).reduce((s: bigint, c: ChannelJson) => s + BigInt(c.localBalanceMsat), 0n);
}

async function allSettled(): Promise<void> {
  await waitFor(
    'no HTLC pending anywhere',
    async () => {
      for (const n of [alice, bob, carol, dave, erin])
        if ((await channels(n)).some((c) => c.pendingHtlcs > 0 || !c.active)) return false;
      return true;
    },
    40_000,
    200,
  );
}

test('a forwarding node killed mid-payment and restarted: the payment ends cleanly', {
  timeout: 60_000,
}, async () => {
  try {
    await allSettled();
    const carolBefore = await localTotal(carol);
    const ac = await channelById(alice, ids.ac!);
    const started = await alice.api<PaymentJson>('POST', '/v1/keysend', {
      destination: erin.nodeId,
      amountMsat: '50000000',
      outgoingChannel: ac!.shortChannelId!,
      maxFeeMsat: '100000',
      wait: false,
    });
    await waitFor(
      'carol to hold the HTLC',
      async () => (await channelById(carol, ids.ac!))?.pendingHtlcs,
      10_000,
      5,
    );
    await carol.kill('SIGKILL');
    await carol.restart();
    const done = await waitFor(
      'the payment to end',
      async () => {
        const p = await alice.api<PaymentJson>('GET', `/v1/payments/${started.paymentHash}`);
        return p.status === 'in_flight' ? undefined : p;
      },
      45_000,
      200,
    );
    const inv = await invoice(erin, started.paymentHash);
    if (done.status === 'succeeded') assert.equal(inv?.state, 'settled');
    else assert.notEqual(inv?.state, 'settled');
    await allSettled();
    // Carol kept her fee exactly when the payment went through her: 1000 msat + 1 ppm of 50,000,000.
    const carolFee = (await localTotal(carol)) - carolBefore;
    const wentThroughCarol =
      done.status === 'succeeded' &&
      (await alice.api<PaymentWithRoutes>('GET', `/v1/payments/${started.paymentHash}`)).attempts.some(
        (a) => a.status === 'succeeded' && a.route.hops[0]?.nodeId === carol.nodeId,
      );
    assert.equal(carolFee, wentThroughCarol ? 1050n : 0n);
  } catch (e) {
    fail(e);
  }
});
