// src/routing/search.ts: the Dijkstra loop of the pathfinder, run backwards from the recipient over
// the graph's typed arrays plus the request's extra edges (first hops, route hints). Each node's label
// is the HTLC it must receive (amount, CLTV), its cost so far, and the edge it forwards over.
import { forwardingFeeMsatNumber } from './fees.js';
import { type ChannelGraph, type ChannelPolicy, type GraphView, POLICY_PRESENT } from './graph.js';
import { MinHeap } from './heap.js';
import {
  aprioriNegLogProbability,
  decayWeight,
  type LiquidityEstimate,
  successProbability,
} from './probability.js';
import { MAX_SEARCH_MSAT, type RoutingCostParams } from './request.js';

const U32_MAX = 0xffff_ffff;

/** A channel the graph does not hold (first hop or hint), added for one search. */
export interface ExtraEdge {
  from: number;
  to: number;
  shortChannelId: bigint;
  direction: 0 | 1;
  toNodeId: Uint8Array;
  feeBaseMsat: bigint;
  feeBase: number;
  feeProp: number;
  cltvDelta: number;
  htlcMin: number;
  htlcMax: number;
  /** Spendable balance for a first hop; Infinity (unknown) for a hint. */
  capacity: number;
  firstHop: boolean;
  excluded: boolean;
  inFlight: number;
  estimate: LiquidityEstimate | undefined;
}

/** A graph edge's policy replaced for one search (a request's policy override), as the search reads it. */
export interface EdgeOverride {
  /** What the graph's flag byte would be with this policy. */
  flags: number;
  feeBase: number;
  feeProp: number;
  cltvDelta: number;
  htlcMin: number;
  htlcMax: number;
  /** The exact values, for the route. */
  policy: ChannelPolicy;
}

/** Per-edge facts for one search (scorer estimates, in-flight amounts, exclusions, policy overrides). */
export interface EdgeNote {
  estimate: LiquidityEstimate | undefined;
  inFlight: number;
  excluded: boolean;
  override: EdgeOverride | undefined;
}

/** Scratch arrays reused across searches on one graph, stamped with a generation to avoid clearing. */
export class Workspace {
  gen = 0;
  cost = new Float64Array(0);
  amt = new Float64Array(0);
  cltv = new Int32Array(0);
  hops = new Uint8Array(0);
  nextEdge = new Int32Array(0);
  nextNode = new Int32Array(0);
  labelled = new Uint32Array(0);
  settled = new Uint32Array(0);
  edgeStamp = new Uint32Array(0);
  edgeNote = new Int32Array(0);
  readonly heap = new MinHeap();

  begin(nodes: number, edges: number): number {
    if (this.cost.length < nodes) {
      const n = Math.max(nodes, Math.ceil(this.cost.length * 1.5));
      this.cost = new Float64Array(n);
      this.amt = new Float64Array(n);
      this.cltv = new Int32Array(n);
      this.hops = new Uint8Array(n);
      this.nextEdge = new Int32Array(n);
      this.nextNode = new Int32Array(n);
      this.labelled = new Uint32Array(n);
      this.settled = new Uint32Array(n);
    }
    if (this.edgeStamp.length < edges) {
      const n = Math.max(edges, Math.ceil(this.edgeStamp.length * 1.5));
      this.edgeStamp = new Uint32Array(n);
      this.edgeNote = new Int32Array(n);
    }
    if (this.gen === U32_MAX) {
      this.gen = 0;
      this.labelled.fill(0);
      this.settled.fill(0);
      this.edgeStamp.fill(0);
    }
    this.heap.clear();
    return ++this.gen;
  }
}

const workspaces = new WeakMap<ChannelGraph, Workspace>();

/** The scratch arrays of a graph (searches are synchronous, so one set per graph suffices). */
export function workspaceFor(graph: ChannelGraph): Workspace {
  let ws = workspaces.get(graph);
  if (ws === undefined) {
    ws = new Workspace();
    workspaces.set(graph, ws);
  }
  return ws;
}

/**
 * The risk price of a channel direction the scorer knows about: -ln(p) priced like any other, plus,
 * while a failure for this amount is fresh, the failure penalty scaled by what is left of it.
 */
