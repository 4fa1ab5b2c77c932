// src/routing/request.ts: what a pathfinding request may say (first hops, route hints, in-flight
// HTLCs, cost weights, bounds), its validation, and the typed answer when there is no route.
import type { ChannelGraph, ChannelPolicy } from './graph.js';
import { isNodeId, nodeKey } from './node-id.js';
import type { Route } from './route.js';
import type { Scorer } from './scorer.js';
import { formatShortChannelId } from './short-channel-id.js';

// BOLT 4: "the maximum supported number of hops in a route (20)."
export const MAX_ROUTE_HOPS = 20;
/** Forwarding nodes refuse an HTLC expiring more than 2016 blocks ahead (LDK's and lnd's limit). */
export const DEFAULT_MAX_CLTV_EXPIRY_DELTA = 2016;
/** The search computes in doubles; amounts stay exact below 2^53 msat (~90,000 BTC). */
export const MAX_SEARCH_MSAT = Number.MAX_SAFE_INTEGER;
const U32_MAX = 0xffff_ffff;

/** One of our own channels, with what we can really send over it now. */
export interface FirstHopChannel {
  /** The real scid or an alias the peer knows; private channels are fine. */
  shortChannelId: bigint;
  peerNodeId: Uint8Array;
  /** What we can add as one more HTLC now (balance minus reserve, fees, in-flight limits). */
  spendableMsat: bigint;
  /** The smallest HTLC the peer accepts (its `htlc_minimum_msat`); default 0. */
  htlcMinimumMsat?: bigint;
  /** The largest single HTLC allowed; default: no limit beyond `spendableMsat`. */
  htlcMaximumMsat?: bigint;
}

/**
 * A BOLT 11 `r` entry: the channel `shortChannelId` from `nodeId` to the next hop of the hint (or to
 * the recipient, for the last entry), with the fees and delta `nodeId` charges over it.
 * BOLT 11: "for each entry, the `pubkey` is the node ID of the start of the channel".
 */
export interface RouteHintHop {
  nodeId: Uint8Array;
  shortChannelId: bigint;
  feeBaseMsat: bigint;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
  htlcMinimumMsat?: bigint;
  htlcMaximumMsat?: bigint;
}

/** An HTLC already on its way over a channel direction: the liquidity it uses is not available. */
export interface InFlightHtlc {
  shortChannelId: bigint;
  direction: 0 | 1;
  amountMsat: bigint;
}

/**
 * A policy for one channel direction that replaces the graph's (or a route hint's) in one search,
 * such as the channel_update a failing node sent. The graph itself is never changed: BOLT 4 has the
 * origin "MUST NOT expose the `channel_update` to third-parties in any other context, including
 * applying the `channel_update` to the local network graph". `policy.timestamp` is not used.
 */
export interface PolicyOverride {
  shortChannelId: bigint;
  direction: 0 | 1;
  policy: ChannelPolicy;
}

/** The weights of the cost function; all in msat so they add up with fees. */
export interface RoutingCostParams {
  /** Cost of -ln(p) = 1 (p ≈ 37 %), independent of the amount. */
  liquidityPenaltyMsat: number;
  /** Added to the above per unit of -ln(p), in millionths of the amount. */
  liquidityPenaltyAmountPpm: number;
  /** Flat cost per hop: fewer hops fail less and leak less. */
  hopPenaltyMsat: number;
  /** Price of each block of CLTV delta (funds locked in the worst case): flat part. */
  cltvPriceMsatPerBlock: number;
  /** ...and part in millionths of the amount, per block. */
  cltvPricePpmPerBlock: number;
  /**
   * Extra price of a channel direction that recently failed for this amount, scaled by how much of
   * that failure is still remembered (1 just after, 1/2 after a half-life): -ln(p) alone grows too
   * slowly to keep a retry off a channel that failed a second ago.
   */
  failurePenaltyMsat: number;
  /** ...and part in millionths of the amount. */
  failurePenaltyAmountPpm: number;
}

