// Test helpers for src/routing: small handmade graphs, and an independent route checker that knows
// the BOLT 7 rules without sharing code with the pathfinder.
import { bytesToHex } from '../../src/crypto/index.js';
import {
  ChannelGraph,
  type ChannelPolicy,
  type FindRouteRequest,
  type Route,
  type RouteHintHop,
} from '../../src/routing/index.js';

/** A node id whose byte order follows `n`, so tests control which end is node_id_1. */
export function nid(n: number): Uint8Array {
  const id = new Uint8Array(33);
  id[0] = 0x02;
  id[31] = (n >> 8) & 0xff;
  id[32] = n & 0xff;
  return id;
}

export interface PolicySpec {
  base?: number;
  ppm?: number;
  cltv?: number;
  min?: bigint;
  max?: bigint;
  disabled?: boolean;
}

export interface ChannelSpec {
  scid: bigint;
  a: number;
  b: number;
  capacitySat?: bigint;
  /** What `a` charges to forward to `b`; undefined: no update in that direction. */
  ab?: PolicySpec;
  ba?: PolicySpec;
}

export function policy(p: PolicySpec, capacitySat: bigint | undefined): ChannelPolicy {
  return {
    feeBaseMsat: BigInt(p.base ?? 0),
    feeProportionalMillionths: p.ppm ?? 0,
    cltvExpiryDelta: p.cltv ?? 0,
    htlcMinimumMsat: p.min ?? 0n,
    htlcMaximumMsat: p.max ?? (capacitySat ?? 100_000_000n) * 1000n,
    disabled: p.disabled ?? false,
    timestamp: 1,
  };
}

/** Builds a graph from channel specs; both directions get a default free policy unless given. */
export function buildGraph(channels: readonly ChannelSpec[], bothWays = true): ChannelGraph {
  const g = new ChannelGraph();
  for (const c of channels) {
    const aFirst = c.a < c.b;
    const capacitySat = c.capacitySat ?? 100_000_000n;
    g.addChannel({
      shortChannelId: c.scid,
      node1: nid(aFirst ? c.a : c.b),
      node2: nid(aFirst ? c.b : c.a),
      capacitySat,
    });
    const ab = c.ab ?? (bothWays ? {} : undefined);
    const ba = c.ba ?? (bothWays ? {} : undefined);
    if (ab !== undefined) g.updatePolicy(c.scid, aFirst ? 0 : 1, policy(ab, capacitySat));
    if (ba !== undefined) g.updatePolicy(c.scid, aFirst ? 1 : 0, policy(ba, capacitySat));
  }
  return g;
}

interface EdgePolicy {
  feeBaseMsat: bigint;
  ppm: bigint;
  cltv: number;
  min: bigint;
  max: bigint | undefined;
  capacityMsat: bigint | undefined;
  disabled: boolean;
}

const hex = bytesToHex;

/**
 * Checks a route against the request and the graph with its own reading of the rules; returns the
 * violations (empty when the route is valid).
 */
