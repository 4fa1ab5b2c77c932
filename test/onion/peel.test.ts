// Peeling untrusted onions: malformed packets give the right update_fail_malformed_htlc code,
// authentic packets with bad payloads give invalid_onion_payload with type and offset, and no input
// ever throws (10,000 mutations of a valid packet).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  concatBytes,
  ecdh,
  hexToBytes,
  hmacSha256,
  isPublicKey,
  publicKeyCreate,
  sha256,
} from '../../src/crypto/index.js';
import {
  buildOnion,
  encodeHopPayload,
  generateCipherStream,
  generateKey,
  HOP_PAYLOADS_SIZE,
  KNOWN_APP_EVEN_TYPES,
  ONION_PACKET_SIZE,
  type PeelResult,
  PODCAST_SPLIT_RECORDS,
  peelOnion,
  WHATSAT,
} from '../../src/onion/index.js';

const vector = JSON.parse(
  readFileSync(new URL('../../../shared/specs/bolts/bolt04/onion-test.json', import.meta.url), 'utf8'),
) as { generate: { associated_data: string }; onion: string; decode: string[] };
const validPacket = hexToBytes(vector.onion);
const hop0Key = hexToBytes(vector.decode[0] as string);
const ad = hexToBytes(vector.generate.associated_data);

function malformedCode(r: PeelResult): number | undefined {
  return r.kind === 'malformed' ? r.failureCode : undefined;
}

test('a bad version byte gives invalid_onion_version (BADONION|PERM|4) with the onion hash', () => {
  for (const v of [1, 2, 0x80, 0xff]) {
    const p = Uint8Array.from(validPacket);
    p[0] = v;
    const r = peelOnion(p, hop0Key, ad);
    assert.equal(r.kind, 'malformed');
    if (r.kind !== 'malformed') return;
    assert.equal(r.failureCode, 0xc004);
    assert.deepEqual(r.failure, { name: 'invalid_onion_version', sha256OfOnion: sha256(p) });
    assert.deepEqual(r.sha256OfOnion, sha256(p));
  }
  for (const len of [0, 1, 1365, 1367]) {
    const p = new Uint8Array(len);
    assert.equal(malformedCode(peelOnion(p, hop0Key, ad)), 0xc004, `length ${len}`);
  }
});

test('an unparsable ephemeral key gives invalid_onion_key (BADONION|PERM|6)', () => {
  const cases: [string, (p: Uint8Array) => void][] = [
    ['uncompressed prefix', (p) => (p[1] = 4)],
    ['zero prefix', (p) => (p[1] = 0)],
    ['x not on the curve', (p) => p.fill(0, 2, 34)],
    ['x = 5', (p) => p.fill(0, 2, 33).fill(5, 33, 34)],
  ];
  for (const [name, mutate] of cases) {
    const p = Uint8Array.from(validPacket);
    mutate(p);
    assert.equal(isPublicKey(p.subarray(1, 34)), false, name);
    const r = peelOnion(p, hop0Key, ad);
    assert.equal(malformedCode(r), 0xc006, name);
    assert.equal(r.kind === 'malformed' && r.failure.name, 'invalid_onion_key');
  }
});

test('a flipped HMAC, payload or key bit, or other associated data, gives invalid_onion_hmac (BADONION|PERM|5)', () => {
  for (const at of [34, 500, 1333, 1334, 1365]) {
    const p = Uint8Array.from(validPacket);
    p[at] = (p[at] as number) ^ 0x01;
    assert.equal(malformedCode(peelOnion(p, hop0Key, ad)), 0xc005, `byte ${at}`);
  }
  // The other valid key with the same x (prefix 02 <-> 03) is a different point: HMAC fails.
  const p = Uint8Array.from(validPacket);
  p[1] = (p[1] as number) ^ 1;
  assert.equal(malformedCode(peelOnion(p, hop0Key, ad)), 0xc005);
  assert.equal(malformedCode(peelOnion(validPacket, hop0Key, new Uint8Array(32))), 0xc005);
  // Someone else's key cannot authenticate it either.
  assert.equal(malformedCode(peelOnion(validPacket, hexToBytes(vector.decode[1] as string), ad)), 0xc005);
});

