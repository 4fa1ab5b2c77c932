// BOLT 7: the extended gossip query vectors (bolt07/extended-queries.json, loaded as data), address
// descriptors, the signed portions of announcements and updates, and the zlib size limit.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { base32nopad } from '@scure/base';
import {
  bytesToHex,
  concatBytes,
  ecdsaSign,
  ecdsaVerify,
  hexToBytes,
  publicKeyCreate,
  sha256d,
} from '../../src/crypto/index.js';
import {
  type ArrayEncoding,
  addressDescriptors,
  aliasFromString,
  aliasToString,
  type ChannelAnnouncement,
  type ChannelUpdate,
  channelAnnouncementHash,
  channelAnnouncementSignedBytes,
  channelUpdateDirection,
  channelUpdateHash,
  channelUpdateSignedBytes,
  type DecodeError,
  decode,
  decodeMessage,
  EncodeError,
  encode,
  encodeMessage,
  formatAddress,
  gossipSignedBytes,
  isChannelDisabled,
  MAX_INFLATED_BYTES,
  type NodeAddress,
  type NodeAnnouncement,
  nodeAnnouncementHash,
  nodeAnnouncementSignedBytes,
  type WireMessage,
} from '../../src/wire/index.js';

// ---------- extended queries vectors ----------

interface EncodedJson {
  encoding: 'UNCOMPRESSED' | 'COMPRESSED_ZLIB';
}
interface Vector {
  hex: string;
  msg: {
    type: 'QueryChannelRange' | 'ReplyChannelRange' | 'QueryShortChannelIds';
    chainHash: string;
    firstBlockNum?: number;
    numberOfBlocks?: number;
    complete?: number;
    shortChannelIds?: EncodedJson & { array: string[] };
    timestamps?: EncodedJson & { timestamps: { timestamp1: number; timestamp2: number }[] };
    checksums?: { checksums: { checksum1: number; checksum2: number }[] };
    tlvStream?: { records: (string | (EncodedJson & { array: number[] }))[]; unknown: unknown[] };
  };
}

const vectors = JSON.parse(
  readFileSync(new URL('../../../shared/specs/bolts/bolt07/extended-queries.json', import.meta.url), 'utf8'),
) as Vector[];

const encoding = (e: EncodedJson): ArrayEncoding =>
  e.encoding === 'COMPRESSED_ZLIB' ? 'zlib' : 'uncompressed';

/** "block x tx x output" to the u64 short_channel_id. */
function scid(s: string): bigint {
  const [b, t, o] = s.split('x').map(BigInt) as [bigint, bigint, bigint];
  return (b << 40n) | (t << 16n) | o;
}

const QUERY_OPTIONS: Record<string, bigint> = { WANT_TIMESTAMPS: 1n, WANT_CHECKSUMS: 2n };

/** Our message value for a vector's JSON description. */
function expected(v: Vector['msg']): WireMessage {
  const chainHash = hexToBytes(v.chainHash);
  const ids = v.shortChannelIds;
  const encodedShortIds =
    ids === undefined ? undefined : { encoding: encoding(ids), values: ids.array.map(scid) };
  const records = v.tlvStream?.records ?? [];
  switch (v.type) {
    case 'QueryChannelRange': {
      const opt = records[0];
      const flags =
        typeof opt === 'string'
          ? opt.split('|').reduce((acc, name) => acc | (QUERY_OPTIONS[name.trim()] ?? 0n), 0n)
          : undefined;
      return {
        kind: 'query_channel_range',
        chainHash,
        firstBlocknum: v.firstBlockNum ?? 0,
        numberOfBlocks: v.numberOfBlocks ?? 0,
        ...(flags === undefined ? {} : { tlvs: { queryOption: flags } }),
      };
    }
    case 'ReplyChannelRange': {
      const tlvs = {
        ...(v.timestamps === undefined
          ? {}
          : {
              timestampsTlv: {
                encoding: encoding(v.timestamps),
                values: v.timestamps.timestamps.map((t) => ({
                  timestampNodeId1: t.timestamp1,
                  timestampNodeId2: t.timestamp2,
                })),
              },
            }),
        ...(v.checksums === undefined
          ? {}
          : {
              checksumsTlv: v.checksums.checksums.map((c) => ({
                checksumNodeId1: c.checksum1,
                checksumNodeId2: c.checksum2,
              })),
            }),
      };
      return {
        kind: 'reply_channel_range',
        chainHash,
        firstBlocknum: v.firstBlockNum ?? 0,
        numberOfBlocks: v.numberOfBlocks ?? 0,
        syncComplete: v.complete ?? 0,
        encodedShortIds: encodedShortIds ?? { encoding: 'uncompressed', values: [] },
        ...(Object.keys(tlvs).length === 0 ? {} : { tlvs }),
      };
    }
    case 'QueryShortChannelIds': {
      const qf = records[0];
      return {
        kind: 'query_short_channel_ids',
        chainHash,
        encodedShortIds: encodedShortIds ?? { encoding: 'uncompressed', values: [] },
        ...(qf === undefined || typeof qf === 'string'
          ? {}
          : { tlvs: { queryFlags: { encoding: encoding(qf), values: qf.array.map(BigInt) } } }),
      };
    }
  }
}

