// src/payments/channel-update.ts: the channel_update a failing node may put in its failure (BOLT 4),
// checked (signature, channel, direction, freshness) and used for this payment's retries only.
import { concatBytes, ecdsaVerify, equalBytes } from '../crypto/index.js';
import type { ChannelGraph, ChannelPolicy, RouteHintHop } from '../routing/index.js';
import {
  type ChannelUpdate,
  channelUpdate as channelUpdateDef,
  channelUpdateDirection,
  channelUpdateHash,
  decodeMessage,
  isChannelDisabled,
} from '../wire/index.js';
import type { ChannelFailure } from './classify.js';

/** A verified channel_update: the policy it sets for one direction of one channel. */
export interface PolicyOverride {
  shortChannelId: bigint;
  direction: 0 | 1;
  policy: ChannelPolicy;
}

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

/**
 * Route hints with the overrides of their channels applied (private channels are not in the
 * graph, so their policy lives only in the hints).
 */
export function applyOverridesToHints(
  hints: readonly (readonly RouteHintHop[])[],
  overrides: ReadonlyMap<bigint, PolicyOverride>,
): RouteHintHop[][] {
  return hints.map((hint) =>
    hint.map((h) => {
      const o = overrides.get(h.shortChannelId);
      if (o === undefined) return { ...h };
      return {
        ...h,
        feeBaseMsat: o.policy.feeBaseMsat,
        feeProportionalMillionths: o.policy.feeProportionalMillionths,
        cltvExpiryDelta: o.policy.cltvExpiryDelta,
        htlcMinimumMsat: o.policy.htlcMinimumMsat,
        htlcMaximumMsat: o.policy.htlcMaximumMsat,
      };
    }),
  );
}

/**
 * Runs `search` on the graph as if the overrides were applied, then puts the graph back exactly as
 * it was. BOLT 4: the origin "MUST NOT expose the `channel_update` to third-parties in any other"
 * context, "including applying the `channel_update` to the local network graph": other payments
 * and gossip must never see it. Everything here is synchronous, so no other code runs while the
 * overrides are in place.
 */
export function withPolicyOverrides<T>(
  graph: ChannelGraph,
  overrides: Iterable<PolicyOverride>,
  search: () => T,
): T {
  const saved: { info: NonNullable<ReturnType<ChannelGraph['getChannel']>> }[] = [];
  try {
    for (const o of overrides) {
      const info = graph.getChannel(o.shortChannelId);
      if (info === undefined) continue;
      if (graph.updatePolicy(o.shortChannelId, o.direction, o.policy) === 'updated') saved.push({ info });
    }
    return search();
  } finally {
    // Restore in reverse order, so each channel gets its slot back.
    for (const { info } of saved.reverse()) {
      graph.removeChannel(info.shortChannelId);
      graph.addChannel({
        shortChannelId: info.shortChannelId,
        node1: info.node1,
        node2: info.node2,
        capacitySat: info.capacitySat,
        features: info.features,
      });
      info.policies.forEach((p, d) => {
        if (p !== undefined) graph.updatePolicy(info.shortChannelId, d as 0 | 1, p);
      });
    }
  }
}
