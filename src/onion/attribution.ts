// BOLT 4 attribution data (`option_attribution_data`): hold times and truncated HMACs that every
// hop adds to a returned failure (`update_fail_htlc`) or fulfill (`update_fulfill_htlc`), so the
// origin can tell which hop tampered with a failure and how long each hop held the HTLC.
import { equalBytes, hmacSha256 } from '../crypto/index.js';
import { generateCipherStream, generateKey, xorInto } from './keys.js';

/** BOLT 4: "The size of the field is based on the maximum supported number of hops in a route (20)." */
export const ATTRIBUTION_MAX_HOPS = 20;
const HOLD_TIME_SIZE = 4;
const HOLD_TIMES_SIZE = ATTRIBUTION_MAX_HOPS * HOLD_TIME_SIZE;
/** Truncated HMAC size: "Regular 32 byte HMACs are truncated to the first 4 bytes to save space." */
const TRUNCATED_HMAC_SIZE = 4;
/** BOLT 4: "This makes for a total number of HMACs of 20+19+18+...+1 = 210 HMACs." */
const HMAC_COUNT = (ATTRIBUTION_MAX_HOPS * (ATTRIBUTION_MAX_HOPS + 1)) / 2;
/** `20*u32` htlc_hold_times + `210*sha256[..4]` truncated_hmacs (BOLT 2 `attribution_data`). */
export const ATTRIBUTION_DATA_SIZE = HOLD_TIMES_SIZE + HMAC_COUNT * TRUNCATED_HMAC_SIZE;

/**
 * Byte offset of `hmac_x_y`: the HMAC added by the hop `x` positions downstream of the current
 * one, for the case that it is `y` hops away from the erring node. Hop x's block holds 20 - x
 * HMACs, the largest y first: `hmac_0_19 .. hmac_0_0 | hmac_1_18 .. hmac_1_0 | ... | hmac_19_0`.
 */
function hmacOffset(x: number, y: number): number {
  const blockStart = x * ATTRIBUTION_MAX_HOPS - (x * (x - 1)) / 2;
  return HOLD_TIMES_SIZE + (blockStart + (ATTRIBUTION_MAX_HOPS - 1 - x - y)) * TRUNCATED_HMAC_SIZE;
}

/**
 * The truncated HMAC of the current hop (x = 0) for position y, computed over the return packet
 * before this hop's obfuscation, the first y + 1 hold times, and the y downstream HMACs
 * `hmac_1_{y-1} .. hmac_y_0`.
 */
function positionHmac(um: Uint8Array, packet: Uint8Array, data: Uint8Array, y: number): Uint8Array {
  const downstream = new Uint8Array(y * TRUNCATED_HMAC_SIZE);
  for (let k = 1; k <= y; k++) {
    const at = hmacOffset(k, y - k);
    downstream.set(data.subarray(at, at + TRUNCATED_HMAC_SIZE), (k - 1) * TRUNCATED_HMAC_SIZE);
  }
  const holdTimes = data.subarray(0, (y + 1) * HOLD_TIME_SIZE);
  return hmacSha256(um, packet, holdTimes, downstream).subarray(0, TRUNCATED_HMAC_SIZE);
}

/** The shift/prune step of an upstream hop: hold times move right by one, hop x's HMACs become hop x+1's. */
function shiftRight(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(ATTRIBUTION_DATA_SIZE);
  out.set(data.subarray(0, HOLD_TIMES_SIZE - HOLD_TIME_SIZE), HOLD_TIME_SIZE);
  for (let x = 0; x < ATTRIBUTION_MAX_HOPS - 1; x++) {
    for (let y = 0; y <= ATTRIBUTION_MAX_HOPS - 2 - x; y++) {
      const from = hmacOffset(x, y);
      out.set(data.subarray(from, from + TRUNCATED_HMAC_SIZE), hmacOffset(x + 1, y));
    }
  }
  return out;
}

/** The origin's inverse of shiftRight (the slots the shift discarded come back as zeros). */
function shiftLeft(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(ATTRIBUTION_DATA_SIZE);
  out.set(data.subarray(HOLD_TIME_SIZE, HOLD_TIMES_SIZE), 0);
  for (let x = 0; x < ATTRIBUTION_MAX_HOPS - 1; x++) {
    for (let y = 0; y <= ATTRIBUTION_MAX_HOPS - 2 - x; y++) {
      const from = hmacOffset(x + 1, y);
      out.set(data.subarray(from, from + TRUNCATED_HMAC_SIZE), hmacOffset(x, y));
    }
  }
  return out;
}