export const DEFAULT_COST_PARAMS: Readonly<RoutingCostParams> = {
  liquidityPenaltyMsat: 20_000,
  liquidityPenaltyAmountPpm: 100,
  hopPenaltyMsat: 500,
  cltvPriceMsatPerBlock: 5,
  cltvPricePpmPerBlock: 0.1,
  failurePenaltyMsat: 1_000_000,
  failurePenaltyAmountPpm: 10_000,
};

export interface FindRouteRequest {
  graph: ChannelGraph;
  source: Uint8Array;
  destination: Uint8Array;
  amountMsat: bigint;
  /** Blocks the recipient needs on the final HTLC (for keysend, the sender's choice). */
  finalCltvDelta: number;
  /** Makes every `outgoingCltvValue` absolute; without it they are relative to height 0. */
  currentHeight?: number;
  /** Upper bound on the total fee; default none. */
  maxFeeMsat?: bigint;
  /** Upper bound on the first HTLC's expiry minus the current height, final delta included. */
  maxCltvExpiryDelta?: number;
  /** At most MAX_ROUTE_HOPS. */
  maxHops?: number;
  /** Our channels with real balances; when given, our channels in the graph are ignored. */
  firstHopChannels?: readonly FirstHopChannel[];
  /** BOLT 11 route hints (each a path ending at the destination) for private destinations. */
  routeHints?: readonly (readonly RouteHintHop[])[];
  /** Channels not to use, in either direction. */
  excludedChannels?: Iterable<bigint>;
  /**
   * Nodes the route must not pass through. The source is never an intermediate hop (listing it
   * changes nothing); an excluded destination gives the no-route reason 'excluded-destination'.
   */
  excludedNodes?: readonly Uint8Array[];
  /**
   * Policies replacing the graph's or a route hint's for this search only; at most one per channel
   * direction. Ignored for our own channels when `firstHopChannels` are given (those are the truth),
   * and for channels neither the graph nor a hint has.
   */
  policyOverrides?: readonly PolicyOverride[];
  /** Liquidity already committed (other parts of this payment, other payments). */
  inFlight?: readonly InFlightHtlc[];
  /** What payments taught; requires `nowMs`. */
  scorer?: Scorer;
  nowMs?: number;
  costParams?: Partial<RoutingCostParams>;
}

export type NoRouteReason =
  | 'invalid-request'
  | 'unknown-source'
  | 'unknown-destination'
  | 'excluded-destination'
  | 'insufficient-balance'
  | 'no-path';

export type FindRouteResult =
  | { kind: 'route'; route: Route }
  | { kind: 'no-route'; reason: NoRouteReason; message: string };

export const noRoute = (reason: NoRouteReason, message: string): FindRouteResult => ({
  kind: 'no-route',
  reason,
  message,
});

function validNodeId(id: unknown): id is Uint8Array {
  return id instanceof Uint8Array && isNodeId(id);
}

function isU64(x: unknown): x is bigint {
  return typeof x === 'bigint' && x >= 0n && x < 1n << 64n;
}

function isU32(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= 0 && (x as number) <= U32_MAX;
}

/** What is wrong with a policy override, or undefined. */
function overrideProblem(o: PolicyOverride): string | undefined {
  if (!isU64(o.shortChannelId)) return 'a policy override shortChannelId is not a u64';
  if (o.direction !== 0 && o.direction !== 1) return 'a policy override direction is not 0 or 1';
  const p = o.policy;
  const at = `the policy override of ${formatShortChannelId(o.shortChannelId)} direction ${o.direction}`;
  if (p === undefined || p === null) return `${at} has no policy`;
  if (!(typeof p.feeBaseMsat === 'bigint' && p.feeBaseMsat >= 0n && p.feeBaseMsat <= BigInt(U32_MAX)))
    return `${at}: feeBaseMsat is not a u32`;
  if (!isU32(p.feeProportionalMillionths)) return `${at}: feeProportionalMillionths is not a u32`;
  if (!(Number.isInteger(p.cltvExpiryDelta) && p.cltvExpiryDelta >= 0 && p.cltvExpiryDelta <= 0xffff))
    return `${at}: cltvExpiryDelta is not a u16`;
  if (!isU64(p.htlcMinimumMsat)) return `${at}: htlcMinimumMsat is not a u64`;
  if (!isU64(p.htlcMaximumMsat)) return `${at}: htlcMaximumMsat is not a u64`;
  if (typeof p.disabled !== 'boolean') return `${at}: disabled is not a boolean`;
  return undefined;
}

