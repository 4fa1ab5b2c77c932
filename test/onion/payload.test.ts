// Hop payload TLVs: keysend final payloads with custom records byte-exact through a real onion,
// the codec's round trip, and decoder fuzzing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytesToHex, publicKeyCreate, sha256 } from '../../src/crypto/index.js';
import {
  buildOnion,
  customRecords,
  decodeHopPayload,
  encodeHopPayload,
  KEYSEND_PREIMAGE_TYPE,
  PODCAST_RECORD_TYPE,
  parseFinalPayload,
  parseForwardPayload,
  peelOnion,
  WHATSAT,
} from '../../src/onion/index.js';
import { DecodeError } from '../../src/wire/index.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

test('a keysend final payload with custom records survives an onion byte-exact', () => {
  const preimage = sha256(utf8('keysend preimage'));
  const paymentHash = sha256(preimage);
  const records = [
    { type: 696969n, value: utf8('wallet-id-123') },
    { type: PODCAST_RECORD_TYPE, value: utf8('{"action":"boost","value_msat_total":1000}') },
    { type: WHATSAT.message, value: utf8('hello over keysend') },
    // The largest type: BigSize with the 0xff prefix, and an empty value.
    { type: 0xffffffffffffffffn, value: new Uint8Array(0) },
  ];
  const payload = encodeHopPayload({
    amtToForwardMsat: 1000n,
    outgoingCltvValue: 800040,
    keysendPreimage: preimage,
    records,
  });
  const priv = sha256(utf8('keysend receiver'));
  const { packet } = buildOnion([{ nodeId: publicKeyCreate(priv), payload }], sha256(utf8('s')), paymentHash);
  const r = peelOnion(packet, priv, paymentHash);
  assert.equal(r.kind, 'final');
  if (r.kind !== 'final') return;
  const p = r.payload;
  assert.deepEqual(p.raw, payload);
  assert.deepEqual(p.keysendPreimage, preimage);
  assert.deepEqual(sha256(p.keysendPreimage as Uint8Array), paymentHash);
  assert.equal(p.amtToForwardMsat, 1000n);
  assert.equal(p.outgoingCltvValue, 800040);
  assert.equal(p.totalMsat, 1000n);
  assert.equal(p.paymentSecret, undefined);
  // Every record by type, byte-exact; the custom ones without the preimage.
  assert.deepEqual(p.records.get(KEYSEND_PREIMAGE_TYPE), preimage);
  assert.deepEqual(
    [...customRecords(p.records)].map(([t, v]) => [t, bytesToHex(v)]),
    [...records].sort((a, b) => (a.type < b.type ? -1 : 1)).map((x) => [x.type, bytesToHex(x.value)]),
  );
  // Types are sorted on the wire: 696969 < 7629169 < 34349334 < 5482373484 < 2^64-1.
  assert.deepEqual(
    [...p.records.keys()],
    [2n, 4n, 696969n, 7629169n, 34349334n, 5482373484n, 0xffffffffffffffffn],
  );
});

test('payment_data and payment_metadata reach the final payload', () => {
  const secret = new Uint8Array(32).fill(0x24);
  const raw = encodeHopPayload({
    amtToForwardMsat: 400n,
    outgoingCltvValue: 10,
    paymentData: { paymentSecret: secret, totalMsat: 1000n },
    paymentMetadata: Uint8Array.of(1, 2, 3),
  });
  const r = parseFinalPayload(raw, new Set());
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(r.payload.paymentSecret, secret);
  assert.equal(r.payload.totalMsat, 1000n);
  assert.deepEqual(r.payload.paymentMetadata, Uint8Array.of(1, 2, 3));
  const f = parseForwardPayload(
    encodeHopPayload({ amtToForwardMsat: 1n, outgoingCltvValue: 2, shortChannelId: 0x0102030405060708n }),
    new Set(),
  );
  assert.ok(f.ok && f.payload.shortChannelId === 0x0102030405060708n);
});

test('encoding refuses a custom record that reuses a known type', () => {
  assert.throws(
    () =>
      encodeHopPayload({
        amtToForwardMsat: 1n,
        outgoingCltvValue: 1,
        records: [{ type: 2n, value: Uint8Array.of(1) }],
      }),
    /known type 2/,
  );
});

test('property: hop payloads round-trip through the codec', () => {
  const record = fc.record({
    type: fc.bigInt({ min: 65536n, max: 0xffffffffffffffffn }).filter((t) => t !== KEYSEND_PREIMAGE_TYPE),
    value: fc.uint8Array({ maxLength: 40 }),
  });
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.option(fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), { nil: undefined }),
      fc.uniqueArray(record, { selector: (r) => r.type, maxLength: 5 }),
      (amt, cltv, scid, records) => {
        const fields = { amtToForwardMsat: amt, outgoingCltvValue: cltv, shortChannelId: scid, records };
        const raw = encodeHopPayload(fields);
        const d = decodeHopPayload(raw);
        assert.ok(d.ok);
        if (!d.ok) return;
        assert.equal(d.value.amtToForwardMsat, amt);
        assert.equal(d.value.outgoingCltvValue, cltv);
        assert.equal(d.value.shortChannelId, scid);
        const sorted = records
          .map((r) => ({ type: r.type, value: r.value }))
          .sort((a, b) => (a.type < b.type ? -1 : 1));
        assert.deepEqual(d.value.unknown ?? [], sorted);
        const parsed = (scid === undefined ? parseFinalPayload : parseForwardPayload)(raw, new Set());
        assert.ok(parsed.ok || records.some((r) => r.type % 2n === 0n));
      },
    ),
    { numRuns: 300, seed: 42 },
  );
});

test('fuzz: the payload decoders only ever fail with values, never exceptions', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (raw, final) => {
      const d = decodeHopPayload(raw);
      if (!d.ok) assert.ok(d.error instanceof DecodeError);
      const p = final
        ? parseFinalPayload(raw, new Set([WHATSAT.message]))
        : parseForwardPayload(raw, new Set());
      if (!p.ok && p.error.code === 'invalid_onion_payload') {
        assert.ok(p.error.offset >= 0 && p.error.offset <= raw.length);
      }
    }),
    { numRuns: 3000, seed: 7 },
  );
});
