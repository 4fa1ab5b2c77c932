// src/tx/keys.ts: BOLT 3 key derivation (per-commitment keys, revocation keys) and the channel
// basepoints derived from a per-channel seed.
import {
  concatBytes,
  hmacSha256,
  isPrivateKey,
  privateKeyTweakAdd,
  privateKeyTweakMul,
  publicKeyCombine,
  publicKeyCreate,
  publicKeyTweakAdd,
  publicKeyTweakMul,
  sha256,
} from '../crypto/index.js';

/**
 * BOLT 3: per_commitment_point = per_commitment_secret * G
 */
export function perCommitmentPoint(perCommitmentSecret: Uint8Array): Uint8Array {
  return publicKeyCreate(perCommitmentSecret);
}

/**
 * BOLT 3: pubkey = basepoint + SHA256(per_commitment_point || basepoint) * G
 * Gives localpubkey, local_htlcpubkey, remote_htlcpubkey, local_delayedpubkey, remote_delayedpubkey.
 */
export function derivePubkey(basepoint: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
  return publicKeyTweakAdd(basepoint, sha256(perCommitmentPoint, basepoint));
}

/**
 * BOLT 3: privkey = basepoint_secret + SHA256(per_commitment_point || basepoint)
 */
export function derivePrivkey(basepointSecret: Uint8Array, perCommitmentPoint: Uint8Array): Uint8Array {
  const basepoint = publicKeyCreate(basepointSecret);
  return privateKeyTweakAdd(basepointSecret, sha256(perCommitmentPoint, basepoint));
}

/**
 * The revocationpubkey of a commitment: neither side can know its private key alone.
 * BOLT 3: revocationpubkey = revocation_basepoint * SHA256(revocation_basepoint || per_commitment_point) + per_commitment_point * SHA256(per_commitment_point || revocation_basepoint)
 */
export function deriveRevocationPubkey(
  revocationBasepoint: Uint8Array,
  perCommitmentPoint: Uint8Array,
): Uint8Array {
  const a = publicKeyTweakMul(revocationBasepoint, sha256(revocationBasepoint, perCommitmentPoint));
  const b = publicKeyTweakMul(perCommitmentPoint, sha256(perCommitmentPoint, revocationBasepoint));
  return publicKeyCombine([a, b]);
}

/**
 * The revocation private key, computable only once the counterparty has revealed
 * `perCommitmentSecret` (revoking that commitment).
 * BOLT 3: revocationprivkey = revocation_basepoint_secret * SHA256(revocation_basepoint || per_commitment_point) + per_commitment_secret * SHA256(per_commitment_point || revocation_basepoint)
 */
export function deriveRevocationPrivkey(
  revocationBasepointSecret: Uint8Array,
  perCommitmentSecret: Uint8Array,
): Uint8Array {
  const revocationBasepoint = publicKeyCreate(revocationBasepointSecret);
  const point = publicKeyCreate(perCommitmentSecret);
  const a = privateKeyTweakMul(revocationBasepointSecret, sha256(revocationBasepoint, point));
  const b = privateKeyTweakMul(perCommitmentSecret, sha256(point, revocationBasepoint));
  return privateKeyTweakAdd(a, b);
}

/** The public basepoints a node announces in open_channel/accept_channel. */
export interface ChannelBasepoints {
  fundingPubkey: Uint8Array;
  revocationBasepoint: Uint8Array;
  paymentBasepoint: Uint8Array;
  delayedPaymentBasepoint: Uint8Array;
  htlcBasepoint: Uint8Array;
}

/** Our secrets for one channel, with the basepoints they give. Never leaves the node. */
export interface ChannelKeys extends ChannelBasepoints {
  fundingPrivkey: Uint8Array;
  revocationBasepointSecret: Uint8Array;
  paymentBasepointSecret: Uint8Array;
  delayedPaymentBasepointSecret: Uint8Array;
  htlcBasepointSecret: Uint8Array;
  /** The shachain seed from which every per_commitment_secret of the channel is generated. */
  perCommitmentSeed: Uint8Array;
}

