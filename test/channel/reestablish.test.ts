// channel_reestablish: exactly the retransmissions BOLT 2 prescribes, in the right order, and
// detection of lost state on either side (the side that is behind never broadcasts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deserializeChannel, ourReestablish, serializeChannel } from '../../src/channel/index.js';
import { sha256 } from '../../src/crypto/index.js';
import { decodeTx } from '../../src/tx/index.js';
import { decodeMessage, encodeMessage, type WireMessage } from '../../src/wire/index.js';
import { assertConserved, Harness, type Node, nodeConfig, onion, Rng } from './harness.js';

const rng = new Rng(5);

function setup(): Harness {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h.open({ format: 'static_remotekey', pushMsat: 300_000_000n });
  return h;
}

function offer(h: Harness, n: Node, amountMsat = 4_000_000n): Uint8Array {
  const preimage = rng.bytes(32);
  const r = h.apply(n, {
    kind: 'addHtlc',
    amountMsat,
    paymentHash: sha256(preimage),
    cltvExpiry: h.height + 100,
    onionRoutingPacket: onion(rng),
  });
  assert.equal(r.rejected, undefined, r.rejected?.message);
  return preimage;
}

function inboxKinds(n: Node): string[] {
  return n.inbox.map((raw) => {
    const d = decodeMessage(raw);
    assert.ok(d.ok);
    return (d.value as WireMessage).kind;
  });
}

/** Reconnects and returns what each side retransmits after the reestablish exchange. */
function reconnect(h: Harness): { a: string[]; b: string[] } {
  h.disconnect();
  h.reconnect();
  h.deliver(h.a); // B's channel_reestablish
  h.deliver(h.b); // A's channel_reestablish
  return { a: inboxKinds(h.b), b: inboxKinds(h.a) };
}

function settle(h: Harness): void {
  for (let i = 0; i < 20; i++) {
    h.flush();
    let signed = false;
    for (const n of [h.a, h.b]) {
      if (n.s.connection === 'active' && h.apply(n, { kind: 'signCommitment' }).outbound.length > 0)
        signed = true;
    }
    if (!signed && h.a.inbox.length + h.b.inbox.length === 0) break;
  }
  assert.deepEqual(h.a.failures, []);
  assert.deepEqual(h.b.failures, []);
  assertConserved(h.a.s);
  assertConserved(h.b.s);
}

test('our channel_reestablish carries the numbers and the last secret we received', () => {
  const h = setup();
  offer(h, h.a);
  settle(h);
  const a = h.a.s;
  const m = ourReestablish(a);
  assert.equal(m.nextCommitmentNumber, BigInt(a.localCommit!.index + 1));
  assert.equal(m.nextRevocationNumber, BigInt(a.remoteCommit!.index));
  assert.equal(a.remoteCommit!.index, 1);
  // The last secret B revealed is for its commitment 0.
  const bSecret = h.b.sent.filter((x) => x.kind === 'revoke_and_ack').at(-1);
  assert.ok(bSecret?.kind === 'revoke_and_ack');
  assert.deepEqual(m.yourLastPerCommitmentSecret, bSecret.perCommitmentSecret);
});

test('lost updates and commitment_signed are retransmitted, then the HTLC completes', () => {
  const h = setup();
  offer(h, h.a);
  h.apply(h.a, { kind: 'signCommitment' });
  const sent = reconnect(h);
  // Both next_commitment_numbers are still 1: channel_ready goes again too (BOLT 2).
  assert.deepEqual(sent.a, ['channel_ready', 'update_add_htlc', 'commitment_signed']);
  assert.deepEqual(sent.b, ['channel_ready']);
  settle(h);
  assert.equal(h.b.events.filter((e) => e.kind === 'htlcAdded').length, 1);
  assert.equal(h.b.s.localCommit!.spec.htlcs.length, 1);
});

test('a lost revoke_and_ack is retransmitted', () => {
  const h = setup();
  offer(h, h.a);
  h.apply(h.a, { kind: 'signCommitment' });
  h.deliver(h.b);
  h.deliver(h.b); // B revokes; the revoke_and_ack is lost
  const sent = reconnect(h);
  assert.deepEqual(sent.a, []);
  assert.deepEqual(sent.b, ['revoke_and_ack']);
  settle(h);
  assert.equal(h.b.events.filter((e) => e.kind === 'htlcAdded').length, 1);
});

