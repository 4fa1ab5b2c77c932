// src/payments/payload.ts: the hop payloads of a route (BOLT 4 `payload` for each hop) and the
// 1300-byte budget they share, which decides how many hops a payment's final records leave room for.
import {
  type BuiltOnion,
  buildOnion,
  encodeHopPayload,
  HOP_PAYLOADS_SIZE,
  hopPayloadsLength,
  hopShiftSize,
} from '../onion/index.js';
import { MAX_ROUTE_HOPS, type Route } from '../routing/index.js';
import type { TlvRecord } from '../wire/index.js';

/** What the final node's payload carries besides amount and CLTV. */
export interface FinalPayloadSpec {
  /** The whole payment's amount (payment_data.total_msat when there is a payment secret). */
  totalMsat: bigint;
  /** bLIP 3 keysend preimage. */
  keysendPreimage?: Uint8Array;
  /** BOLT 11 `s`. */
  paymentSecret?: Uint8Array;
  /** BOLT 11 `m`. */
  paymentMetadata?: Uint8Array;
  /** Custom and app records, sorted by type. */
  records: readonly TlvRecord[];
}

/**
 * The most a forwarding hop's payload can take in hop_payloads: amt_to_forward (tu64: 2 + 8),
 * outgoing_cltv_value (tu32: 2 + 4) and short_channel_id (2 + 8) is 26 bytes, plus its length
 * byte and HMAC.
 */
export const MAX_FORWARD_SHIFT = hopShiftSize(26);

/** The final node's payload for an HTLC delivering `amtToForwardMsat` (one part of an MPP payment). */
export function finalPayload(
  spec: FinalPayloadSpec,
  amtToForwardMsat: bigint,
  outgoingCltvValue: number,
): Uint8Array {
  return encodeHopPayload({
    amtToForwardMsat,
    outgoingCltvValue,
    // BOLT 4: "if the recipient provided `payment_secret`: ... MUST include `payment_data`"
    // with "`total_msat` to the total amount it will send".
    ...(spec.paymentSecret !== undefined
      ? { paymentData: { paymentSecret: spec.paymentSecret, totalMsat: spec.totalMsat } }
      : {}),
    // BOLT 4: "MUST include `payment_metadata` with every HTLC"
    ...(spec.paymentMetadata !== undefined ? { paymentMetadata: spec.paymentMetadata } : {}),
    ...(spec.keysendPreimage !== undefined ? { keysendPreimage: spec.keysendPreimage } : {}),
    records: spec.records,
  });
}

/** Every hop's payload for `route`, first hop first. */
export function routePayloads(route: Route, spec: FinalPayloadSpec): Uint8Array[] {
  const hops = route.hops;
  return hops.map((hop, i) => {
    const next = hops[i + 1];
    if (next === undefined) return finalPayload(spec, hop.amtToForwardMsat, hop.outgoingCltvValue);
    // BOLT 4: "For every non-final node: ... MUST include `short_channel_id`"
    return encodeHopPayload({
      amtToForwardMsat: hop.amtToForwardMsat,
      outgoingCltvValue: hop.outgoingCltvValue,
      shortChannelId: next.shortChannelId,
    });
  });
}

/**
 * How many hops a route may have so that every payload fits the onion, given the final payload
 * for a part of at most `amountMsat`: 0 when the final payload does not fit even alone.
 */
export function maxHopsForFinalPayload(spec: FinalPayloadSpec, amountMsat: bigint): number {
  // The largest CLTV makes the largest tu32: a bound for every route.
  const finalShift = hopShiftSize(finalPayload(spec, amountMsat, 0xffff_ffff).length);
  const left = HOP_PAYLOADS_SIZE - finalShift;
  if (left < 0) return 0;
  return Math.min(MAX_ROUTE_HOPS, 1 + Math.floor(left / MAX_FORWARD_SHIFT));
}

/** The bytes the final payload takes in hop_payloads, for messages. */
export function finalPayloadShift(spec: FinalPayloadSpec, amountMsat: bigint): number {
  return hopShiftSize(finalPayload(spec, amountMsat, 0xffff_ffff).length);
}

/** Builds the onion for `route`, or explains why its payloads do not fit. */
export function buildRouteOnion(
  route: Route,
  spec: FinalPayloadSpec,
  sessionKey: Uint8Array,
  paymentHash: Uint8Array,
): { ok: true; onion: BuiltOnion } | { ok: false; reason: string } {
  const payloads = routePayloads(route, spec);
  const used = hopPayloadsLength(payloads);
  if (used > HOP_PAYLOADS_SIZE) {
    return {
      ok: false,
      reason:
        `records too large for a ${route.hops.length}-hop route: the payloads need ${used} bytes ` +
        `and an onion holds ${HOP_PAYLOADS_SIZE}; send fewer or smaller custom records`,
    };
  }
  const hops = route.hops.map((h, i) => ({ nodeId: h.nodeId, payload: payloads[i] as Uint8Array }));
  // An HTLC onion's associated data is its payment hash, so a hop cannot move it to another HTLC.
  return { ok: true, onion: buildOnion(hops, sessionKey, paymentHash) };
}
