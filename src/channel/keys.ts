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

/** Our per_commitment_point for commitment number `n`. */
export function localPoint(channelSeed: Uint8Array, n: number): Uint8Array {
  return perCommitmentPoint(localSecret(channelSeed, n));
}
