// test/invoice/decode.test.ts: the reader rules on hand-crafted invoices the spec has no example for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bech32 } from '@scure/base';
import { bytesToHex, publicKeyCreate } from '../../src/crypto/index.js';
import { decodeInvoice, encodeInvoice, encodeSignedInvoice, InvoiceError } from '../../src/invoice/index.js';
import {
  bytesField,
  charsToWords,
  craftInvoice,
  minimalFields,
  PAYMENT_HASH,
  PAYMENT_SECRET,
  type RawField,
  SPEC_PRIVATE_KEY,
  textField,
} from './helpers.js';

const OTHER_KEY = new Uint8Array(32).fill(7);
const SPEC_PAYEE = publicKeyCreate(SPEC_PRIVATE_KEY);
const words = (...w: number[]): Uint8Array => Uint8Array.from(w);
const zeros = (n: number): Uint8Array => new Uint8Array(n);

function refusal(
  text: string,
  options?: Parameters<typeof decodeInvoice>[1],
): { reason: string; field?: string } {
  try {
    decodeInvoice(text, options);
  } catch (e) {
    if (e instanceof InvoiceError)
      return e.field === undefined ? { reason: e.reason } : { reason: e.reason, field: e.field };
    throw e;
  }
  return { reason: 'accepted' };
}

test('a minimal crafted invoice decodes with the defaults applied', () => {
  const inv = decodeInvoice(craftInvoice(minimalFields(), { timestamp: 1234 }));
  assert.equal(inv.timestamp, 1234);
  assert.equal(inv.amountMsat, undefined);
  assert.deepEqual(inv.paymentHash, PAYMENT_HASH);
  assert.deepEqual(inv.paymentSecret, PAYMENT_SECRET);
  assert.equal(inv.description, 'test');
  assert.equal(inv.expirySeconds, 3600);
  assert.equal(inv.minFinalCltvExpiryDelta, 18);
  assert.deepEqual(inv.features, []);
  assert.deepEqual(inv.payeeNodeId, SPEC_PAYEE);
  assert.equal(inv.payeeNodeIdRecovered, true);
});

test('fixed-length fields of the wrong length fail, or are skipped under the older rule', () => {
  const cases: [RawField, string][] = [
    [['p', zeros(51)], 'p'],
    [['p', zeros(53)], 'p'],
    [['h', zeros(51)], 'h'],
    [['s', zeros(0)], 's'],
    [['n', zeros(52)], 'n'],
    [['n', zeros(54)], 'n'],
  ];
  for (const [field, letter] of cases) {
    const text = craftInvoice([...minimalFields(), field]);
    assert.deepEqual(refusal(text), { reason: 'invalid_field_length', field: letter });
    const inv = decodeInvoice(text, { skipWrongLengthFields: true });
    assert.equal(inv.unknownFields.length, 1);
    assert.deepEqual(inv.unknownFields[0]!.words, field[1]);
  }
  // Skipping the only p leaves none.
  const onlyBadP = craftInvoice([['p', zeros(51)], bytesField('s', PAYMENT_SECRET), textField('d', 'x')]);
  assert.equal(refusal(onlyBadP, { skipWrongLengthFields: true }).reason, 'missing_payment_hash');
});

test('n field: verified instead of recovery; a key that is not a point or did not sign is refused', () => {
  const good = craftInvoice([...minimalFields(), bytesField('n', SPEC_PAYEE)]);
  const inv = decodeInvoice(good);
  assert.equal(inv.payeeNodeIdRecovered, false);
  assert.deepEqual(inv.payeeNodeId, SPEC_PAYEE);
  assert.equal(encodeInvoice(inv, SPEC_PRIVATE_KEY), good);

  const notPoint = Uint8Array.of(2, ...new Uint8Array(32).fill(0xff));
  assert.deepEqual(refusal(craftInvoice([...minimalFields(), bytesField('n', notPoint)])), {
    reason: 'invalid_field',
    field: 'n',
  });
  const otherPayee = publicKeyCreate(OTHER_KEY);
  assert.equal(
    refusal(craftInvoice([...minimalFields(), bytesField('n', otherPayee)])).reason,
    'invalid_signature',
  );
  // Without n the same signature just names the signer.
  assert.equal(
    bytesToHex(decodeInvoice(craftInvoice(minimalFields(), { key: OTHER_KEY })).payeeNodeId),
    bytesToHex(otherPayee),
  );
});

