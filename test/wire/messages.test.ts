// Hand-built BOLT 2 encodings checked field by field (layout, TLV rules, typed errors), and the
// JSON view of messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex, concatBytes, publicKeyCreate } from '../../src/crypto/index.js';
import {
  type CommitmentSigned,
  type DecodeError,
  decodeMessage,
  describeMessage,
  EncodeError,
  encodeMessage,
  FEATURES,
  Features,
  messageType,
  type OpenChannel,
  type UpdateAddHtlc,
  type WireMessage,
  Writer,
} from '../../src/wire/index.js';

const CHANNEL = new Uint8Array(32).fill(0xcc);
const point = (n: number) => publicKeyCreate(new Uint8Array(32).fill(n));
const sig = (n: number) => new Uint8Array(64).fill(n);

/** Builds bytes with a Writer: each test spells out the wire layout it expects. */
function build(f: (w: Writer) => void): Uint8Array {
  const w = new Writer();
  f(w);
  return Uint8Array.from(w.finish());
}

function decoded(bytes: Uint8Array): WireMessage {
  const r = decodeMessage(bytes);
  if (!r.ok) assert.fail(r.error.message);
  assert.notEqual(r.value.kind, 'unknown');
  return r.value as WireMessage;
}

function failure(bytes: Uint8Array): DecodeError {
  const r = decodeMessage(bytes);
  assert.equal(r.ok, false, 'expected a decode error');
  if (r.ok) throw new Error('unreachable');
  return r.error;
}

const openChannel: OpenChannel = {
  kind: 'open_channel',
  chainHash: new Uint8Array(32).fill(1),
  temporaryChannelId: new Uint8Array(32).fill(2),
  fundingSatoshis: 1_000_000n,
  pushMsat: 5n,
  dustLimitSatoshis: 546n,
  maxHtlcValueInFlightMsat: 0xffff_ffff_ffff_ffffn,
  channelReserveSatoshis: 10_000n,
  htlcMinimumMsat: 1n,
  feeratePerKw: 253,
  toSelfDelay: 144,
  maxAcceptedHtlcs: 483,
  fundingPubkey: point(1),
  revocationBasepoint: point(2),
  paymentBasepoint: point(3),
  delayedPaymentBasepoint: point(4),
  htlcBasepoint: point(5),
  firstPerCommitmentPoint: point(6),
  channelFlags: 1,
  tlvs: {
    upfrontShutdownScript: new Uint8Array(0),
    channelType: Features.of([FEATURES.optionStaticRemotekey, 'required']).toBytes(),
  },
};

test('open_channel: layout in spec order, then its TLVs', () => {
  const want = build((w) => {
    w.u16(32);
    w.bytes(openChannel.chainHash);
    w.bytes(openChannel.temporaryChannelId);
    for (const v of [1_000_000n, 5n, 546n, 0xffff_ffff_ffff_ffffn, 10_000n, 1n]) w.u64(v);
    w.u32(253);
    w.u16(144);
    w.u16(483);
    for (let i = 1; i <= 6; i++) w.bytes(point(i));
    w.u8(1);
    w.bytes(Uint8Array.from([0, 0])); // upfront_shutdown_script: type 0, length 0
    w.bytes(Uint8Array.from([1, 2, 0x10, 0x00])); // channel_type: type 1, length 2, bit 12
  });
  assert.equal(bytesToHex(encodeMessage(openChannel)), bytesToHex(want));
  assert.deepStrictEqual(decoded(want), openChannel);
  assert.equal(messageType('open_channel'), 32);
});

test('open_channel: an invalid point is a typed error naming the field', () => {
  const bytes = encodeMessage(openChannel);
  const at = 2 + 32 + 32 + 6 * 8 + 4 + 2 + 2; // funding_pubkey
  const bad = Uint8Array.from(bytes);
  bad[at] = 0x05;
  const e = failure(bad);
  assert.equal(e.code, 'invalid_value');
  assert.equal(e.field, 'open_channel.fundingPubkey');
});

test('TLV rules: unknown even types fail, unknown odd types are kept, order is enforced', () => {
  const base = encodeMessage({ ...openChannel, tlvs: undefined } as WireMessage);
  assert.equal(failure(concatBytes(base, Uint8Array.from([6, 0]))).code, 'tlv_unknown_even');
  const odd = decoded(concatBytes(base, Uint8Array.from([7, 1, 0xaa]))) as OpenChannel;
  assert.deepStrictEqual(odd.tlvs, { unknown: [{ type: 7n, value: Uint8Array.from([0xaa]) }] });
  assert.equal(failure(concatBytes(base, Uint8Array.from([1, 0, 0, 0]))).code, 'tlv_order');
});

