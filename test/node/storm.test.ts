// test/node/storm.test.ts: HTLC storms between two ksnode processes over loopback TCP on the devnet
// chain. 1,000 keysends each way with seeded random amounts, 25 in flight per direction so that
// commitments cross, a third of them refused by the recipient (an unknown even custom record:
// invalid_onion_payload); both sides agree and the balances moved by exactly what succeeded, down
// to the closing outputs. Then a storm during which one side or the other is SIGKILLed 30 times
// at seeded random moments and restarted on its data directory: every payment ends, each
// succeeded exactly when its recipient settled it, and the balances reconcile to the millisatoshi.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeTx, txidFromHex } from '../../src/tx/index.js';
import {
  ApiCallError,
  type ChannelJson,
  Cluster,
  channelById,
  channels,
  connect,
  type InvoiceJson,
  NodeProcess,
  openChannel,
  type PaymentJson,
  waitActive,
  waitFor,
} from './harness.js';

/** Payments each way in the first storm (the count). */
const PER_DIRECTION = 1_000;
/** Payments in flight at once per direction. */
const IN_FLIGHT = 25;
/** SIGKILLs in the second storm (the count). */
const KILLS = 30;
/** An even custom record type nobody registered: BOLT 1 makes the recipient refuse it. */
const UNKNOWN_EVEN_TYPE = '70000';
const CHANNEL_SAT = 5_000_000n;

let cluster: Cluster;
let alice: NodeProcess;
let bob: NodeProcess;

/** mulberry32: a small seeded PRNG, so that a failing run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

before(async () => {
  cluster = await Cluster.start();
  // Rate limits out of the way: the refusals under test are the records, not the pace. HTLC slots
  // too: with 25 payments in flight, the HTLCs of payments already settled stay in the commitment
  // until the next revocation, so the default 30 slots can fill and a payment fail with no route.
  const flags = { 'keysend-burst': '1000000', 'keysend-rate': '1000000', 'max-accepted-htlcs': '100' };
  const spawned = await Promise.allSettled(
    ['alice', 'bob'].map((n) => NodeProcess.spawn(n, cluster.chainUrl, { flags })),
  );
  for (const r of spawned) if (r.status === 'fulfilled') cluster.nodes.push(r.value);
  for (const r of spawned) if (r.status === 'rejected') throw r.reason;
  [alice, bob] = cluster.nodes as [NodeProcess, NodeProcess];
  // Two channels for the first storm and one for the second, plus fees.
  await Promise.all([cluster.fund(alice, 11_000_000n), cluster.fund(bob, 6_000_000n)]);
  await connect(alice, bob);
});

after(async () => {
  await cluster?.close();
});

function msat(c: ChannelJson | undefined, field: 'localBalanceMsat' | 'remoteBalanceMsat'): bigint {
  assert.ok(c !== undefined, 'channel not found');
  return BigInt(c[field]);
}

/** Each node's total local balance over `ids`, after checking both sides agree on every channel. */
async function totals(ids: string[]): Promise<{ alice: bigint; bob: bigint; pending: number }> {
  let a = 0n;
  let b = 0n;
  let pending = 0;
  for (const id of ids) {
    const [ca, cb] = await Promise.all([channelById(alice, id), channelById(bob, id)]);
    assert.equal(msat(ca, 'localBalanceMsat'), msat(cb, 'remoteBalanceMsat'), `channel ${id} mirrored`);
    assert.equal(msat(ca, 'remoteBalanceMsat'), msat(cb, 'localBalanceMsat'), `channel ${id} mirrored`);
    a += msat(ca, 'localBalanceMsat');
    b += msat(cb, 'localBalanceMsat');
    pending += ca!.pendingHtlcs + cb!.pendingHtlcs;
  }
  return { alice: a, bob: b, pending };
}

/** Waits until no HTLC is pending on either side of `ids`, then returns the agreed totals. */
async function settledTotals(ids: string[], timeoutMs = 30_000): Promise<{ alice: bigint; bob: bigint }> {
  await waitFor(
    'no HTLC left pending and both sides agreeing',
    async () => {
      try {
        return (await totals(ids)).pending === 0;
      } catch {
        return false;
      }
    },
    timeoutMs,
    200,
  );
  return totals(ids);
}

