// Force close: our latest commitment with both signatures, and the outputs to sweep later, each
// checked with the script interpreter; HTLC deadlines that force us on chain; the funding spend.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChannelFormat, fundingOutputScript, policyWith } from '../../src/channel/index.js';
import { sha256 } from '../../src/crypto/index.js';
import { decodeTx, type Tx, verifyWitnessInputOfTx } from '../../src/tx/index.js';
import { Harness, type Node, nodeConfig, onion, Rng } from './harness.js';

const rng = new Rng(17);

function offerAndCommit(h: Harness, n: Node, amountMsat: bigint, cltvExpiry: number): Uint8Array {
  const pre = rng.bytes(32);
  const r = h.apply(n, {
    kind: 'addHtlc',
    amountMsat,
    paymentHash: sha256(pre),
    cltvExpiry,
    onionRoutingPacket: onion(rng),
  });
  assert.equal(r.rejected, undefined, r.rejected?.message);
  h.apply(n, { kind: 'signCommitment' });
  h.flush();
  h.apply(h.other(n), { kind: 'signCommitment' });
  h.flush();
  return pre;
}

function decoded(raw: Uint8Array): Tx {
  const t = decodeTx(raw);
  assert.ok(t.ok);
  return t.value;
}

for (const format of ['static_remotekey', 'anchors'] as ChannelFormat[]) {
  test(`force close (${format}): a valid commitment and signed second-stage transactions`, () => {
    const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
    h.open({ format, pushMsat: 400_000_000n });
    offerAndCommit(h, h.a, 30_000_000n, h.height + 80); // outgoing for A
    const pre = offerAndCommit(h, h.b, 40_000_000n, h.height + 90); // incoming for A
    // A fulfills the incoming HTLC but the peer vanishes before it is committed.
    h.apply(h.a, { kind: 'fulfillHtlc', htlcId: 0n, paymentPreimage: pre });
    h.a.inbox = [];
    h.b.inbox = [];
    const r = h.apply(h.a, { kind: 'forceClose', reason: 'peer unresponsive' });
    assert.equal(r.failure?.kind, 'error');
    assert.equal(r.outbound[0]?.kind, 'error');
    const action = r.actions[0];
    assert.ok(action?.kind === 'broadcastCommitment');
    const s = h.a.s;
    assert.equal(s.phase, 'forceClosing');
    assert.equal(action.commitmentNumber, s.localCommit!.index);
    const tx = decoded(action.tx);
    assert.deepEqual(
      verifyWitnessInputOfTx(tx, 0, { script: fundingOutputScript(s), amountSat: s.fundingSat }),
      {
        ok: true,
      },
    );
    const sumOut = tx.outputs.reduce((x, o) => x + o.amountSat, 0n);
    assert.ok(sumOut < s.fundingSat);
    const sweeps = action.sweeps;
    const toLocal = sweeps.find((x) => x.kind === 'to_local');
    assert.ok(toLocal?.kind === 'to_local');
    assert.equal(toLocal.csvDelay, s.remote!.toSelfDelay);
    assert.equal(tx.outputs[toLocal.outputIndex]!.amountSat, toLocal.amountSat);
    const timeout = sweeps.find((x) => x.kind === 'htlc_timeout');
    const success = sweeps.find((x) => x.kind === 'htlc_success');
    assert.ok(timeout?.kind === 'htlc_timeout' && success?.kind === 'htlc_success');
    assert.equal(timeout.signed, true);
    assert.equal(success.signed, true, 'we hold the preimage, so HTLC-success is signed');
    assert.equal(timeout.tx.lockTime, timeout.cltvExpiry);
    for (const sw of [timeout, success]) {
      const prevout = tx.outputs[sw.outputIndex]!;
      assert.equal(prevout.amountSat, sw.amountSat);
      assert.deepEqual(
        verifyWitnessInputOfTx(sw.tx, 0, prevout),
        { ok: true },
        `${sw.kind} spends its HTLC output`,
      );
    }
    const anchors = sweeps.filter((x) => x.kind === 'anchor');
    assert.equal(anchors.length, format === 'anchors' ? 1 : 0);
  });
}

test('an HTLC-success without the preimage is recorded unsigned', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h.open({ format: 'static_remotekey', pushMsat: 400_000_000n });
  offerAndCommit(h, h.b, 40_000_000n, h.height + 90);
  const r = h.apply(h.a, { kind: 'forceClose', reason: 'test' });
  const action = r.actions[0];
  assert.ok(action?.kind === 'broadcastCommitment');
  const success = action.sweeps.find((x) => x.kind === 'htlc_success');
  assert.ok(success?.kind === 'htlc_success');
  assert.equal(success.signed, false);
  assert.equal(success.tx.inputs[0]!.witness.length, 0);
});

