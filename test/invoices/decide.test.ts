// The pure final-hop decision: every keysend rejection with its exact BOLT 4 failure and data,
// keysend without payment_data, shadow-route CLTVs, custom records (odd kept byte-exact, unknown
// even refused, registered even accepted), and the BOLT 11 path (secret, amount, expiry, state,
// multi-part sets, hold, replays).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytesToHex, sha256 } from '../../src/crypto/index.js';
import {
  decideFinalHtlc,
  type FinalHtlcDecision,
  htlcKeyString,
  type KnownInvoice,
  type KnownState,
  receivePolicy,
} from '../../src/invoices/index.js';
import { KNOWN_APP_EVEN_TYPES, parseFinalPayload, WHATSAT } from '../../src/onion/index.js';
import type { InvoiceRecord } from '../../src/store/index.js';
import { finalPayload, finalPayloadAcceptingAllEven, HEIGHT, htlcFor, keysend, utf8 } from './helpers.js';

const policy = receivePolicy();
const NOW = 1_700_000_000_000;
const known: KnownState = { nowMs: NOW };
const U64_MAX = 0xffffffffffffffffn;

function failed(d: FinalHtlcDecision): Extract<FinalHtlcDecision, { kind: 'fail' }> {
  assert.equal(d.kind, 'fail', `expected a failure, got ${d.kind}`);
  return d as Extract<FinalHtlcDecision, { kind: 'fail' }>;
}

function settled(d: FinalHtlcDecision): Extract<FinalHtlcDecision, { kind: 'settle' }> {
  assert.equal(d.kind, 'settle', d.kind === 'fail' ? `failed: ${d.reason}` : `got ${d.kind}`);
  return d as Extract<FinalHtlcDecision, { kind: 'settle' }>;
}

const hexRecords = (m: ReadonlyMap<bigint, Uint8Array>) => [...m].map(([t, v]) => [t, bytesToHex(v)]);

test('keysend without payment_data settles with the sender’s preimage', () => {
  const k = keysend('plain');
  const payload = finalPayload(k.fields);
  assert.equal(payload.paymentSecret, undefined);
  const d = settled(decideFinalHtlc(htlcFor(k.paymentHash), payload, HEIGHT, policy, known));
  assert.deepEqual(d.preimage, k.preimage);
  assert.equal(d.keysend, true);
  assert.equal(d.replay, false);
  assert.equal(d.records.size, 0);
});

test('keysend with a payment_data whose total equals the amount: payment_data is ignored', () => {
  const k = keysend('with data', { paymentData: { paymentSecret: sha256(utf8('s')), totalMsat: 1000n } });
  const d = settled(decideFinalHtlc(htlcFor(k.paymentHash), finalPayload(k.fields), HEIGHT, policy, known));
  assert.deepEqual(d.preimage, k.preimage);
});

test('shadow-route CLTV: a final cltv_expiry far above the minimum and the onion value is accepted', () => {
  const k = keysend('shadow', { outgoingCltvValue: HEIGHT + 40 });
  const htlc = htlcFor(k.paymentHash, { cltvExpiry: HEIGHT + 130 });
  settled(decideFinalHtlc(htlc, finalPayload(k.fields), HEIGHT, policy, known));
  // Exactly height + the minimum delta is still enough; one block less is not.
  const min = policy.keysendMinFinalCltvExpiryDelta;
  const atMin = keysend('at min', { outgoingCltvValue: HEIGHT + min });
  settled(
    decideFinalHtlc(
      htlcFor(atMin.paymentHash, { cltvExpiry: HEIGHT + min }),
      finalPayload(atMin.fields),
      HEIGHT,
      policy,
      known,
    ),
  );
});