/** Every outgoing payment of `node` (paged through the API). */
async function allPayments(node: NodeProcess): Promise<PaymentJson[]> {
  const out: PaymentJson[] = [];
  for (;;) {
    const after = out.length === 0 ? '' : `&afterId=${out[out.length - 1]!.id}`;
    const r = await node.api<{ payments: PaymentJson[] }>('GET', `/v1/payments?limit=1000${after}`);
    out.push(...r.payments);
    if (r.payments.length < 1000) return out;
  }
}

/** Every invoice of `node`, keysend ones included, by payment hash. */
async function allInvoices(node: NodeProcess): Promise<Map<string, InvoiceJson>> {
  const out = new Map<string, InvoiceJson>();
  for (let offset = 0; ; offset += 1000) {
    const r = await node.api<{ invoices: InvoiceJson[] }>('GET', `/v1/invoices?limit=1000&offset=${offset}`);
    for (const i of r.invoices) out.set(i.paymentHash, i);
    if (r.invoices.length < 1000) return out;
  }
}

/**
 * Every payment of `from` ended; each succeeded exactly when `to` settled it for its amount.
 * Returns the payments and the sum that moved.
 */
async function reconcile(
  from: NodeProcess,
  to: NodeProcess,
): Promise<{ payments: PaymentJson[]; movedMsat: bigint }> {
  const payments = await allPayments(from);
  const invoices = await allInvoices(to);
  let movedMsat = 0n;
  for (const p of payments) {
    assert.notEqual(p.status, 'in_flight', `${from.name}'s payment ${p.paymentHash} is still in flight`);
    const inv = invoices.get(p.paymentHash);
    if (p.status === 'succeeded') {
      assert.equal(
        inv?.state,
        'settled',
        `payment ${p.paymentHash} succeeded but ${to.name} did not settle it`,
      );
      assert.equal(inv?.amountReceivedMsat, p.amountMsat);
      assert.equal(p.feeMsat, '0', 'a direct payment pays no fee');
      movedMsat += BigInt(p.amountMsat);
    } else {
      if (inv?.state === 'settled') {
        const detail = await from
          .api<PaymentJson>('GET', `/v1/payments/${p.paymentHash}`)
          .catch((e) => String(e));
        assert.fail(
          `payment ${p.paymentHash} failed but ${to.name} settled it\n` +
            `payment: ${JSON.stringify(detail)}\ninvoice: ${JSON.stringify(inv)}`,
        );
      }
    }
  }
  return { payments, movedMsat };
}

/** Closes `channelId` from `closer`, mines the closing transaction, and checks its outputs. */
async function closeAndCheck(closer: NodeProcess, other: NodeProcess, channelId: string): Promise<void> {
  const before = await channelById(closer, channelId);
  assert.equal(before?.pendingHtlcs, 0);
  const closerMsat = msat(before, 'localBalanceMsat');
  const otherMsat = msat(before, 'remoteBalanceMsat');
  const closerIsFunder = before?.initiator === 'local';
  // Nothing else is in the channel: the two balances are the whole capacity.
  assert.equal(closerMsat + otherMsat, BigInt(before!.capacitySat) * 1000n);
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
  // BOLT 3: each side's output is its balance rounded down to whole satoshis; the funder's
  // output also pays the agreed closing fee. (Both balances are far above the dust limit.)
  const funderBalanceSat = (closerIsFunder ? closerMsat : otherMsat) / 1000n;
  const fundeeSat = (closerIsFunder ? otherMsat : closerMsat) / 1000n;
  assert.ok(fundeeSat >= 546n && funderBalanceSat >= 546n, 'test setup: both balances above dust');
  assert.equal(tx.value.outputs.length, 2);
  assert.equal(
    tx.value.outputs.filter((o) => o.amountSat === fundeeSat).length,
    1,
    `an output of exactly the fundee's ${fundeeSat} sat`,
  );
  const funderOut = tx.value.outputs.find((o) => o.amountSat !== fundeeSat)!.amountSat;
  const fee = funderBalanceSat - funderOut;
  // At the devnet's 253 sat/kw floor a two-output closing transaction costs about 180 sat.
  assert.ok(fee > 100n && fee < 1_000n, `closing fee ${fee}`);
  cluster.mine(1);
  for (const n of [closer, other])
    await waitFor(
      `${n.name} sees the channel closed`,
      async () => (await channelById(n, channelId))?.status === 'closed',
    );
}

