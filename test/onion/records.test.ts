// Keysend app records: Whatsat signed sender records and bLIP 10 podcast JSON.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ecdsaSign, hexToBytes, publicKeyCreate, sha256, signatureToDer } from '../../src/crypto/index.js';
import {
  chatMessage,
  decodePodcastRecord,
  senderSignedData,
  signSenderRecords,
  verifySenderRecords,
  WHATSAT,
} from '../../src/onion/index.js';
import { encode, u64 } from '../../src/wire/index.js';

const senderKey = sha256(new TextEncoder().encode('whatsat sender'));
const sender = publicKeyCreate(senderKey);
const recipient = publicKeyCreate(sha256(new TextEncoder().encode('whatsat recipient')));
const other = publicKeyCreate(sha256(new TextEncoder().encode('someone else')));
const timestampNs = 1_700_000_000_123_456_789n;

const asMap = (records: { type: bigint; value: Uint8Array }[]) =>
  new Map(records.map((r) => [r.type, r.value]));

test('Whatsat: signed sender records verify, in both signature encodings', () => {
  for (const signatureEncoding of ['der', 'compact'] as const) {
    const records = signSenderRecords({
      message: 'gm ⚡',
      recipientNodeId: recipient,
      timestampNs,
      senderPrivateKey: senderKey,
      signatureEncoding,
    });
    assert.deepEqual(
      records.map((r) => r.type),
      [WHATSAT.message, WHATSAT.signature, WHATSAT.senderNodeId, WHATSAT.timestamp],
    );
    const m = asMap(records);
    assert.deepEqual(m.get(WHATSAT.senderNodeId), sender);
    assert.deepEqual(m.get(WHATSAT.timestamp), encode(u64, timestampNs));
    const sig = m.get(WHATSAT.signature) as Uint8Array;
    if (signatureEncoding === 'der') assert.equal(sig[0], 0x30);
    else assert.equal(sig.length, 64);
    assert.equal(chatMessage(m), 'gm ⚡');
    const v = verifySenderRecords(m, recipient);
    assert.equal(v.kind, 'verified');
    if (v.kind !== 'verified') return;
    assert.deepEqual(v.senderNodeId, sender);
    assert.equal(v.timestampNs, timestampNs);
    assert.deepEqual(v.message, new TextEncoder().encode('gm ⚡'));
  }
});

test('Whatsat: the signed bytes are sender || recipient || timestamp || message, over one SHA-256', () => {
  const message = new TextEncoder().encode('hi');
  const data = senderSignedData(sender, recipient, 5n, message);
  assert.equal(data.length, 33 + 33 + 8 + 2);
  assert.deepEqual(data.subarray(66, 74), hexToBytes('0000000000000005'));
  // A signature made independently over that digest (as lnd's SignMessage does) verifies.
  const compact = ecdsaSign(sha256(data), senderKey);
  for (const sig of [compact, signatureToDer(compact)]) {
    const records = new Map([
      [WHATSAT.message, message],
      [WHATSAT.senderNodeId, sender],
      [WHATSAT.signature, sig],
      [WHATSAT.timestamp, encode(u64, 5n)],
    ]);
    assert.equal(verifySenderRecords(records, recipient).kind, 'verified');
  }
});

test('Whatsat: tampered records, another recipient or a bad signature do not verify', () => {
  const base = asMap(
    signSenderRecords({
      message: 'pay me back',
      recipientNodeId: recipient,
      timestampNs,
      senderPrivateKey: senderKey,
    }),
  );
  const tamper = (type: bigint, value: Uint8Array) => {
    const m = new Map(base);
    m.set(type, value);
    return verifySenderRecords(m, recipient);
  };
  assert.equal(tamper(WHATSAT.message, new TextEncoder().encode('pay me back!')).kind, 'invalid');
  assert.equal(tamper(WHATSAT.timestamp, encode(u64, timestampNs + 1n)).kind, 'invalid');
  assert.equal(tamper(WHATSAT.senderNodeId, other).kind, 'invalid');
  assert.equal(verifySenderRecords(base, other).kind, 'invalid');
  const badSig = tamper(WHATSAT.signature, Uint8Array.of(0x30, 0x01, 0x02));
  assert.deepEqual(badSig, { kind: 'invalid', reason: 'signature is neither 64-byte nor DER' });
  assert.equal(tamper(WHATSAT.senderNodeId, new Uint8Array(33)).kind, 'invalid');
  assert.equal(tamper(WHATSAT.timestamp, Uint8Array.of(1)).kind, 'invalid');
  const unsigned = new Map(base);
  unsigned.delete(WHATSAT.signature);
  assert.deepEqual(verifySenderRecords(unsigned, recipient), { kind: 'unsigned' });
  assert.equal(chatMessage(new Map([[WHATSAT.message, Uint8Array.of(0xff)]])), undefined);
});

test('bLIP 10: the sample record parses into typed fields, keeping the raw bytes', () => {
  const sample = JSON.parse(
    readFileSync(new URL('../fixtures/onion/blip10-sample.json', import.meta.url), 'utf8'),
  ) as { json: string; hex: string };
  const raw = hexToBytes(sample.hex);
  const r = decodePodcastRecord(raw);
  assert.ok(r.ok);
  if (!r.ok) return;
  const p = r.value;
  assert.equal(p.appName, 'Castamatic');
  assert.equal(p.appVersion, '8.0.6');
  assert.equal(p.valueMsatTotal, 49960n);
  assert.equal(p.valueMsat, 97940n);
  assert.equal(p.url, 'https://feeds.buzzsprout.com/1844352.rss');
  assert.equal(p.podcast, 'Mere Mortals');
  assert.equal(p.action, 'stream');
  assert.equal(p.episode, "The Art Of NFT's & Aimless Wandering");
  assert.equal(p.episodeGuid, 'Buzzsprout-9931017');
  assert.equal(p.ts, 574);
  assert.equal(p.name, 'Podcaster');
  assert.equal(p.senderName, 'Peter');
  assert.deepEqual(p.raw, raw);
  assert.deepEqual(p.fields, JSON.parse(sample.json));
});

test('bLIP 10: loose types are converted, junk is refused without throwing', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const r = decodePodcastRecord(enc('{"feedID":"920666","speed":1.5,"ts":-1,"message":7,"custom":true}'));
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.equal(r.value.feedId, 920666);
  assert.equal(r.value.speed, '1.5');
  assert.equal(r.value.ts, undefined);
  assert.equal(r.value.message, '7');
  assert.equal(r.value.fields.custom, true);
  assert.deepEqual(decodePodcastRecord(enc('[1,2]')), { ok: false, reason: 'not a JSON object' });
  assert.deepEqual(decodePodcastRecord(enc('{"a":')), { ok: false, reason: 'not valid JSON' });
  assert.deepEqual(decodePodcastRecord(Uint8Array.of(0xc3)), { ok: false, reason: 'not valid UTF-8' });
});
