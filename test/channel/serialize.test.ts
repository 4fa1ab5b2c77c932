// The channel state survives the Store: serialize/deserialize is an exact round trip in every
// phase, deterministic, and refuses malformed records with a reason instead of throwing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type ChannelState, deserializeChannel, serializeChannel } from '../../src/channel/index.js';
import {
  ATTRIBUTION_DATA_LENGTH,
  attributionFromWire,
  attributionToWire,
} from '../../src/channel/updates.js';
import type { UpdateFulfillHtlc } from '../../src/wire/index.js';
import { Harness, nodeConfig, Rng } from './harness.js';

/** An optional field set to undefined and an absent one mean the same; compare without them. */
function withoutUndefined<T>(v: T): T {
  if (Array.isArray(v)) return v.map(withoutUndefined) as T;
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => [k, withoutUndefined(x)]),
  ) as T;
}

/** A offers B a 5,000 sat HTLC with a random preimage (returned) and onion. */
function addHtlc(h: Harness, rng: Rng): Uint8Array {
  return h.offer(h.a, rng, 5_000_000n, { cltvDelta: 50, pathKey: h.a.s.local.fundingPubkey }).preimage;
}

function roundTrips(s: ChannelState): void {
  const bytes = serializeChannel(s);
  const back = deserializeChannel(bytes);
  assert.ok(back.ok, back.ok ? '' : back.reason);
  assert.deepEqual(withoutUndefined(back.value), withoutUndefined(s));
  assert.deepEqual(serializeChannel(back.value), bytes, 'serialization is deterministic');
}

test('round trip in every phase of a channel life', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h.persistEveryStep = false;
  const phases = new Set<string>();
  const snap = () => {
    for (const n of [h.a, h.b]) {
      if (n.state === undefined) continue;
      phases.add(n.s.phase);
      roundTrips(n.s);
    }
  };
  h.open({ format: 'anchors', pushMsat: 100_000_000n, persistEveryStep: false });
  snap();
  const pre = addHtlc(h, new Rng(1));
  snap();
  h.apply(h.a, { kind: 'signCommitment' });
  snap();
  h.deliver(h.b);
  snap();
  h.deliver(h.b);
  snap();
  h.flush();
  h.apply(h.b, { kind: 'signCommitment' });
  h.flush();
  snap();
  assert.ok(
    h.a.s.remoteSecrets.buckets.some((b) => b !== undefined),
    'a secret is stored',
  );
  h.apply(h.b, { kind: 'fulfillHtlc', htlcId: 0n, paymentPreimage: pre });
  h.apply(h.a, { kind: 'closeChannel' });
  snap();
  h.apply(h.b, { kind: 'signCommitment' });
  h.flush();
  h.apply(h.a, { kind: 'signCommitment' });
  h.flush();
  snap();
  assert.ok(phases.has('normal') && phases.has('shutdown') && phases.has('closing'), [...phases].join());
});

test('malformed records are refused with a reason', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h.open({ format: 'static_remotekey' });
  const good = serializeChannel(h.a.s);
  const enc = new TextEncoder();
  const cases: Uint8Array[] = [
    new Uint8Array(0),
    Uint8Array.of(0xff, 0xfe),
    enc.encode('{"format":"other","state":{}}'),
    enc.encode('{"format":"ksnode-channel/1"}'),
    enc.encode('{"format":"ksnode-channel/1","state":{"version":2}}'),
    enc.encode(
      '{"format":"ksnode-channel/1","state":{"version":1,"phase":"normal","channelSeed":{"$n":"x"}}}',
    ),
    good.slice(0, good.length - 1),
  ];
  for (const c of cases) {
    const r = deserializeChannel(c);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.reason.length > 0, 'a reason is given');
  }
});

test('property: bigints, byte strings and absent fields survive the round trip', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h.open({ format: 'static_remotekey' });
  const base = h.a.s;
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      fc.uint8Array({ maxLength: 80 }),
      fc.option(fc.bigInt({ min: 0n, max: 1n << 63n }), { nil: undefined }),
      (n, bytes, alias) => {
        const s: ChannelState = { ...base, localNextHtlcId: n, closeScript: bytes, remoteAlias: alias };
        const r = deserializeChannel(serializeChannel(s));
        assert.ok(r.ok, 'round trip');
        assert.deepEqual(r.value, withoutUndefined(s));
        assert.equal('remoteAlias' in r.value, alias !== undefined);
      },
    ),
    { numRuns: 200 },
  );
});

test('an update log with attribution data round-trips, its 210 HMACs packed in one string', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h.open({ format: 'static_remotekey' });
  const data = Uint8Array.from({ length: ATTRIBUTION_DATA_LENGTH }, (_, i) => (i * 7) & 0xff);
  const fulfill: UpdateFulfillHtlc = {
    kind: 'update_fulfill_htlc',
    channelId: h.a.s.channelId!,
    id: 3n,
    paymentPreimage: new Uint8Array(32).fill(1),
    tlvs: { attributionData: attributionToWire(data) },
  };
  const s: ChannelState = { ...h.a.s, localChanges: { ...h.a.s.localChanges, acked: [fulfill, fulfill] } };
  const bytes = serializeChannel(s);
  const r = deserializeChannel(bytes);
  assert.ok(r.ok);
  assert.deepEqual(r.value, withoutUndefined(s));
  const back = r.value.localChanges.acked[1];
  assert.ok(back?.kind === 'update_fulfill_htlc' && back.tlvs?.attributionData !== undefined);
  assert.deepEqual(attributionFromWire(back.tlvs.attributionData), data);
  // Packed: each fulfill costs about its 920 bytes in base64, not 210 tagged objects (~4 KB).
  const plain = serializeChannel(h.a.s).length;
  assert.ok(bytes.length - plain < 2 * 1600, `the two fulfills take ${bytes.length - plain} bytes`);
  // A packed list whose bytes do not divide into its width is refused, not misread.
  const text = new TextDecoder().decode(bytes).replace(/"w":4/, '"w":9');
  assert.equal(deserializeChannel(new TextEncoder().encode(text)).ok, false);
});

test('parts kept from an earlier state give the bytes of a fresh encoding, and are frozen', () => {
  const h = new Harness(nodeConfig('A', 1), nodeConfig('B', 2));
  h.persistEveryStep = false;
  h.open({ format: 'anchors', pushMsat: 100_000_000n, persistEveryStep: false });
  addHtlc(h, new Rng(7));
  const before = h.a.s;
  const first = serializeChannel(before);
  h.apply(h.a, { kind: 'signCommitment' });
  const after = h.a.s;
  // The signed add is the object the proposed one was: its JSON was kept from `first`.
  assert.equal(after.localChanges.signed[0], before.localChanges.proposed[0]);
  const kept = serializeChannel(after);
  const fresh = deserializeChannel(kept);
  assert.ok(fresh.ok);
  // A fresh copy shares no object with the kept parts: encoding it again gives the same bytes.
  assert.deepEqual(serializeChannel(fresh.value), kept);
  assert.notDeepEqual(kept, first);
  // A kept update cannot be changed in place behind the stored copy's back.
  const add = after.localChanges.signed[0] as { amountMsat: bigint };
  assert.throws(() => {
    add.amountMsat = 1n;
  }, TypeError);
  assert.throws(() => {
    (after.local as { dustLimitSat: bigint }).dustLimitSat = 1n;
  }, TypeError);
});
