// BOLT 4 onion construction and peeling: the spec's onion-test.json byte-exact, long routes, limits.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  bytesToHex,
  ecdh,
  hexToBytes,
  privateKeyTweakMul,
  publicKeyCreate,
  sha256,
} from '../../src/crypto/index.js';
import {
  buildOnion,
  encodeHopPayload,
  hopPayloadsLength,
  ONION_PACKET_SIZE,
  OnionBuildError,
  type OnionHop,
  onionSharedSecrets,
  type PeelResult,
  peelOnion,
  peelOnionLayer,
} from '../../src/onion/index.js';
import { bigSize, Reader } from '../../src/wire/index.js';

interface OnionVector {
  generate: { session_key: string; associated_data: string; hops: { pubkey: string; payload: string }[] };
  onion: string;
  decode: string[];
}
const vector = JSON.parse(
  readFileSync(new URL('../../../shared/specs/bolts/bolt04/onion-test.json', import.meta.url), 'utf8'),
) as OnionVector;

/** The vector's payloads carry their BigSize length prefix; buildOnion takes the bare TLV stream. */
function stripLength(prefixed: Uint8Array): Uint8Array {
  const r = new Reader(prefixed);
  const n = bigSize.decode(r);
  assert.equal(BigInt(r.remaining), n, 'vector payload length prefix');
  return r.rest();
}

const sessionKey = hexToBytes(vector.generate.session_key);
const associatedData = hexToBytes(vector.generate.associated_data);
const vectorHops: OnionHop[] = vector.generate.hops.map((h) => ({
  nodeId: hexToBytes(h.pubkey),
  payload: stripLength(hexToBytes(h.payload)),
}));
const privateKeys = vector.decode.map(hexToBytes);

function expectKind<K extends PeelResult['kind']>(r: PeelResult, kind: K): Extract<PeelResult, { kind: K }> {
  assert.equal(r.kind, kind, r.kind === 'malformed' || r.kind === 'invalid_payload' ? r.reason : r.kind);
  return r as Extract<PeelResult, { kind: K }>;
}

test('onion-test.json: the built onion is byte-exact', () => {
  const { packet, sharedSecrets } = buildOnion(vectorHops, sessionKey, associatedData);
  assert.equal(packet.length, ONION_PACKET_SIZE);
  assert.equal(bytesToHex(packet), vector.onion);
  assert.equal(sharedSecrets.length, 5);
  // The shared secrets are those of onion-error-test.json (same keys).
  assert.equal(
    bytesToHex(sharedSecrets[0] as Uint8Array),
    '53eb63ea8a3fec3b3cd433b85cd62a4b145e1dda09391b348c4e1cd36a03ea66',
  );
  assert.equal(
    bytesToHex(sharedSecrets[4] as Uint8Array),
    'b5756b9b542727dbafc6765a49488b023a725d631af688fc031217e90770c328',
  );
});

test('onion-test.json: every hop peels its payload and the next onion', () => {
  let packet = hexToBytes(vector.onion);
  let ek = sessionKey;
  for (let i = 0; i < vectorHops.length; i++) {
    const hop = vectorHops[i] as OnionHop;
    const priv = privateKeys[i] as Uint8Array;
    assert.deepEqual(publicKeyCreate(priv), hop.nodeId, `hop ${i} key matches its pubkey`);
    // The ephemeral key each hop sees is the session key blinded by every earlier hop.
    assert.deepEqual(packet.subarray(1, 34), publicKeyCreate(ek), `hop ${i} ephemeral key`);
    const r = peelOnion(packet, priv, associatedData);
    if (i < vectorHops.length - 1) {
      const f = expectKind(r, 'forward');
      assert.equal(bytesToHex(f.payload.raw), bytesToHex(hop.payload), `hop ${i} payload`);
      assert.equal(f.payload.shortChannelId, BigInt(i + 1));
      assert.equal(f.nextPacket.length, ONION_PACKET_SIZE);
      assert.deepEqual(f.sharedSecret, ecdh(hop.nodeId, ek));
      const epk = publicKeyCreate(ek);
      ek = privateKeyTweakMul(ek, sha256(epk, f.sharedSecret));
      packet = f.nextPacket;
    } else {
      const f = expectKind(r, 'final');
      assert.equal(bytesToHex(f.payload.raw), bytesToHex(hop.payload));
      assert.equal(f.payload.amtToForwardMsat, 10000n);
      assert.equal(f.payload.outgoingCltvValue, 1000);
      assert.equal(f.payload.totalMsat, 10000n);
      assert.equal(
        bytesToHex(f.payload.paymentSecret as Uint8Array),
        '24a33562c54507a9334e79f0dc4f17d407e6d7c61f0e2f3d0d38599502f61704',
      );
      // The odd record 301 rides along byte-exact.
      assert.equal(f.payload.records.get(301n)?.length, 0xe0);
    }
  }
});

