// Receiving keysend through the registry over a real SQLite store: the ad-hoc invoice and its
// records, Whatsat sender verification, boost decoding, duplicates, replays after a restart,
// the policy (disabled, unknown even types, registered types) and per-peer rate limits.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { bytesToHex, publicKeyCreate, sha256 } from '../../src/crypto/index.js';
import type { FinalHtlcOutcome, HtlcResolution } from '../../src/invoices/index.js';
import { signSenderRecords, WHATSAT } from '../../src/onion/index.js';
import {
  finalPayload,
  finalPayloadAcceptingAllEven,
  HEIGHT,
  harness,
  htlcFor,
  keysend,
  nodeId,
  otherPeerId,
  utf8,
} from './helpers.js';

const U64_MAX = 0xffffffffffffffffn;
// Offsets in the decrypted stream: the payload's 1-byte length, then type/length/value records:
// amt_to_forward 1000 (tu64, 2 bytes) and outgoing_cltv_value 800040 (tu32, 3 bytes).
const LENGTH_PREFIX = 1;
const AMT_RECORD = 1 + 1 + 2;
const CLTV_RECORD = 1 + 1 + 3;
const senderKey = sha256(utf8('whatsat sender key'));
const senderId = publicKeyCreate(senderKey);

interface BoostFixture {
  records: { type: string; utf8: string }[];
  expect: Record<string, string | number>;
}
const boostFixture = JSON.parse(
  readFileSync(new URL('../fixtures/invoices/boost.json', import.meta.url), 'utf8'),
) as BoostFixture;

function only(outcome: FinalHtlcOutcome): HtlcResolution {
  assert.equal(outcome.resolutions.length, 1);
  return outcome.resolutions[0]!;
}

test('a keysend creates a settled ad-hoc invoice with every record byte-exact', async () => {
  const h = await harness();
  try {
    const records = [
      { type: 65537n, value: utf8('first') },
      { type: 696969n, value: utf8('wallet-id') },
      { type: U64_MAX, value: Uint8Array.of(0, 1, 2, 255) },
    ];
    const k = keysend('adhoc', { amtToForwardMsat: 5000n, records });
    const htlc = htlcFor(k.paymentHash, { amountMsat: 5000n });
    const out = await h.registry.onFinalHtlc(htlc, finalPayload(k.fields), HEIGHT);
    assert.deepEqual(only(out), { kind: 'settle', htlc, preimage: k.preimage });
    const inv = await h.registry.lookup(k.paymentHash);
    assert.ok(inv !== undefined);
    assert.equal(inv.state, 'settled');
    assert.equal(inv.keysend, true);
    assert.equal(inv.hold, false);
    assert.deepEqual(inv.preimage, k.preimage);
    assert.equal(inv.amountReceivedMsat, 5000n);
    assert.equal(inv.createdAt, h.clock.now);
    assert.equal(inv.settledAt, h.clock.now);
    assert.equal(inv.settleIndex, 1);
    assert.equal(inv.bolt11, null);
    assert.equal(inv.app, undefined);
    assert.deepEqual(
      [...inv.customRecords].map(([t, v]) => [t, bytesToHex(v)]),
      records.map((r) => [r.type, bytesToHex(r.value)]),
    );
    assert.deepEqual(out.invoice, inv);
  } finally {
    await h.cleanup();
  }
});

