// test/invoice/vectors.test.ts: every example of BOLT 11 ("Examples", "Examples of Invalid Invoices").
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bytesToHex, ecdsaRecover, hexToBytes, publicKeyCreate } from '../../src/crypto/index.js';
import {
  decodeInvoice,
  descriptionHashMatches,
  encodeInvoice,
  encodeSignedInvoice,
  fallbackAddressToString,
  type Invoice,
  InvoiceError,
  invoiceSigningData,
  invoiceSigningHash,
} from '../../src/invoice/index.js';
import { loadFixture, parseShortChannelId, SPEC_PRIVATE_KEY, wordsToChars } from './helpers.js';

interface HopFixture {
  pubkey: string;
  shortChannelId: string;
  feeBaseMsat: number;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
}
interface ValidExample {
  title: string;
  invoice: string;
  network: string;
  amountMsat?: string;
  timestamp: number;
  paymentHash: string;
  paymentSecret: string;
  description?: string;
  descriptionHash?: string;
  hashedDescription?: string;
  paymentMetadata?: string;
  payeeNodeId: string;
  payeeNodeIdRecovered: boolean;
  expirySeconds: number;
  minFinalCltvExpiryDelta: number;
  features: number[];
  fallbackAddresses: string[];
  routeHints: HopFixture[][];
  unknownFields: { tag: string; data: string }[];
  signature?: string;
  recoveryId?: number;
  signingData?: string;
  signingHash?: string;
  reencodesWithKeyTo?: string;
  legacySkipWrongLengthFields?: boolean;
  strictReason?: string;
}
interface InvalidExample {
  title: string;
  invoice: string;
  reason: string;
}

const valid = loadFixture<{ examples: ValidExample[] }>('valid.json').examples;
const invalid = loadFixture<{ examples: InvalidExample[] }>('invalid.json').examples;
const SPEC_PAYEE = bytesToHex(publicKeyCreate(SPEC_PRIVATE_KEY));

function reasonOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InvoiceError) return e.reason;
    throw e;
  }
  return 'accepted';
}

function assertFields(inv: Invoice, ex: ValidExample): void {
  assert.equal(inv.network, ex.network);
  assert.equal(inv.amountMsat, ex.amountMsat === undefined ? undefined : BigInt(ex.amountMsat));
  assert.equal(inv.timestamp, ex.timestamp);
  assert.equal(bytesToHex(inv.paymentHash), ex.paymentHash);
  assert.equal(bytesToHex(inv.paymentSecret), ex.paymentSecret);
  assert.equal(inv.description, ex.description);
  assert.equal(inv.descriptionHash && bytesToHex(inv.descriptionHash), ex.descriptionHash);
  assert.equal(inv.paymentMetadata && bytesToHex(inv.paymentMetadata), ex.paymentMetadata);
  assert.equal(bytesToHex(inv.payeeNodeId), ex.payeeNodeId);
  assert.equal(inv.payeeNodeIdRecovered, ex.payeeNodeIdRecovered);
  assert.equal(inv.expirySeconds, ex.expirySeconds);
  assert.equal(inv.minFinalCltvExpiryDelta, ex.minFinalCltvExpiryDelta);
  assert.deepEqual(inv.features, ex.features);
  assert.deepEqual(
    inv.fallbackAddresses.map((f) => fallbackAddressToString(f, inv.network)),
    ex.fallbackAddresses,
  );
  assert.deepEqual(
    inv.routeHints.map((hint) => hint.map((h) => ({ ...h, pubkey: bytesToHex(h.pubkey) }))),
    ex.routeHints.map((hint) =>
      hint.map((h) => ({
        pubkey: h.pubkey,
        shortChannelId: parseShortChannelId(h.shortChannelId),
        feeBaseMsat: BigInt(h.feeBaseMsat),
        feeProportionalMillionths: h.feeProportionalMillionths,
        cltvExpiryDelta: h.cltvExpiryDelta,
      })),
    ),
  );
  assert.deepEqual(
    inv.unknownFields.map((u) => ({ tag: wordsToChars(Uint8Array.of(u.tag)), data: wordsToChars(u.words) })),
    ex.unknownFields,
  );
  if (ex.signature !== undefined) assert.equal(bytesToHex(inv.signature), ex.signature);
  if (ex.recoveryId !== undefined) assert.equal(inv.recoveryId, ex.recoveryId);
}