test('keysend rejections carry the exact BOLT 4 failure and data', () => {
  const k = keysend('rejections');
  const payload = finalPayload(k.fields);
  const cases: {
    name: string;
    htlc: ReturnType<typeof htlcFor>;
    payload?: ReturnType<typeof finalPayload>;
    policy?: ReturnType<typeof receivePolicy>;
    known?: KnownState;
    expect: Record<string, unknown>;
    reason: RegExp;
  }[] = [
    {
      name: 'keysend disabled',
      htlc: htlcFor(k.paymentHash, { amountMsat: 1234n }),
      policy: receivePolicy({ acceptKeysend: false }),
      expect: { name: 'incorrect_or_unknown_payment_details', htlcMsat: 1234n, height: HEIGHT },
      reason: /disabled/,
    },
    {
      name: 'preimage does not hash to payment_hash',
      htlc: htlcFor(sha256(utf8('some other hash'))),
      expect: { name: 'incorrect_or_unknown_payment_details', htlcMsat: 1000n, height: HEIGHT },
      reason: /preimage/,
    },
    {
      name: 'cltv_expiry below outgoing_cltv_value',
      htlc: htlcFor(k.paymentHash, { cltvExpiry: HEIGHT + 39 }),
      expect: { name: 'final_incorrect_cltv_expiry', cltvExpiry: HEIGHT + 39 },
      reason: /outgoing_cltv_value/,
    },
    {
      name: 'amount below amt_to_forward',
      htlc: htlcFor(k.paymentHash, { amountMsat: 999n }),
      expect: { name: 'final_incorrect_htlc_amount', incomingHtlcAmtMsat: 999n },
      reason: /amt_to_forward/,
    },
    {
      name: 'cltv_expiry too close to the tip',
      htlc: htlcFor(k.paymentHash, { cltvExpiry: HEIGHT + 100 }),
      payload: finalPayload({ ...k.fields, outgoingCltvValue: HEIGHT + 10 }),
      policy: receivePolicy({ keysendMinFinalCltvExpiryDelta: 101 }),
      expect: { name: 'incorrect_or_unknown_payment_details', htlcMsat: 1000n, height: HEIGHT },
      reason: /blocks after height/,
    },
    {
      name: 'below the minimum amount',
      htlc: htlcFor(k.paymentHash),
      policy: receivePolicy({ minKeysendAmountMsat: 1001n }),
      expect: { name: 'incorrect_or_unknown_payment_details', htlcMsat: 1000n, height: HEIGHT },
      reason: /minimum/,
    },
    {
      name: 'multi-part keysend',
      htlc: htlcFor(k.paymentHash),
      payload: finalPayload({
        ...k.fields,
        paymentData: { paymentSecret: sha256(utf8('x')), totalMsat: 2000n },
      }),
      expect: { name: 'incorrect_or_unknown_payment_details', htlcMsat: 1000n, height: HEIGHT },
      reason: /multi-part keysend/,
    },
    {
      name: 'rate limited',
      htlc: htlcFor(k.paymentHash),
      known: { nowMs: NOW, keysendRateLimited: true },
      expect: { name: 'incorrect_or_unknown_payment_details', htlcMsat: 1000n, height: HEIGHT },
      reason: /too many keysend/,
    },
    {
      name: 'records larger than allowed',
      htlc: htlcFor(k.paymentHash),
      payload: finalPayload({ ...k.fields, records: [{ type: 65537n, value: new Uint8Array(11) }] }),
      policy: receivePolicy({ maxCustomRecordsBytes: 10 }),
      expect: { name: 'incorrect_or_unknown_payment_details', htlcMsat: 1000n, height: HEIGHT },
      reason: /11 bytes/,
    },
    {
      name: 'duplicate payment hash',
      htlc: htlcFor(k.paymentHash),
      known: { nowMs: NOW, invoice: storedKeysend(k.paymentHash, k.preimage, ['other:1']) },
      expect: { name: 'incorrect_or_unknown_payment_details', htlcMsat: 1000n, height: HEIGHT },
      reason: /duplicate/,
    },
  ];
  for (const c of cases) {
    const d = failed(
      decideFinalHtlc(c.htlc, c.payload ?? payload, HEIGHT, c.policy ?? policy, c.known ?? known),
    );
    assert.deepEqual(d.failure, c.expect, c.name);
    assert.equal(d.code, c.expect.name, c.name);
    assert.match(d.reason, c.reason, c.name);
    assert.equal(d.failSet, false, c.name);
  }
});