/** Why a request cannot be served as given, or undefined. */
export function checkRequest(req: FindRouteRequest, maxHops: number, maxCltv: number): string | undefined {
  if (!validNodeId(req.source)) return 'source is not a 33-byte node id';
  if (!validNodeId(req.destination)) return 'destination is not a 33-byte node id';
  if (nodeKey(req.source) === nodeKey(req.destination)) return 'source and destination are the same node';
  if (typeof req.amountMsat !== 'bigint' || req.amountMsat <= 0n) return 'amountMsat must be > 0';
  if (req.amountMsat > BigInt(MAX_SEARCH_MSAT)) return `amountMsat must be at most ${MAX_SEARCH_MSAT}`;
  if (!Number.isInteger(req.finalCltvDelta) || req.finalCltvDelta < 0)
    return 'finalCltvDelta must be an integer >= 0';
  if (req.currentHeight !== undefined && !(Number.isInteger(req.currentHeight) && req.currentHeight >= 0)) {
    return 'currentHeight must be an integer >= 0';
  }
  if (req.maxFeeMsat !== undefined && req.maxFeeMsat < 0n) return 'maxFeeMsat must be >= 0';
  if (!(Number.isInteger(maxHops) && maxHops >= 1 && maxHops <= MAX_ROUTE_HOPS)) {
    return `maxHops must be 1 to ${MAX_ROUTE_HOPS}`;
  }
  if (!(Number.isInteger(maxCltv) && maxCltv >= 0)) return 'maxCltvExpiryDelta must be an integer >= 0';
  if (req.finalCltvDelta > maxCltv) return 'finalCltvDelta alone exceeds maxCltvExpiryDelta';
  if (req.scorer !== undefined && req.nowMs === undefined) return 'a scorer needs nowMs';
  for (const f of req.firstHopChannels ?? []) {
    if (!validNodeId(f.peerNodeId)) return 'a first hop peerNodeId is not a 33-byte node id';
    if (!isU64(f.shortChannelId)) return 'a first hop shortChannelId is not a u64';
    if (f.spendableMsat < 0n) return 'a first hop spendableMsat is negative';
  }
  for (const hint of req.routeHints ?? []) {
    for (const h of hint) {
      if (!validNodeId(h.nodeId)) return 'a route hint nodeId is not a 33-byte node id';
      if (!isU64(h.shortChannelId)) return 'a route hint shortChannelId is not a u64';
      if (!(h.feeBaseMsat >= 0n && h.feeBaseMsat <= BigInt(U32_MAX)))
        return 'a route hint feeBaseMsat is not a u32';
      if (!isU32(h.feeProportionalMillionths)) return 'a route hint feeProportionalMillionths is not a u32';
      if (!(Number.isInteger(h.cltvExpiryDelta) && h.cltvExpiryDelta >= 0 && h.cltvExpiryDelta <= 0xffff)) {
        return 'a route hint cltvExpiryDelta is not a u16';
      }
    }
  }
  for (const id of req.excludedNodes ?? []) {
    if (!validNodeId(id)) return 'an excluded node is not a 33-byte node id';
  }
  const overridden = new Set<bigint>();
  for (const o of req.policyOverrides ?? []) {
    const problem = overrideProblem(o);
    if (problem !== undefined) return problem;
    const key = (o.shortChannelId << 1n) | BigInt(o.direction);
    if (overridden.has(key)) {
      return `two policy overrides for ${formatShortChannelId(o.shortChannelId)} direction ${o.direction}`;
    }
    overridden.add(key);
  }
  return undefined;
}
