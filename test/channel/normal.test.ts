// Normal operation, one feature at a time: the add/commit/revoke cycle and its events, failures
// (onion and malformed), update_fee, trimmed HTLCs, and the sender's own limits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildCommitment,
  type ChannelEvent,
  DEFAULT_POLICY,
  needsSignature,
  policyWith,
  reserveFor,
} from '../../src/channel/index.js';
import { sha256 } from '../../src/crypto/index.js';
import { assertConserved, Harness, type Node, nodeConfig, onion, Rng } from './harness.js';

const rng = new Rng(23);

function setup(
  format: 'static_remotekey' | 'anchors' = 'static_remotekey',
  policyB = DEFAULT_POLICY,
): Harness {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2, policyB));
  h.open({ format, pushMsat: 300_000_000n });
  return h;
}

function offer(h: Harness, n: Node, amountMsat: bigint) {
  return h.offer(n, rng, amountMsat);
}

function roundTrip(h: Harness, first: Node): void {
  h.apply(first, { kind: 'signCommitment' });
  h.flush();
  h.apply(h.other(first), { kind: 'signCommitment' });
  h.flush();
}

const ofKind = <K extends ChannelEvent['kind']>(n: Node, k: K) =>
  n.events.filter((e): e is Extract<ChannelEvent, { kind: K }> => e.kind === k);

test('add, commit, revoke: the incoming HTLC is reported only once irrevocably committed', () => {
  const h = setup();
  const { r, preimage } = offer(h, h.a, 5_000_000n);
  assert.deepEqual(r.events, [
    { kind: 'htlcOffered', htlcId: 0n, amountMsat: 5_000_000n, paymentHash: sha256(preimage) },
  ]);
  assert.equal(r.outbound[0]?.kind, 'update_add_htlc');
  assert.equal(needsSignature(h.a.s), true);
  h.apply(h.a, { kind: 'signCommitment' });
  assert.equal(needsSignature(h.a.s), false, 'one commitment_signed at a time');
  h.flush();
  assert.equal(ofKind(h.b, 'htlcAdded').length, 0, 'not yet in A commitment');
  assert.equal(needsSignature(h.b.s), true);
  h.apply(h.b, { kind: 'signCommitment' });
  h.flush();
  const added = ofKind(h.b, 'htlcAdded');
  assert.equal(added.length, 1);
  assert.equal(added[0]!.amountMsat, 5_000_000n);
  assert.equal(added[0]!.onionRoutingPacket.length, 1366);
  // Fulfill: A learns the preimage at once; B's balance moves when the removal is irrevocable.
  h.apply(h.b, { kind: 'fulfillHtlc', htlcId: 0n, paymentPreimage: preimage });
  h.deliver(h.a);
  assert.deepEqual(
    ofKind(h.a, 'htlcFulfilled').map((e) => e.paymentPreimage),
    [preimage],
  );
  roundTrip(h, h.b);
  const resolved = ofKind(h.b, 'htlcResolved');
  assert.deepEqual(
    resolved.map((e) => [e.htlcId, e.fulfilled]),
    [[0n, true]],
  );
  const bal = ofKind(h.b, 'balanceChanged').at(-1);
  assert.deepEqual(bal, { kind: 'balanceChanged', localMsat: 305_000_000n, remoteMsat: 695_000_000n });
  assertConserved(h.a.s);
  assertConserved(h.b.s);
});

