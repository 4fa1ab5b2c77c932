// Cooperative close: shutdown only when clean, HTLCs clearing after shutdown, legacy closing_signed
// negotiation with and without fee_range, and the failures a bad peer earns.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closingFeeAt, fundingOutputScript, policyWith } from '../../src/channel/index.js';
import { sha256 } from '../../src/crypto/index.js';
import { decodeTx, p2wsh, verifyWitnessInputOfTx } from '../../src/tx/index.js';
import { decodeMessage, encodeMessage, type WireMessage } from '../../src/wire/index.js';
import { cooperativeClose, Harness, type Node, nodeConfig, onion, Rng } from './harness.js';

const rng = new Rng(3);

function setup(policyB = policyWith({}), pushMsat = 250_000_000n): Harness {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2, policyB));
  h.open({ format: 'static_remotekey', pushMsat });
  return h;
}

function kinds(msgs: readonly WireMessage[]): string[] {
  return msgs.map((m) => m.kind);
}

function assertValidClosing(n: Node): void {
  const s = n.s;
  const tx = decodeTx(s.closingTx!);
  assert.ok(tx.ok);
  assert.deepEqual(
    verifyWitnessInputOfTx(tx.value, 0, { script: fundingOutputScript(s), amountSat: s.fundingSat }),
    {
      ok: true,
    },
  );
}

test('cooperative close of an idle channel: funder proposes, fundee agrees within the range', () => {
  const h = setup();
  const fee = cooperativeClose(h, h.b);
  assert.deepEqual(kinds(h.b.sent.slice(-2)), ['shutdown', 'closing_signed']);
  const first = h.a.sent.find((m) => m.kind === 'closing_signed');
  assert.ok(first?.kind === 'closing_signed');
  assert.ok(first.tlvs?.feeRange !== undefined, 'the funder sends fee_range');
  assert.equal(fee, closingFeeAt(h.a.s, 253));
  assert.equal(h.b.s.closing?.lastReceivedFeeSat, fee);
  assertValidClosing(h.a);
  assertValidClosing(h.b);
  assert.deepEqual(h.a.s.closingTxid, h.b.s.closingTxid, 'both signed the same transaction');
  assert.ok(h.a.events.some((e) => e.kind === 'closing' && e.how === 'mutual'));
  // The funding output spent by that transaction: closed.
  const tx = decodeTx(h.a.s.closingTx!);
  assert.ok(tx.ok);
  h.apply(h.a, { kind: 'fundingSpent', tx: tx.value });
  assert.equal(h.a.s.phase, 'closed');
  assert.ok(h.a.events.some((e) => e.kind === 'closed' && e.how === 'mutual'));
});

test('the fundee proposes inside the overlap when the funder fee is below its minimum', () => {
  const h = setup(policyWith({ minClosingFeeratePerKw: 400 }));
  const fee = cooperativeClose(h, h.a, 300);
  assert.equal(fee, closingFeeAt(h.a.s, 400), 'the fundee moved the fee up to its minimum');
  const bProposal = h.b.sent.find((m) => m.kind === 'closing_signed');
  assert.ok(bProposal?.kind === 'closing_signed');
  assert.equal(bProposal.feeSatoshis, fee);
  // The funder answered with the same fee (three messages in all).
  assert.equal(h.a.sent.filter((m) => m.kind === 'closing_signed').length, 2);
  assertValidClosing(h.a);
  assertValidClosing(h.b);
});

test('the funder offers up to the commitment feerate: a fundee whose minimum follows a higher estimate agrees', () => {
  // LDK as fundee insists on its own fee estimate as the minimum; ours is the devnet floor (253 sat/kw)
  // while the commitment pays 1000 sat/kw. Twice our closing feerate alone would not reach 900.
  const h = setup(policyWith({ minClosingFeeratePerKw: 900 }));
  assert.equal(h.a.s.localCommit?.spec.feeratePerKw, 1000);
  const fee = cooperativeClose(h, h.a);
  assert.equal(fee, closingFeeAt(h.a.s, 900), 'the fundee moved the fee up to its minimum');
  const first = h.a.sent.find((m) => m.kind === 'closing_signed');
  assert.ok(first?.kind === 'closing_signed');
  assert.equal(first.tlvs?.feeRange?.maxFeeSatoshis, closingFeeAt(h.a.s, 1000));
  assert.ok(!h.b.failures.some((f) => f.kind === 'warning'));
  assertValidClosing(h.a);
  assertValidClosing(h.b);
});

test('no overlap between fee ranges: the fundee warns and the channel stays open', () => {
  const h = setup(policyWith({ minClosingFeeratePerKw: 5_000 }));
  h.apply(h.a, { kind: 'closeChannel' });
  h.flush();
  assert.equal(h.b.failures.at(-1)?.kind, 'warning');
  assert.match(h.b.failures.at(-1)?.message ?? '', /no overlap/);
  assert.equal(h.b.s.phase, 'negotiating');
  assert.ok(!h.b.actions.some((x) => x.kind === 'broadcastClosing'));
});