test('signature: recovery id outside 0..3 and out-of-range R are refused', () => {
  for (const recid of [4, 5, 255]) {
    const text = craftInvoice(minimalFields(), {
      editSignature: (s) => Uint8Array.of(...s.subarray(0, 64), recid),
    });
    assert.equal(refusal(text).reason, 'invalid_signature', `recid ${recid}`);
  }
  const rTooBig = craftInvoice([...minimalFields(), bytesField('n', SPEC_PAYEE)], {
    editSignature: (s) => Uint8Array.of(...new Uint8Array(32).fill(0xff), ...s.subarray(32)),
  });
  assert.equal(refusal(rTooBig).reason, 'invalid_signature');
  const zeroSig = craftInvoice(minimalFields(), { editSignature: () => new Uint8Array(65) });
  assert.equal(refusal(zeroSig).reason, 'invalid_signature');
});

test('byte fields must be whole bytes padded with zero bits', () => {
  const p = charsToWords('qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypq');
  const badPad = Uint8Array.from(p);
  badPad[51] = badPad[51]! | 1; // 52 words carry 4 padding bits; set one
  const text = craftInvoice([['p', badPad], bytesField('s', PAYMENT_SECRET), textField('d', 'x')]);
  assert.deepEqual(refusal(text), { reason: 'invalid_field', field: 'p' });
  // 3 words are 15 bits: one byte and 7 bits of padding, more than a writer would ever add.
  assert.deepEqual(refusal(craftInvoice([...minimalFields(), ['m', zeros(3)]])), {
    reason: 'invalid_field',
    field: 'm',
  });
});

test('x, c and 9: values, defaults, minimal encoding', () => {
  const inv = decodeInvoice(
    craftInvoice([...minimalFields(), ['x', words(1, 28)], ['c', words(2)], ['9', words(1, 0)]]),
  );
  assert.equal(inv.expirySeconds, 60);
  assert.equal(inv.minFinalCltvExpiryDelta, 2);
  assert.deepEqual(inv.features, [5]);
  // BOLT 11: SHOULD treat the invoice as invalid.
  for (const letter of ['x', 'c', '9']) {
    const text = craftInvoice([...minimalFields(), [letter, words(0, 1)]]);
    assert.deepEqual(refusal(text), { reason: 'non_minimal_field', field: letter });
  }
  // A zero-length x is the minimal encoding of 0; a zero-length 9 sets no bits.
  const empty = craftInvoice([...minimalFields(), ['x', zeros(0)], ['9', zeros(0)]]);
  const e = decodeInvoice(empty);
  assert.equal(e.expirySeconds, 0);
  assert.deepEqual(e.features, []);
  assert.equal(encodeInvoice(e, SPEC_PRIVATE_KEY), empty);
  // Beyond 2^53 - 1 seconds is refused rather than rounded.
  const huge = craftInvoice([...minimalFields(), ['x', words(1, ...zeros(11))]]);
  assert.deepEqual(refusal(huge), { reason: 'invalid_field', field: 'x' });
  const maxSafe = craftInvoice([...minimalFields(), ['c', words(7, ...new Uint8Array(10).fill(31))]]);
  assert.equal(decodeInvoice(maxSafe).minFinalCltvExpiryDelta, Number.MAX_SAFE_INTEGER);
});

