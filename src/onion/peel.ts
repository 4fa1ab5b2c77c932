// BOLT 4 "Onion Decryption": one hop peels its layer of an onion. Every input byte string yields
// a value: the payload and next onion, or the failure the hop must return. Cost: one ECDH, one
// point multiplication (the next ephemeral key), three HMACs and one 2 × 1300-byte ChaCha20 stream.
import { CryptoError, ecdh, equalBytes, hmacSha256, publicKeyTweakMul, sha256 } from '../crypto/index.js';
import { DecodeError, Reader, readBigSize } from '../wire/index.js';
import { type BadOnionFailureName, FAILURE_MESSAGES, type OnionFailureOf } from './failure-messages.js';
import { generateCipherStream, generateKey, xorInto } from './keys.js';
import { HMAC_SIZE, HOP_PAYLOADS_SIZE, ONION_PACKET_SIZE, ONION_VERSION } from './packet.js';
import {
  type FinalHopPayload,
  type ForwardHopPayload,
  type PayloadError,
  parseFinalPayload,
  parseForwardPayload,
} from './payload.js';
import { KNOWN_APP_EVEN_TYPES } from './records.js';

export interface PeelOptions {
  /**
   * Even payload record types beyond BOLT 4's that this node understands (app records, types an
   * operator registers). Default: KNOWN_APP_EVEN_TYPES.
   */
  knownEvenTypes?: ReadonlySet<bigint>;
}

/** The packet is for a next hop: forward `nextPacket` over `payload.shortChannelId`. */
export interface PeeledForward {
  kind: 'forward';
  payload: ForwardHopPayload;
  /** The 1366-byte onion for the next hop. */
  nextPacket: Uint8Array;
  /** Keep it with the HTLC: it encrypts any failure this hop returns (createFailure/wrapFailure). */
  sharedSecret: Uint8Array;
}

/** This node is the final destination. */
export interface PeeledFinal {
  kind: 'final';
  payload: FinalHopPayload;
  sharedSecret: Uint8Array;
}

/**
 * The onion could not be authenticated: fail the HTLC with `update_fail_malformed_htlc` carrying
 * `failureCode` and `sha256OfOnion` (no shared secret can be trusted to encrypt a reply).
 */
export interface PeeledMalformed {
  kind: 'malformed';
  failure: OnionFailureOf<Exclude<BadOnionFailureName, 'invalid_onion_blinding'>>;
  failureCode: number;
  sha256OfOnion: Uint8Array;
  reason: string;
}

/**
 * The onion is authentic but its payload is unusable: fail the HTLC with `update_fail_htlc`,
 * `createFailure(sharedSecret, failure)`.
 */
export interface PeeledInvalidPayload {
  kind: 'invalid_payload';
  failure: OnionFailureOf<'invalid_onion_payload'> | OnionFailureOf<'invalid_onion_blinding'>;
  sharedSecret: Uint8Array;
  reason: string;
}

export type PeelResult = PeeledForward | PeeledFinal | PeeledMalformed | PeeledInvalidPayload;

function malformed(
  name: 'invalid_onion_version' | 'invalid_onion_hmac' | 'invalid_onion_key',
  packet: Uint8Array,
  reason: string,
): PeeledMalformed {
  const sha256OfOnion = sha256(packet);
  return {
    kind: 'malformed',
    failure: { name, sha256OfOnion },
    failureCode: FAILURE_MESSAGES[name].code,
    sha256OfOnion,
    reason,
  };
}

const ZERO_HMAC = new Uint8Array(HMAC_SIZE);

/** One authenticated layer, before any payload semantics (also what onion messages will need). */
export interface PeeledLayer {
  kind: 'layer';
  /** The hop's payload bytes (without the BigSize length). */
  payload: Uint8Array;
  /** Offset of `payload` in the decrypted stream (the length of its BigSize prefix). */
  payloadOffset: number;
  /** The next hop's onion, or undefined when the next HMAC is all-zero (this is the final node). */
  nextPacket: Uint8Array | undefined;
  sharedSecret: Uint8Array;
}

/**
 * BOLT 4 "Onion Decryption" without interpreting the payload: checks version, key and HMAC,
 * decrypts, splits off this hop's payload and builds the next onion. Never throws for any bytes.
 */
