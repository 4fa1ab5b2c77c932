// BOLT 4 "Packet Construction", "Shared Secret", "Blinding Ephemeral Onion Keys" and
// "Filler Generation": building a version 0 onion for a route, at the origin node.
import {
  CryptoError,
  concatBytes,
  ecdh,
  hmacSha256,
  isPrivateKey,
  privateKeyTweakMul,
  publicKeyCreate,
  sha256,
} from '../crypto/index.js';
import { bigSizeLength, Writer, writeBigSize } from '../wire/index.js';
import { generateCipherStream, generateKey, xorInto } from './keys.js';

/** The version byte this implementation builds and accepts. */
export const ONION_VERSION = 0;
/** BOLT 4: "a 1300-byte `hop_payloads`". */
export const HOP_PAYLOADS_SIZE = 1300;
export const HMAC_SIZE = 32;
/** version (1) + public_key (33) + hop_payloads (1300) + hmac (32). */
export const ONION_PACKET_SIZE = 1 + 33 + HOP_PAYLOADS_SIZE + HMAC_SIZE;
/**
 * The longest route we build. BOLT 4 has the origin decrypt failures "until the loop has been
 * repeated 27 times (maximum route length of tlv payload type)".
 */
export const MAX_HOPS = 27;

/** Thrown when the caller asks for an onion that cannot exist (a bug in route building, not input). */
export class OnionBuildError extends Error {
  override name = 'OnionBuildError';
}

/** One hop of a route to build an onion for. */
export interface OnionHop {
  /** The hop's node id (33-byte compressed public key). */
  nodeId: Uint8Array;
  /** The hop's `payload` TLV stream, without its BigSize length prefix (see encodeHopPayload). */
  payload: Uint8Array;
}

export interface BuiltOnion {
  /** The 1366-byte `onion_routing_packet` for the first hop. */
  packet: Uint8Array;
  /** The shared secret with each hop, in route order: keep them to decrypt a returned failure. */
  sharedSecrets: Uint8Array[];
}

/**
 * The bytes a hop takes in `hop_payloads`: its BigSize length, the payload and the next HMAC.
 * BOLT 4: "the `shift_size` is `1 + l + 32` for `l < 253`, otherwise `3 + l + 32`"
 */
export function hopShiftSize(payloadLength: number): number {
  return bigSizeLength(BigInt(payloadLength)) + payloadLength + HMAC_SIZE;
}

/** The bytes a route's payloads take in `hop_payloads`; an onion can be built iff this is <= 1300. */
export function hopPayloadsLength(payloads: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of payloads) n += hopShiftSize(p.length);
  return n;
}

/**
 * The sender's side of the Sphinx key schedule: for each hop, the ECDH shared secret and the
 * ephemeral public key that hop will see. Each step costs one ECDH and one base-point
 * multiplication: the next ephemeral private key is the current one times the blinding factor (a
 * scalar product, ~1 µs), so no hop ever repeats the chain of earlier multiplications.
 */
export function onionKeySchedule(
  sessionKey: Uint8Array,
  hopNodeIds: readonly Uint8Array[],
): { sharedSecrets: Uint8Array[]; ephemeralKeys: Uint8Array[] } {
  if (!isPrivateKey(sessionKey))
    throw new OnionBuildError('session key is not a valid secp256k1 private key');
  const sharedSecrets: Uint8Array[] = [];
  const ephemeralKeys: Uint8Array[] = [];
  let ek = sessionKey;
  let epk = publicKeyCreate(ek);
  for (let i = 0; i < hopNodeIds.length; i++) {
    // BOLT 4: "The sender executes ECDH with the hop's public key and the ephemeral private"
    let ss: Uint8Array;
    try {
      ss = ecdh(hopNodeIds[i] as Uint8Array, ek);
    } catch (e) {
      if (!(e instanceof CryptoError)) throw e;
      throw new OnionBuildError(`hop ${i}: node id is not a valid public key`);
    }
    sharedSecrets.push(ss);
    ephemeralKeys.push(epk);
    if (i === hopNodeIds.length - 1) break;
    // BOLT 4: "The blinding factor is the `SHA256` hash of the concatenation between the"
    // ephemeral public key and the shared secret.
    const blindingFactor = sha256(epk, ss);
    ek = privateKeyTweakMul(ek, blindingFactor);
    epk = publicKeyCreate(ek);
  }
  return { sharedSecrets, ephemeralKeys };
}

/** The shared secrets of a route (to decrypt a failure returned for an onion built earlier). */
export function onionSharedSecrets(sessionKey: Uint8Array, hopNodeIds: readonly Uint8Array[]): Uint8Array[] {
  return onionKeySchedule(sessionKey, hopNodeIds).sharedSecrets;
}