test('legacy negotiation without fee_range converges', () => {
  const h = setup();
  h.apply(h.a, { kind: 'closeChannel' });
  for (let i = 0; i < 20; i++) {
    // Strip fee_range from every closing_signed in flight, as an old peer would send it.
    for (const n of [h.a, h.b]) {
      n.inbox = n.inbox.map((raw) => {
        const d = decodeMessage(raw);
        assert.ok(d.ok);
        const m = d.value as WireMessage;
        return m.kind === 'closing_signed' ? encodeMessage({ ...m, tlvs: {} }) : raw;
      });
    }
    if (h.a.inbox.length > 0) h.deliver(h.a);
    if (h.b.inbox.length > 0) h.deliver(h.b);
  }
  assert.equal(h.a.s.phase, 'closing');
  assert.equal(h.b.s.phase, 'closing');
  assertValidClosing(h.a);
});

test('shutdown while an HTLC is pending: no new HTLCs, the HTLC clears, then negotiation', () => {
  const h = setup();
  const { preimage: pre } = h.offer(h.a, rng, 20_000_000n, { cltvDelta: 50 });
  h.apply(h.a, { kind: 'signCommitment' });
  h.flush();
  h.apply(h.b, { kind: 'signCommitment' });
  h.flush();
  h.apply(h.b, { kind: 'closeChannel' });
  h.flush();
  assert.equal(h.a.s.phase, 'shutdown');
  assert.equal(h.b.s.phase, 'shutdown');
  const add = h.apply(h.a, {
    kind: 'addHtlc',
    amountMsat: 1_000_000n,
    paymentHash: sha256(pre),
    cltvExpiry: h.height + 50,
    onionRoutingPacket: onion(rng),
  });
  assert.equal(add.rejected?.code, 'closing');
  h.apply(h.b, { kind: 'fulfillHtlc', htlcId: 0n, paymentPreimage: pre });
  h.apply(h.b, { kind: 'signCommitment' });
  h.flush();
  h.apply(h.a, { kind: 'signCommitment' });
  h.flush();
  assert.equal(h.a.s.phase, 'closing');
  assert.equal(h.b.s.phase, 'closing');
  const tx = decodeTx(h.b.s.closingTx!);
  assert.ok(tx.ok);
  const bOut = tx.value.outputs.find((o) => Buffer.compare(o.script, h.b.config.closeScript) === 0);
  assert.equal(bOut?.amountSat, 270_000n, 'B has its push plus the fulfilled HTLC');
});

test('shutdown with unsigned updates signs them first, then sends shutdown', () => {
  const h = setup();
  h.apply(h.a, {
    kind: 'addHtlc',
    amountMsat: 5_000_000n,
    paymentHash: sha256(rng.bytes(32)),
    cltvExpiry: h.height + 50,
    onionRoutingPacket: onion(rng),
  });
  const r = h.apply(h.a, { kind: 'closeChannel' });
  assert.deepEqual(kinds(r.outbound), ['commitment_signed', 'shutdown']);
  h.flush();
  assert.equal(h.b.s.remoteShutdown !== undefined, true);
  assert.deepEqual(h.b.failures, []);
});

test('shutdown while waiting for a revocation is queued until it arrives', () => {
  const h = setup();
  h.apply(h.a, {
    kind: 'addHtlc',
    amountMsat: 5_000_000n,
    paymentHash: sha256(rng.bytes(32)),
    cltvExpiry: h.height + 50,
    onionRoutingPacket: onion(rng),
  });
  h.apply(h.a, { kind: 'signCommitment' });
  h.apply(h.a, {
    kind: 'addHtlc',
    amountMsat: 6_000_000n,
    paymentHash: sha256(rng.bytes(32)),
    cltvExpiry: h.height + 50,
    onionRoutingPacket: onion(rng),
  });
  const r = h.apply(h.a, { kind: 'closeChannel' });
  assert.deepEqual(r.outbound, [], 'cannot sign yet: shutdown must wait');
  assert.ok(h.a.s.shutdownQueued !== undefined);
  h.deliver(h.b);
  h.deliver(h.b);
  h.deliver(h.b); // B revokes
  const after = h.deliver(h.a)!; // the revocation lets A sign and then send shutdown
  assert.deepEqual(kinds(after.outbound), ['commitment_signed', 'shutdown']);
});

test('shutdown refusals: twice, a script other than the upfront one, an invalid script', () => {
  const h = setup();
  assert.equal(
    h.apply(h.a, { kind: 'closeChannel', scriptpubkey: p2wsh(Uint8Array.of(0x51)) }).rejected?.code,
    'invalid',
  );
  assert.equal(h.apply(h.a, { kind: 'closeChannel' }).rejected, undefined);
  assert.equal(h.apply(h.a, { kind: 'closeChannel' }).rejected?.code, 'closing');
});