test('extended queries: every vector decodes to its described value and encodes to its bytes', () => {
  assert.equal(vectors.length, 10);
  const kinds = new Set<string>();
  for (const [i, v] of vectors.entries()) {
    const want = expected(v.msg);
    kinds.add(want.kind);
    const r = decodeMessage(hexToBytes(v.hex));
    if (!r.ok) assert.fail(`vector ${i}: ${r.error.message}`);
    assert.deepStrictEqual(r.value, want, `vector ${i} decodes`);
    assert.equal(bytesToHex(encodeMessage(want)), v.hex, `vector ${i} encodes`);
  }
  assert.deepEqual([...kinds].sort(), [
    'query_channel_range',
    'query_short_channel_ids',
    'reply_channel_range',
  ]);
});

// ---------- encoded arrays: limits and errors ----------

const CHAIN = new Uint8Array(32).fill(6);

function queryWithIds(encodedIds: Uint8Array): Uint8Array {
  const len = new Uint8Array([encodedIds.length >> 8, encodedIds.length & 0xff]);
  return concatBytes(new Uint8Array([0x01, 0x05]), CHAIN, len, encodedIds);
}

function decodeError(bytes: Uint8Array): DecodeError {
  const r = decodeMessage(bytes);
  assert.equal(r.ok, false);
  if (r.ok) throw new Error('unreachable');
  return r.error;
}

test('a zlib bomb is refused before it is inflated past the limit', () => {
  const bomb = Uint8Array.from(deflateSync(new Uint8Array(MAX_INFLATED_BYTES + 8)));
  assert.ok(bomb.length < 1200, 'the bomb is small on the wire');
  const e = decodeError(queryWithIds(concatBytes(new Uint8Array([1]), bomb)));
  assert.equal(e.code, 'too_large');
  assert.match(e.field, /encodedShortIds/);
  // Just under the limit inflates fine.
  const ok = Uint8Array.from(deflateSync(new Uint8Array(MAX_INFLATED_BYTES)));
  const r = decodeMessage(queryWithIds(concatBytes(new Uint8Array([1]), ok)));
  assert.ok(r.ok && r.value.kind === 'query_short_channel_ids');
  assert.equal(r.value.encodedShortIds.values.length, MAX_INFLATED_BYTES / 8);
});

test('bad encoded arrays are typed decode errors', () => {
  assert.equal(decodeError(queryWithIds(new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 1]))).code, 'invalid_value');
  assert.equal(decodeError(queryWithIds(new Uint8Array([1, 0x78, 0x9c, 0x01]))).code, 'invalid_value');
  // Not a whole number of short_channel_ids.
  assert.equal(decodeError(queryWithIds(new Uint8Array([0, 1, 2, 3]))).code, 'eof');
  assert.equal(decodeError(queryWithIds(new Uint8Array([]))).code, 'eof');
});

test('an unknown encoding cannot be encoded', () => {
  const msg = {
    kind: 'query_short_channel_ids',
    chainHash: CHAIN,
    encodedShortIds: { encoding: 'lz4', values: [] },
  } as unknown as WireMessage;
  assert.throws(() => encodeMessage(msg), EncodeError);
});

// ---------- address descriptors ----------

/** A Tor v3 onion service name (56 base32 characters: key, checksum, version). */
const ONION = '2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid';

const ADDRS: NodeAddress[] = [
  { type: 'ipv4', addr: Uint8Array.from([192, 168, 1, 42]), port: 9735 },
  { type: 'ipv6', addr: hexToBytes('20010db8000000000000000000000001'), port: 9736 },
  { type: 'torv3', addr: base32nopad.decode(ONION.toUpperCase()), port: 9737 },
  { type: 'dns', hostname: 'node.example.com', port: 9738 },
];

