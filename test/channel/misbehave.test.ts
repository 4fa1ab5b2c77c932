// A misbehaving peer: every violation gets the failure BOLT 2 prescribes, and the honest side's
// state never moves to something that could lose money (a failed channel broadcasts exactly our
// latest valid commitment; a warning changes nothing).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ChannelFailure,
  type ChannelMessage,
  type ChannelState,
  fundingOutputScript,
  policyWith,
  serializeChannel,
} from '../../src/channel/index.js';
import { sha256 } from '../../src/crypto/index.js';
import { decodeTx, verifyWitnessInputOfTx } from '../../src/tx/index.js';
import { decodeMessage, type UpdateAddHtlc, type WireMessage } from '../../src/wire/index.js';
import { Harness, type Node, nodeConfig, onion, Rng } from './harness.js';

const rng = new Rng(99);

function setup(policyB = policyWith({})): Harness {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2, policyB));
  h.open({ format: 'anchors', pushMsat: 300_000_000n });
  return h;
}

/** a offers an HTLC, and both sides sign it in, irrevocably. Returns its preimage. */
function committedHtlc(h: Harness, from: Node, amountMsat: bigint): Uint8Array {
  const preimage = rng.bytes(32);
  const r = h.apply(from, {
    kind: 'addHtlc',
    amountMsat,
    paymentHash: sha256(preimage),
    cltvExpiry: h.height + 144,
    onionRoutingPacket: onion(rng),
  });
  assert.equal(r.rejected, undefined, r.rejected?.message);
  h.apply(from, { kind: 'signCommitment' });
  h.flush();
  h.apply(h.other(from), { kind: 'signCommitment' });
  h.flush();
  return preimage;
}

/** Takes the next message `to` would receive, without delivering it. */
function intercept(to: Node): WireMessage {
  const raw = to.inbox.shift();
  assert.ok(raw, 'a message should be in flight');
  const d = decodeMessage(raw);
  assert.ok(d.ok);
  return d.value as WireMessage;
}

function assertSafeForceClose(
  n: Node,
  before: ChannelState,
  failure: ChannelFailure | undefined,
  reason: RegExp,
) {
  assert.ok(failure, 'the channel must fail');
  assert.equal(failure.kind, 'error');
  assert.equal(failure.forceClose, true);
  assert.match(failure.message, reason);
  const s = n.s;
  assert.equal(s.phase, 'forceClosing');
  assert.deepEqual(s.localCommit, before.localCommit, 'our commitment is untouched by the bad message');
  const action = n.actions.at(-1);
  assert.ok(action?.kind === 'broadcastCommitment');
  assert.equal(action.commitmentNumber, before.localCommit!.index);
  const tx = decodeTx(action.tx);
  assert.ok(tx.ok);
  const check = verifyWitnessInputOfTx(tx.value, 0, {
    script: fundingOutputScript(s),
    amountSat: s.fundingSat,
  });
  assert.deepEqual(check, { ok: true }, 'the broadcast commitment carries two valid signatures');
  assert.equal(n.sent.at(-1)?.kind, 'error');
}

function assertWarningOnly(
  n: Node,
  before: ChannelState,
  failure: ChannelFailure | undefined,
  reason: RegExp,
) {
  assert.ok(failure);
  assert.equal(failure.kind, 'warning');
  assert.equal(failure.forceClose, false);
  assert.match(failure.message, reason);
  assert.deepEqual(serializeChannel(n.s), serializeChannel(before), 'a warning changes nothing');
  assert.equal(n.sent.at(-1)?.kind, 'warning');
}

test('invalid commitment signature fails the channel', () => {
  const h = setup();
  committedHtlc(h, h.a, 5_000_000n);
  h.apply(h.a, {
    kind: 'addHtlc',
    amountMsat: 7_000_000n,
    paymentHash: sha256(rng.bytes(32)),
    cltvExpiry: h.height + 100,
    onionRoutingPacket: onion(rng),
  });
  h.apply(h.a, { kind: 'signCommitment' });
  h.deliver(h.b); // the add
  const cs = intercept(h.b);
  assert.ok(cs.kind === 'commitment_signed');
  const before = h.b.s;
  const sig = Uint8Array.from(cs.signature);
  sig[10]! ^= 1;
  const r = h.apply(h.b, { ...cs, signature: sig });
  assertSafeForceClose(h.b, before, r.failure, /invalid signature/);
});

