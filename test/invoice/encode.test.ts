// test/invoice/encode.test.ts: building, signing and the writer rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ecdsaSignRecoverable, publicKeyCreate, sha256 } from '../../src/crypto/index.js';
import {
  buildInvoiceContents,
  decodeInvoice,
  descriptionHashMatches,
  encodeInvoice,
  encodeSignedInvoice,
  type InvoiceContents,
  InvoiceError,
  type InvoiceParams,
  invoiceExpiresAt,
  invoiceSigningHash,
  isInvoiceExpired,
  type RouteHintHop,
  type TaggedField,
} from '../../src/invoice/index.js';
import { PAYMENT_HASH, PAYMENT_SECRET, SPEC_PRIVATE_KEY } from './helpers.js';

const KEY = SPEC_PRIVATE_KEY;
const PAYEE = publicKeyCreate(KEY);

function reasonOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InvoiceError) return e.reason;
    throw e;
  }
  return 'accepted';
}

const params: InvoiceParams = {
  network: 'regtest',
  amountMsat: 1_234_000n,
  timestamp: 1_700_000_000,
  paymentHash: PAYMENT_HASH,
  paymentSecret: PAYMENT_SECRET,
  description: 'a keysend-node invoice',
  paymentMetadata: Uint8Array.of(1, 2, 3),
  payeeNodeId: PAYEE,
  expirySeconds: 600,
  minFinalCltvExpiryDelta: 40,
  fallbackAddresses: [{ version: 0, program: new Uint8Array(20).fill(9) }],
  routeHints: [
    [
      {
        pubkey: PAYEE,
        shortChannelId: (700_000n << 40n) | (12n << 16n) | 1n,
        feeBaseMsat: 1000n,
        feeProportionalMillionths: 100,
        cltvExpiryDelta: 144,
      },
    ],
  ],
  features: [8, 14, 16],
};

test('build -> encode -> decode gives back every parameter', () => {
  const text = encodeInvoice(buildInvoiceContents(params), KEY);
  assert.ok(text.startsWith('lnbcrt12340n1'), text.slice(0, 14));
  const inv = decodeInvoice(text);
  assert.equal(inv.network, 'regtest');
  assert.equal(inv.amountMsat, 1_234_000n);
  assert.equal(inv.timestamp, params.timestamp);
  assert.deepEqual(inv.paymentHash, PAYMENT_HASH);
  assert.deepEqual(inv.paymentSecret, PAYMENT_SECRET);
  assert.equal(inv.description, params.description);
  assert.deepEqual(inv.paymentMetadata, params.paymentMetadata);
  assert.deepEqual(inv.payeeNodeId, PAYEE);
  assert.equal(inv.payeeNodeIdRecovered, false);
  assert.equal(inv.expirySeconds, 600);
  assert.equal(inv.minFinalCltvExpiryDelta, 40);
  assert.deepEqual(inv.fallbackAddresses, params.fallbackAddresses);
  assert.deepEqual(inv.routeHints, params.routeHints);
  assert.deepEqual(inv.features, [8, 14, 16]);
  assert.deepEqual(
    inv.taggedFields.map((f) => f.kind),
    [
      'payment_hash',
      'payment_secret',
      'description',
      'payment_metadata',
      'payee_node_id',
      'expiry',
      'min_final_cltv_expiry_delta',
      'fallback_address',
      'route_hint',
      'features',
    ],
  );
});

test('the builder omits what is absent or empty, and wants exactly one of d and h', () => {
  const c = buildInvoiceContents({ ...base(), features: [] });
  assert.deepEqual(
    c.taggedFields.map((f) => f.kind),
    ['payment_hash', 'payment_secret', 'description'],
  );
  assert.equal('amountMsat' in c, false);
  assert.equal(
    reasonOf(() => buildInvoiceContents({ ...base(), descriptionHash: new Uint8Array(32) })),
    'invalid_contents',
  );
  const { description: _d, ...noDescription } = base();
  assert.equal(
    reasonOf(() => buildInvoiceContents(noDescription)),
    'invalid_contents',
  );
  const hashed = decodeInvoice(
    encodeInvoice(
      buildInvoiceContents({ ...noDescription, descriptionHash: sha256(new TextEncoder().encode('long')) }),
      KEY,
    ),
  );
  assert.equal(descriptionHashMatches(hashed, 'long'), true);
  assert.equal(descriptionHashMatches(hashed, new TextEncoder().encode('long')), true);
  assert.equal(
    descriptionHashMatches(decodeInvoice(encodeInvoice(buildInvoiceContents(base()), KEY)), 'x'),
    false,
  );
});