test('revoke_and_ack then commitment_signed are retransmitted in their original order', () => {
  const h = setup();
  offer(h, h.a);
  h.apply(h.a, { kind: 'signCommitment' });
  h.deliver(h.b);
  h.deliver(h.b); // B revokes first...
  offer(h, h.b);
  h.apply(h.b, { kind: 'signCommitment' }); // ...then signs
  const sent = reconnect(h);
  assert.deepEqual(sent.b, ['revoke_and_ack', 'update_add_htlc', 'commitment_signed']);
  settle(h);
  assert.equal(h.a.events.filter((e) => e.kind === 'htlcAdded').length, 1);
  assert.equal(h.b.events.filter((e) => e.kind === 'htlcAdded').length, 1);
});

test('commitment_signed then revoke_and_ack are retransmitted in their original order', () => {
  const h = setup();
  offer(h, h.b);
  h.apply(h.b, { kind: 'signCommitment' }); // B signs first...
  offer(h, h.a);
  h.apply(h.a, { kind: 'signCommitment' });
  h.b.inbox = [];
  // ...then receives A's update and commitment and revokes.
  h.a.inbox = [];
  for (const m of h.a.sent.slice(-2)) h.b.inbox.push(encodeMessage(m));
  h.deliver(h.b);
  h.deliver(h.b);
  const sent = reconnect(h);
  assert.deepEqual(sent.b, ['update_add_htlc', 'commitment_signed', 'revoke_and_ack']);
  settle(h);
  assert.equal(h.a.events.filter((e) => e.kind === 'htlcAdded').length, 1);
  assert.equal(h.b.events.filter((e) => e.kind === 'htlcAdded').length, 1);
});

test('the peer drops our unsigned updates; a fulfill made while disconnected is sent after reestablish', () => {
  const h = setup();
  const pre = offer(h, h.a);
  settle(h);
  h.disconnect();
  const r = h.apply(h.b, { kind: 'fulfillHtlc', htlcId: 0n, paymentPreimage: pre });
  assert.equal(r.rejected, undefined);
  assert.deepEqual(r.outbound, [], 'nothing is sent while disconnected');
  assert.equal(
    h.apply(h.a, {
      kind: 'addHtlc',
      amountMsat: 1n,
      paymentHash: new Uint8Array(32),
      cltvExpiry: 1,
      onionRoutingPacket: onion(rng),
    }).rejected?.code,
    'disconnected',
  );
  h.reconnect();
  h.deliver(h.a);
  h.deliver(h.b);
  assert.deepEqual(inboxKinds(h.a), ['update_fulfill_htlc']);
  settle(h);
  assert.ok(h.a.events.some((e) => e.kind === 'htlcFulfilled'));
  assert.equal(h.b.s.localCommit!.spec.toLocalMsat, 304_000_000n);
});

test('received but unsigned updates are forgotten on disconnection', () => {
  const h = setup();
  offer(h, h.a);
  h.deliver(h.b);
  assert.equal(h.b.s.remoteChanges.proposed.length, 1);
  assert.equal(h.b.s.remoteNextHtlcId, 1n);
  h.disconnect();
  assert.equal(h.b.s.remoteChanges.proposed.length, 0);
  assert.equal(h.b.s.remoteNextHtlcId, 0n);
  h.reconnect();
  h.flush();
  // A re-sends the same id 0, which B accepts.
  assert.equal(h.b.s.remoteChanges.proposed.length, 1);
  settle(h);
});

test('channel_ready lost before any commitment: both retransmit it on reestablish', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h.open({ format: 'static_remotekey' });
  // Rebuild the moment before channel_ready arrived: both sent it, neither received it.
  for (const n of [h.a, h.b])
    n.state = { ...n.s, phase: 'awaitingChannelReady', channelReadyReceived: false };
  const sent = reconnect(h);
  assert.deepEqual(sent.a, ['channel_ready']);
  assert.deepEqual(sent.b, ['channel_ready']);
  h.flush();
  assert.equal(h.a.s.phase, 'normal');
  assert.equal(h.b.s.phase, 'normal');
});