export function peelOnionLayer(
  packet: Uint8Array,
  nodePrivateKey: Uint8Array,
  associatedData: Uint8Array,
): PeeledLayer | PeeledMalformed | PeeledInvalidPayload {
  // A packet of another size cannot be parsed at all; its version cannot be understood either.
  if (packet.length !== ONION_PACKET_SIZE) {
    return malformed(
      'invalid_onion_version',
      packet,
      `onion must be ${ONION_PACKET_SIZE} bytes, got ${packet.length}`,
    );
  }
  // BOLT 4: "if `version` is not 0:"
  if (packet[0] !== ONION_VERSION) {
    return malformed('invalid_onion_version', packet, `unknown onion version ${packet[0]}`);
  }
  const publicKey = packet.subarray(1, 34);
  const hopPayloads = packet.subarray(34, 34 + HOP_PAYLOADS_SIZE);
  const hmac = packet.subarray(34 + HOP_PAYLOADS_SIZE);

  // BOLT 4: "if `public_key` is not a valid pubkey:"
  if (publicKey[0] !== 2 && publicKey[0] !== 3) {
    return malformed('invalid_onion_key', packet, 'ephemeral key is not a compressed point');
  }
  let ss: Uint8Array;
  try {
    ss = ecdh(publicKey, nodePrivateKey);
  } catch (e) {
    if (!(e instanceof CryptoError)) throw e;
    return malformed('invalid_onion_key', packet, 'ephemeral key is not on the curve');
  }

  // BOLT 4: "MUST use a constant time comparison of the computed HMAC and `hmac`."
  const expected = hmacSha256(generateKey('mu', ss), hopPayloads, associatedData);
  if (!equalBytes(expected, hmac))
    return malformed('invalid_onion_hmac', packet, 'onion HMAC does not match');

  // BOLT 4: "Derive `bytestream` of twice the length of `hop_payloads` using `rho`"
  const unwrapped = new Uint8Array(2 * HOP_PAYLOADS_SIZE);
  unwrapped.set(hopPayloads);
  xorInto(unwrapped, generateCipherStream(generateKey('rho', ss), 2 * HOP_PAYLOADS_SIZE));

  const invalidPayload = (reason: string): PeeledInvalidPayload => ({
    kind: 'invalid_payload',
    failure: { name: 'invalid_onion_payload', type: 0n, offset: 0 },
    sharedSecret: ss,
    reason,
  });
  const r = new Reader(unwrapped);
  let payloadLength: bigint;
  try {
    payloadLength = readBigSize(r);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    // BOLT 4: "Remove a `bigsize` from the front of `unwrapped_payloads` as `payload_length`.  If that is malformed:"
    return invalidPayload(`payload length: ${e.message}`);
  }
  // BOLT 4: "If the `payload_length` is less than two:"
  // Length 0 was the legacy realm-0 65-byte payload, which BOLT 4 no longer supports.
  if (payloadLength < 2n) {
    return invalidPayload(
      payloadLength === 0n
        ? 'legacy (realm 0) payloads are no longer supported'
        : 'payload length 1 is reserved',
    );
  }
  const prefix = r.offset;
  // BOLT 4: "If `unwrapped_payloads` is smaller than `hop_payloads`:" after removing the payload
  // and the next HMAC, i.e. the payload and HMAC must fit within the 1300 bytes.
  if (payloadLength > BigInt(HOP_PAYLOADS_SIZE - prefix - HMAC_SIZE)) {
    return invalidPayload(`payload length ${payloadLength} does not fit in the onion`);
  }
  const length = Number(payloadLength);
  const payload = unwrapped.slice(prefix, prefix + length);
  const nextHmac = unwrapped.subarray(prefix + length, prefix + length + HMAC_SIZE);
  const layer: PeeledLayer = {
    kind: 'layer',
    payload,
    payloadOffset: prefix,
    nextPacket: undefined,
    sharedSecret: ss,
  };
  // BOLT 4: "Otherwise (all-zero `next_hmac`):" this is the final destination of the onion.
  if (equalBytes(nextHmac, ZERO_HMAC)) return layer;

  // BOLT 4: "`public_key` set to the incoming `public_key` multiplied by `blinding_tweak`."
  let nextKey: Uint8Array;
  try {
    nextKey = publicKeyTweakMul(publicKey, sha256(publicKey, ss));
  } catch (e) {
    // Only a tweak of zero or >= the group order fails: not reachable with SHA-256 outputs in practice.
    if (!(e instanceof CryptoError)) throw e;
    return malformed('invalid_onion_key', packet, 'ephemeral key cannot be blinded');
  }
  const shift = prefix + length + HMAC_SIZE;
  const nextPacket = new Uint8Array(ONION_PACKET_SIZE);
  nextPacket[0] = ONION_VERSION;
  nextPacket.set(nextKey, 1);
  nextPacket.set(unwrapped.subarray(shift, shift + HOP_PAYLOADS_SIZE), 34);
  nextPacket.set(nextHmac, 34 + HOP_PAYLOADS_SIZE);
  layer.nextPacket = nextPacket;
  return layer;
}

/**
 * Peels one layer of an `onion_routing_packet` with this node's private key and checks the hop
 * payload by the BOLT 4 rules. `associatedData` is the HTLC's payment hash. Returns the payload and
 * next onion, or the failure to send back; it never throws for any `packet` bytes.
 */
export function peelOnion(
  packet: Uint8Array,
  nodePrivateKey: Uint8Array,
  associatedData: Uint8Array,
  options: PeelOptions = {},
): PeelResult {
  const layer = peelOnionLayer(packet, nodePrivateKey, associatedData);
  if (layer.kind !== 'layer') return layer;
  const { sharedSecret, nextPacket, payload, payloadOffset } = layer;
  const known = options.knownEvenTypes ?? KNOWN_APP_EVEN_TYPES;
  const refuse = (e: PayloadError): PeeledInvalidPayload => ({
    kind: 'invalid_payload',
    failure:
      e.code === 'invalid_onion_blinding'
        ? { name: 'invalid_onion_blinding', sha256OfOnion: sha256(packet) }
        : { name: 'invalid_onion_payload', type: e.type, offset: e.offset },
    sharedSecret,
    reason: e.reason,
  });
  if (nextPacket === undefined) {
    const parsed = parseFinalPayload(payload, known, payloadOffset);
    return parsed.ok ? { kind: 'final', payload: parsed.payload, sharedSecret } : refuse(parsed.error);
  }
  const parsed = parseForwardPayload(payload, known, payloadOffset);
  return parsed.ok
    ? { kind: 'forward', payload: parsed.payload, nextPacket, sharedSecret }
    : refuse(parsed.error);
}