function checkHoldTime(holdTime: number): void {
  if (!Number.isInteger(holdTime) || holdTime < 0 || holdTime > 0xffffffff) {
    throw new RangeError(`hold time must be a u32 (units of 100 ms), got ${holdTime}`);
  }
}

/**
 * Adds this hop's hold time and 20 HMACs to (already shifted) attribution data, then obfuscates it
 * with the `ammagext` stream. `packet` is the return packet before this hop's `ammag` obfuscation
 * (empty for a fulfill).
 */
function addHop(
  sharedSecret: Uint8Array,
  shifted: Uint8Array,
  packet: Uint8Array,
  holdTime: number,
): Uint8Array {
  checkHoldTime(holdTime);
  new DataView(shifted.buffer, shifted.byteOffset).setUint32(0, holdTime);
  const um = generateKey('um', sharedSecret);
  const own: Uint8Array[] = [];
  for (let y = 0; y < ATTRIBUTION_MAX_HOPS; y++) own.push(positionHmac(um, packet, shifted, y));
  for (let y = 0; y < ATTRIBUTION_MAX_HOPS; y++) shifted.set(own[y] as Uint8Array, hmacOffset(0, y));
  xorInto(shifted, generateCipherStream(generateKey('ammagext', sharedSecret), ATTRIBUTION_DATA_SIZE));
  return shifted;
}

/**
 * The first hop's attribution data (the erring node for a failure, the final node for a fulfill).
 * `packet` is the unobfuscated return packet, or empty for a fulfill. `holdTime` is in units of
 * 100 ms.
 */
export function initAttributionData(
  sharedSecret: Uint8Array,
  packet: Uint8Array,
  holdTime: number,
): Uint8Array {
  return addHop(sharedSecret, new Uint8Array(ATTRIBUTION_DATA_SIZE), packet, holdTime);
}

/**
 * An upstream hop's update of attribution data received from downstream (or of an all-zero block
 * when there was none or it had the wrong size). `packet` is the return packet as received, before
 * this hop's `ammag` obfuscation (empty for a fulfill).
 */
export function updateAttributionData(
  sharedSecret: Uint8Array,
  received: Uint8Array | undefined,
  packet: Uint8Array,
  holdTime: number,
): Uint8Array {
  // BOLT 4: "MUST instantiate an all-zeroes `attribution_data` block" when none came from downstream.
  const base =
    received !== undefined && received.length === ATTRIBUTION_DATA_SIZE
      ? shiftRight(received)
      : new Uint8Array(ATTRIBUTION_DATA_SIZE);
  return addHop(sharedSecret, base, packet, holdTime);
}

/** What the origin learned from attribution data. */
export interface AttributionResult {
  /**
   * How many hops, from the first, have a valid HMAC. Fewer than expected means the hop at this
   * index, or the one before it, tampered with the data (blame goes to that pair).
   */
  verifiedHops: number;
  /** The hold time each verified hop reported, units of 100 ms, in route order. */
  holdTimes: number[];
}

/**
 * The origin's check of attribution data. `packets[i]` is the return packet with the `ammag` layers
 * of hops 0..i removed (empty arrays for a fulfill). Each hop i is checked at position
 * y = n - 1 - i, with n the route length (capped at 20): the erring node also computes HMACs for
 * every position beyond its own, so the origin can verify in a single pass without knowing it.
 */
export function verifyAttributionData(
  sharedSecrets: readonly Uint8Array[],
  packets: readonly Uint8Array[],
  attributionData: Uint8Array,
): AttributionResult {
  const holdTimes: number[] = [];
  if (attributionData.length !== ATTRIBUTION_DATA_SIZE) return { verifiedHops: 0, holdTimes };
  const n = Math.min(sharedSecrets.length, ATTRIBUTION_MAX_HOPS);
  let data: Uint8Array = Uint8Array.from(attributionData);
  for (let i = 0; i < n; i++) {
    const ss = sharedSecrets[i] as Uint8Array;
    if (i > 0) data = shiftLeft(data);
    xorInto(data, generateCipherStream(generateKey('ammagext', ss), ATTRIBUTION_DATA_SIZE));
    const y = n - 1 - i;
    const expected = positionHmac(generateKey('um', ss), packets[i] ?? new Uint8Array(0), data, y);
    const at = hmacOffset(0, y);
    if (!equalBytes(expected, data.subarray(at, at + TRUNCATED_HMAC_SIZE))) break;
    holdTimes.push(new DataView(data.buffer, data.byteOffset).getUint32(0));
  }
  return { verifiedHops: holdTimes.length, holdTimes };
}
