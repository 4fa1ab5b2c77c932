// src/gossip/checksum.ts: CRC32C (Castagnoli) and the channel_update checksum of extended gossip
// queries, which lets two nodes tell whether their copies of an update carry the same policy.
import { type ChannelUpdate, encodeMessage } from '../wire/index.js';

/** The reflected Castagnoli polynomial 0x1EDC6F41. */
const POLY_REFLECTED = 0x82f63b78;

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC32C as RFC 3720 (iSCSI) appendix B.4 specifies it; `crc` continues a previous run. */
export function crc32c(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) {
    c = (TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  return ~c >>> 0;
}

/** type (2) + signature (64) */
const SIGNATURE_END = 2 + 64;
/** chain_hash (32) + short_channel_id (8) */
const TIMESTAMP_START = SIGNATURE_END + 32 + 8;
const TIMESTAMP_END = TIMESTAMP_START + 4;

/**
 * The checksum of a raw channel_update (type included). BOLT 7: "The checksum of a
 * `channel_update` is the CRC32C checksum as specified in [RFC3720](https://tools.ietf.org/html/rfc3720#appendix-B.4)
 * of this `channel_update` without its `signature` and `timestamp` fields." Any bytes after
 * `htlc_maximum_msat` are part of the update and are included.
 */
export function channelUpdateChecksumOfRaw(raw: Uint8Array): number {
  if (raw.length < TIMESTAMP_END) throw new RangeError('not a whole channel_update');
  return crc32c(raw.subarray(TIMESTAMP_END), crc32c(raw.subarray(SIGNATURE_END, TIMESTAMP_START)));
}

/** The checksum of a decoded channel_update (see {@link channelUpdateChecksumOfRaw}). */
export function channelUpdateChecksum(update: ChannelUpdate): number {
  return channelUpdateChecksumOfRaw(encodeMessage(update));
}
