// test/invoice/properties.test.ts: round-trips of random field sets; mutated invoices only ever
// fail with InvoiceError, and whatever is accepted re-encodes to exactly the same string.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bech32 } from '@scure/base';
import fc from 'fast-check';
import { isPrivateKey, publicKeyCreate } from '../../src/crypto/index.js';
import {
  decodeInvoice,
  encodeInvoice,
  encodeSignedInvoice,
  type FallbackAddress,
  type InvoiceContents,
  InvoiceError,
  MAX_AMOUNT_MSAT,
  type Network,
  type RouteHintHop,
  type TaggedField,
} from '../../src/invoice/index.js';
import { signHash, signingHash } from '../../src/invoice/signature.js';
import { bytesToWords } from '../../src/invoice/words.js';
import { loadFixture, SPEC_PRIVATE_KEY } from './helpers.js';

const u8 = (minLength: number, maxLength = minLength) => fc.uint8Array({ minLength, maxLength });
const words = (maxLength: number) => fc.uint8Array({ maxLength, max: 31 });
const keyArb = u8(32).filter(isPrivateKey);
const pubkeyArb = keyArb.map(publicKeyCreate);
// Plain objects: fc.record may otherwise build null-prototype ones, which deepStrictEqual tells apart.
const record = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> =>
  fc.record(model, { noNullPrototype: true });
const networkArb = fc.constantFrom<Network>('bitcoin', 'testnet', 'signet', 'regtest');

const hopArb: fc.Arbitrary<RouteHintHop> = record({
  pubkey: pubkeyArb,
  shortChannelId: fc.bigInt(0n, 2n ** 64n - 1n),
  feeBaseMsat: fc.bigInt(0n, 2n ** 32n - 1n),
  feeProportionalMillionths: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  cltvExpiryDelta: fc.integer({ min: 0, max: 0xffff }),
});
const fallbackArb: fc.Arbitrary<FallbackAddress> = fc.oneof(
  record({ version: fc.constantFrom(17, 18), program: u8(20) }),
  record({ version: fc.constant(0), program: fc.oneof(u8(20), u8(32)) }),
  record({ version: fc.integer({ min: 1, max: 16 }), program: u8(2, 40) }),
);
// Types BOLT 11 leaves undefined, and `f` with a version it does not define.
const UNKNOWN_TAGS = [0, 2, 4, 7, 8, 10, 11, 12, 14, 15, 17, 18, 20, 21, 22, 25, 26, 28, 29, 30, 31];
const unknownArb: fc.Arbitrary<TaggedField> = fc
  .oneof(
    record({ tag: fc.constantFrom(...UNKNOWN_TAGS), words: words(80) }),
    record({
      tag: fc.constant(9),
      words: fc.tuple(fc.integer({ min: 19, max: 31 }), words(60)).map(([v, w]) => Uint8Array.of(v, ...w)),
    }),
  )
  .map((value) => ({ kind: 'unknown', value }));
const featuresArb = fc
  .uniqueArray(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 12 })
  .map((a) => a.sort((x, y) => x - y));

interface Generated {
  key: Uint8Array;
  contents: InvoiceContents;
  features: readonly number[];
}