test('onion-test.json: the intermediate payloads decode to the expected amounts', () => {
  const expected = [
    [15000n, 1500],
    [14000n, 1400],
    [12500n, 1250],
    [10000n, 1000],
  ] as const;
  let packet = hexToBytes(vector.onion);
  for (const [i, [amt, cltv]] of expected.entries()) {
    const f = expectKind(peelOnion(packet, privateKeys[i] as Uint8Array, associatedData), 'forward');
    assert.equal(f.payload.amtToForwardMsat, amt);
    assert.equal(f.payload.outgoingCltvValue, cltv);
    packet = f.nextPacket;
  }
});

/** A deterministic key for hop i of a synthetic route. */
const key = (i: number) => sha256(new TextEncoder().encode(`ksnode onion test hop ${i}`));

function roundTrip(hops: OnionHop[], privs: Uint8Array[]): void {
  const ad = sha256(new TextEncoder().encode('payment hash'));
  const { packet, sharedSecrets } = buildOnion(hops, key(1000), ad);
  assert.deepEqual(
    sharedSecrets,
    onionSharedSecrets(
      key(1000),
      hops.map((h) => h.nodeId),
    ),
  );
  let p = packet;
  for (let i = 0; i < hops.length; i++) {
    const r = peelOnion(p, privs[i] as Uint8Array, ad);
    if (i === hops.length - 1) {
      const f = expectKind(r, 'final');
      assert.deepEqual(f.payload.raw, (hops[i] as OnionHop).payload);
    } else {
      const f = expectKind(r, 'forward');
      assert.deepEqual(f.payload.raw, (hops[i] as OnionHop).payload, `hop ${i}`);
      assert.deepEqual(f.sharedSecret, sharedSecrets[i]);
      p = f.nextPacket;
    }
  }
}

function forward(i: number): Uint8Array {
  return encodeHopPayload({
    amtToForwardMsat: 1000n + BigInt(i),
    outgoingCltvValue: 500 + i,
    shortChannelId: BigInt(i),
  });
}

test('a 20-hop route round-trips', () => {
  const privs = Array.from({ length: 20 }, (_, i) => key(i));
  const hops = privs.map((k, i) => ({
    nodeId: publicKeyCreate(k),
    payload: i === 19 ? encodeHopPayload({ amtToForwardMsat: 1000n, outgoingCltvValue: 500 }) : forward(i),
  }));
  roundTrip(hops, privs);
});