test('field counts: one p, one s, exactly one of d and h, no repeats of single-valued fields', () => {
  const p = bytesField('p', PAYMENT_HASH);
  const s = bytesField('s', PAYMENT_SECRET);
  const d = textField('d', 'x');
  const h = bytesField('h', zeros(32));
  const cases: [RawField[], string, string | undefined][] = [
    [[s, d], 'missing_payment_hash', 'p'],
    [[p, d], 'missing_payment_secret', 's'],
    [[p, s], 'missing_description', undefined],
    [[p, s, d, h], 'conflicting_description', undefined],
    [[p, p, s, d], 'duplicate_field', 'p'],
    [[p, s, s, d], 'duplicate_field', 's'],
    [[p, s, d, d], 'duplicate_field', 'd'],
    [[p, s, d, ['x', words(1)], ['x', words(2)]], 'duplicate_field', 'x'],
    [[p, s, d, ['c', words(1)], ['c', words(1)]], 'duplicate_field', 'c'],
    [[p, s, d, ['9', words(1)], ['9', words(2)]], 'duplicate_field', '9'],
    [[p, s, d, ['m', zeros(0)], ['m', zeros(0)]], 'duplicate_field', 'm'],
  ];
  for (const [fields, reason, field] of cases) {
    assert.deepEqual(
      refusal(craftInvoice(fields)),
      field === undefined ? { reason } : { reason, field },
      reason,
    );
  }
  // f and r may repeat, most preferred first.
  const p2pkh = Uint8Array.of(17, ...charsToWords('x9et2e20v6pu37c5d9vax37wxq72un98'));
  const twoF = decodeInvoice(craftInvoice([p, s, d, ['f', p2pkh], ['f', Uint8Array.of(0, ...zeros(32))]]));
  assert.deepEqual(
    twoF.fallbackAddresses.map((f) => f.version),
    [17, 0],
  );
});

test('truncated fields are refused', () => {
  // A field claiming more words than remain before the signature.
  const long = craftInvoice([...minimalFields(), ['m', zeros(4)]]);
  const { prefix, words: w } = bech32.decode(long, false);
  const lengthAt = w.length - 104 - 4 - 1; // the low word of m's data_length
  const bumped = Uint8Array.from(w);
  bumped[lengthAt] = 5;
  assert.equal(refusal(bech32.encode(prefix, bumped, false)).reason, 'truncated_field');
  // One or two stray words after the last field: no room for a header.
  for (const extra of [1, 2]) {
    const cut = Uint8Array.from([...w.slice(0, w.length - 104), ...zeros(extra), ...w.slice(w.length - 104)]);
    assert.equal(refusal(bech32.encode(prefix, cut, false)).reason, 'truncated_field');
  }
});

test('f field: known versions are checked, unknown versions kept as unknown fields', () => {
  const base = minimalFields();
  const cases: [Uint8Array, string][] = [
    [zeros(0), 'invalid_field'],
    [Uint8Array.of(17, ...zeros(31)), 'invalid_field'], // 155 bits: not 20 bytes (and excess padding)
    [Uint8Array.of(18, ...charsToWords('qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq')), 'invalid_field'],
    [Uint8Array.of(0, ...zeros(34)), 'invalid_field'], // 21-byte v0 program
    [Uint8Array.of(1, ...zeros(2)), 'invalid_field'], // 1-byte v1 program
  ];
  for (const [data, reason] of cases)
    assert.equal(refusal(craftInvoice([...base, ['f', data]])).reason, reason);
  const future = Uint8Array.of(19, ...zeros(32));
  const text = craftInvoice([...base, ['f', future]]);
  const inv = decodeInvoice(text);
  assert.deepEqual(inv.fallbackAddresses, []);
  assert.deepEqual(inv.unknownFields, [{ tag: 9, words: future }]);
  assert.equal(encodeInvoice(inv, SPEC_PRIVATE_KEY), text);
});

test('r field: whole 51-byte hops with valid keys', () => {
  const hop = Uint8Array.of(...SPEC_PAYEE, 0, 0, 0, 1, 0, 0, 2, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 6);
  const inv = decodeInvoice(
    craftInvoice([...minimalFields(), bytesField('r', Uint8Array.of(...hop, ...hop))]),
  );
  assert.equal(inv.routeHints.length, 1);
  assert.deepEqual(inv.routeHints[0]![1], {
    pubkey: SPEC_PAYEE,
    shortChannelId: 0x0000000100000203n,
    feeBaseMsat: 4n,
    feeProportionalMillionths: 5,
    cltvExpiryDelta: 6,
  });
  const bad: Uint8Array[] = [
    new Uint8Array(0),
    hop.subarray(0, 50),
    Uint8Array.of(...hop, 0),
    Uint8Array.of(4, ...hop.subarray(1)),
  ];
  for (const data of bad) {
    assert.deepEqual(refusal(craftInvoice([...minimalFields(), bytesField('r', data)])), {
      reason: 'invalid_field',
      field: 'r',
    });
  }
});

