// CRC32C known answers (RFC 3720 appendix B.4, as data) and the BOLT 7 channel_update checksum.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { concatBytes, hexToBytes } from '../../src/crypto/index.js';
import { channelUpdateChecksum, channelUpdateChecksumOfRaw, crc32c } from '../../src/gossip/index.js';
import { encodeMessage } from '../../src/wire/index.js';
import { signedAnnouncement, signedUpdate, TestNode } from './helpers.js';

interface CrcVector {
  name: string;
  dataHex: string;
  crc: string;
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/gossip/crc32c.json', import.meta.url), 'utf8'),
) as {
  vectors: CrcVector[];
};

test('crc32c matches every known answer', () => {
  assert.equal(fixture.vectors.length, 5);
  for (const v of fixture.vectors) {
    assert.equal(crc32c(hexToBytes(v.dataHex)).toString(16).padStart(8, '0'), v.crc, v.name);
  }
});

test('crc32c can continue over split data', () => {
  const data = hexToBytes(fixture.vectors[2]?.dataHex ?? '');
  for (const cut of [0, 1, 13, 31, 32]) {
    assert.equal(crc32c(data.subarray(cut), crc32c(data.subarray(0, cut))), crc32c(data));
  }
});

const a = new TestNode('alice');
const b = new TestNode('bob');
const ch = signedAnnouncement(a, b, 700_000n << 40n);

test('the channel_update checksum skips signature and timestamp and covers everything else', () => {
  const u1 = signedUpdate(ch, a, { timestamp: 1000 });
  const u2 = signedUpdate(ch, a, { timestamp: 2000 });
  assert.notDeepEqual(u1.signature, u2.signature);
  assert.equal(channelUpdateChecksum(u1), channelUpdateChecksum(u2));
  const raw = encodeMessage(u1);
  // type (2) + signature (64) | chain_hash + scid (40) | timestamp (4) | the rest
  const expected = crc32c(concatBytes(raw.subarray(66, 106), raw.subarray(110)));
  assert.equal(channelUpdateChecksumOfRaw(raw), expected);
  const fee = signedUpdate(ch, a, { timestamp: 1000, feeBaseMsat: 1001 });
  assert.notEqual(channelUpdateChecksum(fee), channelUpdateChecksum(u1));
  const dis = signedUpdate(ch, a, { timestamp: 1000, disabled: true });
  assert.notEqual(channelUpdateChecksum(dis), channelUpdateChecksum(u1));
  assert.throws(() => channelUpdateChecksumOfRaw(raw.subarray(0, 100)), RangeError);
});