test('Whatsat: a signed sender is verified (DER and compact), a tampered message is not', async () => {
  const h = await harness();
  try {
    const timestampNs = 1_700_000_000_000_000_001n;
    for (const signatureEncoding of ['der', 'compact'] as const) {
      const records = signSenderRecords({
        message: `hello ${signatureEncoding} ⚡`,
        recipientNodeId: nodeId,
        timestampNs,
        senderPrivateKey: senderKey,
        signatureEncoding,
      });
      const k = keysend(`whatsat ${signatureEncoding}`, { records });
      const out = await h.registry.onFinalHtlc(htlcFor(k.paymentHash), finalPayload(k.fields), HEIGHT);
      assert.equal(only(out).kind, 'settle');
      const inv = await h.registry.lookup(k.paymentHash);
      assert.deepEqual(inv?.app, {
        message: `hello ${signatureEncoding} ⚡`,
        senderNodeId: senderId,
        senderVerified: true,
        timestampNs,
      });
      assert.equal(inv?.memo, `hello ${signatureEncoding} ⚡`);
    }
    // Same records with the message changed after signing: shown, but not verified.
    const signed = signSenderRecords({
      message: 'pay me 1 sat',
      recipientNodeId: nodeId,
      timestampNs,
      senderPrivateKey: senderKey,
    });
    const tampered = signed.map((r) =>
      r.type === WHATSAT.message ? { ...r, value: utf8('pay me 1000 sat') } : r,
    );
    const k = keysend('whatsat tampered', { records: tampered });
    await h.registry.onFinalHtlc(htlcFor(k.paymentHash), finalPayload(k.fields), HEIGHT);
    const inv = await h.registry.lookup(k.paymentHash);
    assert.equal(inv?.app?.message, 'pay me 1000 sat');
    assert.deepEqual(inv?.app?.senderNodeId, senderId);
    assert.equal(inv?.app?.senderVerified, false);
    assert.match(inv?.app?.senderUnverifiedReason ?? '', /signature does not match/);
    // Signed for another recipient: not verified here either.
    const elsewhere = signSenderRecords({
      message: 'hi',
      recipientNodeId: otherPeerId,
      timestampNs,
      senderPrivateKey: senderKey,
    });
    const k2 = keysend('whatsat elsewhere', { records: elsewhere });
    await h.registry.onFinalHtlc(htlcFor(k2.paymentHash), finalPayload(k2.fields), HEIGHT);
    assert.equal((await h.registry.lookup(k2.paymentHash))?.app?.senderVerified, false);
    // The verdict is stored: a restarted registry shows the same.
    const again = await h.restart().lookup(k.paymentHash);
    assert.deepEqual(again?.app, inv?.app);
  } finally {
    await h.cleanup();
  }
});

test('a bLIP 10 boost is decoded; its split record is kept byte-exact', async () => {
  const h = await harness();
  try {
    const records = boostFixture.records.map((r) => ({ type: BigInt(r.type), value: utf8(r.utf8) }));
    const k = keysend('boost', { records });
    await h.registry.onFinalHtlc(htlcFor(k.paymentHash), finalPayload(k.fields), HEIGHT);
    const inv = await h.registry.lookup(k.paymentHash);
    const boost = inv?.app?.boost;
    assert.ok(boost !== undefined);
    const e = boostFixture.expect;
    assert.equal(boost.action, e.action);
    assert.equal(boost.podcast, e.podcast);
    assert.equal(boost.feedId, e.feedId);
    assert.equal(boost.ts, e.ts);
    assert.equal(boost.appName, e.appName);
    assert.equal(boost.message, e.message);
    assert.equal(boost.senderName, e.senderName);
    assert.equal(boost.valueMsatTotal, BigInt(e.valueMsatTotal!));
    assert.equal(inv?.memo, e.message);
    assert.equal(inv?.app?.senderVerified, false);
    assert.deepEqual(inv?.customRecords.get(696969n), utf8(boostFixture.records[0]!.utf8));
    assert.deepEqual(inv?.customRecords.get(7629169n), utf8(boostFixture.records[1]!.utf8));
  } finally {
    await h.cleanup();
  }
});

