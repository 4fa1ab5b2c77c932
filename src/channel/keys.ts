// src/channel/keys.ts: our channel keys and per-commitment secrets, derived from the channel seed.
import { bytesToHex } from '../crypto/index.js';
import { type ChannelKeys, deriveChannelKeys, perCommitmentPoint, perCommitmentSecret } from '../tx/index.js';

// Deriving the keys costs a handful of EC multiplications; memoize by seed (a pure cache).
const cache = new Map<string, ChannelKeys>();
const CACHE_LIMIT = 256;

/** Every key of ours for the channel with this seed. */
export function channelKeys(channelSeed: Uint8Array): ChannelKeys {
  const k = bytesToHex(channelSeed);
  let keys = cache.get(k);
  if (keys === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    keys = deriveChannelKeys(channelSeed);
    cache.set(k, keys);
  }
  return keys;
}

/** Our per_commitment_secret for commitment number `n`. */
export function localSecret(channelSeed: Uint8Array, n: number): Uint8Array {
  return perCommitmentSecret(channelKeys(channelSeed).perCommitmentSeed, n);
}

// Each commitment number's point is wanted several times (when we announce it in a
// revoke_and_ack, when the peer's commitment_signed for it is checked, to retransmit): a point
// costs up to 48 hashes and an EC multiplication. A pure cache of the latest few per channel.
const points = new Map<string, Uint8Array>();
const POINT_LIMIT = 4096;

/** Our per_commitment_point for commitment number `n`. */
export function localPoint(channelSeed: Uint8Array, n: number): Uint8Array {
  const k = `${bytesToHex(channelSeed)}:${n}`;
  let point = points.get(k);
  if (point === undefined) {
    if (points.size >= POINT_LIMIT) points.clear();
    point = perCommitmentPoint(localSecret(channelSeed, n));
    points.set(k, point);
  }
  return Uint8Array.from(point);
}