test('address descriptors: known types decode to typed values and encode back', () => {
  const b = encode(addressDescriptors, ADDRS);
  assert.equal(b.length, 7 + 19 + 38 + (2 + 16 + 2));
  assert.deepEqual([b[0], b[7], b[26], b[64], b[65]], [1, 2, 4, 5, 16]);
  assert.deepStrictEqual(decode(addressDescriptors, b), ADDRS);
  assert.deepEqual(ADDRS.map(formatAddress), [
    '192.168.1.42:9735',
    '[2001:db8:0:0:0:0:0:1]:9736',
    `${ONION}.onion:9737`,
    'node.example.com:9738',
  ]);
});

test('address descriptors: an unknown type keeps the rest byte for byte; so does a truncated one', () => {
  const known = encode(addressDescriptors, ADDRS.slice(0, 1));
  const tail = Uint8Array.from([7, 1, 2, 3, 1, 9, 9, 9, 9, 0x26, 0x07]); // type 7, then an ipv4 we cannot reach
  const b = concatBytes(known, tail);
  const v = decode(addressDescriptors, b);
  assert.deepStrictEqual(v, [ADDRS[0], { type: 'unknown', bytes: tail }]);
  assert.equal(bytesToHex(encode(addressDescriptors, v)), bytesToHex(b));
  assert.equal(formatAddress(v[1] as NodeAddress), undefined);

  const cut = Uint8Array.from([2, 1, 2, 3]); // an ipv6 descriptor with 3 of its 18 bytes
  assert.deepStrictEqual(decode(addressDescriptors, cut), [{ type: 'unknown', bytes: cut }]);
  assert.deepStrictEqual(decode(addressDescriptors, new Uint8Array(0)), []);
});

test('address descriptors: encoding refuses malformed values', () => {
  const unknownFirst: NodeAddress[] = [
    { type: 'unknown', bytes: Uint8Array.from([9]) },
    ADDRS[0] as NodeAddress,
  ];
  assert.throws(() => encode(addressDescriptors, unknownFirst), EncodeError);
  assert.throws(
    () => encode(addressDescriptors, [{ type: 'ipv4', addr: new Uint8Array(5), port: 1 }]),
    EncodeError,
  );
  assert.throws(
    () => encode(addressDescriptors, [{ type: 'ipv4', addr: new Uint8Array(4), port: 65536 }]),
    EncodeError,
  );
  assert.throws(
    () => encode(addressDescriptors, [{ type: 'dns', hostname: 'x'.repeat(256), port: 1 }]),
    EncodeError,
  );
});

// ---------- signed portions ----------

const key = (n: number) => new Uint8Array(32).fill(n);

test('node_announcement: the signature covers everything after it, including unknown extensions', () => {
  const secret = key(1);
  const unsigned: NodeAnnouncement = {
    kind: 'node_announcement',
    signature: new Uint8Array(64),
    features: Uint8Array.from([0x80, 0x00]),
    timestamp: 1_700_000_000,
    nodeId: publicKeyCreate(secret),
    rgbColor: Uint8Array.from([1, 2, 3]),
    alias: aliasFromString('ksnode ⚡'),
    addresses: [...ADDRS, { type: 'unknown', bytes: Uint8Array.from([42, 1, 2]) }],
    tlvs: { unknown: [{ type: 99n, value: Uint8Array.from([7]) }] },
  };
  const msg = { ...unsigned, signature: ecdsaSign(nodeAnnouncementHash(unsigned), secret) };
  const raw = encodeMessage(msg);
  const signed = nodeAnnouncementSignedBytes(msg);
  assert.equal(bytesToHex(signed), bytesToHex(raw.subarray(2 + 64)));
  assert.equal(bytesToHex(gossipSignedBytes(raw) ?? new Uint8Array(0)), bytesToHex(signed));
  assert.equal(signed[signed.length - 1], 7, 'the unknown TLV record is signed too');

  const r = decodeMessage(raw);
  assert.ok(r.ok && r.value.kind === 'node_announcement');
  assert.equal(bytesToHex(encodeMessage(r.value)), bytesToHex(raw), 'decoding keeps every byte');
  assert.ok(ecdsaVerify(r.value.signature, nodeAnnouncementHash(r.value), r.value.nodeId));
  assert.equal(bytesToHex(nodeAnnouncementHash(r.value)), bytesToHex(sha256d(raw.subarray(66))));
  assert.equal(aliasToString(r.value.alias), 'ksnode ⚡');
  // Any change to a signed field breaks the signature.
  assert.ok(
    !ecdsaVerify(r.value.signature, nodeAnnouncementHash({ ...r.value, timestamp: 1 }), r.value.nodeId),
  );
});