test('flag TLVs (require_confirmed_inputs) carry no data', () => {
  const head = build((w) => {
    w.u16(73); // tx_ack_rbf
    w.bytes(CHANNEL);
  });
  const withFlag = concatBytes(
    head,
    Uint8Array.from([0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfc, 0x18, 2, 0]),
  );
  const v = decoded(withFlag);
  assert.deepStrictEqual(v, {
    kind: 'tx_ack_rbf',
    channelId: CHANNEL,
    tlvs: { fundingOutputContribution: -1000n, requireConfirmedInputs: true },
  });
  assert.equal(bytesToHex(encodeMessage(v)), bytesToHex(withFlag));
  assert.equal(failure(concatBytes(head, Uint8Array.from([2, 1, 0]))).code, 'tlv_length');
});

test('update_add_htlc: a 1366-byte onion, and the blinded_path TLV', () => {
  const htlc: UpdateAddHtlc = {
    kind: 'update_add_htlc',
    channelId: CHANNEL,
    id: 7n,
    amountMsat: 42_000n,
    paymentHash: new Uint8Array(32).fill(9),
    cltvExpiry: 800_123,
    onionRoutingPacket: new Uint8Array(1366).fill(3),
    tlvs: { blindedPath: point(7) },
  };
  const bytes = encodeMessage(htlc);
  assert.equal(bytes.length, 2 + 32 + 8 + 8 + 32 + 4 + 1366 + 2 + 33);
  assert.deepStrictEqual(decoded(bytes), htlc);
  assert.throws(() => encodeMessage({ ...htlc, onionRoutingPacket: new Uint8Array(1365) }), EncodeError);
  assert.equal(failure(bytes.subarray(0, 2 + 32 + 8 + 8 + 32 + 4 + 1000)).code, 'eof');
});

test('commitment_signed: a u16 count of HTLC signatures', () => {
  const bytes = build((w) => {
    w.u16(132);
    w.bytes(CHANNEL);
    w.bytes(sig(1));
    w.u16(2);
    w.bytes(sig(2));
    w.bytes(sig(3));
  });
  const v = decoded(bytes) as CommitmentSigned;
  assert.deepStrictEqual(v.htlcSignature, [sig(2), sig(3)]);
  const e = failure(bytes.subarray(0, bytes.length - 1));
  assert.equal(e.code, 'eof');
  assert.equal(e.field, 'commitment_signed.htlcSignature');
});

test('update_fulfill_htlc: attribution data is 20 hold times and 210 four-byte HMACs', () => {
  const msg: WireMessage = {
    kind: 'update_fulfill_htlc',
    channelId: CHANNEL,
    id: 1n,
    paymentPreimage: new Uint8Array(32).fill(4),
    tlvs: {
      attributionData: {
        htlcHoldTimes: Array.from({ length: 20 }, (_, i) => i * 100),
        truncatedHmacs: Array.from({ length: 210 }, (_, i) => Uint8Array.from([i, 0, 0, i])),
      },
    },
  };
  const bytes = encodeMessage(msg);
  // type 1, length 920 as a 3-byte BigSize (0xfd 0x0398)
  assert.equal(bytesToHex(bytes.subarray(2 + 32 + 8 + 32, 2 + 32 + 8 + 32 + 4)), '01fd0398');
  assert.equal(bytes.length, 2 + 32 + 8 + 32 + 4 + 920);
  assert.deepStrictEqual(decoded(bytes), msg);
  const short = Uint8Array.from(bytes.subarray(0, bytes.length - 4));
  short[2 + 32 + 8 + 32 + 3] = 0x94; // length 916: one HMAC short
  assert.equal(failure(short).code, 'tlv_length');
});

test('channel_reestablish: next_funding and my_current_funding_locked TLVs', () => {
  const msg: WireMessage = {
    kind: 'channel_reestablish',
    channelId: CHANNEL,
    nextCommitmentNumber: 5n,
    nextRevocationNumber: 4n,
    yourLastPerCommitmentSecret: new Uint8Array(32),
    myCurrentPerCommitmentPoint: point(8),
    tlvs: {
      nextFunding: { nextFundingTxid: new Uint8Array(32).fill(0x11), retransmitFlags: 1 },
      myCurrentFundingLocked: {
        myCurrentFundingLockedTxid: new Uint8Array(32).fill(0x22),
        retransmitFlags: 0,
      },
    },
  };
  const bytes = encodeMessage(msg);
  const tail = bytes.subarray(2 + 32 + 8 + 8 + 32 + 33);
  assert.equal(bytesToHex(tail.subarray(0, 2)), '0121');
  assert.equal(bytesToHex(tail.subarray(35, 37)), '0521');
  assert.deepStrictEqual(decoded(bytes), msg);
});