const generatedArb: fc.Arbitrary<Generated> = fc
  .record({
    key: keyArb,
    network: networkArb,
    amountMsat: fc.option(fc.bigInt(1n, MAX_AMOUNT_MSAT), { nil: undefined }),
    timestamp: fc.integer({ min: 0, max: 2 ** 35 - 1 }),
    paymentHash: u8(32),
    paymentSecret: u8(32),
    description: fc.oneof(
      fc
        .string({ unit: 'binary', maxLength: 80 })
        .map((value): TaggedField => ({ kind: 'description', value })),
      u8(32).map((value): TaggedField => ({ kind: 'description_hash', value })),
    ),
    withN: fc.boolean(),
    expiry: fc.option(fc.maxSafeNat(), { nil: undefined }),
    cltv: fc.option(fc.maxSafeNat(), { nil: undefined }),
    metadata: fc.option(u8(0, 100), { nil: undefined }),
    fallbacks: fc.array(fallbackArb, { maxLength: 3 }),
    hints: fc.array(fc.array(hopArb, { minLength: 1, maxLength: 3 }), { maxLength: 2 }),
    features: fc.option(featuresArb, { nil: undefined }),
    unknown: fc.array(unknownArb, { maxLength: 3 }),
  })
  .chain((g) => {
    const fields: TaggedField[] = [
      { kind: 'payment_hash', value: g.paymentHash },
      { kind: 'payment_secret', value: g.paymentSecret },
      g.description,
      ...g.fallbacks.map((value): TaggedField => ({ kind: 'fallback_address', value })),
      ...g.hints.map((value): TaggedField => ({ kind: 'route_hint', value })),
      ...g.unknown,
    ];
    if (g.withN) fields.push({ kind: 'payee_node_id', value: publicKeyCreate(g.key) });
    if (g.expiry !== undefined) fields.push({ kind: 'expiry', value: g.expiry });
    if (g.cltv !== undefined) fields.push({ kind: 'min_final_cltv_expiry_delta', value: g.cltv });
    if (g.metadata !== undefined) fields.push({ kind: 'payment_metadata', value: g.metadata });
    if (g.features !== undefined) fields.push({ kind: 'features', value: g.features });
    return fc.shuffledSubarray(fields, { minLength: fields.length, maxLength: fields.length }).map(
      (taggedFields): Generated => ({
        key: g.key,
        features: g.features ?? [],
        contents: {
          network: g.network,
          ...(g.amountMsat !== undefined ? { amountMsat: g.amountMsat } : {}),
          timestamp: g.timestamp,
          taggedFields,
        },
      }),
    );
  });

function onlyInvoiceErrors(f: () => void): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof InvoiceError)) throw e;
  }
}

test('property: random field sets round-trip through encode and decode', () => {
  fc.assert(
    fc.property(generatedArb, ({ key, contents, features }) => {
      const text = encodeInvoice(contents, key);
      const inv = decodeInvoice(text, { knownFeatureBits: new Set(features) });
      const { network, amountMsat, timestamp, taggedFields } = inv;
      const decoded = {
        network,
        ...(amountMsat !== undefined ? { amountMsat } : {}),
        timestamp,
        taggedFields,
      };
      assert.deepStrictEqual(decoded, contents);
      assert.deepStrictEqual(inv.payeeNodeId, publicKeyCreate(key));
      assert.equal(encodeInvoice(inv, key), text);
      assert.equal(
        decodeInvoice(text.toUpperCase(), { knownFeatureBits: new Set(features) }).timestamp,
        timestamp,
      );
    }),
    { numRuns: 200 },
  );
});

const specInvoices = loadFixture<{ examples: { invoice: string; legacySkipWrongLengthFields?: boolean }[] }>(
  'valid.json',
).examples.map((e) => e.invoice);
const strictSpecInvoices = loadFixture<{
  examples: { invoice: string; legacySkipWrongLengthFields?: boolean }[];
}>('valid.json')
  .examples.filter((e) => e.legacySkipWrongLengthFields !== true)
  .map((e) => e.invoice.toLowerCase());

type CharEdit =
  | { op: 'set'; at: number; ch: string }
  | { op: 'insert'; at: number; ch: string }
  | { op: 'delete'; at: number }
  | { op: 'truncate'; at: number }
  | { op: 'case'; upper: boolean };

const charArb = fc.oneof(
  fc.constantFrom(...'qpzry9x8gf2tvdw0s3jn54khce6mua7l1QPbio'),
  fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }),
);
const charEditArb: fc.Arbitrary<CharEdit> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), ch: charArb }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), ch: charArb }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('case' as const), upper: fc.boolean() }),
);