export function checkRoute(req: FindRouteRequest, route: Route): string[] {
  const bad: string[] = [];
  const { graph } = req;
  const hops = route.hops;
  const k = hops.length;
  const height = req.currentHeight ?? 0;
  if (k === 0) return ['empty route'];
  if (k > (req.maxHops ?? 20)) bad.push(`${k} hops`);
  const excluded = new Set(req.excludedChannels ?? []);
  const excludedNodes = new Set((req.excludedNodes ?? []).map(hex));
  const hints: RouteHintHop[] = (req.routeHints ?? []).flat();
  // An override replaces the graph's or the hint's policy of its channel direction (not our first hops').
  const overrides = new Map<string, ChannelPolicy>(
    (req.policyOverrides ?? []).map((o) => [`${o.shortChannelId}/${o.direction}`, o.policy]),
  );
  const overrideOf = (scid: bigint, from: Uint8Array, to: Uint8Array) =>
    overrides.get(`${scid}/${hex(from) < hex(to) ? 0 : 1}`);

  // The policy `from` applies to the channel `scid` towards `to`.
  const policyOf = (i: number, from: Uint8Array, to: Uint8Array, scid: bigint): EdgePolicy | undefined => {
    if (i === 0 && req.firstHopChannels !== undefined) {
      const f = req.firstHopChannels.find((x) => x.shortChannelId === scid && hex(x.peerNodeId) === hex(to));
      if (f === undefined) return undefined;
      return {
        feeBaseMsat: 0n,
        ppm: 0n,
        cltv: 0,
        min: f.htlcMinimumMsat ?? 0n,
        max: f.htlcMaximumMsat,
        capacityMsat: f.spendableMsat,
        disabled: false,
      };
    }
    const h = hints.find((x) => x.shortChannelId === scid && hex(x.nodeId) === hex(from));
    const o = overrideOf(scid, from, to);
    if (h !== undefined && o !== undefined) {
      return {
        feeBaseMsat: o.feeBaseMsat,
        ppm: BigInt(o.feeProportionalMillionths),
        cltv: o.cltvExpiryDelta,
        min: o.htlcMinimumMsat,
        max: o.htlcMaximumMsat,
        capacityMsat: undefined,
        disabled: o.disabled,
      };
    }
    if (h !== undefined) {
      return {
        feeBaseMsat: h.feeBaseMsat,
        ppm: BigInt(h.feeProportionalMillionths),
        cltv: h.cltvExpiryDelta,
        min: h.htlcMinimumMsat ?? 0n,
        max: h.htlcMaximumMsat,
        capacityMsat: undefined,
        disabled: false,
      };
    }
    const ch = graph.getChannel(scid);
    if (ch === undefined) return undefined;
    const ends = [hex(ch.node1), hex(ch.node2)];
    let dir: 0 | 1;
    if (ends[0] === hex(from) && ends[1] === hex(to)) dir = 0;
    else if (ends[1] === hex(from) && ends[0] === hex(to)) dir = 1;
    else return undefined;
    const p = o ?? ch.policies[dir];
    if (p === undefined) return undefined;
    return {
      feeBaseMsat: p.feeBaseMsat,
      ppm: BigInt(p.feeProportionalMillionths),
      cltv: p.cltvExpiryDelta,
      min: p.htlcMinimumMsat,
      max: p.htlcMaximumMsat,
      capacityMsat: ch.capacitySat === undefined ? undefined : ch.capacitySat * 1000n,
      disabled: p.disabled,
    };
  };

  const nodes = [req.source, ...hops.map((h) => h.nodeId)];
  if (new Set(nodes.map(hex)).size !== nodes.length) bad.push('a node repeats');
  if (hex(nodes[k] as Uint8Array) !== hex(req.destination)) bad.push('the last hop is not the destination');
  if (excludedNodes.has(hex(req.destination))) bad.push('the destination is excluded');
  const pols: EdgePolicy[] = [];
  for (let i = 0; i < k; i++) {
    const hop = hops[i]!;
    const from = nodes[i] as Uint8Array;
    const p = policyOf(i, from, hop.nodeId, hop.shortChannelId);
    if (p === undefined) {
      bad.push(`hop ${i}: no channel ${hop.shortChannelId} from ${hex(from)} to ${hex(hop.nodeId)}`);
      return bad;
    }
    pols.push(p);
    const wantDir = hex(from) < hex(hop.nodeId) ? 0 : 1;
    if (hop.direction !== wantDir) bad.push(`hop ${i}: direction ${hop.direction}`);
    if (excluded.has(hop.shortChannelId)) bad.push(`hop ${i}: excluded channel`);
    if (i < k - 1 && excludedNodes.has(hex(hop.nodeId))) bad.push(`hop ${i}: excluded node`);
    if (p.disabled) bad.push(`hop ${i}: disabled`);
    const carried = hop.amtToForwardMsat + hop.feeMsat;
    if (carried < p.min) bad.push(`hop ${i}: ${carried} below htlc_minimum ${p.min}`);
    if (p.max !== undefined && carried > p.max) bad.push(`hop ${i}: ${carried} above htlc_maximum ${p.max}`);
    if (p.capacityMsat !== undefined && carried > p.capacityMsat)
      bad.push(`hop ${i}: ${carried} above capacity`);
    const ownFirstHop = i === 0 && req.firstHopChannels !== undefined;
    if (!ownFirstHop && p.max !== undefined && p.capacityMsat !== undefined && p.max > p.capacityMsat) {
      bad.push(`hop ${i}: htlc_maximum above capacity`);
    }
  }
  for (let i = 0; i < k; i++) {
    const hop = hops[i]!;
    if (i === k - 1) {
      if (hop.amtToForwardMsat !== req.amountMsat) bad.push('final amount differs');
      if (hop.feeMsat !== 0n) bad.push('the recipient charges a fee');
      if (hop.outgoingCltvValue !== height + req.finalCltvDelta) bad.push('final cltv differs');
      continue;
    }
    const next = hops[i + 1]!;
    const np = pols[i + 1]!;
    const expectFee = np.feeBaseMsat + (hop.amtToForwardMsat * np.ppm) / 1_000_000n;
    if (hop.feeMsat !== expectFee) bad.push(`hop ${i}: fee ${hop.feeMsat}, policy asks ${expectFee}`);
    if (hop.amtToForwardMsat !== next.amtToForwardMsat + next.feeMsat)
      bad.push(`hop ${i}: amt_to_forward mismatch`);
    const nextDelta = i + 2 < k ? pols[i + 2]!.cltv : 0;
    if (hop.outgoingCltvValue !== next.outgoingCltvValue + nextDelta)
      bad.push(`hop ${i}: outgoing_cltv mismatch`);
  }
  const first = hops[0]!;
  const fees = hops.reduce((s, h) => s + h.feeMsat, 0n);
  if (route.totalAmountMsat !== first.amtToForwardMsat + first.feeMsat) bad.push('totalAmountMsat mismatch');
  if (route.totalFeeMsat !== fees || route.totalAmountMsat - req.amountMsat !== fees)
    bad.push('totalFeeMsat mismatch');
  const expiry = first.outgoingCltvValue + (k > 1 ? pols[1]!.cltv : 0);
  if (route.cltvExpiry !== expiry || route.totalCltvDelta !== expiry - height)
    bad.push('cltv totals mismatch');
  if (route.totalCltvDelta > (req.maxCltvExpiryDelta ?? 2016)) bad.push('above max cltv');
  if (req.maxFeeMsat !== undefined && fees > req.maxFeeMsat) bad.push('above max fee');
  return bad;
}