function base(): InvoiceParams {
  return {
    network: 'bitcoin',
    timestamp: 1_700_000_000,
    paymentHash: PAYMENT_HASH,
    paymentSecret: PAYMENT_SECRET,
    description: 'x',
  };
}

function withFields(...extra: TaggedField[]): InvoiceContents {
  const c = buildInvoiceContents(base());
  return { ...c, taggedFields: [...c.taggedFields, ...extra] };
}

test('writer rules are enforced before signing', () => {
  const hop: RouteHintHop = {
    pubkey: PAYEE,
    shortChannelId: 1n,
    feeBaseMsat: 0n,
    feeProportionalMillionths: 0,
    cltvExpiryDelta: 0,
  };
  const c = buildInvoiceContents(base());
  const cases: [InvoiceContents, string][] = [
    [
      { ...c, taggedFields: c.taggedFields.filter((f) => f.kind !== 'payment_secret') },
      'missing_payment_secret',
    ],
    [withFields({ kind: 'description_hash', value: new Uint8Array(32) }), 'conflicting_description'],
    [withFields({ kind: 'expiry', value: 1 }, { kind: 'expiry', value: 2 }), 'duplicate_field'],
    [
      withFields({ kind: 'payee_node_id', value: publicKeyCreate(new Uint8Array(32).fill(3)) }),
      'invalid_contents',
    ],
    [withFields({ kind: 'payee_node_id', value: new Uint8Array(33) }), 'invalid_contents'],
    [{ ...c, timestamp: 2 ** 35 }, 'invalid_contents'],
    [{ ...c, timestamp: -1 }, 'invalid_contents'],
    [{ ...c, amountMsat: 0n }, 'invalid_contents'],
    [{ ...c, network: 'litecoin' as never }, 'invalid_contents'],
    [withFields({ kind: 'expiry', value: 1.5 }), 'invalid_contents'],
    [withFields({ kind: 'min_final_cltv_expiry_delta', value: -1 }), 'invalid_contents'],
    [withFields({ kind: 'features', value: [14, 8] }), 'invalid_contents'],
    [withFields({ kind: 'features', value: [8, 8] }), 'invalid_contents'],
    [withFields({ kind: 'features', value: [5115] }), 'field_too_long'],
    [withFields({ kind: 'payment_metadata', value: new Uint8Array(640) }), 'field_too_long'],
    [
      withFields({ kind: 'fallback_address', value: { version: 17, program: new Uint8Array(21) } }),
      'invalid_contents',
    ],
    [
      withFields({ kind: 'fallback_address', value: { version: 19, program: new Uint8Array(20) } }),
      'invalid_contents',
    ],
    [withFields({ kind: 'route_hint', value: [] }), 'invalid_contents'],
    [withFields({ kind: 'route_hint', value: [{ ...hop, feeBaseMsat: 2n ** 32n }] }), 'invalid_contents'],
    [withFields({ kind: 'route_hint', value: [{ ...hop, cltvExpiryDelta: 65536 }] }), 'invalid_contents'],
    [withFields({ kind: 'route_hint', value: [{ ...hop, shortChannelId: 2n ** 64n }] }), 'invalid_contents'],
    [withFields({ kind: 'route_hint', value: Array(13).fill(hop) }), 'field_too_long'],
    // An "unknown" field that a reader would take for a p field, or an f with a known version.
    [withFields({ kind: 'unknown', value: { tag: 1, words: new Uint8Array(52) } }), 'invalid_contents'],
    [withFields({ kind: 'unknown', value: { tag: 9, words: new Uint8Array(33) } }), 'invalid_contents'],
    [withFields({ kind: 'unknown', value: { tag: 32, words: new Uint8Array(0) } }), 'invalid_contents'],
    [withFields({ kind: 'unknown', value: { tag: 0, words: Uint8Array.of(32) } }), 'invalid_contents'],
    [withFields({ kind: 'unknown', value: { tag: 0, words: new Uint8Array(1024) } }), 'field_too_long'],
  ];
  for (const [contents, reason] of cases)
    assert.equal(
      reasonOf(() => encodeInvoice(contents, KEY)),
      reason,
      reason,
    );
  // The boundaries themselves are fine.
  const longest = withFields(
    { kind: 'payment_metadata', value: new Uint8Array(639) },
    { kind: 'route_hint', value: Array(12).fill(hop) },
    { kind: 'features', value: [5114] },
  );
  assert.equal(
    decodeInvoice(encodeInvoice(longest, KEY), { knownFeatureBits: new Set([5114]) }).routeHints[0]!.length,
    12,
  );
});