test('duplicate payment hash is refused; the same HTLC replayed after a restart settles again', async () => {
  const h = await harness();
  try {
    const k = keysend('dup');
    const htlc = htlcFor(k.paymentHash);
    const payload = finalPayload(k.fields);
    assert.equal(only(await h.registry.onFinalHtlc(htlc, payload, HEIGHT)).kind, 'settle');
    // A second HTLC with the same hash (another payment reusing the preimage).
    const second = htlcFor(k.paymentHash);
    const dup = only(await h.registry.onFinalHtlc(second, payload, HEIGHT));
    assert.equal(dup.kind, 'fail');
    if (dup.kind === 'fail') {
      assert.deepEqual(dup.failure, {
        name: 'incorrect_or_unknown_payment_details',
        htlcMsat: 1000n,
        height: HEIGHT,
      });
      assert.match(dup.reason, /duplicate/);
    }
    // The first HTLC again, on a fresh registry (after a crash before the fulfill went out).
    const replay = only(await h.restart().onFinalHtlc(htlc, payload, HEIGHT + 5));
    assert.deepEqual(replay, { kind: 'settle', htlc, preimage: k.preimage });
    const all = await h.registry.list();
    assert.equal(all.invoices.length, 1);
    assert.equal(all.invoices[0]?.settleIndex, 1);
  } finally {
    await h.cleanup();
  }
});

test('policy: keysend disabled, unknown even refused with invalid_onion_payload, registered even accepted', async () => {
  const off = await harness({ policy: { acceptKeysend: false } });
  try {
    const k = keysend('off');
    const r = only(await off.registry.onFinalHtlc(htlcFor(k.paymentHash), finalPayload(k.fields), HEIGHT));
    assert.equal(r.kind === 'fail' && r.failure.name, 'incorrect_or_unknown_payment_details');
    assert.equal(await off.registry.lookup(k.paymentHash), undefined);
  } finally {
    await off.cleanup();
  }
  const h = await harness();
  try {
    const type = 4_000_000n;
    const k = keysend('even', { records: [{ type, value: utf8('app data') }] });
    const payload = finalPayloadAcceptingAllEven(k.fields);
    const r = only(await h.registry.onFinalHtlc(htlcFor(k.paymentHash), payload, HEIGHT));
    assert.equal(r.kind, 'fail');
    if (r.kind === 'fail')
      assert.deepEqual(r.failure, {
        name: 'invalid_onion_payload',
        type,
        offset: LENGTH_PREFIX + AMT_RECORD + CLTV_RECORD,
      });
    assert.equal(await h.registry.lookup(k.paymentHash), undefined);
    assert.equal(h.registry.knownEvenTypes.has(type), false);
    h.registry.registerEvenRecordType(type);
    assert.equal(h.registry.knownEvenTypes.has(type), true);
    assert.equal(h.registry.knownEvenTypes.has(WHATSAT.message), true);
    const ok = only(await h.registry.onFinalHtlc(htlcFor(k.paymentHash), payload, HEIGHT));
    assert.equal(ok.kind, 'settle');
    assert.deepEqual((await h.registry.lookup(k.paymentHash))?.customRecords.get(type), utf8('app data'));
    assert.throws(() => h.registry.registerEvenRecordType(4_000_001n), { code: 'invalid_request' });
    assert.throws(() => h.registry.registerEvenRecordType(100n), { code: 'invalid_request' });
  } finally {
    await h.cleanup();
  }
});

test('per-peer keysend rate limit: a burst, then refusals, other peers unaffected, refill over time', async () => {
  const h = await harness({ keysendRateLimit: { burst: 2, perSecond: 1 } });
  try {
    const send = async (label: string, peer?: Uint8Array) => {
      const k = keysend(label);
      const htlc = htlcFor(k.paymentHash, peer === undefined ? {} : { incomingPeer: peer });
      return only(await h.registry.onFinalHtlc(htlc, finalPayload(k.fields), HEIGHT));
    };
    assert.equal((await send('r1')).kind, 'settle');
    assert.equal((await send('r2')).kind, 'settle');
    const third = await send('r3');
    assert.equal(third.kind, 'fail');
    if (third.kind === 'fail') {
      assert.equal(third.failure.name, 'incorrect_or_unknown_payment_details');
      assert.match(third.reason, /too many keysend/);
    }
    assert.equal((await send('r4', otherPeerId)).kind, 'settle');
    h.clock.now += 1000;
    assert.equal((await send('r5')).kind, 'settle');
    assert.equal((await send('r6')).kind, 'fail');
  } finally {
    await h.cleanup();
  }
});
