// src/htlcswitch/returns.ts: what goes back upstream, built from our shared secret with the incoming
// onion: our own failures, failures from downstream wrapped once more, and fulfill attribution.
import {
  BADONION,
  createAttributableFailure,
  createFailure,
  createFulfillAttribution,
  failureName,
  type OnionFailure,
  wrapAttributableFailure,
  wrapFailure,
  wrapFulfillAttribution,
} from '../onion/index.js';

/** The `reason` and optional `attribution_data` of an update_fail_htlc. */
export interface FailReturn {
  reason: Uint8Array;
  attributionData?: Uint8Array;
}

/** Hold time in BOLT 4's unit of 100 ms, from when we received the HTLC to now. */
export function holdTime(receivedAt: number, now: number): number {
  return Math.min(0xffff_ffff, Math.max(0, Math.floor((now - receivedAt) / 100)));
}

/** We are the erring node: a new return packet (with attribution data when we support it). */
export function ourFailure(
  sharedSecret: Uint8Array,
  failure: OnionFailure,
  attribution: boolean,
  hold: number,
): FailReturn {
  if (!attribution) return { reason: createFailure(sharedSecret, failure) };
  return createAttributableFailure(sharedSecret, failure, hold);
}

/**
 * A failure from downstream on its way back. BOLT 4: "MUST transform the return packet as described
 * above." and, supporting attribution, "if `attribution_data` is received from downstream:" "MUST
 * transform `attribution_data` as described above" (or start a zero block when none came).
 */
export function wrapDownstreamFailure(
  sharedSecret: Uint8Array,
  reason: Uint8Array,
  downstreamAttribution: Uint8Array | undefined,
  attribution: boolean,
  hold: number,
): FailReturn {
  if (!attribution) return { reason: wrapFailure(sharedSecret, reason) };
  return wrapAttributableFailure(sharedSecret, reason, downstreamAttribution, hold);
}

/** Attribution data for an update_fulfill_htlc we send upstream; undefined when unsupported. */
export function fulfillAttribution(
  sharedSecret: Uint8Array,
  downstreamAttribution: Uint8Array | undefined,
  final: boolean,
  attribution: boolean,
  hold: number,
): Uint8Array | undefined {
  if (!attribution) return undefined;
  return final
    ? createFulfillAttribution(sharedSecret, hold)
    : wrapFulfillAttribution(sharedSecret, downstreamAttribution, hold);
}

/**
 * The failure to return upstream for an update_fail_malformed_htlc from downstream.
 * BOLT 2: "MUST return an error in the `update_fail_htlc` sent to the link which originally sent
 * the HTLC, using the `failure_code` given and setting the data to `sha256_of_onion`."
 * A code without the BADONION bit breaks BOLT 2 (the channel layer should have failed the channel);
 * the HTLC is then failed as a transient channel failure, and `valid: false` flags the anomaly.
 */
export function malformedToFailure(
  failureCode: number,
  sha256OfOnion: Uint8Array,
): { failure: OnionFailure; valid: boolean } {
  if ((failureCode & BADONION) === 0) {
    return { failure: { name: 'temporary_channel_failure', channelUpdate: new Uint8Array(0) }, valid: false };
  }
  const name = failureName(failureCode);
  switch (name) {
    case 'invalid_onion_version':
    case 'invalid_onion_hmac':
    case 'invalid_onion_key':
    case 'invalid_onion_blinding':
      return { failure: { name, sha256OfOnion }, valid: true };
    default:
      return { failure: { name: 'unknown', code: failureCode, data: sha256OfOnion }, valid: true };
  }
}
