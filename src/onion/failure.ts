// BOLT 4 "Returning Errors": the erring node builds a return packet, every hop back obfuscates it
// again, and the origin peels the layers to find (and authenticate) the hop that failed.
import { concatBytes, equalBytes, hmacSha256 } from '../crypto/index.js';
import { Writer } from '../wire/index.js';
import {
  type AttributionResult,
  initAttributionData,
  updateAttributionData,
  verifyAttributionData,
} from './attribution.js';
import { decodeFailureMessage, encodeFailureMessage, type OnionFailure } from './failure-messages.js';
import { generateCipherStream, generateKey, xorInto } from './keys.js';
import { MAX_HOPS, onionSharedSecrets } from './packet.js';

/** BOLT 4: "MUST set `pad` such that the `failure_len` plus `pad_len` is at least 256." */
const MIN_FAILURE_PLUS_PAD = 256;
const HMAC_SIZE = 32;

/**
 * The unobfuscated return packet: `hmac || failure_len || failuremsg || pad_len || pad`, where the
 * HMAC (keyed by `um`) covers everything after it.
 */
export function buildReturnPacket(
  sharedSecret: Uint8Array,
  failureMessage: Uint8Array,
  paddedLength = MIN_FAILURE_PLUS_PAD,
): Uint8Array {
  // BOLT 4: "SHOULD set `pad` such that the `failure_len` plus `pad_len` is equal to"
  // 256 (the default `paddedLength`); longer messages get no padding.
  if (paddedLength < MIN_FAILURE_PLUS_PAD)
    throw new RangeError(`paddedLength must be >= 256, got ${paddedLength}`);
  const padLen = Math.max(0, paddedLength - failureMessage.length);
  const w = new Writer(HMAC_SIZE + 4 + failureMessage.length + padLen);
  w.u16(failureMessage.length);
  w.bytes(failureMessage);
  w.u16(padLen);
  w.bytes(new Uint8Array(padLen));
  const body = w.finish();
  return concatBytes(hmacSha256(generateKey('um', sharedSecret), body), body);
}

/** One layer of return-packet obfuscation: XOR with the hop's `ammag` stream. Its own inverse. */
export function obfuscateReturnPacket(sharedSecret: Uint8Array, packet: Uint8Array): Uint8Array {
  const out = Uint8Array.from(packet);
  xorInto(out, generateCipherStream(generateKey('ammag', sharedSecret), packet.length));
  return out;
}

function failureBytes(failure: OnionFailure | Uint8Array): Uint8Array {
  return failure instanceof Uint8Array ? failure : encodeFailureMessage(failure);
}

/**
 * At the failing hop: the `reason` of `update_fail_htlc` for `failure` (a typed failure or an
 * encoded `failuremsg`), using the shared secret from peeling the HTLC's onion. `paddedLength` is
 * the minimum of failure_len + pad_len (256 unless a peer needs more room for TLVs).
 */
export function createFailure(
  sharedSecret: Uint8Array,
  failure: OnionFailure | Uint8Array,
  paddedLength?: number,
): Uint8Array {
  return obfuscateReturnPacket(
    sharedSecret,
    buildReturnPacket(sharedSecret, failureBytes(failure), paddedLength),
  );
}

/** At each hop back: obfuscates a `reason` received from downstream with this hop's shared secret. */
export function wrapFailure(sharedSecret: Uint8Array, packet: Uint8Array): Uint8Array {
  return obfuscateReturnPacket(sharedSecret, packet);
}

/** A failure `reason` with its `attribution_data` (both go into `update_fail_htlc`). */
export interface AttributableFailure {
  reason: Uint8Array;
  attributionData: Uint8Array;
}

/**
 * createFailure with attribution data (`option_attribution_data`). `holdTime` is how long this
 * node held the HTLC, in units of 100 ms; `paddedLength` as for createFailure.
 */
export function createAttributableFailure(
  sharedSecret: Uint8Array,
  failure: OnionFailure | Uint8Array,
  holdTime: number,
  paddedLength?: number,
): AttributableFailure {
  const raw = buildReturnPacket(sharedSecret, failureBytes(failure), paddedLength);
  return {
    reason: obfuscateReturnPacket(sharedSecret, raw),
    attributionData: initAttributionData(sharedSecret, raw, holdTime),
  };
}

/**
 * wrapFailure with attribution data: `attributionData` is what came from downstream (undefined if
 * none, and then a zero block is started, as BOLT 4 asks).
 */
export function wrapAttributableFailure(
  sharedSecret: Uint8Array,
  reason: Uint8Array,
  attributionData: Uint8Array | undefined,
  holdTime: number,
): AttributableFailure {
  return {
    reason: obfuscateReturnPacket(sharedSecret, reason),
    attributionData: updateAttributionData(sharedSecret, attributionData, reason, holdTime),
  };
}

/** The final node's attribution data for `update_fulfill_htlc`. */
export function createFulfillAttribution(sharedSecret: Uint8Array, holdTime: number): Uint8Array {
  return initAttributionData(sharedSecret, new Uint8Array(0), holdTime);
}