test('channel_announcement: four signatures over the bytes from offset 256 after the type', () => {
  const [n1, n2, b1, b2] = [key(2), key(3), key(4), key(5)];
  const unsigned: ChannelAnnouncement = {
    kind: 'channel_announcement',
    nodeSignature1: new Uint8Array(64),
    nodeSignature2: new Uint8Array(64),
    bitcoinSignature1: new Uint8Array(64),
    bitcoinSignature2: new Uint8Array(64),
    features: new Uint8Array(0),
    chainHash: CHAIN,
    shortChannelId: scid('700000x1x0'),
    nodeId1: publicKeyCreate(n1),
    nodeId2: publicKeyCreate(n2),
    bitcoinKey1: publicKeyCreate(b1),
    bitcoinKey2: publicKeyCreate(b2),
  };
  const h = channelAnnouncementHash(unsigned);
  const msg: ChannelAnnouncement = {
    ...unsigned,
    nodeSignature1: ecdsaSign(h, n1),
    nodeSignature2: ecdsaSign(h, n2),
    bitcoinSignature1: ecdsaSign(h, b1),
    bitcoinSignature2: ecdsaSign(h, b2),
  };
  const raw = encodeMessage(msg);
  const signed = channelAnnouncementSignedBytes(msg);
  assert.equal(signed.length, raw.length - 258);
  assert.deepEqual([signed[0], signed[1]], [0, 0], 'starts at the features length');
  assert.equal(bytesToHex(gossipSignedBytes(raw) ?? new Uint8Array(0)), bytesToHex(signed));
  assert.equal(bytesToHex(channelAnnouncementHash(msg)), bytesToHex(h), 'signatures are not covered');
  const r = decodeMessage(raw);
  assert.ok(r.ok && r.value.kind === 'channel_announcement');
  const v = r.value;
  for (const [sig, pub] of [
    [v.nodeSignature1, v.nodeId1],
    [v.nodeSignature2, v.nodeId2],
    [v.bitcoinSignature1, v.bitcoinKey1],
    [v.bitcoinSignature2, v.bitcoinKey2],
  ] as const) {
    assert.ok(ecdsaVerify(sig, channelAnnouncementHash(v), pub));
  }
});

test('channel_update: signed bytes, direction and disable bits', () => {
  const secret = key(6);
  const unsigned: ChannelUpdate = {
    kind: 'channel_update',
    signature: new Uint8Array(64),
    chainHash: CHAIN,
    shortChannelId: scid('800000x2x1'),
    timestamp: 1_700_000_001,
    messageFlags: 1,
    channelFlags: 3,
    cltvExpiryDelta: 144,
    htlcMinimumMsat: 1000n,
    feeBaseMsat: 1000,
    feeProportionalMillionths: 1,
    htlcMaximumMsat: 990_000_000n,
  };
  const msg = { ...unsigned, signature: ecdsaSign(channelUpdateHash(unsigned), secret) };
  const raw = encodeMessage(msg);
  assert.equal(raw.length, 2 + 64 + 32 + 8 + 4 + 1 + 1 + 2 + 8 + 4 + 4 + 8);
  assert.equal(bytesToHex(channelUpdateSignedBytes(msg)), bytesToHex(raw.subarray(66)));
  assert.equal(bytesToHex(gossipSignedBytes(raw) ?? new Uint8Array(0)), bytesToHex(raw.subarray(66)));
  assert.ok(ecdsaVerify(msg.signature, sha256d(raw.subarray(66)), publicKeyCreate(secret)));
  assert.equal(channelUpdateDirection(msg), 1);
  assert.equal(isChannelDisabled(msg), true);
  assert.equal(channelUpdateDirection({ channelFlags: 2 }), 0);
  assert.equal(isChannelDisabled({ channelFlags: 1 }), false);
  // Other messages, and messages too short to hold their signatures, have no signed part.
  assert.equal(gossipSignedBytes(raw.subarray(0, 40)), undefined);
  assert.equal(gossipSignedBytes(Uint8Array.from([0, 18, 0, 0])), undefined);
});

test('alias helpers: padding, trailing zeros and the 32-byte limit', () => {
  const a = aliasFromString('IRATEMONK');
  assert.equal(a.length, 32);
  assert.equal(a[9], 0);
  assert.equal(aliasToString(a), 'IRATEMONK');
  assert.equal(aliasToString(aliasFromString('')), '');
  assert.equal(aliasFromString('é'.repeat(16)).length, 32);
  assert.throws(() => aliasFromString('é'.repeat(17)), EncodeError);
});