test('closing_signed fee_range and closing_complete signatures', () => {
  const cs: WireMessage = {
    kind: 'closing_signed',
    channelId: CHANNEL,
    feeSatoshis: 500n,
    signature: sig(5),
    tlvs: { feeRange: { minFeeSatoshis: 300n, maxFeeSatoshis: 900n } },
  };
  assert.deepStrictEqual(decoded(encodeMessage(cs)), cs);
  const cc: WireMessage = {
    kind: 'closing_complete',
    channelId: CHANNEL,
    closerScriptpubkey: Uint8Array.from([0, 20, ...new Uint8Array(20)]),
    closeeScriptpubkey: Uint8Array.from([0x51, 0x20, ...new Uint8Array(32)]),
    feeSatoshis: 1000n,
    locktime: 800_000,
    tlvs: { closerAndCloseeOutputs: sig(6) },
  };
  const bytes = encodeMessage(cc);
  assert.equal(bytes.length, 2 + 32 + 2 + 22 + 2 + 34 + 8 + 4 + 2 + 64);
  assert.deepStrictEqual(decoded(bytes), cc);
});

test('unknown message types decode as unknown and re-encode unchanged', () => {
  const odd = Uint8Array.from([0x80, 0x01, 1, 2, 3]);
  const r = decodeMessage(odd);
  assert.ok(r.ok);
  assert.deepStrictEqual(r.value, { kind: 'unknown', type: 32769, payload: Uint8Array.from([1, 2, 3]) });
  assert.equal(bytesToHex(encodeMessage(r.value)), '8001010203');
});

test('describeMessage: bigints as decimal strings, bytes as hex, nested values converted', () => {
  const htlc: UpdateAddHtlc = {
    kind: 'update_add_htlc',
    channelId: CHANNEL,
    id: 18446744073709551615n,
    amountMsat: 42_000n,
    paymentHash: new Uint8Array(32).fill(0xab),
    cltvExpiry: 800_123,
    onionRoutingPacket: new Uint8Array(1366),
    tlvs: { unknown: [{ type: 65537n, value: Uint8Array.from([1, 2]) }] },
  };
  const d = describeMessage(htlc);
  assert.equal(d.kind, 'update_add_htlc');
  assert.equal(d.id, '18446744073709551615');
  assert.equal(d.amountMsat, '42000');
  assert.equal(d.cltvExpiry, 800_123);
  assert.equal(d.paymentHash, 'ab'.repeat(32));
  assert.equal(d.onionRoutingPacket, '00'.repeat(1366));
  assert.deepEqual(d.tlvs, { unknown: [{ type: '65537', value: '0102' }] });
  // Plain JSON: stringify and parse give the same object back.
  assert.deepEqual(JSON.parse(JSON.stringify(d)), d);

  const flags = describeMessage({
    kind: 'tx_init_rbf',
    channelId: CHANNEL,
    locktime: 0,
    feerate: 253,
    tlvs: { fundingOutputContribution: -5n, requireConfirmedInputs: true },
  });
  assert.deepEqual(flags.tlvs, { fundingOutputContribution: '-5', requireConfirmedInputs: true });
  assert.deepEqual(describeMessage({ kind: 'unknown', type: 32769, payload: Uint8Array.from([255]) }), {
    kind: 'unknown',
    type: 32769,
    payload: 'ff',
  });
  const ann = describeMessage({
    kind: 'node_announcement',
    signature: sig(0),
    features: new Uint8Array(0),
    timestamp: 1,
    nodeId: point(1),
    rgbColor: Uint8Array.from([255, 0, 0]),
    alias: new Uint8Array(32),
    addresses: [{ type: 'ipv4', addr: Uint8Array.from([127, 0, 0, 1]), port: 9735 }],
  });
  assert.deepEqual(ann.addresses, [{ type: 'ipv4', addr: '7f000001', port: 9735 }]);
  assert.equal(ann.rgbColor, 'ff0000');
});