test('invalid or missing HTLC signature fails the channel', () => {
  for (const mutate of ['flip', 'drop'] as const) {
    const h = setup();
    h.apply(h.a, {
      kind: 'addHtlc',
      amountMsat: 9_000_000n,
      paymentHash: sha256(rng.bytes(32)),
      cltvExpiry: h.height + 100,
      onionRoutingPacket: onion(rng),
    });
    h.apply(h.a, { kind: 'signCommitment' });
    h.deliver(h.b);
    const cs = intercept(h.b);
    assert.ok(cs.kind === 'commitment_signed');
    assert.equal(cs.htlcSignature.length, 1);
    const before = h.b.s;
    const htlcSignature = mutate === 'flip' ? [Uint8Array.from(cs.htlcSignature[0]!).fill(3, 40, 44)] : [];
    const r = h.apply(h.b, { ...cs, htlcSignature });
    assertSafeForceClose(
      h.b,
      before,
      r.failure,
      mutate === 'flip' ? /HTLC signature 0/ : /expected 1 HTLC signatures/,
    );
  }
});

test('a bad revocation secret fails the channel', () => {
  for (const secret of [new Uint8Array(32).fill(1), new Uint8Array(32), new Uint8Array(32).fill(0xff)]) {
    const h = setup();
    h.apply(h.a, {
      kind: 'addHtlc',
      amountMsat: 9_000_000n,
      paymentHash: sha256(rng.bytes(32)),
      cltvExpiry: h.height + 100,
      onionRoutingPacket: onion(rng),
    });
    h.apply(h.a, { kind: 'signCommitment' });
    h.deliver(h.b);
    h.deliver(h.b); // commitment_signed -> revoke_and_ack
    const raa = intercept(h.a);
    assert.ok(raa.kind === 'revoke_and_ack');
    const before = h.a.s;
    const r = h.apply(h.a, { ...raa, perCommitmentSecret: secret });
    assertSafeForceClose(h.a, before, r.failure, /secret does not match/);
    // The peer's previous commitment is not considered revoked.
    assert.equal(h.a.s.remoteCommit!.index, before.remoteCommit!.index);
  }
});

test('an unexpected revoke_and_ack fails the channel', () => {
  const h = setup();
  const before = h.a.s;
  const r = h.apply(h.a, {
    kind: 'revoke_and_ack',
    channelId: before.channelId!,
    perCommitmentSecret: new Uint8Array(32).fill(1),
    nextPerCommitmentPoint: before.local.fundingPubkey,
  });
  assertSafeForceClose(h.a, before, r.failure, /unexpected revoke_and_ack/);
});

function add(h: Harness, patch: Partial<UpdateAddHtlc>): UpdateAddHtlc {
  return {
    kind: 'update_add_htlc',
    channelId: h.b.s.channelId!,
    id: h.b.s.remoteNextHtlcId,
    amountMsat: 1_000_000n,
    paymentHash: sha256(rng.bytes(32)),
    cltvExpiry: h.height + 100,
    onionRoutingPacket: onion(rng),
    ...patch,
  };
}

