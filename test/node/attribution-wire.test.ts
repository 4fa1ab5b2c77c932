// test/node/attribution-wire.test.ts: BOLT 4 attribution data through two channel state machines
// (every message through the codec, every state through the store's serialization): what we send
// in update_fulfill_htlc / update_fail_htlc reaches the peer's machine events as the same bytes,
// also when the update is sent again after a reconnection, and in the driver's stored resolutions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeResolution, encodeResolution } from '../../src/channel/driver-store.js';
import {
  type ChannelEvent,
  type ChannelState,
  DEFAULT_POLICY,
  type OutgoingResolution,
} from '../../src/channel/index.js';
import { sha256 } from '../../src/crypto/index.js';
import { encodeMessage } from '../../src/wire/index.js';
import { Harness, type Node, nodeConfig, onion, Rng } from '../channel/harness.js';

const rng = new Rng(77);

/** 920 bytes (20 hold times, 210 truncated HMACs) with a recognizable pattern. */
function attribution(seed: number): Uint8Array {
  return Uint8Array.from({ length: 920 }, (_, i) => (i * 7 + seed) & 0xff);
}

function setup(): Harness {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2, DEFAULT_POLICY));
  h.open({ format: 'static_remotekey', pushMsat: 300_000_000n });
  return h;
}

function offer(h: Harness, amountMsat: bigint): Uint8Array {
  const preimage = rng.bytes(32);
  const r = h.apply(h.a, {
    kind: 'addHtlc',
    amountMsat,
    paymentHash: sha256(preimage),
    cltvExpiry: h.height + 100,
    onionRoutingPacket: onion(rng),
  });
  assert.equal(r.rejected, undefined);
  return preimage;
}

function roundTrip(h: Harness, first: Node): void {
  h.apply(first, { kind: 'signCommitment' });
  h.flush();
  h.apply(h.other(first), { kind: 'signCommitment' });
  h.flush();
}

const ofKind = <K extends ChannelEvent['kind']>(n: Node, k: K) =>
  n.events.filter((e): e is Extract<ChannelEvent, { kind: K }> => e.kind === k);

test('attribution data of a fulfill and a failure reaches the offering machine as sent', () => {
  const h = setup();
  const preimage = offer(h, 5_000_000n);
  offer(h, 6_000_000n);
  roundTrip(h, h.a);
  const fulfillAttr = attribution(1);
  const failAttr = attribution(2);
  const reason = rng.bytes(260);
  const fulfilled = h.apply(h.b, {
    kind: 'fulfillHtlc',
    htlcId: 0n,
    paymentPreimage: preimage,
    attributionData: fulfillAttr,
  });
  h.apply(h.b, { kind: 'failHtlc', htlcId: 1n, reason, attributionData: failAttr });

  // BOLT 2: `update_fulfill_htlc_tlvs` type 1 (`attribution_data`): 920 bytes after the fields.
  const raw = encodeMessage(fulfilled.outbound[0]!);
  assert.equal(raw.length, 2 + 32 + 8 + 32 + 1 + 3 + 920);
  assert.deepEqual([...raw.subarray(74, 78)], [0x01, 0xfd, 0x03, 0x98]);
  assert.deepEqual(raw.subarray(78), fulfillAttr);

  h.deliver(h.a);
  assert.deepEqual(
    ofKind(h.a, 'htlcFulfilled').map((e) => e.attributionData),
    [fulfillAttr],
    'the preimage and its attribution data are reported at once',
  );
  h.flush();
  roundTrip(h, h.b);
  assert.deepEqual(
    ofKind(h.a, 'htlcFailed').map((e) => e.reason),
    [{ kind: 'onion', reason, attributionData: failAttr }],
  );
});

test('an update sent again after a reconnection carries the same attribution data', () => {
  const h = setup();
  const preimage = offer(h, 5_000_000n);
  roundTrip(h, h.a);
  const attr = attribution(9);
  h.apply(h.b, { kind: 'fulfillHtlc', htlcId: 0n, paymentPreimage: preimage, attributionData: attr });
  h.apply(h.b, { kind: 'signCommitment' });
  h.disconnect(); // the fulfill and its commitment_signed are lost on the way
  assert.equal(ofKind(h.a, 'htlcFulfilled').length, 0);
  h.reconnect();
  h.flush();
  const got = ofKind(h.a, 'htlcFulfilled');
  assert.equal(got.length, 1);
  assert.deepEqual(got[0]?.attributionData, attr);
});

test('without attribution data nothing is added; data of another length is refused', () => {
  const h = setup();
  const preimage = offer(h, 5_000_000n);
  roundTrip(h, h.a);
  const bad = h.apply(h.b, {
    kind: 'fulfillHtlc',
    htlcId: 0n,
    paymentPreimage: preimage,
    attributionData: new Uint8Array(919),
  });
  assert.equal(bad.rejected?.code, 'invalid');
  const plain = h.apply(h.b, { kind: 'fulfillHtlc', htlcId: 0n, paymentPreimage: preimage });
  assert.equal((plain.outbound[0] as { tlvs?: unknown }).tlvs, undefined);
  h.deliver(h.a);
  const [event] = ofKind(h.a, 'htlcFulfilled');
  assert.ok(event !== undefined);
  assert.equal('attributionData' in event, false);
  const state: ChannelState = h.b.s;
  assert.equal(state.localChanges.proposed.length, 1);
});

test("the driver's stored resolutions keep the attribution data for delivery after a restart", () => {
  const paymentHash = new Uint8Array(32).fill(4);
  const attr = attribution(5);
  const failed: OutgoingResolution = {
    kind: 'failed',
    htlcId: 3n,
    paymentHash,
    reason: { kind: 'onion', reason: Uint8Array.of(1, 2, 3), attributionData: attr },
  };
  const fulfilled: OutgoingResolution = {
    kind: 'fulfilled',
    htlcId: 4n,
    paymentHash,
    preimage: new Uint8Array(32).fill(8),
    attributionData: attr,
  };
  const plain: OutgoingResolution = {
    kind: 'failed',
    htlcId: 5n,
    paymentHash,
    reason: { kind: 'onion', reason: Uint8Array.of(9) },
  };
  for (const r of [failed, fulfilled, plain]) assert.deepEqual(decodeResolution(encodeResolution(r)), r);
});