test('failures: onion reason and malformed both reach the offerer when irrevocable', () => {
  const h = setup('anchors');
  offer(h, h.a, 5_000_000n);
  offer(h, h.a, 6_000_000n);
  roundTrip(h, h.a);
  const reason = rng.bytes(200);
  h.apply(h.b, { kind: 'failHtlc', htlcId: 0n, reason });
  h.apply(h.b, {
    kind: 'failMalformedHtlc',
    htlcId: 1n,
    sha256OfOnion: new Uint8Array(32).fill(2),
    failureCode: 0x8000 | 0x4000 | 5,
  });
  assert.equal(
    h.apply(h.b, {
      kind: 'failMalformedHtlc',
      htlcId: 1n,
      sha256OfOnion: new Uint8Array(32),
      failureCode: 0x4000,
    }).rejected?.code,
    'unknown_htlc',
    'already being removed',
  );
  roundTrip(h, h.b);
  const failed = ofKind(h.a, 'htlcFailed');
  assert.equal(failed.length, 2);
  assert.deepEqual(failed[0]!.reason, { kind: 'onion', reason });
  assert.deepEqual(failed[1]!.reason, {
    kind: 'malformed',
    sha256OfOnion: new Uint8Array(32).fill(2),
    failureCode: 0xc005,
  });
  assert.equal(h.a.s.localCommit!.spec.toLocalMsat, 700_000_000n, 'failed HTLCs return to the offerer');
});

test('fulfill/fail commands are refused for HTLCs not irrevocably committed or with a wrong preimage', () => {
  const h = setup();
  const { preimage } = offer(h, h.a, 5_000_000n);
  h.apply(h.a, { kind: 'signCommitment' });
  h.flush();
  assert.equal(
    h.apply(h.b, { kind: 'fulfillHtlc', htlcId: 0n, paymentPreimage: preimage }).rejected?.code,
    'unknown_htlc',
  );
  h.apply(h.b, { kind: 'signCommitment' });
  h.flush();
  assert.equal(
    h.apply(h.b, { kind: 'fulfillHtlc', htlcId: 0n, paymentPreimage: rng.bytes(32) }).rejected?.code,
    'invalid',
  );
  assert.equal(
    h.apply(h.b, {
      kind: 'failMalformedHtlc',
      htlcId: 0n,
      sha256OfOnion: new Uint8Array(32),
      failureCode: 0x4000,
    }).rejected?.code,
    'invalid',
  );
  assert.equal(
    h.apply(h.a, { kind: 'fulfillHtlc', htlcId: 0n, paymentPreimage: preimage }).rejected?.code,
    'unknown_htlc',
    'A cannot settle its own HTLC',
  );
  assert.equal(
    h.apply(h.b, { kind: 'fulfillHtlc', htlcId: 0n, paymentPreimage: preimage }).rejected,
    undefined,
  );
});

test('update_fee: funder only, applied to both commitments, fee taken from the funder', () => {
  const h = setup('anchors');
  assert.equal(h.apply(h.b, { kind: 'updateFee', feeratePerKw: 2000 }).rejected?.code, 'not_funder');
  assert.equal(h.apply(h.a, { kind: 'updateFee', feeratePerKw: 100 }).rejected?.code, 'invalid');
  const r = h.apply(h.a, { kind: 'updateFee', feeratePerKw: 2000 });
  assert.equal(r.outbound[0]?.kind, 'update_fee');
  h.apply(h.a, { kind: 'updateFee', feeratePerKw: 3000 });
  assert.equal(h.a.s.localChanges.proposed.length, 1, 'a newer update_fee replaces the unsigned one');
  roundTrip(h, h.a);
  assert.equal(h.a.s.localCommit!.spec.feeratePerKw, 3000);
  assert.equal(h.b.s.localCommit!.spec.feeratePerKw, 3000);
  const built = buildCommitment(h.b.s, 'local', h.b.s.localCommit!.spec, h.b.s.localCommit!.index);
  assert.equal(built.commitment.baseFeeSat, (3000n * 1124n) / 1000n);
  // B's own output is untouched by the fee: exactly its balance.
  const toLocal = built.commitment.outputs.findIndex((o) => o.kind === 'to_local');
  assert.equal(built.commitment.tx.outputs[toLocal]!.amountSat, 300_000n);
});

test('trimmed HTLCs get no output and no signature, but stay in the balance', () => {
  const h = setup();
  offer(h, h.a, 400_000n); // 400 sat: below the 546 sat dust limit
  offer(h, h.a, 2_000_000n);
  roundTrip(h, h.a);
  const s = h.b.s;
  assert.equal(s.localCommit!.spec.htlcs.length, 2);
  assert.equal(s.localCommit!.htlcSigs.length, 1, 'one HTLC signature for the one untrimmed HTLC');
  const built = buildCommitment(s, 'local', s.localCommit!.spec, s.localCommit!.index);
  assert.equal(built.htlcTxs.length, 1);
  assertConserved(s);
});