test('HTLCs over limits, below minimum, unaffordable, with a bad cltv or id fail the channel', () => {
  const policyB = policyWith({
    htlcMinimumMsat: 1_000n,
    maxAcceptedHtlcs: 5,
    maxHtlcValueInFlightPercent: 2,
  });
  const cases: [string, (h: Harness) => ChannelMessage[], RegExp][] = [
    ['zero amount', (h) => [add(h, { amountMsat: 0n })], /htlc_minimum/],
    ['below htlc_minimum_msat', (h) => [add(h, { amountMsat: 999n })], /htlc_minimum/],
    ['cltv_expiry in seconds', (h) => [add(h, { cltvExpiry: 500_000_000 })], /cltv_expiry/],
    ['id skips ahead', (h) => [add(h, { id: 1n })], /id 1, expected 0/],
    [
      'more than max_accepted_htlcs',
      (h) => Array.from({ length: 6 }, (_, i) => add(h, { id: BigInt(i) })),
      /max_accepted_htlcs/,
    ],
    [
      'more than max_htlc_value_in_flight_msat',
      (h) => [add(h, { amountMsat: 15_000_000n }), add(h, { id: 1n, amountMsat: 6_000_000n })],
      /max_htlc_value_in_flight/,
    ],
  ];
  for (const [name, msgs, reason] of cases) {
    const h = setup(policyB);
    const before = h.b.s;
    const list = msgs(h);
    let r: ReturnType<Harness['apply']> | undefined;
    for (const m of list) {
      r = h.apply(h.b, m);
      if (r.failure !== undefined) break;
    }
    assertSafeForceClose(h.b, before, r?.failure, reason);
    assert.ok(true, name);
  }
  // Unaffordable: the peer (fundee, 300,000 sat) cannot send 299,000 sat and keep a 10,000 sat reserve.
  const h = setup();
  const before = h.a.s;
  h.b.inbox = [];
  const r = h.apply(h.a, {
    ...add(h, { amountMsat: 299_000_000n }),
    channelId: h.a.s.channelId!,
    id: 0n,
  });
  assertSafeForceClose(h.a, before, r.failure, /cannot afford/);
  // More than the peer has at all: refused before any arithmetic can go negative.
  const h2 = setup();
  const before2 = h2.a.s;
  const r2 = h2.apply(h2.a, {
    ...add(h2, { amountMsat: 400_000_000n }),
    channelId: before2.channelId!,
    id: 0n,
  });
  assertSafeForceClose(h2.a, before2, r2.failure, /exceeds its balance/);
});

test('update_add_htlc after the peer sent shutdown fails the channel', () => {
  const h = setup();
  h.apply(h.b, { kind: 'closeChannel' });
  h.deliver(h.a); // A receives B's shutdown and answers with its own
  assert.ok(h.a.s.remoteShutdown !== undefined);
  const before = h.a.s;
  const r = h.apply(h.a, { ...add(h, {}), channelId: h.a.s.channelId!, id: 0n });
  assertSafeForceClose(h.a, before, r.failure, /after shutdown/);
});

test('wrong preimage, unknown HTLC id, or malformed without BADONION fail the channel', () => {
  const cases: [string, (h: Harness, chId: Uint8Array) => ChannelMessage, RegExp][] = [
    [
      'wrong preimage',
      (_h, channelId) => ({
        kind: 'update_fulfill_htlc',
        channelId,
        id: 0n,
        paymentPreimage: new Uint8Array(32).fill(4),
      }),
      /preimage does not match/,
    ],
    [
      'fulfill of an unknown id',
      (_h, channelId) => ({
        kind: 'update_fulfill_htlc',
        channelId,
        id: 7n,
        paymentPreimage: new Uint8Array(32),
      }),
      /unknown HTLC 7/,
    ],
    [
      'fail of an unknown id',
      (_h, channelId) => ({ kind: 'update_fail_htlc', channelId, id: 9n, reason: new Uint8Array(10) }),
      /unknown HTLC 9/,
    ],
    [
      'malformed without BADONION',
      (_h, channelId) => ({
        kind: 'update_fail_malformed_htlc',
        channelId,
        id: 0n,
        sha256OfOnion: new Uint8Array(32),
        failureCode: 0x4000 | 5,
      }),
      /BADONION/,
    ],
  ];
  for (const [name, make, reason] of cases) {
    const h = setup();
    committedHtlc(h, h.a, 5_000_000n);
    const before = h.a.s;
    const r = h.apply(h.a, make(h, before.channelId!));
    assertSafeForceClose(h.a, before, r.failure, reason);
    assert.ok(true, name);
  }
  // A fulfill of an HTLC that is not yet committed on our side is an unknown id too.
  const h = setup();
  h.apply(h.a, {
    kind: 'addHtlc',
    amountMsat: 5_000_000n,
    paymentHash: sha256(new Uint8Array(32)),
    cltvExpiry: h.height + 100,
    onionRoutingPacket: onion(rng),
  });
  const before = h.a.s;
  const r = h.apply(h.a, {
    kind: 'update_fulfill_htlc',
    channelId: before.channelId!,
    id: 0n,
    paymentPreimage: new Uint8Array(32),
  });
  assertSafeForceClose(h.a, before, r.failure, /unknown HTLC 0/);
});

