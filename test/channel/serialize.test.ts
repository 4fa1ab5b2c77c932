// The channel state survives the Store: serialize/deserialize is an exact round trip in every
// phase, deterministic, and refuses malformed records with a reason instead of throwing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type ChannelState, deserializeChannel, serializeChannel } from '../../src/channel/index.js';
import { sha256 } from '../../src/crypto/index.js';
import { Harness, nodeConfig, onion, Rng } from './harness.js';

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
  const rng = new Rng(1);
  const pre = rng.bytes(32);
  h.apply(h.a, {
    kind: 'addHtlc',
    amountMsat: 5_000_000n,
    paymentHash: sha256(pre),
    cltvExpiry: h.height + 50,
    onionRoutingPacket: onion(rng),
    pathKey: h.a.s.local.fundingPubkey,
  });
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
