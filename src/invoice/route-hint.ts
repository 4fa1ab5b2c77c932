// src/invoice/route-hint.ts: the `r` field: one or more 51-byte hops of a private route.
import { isPublicKey } from '../crypto/index.js';
import type { RouteHint, RouteHintHop } from './types.js';

// pubkey (33) + short_channel_id (8) + fee_base_msat (4) + fee_proportional_millionths (4) + cltv_expiry_delta (2)
export const ROUTE_HINT_HOP_LENGTH = 51;

const U32_MAX = 0xffff_ffff;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** Parses an `r` field's bytes; returns a reason string when they are not a list of valid hops. */
export function parseRouteHint(bytes: Uint8Array): RouteHint | string {
  if (bytes.length === 0 || bytes.length % ROUTE_HINT_HOP_LENGTH !== 0) {
    return `expected a positive multiple of ${ROUTE_HINT_HOP_LENGTH} bytes, got ${bytes.length}`;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hops: RouteHintHop[] = [];
  for (let o = 0; o < bytes.length; o += ROUTE_HINT_HOP_LENGTH) {
    const pubkey = bytes.slice(o, o + 33);
    if (!isCompressedPublicKey(pubkey))
      return `hop ${hops.length} pubkey is not a valid compressed public key`;
    hops.push({
      pubkey,
      shortChannelId: view.getBigUint64(o + 33),
      feeBaseMsat: BigInt(view.getUint32(o + 41)),
      feeProportionalMillionths: view.getUint32(o + 45),
      cltvExpiryDelta: view.getUint16(o + 49),
    });
  }
  return hops;
}

/** Why a route hint cannot be encoded, or undefined if it can. */
export function routeHintProblem(hint: RouteHint): string | undefined {
  if (hint.length === 0) return 'a route hint needs at least one hop';
  for (const [i, h] of hint.entries()) {
    if (!isCompressedPublicKey(h.pubkey)) return `hop ${i} pubkey is not a valid compressed public key`;
    if (h.shortChannelId < 0n || h.shortChannelId > U64_MAX) return `hop ${i} shortChannelId is not a u64`;
    if (h.feeBaseMsat < 0n || h.feeBaseMsat > BigInt(U32_MAX)) return `hop ${i} feeBaseMsat is not a u32`;
    if (!isUint(h.feeProportionalMillionths, U32_MAX))
      return `hop ${i} feeProportionalMillionths is not a u32`;
    if (!isUint(h.cltvExpiryDelta, 0xffff)) return `hop ${i} cltvExpiryDelta is not a u16`;
  }
  return undefined;
}

/** Serializes a route hint already checked by routeHintProblem. */
export function serializeRouteHint(hint: RouteHint): Uint8Array {
  const out = new Uint8Array(hint.length * ROUTE_HINT_HOP_LENGTH);
  const view = new DataView(out.buffer);
  hint.forEach((h, i) => {
    const o = i * ROUTE_HINT_HOP_LENGTH;
    out.set(h.pubkey, o);
    view.setBigUint64(o + 33, h.shortChannelId);
    view.setUint32(o + 41, Number(h.feeBaseMsat));
    view.setUint32(o + 45, h.feeProportionalMillionths);
    view.setUint16(o + 49, h.cltvExpiryDelta);
  });
  return out;
}

export function isCompressedPublicKey(key: Uint8Array): boolean {
  return key.length === 33 && isPublicKey(key);
}

function isUint(n: number, max: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= max;
}