describe('BOLT 11 valid examples', () => {
  test('the fixture holds every valid example of the spec', () => {
    assert.equal(valid.length, 16);
  });

  for (const ex of valid) {
    const options = { skipWrongLengthFields: ex.legacySkipWrongLengthFields ?? false };
    const encodeOptions = { allowWrongLengthFields: ex.legacySkipWrongLengthFields ?? false };

    test(`decodes: ${ex.title}`, () => {
      assertFields(decodeInvoice(ex.invoice, options), ex);
    });

    test(`signs what the spec says it signs: ${ex.title}`, () => {
      const inv = decodeInvoice(ex.invoice, options);
      if (ex.signingData !== undefined)
        assert.equal(bytesToHex(invoiceSigningData(inv, encodeOptions)), ex.signingData);
      if (ex.signingHash !== undefined)
        assert.equal(bytesToHex(invoiceSigningHash(inv, encodeOptions)), ex.signingHash);
      // The contents and the signature as decoded give back exactly the string (in lower case).
      assert.equal(encodeSignedInvoice(inv, inv, encodeOptions), ex.invoice.toLowerCase());
    });

    test(`re-encodes with the example key: ${ex.title}`, () => {
      const inv = decodeInvoice(ex.invoice, options);
      assert.equal(encodeInvoice(inv, SPEC_PRIVATE_KEY, encodeOptions), ex.reencodesWithKeyTo ?? ex.invoice);
    });

    if (ex.hashedDescription !== undefined) {
      const text = ex.hashedDescription;
      test(`h field is the hash of the spec's description: ${ex.title}`, () => {
        const inv = decodeInvoice(ex.invoice, options);
        assert.equal(descriptionHashMatches(inv, text), true);
        assert.equal(descriptionHashMatches(inv, `${text}.`), false);
      });
    }

    if (ex.strictReason !== undefined) {
      const expected = ex.strictReason;
      test(`is refused under the current reader rule: ${ex.title}`, () => {
        assert.equal(
          reasonOf(() => decodeInvoice(ex.invoice)),
          expected,
        );
      });
    }
  }

  test('the examples are signed by the key the spec names', () => {
    assert.equal(SPEC_PAYEE, '03e7156ae33b0a208d0744199163177e909e80176e55d97a2f221ede0f934dd9ad');
  });

  test('high-S example: recovery yields the key libsecp256k1 recovers from the spec breakdown', () => {
    const ex = valid.find((e) => e.title.startsWith('Public-key recovery with high-S'))!;
    const fromSpec = ecdsaRecover(hexToBytes(ex.signature!), ex.recoveryId!, hexToBytes(ex.signingHash!));
    assert.ok(fromSpec !== undefined);
    assert.equal(bytesToHex(decodeInvoice(ex.invoice).payeeNodeId), bytesToHex(fromSpec));
    // The same r with the low-S twin is the first example: the malleated signature names another key.
    assert.notEqual(bytesToHex(fromSpec), SPEC_PAYEE);
    assert.equal(ex.reencodesWithKeyTo, valid[0]!.invoice);
  });
});

describe('BOLT 11 invalid examples', () => {
  test('the fixture holds every invalid example of the spec', () => {
    assert.equal(invalid.length, 10);
  });

  for (const ex of invalid) {
    test(`refused with ${ex.reason}: ${ex.title}`, () => {
      assert.equal(
        reasonOf(() => decodeInvoice(ex.invoice)),
        ex.reason,
      );
    });
  }

  test('an unknown even feature is named in the error and accepted when known', () => {
    const ex = invalid.find((e) => e.reason === 'unknown_required_feature')!;
    assert.throws(
      () => decodeInvoice(ex.invoice),
      (e: unknown) => e instanceof InvoiceError && e.field === '9' && /\b100\b/.test(e.message),
    );
    const inv = decodeInvoice(ex.invoice, { knownFeatureBits: new Set([8, 14, 100]) });
    assert.deepEqual(inv.features, [8, 14, 99, 100]);
  });
});