test('an outgoing HTLC past its expiry (plus grace) forces the channel on chain', () => {
  const h = new Harness(nodeConfig('A', 1, policyWith({ offeredHtlcGraceBlocks: 3 })), nodeConfig('B', 2));
  h.open({ format: 'anchors', pushMsat: 100_000_000n });
  const expiry = h.height + 20;
  offerAndCommit(h, h.a, 10_000_000n, expiry);
  const early = h.apply(h.a, { kind: 'blockConnected', height: expiry + 2 });
  assert.deepEqual(early.actions, []);
  assert.equal(h.a.s.phase, 'normal');
  const late = h.apply(h.a, { kind: 'blockConnected', height: expiry + 3 });
  assert.equal(late.actions[0]?.kind, 'broadcastCommitment');
  assert.match(late.failure?.message ?? '', /expired/);
  assert.equal(h.a.s.phase, 'forceClosing');
});

test('an incoming HTLC we fulfilled that nears expiry uncommitted forces the channel on chain', () => {
  const h = new Harness(nodeConfig('A', 1, policyWith({ fulfillSafetyBlocks: 10 })), nodeConfig('B', 2));
  h.open({ format: 'static_remotekey', pushMsat: 100_000_000n });
  const expiry = h.height + 50;
  const pre = offerAndCommit(h, h.b, 10_000_000n, expiry);
  h.apply(h.a, { kind: 'fulfillHtlc', htlcId: 0n, paymentPreimage: pre });
  h.b.inbox = []; // the peer never sees it
  assert.deepEqual(h.apply(h.a, { kind: 'blockConnected', height: expiry - 11 }).actions, []);
  const r = h.apply(h.a, { kind: 'blockConnected', height: expiry - 10 });
  const action = r.actions[0];
  assert.ok(action?.kind === 'broadcastCommitment');
  assert.ok(action.sweeps.some((x) => x.kind === 'htlc_success' && x.signed));
});

test('the peer commitment on chain: we record our to_remote output; our own commitment: closed', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h.open({ format: 'anchors', pushMsat: 123_456_000n });
  const r = h.apply(h.b, { kind: 'forceClose', reason: 'test' });
  const action = r.actions[0];
  assert.ok(action?.kind === 'broadcastCommitment');
  const tx = decoded(action.tx);
  const seen = h.apply(h.a, { kind: 'fundingSpent', tx });
  const rec = seen.actions[0];
  assert.ok(rec?.kind === 'recordRemoteCommitment');
  assert.equal(rec.revoked, false);
  assert.equal(rec.sweeps.length, 1);
  const sw = rec.sweeps[0]!;
  assert.equal(sw.kind, 'to_remote');
  assert.equal(tx.outputs[sw.outputIndex]!.amountSat, sw.amountSat);
  // A (the funder) paid the commitment fee and both anchors out of its balance.
  const aSat = h.a.s.localCommit!.spec.toLocalMsat / 1000n;
  assert.ok(sw.amountSat < aSat - 660n && sw.amountSat > aSat - 10_000n);
  assert.equal(h.a.s.phase, 'remoteClosed');
  const mine = h.apply(h.b, { kind: 'fundingSpent', tx });
  assert.ok(mine.events.some((e) => e.kind === 'closed' && e.how === 'local'));
  assert.equal(h.b.s.phase, 'closed');
});

test('a revoked commitment of the peer is recognized', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h.open({ format: 'static_remotekey', pushMsat: 200_000_000n });
  const old = h.apply(h.b, { kind: 'forceClose', reason: 'snapshot' }).actions[0];
  assert.ok(old?.kind === 'broadcastCommitment');
  // (B's state is now force-closing; A carries on alone with a fresh pair for the revocation.)
  const h2 = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h2.open({ format: 'static_remotekey', pushMsat: 200_000_000n });
  offerAndCommit(h2, h2.a, 10_000_000n, h2.height + 100);
  const r = h2.apply(h2.a, { kind: 'fundingSpent', tx: decoded(old.tx) });
  const rec = r.actions[0];
  assert.ok(rec?.kind === 'recordRemoteCommitment');
  assert.equal(rec.revoked, true);
  assert.ok(r.events.some((e) => e.kind === 'closing' && e.how === 'revoked'));
});