test('a restored (stale) node detects that it is behind and never broadcasts', () => {
  const h = setup();
  offer(h, h.a);
  settle(h);
  const stale = serializeChannel(h.b.s);
  offer(h, h.a);
  settle(h);
  offer(h, h.b);
  settle(h);
  const r = deserializeChannel(stale);
  assert.ok(r.ok);
  h.b.state = r.value; // B restarts from an old backup
  h.disconnect();
  h.reconnect();
  h.deliver(h.b); // A's reestablish reaches B: it proves B is behind
  assert.equal(h.b.s.phase, 'dataLoss');
  assert.ok(h.b.events.some((e) => e.kind === 'dataLossDetected'));
  assert.ok(!h.b.actions.some((x) => x.kind === 'broadcastCommitment'), 'B must not broadcast');
  assert.equal(h.b.failures.at(-1)?.forceClose, false);
  h.deliver(h.a); // B's stale reestablish reaches A: A fails the channel and broadcasts its latest
  const action = h.a.actions.at(-1);
  assert.ok(action?.kind === 'broadcastCommitment');
  assert.equal(action.commitmentNumber, h.a.s.localCommit!.index);
  // B is told of A's commitment on chain and records its own output in it.
  const tx = decodeTx(action.tx);
  assert.ok(tx.ok);
  const res = h.apply(h.b, { kind: 'fundingSpent', tx: tx.value });
  const rec = res.actions[0];
  assert.ok(rec?.kind === 'recordRemoteCommitment');
  assert.equal(rec.revoked, false);
  assert.equal(rec.sweeps.length, 1);
  const bBalance = h.a.s.localCommit!.spec.toRemoteMsat / 1000n;
  assert.equal(rec.sweeps[0]!.amountSat, bBalance);
});

test('after data loss, every reconnection repeats the request to close', () => {
  const h = setup();
  offer(h, h.a);
  settle(h);
  const stale = deserializeChannel(serializeChannel(h.b.s));
  offer(h, h.b);
  settle(h);
  assert.ok(stale.ok, 'stale copy');
  h.b.state = stale.value;
  h.disconnect();
  h.reconnect();
  h.deliver(h.b);
  assert.equal(h.b.s.phase, 'dataLoss');
  h.disconnect();
  const r = h.apply(h.b, { kind: 'peerConnected' });
  assert.deepEqual(
    r.outbound.map((m) => m.kind),
    ['channel_reestablish', 'error'],
  );
  assert.deepEqual(r.actions, []);
});

test('a wrong your_last_per_commitment_secret fails the channel', () => {
  const h = setup();
  offer(h, h.a);
  settle(h);
  h.disconnect();
  h.reconnect();
  const theirs = decodeMessage(h.a.inbox.shift()!);
  assert.ok(theirs.ok && (theirs.value as WireMessage).kind === 'channel_reestablish');
  const m = theirs.value as Extract<WireMessage, { kind: 'channel_reestablish' }>;
  const r = h.apply(h.a, { ...m, yourLastPerCommitmentSecret: new Uint8Array(32).fill(1) });
  assert.equal(r.failure?.kind, 'error');
  assert.equal(r.failure?.forceClose, true);
  assert.match(r.failure?.message ?? '', /your_last_per_commitment_secret/);
});

test('a peer that claims commitments we never signed is treated as proof we lost data', () => {
  const h = setup();
  h.disconnect();
  h.reconnect();
  const theirs = decodeMessage(h.a.inbox.shift()!);
  assert.ok(theirs.ok);
  const m = theirs.value as Extract<WireMessage, { kind: 'channel_reestablish' }>;
  const r = h.apply(h.a, { ...m, nextCommitmentNumber: 5n });
  assert.equal(h.a.s.phase, 'dataLoss');
  assert.deepEqual(r.actions, []);
});

test('next_commitment_number 0 fails the channel', () => {
  const h = setup();
  h.disconnect();
  h.reconnect();
  const theirs = decodeMessage(h.a.inbox.shift()!);
  assert.ok(theirs.ok);
  const m = theirs.value as Extract<WireMessage, { kind: 'channel_reestablish' }>;
  const r = h.apply(h.a, { ...m, nextCommitmentNumber: 0n });
  assert.equal(r.failure?.forceClose, true);
  assert.equal(h.a.s.phase, 'forceClosing');
});