function learnedRiskMsat(
  load: number,
  capacity: number,
  estimate: LiquidityEstimate,
  liquidityScale: number,
  failureScale: number,
  nowMs: number,
  halfLifeMs: number,
): number {
  const p = successProbability(load, capacity, estimate, nowMs, halfLifeMs);
  if (p <= 0) return Number.POSITIVE_INFINITY;
  const failure = estimate.upperBoundMsat !== undefined && load > estimate.upperBoundMsat;
  const fresh = failure ? decayWeight(estimate.upperAtMs, nowMs, halfLifeMs) : 0;
  return -Math.log(p) * liquidityScale + fresh * failureScale;
}

/** Capacity of a graph channel in msat; its htlc_maximum_msat when the capacity is unknown. */
export function graphCapacityMsat(view: GraphView, edge: number, override: EdgeOverride | undefined): number {
  const sat = view.capacitySat[edge >> 1] as number;
  if (!Number.isNaN(sat)) return sat * 1000;
  // Without a known capacity, the largest HTLC the channel takes is the best bound we have.
  return override === undefined ? (view.htlcMaximumMsat[edge] as number) : override.htlcMax;
}

export interface SearchParams {
  src: number;
  dst: number;
  amount: number;
  finalCltv: number;
  maxFee: number;
  maxCltv: number;
  maxHops: number;
  useGraphFirstHops: boolean;
  /** Some graph edge's note carries an override: without any, the loop never looks for one. */
  hasOverrides: boolean;
  /** Nodes no route may pass through (never `src` or `dst`). */
  excludedNodes: readonly number[];
  cp: RoutingCostParams;
  nowMs: number;
  halfLifeMs: number;
}