test('custom records: odd types of the whole u64 range are kept byte-exact', () => {
  const records = [
    { type: 65537n, value: utf8('first custom') },
    { type: 696969n, value: utf8('wallet-id') },
    { type: 7629169n, value: utf8('{"action":"boost"}') },
    { type: U64_MAX, value: new Uint8Array(0) },
  ];
  const k = keysend('odd records', { records });
  const d = settled(decideFinalHtlc(htlcFor(k.paymentHash), finalPayload(k.fields), HEIGHT, policy, known));
  assert.deepEqual(
    hexRecords(d.records),
    records.map((r) => [r.type, bytesToHex(r.value)]),
  );
  // Without the preimage record, whose type is even but is how keysend is recognized.
  assert.equal(d.records.has(5482373484n), false);
});

test('an unknown even custom type fails with invalid_onion_payload naming its type and offset', () => {
  const records = [
    { type: 65537n, value: utf8('odd first') },
    { type: 1_000_000n, value: utf8('even, unknown') },
  ];
  const k = keysend('unknown even', { records });
  const payload = finalPayloadAcceptingAllEven(k.fields);
  const d = failed(decideFinalHtlc(htlcFor(k.paymentHash), payload, HEIGHT, policy, known));
  // The onion reader reports the same type and offset for the same payload.
  const reader = parseFinalPayload(payload.raw, KNOWN_APP_EVEN_TYPES, 1);
  assert.equal(reader.ok, false);
  if (reader.ok || reader.error.code !== 'invalid_onion_payload') return;
  assert.deepEqual(d.failure, {
    name: 'invalid_onion_payload',
    type: 1_000_000n,
    offset: reader.error.offset,
  });
  assert.ok(reader.error.offset > 1);
  // A registered even type is accepted and kept.
  const withKnown = receivePolicy({ knownEvenTypes: new Set([1_000_000n]) });
  const ok = settled(decideFinalHtlc(htlcFor(k.paymentHash), payload, HEIGHT, withKnown, known));
  assert.deepEqual(ok.records.get(1_000_000n), utf8('even, unknown'));
  // Whatsat's even message type is known by default.
  const chat = keysend('chat', { records: [{ type: WHATSAT.message, value: utf8('hi') }] });
  const c = settled(
    decideFinalHtlc(htlcFor(chat.paymentHash), finalPayload(chat.fields), HEIGHT, policy, known),
  );
  assert.deepEqual(c.records.get(WHATSAT.message), utf8('hi'));
});

test('property: odd records always survive, any unknown even record always fails with PERM|22', () => {
  const record = fc.record({
    type: fc.bigInt({ min: 65536n, max: U64_MAX }),
    value: fc.uint8Array({ maxLength: 40 }),
  });
  fc.assert(
    fc.property(fc.uniqueArray(record, { selector: (r) => r.type, maxLength: 6 }), (raw) => {
      const records = raw
        .filter((r) => r.type !== 5482373484n && !KNOWN_APP_EVEN_TYPES.has(r.type))
        .sort((a, b) => (a.type < b.type ? -1 : 1));
      const k = keysend('property', { records });
      const payload = finalPayloadAcceptingAllEven(k.fields);
      const d = decideFinalHtlc(htlcFor(k.paymentHash), payload, HEIGHT, policy, known);
      const firstEven = records.find((r) => r.type % 2n === 0n);
      if (firstEven === undefined) {
        assert.equal(d.kind, 'settle');
        if (d.kind === 'settle')
          assert.deepEqual(
            hexRecords(d.records),
            records.map((r) => [r.type, bytesToHex(r.value)]),
          );
      } else {
        assert.equal(d.kind, 'fail');
        if (d.kind === 'fail') {
          assert.equal(d.failure.name, 'invalid_onion_payload');
          if (d.failure.name === 'invalid_onion_payload') assert.equal(d.failure.type, firstEven.type);
        }
      }
    }),
    { numRuns: 150 },
  );
});