/** A small deterministic PRNG (xorshift32): the test's randomness is an input, so failures replay. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

test('fuzz: 10,000 random mutations of a valid onion all give the matching BADONION code, never a throw', () => {
  const rand = prng(0x0b0154);
  const counts = new Map<number, number>();
  for (let n = 0; n < 10_000; n++) {
    const p = Uint8Array.from(validPacket);
    const edits = 1 + (rand() % 3);
    for (let e = 0; e < edits; e++) {
      // Bias towards the header, where the interesting branches are.
      const at = rand() % 4 === 0 ? rand() % 34 : rand() % ONION_PACKET_SIZE;
      const old = p[at] as number;
      let v = rand() & 0xff;
      if (v === old) v ^= 1 << (rand() % 8);
      p[at] = v;
    }
    let expected: number;
    if (p[0] !== 0) expected = 0xc004;
    else if ((p[1] !== 2 && p[1] !== 3) || !isPublicKey(p.subarray(1, 34))) expected = 0xc006;
    else expected = 0xc005;
    const r = peelOnion(p, hop0Key, ad);
    assert.equal(malformedCode(r), expected, `mutation ${n}`);
    counts.set(expected, (counts.get(expected) ?? 0) + 1);
  }
  // Every branch was exercised.
  for (const code of [0xc004, 0xc005, 0xc006]) assert.ok((counts.get(code) ?? 0) > 100, `code ${code}`);
});

test('fuzz: random 1366-byte packets never throw', () => {
  const rand = prng(99);
  for (let n = 0; n < 500; n++) {
    const p = new Uint8Array(ONION_PACKET_SIZE).map(() => rand() & 0xff);
    if (n % 2 === 0) p[0] = 0;
    if (n % 4 === 0) p.set(publicKeyCreate(sha256(Uint8Array.of(n, 1))), 1);
    const r = peelOnion(p, hop0Key, ad);
    assert.equal(r.kind, 'malformed');
  }
});

// ---------- authentic onions with bad payloads ----------

const nodeKey = sha256(new TextEncoder().encode('peel test node'));
const nodeId = publicKeyCreate(nodeKey);
const nextId = publicKeyCreate(sha256(new TextEncoder().encode('peel test next')));
const session = sha256(new TextEncoder().encode('peel test session'));

/** An authentic onion whose first hop gets `payload` (the builder does not judge payloads). */
function onionFor(payload: Uint8Array, final: boolean): Uint8Array {
  const filler = encodeHopPayload({ amtToForwardMsat: 1n, outgoingCltvValue: 1 });
  const hops = [{ nodeId, payload }];
  if (!final) hops.push({ nodeId: nextId, payload: filler });
  return buildOnion(hops, session, ad).packet;
}

/**
 * An authentic single-hop onion whose decrypted hop_payloads start with `plain` (so the BigSize
 * length itself can be broken, which the builder refuses to produce).
 */
function craftedOnion(plain: Uint8Array): Uint8Array {
  const ephemeral = publicKeyCreate(session);
  const ss = ecdh(nodeId, session);
  const body = new Uint8Array(HOP_PAYLOADS_SIZE);
  body.set(plain);
  const stream = generateCipherStream(generateKey('rho', ss), HOP_PAYLOADS_SIZE);
  const hopPayloads = body.map((b, i) => b ^ (stream[i] as number));
  const hmac = hmacSha256(generateKey('mu', ss), hopPayloads, ad);
  return concatBytes(Uint8Array.of(0), ephemeral, hopPayloads, hmac);
}

function invalidPayload(r: PeelResult) {
  assert.equal(r.kind, 'invalid_payload', r.kind === 'malformed' ? r.reason : r.kind);
  if (r.kind !== 'invalid_payload') throw new Error('unreachable');
  return r;
}

test('payload length 0 (the legacy realm-0 format), 1, non-minimal or oversized gives invalid_onion_payload', () => {
  const cases: [string, number[]][] = [
    ['legacy', [0x00, 0x00, 0x00]],
    ['reserved 1', [0x01, 0x02]],
    ['non-minimal bigsize', [0xfd, 0x00, 0x05]],
    ['longer than the onion', [0xfd, 0x04, 0xf2]], // 1266 > 1300 - 3 - 32
  ];
  for (const [name, plain] of cases) {
    const r = invalidPayload(peelOnion(craftedOnion(Uint8Array.from(plain)), nodeKey, ad));
    assert.deepEqual(r.failure, { name: 'invalid_onion_payload', type: 0n, offset: 0 }, name);
    assert.equal(r.failure.name === 'invalid_onion_payload' && r.sharedSecret.length, 32);
  }
  assert.match(
    invalidPayload(peelOnion(craftedOnion(Uint8Array.of(0)), nodeKey, ad)).reason,
    /legacy .* no longer supported/,
  );
  // The largest length that fits (3 + 1265 + 32 = 1300) is authentic and parsed: one odd record
  // of 1261 bytes, so the failure is about the missing amt_to_forward, not the length.
  const plain = new Uint8Array(3 + 1265);
  plain.set([0xfd, 0x04, 0xf1], 0);
  plain.set([0x01, 0xfd, 0x04, 0xed], 3);
  const r = invalidPayload(peelOnion(craftedOnion(plain), nodeKey, ad));
  assert.deepEqual(r.failure, { name: 'invalid_onion_payload', type: 2n, offset: 0 });
});