test('the sender respects the peer limits and keeps its reserve and fee spike buffer', () => {
  const h = setup(
    'static_remotekey',
    policyWith({ maxAcceptedHtlcs: 5, htlcMinimumMsat: 10_000n, maxHtlcValueInFlightPercent: 5 }),
  );
  assert.equal(offer(h, h.a, 9_999n).r.rejected?.code, 'below_minimum');
  assert.equal(offer(h, h.a, 0n).r.rejected?.code, 'below_minimum');
  assert.equal(offer(h, h.a, 51_000_000n).r.rejected?.code, 'in_flight_limit');
  for (let i = 0; i < 5; i++) assert.equal(offer(h, h.a, 3_000_000n).r.rejected, undefined);
  assert.equal(offer(h, h.a, 3_000_000n).r.rejected?.code, 'too_many_htlcs');
  // B (not the funder) cannot dip below the reserve A asked of it.
  const reserve = reserveFor(1_000_000n, DEFAULT_POLICY) * 1000n;
  assert.equal(offer(h, h.b, 300_000_000n - reserve + 1n).r.rejected?.code, 'insufficient_funds');
  const bad = h.apply(h.a, {
    kind: 'addHtlc',
    amountMsat: 1_000_000n,
    paymentHash: new Uint8Array(32),
    cltvExpiry: 500_000_000,
    onionRoutingPacket: onion(rng),
  });
  assert.equal(bad.rejected?.code, 'invalid');
  assert.deepEqual(h.b.failures, []);
});

test('a side with no balance cannot offer anything', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h.open({ format: 'static_remotekey' });
  assert.equal(offer(h, h.b, 1_000n).r.rejected?.code, 'insufficient_funds');
  assert.equal(offer(h, h.a, 1_000_000_001n).r.rejected?.code, 'insufficient_funds');
});

test('the funder keeps a fee spike buffer: what LDK requires of a funder', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h.open({ format: 'anchors', pushMsat: 980_000_000n, feeratePerKw: 5000 });
  // A has 20,000 sat: 10,000 reserve; the commitment costs 1124*5 + 660 = 6,280 sat; the buffer
  // at twice the feerate with one more HTLC costs (1124+172)*10 + 660 = 13,620 sat.
  assert.equal(offer(h, h.a, 1_000_000n).r.rejected?.code, 'insufficient_funds');
});

test('dust exposure: a trimmed HTLC beyond the limit is not offered', () => {
  const h = new Harness(
    nodeConfig('A', 1, policyWith({ maxDustHtlcExposure: { kind: 'fixed', msat: 1_000_000n } })),
    nodeConfig('B', 2),
  );
  h.open({ format: 'static_remotekey', pushMsat: 300_000_000n });
  assert.equal(offer(h, h.a, 500_000n).r.rejected, undefined);
  assert.equal(offer(h, h.a, 500_000n).r.rejected, undefined);
  assert.equal(offer(h, h.a, 500_000n).r.rejected?.code, 'dust_exposure');
  assert.equal(offer(h, h.a, 5_000_000n).r.rejected, undefined, 'non-dust HTLCs are not limited');
});

test('no commitment_signed without changes, nor while waiting for a revocation', () => {
  const h = setup();
  assert.deepEqual(h.apply(h.a, { kind: 'signCommitment' }).outbound, []);
  offer(h, h.a, 1_000_000n);
  assert.equal(h.apply(h.a, { kind: 'signCommitment' }).outbound.length, 1);
  offer(h, h.a, 1_000_000n);
  assert.deepEqual(h.apply(h.a, { kind: 'signCommitment' }).outbound, []);
  h.flush();
  assert.equal(h.apply(h.a, { kind: 'signCommitment' }).outbound.length, 1, 'after the revocation');
});