test('a replayed keysend HTLC that already settled its invoice settles again; nothing is written', () => {
  const k = keysend('replay');
  const htlc = htlcFor(k.paymentHash);
  const invoice = storedKeysend(k.paymentHash, k.preimage, [htlcKeyString(htlc)]);
  const d = settled(decideFinalHtlc(htlc, finalPayload(k.fields), HEIGHT, policy, { nowMs: NOW, invoice }));
  assert.equal(d.replay, true);
  assert.deepEqual(d.preimage, k.preimage);
});

test('a replayed settled keysend HTLC is claimed even if keysend is now off or the peer is rate limited', () => {
  // Otherwise the recipient would keep a settled invoice for an HTLC it then fails back.
  const k = keysend('replay-policy');
  const htlc = htlcFor(k.paymentHash);
  const invoice = storedKeysend(k.paymentHash, k.preimage, [htlcKeyString(htlc)]);
  const off = { ...policy, acceptKeysend: false };
  assert.equal(
    settled(decideFinalHtlc(htlc, finalPayload(k.fields), HEIGHT, off, { nowMs: NOW, invoice })).replay,
    true,
  );
  const limited = decideFinalHtlc(htlc, finalPayload(k.fields), HEIGHT, policy, {
    nowMs: NOW,
    invoice,
    keysendRateLimited: true,
  });
  assert.equal(settled(limited).replay, true);
  // A different HTLC with that hash is still a duplicate.
  const other = { ...htlc, htlcId: htlc.htlcId + 1n };
  const dup = decideFinalHtlc(other, finalPayload(k.fields), HEIGHT, policy, { nowMs: NOW, invoice });
  assert.equal(dup.kind, 'fail');
});

// ---- BOLT 11 ----------------------------------------------------------------------------------

const preimage = sha256(utf8('bolt11 preimage'));
const paymentHash = sha256(preimage);
const secret = sha256(utf8('bolt11 secret'));

function invoiceOf(
  over: Partial<InvoiceRecord> = {},
  meta: Partial<KnownInvoice['meta']> = {},
): KnownInvoice {
  return {
    record: {
      paymentHash,
      preimage,
      amountMsat: 10_000n,
      amountReceivedMsat: 0n,
      state: 'open',
      keysend: false,
      bolt11: 'lnbcrt...',
      memo: 'coffee',
      createdAt: NOW - 1000,
      settledAt: null,
      expiresAt: NOW + 3_600_000,
      addIndex: 1,
      settleIndex: null,
      customRecords: new Map(),
      ...over,
    },
    meta: { hold: false, mpp: true, paymentSecret: secret, minFinalCltvExpiryDelta: 40, htlcs: [], ...meta },
  };
}

function storedKeysend(hash: Uint8Array, pre: Uint8Array, htlcs: string[]): KnownInvoice {
  const inv = invoiceOf({
    paymentHash: hash,
    preimage: pre,
    keysend: true,
    state: 'settled',
    settleIndex: 1,
  });
  return { record: inv.record, meta: { hold: false, mpp: false, htlcs } };
}

const pay = (over: Partial<Parameters<typeof finalPayload>[0]> = {}) =>
  finalPayload({
    amtToForwardMsat: 10_000n,
    outgoingCltvValue: HEIGHT + 40,
    paymentData: { paymentSecret: secret, totalMsat: 10_000n },
    ...over,
  });
const bolt11Htlc = (over: Parameters<typeof htlcFor>[1] = {}) =>
  htlcFor(paymentHash, { amountMsat: 10_000n, cltvExpiry: HEIGHT + 40, ...over });