interface Planned {
  amountMsat: bigint;
  refused: boolean;
}

/**
 * `n` payments, about a third refused. Amounts: mostly 2,000 to 10,000 sat; one in twenty from 1 to
 * 90 sat, trimmed from the commitments as dust. Even 50 of those in flight on one channel stay under
 * the node's 5,000 sat dust exposure limit, so a refusal for dust exposure is a failure here.
 */
function plan(rand: () => number, n: number): Planned[] {
  return Array.from({ length: n }, () => {
    const dust = rand() < 0.05;
    const amountMsat = dust
      ? 1_000n + BigInt(Math.floor(rand() * 89_000))
      : 2_000_000n + BigInt(Math.floor(rand() * 8_000_000));
    return { amountMsat, refused: rand() < 1 / 3 };
  });
}

function keysendBody(to: NodeProcess, p: Planned): Record<string, string | boolean | Record<string, string>> {
  return {
    destination: to.nodeId,
    amountMsat: p.amountMsat.toString(),
    allowWithoutFeature: true,
    ...(p.refused ? { records: { [UNKNOWN_EVEN_TYPE]: '01' } } : {}),
  };
}

/** Runs `work(i)` for i in [0, n) with at most `width` running at once. */
async function pool(n: number, width: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

test('1,000 keysends each way, 25 in flight per direction, a third refused: balances reconcile and close', {
  timeout: 240_000,
}, async () => {
  const t0 = Date.now();
  try {
    const aliceToBob = await openChannel(alice, bob, CHANNEL_SAT);
    const bobToAlice = await openChannel(bob, alice, CHANNEL_SAT);
    cluster.mine(3);
    await waitActive(aliceToBob, alice, bob);
    await waitActive(bobToAlice, alice, bob);
    const ids = [aliceToBob, bobToAlice];
    const start = await settledTotals(ids);
    assert.equal(start.alice, CHANNEL_SAT * 1000n);
    assert.equal(start.bob, CHANNEL_SAT * 1000n);
    const t1 = Date.now();

    const rand = prng(0x5eed_0001);
    const toBob = plan(rand, PER_DIRECTION);
    const toAlice = plan(rand, PER_DIRECTION);
    const run = (from: NodeProcess, to: NodeProcess, planned: Planned[]) => {
      const results: PaymentJson[] = new Array(planned.length);
      return pool(planned.length, IN_FLIGHT, async (i) => {
        results[i] = await from.api<PaymentJson>('POST', '/v1/keysend', keysendBody(to, planned[i]!));
      }).then(() => results);
    };
    const [fromAlice, fromBob] = await Promise.all([run(alice, bob, toBob), run(bob, alice, toAlice)]);
    const t2 = Date.now();

    const expectOutcomes = (planned: Planned[], results: PaymentJson[]): bigint => {
      let moved = 0n;
      planned.forEach((p, i) => {
        const r = results[i]!;
        assert.equal(r.amountMsat, p.amountMsat.toString());
        if (p.refused) {
          assert.equal(r.status, 'failed', `payment ${i} carries record ${UNKNOWN_EVEN_TYPE} but succeeded`);
          assert.match(r.failureReason ?? '', /invalid_onion_payload/, `payment ${i}: ${r.failureReason}`);
        } else {
          assert.equal(r.status, 'succeeded', `payment ${i} of ${p.amountMsat} msat: ${r.failureReason}`);
          moved += p.amountMsat;
        }
      });
      return moved;
    };
    const aliceSent = expectOutcomes(toBob, fromAlice);
    const bobSent = expectOutcomes(toAlice, fromBob);
    const refused = [...toBob, ...toAlice].filter((p) => p.refused).length;
    assert.ok(refused > 600 && refused < 740, `about a third refused (${refused})`);
    // One refusal in full: the recipient itself (hop 1) named the offending record type.
    const sample = fromAlice[toBob.findIndex((p) => p.refused)]!;
    const full = await alice.api<PaymentJson>('GET', `/v1/payments/${sample.paymentHash}`);
    assert.equal(full.attempts?.at(-1)?.failureName, 'invalid_onion_payload');
    assert.equal(full.attempts?.at(-1)?.failingHop, 1);

    // The node's own records say the same: every payment ended, and each succeeded exactly
    // when the recipient settled it.
    const a = await reconcile(alice, bob);
    const b = await reconcile(bob, alice);
    assert.equal(a.payments.length, PER_DIRECTION);
    assert.equal(b.payments.length, PER_DIRECTION);
    assert.equal(a.movedMsat, aliceSent);
    assert.equal(b.movedMsat, bobSent);

    const end = await settledTotals(ids);
    assert.equal(end.alice, start.alice - aliceSent + bobSent);
    assert.equal(end.bob, start.bob + aliceSent - bobSent);
    const t3 = Date.now();

    await closeAndCheck(alice, bob, aliceToBob);
    // The other channel is closed by its fundee.
    await closeAndCheck(alice, bob, bobToAlice);
    const t4 = Date.now();
    console.log(
      `storm: open ${t1 - t0} ms; ${2 * PER_DIRECTION} keysends in ${t2 - t1} ms ` +
        `(${((2 * PER_DIRECTION * 1000) / (t2 - t1)).toFixed(0)}/s, ${refused} refused); ` +
        `checks ${t3 - t2} ms; closes ${t4 - t3} ms`,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
  }
});

// This test found a money bug (a keysend settled by the recipient ended `failed` at the sender):
// the sender died after its channel stored an HTLC but before the switch recorded it, and after
// the restart the HTLC's origin was gone (the peer had already settled it, with the node
// reconnecting before the switch reconciled), so the switch failed the payment as never sent.
// Fixed in the driver (origins stay until their resolution is taken) and the node (no peer
// before the switch has reconciled); test/node/driver.test.ts checks the first deterministically.
test('a storm with 30 SIGKILLs, alternating sides: every payment ends and balances reconcile', {
  timeout: 300_000,
}, async () => {
  const t0 = Date.now();
  try {
    // Alice's history from the first test stays in the lists: only new payments count here.
    const seen = {
      alice: new Set((await allPayments(alice)).map((p) => p.paymentHash)),
      bob: new Set((await allPayments(bob)).map((p) => p.paymentHash)),
    };
    const channelId = await openChannel(alice, bob, CHANNEL_SAT, (CHANNEL_SAT * 1000n) / 2n);
    cluster.mine(3);
    await waitActive(channelId, alice, bob);
    // Payments may take any open channel between the two (the first test's, if it failed early).
    const ids = (await channels(alice)).filter((c) => c.status === 'open').map((c) => c.channelId);
    const start = await settledTotals(ids);
    const t1 = Date.now();

    const rand = prng(0x5eed_0002);
    // The kill moments come from their own generator: the workers draw amounts in whatever order
    // their answers come back.
    const killRand = prng(0x5eed_0003);
    let stop = false;
    // Payments start only while the channel is up on both sides; they are in flight when a kill
    // comes, and a node that is down or reconnecting would only refuse them at once.
    let up = true;
    let lostAnswers = 0;
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const worker = async (from: NodeProcess, to: NodeProcess) => {
      while (!stop) {
        if (!up) {
          await pause(20);
          continue;
        }
        const [p] = plan(rand, 1);
        try {
          const r = await from.api<PaymentJson>('POST', '/v1/keysend', keysendBody(to, p!));
          // Refused at once (the peer went away): no busy loop until the channel is back.
          if (r.status === 'failed') await pause(20);
        } catch (e) {
          // The sender died under the request: the payment may or may not exist; its record on
          // the node, not this answer, is what gets reconciled.
          if (e instanceof ApiCallError) throw e;
          lostAnswers++;
          await pause(20);
        }
      }
    };
    const workers = [
      ...Array.from({ length: 8 }, () => worker(alice, bob)),
      ...Array.from({ length: 8 }, () => worker(bob, alice)),
    ];
    const kills: number[] = [];
    const restartMs: number[] = [];
    let ended: PromiseSettledResult<void>[] = [];
    try {
      for (let k = 0; k < KILLS; k++) {
        const victim = k % 2 === 0 ? bob : alice;
        const delay = 100 + Math.floor(killRand() * 700);
        await pause(delay);
        up = false;
        await victim.kill('SIGKILL');
        kills.push(Date.now());
        await victim.restart();
        await waitActive(channelId, alice, bob);
        restartMs.push(Date.now() - kills[k]!);
        up = true;
      }
      // A little more storm after the last restart.
      await pause(500);
    } finally {
      stop = true;
      ended = await Promise.allSettled(workers);
    }
    // A worker that met an API error answer (not a dead socket) fails the test.
    for (const r of ended) if (r.status === 'rejected') throw r.reason;
    const t2 = Date.now();

    await waitFor(
      'every payment of the storm to end',
      async () => {
        for (const n of [alice, bob])
          if (
            (await n.api<{ payments: PaymentJson[] }>('GET', '/v1/payments?status=in_flight')).payments.length
          )
            return false;
        return true;
      },
      60_000,
      250,
    );
    const end = await settledTotals(ids, 60_000);
    const a = await reconcile(alice, bob);
    const b = await reconcile(bob, alice);
    const fresh = (r: { payments: PaymentJson[] }, old: Set<string>) =>
      r.payments.filter((p) => !old.has(p.paymentHash));
    const aNew = fresh(a, seen.alice);
    const bNew = fresh(b, seen.bob);
    const ok = (ps: PaymentJson[]) => ps.filter((p) => p.status === 'succeeded');
    const sum = (ps: PaymentJson[]) => ps.reduce((s, p) => s + BigInt(p.amountMsat), 0n);
    const aliceSent = sum(ok(aNew));
    const bobSent = sum(ok(bNew));
    // reconcile() summed old and new payments; the new ones alone moved these channels.
    assert.equal(end.alice, start.alice - aliceSent + bobSent);
    assert.equal(end.bob, start.bob + aliceSent - bobSent);
    // The storm did something: many payments each way, many of them through.
    assert.ok(ok(aNew).length >= 50 && ok(bNew).length >= 50, 'too few payments went through');
    // Some payments were in flight across a kill: started before it and ended after it.
    const survivors = [...aNew, ...bNew].filter((p) =>
      kills.some((at) => p.createdAt < at && p.updatedAt > at),
    ).length;
    assert.ok(survivors >= 1, 'no payment outlived a kill: the restarts did not test anything');

    // The channel still works both ways.
    const [again, back] = await Promise.all([
      alice.api<PaymentJson>('POST', '/v1/keysend', keysendBody(bob, { amountMsat: 5_000n, refused: false })),
      bob.api<PaymentJson>('POST', '/v1/keysend', keysendBody(alice, { amountMsat: 7_000n, refused: false })),
    ]);
    assert.equal(again.status, 'succeeded', again.failureReason ?? '');
    assert.equal(back.status, 'succeeded', back.failureReason ?? '');
    const t3 = Date.now();
    const all = [...aNew, ...bNew];
    console.log(
      `restarts: open ${t1 - t0} ms; storm with ${KILLS} kills in ${t2 - t1} ms ` +
        `(${all.length} payments: ${ok(all).length} succeeded, ${all.length - ok(all).length} failed, ` +
        `${survivors} outlived a kill, ${lostAnswers} answers lost to a kill; restart to active ` +
        `${Math.min(...restartMs)}..${Math.max(...restartMs)} ms); settle and checks ${t3 - t2} ms`,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logs()}`);
  }
});
