// test/channel/in-flight.test.ts: our max_htlc_value_in_flight_msat follows the policy's
// percentage of the channel, in open_channel (as funder) and accept_channel (as fundee), and an
// update_add_htlc that takes the peer's offered HTLCs past it fails the channel as BOLT 2 says.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChannelMessage, maxInFlightFor, policyWith } from '../../src/channel/index.js';
import { sha256 } from '../../src/crypto/index.js';
import type { AcceptChannel, OpenChannel, UpdateAddHtlc } from '../../src/wire/index.js';
import { Harness, type Node, nodeConfig, onion, Rng } from './harness.js';

const rng = new Rng(4242);
const FUNDING_SAT = 1_000_000n;

function open(percentA: number, percentB: number, pushMsat = 0n): Harness {
  const h = new Harness(
    nodeConfig('A', 1, policyWith({ maxHtlcValueInFlightPercent: percentA })),
    nodeConfig('B', 2, policyWith({ maxHtlcValueInFlightPercent: percentB })),
  );
  h.open({ format: 'anchors', fundingSat: FUNDING_SAT, pushMsat });
  return h;
}

function sentOf<K extends 'open_channel' | 'accept_channel'>(n: Node, kind: K) {
  const m = n.sent.find((x) => x.kind === kind);
  assert.ok(m !== undefined, `${n.config.name} sent no ${kind}`);
  return m as K extends 'open_channel' ? OpenChannel : AcceptChannel;
}

/** B's next update_add_htlc to A, sent as raw bytes would be (A's checks, not B's, are under test). */
function rawAdd(h: Harness, amountMsat: bigint, id = h.a.s.remoteNextHtlcId): UpdateAddHtlc {
  return {
    kind: 'update_add_htlc',
    channelId: h.a.s.channelId!,
    id,
    amountMsat,
    paymentHash: sha256(rng.bytes(32)),
    cltvExpiry: h.height + 100,
    onionRoutingPacket: onion(rng),
  };
}

test("open_channel and accept_channel carry each side's percentage of the channel", () => {
  for (const [pa, pb] of [
    [100, 100],
    [10, 49],
    [1, 100],
    [37, 3],
  ] as const) {
    const h = open(pa, pb);
    const expectA = (FUNDING_SAT * 1000n * BigInt(pa)) / 100n;
    const expectB = (FUNDING_SAT * 1000n * BigInt(pb)) / 100n;
    assert.equal(sentOf(h.a, 'open_channel').maxHtlcValueInFlightMsat, expectA, `funder at ${pa}%`);
    assert.equal(sentOf(h.b, 'accept_channel').maxHtlcValueInFlightMsat, expectB, `fundee at ${pb}%`);
    assert.equal(h.a.s.local.maxHtlcValueInFlightMsat, expectA);
    assert.equal(h.b.s.remote?.maxHtlcValueInFlightMsat, expectA, 'B holds A to what A sent');
    assert.equal(h.b.s.local.maxHtlcValueInFlightMsat, expectB);
    assert.equal(h.a.s.remote?.maxHtlcValueInFlightMsat, expectB, 'A holds B to what B sent');
  }
  assert.equal(maxInFlightFor(20_000n, policyWith({ maxHtlcValueInFlightPercent: 10 })), 2_000_000n);
});

test('an HTLC up to our limit is taken; one past it fails the channel with an error', () => {
  // A allows 10% (100,000 sat) in flight; B has 400,000 sat to offer from.
  const limit = (FUNDING_SAT * 1000n) / 10n;
  const h = open(10, 100, 400_000_000n);

  // Exactly the limit, in two HTLCs: accepted.
  for (const amount of [limit - 30_000_000n, 30_000_000n]) {
    const r = h.apply(h.a, rawAdd(h, amount) as ChannelMessage);
    assert.equal(r.failure, undefined, r.failure?.message);
  }
  assert.equal(h.a.s.remoteNextHtlcId, 2n);

  // One more msat in flight. BOLT 2: "adds more than receiver `max_htlc_value_in_flight_msat` worth
  // of offered HTLCs to its local commitment transaction:" ... "send an `error` and fail the channel."
  const before = h.a.s;
  const r = h.apply(h.a, rawAdd(h, 1n) as ChannelMessage);
  assert.ok(r.failure !== undefined, 'the channel must fail');
  assert.equal(r.failure.kind, 'error');
  assert.equal(r.failure.forceClose, true);
  assert.equal(r.failure.message, `more than our max_htlc_value_in_flight_msat ${limit}`);
  const err = h.a.sent.at(-1);
  assert.ok(err?.kind === 'error');
  assert.deepEqual(err.channelId, before.channelId);
  assert.equal(h.a.s.phase, 'forceClosing');
  assert.deepEqual(h.a.s.localCommit, before.localCommit, 'our commitment is untouched');
});

test("our own HTLC past the peer's limit is refused before anything is sent", () => {
  // B allows A only 5% (50,000 sat); A, the funder, has the rest of the channel.
  const limit = (FUNDING_SAT * 1000n * 5n) / 100n;
  const h = open(100, 5);
  const add = (amountMsat: bigint) =>
    h.apply(h.a, {
      kind: 'addHtlc',
      amountMsat,
      paymentHash: sha256(rng.bytes(32)),
      cltvExpiry: h.height + 100,
      onionRoutingPacket: onion(rng),
    });
  const sent = h.a.sent.length;
  const over = add(limit + 1n);
  assert.equal(over.rejected?.code, 'in_flight_limit');
  assert.equal(h.a.sent.length, sent, 'nothing went out');
  const at = add(limit);
  assert.equal(at.rejected, undefined, at.rejected?.message);
  h.apply(h.a, { kind: 'signCommitment' });
  h.flush();
  assert.deepEqual(h.b.failures, [], 'B took an HTLC at its limit');
  assert.equal(h.b.s.localCommit?.spec.htlcs.length, 1);
});