test('a second removal of the same HTLC fails the channel', () => {
  const h = setup();
  const preimage = committedHtlc(h, h.a, 5_000_000n);
  const m: ChannelMessage = {
    kind: 'update_fulfill_htlc',
    channelId: h.a.s.channelId!,
    id: 0n,
    paymentPreimage: preimage,
  };
  assert.equal(h.apply(h.a, m).failure, undefined);
  const before = h.a.s;
  const r = h.apply(h.a, {
    kind: 'update_fail_htlc',
    channelId: before.channelId!,
    id: 0n,
    reason: new Uint8Array(1),
  });
  assertSafeForceClose(h.a, before, r.failure, /unknown HTLC 0/);
});

test('commitment_signed without changes only warns', () => {
  const h = setup();
  committedHtlc(h, h.a, 5_000_000n);
  const before = h.b.s;
  const cs = h.a.sent.filter((m) => m.kind === 'commitment_signed').at(-1)!;
  const r = h.apply(h.b, cs as ChannelMessage);
  assertWarningOnly(h.b, before, r.failure, /without any updates/);
});

test('update_fee: from the fundee, or too low, fails the channel', () => {
  const h = setup();
  const before = h.a.s;
  const r = h.apply(h.a, { kind: 'update_fee', channelId: before.channelId!, feeratePerKw: 5000 });
  assertSafeForceClose(h.a, before, r.failure, /non-funder/);
  const h2 = setup();
  const before2 = h2.b.s;
  const r2 = h2.apply(h2.b, { kind: 'update_fee', channelId: before2.channelId!, feeratePerKw: 252 });
  assertSafeForceClose(h2.b, before2, r2.failure, /outside/);
  const h3 = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h3.open({ format: 'anchors', pushMsat: 900_000_000n });
  const before3 = h3.b.s;
  const r3 = h3.apply(h3.b, { kind: 'update_fee', channelId: before3.channelId!, feeratePerKw: 100_000 });
  assertSafeForceClose(h3.b, before3, r3.failure, /cannot afford/);
});

test('messages before channel_reestablish only warn', () => {
  const h = setup();
  h.disconnect();
  h.apply(h.a, { kind: 'peerConnected' });
  const before = h.a.s;
  const r = h.apply(h.a, { kind: 'update_fee', channelId: before.channelId!, feeratePerKw: 5000 });
  assertWarningOnly(h.a, before, r.failure, /before channel_reestablish/);
});

test('a peer error makes us broadcast our latest commitment without answering', () => {
  const h = setup();
  committedHtlc(h, h.b, 20_000_000n);
  const before = h.a.s;
  const sentBefore = h.a.sent.length;
  const r = h.apply(h.a, {
    kind: 'error',
    channelId: before.channelId!,
    data: new TextEncoder().encode('bye'),
  });
  assert.equal(r.failure, undefined);
  assert.equal(h.a.sent.length, sentBefore, 'no error in reply to an error');
  assert.ok(r.events.some((e) => e.kind === 'peerError' && e.message === 'bye'));
  const action = r.actions[0];
  assert.ok(action?.kind === 'broadcastCommitment');
  assert.equal(action.commitmentNumber, before.localCommit!.index);
  assert.equal(h.a.s.phase, 'forceClosing');
});