function applyCharEdit(s: string, e: CharEdit): string {
  if (e.op === 'case') return e.upper ? s.toUpperCase() : s.toLowerCase();
  const at = s.length === 0 ? 0 : e.at % (s.length + 1);
  switch (e.op) {
    case 'set':
      return s.slice(0, at) + e.ch + s.slice(at + 1);
    case 'insert':
      return s.slice(0, at) + e.ch + s.slice(at);
    case 'delete':
      return s.slice(0, at) + s.slice(at + 1);
    case 'truncate':
      return s.slice(0, at);
  }
}

test('property: character-level mutations never throw anything but InvoiceError', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...specInvoices),
      fc.array(charEditArb, { minLength: 1, maxLength: 4 }),
      (start, edits) => {
        const text = edits.reduce(applyCharEdit, start);
        onlyInvoiceErrors(() => decodeInvoice(text));
        onlyInvoiceErrors(() => decodeInvoice(text, { skipWrongLengthFields: true }));
      },
    ),
    { numRuns: 1000 },
  );
});

type WordEdit =
  | { op: 'set'; at: number; w: number }
  | { op: 'insert'; at: number; ws: Uint8Array }
  | { op: 'delete'; at: number; n: number };

const wordEditArb: fc.Arbitrary<WordEdit> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), w: fc.integer({ min: 0, max: 31 }) }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    ws: fc.uint8Array({ minLength: 1, maxLength: 60, max: 31 }),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 60 }) }),
);

function applyWordEdit(w: Uint8Array, e: WordEdit): Uint8Array {
  const at = e.at % (w.length + 1);
  switch (e.op) {
    case 'set':
      return at < w.length ? Uint8Array.from(w, (x, i) => (i === at ? e.w : x)) : w;
    case 'insert':
      return Uint8Array.of(...w.subarray(0, at), ...e.ws, ...w.subarray(at));
    case 'delete':
      return Uint8Array.of(...w.subarray(0, at), ...w.subarray(at + e.n));
  }
}

const HRPS = [
  'lnbc',
  'lntb',
  'lntbs',
  'lnbcrt',
  'lnbc20m',
  'lnbc2500u',
  'lnbc10p',
  'lnbc1p',
  'lnbc0',
  'lnxy',
  'lnbc1x',
  'ln',
];

test('property: word-level mutations behind a valid checksum (and a fresh signature) are refused with InvoiceError or re-encode exactly', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...strictSpecInvoices),
      fc.array(wordEditArb, { minLength: 1, maxLength: 3 }),
      fc.boolean(),
      fc.option(fc.constantFrom(...HRPS), { nil: undefined }),
      fc.boolean(),
      (start, edits, resign, newHrp, skipWrongLength) => {
        const decoded = bech32.decode(start, false);
        const hrp = newHrp ?? decoded.prefix;
        let w = edits.reduce(applyWordEdit, Uint8Array.from(decoded.words));
        if (resign && w.length >= 104) {
          // Sign the mutated data so that decoding gets past the signature to every later rule.
          const data = w.subarray(0, w.length - 104);
          const sig = signHash(signingHash(hrp, data), SPEC_PRIVATE_KEY);
          w = Uint8Array.of(...data, ...bytesToWords(Uint8Array.of(...sig.signature, sig.recoveryId)));
        }
        const text = bech32.encode(hrp, w, false);
        const options = {
          skipWrongLengthFields: skipWrongLength,
          knownFeatureBits: new Set([8, 14, 16, 48, 100]),
        };
        try {
          const inv = decodeInvoice(text, options);
          const encodeOptions = { allowWrongLengthFields: skipWrongLength };
          // Whatever is accepted is kept exactly (HRPS holds only canonical amounts).
          assert.equal(encodeSignedInvoice(inv, inv, encodeOptions), text);
          if (resign) assert.equal(encodeInvoice(inv, SPEC_PRIVATE_KEY, encodeOptions), text);
        } catch (e) {
          if (!(e instanceof InvoiceError)) throw e;
        }
      },
    ),
    { numRuns: 1500 },
  );
});