test('d field: UTF-8 is required and kept byte for byte', () => {
  const invalidUtf8 = craftInvoice([
    bytesField('p', PAYMENT_HASH),
    bytesField('s', PAYMENT_SECRET),
    bytesField('d', Uint8Array.of(0xc3, 0x28)),
  ]);
  assert.deepEqual(refusal(invalidUtf8), { reason: 'invalid_field', field: 'd' });
  // A leading byte-order mark is part of the description, not an encoding hint.
  const bom = craftInvoice([
    bytesField('p', PAYMENT_HASH),
    bytesField('s', PAYMENT_SECRET),
    textField('d', '\uFEFFhi\u0000'),
  ]);
  const inv = decodeInvoice(bom);
  assert.equal(inv.description, '\uFEFFhi\u0000');
  assert.equal(encodeInvoice(inv, SPEC_PRIVATE_KEY), bom);
});

test('unknown fields are kept in place and re-encoded unchanged', () => {
  const text = craftInvoice([['z', words(1, 2, 3)], ...minimalFields(), ['l', zeros(0)], ['a', words(31)]]);
  const inv = decodeInvoice(text);
  assert.deepEqual(
    inv.unknownFields.map((u) => u.tag),
    [2, 31, 29],
  );
  assert.equal(inv.taggedFields[0]!.kind, 'unknown');
  assert.equal(encodeInvoice(inv, SPEC_PRIVATE_KEY), text);
  assert.equal(encodeSignedInvoice(inv, inv), text);
});

test('unknown odd feature bits are ignored, unknown even bits refused', () => {
  const known = decodeInvoice(craftInvoice([...minimalFields(), ['9', words(2, 0, 0, 0)]])); // basic_mpp
  assert.deepEqual(known.features, [16]);
  const bit101 = decodeInvoice(craftInvoice([...minimalFields(), ['9', Uint8Array.of(2, ...zeros(20))]]));
  assert.deepEqual(bit101.features, [101]);
  const bit102 = craftInvoice([...minimalFields(), ['9', Uint8Array.of(4, ...zeros(20))]]);
  assert.deepEqual(refusal(bit102), { reason: 'unknown_required_feature', field: '9' });
  assert.deepEqual(decodeInvoice(bit102, { knownFeatureBits: new Set([102]) }).features, [102]);
});

test('bech32 envelope errors', () => {
  const good = craftInvoice(minimalFields());
  const cases: [string, string][] = [
    ['', 'bech32_malformed'],
    ['lnbc1', 'bech32_malformed'],
    [`1${good.slice(5)}`, 'bech32_malformed'], // empty hrp
    [good.replace('lnbc1', 'lnbc\u00e91'), 'bech32_malformed'],
    [`${good} `, 'bech32_malformed'],
    [`${good.slice(0, -1)}b`, 'bech32_malformed'], // b is not in the alphabet
    [`${good.slice(0, 20)}${good[20] === 'q' ? 'p' : 'q'}${good.slice(21)}`, 'bech32_checksum'],
    [`${good.slice(0, 10)}${good.slice(10).toUpperCase()}`, 'bech32_malformed'],
  ];
  for (const [text, reason] of cases)
    assert.equal(refusal(text).reason, reason, JSON.stringify(text.slice(0, 12)));
  assert.equal(decodeInvoice(good.toUpperCase()).description, 'test');
  assert.equal(refusal(craftInvoice(minimalFields(), { hrp: 'lnxy' })).reason, 'unknown_prefix');
  assert.equal(refusal(craftInvoice(minimalFields(), { hrp: 'bc' })).reason, 'unknown_prefix');
  assert.equal(refusal(decodeInvoiceArgument()).reason, 'bech32_malformed');
});

// Untrusted callers (JSON bodies) may hand over a non-string.
function decodeInvoiceArgument(): string {
  return 42 as unknown as string;
}

test('signature and semantic checks come after the structure is known good', () => {
  // A structural error wins over a bad signature: the reason names the real problem.
  const text = craftInvoice([...minimalFields(), ['p', zeros(10)]], {
    editSignature: () => new Uint8Array(65),
  });
  assert.equal(refusal(text).reason, 'invalid_field_length');
  // A bad signature wins over a missing field: an unsigned invoice says nothing about its payee.
  const unsigned = craftInvoice([bytesField('p', PAYMENT_HASH)], { editSignature: () => new Uint8Array(65) });
  assert.equal(refusal(unsigned).reason, 'invalid_signature');
});