const KEY_DOMAIN = 'ksnode/channel-keys/v1/';

/** HMAC-SHA256(seed, domain || label || counter): one independent 32-byte value per label. */
function subkey(channelSeed: Uint8Array, label: string, mustBePrivkey: boolean): Uint8Array {
  for (let counter = 0; ; counter++) {
    const tag = new TextEncoder().encode(`${KEY_DOMAIN}${label}`);
    const k = hmacSha256(channelSeed, concatBytes(tag, Uint8Array.of(counter)));
    // A value >= the group order (probability ~2^-128) is skipped deterministically.
    if (!mustBePrivkey || isPrivateKey(k)) return k;
  }
}

/**
 * Derives every channel secret and basepoint from a 32-byte channel seed, deterministically, so
 * a node restored from its seed finds its keys again. Each key comes from a domain-separated
 * HMAC of the seed; the wallet supplies the seed (one per channel, from the BIP 32 master seed).
 */
export function deriveChannelKeys(channelSeed: Uint8Array): ChannelKeys {
  if (channelSeed.length !== 32)
    throw new RangeError(`channel seed must be 32 bytes, got ${channelSeed.length}`);
  const fundingPrivkey = subkey(channelSeed, 'funding', true);
  const revocationBasepointSecret = subkey(channelSeed, 'revocation', true);
  const paymentBasepointSecret = subkey(channelSeed, 'payment', true);
  const delayedPaymentBasepointSecret = subkey(channelSeed, 'delayed_payment', true);
  const htlcBasepointSecret = subkey(channelSeed, 'htlc', true);
  return {
    fundingPrivkey,
    fundingPubkey: publicKeyCreate(fundingPrivkey),
    revocationBasepointSecret,
    revocationBasepoint: publicKeyCreate(revocationBasepointSecret),
    paymentBasepointSecret,
    paymentBasepoint: publicKeyCreate(paymentBasepointSecret),
    delayedPaymentBasepointSecret,
    delayedPaymentBasepoint: publicKeyCreate(delayedPaymentBasepointSecret),
    htlcBasepointSecret,
    htlcBasepoint: publicKeyCreate(htlcBasepointSecret),
    perCommitmentSeed: subkey(channelSeed, 'per_commitment_seed', false),
  };
}

/**
 * The keys of one commitment transaction, named as BOLT 3 names them from the point of view of
 * the commitment's owner ("local") and the other side ("remote").
 */
export interface CommitmentKeys {
  perCommitmentPoint: Uint8Array;
  /** Derived from the remote revocation_basepoint and the owner's per_commitment_point. */
  revocationPubkey: Uint8Array;
  localDelayedPubkey: Uint8Array;
  localHtlcPubkey: Uint8Array;
  remoteHtlcPubkey: Uint8Array;
  /**
   * With option_static_remotekey, the remote payment_basepoint itself.
   * BOLT 3: The `remotepubkey` is simply the remote node's `payment_basepoint`.
   */
  remotePaymentPubkey: Uint8Array;
}

/**
 * Derives the keys of the commitment owned by `local`, for its per_commitment_point.
 * To build the counterparty's commitment, pass the counterparty as `local` and us as `remote`.
 */
export function deriveCommitmentKeys(
  perCommitmentPoint: Uint8Array,
  local: Pick<ChannelBasepoints, 'delayedPaymentBasepoint' | 'htlcBasepoint'>,
  remote: Pick<ChannelBasepoints, 'revocationBasepoint' | 'htlcBasepoint' | 'paymentBasepoint'>,
): CommitmentKeys {
  return {
    perCommitmentPoint,
    revocationPubkey: deriveRevocationPubkey(remote.revocationBasepoint, perCommitmentPoint),
    localDelayedPubkey: derivePubkey(local.delayedPaymentBasepoint, perCommitmentPoint),
    localHtlcPubkey: derivePubkey(local.htlcBasepoint, perCommitmentPoint),
    remoteHtlcPubkey: derivePubkey(remote.htlcBasepoint, perCommitmentPoint),
    remotePaymentPubkey: remote.paymentBasepoint,
  };
}