/** Dijkstra from the recipient back to us. Returns true when `src` got a label. */
export function search(
  view: GraphView,
  ws: Workspace,
  gen: number,
  notes: readonly EdgeNote[],
  extras: readonly ExtraEdge[],
  extrasInto: ReadonlyMap<number, number[]>,
  p: SearchParams,
): boolean {
  const { cost, amt, cltv, hops, nextEdge, nextNode, labelled, settled, edgeStamp, edgeNote, heap } = ws;
  const { inStart, inEdge, inFrom, flags, feeBaseMsat, feeProportionalMillionths, cltvExpiryDelta } = view;
  const { htlcMinimumMsat, htlcMaximumMsat, capacitySat } = view;
  const graphNodes = view.nodeCount;
  const { src, dst, amount, maxFee, maxCltv, maxHops, useGraphFirstHops, hasOverrides, nowMs, halfLifeMs } =
    p;
  const { liquidityPenaltyMsat, liquidityPenaltyAmountPpm, hopPenaltyMsat } = p.cp;
  const { cltvPriceMsatPerBlock, cltvPricePpmPerBlock, failurePenaltyMsat, failurePenaltyAmountPpm } = p.cp;
  const maxTotal = Math.min(amount + maxFee, MAX_SEARCH_MSAT);

  // An excluded node counts as settled from the start: a settled node is never labelled again, so no
  // edge leads into it and it is never expanded. This costs the loop nothing.
  for (const x of p.excludedNodes) settled[x] = gen;

  cost[dst] = 0;
  amt[dst] = amount;
  cltv[dst] = p.finalCltv;
  hops[dst] = 0;
  labelled[dst] = gen;
  heap.push(0, dst);

  while (heap.size > 0) {
    const v = heap.pop();
    if (settled[v] === gen) continue;
    settled[v] = gen;
    if (v === src) return true;
    const hv = hops[v] as number;
    if (hv >= maxHops) continue;
    const a = amt[v] as number;
    const c = cltv[v] as number;
    const cv = cost[v] as number;
    // Per unit of -ln(p), and per block of delta, for an HTLC of this amount.
    const liquidityScale = liquidityPenaltyMsat + (a * liquidityPenaltyAmountPpm) / 1e6;
    const cltvScale = cltvPriceMsatPerBlock + (a * cltvPricePpmPerBlock) / 1e6;
    const failureScale = failurePenaltyMsat + (a * failurePenaltyAmountPpm) / 1e6;

    if (v < graphNodes) {
      const end = inStart[v + 1] as number;
      for (let k = inStart[v] as number; k < end; k++) {
        const u = inFrom[k] as number;
        if (settled[u] === gen || (u === src && !useGraphFirstHops)) continue;
        const e = inEdge[k] as number;
        const ov =
          hasOverrides && edgeStamp[e] === gen
            ? (notes[edgeNote[e] as number] as EdgeNote).override
            : undefined;
        // Only a present policy with neither the disabled nor the unusable bit.
        if ((ov === undefined ? flags[e] : ov.flags) !== POLICY_PRESENT) continue;
        const htlcMax = ov === undefined ? (htlcMaximumMsat[e] as number) : ov.htlcMax;
        if (a < (ov === undefined ? (htlcMinimumMsat[e] as number) : ov.htlcMin) || a > htlcMax) continue;
        const capSat = capacitySat[e >> 1] as number;
        const capacity = Number.isNaN(capSat) ? htlcMax : capSat * 1000;
        let risk: number;
        if (edgeStamp[e] === gen) {
          const note = notes[edgeNote[e] as number] as EdgeNote;
          if (note.excluded) continue;
          const load = a + note.inFlight;
          if (load > capacity) continue;
          risk =
            note.estimate === undefined
              ? aprioriNegLogProbability(load, capacity) * liquidityScale
              : learnedRiskMsat(
                  load,
                  capacity,
                  note.estimate,
                  liquidityScale,
                  failureScale,
                  nowMs,
                  halfLifeMs,
                );
        } else {
          if (a > capacity) continue;
          risk = -Math.log1p(-a / (capacity + 1)) * liquidityScale;
        }
        if (risk === Number.POSITIVE_INFINITY) continue;
        let newAmt = a;
        let newCltv = c;
        let price = hopPenaltyMsat + risk;
        // Our own channel: we charge ourselves no fee and add no delta.
        if (u !== src) {
          const fee =
            ov === undefined
              ? forwardingFeeMsatNumber(a, feeBaseMsat[e] as number, feeProportionalMillionths[e] as number)
              : forwardingFeeMsatNumber(a, ov.feeBase, ov.feeProp);
          newAmt = a + fee;
          if (newAmt > maxTotal) continue;
          const delta = ov === undefined ? (cltvExpiryDelta[e] as number) : ov.cltvDelta;
          newCltv = c + delta;
          if (newCltv > maxCltv) continue;
          price += fee + delta * cltvScale;
        }
        const newCost = cv + price;
        if (labelled[u] !== gen || newCost < (cost[u] as number)) {
          labelled[u] = gen;
          cost[u] = newCost;
          amt[u] = newAmt;
          cltv[u] = newCltv;
          hops[u] = hv + 1;
          nextEdge[u] = e;
          nextNode[u] = v;
          heap.push(newCost, u);
        }
      }
    }

    const into = extrasInto.get(v);
    if (into === undefined) continue;
    for (const xi of into) {
      const x = extras[xi] as ExtraEdge;
      const u = x.from;
      if (settled[u] === gen || x.excluded) continue;
      if (a < x.htlcMin || a > x.htlcMax) continue;
      const load = a + x.inFlight;
      if (load > x.capacity) continue;
      let newAmt = a;
      let newCltv = c;
      let price = hopPenaltyMsat;
      if (!x.firstHop) {
        // A first hop's balance is known: no liquidity risk. A hint's capacity is not.
        const risk =
          x.estimate === undefined
            ? aprioriNegLogProbability(load, x.capacity) * liquidityScale
            : learnedRiskMsat(load, x.capacity, x.estimate, liquidityScale, failureScale, nowMs, halfLifeMs);
        if (risk === Number.POSITIVE_INFINITY) continue;
        price += risk;
        if (u !== src) {
          const fee = forwardingFeeMsatNumber(a, x.feeBase, x.feeProp);
          newAmt = a + fee;
          if (newAmt > maxTotal) continue;
          newCltv = c + x.cltvDelta;
          if (newCltv > maxCltv) continue;
          price += fee + x.cltvDelta * cltvScale;
        }
      }
      const newCost = cv + price;
      if (labelled[u] !== gen || newCost < (cost[u] as number)) {
        labelled[u] = gen;
        cost[u] = newCost;
        amt[u] = newAmt;
        cltv[u] = newCltv;
        hops[u] = hv + 1;
        nextEdge[u] = -xi - 1;
        nextNode[u] = v;
        heap.push(newCost, u);
      }
    }
  }
  return false;
}