test('missing or forbidden records give invalid_onion_payload with the record type', () => {
  const amt = encodeHopPayload({ amtToForwardMsat: 5n, outgoingCltvValue: 9 });
  // A 31-byte keysend preimage: type 5482373484 (ff + 8 bytes), length 31.
  const shortPreimage = concatBytes(amt, hexToBytes('ff0000000146c6616c1f'), new Uint8Array(31));
  const cases: [string, Uint8Array, boolean, bigint, number][] = [
    // [name, payload, final, type, offset (in the decrypted stream: 1-byte length prefix first)]
    ['no amt_to_forward', Uint8Array.of(0x04, 0x01, 0x09), true, 2n, 0],
    ['no outgoing_cltv_value', Uint8Array.of(0x02, 0x01, 0x05), true, 4n, 0],
    ['no short_channel_id at a forwarding hop', amt, false, 6n, 0],
    [
      'payment_data at a forwarding hop',
      encodeHopPayload({
        amtToForwardMsat: 5n,
        outgoingCltvValue: 9,
        shortChannelId: 1n,
        paymentData: { paymentSecret: new Uint8Array(32), totalMsat: 5n },
      }),
      false,
      8n,
      1 + 3 + 3 + 10,
    ],
    [
      'short_channel_id at the final node',
      encodeHopPayload({ amtToForwardMsat: 5n, outgoingCltvValue: 9, shortChannelId: 1n }),
      true,
      6n,
      1 + 3 + 3,
    ],
    ['unknown even type', concatBytes(amt, Uint8Array.of(0x64, 0x00)), true, 100n, 1 + 6],
    ['non-minimal amt_to_forward', Uint8Array.of(0x02, 0x02, 0x00, 0x05, 0x04, 0x01, 0x09), true, 2n, 1],
    ['types out of order', Uint8Array.of(0x04, 0x01, 0x09, 0x02, 0x01, 0x05), true, 2n, 1 + 3],
    ['record overruns', Uint8Array.of(0x02, 0x01, 0x05, 0x04, 0x09, 0x09), true, 4n, 1 + 3],
    ['short keysend preimage', shortPreimage, true, 5482373484n, 1 + 6],
  ];
  for (const [name, payload, final, type, offset] of cases) {
    const r = invalidPayload(peelOnion(onionFor(payload, final), nodeKey, ad));
    assert.deepEqual(r.failure, { name: 'invalid_onion_payload', type, offset }, `${name}: ${r.reason}`);
  }
});

test('an even app record is accepted only when the caller knows it', () => {
  const payload = encodeHopPayload({
    amtToForwardMsat: 5n,
    outgoingCltvValue: 9,
    records: [{ type: WHATSAT.message, value: new TextEncoder().encode('hi') }],
  });
  const packet = onionFor(payload, true);
  assert.ok(KNOWN_APP_EVEN_TYPES.has(WHATSAT.message));
  const ok = peelOnion(packet, nodeKey, ad);
  assert.equal(ok.kind, 'final');
  const refused = invalidPayload(peelOnion(packet, nodeKey, ad, { knownEvenTypes: new Set() }));
  assert.deepEqual(refused.failure, { name: 'invalid_onion_payload', type: WHATSAT.message, offset: 1 + 6 });
  const registered = peelOnion(
    onionFor(concatBytes(payload, Uint8Array.of(0xfe, 0x7f, 0xff, 0xff, 0xfe, 0)), true),
    nodeKey,
    ad,
    {
      knownEvenTypes: new Set([WHATSAT.message, 0x7ffffffen]),
    },
  );
  assert.equal(registered.kind, 'final');
});

test('route-blinding records are decoded but refused with invalid_onion_blinding', () => {
  const payload = encodeHopPayload({
    amtToForwardMsat: 5n,
    outgoingCltvValue: 9,
    shortChannelId: 3n,
    currentPathKey: nextId,
  });
  const packet = onionFor(payload, false);
  const r = invalidPayload(peelOnion(packet, nodeKey, ad));
  assert.deepEqual(r.failure, { name: 'invalid_onion_blinding', sha256OfOnion: sha256(packet) });
  const enc = encodeHopPayload({
    amtToForwardMsat: 5n,
    outgoingCltvValue: 9,
    encryptedRecipientData: Uint8Array.of(1, 2),
  });
  assert.equal(
    invalidPayload(peelOnion(onionFor(enc, true), nodeKey, ad)).failure.name,
    'invalid_onion_blinding',
  );
});

test('a podcast split record 818818 (even) is known by default; an unknown even one still fails', () => {
  const split = encodeHopPayload({
    amtToForwardMsat: 5n,
    outgoingCltvValue: 9,
    records: [{ type: PODCAST_SPLIT_RECORDS.accountId, value: new TextEncoder().encode('hive-user') }],
  });
  const ok = peelOnion(onionFor(split, true), nodeKey, ad);
  assert.equal(ok.kind, 'final');
  if (ok.kind === 'final') {
    assert.deepEqual(ok.payload.records.get(818818n), new TextEncoder().encode('hive-user'));
  }
  const other = encodeHopPayload({
    amtToForwardMsat: 5n,
    outgoingCltvValue: 9,
    records: [{ type: 818820n, value: new Uint8Array([1]) }],
  });
  assert.equal(peelOnion(onionFor(other, true), nodeKey, ad).kind, 'invalid_payload');
});