test('BOLT 11: a payment of an open invoice settles with the invoice preimage', () => {
  const d = settled(
    decideFinalHtlc(bolt11Htlc(), pay(), HEIGHT, policy, { nowMs: NOW, invoice: invoiceOf() }),
  );
  assert.deepEqual(d.preimage, preimage);
  assert.equal(d.keysend, false);
  // Up to twice the amount is accepted.
  const twice = pay({
    amtToForwardMsat: 20_000n,
    paymentData: { paymentSecret: secret, totalMsat: 20_000n },
  });
  settled(
    decideFinalHtlc(bolt11Htlc({ amountMsat: 20_000n }), twice, HEIGHT, policy, {
      nowMs: NOW,
      invoice: invoiceOf(),
    }),
  );
  // An any-amount invoice takes any amount.
  const any = invoiceOf({ amountMsat: null });
  const small = pay({ amtToForwardMsat: 1n, paymentData: { paymentSecret: secret, totalMsat: 1n } });
  settled(
    decideFinalHtlc(bolt11Htlc({ amountMsat: 1n }), small, HEIGHT, policy, { nowMs: NOW, invoice: any }),
  );
});

test('BOLT 11 rejections: unknown hash, state, expiry, secret, amount, CLTV', () => {
  const perm15 = { name: 'incorrect_or_unknown_payment_details', htlcMsat: 10_000n, height: HEIGHT };
  const cases: {
    name: string;
    known: KnownState;
    payload?: ReturnType<typeof pay>;
    htlc?: ReturnType<typeof bolt11Htlc>;
    reason: RegExp;
    expect?: Record<string, unknown>;
  }[] = [
    { name: 'unknown hash', known: { nowMs: NOW }, reason: /no invoice/ },
    {
      name: 'keysend invoice',
      known: { nowMs: NOW, invoice: storedKeysend(paymentHash, preimage, []) },
      reason: /no invoice/,
    },
    {
      name: 'canceled',
      known: { nowMs: NOW, invoice: invoiceOf({ state: 'canceled' }) },
      reason: /canceled/,
    },
    {
      name: 'already settled',
      known: { nowMs: NOW, invoice: invoiceOf({ state: 'settled' }) },
      reason: /settled/,
    },
    {
      name: 'expired state',
      known: { nowMs: NOW, invoice: invoiceOf({ state: 'expired' }) },
      reason: /expired/,
    },
    { name: 'expired by time', known: { nowMs: NOW + 3_600_000, invoice: invoiceOf() }, reason: /expired/ },
    {
      name: 'missing secret',
      known: { nowMs: NOW, invoice: invoiceOf() },
      payload: finalPayload({ amtToForwardMsat: 10_000n, outgoingCltvValue: HEIGHT + 40 }),
      reason: /missing/,
    },
    {
      name: 'wrong secret',
      known: { nowMs: NOW, invoice: invoiceOf() },
      payload: pay({ paymentData: { paymentSecret: sha256(utf8('wrong')), totalMsat: 10_000n } }),
      reason: /does not match/,
    },
    {
      name: 'amount below the invoice',
      known: { nowMs: NOW, invoice: invoiceOf() },
      payload: pay({ amtToForwardMsat: 9_999n, paymentData: { paymentSecret: secret, totalMsat: 9_999n } }),
      reason: /below the invoice amount/,
    },
    {
      name: 'more than twice the invoice',
      known: { nowMs: NOW, invoice: invoiceOf() },
      htlc: bolt11Htlc({ amountMsat: 20_001n }),
      payload: pay({ amtToForwardMsat: 20_001n, paymentData: { paymentSecret: secret, totalMsat: 20_001n } }),
      reason: /twice/,
      expect: { ...perm15, htlcMsat: 20_001n },
    },
    {
      name: 'cltv below the invoice c',
      known: { nowMs: NOW, invoice: invoiceOf() },
      htlc: bolt11Htlc({ cltvExpiry: HEIGHT + 39 }),
      payload: pay({ outgoingCltvValue: HEIGHT + 39 }),
      reason: /40 blocks/,
    },
    {
      name: 'cltv below the onion value',
      known: { nowMs: NOW, invoice: invoiceOf() },
      htlc: bolt11Htlc({ cltvExpiry: HEIGHT + 50 }),
      payload: pay({ outgoingCltvValue: HEIGHT + 51 }),
      reason: /outgoing_cltv_value/,
      expect: { name: 'final_incorrect_cltv_expiry', cltvExpiry: HEIGHT + 50 },
    },
    {
      name: 'multi-part not offered',
      known: { nowMs: NOW, invoice: invoiceOf({}, { mpp: false }) },
      payload: pay({ amtToForwardMsat: 5_000n }),
      htlc: bolt11Htlc({ amountMsat: 5_000n }),
      reason: /multi-part/,
      expect: { ...perm15, htlcMsat: 5_000n },
    },
  ];
  for (const c of cases) {
    const d = failed(decideFinalHtlc(c.htlc ?? bolt11Htlc(), c.payload ?? pay(), HEIGHT, policy, c.known));
    assert.deepEqual(d.failure, c.expect ?? perm15, c.name);
    assert.match(d.reason, c.reason, c.name);
  }
});