/**
 * BOLT 4 "Filler Generation": the tail that hops 0..n-2 will have appended (and obfuscated) by
 * the time the packet reaches the last hop, so that the origin can compute the last hop's HMAC.
 * Built incrementally: each forwarding hop appends `shift` zero bytes and XORs its rho stream over
 * the whole tail, which sits at offset 1300 - (tail length) of its 2 × 1300-byte stream.
 */
function generateFiller(sharedSecrets: readonly Uint8Array[], shifts: readonly number[]): Uint8Array {
  let filler = new Uint8Array(0);
  for (let i = 0; i < sharedSecrets.length - 1; i++) {
    const shift = shifts[i] as number;
    const grown = new Uint8Array(filler.length + shift);
    grown.set(filler);
    const stream = generateCipherStream(
      generateKey('rho', sharedSecrets[i] as Uint8Array),
      HOP_PAYLOADS_SIZE + shift,
    );
    xorInto(grown, stream.subarray(HOP_PAYLOADS_SIZE - filler.length));
    filler = grown;
  }
  return filler;
}

/**
 * Builds a version 0 onion (BOLT 4 "Packet Construction") for `hops`, in route order (first hop
 * first, the final node last). `sessionKey` must be fresh randomness for every onion (the caller
 * supplies it: this function is pure). `associatedData` is the payment hash for an HTLC onion.
 * Throws OnionBuildError if the route has no hops, more than 27, a payload shorter than two bytes,
 * or payloads that do not fit the 1300 bytes of `hop_payloads`.
 */
export function buildOnion(
  hops: readonly OnionHop[],
  sessionKey: Uint8Array,
  associatedData: Uint8Array,
): BuiltOnion {
  if (hops.length === 0) throw new OnionBuildError('a route needs at least one hop');
  if (hops.length > MAX_HOPS) {
    throw new OnionBuildError(`a route has at most ${MAX_HOPS} hops, got ${hops.length}`);
  }
  const shifts: number[] = [];
  for (const [i, h] of hops.entries()) {
    // BOLT 4: "Since no `payload` TLV value can ever be shorter than 2 bytes, `length` values of 0 and 1 are reserved."
    if (h.payload.length < 2) {
      throw new OnionBuildError(`hop ${i}: a payload is at least 2 bytes, got ${h.payload.length}`);
    }
    shifts.push(hopShiftSize(h.payload.length));
  }
  const total = shifts.reduce((a, b) => a + b, 0);
  if (total > HOP_PAYLOADS_SIZE) {
    throw new OnionBuildError(
      `the hop payloads need ${total} bytes but an onion holds ${HOP_PAYLOADS_SIZE}: ` +
        'use fewer hops or smaller payloads (custom records, payment_metadata)',
    );
  }

  const { sharedSecrets, ephemeralKeys } = onionKeySchedule(
    sessionKey,
    hops.map((h) => h.nodeId),
  );
  const filler = generateFiller(sharedSecrets, shifts);

  // BOLT 4: "The packet is initialized with 1300 _random_ bytes derived from a CSPRNG"
  // keyed by the _pad_ key of the session key, so the construction stays deterministic.
  let mixHeader = generateCipherStream(generateKey('pad', sessionKey), HOP_PAYLOADS_SIZE);
  let nextHmac: Uint8Array = new Uint8Array(HMAC_SIZE);
  for (let i = hops.length - 1; i >= 0; i--) {
    const ss = sharedSecrets[i] as Uint8Array;
    const shift = shifts[i] as number;
    const payload = (hops[i] as OnionHop).payload;
    // BOLT 4: "The `hop_payload` field is right-shifted by `shift_size` bytes, discarding the last `shift_size`"
    const shifted = new Uint8Array(HOP_PAYLOADS_SIZE);
    shifted.set(mixHeader.subarray(0, HOP_PAYLOADS_SIZE - shift), shift);
    const w = new Writer(shift);
    writeBigSize(w, BigInt(payload.length));
    w.bytes(payload);
    w.bytes(nextHmac);
    shifted.set(w.finish(), 0);
    xorInto(shifted, generateCipherStream(generateKey('rho', ss), HOP_PAYLOADS_SIZE));
    // BOLT 4: "If this is the last hop, i.e. the first iteration, then the tail of the"
    // hop_payloads is overwritten with the filler.
    if (i === hops.length - 1) shifted.set(filler, HOP_PAYLOADS_SIZE - filler.length);
    mixHeader = shifted;
    // BOLT 4: "The next HMAC is computed (with the _mu_-key as HMAC-key) over the"
    // concatenated hop_payloads and associated data.
    nextHmac = hmacSha256(generateKey('mu', ss), mixHeader, associatedData);
  }
  const packet = concatBytes(
    Uint8Array.of(ONION_VERSION),
    ephemeralKeys[0] as Uint8Array,
    mixHeader,
    nextHmac,
  );
  return { packet, sharedSecrets };
}
