// src/routing/route.ts: what a route is, and how the chosen channels become per-hop amounts and
// CLTVs. The search works in doubles; this assembly is the authority, in exact bigint arithmetic,
// walking back from the recipient so that every fee is computed on the amount it is charged for.
import { forwardingFeeMsat } from './fees.js';

/**
 * One hop of a route: the channel `shortChannelId` from the previous node (us, for the first hop)
 * to `nodeId`. `amtToForwardMsat` and `outgoingCltvValue` are what `nodeId`'s onion payload says
 * (BOLT 4 `amt_to_forward`, `outgoing_cltv_value`): what it must forward over the next hop's
 * channel, or receive as the final amount at the last hop. `feeMsat` is what `nodeId` charges for that
 * forward (0 at the last hop), so the HTLC over this hop's channel carries `amtToForwardMsat + feeMsat`.
 */
export interface RouteHop {
  nodeId: Uint8Array;
  shortChannelId: bigint;
  /** channel_update direction of this hop's channel (0: from node_id_1 towards node_id_2). */
  direction: 0 | 1;
  amtToForwardMsat: bigint;
  outgoingCltvValue: number;
  feeMsat: bigint;
}

export interface Route {
  hops: RouteHop[];
  /** What the recipient receives. */
  amountMsat: bigint;
  /** What the first HTLC (ours, over hops[0]'s channel) carries: amountMsat + totalFeeMsat. */
  totalAmountMsat: bigint;
  totalFeeMsat: bigint;
  /** cltv_expiry of the first HTLC minus the current height; includes the final CLTV delta. */
  totalCltvDelta: number;
  /** cltv_expiry of the first HTLC: currentHeight + totalCltvDelta (relative to 0 without a height). */
  cltvExpiry: number;
  /** The liquidity model's estimate that every hop can carry its HTLC. */
  successProbability: number;
}

/** One chosen channel, with the policy of the node that forwards over it (ignored for the first hop). */
export interface RouteEdge {
  shortChannelId: bigint;
  direction: 0 | 1;
  toNodeId: Uint8Array;
  feeBaseMsat: bigint;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
}

/**
 * Turns the chosen channels (first hop first) into a route delivering `amountMsat` with
 * `finalCltvDelta` blocks at the recipient. Node i forwards over edge i + 1, so it charges the fee and
 * CLTV delta of edge i + 1's policy; our own first hop costs nothing.
 */
export function assembleRoute(
  edges: readonly RouteEdge[],
  amountMsat: bigint,
  finalCltvDelta: number,
  currentHeight: number,
  successProbability: number,
): Route {
  const k = edges.length;
  const hops: RouteHop[] = new Array(k);
  let amtToForward = amountMsat;
  let fee = 0n;
  // BOLT 4 (final node): the HTLC's cltv_expiry and the payload's outgoing_cltv_value are the same.
  let outgoingCltv = currentHeight + finalCltvDelta;
  let totalFee = 0n;
  for (let i = k - 1; i >= 0; i--) {
    const edge = edges[i] as RouteEdge;
    hops[i] = {
      nodeId: edge.toNodeId,
      shortChannelId: edge.shortChannelId,
      direction: edge.direction,
      amtToForwardMsat: amtToForward,
      outgoingCltvValue: outgoingCltv,
      feeMsat: fee,
    };
    totalFee += fee;
    if (i === 0) break;
    // The node before this hop forwards over this edge: it is paid this edge's fee on the HTLC this
    // edge carries, and subtracts this edge's delta from the expiry it receives.
    const carried = amtToForward + fee;
    fee = forwardingFeeMsat(carried, edge.feeBaseMsat, edge.feeProportionalMillionths);
    amtToForward = carried;
    outgoingCltv += i === k - 1 ? 0 : (edges[i + 1] as RouteEdge).cltvExpiryDelta;
  }
  const first = hops[0] as RouteHop;
  const cltvExpiry = first.outgoingCltvValue + (k > 1 ? (edges[1] as RouteEdge).cltvExpiryDelta : 0);
  return {
    hops,
    amountMsat,
    totalAmountMsat: first.amtToForwardMsat + first.feeMsat,
    totalFeeMsat: totalFee,
    totalCltvDelta: cltvExpiry - currentHeight,
    cltvExpiry,
    successProbability,
  };
}