/** A forwarding hop's attribution data for `update_fulfill_htlc`. */
export function wrapFulfillAttribution(
  sharedSecret: Uint8Array,
  attributionData: Uint8Array | undefined,
  holdTime: number,
): Uint8Array {
  return updateAttributionData(sharedSecret, attributionData, new Uint8Array(0), holdTime);
}

/** How the origin knows a route's secrets: the list from buildOnion, or the session key and hops. */
export type OnionSecrets =
  | readonly Uint8Array[]
  | { sessionKey: Uint8Array; hopNodeIds: readonly Uint8Array[] };

function secretsOf(s: OnionSecrets): readonly Uint8Array[] {
  return 'sessionKey' in s ? onionSharedSecrets(s.sessionKey, s.hopNodeIds) : s;
}

/** A decrypted failure whose HMAC identified the hop that created it. */
export interface AttributedFailure {
  kind: 'attributed';
  /** Index in the route (0 = the first hop after us) of the node that created the failure. */
  hopIndex: number;
  /** The failure_code, when `failuremsg` had at least two bytes. */
  code: number | undefined;
  /** The decoded failure, or undefined if its data did not decode (see `decodeError`). */
  failure: OnionFailure | undefined;
  decodeError?: string;
  /** The `failuremsg` bytes exactly as the node sent them. */
  failureMessage: Uint8Array;
  /** The check of `attribution_data`, when it came with the failure. */
  attribution?: AttributionResult;
}

/** No hop's HMAC matched: some hop (the attribution data may say which) corrupted the failure. */
export interface UnattributableFailure {
  kind: 'unattributable';
  attribution?: AttributionResult;
}

export type DecryptedFailure = AttributedFailure | UnattributableFailure;

function parseReturnPacket(
  hopIndex: number,
  body: Uint8Array,
  attribution: AttributionResult | undefined,
): AttributedFailure {
  const available = Math.max(0, body.length - 2);
  const len = body.length >= 2 ? ((body[0] as number) << 8) | (body[1] as number) : 0;
  const failureMessage = body.slice(2, 2 + Math.min(len, available));
  const out: AttributedFailure = {
    kind: 'attributed',
    hopIndex,
    code:
      failureMessage.length >= 2
        ? (failureMessage[0] as number) * 256 + (failureMessage[1] as number)
        : undefined,
    failure: undefined,
    failureMessage,
  };
  if (attribution !== undefined) out.attribution = attribution;
  if (len > available) {
    out.decodeError = `failure_len ${len} exceeds the ${available} bytes after it`;
    return out;
  }
  const decoded = decodeFailureMessage(failureMessage);
  if (decoded.ok) out.failure = decoded.value;
  else out.decodeError = decoded.error.message;
  return out;
}

/**
 * At the origin: peels a failure `reason` (from `update_fail_htlc`) layer by layer and attributes
 * it to the hop whose `um` HMAC matches. With `attributionData`, also checks each hop's
 * attribution HMAC and reads the hold times. Never throws on any input bytes.
 */
export function decryptFailure(
  secrets: OnionSecrets,
  reason: Uint8Array,
  attributionData?: Uint8Array,
): DecryptedFailure {
  const shared = secretsOf(secrets);
  if (shared.length === 0) return { kind: 'unattributable' };
  const packets: Uint8Array[] = [];
  let packet: Uint8Array = Uint8Array.from(reason);
  let found = -1;
  // BOLT 4: "SHOULD continue decrypting, until the loop has been repeated 27 times"
  // so the time taken does not reveal the erring hop's position; dummy rounds reuse the last key.
  const rounds = Math.max(MAX_HOPS, shared.length);
  for (let i = 0; i < rounds; i++) {
    const real = i < shared.length;
    const ss = shared[real ? i : shared.length - 1] as Uint8Array;
    packet = obfuscateReturnPacket(ss, packet);
    if (real) packets.push(packet);
    if (packet.length < HMAC_SIZE) continue;
    const mac = hmacSha256(generateKey('um', ss), packet.subarray(HMAC_SIZE));
    if (equalBytes(mac, packet.subarray(0, HMAC_SIZE)) && real && found < 0) found = i;
  }
  const attribution =
    attributionData === undefined ? undefined : verifyAttributionData(shared, packets, attributionData);
  if (found < 0)
    return attribution === undefined ? { kind: 'unattributable' } : { kind: 'unattributable', attribution };
  const body = (packets[found] as Uint8Array).subarray(HMAC_SIZE);
  return parseReturnPacket(found, body, attribution);
}

/** At the origin: the hold times reported with a fulfill, and how many hops' HMACs verified. */
export function verifyFulfillAttribution(
  secrets: OnionSecrets,
  attributionData: Uint8Array,
): AttributionResult {
  const shared = secretsOf(secrets);
  return verifyAttributionData(
    shared,
    shared.map(() => new Uint8Array(0)),
    attributionData,
  );
}