test('descriptions must be representable in UTF-8', () => {
  assert.equal(
    reasonOf(() => encodeInvoice(buildInvoiceContents({ ...base(), description: 'a\uD800b' }), KEY)),
    'invalid_contents',
  );
  assert.equal(
    reasonOf(() => encodeInvoice(buildInvoiceContents({ ...base(), description: '\uDC00' }), KEY)),
    'invalid_contents',
  );
  const emoji = decodeInvoice(
    encodeInvoice(buildInvoiceContents({ ...base(), description: '\u{1F431}' }), KEY),
  );
  assert.equal(emoji.description, '\u{1F431}');
  assert.equal(
    reasonOf(() => encodeInvoice(buildInvoiceContents({ ...base(), description: 'é'.repeat(320) }), KEY)),
    'field_too_long',
  );
});

test('the private key must be valid and must match an n field', () => {
  const c = buildInvoiceContents(base());
  assert.equal(
    reasonOf(() => encodeInvoice(c, new Uint8Array(32))),
    'invalid_contents',
  );
  assert.equal(
    reasonOf(() => encodeInvoice(c, new Uint8Array(31).fill(1))),
    'invalid_contents',
  );
  const withN = buildInvoiceContents({ ...base(), payeeNodeId: PAYEE });
  assert.equal(
    reasonOf(() => encodeInvoice(withN, new Uint8Array(32).fill(3))),
    'invalid_contents',
  );
});

test('signing elsewhere over invoiceSigningHash gives the same invoice', () => {
  const contents = buildInvoiceContents({ ...params });
  const sig = ecdsaSignRecoverable(invoiceSigningHash(contents), KEY);
  assert.equal(encodeSignedInvoice(contents, sig), encodeInvoice(contents, KEY));
  // A signature by another key is refused when n names the payee.
  const wrong = ecdsaSignRecoverable(invoiceSigningHash(contents), new Uint8Array(32).fill(3));
  assert.equal(
    reasonOf(() => encodeSignedInvoice(contents, wrong)),
    'invalid_signature',
  );
  assert.equal(
    reasonOf(() => encodeSignedInvoice(contents, { ...sig, recoveryId: 4 })),
    'invalid_signature',
  );
});

test('expiry: timestamp plus expiry, with time as an argument', () => {
  const inv = decodeInvoice(encodeInvoice(buildInvoiceContents({ ...base(), expirySeconds: 60 }), KEY));
  assert.equal(invoiceExpiresAt(inv), 1_700_000_060);
  assert.equal(isInvoiceExpired(inv, 1_700_000_059), false);
  assert.equal(isInvoiceExpired(inv, 1_700_000_060), true);
  const dflt = decodeInvoice(encodeInvoice(buildInvoiceContents(base()), KEY));
  assert.equal(invoiceExpiresAt(dflt), 1_700_003_600);
});