test('a peer shutdown with an invalid script or not its upfront script only warns', () => {
  const h = setup();
  const before = h.a.s;
  const bad = h.apply(h.a, {
    kind: 'shutdown',
    channelId: before.channelId!,
    scriptpubkey: Uint8Array.of(0x6a, 1, 1),
  });
  assert.equal(bad.failure?.kind, 'warning');
  assert.equal(h.a.s.remoteShutdown, undefined);
  const other = h.apply(h.a, {
    kind: 'shutdown',
    channelId: before.channelId!,
    scriptpubkey: p2wsh(Uint8Array.of(0x51)),
  });
  assert.equal(other.failure?.kind, 'warning');
  assert.match(other.failure?.message ?? '', /upfront/);
  assert.equal(h.a.s.remoteShutdown, undefined);
});

test('a closing_signed with a bad signature fails the channel', () => {
  const h = setup();
  h.apply(h.a, { kind: 'closeChannel' });
  h.deliver(h.b); // A's shutdown -> B's shutdown
  h.deliver(h.a); // B's shutdown -> A's closing_signed
  const raw = h.b.inbox.shift()!;
  const d = decodeMessage(raw);
  assert.ok(d.ok);
  const m = d.value as Extract<WireMessage, { kind: 'closing_signed' }>;
  const r = h.apply(h.b, { ...m, signature: Uint8Array.from(m.signature).fill(1, 0, 4) });
  assert.equal(r.failure?.kind, 'error');
  assert.equal(r.failure?.forceClose, true);
  assert.equal(h.b.s.phase, 'forceClosing');
});

test('closing a channel where the fundee has nothing leaves a single output', () => {
  const h = setup(policyWith({}), 0n);
  const fee = cooperativeClose(h, h.a);
  const tx = decodeTx(h.a.s.closingTx!);
  assert.ok(tx.ok);
  assert.equal(tx.value.outputs.length, 1);
  assert.equal(tx.value.outputs[0]!.amountSat, 1_000_000n - fee);
  assertValidClosing(h.b);
});

test('negotiation restarts after a reconnection', () => {
  const h = setup(policyWith({ minClosingFeeratePerKw: 400 }));
  h.apply(h.a, { kind: 'closeChannel', closingFeeratePerKw: 300 });
  h.deliver(h.b);
  h.deliver(h.a); // A sends closing_signed; it is lost
  h.disconnect();
  h.reconnect();
  h.flush();
  assert.equal(h.a.s.phase, 'closing');
  assert.equal(h.b.s.phase, 'closing');
  assertValidClosing(h.a);
});

test('an HTLC crossing our shutdown is accepted, flagged as closing, and cleared before negotiation', () => {
  const h = setup();
  h.apply(h.a, {
    kind: 'addHtlc',
    amountMsat: 5_000_000n,
    paymentHash: sha256(rng.bytes(32)),
    cltvExpiry: h.height + 50,
    onionRoutingPacket: onion(rng),
  });
  h.apply(h.b, { kind: 'closeChannel' });
  const r = h.deliver(h.b); // the add arrives after B sent shutdown
  assert.equal(r?.failure, undefined);
  const a = h.deliver(h.a)!; // B's shutdown: A signs its add first, then answers
  assert.deepEqual(kinds(a.outbound), ['commitment_signed', 'shutdown']);
  h.flush();
  h.apply(h.b, { kind: 'signCommitment' });
  h.flush();
  const added = h.b.events.find((e) => e.kind === 'htlcAdded');
  assert.ok(added?.kind === 'htlcAdded' && added.closing === true, 'flagged: do not route it');
  h.apply(h.b, { kind: 'failHtlc', htlcId: 0n, reason: new Uint8Array(8) });
  h.apply(h.b, { kind: 'signCommitment' });
  h.flush();
  h.apply(h.a, { kind: 'signCommitment' });
  h.flush();
  assert.equal(h.a.s.phase, 'closing');
  assert.equal(h.b.s.phase, 'closing');
  assert.deepEqual(h.a.failures, []);
  assert.deepEqual(h.b.failures, []);
});

test("answering the peer's shutdown, our closing feerate is the policy's of now, not the one stored at open", () => {
  const h = setup();
  assert.equal(h.b.s.closingFeeratePerKw, 253);
  // The fee market moved since the channel opened: the driver puts the estimate in the policy.
  h.b.config.policy = policyWith({ closingFeeratePerKw: 2_000 });
  h.apply(h.a, { kind: 'closeChannel', closingFeeratePerKw: 1_500 });
  h.deliver(h.b);
  assert.equal(h.b.s.phase, 'negotiating');
  assert.equal(h.b.s.closingFeeratePerKw, 2_000);
  h.flush();
  assert.equal(h.a.s.phase, 'closing');
  assertValidClosing(h.b);
});