test('a 27-hop route with tiny payloads round-trips through the Sphinx layer', () => {
  // Valid forwarding payloads (amount, cltv, scid) take at least 49 bytes of hop_payloads each, so
  // 27 hops only fit with tiny payloads: here a 2-byte odd record per hop, peeled by
  // peelOnionLayer (Sphinx only), and a minimal final payload checked by the full peelOnion.
  const privs = Array.from({ length: 27 }, (_, i) => key(i));
  const hops = privs.map((k, i) => ({
    nodeId: publicKeyCreate(k),
    payload:
      i === 26 ? encodeHopPayload({ amtToForwardMsat: 1n, outgoingCltvValue: 1 }) : Uint8Array.of(1, 0),
  }));
  assert.equal(hopPayloadsLength(hops.map((h) => h.payload)), 26 * 35 + 39);
  const ad = new Uint8Array(32).fill(7);
  const { packet, sharedSecrets } = buildOnion(hops, key(99), ad);
  let p = packet;
  for (let i = 0; i < 26; i++) {
    const layer = peelOnionLayer(p, privs[i] as Uint8Array, ad);
    assert.equal(layer.kind, 'layer', `hop ${i}`);
    if (layer.kind !== 'layer') return;
    assert.deepEqual(layer.payload, Uint8Array.of(1, 0));
    assert.deepEqual(layer.sharedSecret, sharedSecrets[i]);
    assert.ok(layer.nextPacket !== undefined, `hop ${i} forwards`);
    p = layer.nextPacket;
  }
  const f = expectKind(peelOnion(p, privs[26] as Uint8Array, ad), 'final');
  assert.equal(f.payload.amtToForwardMsat, 1n);
  assert.equal(f.payload.outgoingCltvValue, 1);
});

test('the longest route of valid payment payloads is 26 hops', () => {
  const privs = Array.from({ length: 27 }, (_, i) => key(i));
  const minimal = (i: number) =>
    encodeHopPayload({ amtToForwardMsat: 1n, outgoingCltvValue: 1, shortChannelId: BigInt(i + 1) });
  const hops = privs.map((k, i) => ({
    nodeId: publicKeyCreate(k),
    payload: i === 26 ? encodeHopPayload({ amtToForwardMsat: 1n, outgoingCltvValue: 1 }) : minimal(i),
  }));
  // 26 forwarding payloads of 49 bytes each plus a 39-byte final one: 1313 > 1300.
  assert.throws(() => buildOnion(hops, key(1000), new Uint8Array(32)), /need 1313 bytes/);
  roundTrip(hops.slice(1), privs.slice(1));
});

test('build refuses routes that cannot be an onion, with a clear error', () => {
  const nodeId = publicKeyCreate(key(0));
  const ad = new Uint8Array(32);
  assert.throws(() => buildOnion([], key(1), ad), OnionBuildError);
  const many = Array.from({ length: 28 }, () => ({ nodeId, payload: Uint8Array.of(1, 0) }));
  assert.throws(() => buildOnion(many, key(1), ad), /at most 27 hops, got 28/);
  assert.throws(() => buildOnion([{ nodeId, payload: Uint8Array.of(1) }], key(1), ad), /at least 2 bytes/);
  // 1300 bytes hold 1300 - 3 - 32 = 1265 payload bytes for one hop; one more does not fit.
  const fits = new Uint8Array(1265);
  assert.equal(buildOnion([{ nodeId, payload: fits }], key(1), ad).packet.length, ONION_PACKET_SIZE);
  assert.throws(
    () => buildOnion([{ nodeId, payload: new Uint8Array(1266) }], key(1), ad),
    /need 1301 bytes but an onion holds 1300/,
  );
  assert.throws(() => buildOnion([{ nodeId, payload: fits }], new Uint8Array(32), ad), /session key/);
  const badNode = Uint8Array.of(2, ...new Uint8Array(32)); // x = 0 is not on the curve
  assert.throws(
    () => buildOnion([{ nodeId: badNode, payload: fits }], key(1), ad),
    /hop 0: node id is not a valid/,
  );
});

test('a payload filling the whole onion peels at the final hop', () => {
  const priv = key(7);
  const body = encodeHopPayload({
    amtToForwardMsat: 5n,
    outgoingCltvValue: 9,
    // amt (3 bytes) + cltv (3) + type 65537 (5) + length (3) + value = 1265
    records: [{ type: 65537n, value: new Uint8Array(1265 - 14) }],
  });
  assert.equal(body.length, 1265);
  const ad = new Uint8Array(32);
  const { packet } = buildOnion([{ nodeId: publicKeyCreate(priv), payload: body }], key(8), ad);
  const f = expectKind(peelOnion(packet, priv, ad), 'final');
  assert.deepEqual(f.payload.raw, body);
});
