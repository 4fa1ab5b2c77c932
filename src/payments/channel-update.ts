// src/payments/channel-update.ts: the channel_update a failing node may put in its failure (BOLT 4),
// checked (signature, channel, direction, freshness) and used for this payment's retries only: it
// becomes a routing PolicyOverride of this payment's searches, never a change to the shared graph.
import { concatBytes, ecdsaVerify, equalBytes } from '../crypto/index.js';
import type { PolicyOverride } from '../routing/index.js';
import {
  type ChannelUpdate,
  channelUpdate as channelUpdateDef,
  channelUpdateDirection,
  channelUpdateHash,
  decodeMessage,
  isChannelDisabled,
} from '../wire/index.js';
import type { ChannelFailure } from './classify.js';

export type UpdateCheck = { ok: true; override: PolicyOverride } | { ok: false; reason: string };

function typePrefix(): Uint8Array {
  return Uint8Array.of(channelUpdateDef.type >> 8, channelUpdateDef.type & 0xff);
}

/**
 * Decodes the `channel_update` field of a failure. Nodes send it with its 2-byte message type
 * (as the message would appear on the wire) or, in older versions, without: accept both.
 */
export function decodeFailureChannelUpdate(raw: Uint8Array): ChannelUpdate | undefined {
  const prefix = typePrefix();
  const candidates =
    raw.length >= 2 && raw[0] === prefix[0] && raw[1] === prefix[1]
      ? [raw, concatBytes(prefix, raw)]
      : [concatBytes(prefix, raw)];
  for (const bytes of candidates) {
    const m = decodeMessage(bytes);
    if (m.ok && m.value.kind === 'channel_update') return m.value;
  }
  return undefined;
}

/**
 * Checks a failure's channel_update: it must be for the failing channel and direction, signed by
 * the node that failed, on our chain, and newer than what we routed with (`knownTimestamp`).
 */
export function checkFailureChannelUpdate(
  failure: ChannelFailure,
  knownTimestamp: number | undefined,
  chainHash: Uint8Array | undefined,
): UpdateCheck {
  if (failure.channelUpdate === undefined) return { ok: false, reason: 'no channel_update' };
  const u = decodeFailureChannelUpdate(failure.channelUpdate);
  if (u === undefined) return { ok: false, reason: 'channel_update does not decode' };
  // BOLT 4: "MUST set `short_channel_id` to the `short_channel_id` used by the incoming onion."
  if (u.shortChannelId !== failure.shortChannelId) {
    return { ok: false, reason: 'channel_update is for another channel' };
  }
  if (channelUpdateDirection(u) !== failure.direction) {
    return { ok: false, reason: 'channel_update is for the other direction' };
  }
  if (chainHash !== undefined && !equalBytes(u.chainHash, chainHash)) {
    return { ok: false, reason: 'channel_update is for another chain' };
  }
  if (!ecdsaVerify(u.signature, channelUpdateHash(u), failure.erringNodeId)) {
    return { ok: false, reason: 'channel_update signature is not by the failing node' };
  }
  // BOLT 4: "if UPDATE is set, AND the `channel_update` is valid and more recent"
  // than the one used to send the payment, it MAY be considered for this payment's retries.
  if (knownTimestamp !== undefined && u.timestamp <= knownTimestamp) {
    return { ok: false, reason: 'channel_update is not newer than the one routed with' };
  }
  return {
    ok: true,
    override: {
      shortChannelId: u.shortChannelId,
      direction: channelUpdateDirection(u),
      policy: {
        feeBaseMsat: BigInt(u.feeBaseMsat),
        feeProportionalMillionths: u.feeProportionalMillionths,
        cltvExpiryDelta: u.cltvExpiryDelta,
        htlcMinimumMsat: u.htlcMinimumMsat,
        htlcMaximumMsat: u.htlcMaximumMsat,
        disabled: isChannelDisabled(u),
        timestamp: u.timestamp,
      },
    },
  };
}