test('BOLT 11 multi-part: parts are accepted until total_msat arrives; a differing total fails the set', () => {
  const invoice = invoiceOf();
  const part = (amt: bigint, total = 10_000n) =>
    pay({ amtToForwardMsat: amt, paymentData: { paymentSecret: secret, totalMsat: total } });
  const first = decideFinalHtlc(bolt11Htlc({ amountMsat: 6_000n }), part(6_000n), HEIGHT, policy, {
    nowMs: NOW,
    invoice,
  });
  assert.equal(first.kind, 'accept_part');
  const set = { totalMsat: 10_000n, receivedMsat: 6_000n, htlcs: new Set(['a:1']), held: false };
  const short = decideFinalHtlc(bolt11Htlc({ amountMsat: 3_999n }), part(3_999n), HEIGHT, policy, {
    nowMs: NOW,
    invoice,
    set,
  });
  assert.equal(short.kind, 'accept_part');
  const last = settled(
    decideFinalHtlc(bolt11Htlc({ amountMsat: 4_000n }), part(4_000n), HEIGHT, policy, {
      nowMs: NOW,
      invoice,
      set,
    }),
  );
  assert.deepEqual(last.preimage, preimage);
  const mismatch = failed(
    decideFinalHtlc(bolt11Htlc({ amountMsat: 4_000n }), part(4_000n, 12_000n), HEIGHT, policy, {
      nowMs: NOW,
      invoice,
      set,
    }),
  );
  assert.equal(mismatch.failSet, true);
  assert.equal(mismatch.code, 'incorrect_or_unknown_payment_details');
  // With multi-part payments off by policy, a part is refused.
  const noMpp = receivePolicy({ acceptMpp: false });
  assert.equal(
    failed(
      decideFinalHtlc(bolt11Htlc({ amountMsat: 6_000n }), part(6_000n), HEIGHT, noMpp, {
        nowMs: NOW,
        invoice,
      }),
    ).code,
    'incorrect_or_unknown_payment_details',
  );
});

test('BOLT 11 hold invoices hold a complete set; replays answer as before', () => {
  const hold = invoiceOf({ preimage: null }, { hold: true });
  const d = decideFinalHtlc(bolt11Htlc(), pay(), HEIGHT, policy, { nowMs: NOW, invoice: hold });
  assert.deepEqual(d, { kind: 'hold', replay: false, records: new Map() });
  const htlc = bolt11Htlc();
  const key = htlcKeyString(htlc);
  const accepted = invoiceOf({ preimage: null, state: 'accepted' }, { hold: true, htlcs: [key] });
  assert.deepEqual(decideFinalHtlc(htlc, pay(), HEIGHT, policy, { nowMs: NOW, invoice: accepted }), {
    kind: 'hold',
    replay: true,
    records: new Map(),
  });
  // Another HTLC for an accepted invoice is refused.
  assert.match(
    failed(decideFinalHtlc(bolt11Htlc(), pay(), HEIGHT, policy, { nowMs: NOW, invoice: accepted })).reason,
    /accepted/,
  );
  const done = invoiceOf({ state: 'settled' }, { htlcs: [key] });
  const again = settled(decideFinalHtlc(htlc, pay(), HEIGHT, policy, { nowMs: NOW, invoice: done }));
  assert.equal(again.replay, true);
  assert.deepEqual(again.preimage, preimage);
});
