// src/routing/pathfind.ts: the cheapest route from us to a node, by Dijkstra run backwards from the
// recipient. Going backwards, each node's label is the exact HTLC it must receive (amount and CLTV), so
// the fee of the node before it is computed on the right amount and fees compound correctly. The
// cost minimized is fees plus a price on risk: -ln(success probability) from the liquidity model,
// a price per block of CLTV delta, and a small per-hop penalty.
import { POLICY_PRESENT, policyFlags } from './graph.js';
import { directionOf, nodeKey } from './node-id.js';
import { successProbability } from './probability.js';
import {
  checkRequest,
  DEFAULT_COST_PARAMS,
  DEFAULT_MAX_CLTV_EXPIRY_DELTA,
  type FindRouteRequest,
  type FindRouteResult,
  MAX_ROUTE_HOPS,
  noRoute,
  type PolicyOverride,
  type RouteHintHop,
  type RoutingCostParams,
} from './request.js';
import { assembleRoute, type RouteEdge } from './route.js';
import {
  type EdgeNote,
  type EdgeOverride,
  type ExtraEdge,
  graphCapacityMsat,
  search,
  workspaceFor,
} from './search.js';

/** The key of a channel direction in the request's maps. */
const directedKey = (scid: bigint, direction: 0 | 1): bigint => (scid << 1n) | BigInt(direction);

/**
 * Finds the cheapest route (fees + risk + CLTV price) from `source` to `destination` that respects
 * every channel's policy (disabled flags, htlc minimum and maximum, capacity), our first hops' real
 * balances, the fee and CLTV bounds and the hop limit. Pure: reads the graph and scorer, no I/O.
 * `policyOverrides` and `excludedNodes` hold for this search only: the graph is never written.
 * The search labels each node once (like LDK and lnd); with bounds that bind, a route that a
 * label-correcting search would find can in rare cases be missed.
 */
export function findRoute(req: FindRouteRequest): FindRouteResult {
  const maxHops = req.maxHops ?? MAX_ROUTE_HOPS;
  const maxCltv = req.maxCltvExpiryDelta ?? DEFAULT_MAX_CLTV_EXPIRY_DELTA;
  const invalid = checkRequest(req, maxHops, maxCltv);
  if (invalid !== undefined) return noRoute('invalid-request', invalid);
  const destinationKey = nodeKey(req.destination);
  if (req.excludedNodes?.some((id) => nodeKey(id) === destinationKey)) {
    return noRoute('excluded-destination', 'the destination is one of the excluded nodes');
  }

  const { graph } = req;
  const view = graph.view();
  const cp: RoutingCostParams = { ...DEFAULT_COST_PARAMS, ...req.costParams };
  const amount = Number(req.amountMsat);
  const maxFee = req.maxFeeMsat === undefined ? Number.POSITIVE_INFINITY : Number(req.maxFeeMsat);
  const nowMs = req.nowMs ?? 0;
  const halfLifeMs = req.scorer?.params.halfLifeMs ?? 1;

  // Nodes outside the graph (private peers, hint nodes, a private recipient) get indexes after the graph's.
  const virtualIds: Uint8Array[] = [];
  const virtualIndex = new Map<string, number>();
  const indexOf = (id: Uint8Array, create: boolean): number => {
    const i = graph.nodeIndexOf(id);
    if (i >= 0) return i;
    const k = nodeKey(id);
    const v = virtualIndex.get(k);
    if (v !== undefined || !create) return v ?? -1;
    virtualIds.push(id);
    virtualIndex.set(k, view.nodeCount + virtualIds.length - 1);
    return view.nodeCount + virtualIds.length - 1;
  };

  const firstHops = req.firstHopChannels;
  const useGraphFirstHops = firstHops === undefined;
  const src = indexOf(req.source, !useGraphFirstHops);
  if (src < 0)
    return noRoute('unknown-source', 'the source is not in the graph and no first hop channels were given');

  const excluded = new Set(req.excludedChannels ?? []);
  const inFlightByKey = new Map<bigint, number>();
  for (const f of req.inFlight ?? []) {
    const k = directedKey(f.shortChannelId, f.direction);
    inFlightByKey.set(k, (inFlightByKey.get(k) ?? 0) + Number(f.amountMsat));
  }
  const overrideByKey = new Map<bigint, PolicyOverride>();
  for (const o of req.policyOverrides ?? []) overrideByKey.set(directedKey(o.shortChannelId, o.direction), o);
  const estimateOf = (scid: bigint, dir: 0 | 1) => req.scorer?.estimate(scid, dir);

  // First hops and hint channels become extra edges, indexed by the node they lead into.
  const extras: ExtraEdge[] = [];
  const extrasInto = new Map<number, number[]>();
  const addExtra = (x: ExtraEdge) => {
    extras.push(x);
    const list = extrasInto.get(x.to);
    if (list === undefined) extrasInto.set(x.to, [extras.length - 1]);
    else list.push(extras.length - 1);
  };
  let bestFirstHop = -1;
  for (const f of firstHops ?? []) {
    const direction = directionOf(req.source, f.peerNodeId);
    const inFlight = inFlightByKey.get(directedKey(f.shortChannelId, direction)) ?? 0;
    bestFirstHop = Math.max(bestFirstHop, Number(f.spendableMsat) - inFlight);
    addExtra({
      from: src,
      to: indexOf(f.peerNodeId, true),
      shortChannelId: f.shortChannelId,
      direction,
      toNodeId: f.peerNodeId,
      feeBaseMsat: 0n,
      feeBase: 0,
      feeProp: 0,
      cltvDelta: 0,
      htlcMin: Number(f.htlcMinimumMsat ?? 0n),
      htlcMax: f.htlcMaximumMsat === undefined ? Number.POSITIVE_INFINITY : Number(f.htlcMaximumMsat),
      capacity: Number(f.spendableMsat),
      firstHop: true,
      excluded: excluded.has(f.shortChannelId),
      inFlight,
      estimate: undefined,
    });
  }
  if (firstHops !== undefined && bestFirstHop < amount) {
    return noRoute(
      'insufficient-balance',
      `no first hop channel can send ${req.amountMsat} msat (largest spendable: ${Math.max(0, bestFirstHop)} msat)`,
    );
  }
  for (const hint of req.routeHints ?? []) {
    for (let i = 0; i < hint.length; i++) {
      const h = hint[i] as RouteHintHop;
      const toId = i + 1 < hint.length ? (hint[i + 1] as RouteHintHop).nodeId : req.destination;
      const from = indexOf(h.nodeId, true);
      const to = indexOf(toId, true);
      if (from === to) continue;
      // Our own channel in a hint: when first hops are given they are the truth about our channels.
      if (from === src && !useGraphFirstHops) continue;
      const direction = directionOf(h.nodeId, toId);
      const o = overrideByKey.get(directedKey(h.shortChannelId, direction))?.policy;
      // A private channel's policy lives only in the hint: an override replaces the hint's.
      const p: Omit<RouteHintHop, 'nodeId' | 'shortChannelId'> = o ?? h;
      addExtra({
        from,
        to,
        shortChannelId: h.shortChannelId,
        direction,
        toNodeId: toId,
        feeBaseMsat: p.feeBaseMsat,
        feeBase: Number(p.feeBaseMsat),
        feeProp: p.feeProportionalMillionths,
        cltvDelta: p.cltvExpiryDelta,
        htlcMin: Number(p.htlcMinimumMsat ?? 0n),
        htlcMax: p.htlcMaximumMsat === undefined ? Number.POSITIVE_INFINITY : Number(p.htlcMaximumMsat),
        capacity: Number.POSITIVE_INFINITY,
        firstHop: false,
        excluded:
          excluded.has(h.shortChannelId) ||
          (o !== undefined && policyFlags(o, Number.NaN) !== POLICY_PRESENT),
        inFlight: inFlightByKey.get(directedKey(h.shortChannelId, direction)) ?? 0,
        estimate: estimateOf(h.shortChannelId, direction),
      });
    }
  }
  const dst = indexOf(req.destination, false);
  if (dst < 0) {
    return noRoute(
      'unknown-destination',
      'the destination is not in the graph, and no route hint or first hop reaches it',
    );
  }
  // Indexes of the excluded nodes the search could meet (the source is never an intermediate hop).
  const excludedNodes: number[] = [];
  for (const id of req.excludedNodes ?? []) {
    const i = indexOf(id, false);
    if (i >= 0 && i !== src) excludedNodes.push(i);
  }

  const nodeTotal = view.nodeCount + virtualIds.length;
  const ws = workspaceFor(graph);
  const gen = ws.begin(nodeTotal, view.slotCount * 2);

  // Per-edge facts for graph channels: notes indexed through a generation-stamped slot table.
  const notes: EdgeNote[] = [];
  const { edgeStamp, edgeNote } = ws;
  const noteFor = (edge: number): EdgeNote => {
    if (edgeStamp[edge] === gen) return notes[edgeNote[edge] as number] as EdgeNote;
    const n: EdgeNote = { estimate: undefined, inFlight: 0, excluded: false, override: undefined };
    edgeStamp[edge] = gen;
    edgeNote[edge] = notes.length;
    notes.push(n);
    return n;
  };
  for (const scid of excluded) {
    const slot = graph.slotOf(scid);
    if (slot < 0) continue;
    noteFor(slot * 2).excluded = true;
    noteFor(slot * 2 + 1).excluded = true;
  }
  for (const [k, msat] of inFlightByKey) {
    const slot = graph.slotOf(k >> 1n);
    if (slot >= 0) noteFor(slot * 2 + Number(k & 1n)).inFlight = msat;
  }
  if (req.scorer !== undefined) {
    for (const [scid, dir, est] of req.scorer.estimates()) {
      const slot = graph.slotOf(scid);
      if (slot >= 0) noteFor(slot * 2 + dir).estimate = est;
    }
  }
  let hasOverrides = false;
  for (const { shortChannelId, direction, policy } of overrideByKey.values()) {
    const slot = graph.slotOf(shortChannelId);
    if (slot < 0) continue;
    noteFor(slot * 2 + direction).override = {
      flags: policyFlags(policy, view.capacitySat[slot] as number),
      feeBase: Number(policy.feeBaseMsat),
      feeProp: policy.feeProportionalMillionths,
      cltvDelta: policy.cltvExpiryDelta,
      htlcMin: Number(policy.htlcMinimumMsat),
      htlcMax: Number(policy.htlcMaximumMsat),
      policy,
    } satisfies EdgeOverride;
    hasOverrides = true;
  }

  const found = search(view, ws, gen, notes, extras, extrasInto, {
    src,
    dst,
    amount,
    finalCltv: req.finalCltvDelta,
    maxFee,
    maxCltv,
    maxHops,
    useGraphFirstHops,
    hasOverrides,
    excludedNodes,
    cp,
    nowMs,
    halfLifeMs,
  });
  if (!found) {
    return noRoute(
      'no-path',
      `no route of at most ${maxHops} hops within the fee and CLTV limits carries ${req.amountMsat} msat to the destination`,
    );
  }

  // Walk the labels from us to the recipient and assemble the route exactly.
  const edges: RouteEdge[] = [];
  let probability = 1;
  for (let u = src; u !== dst; ) {
    const e = ws.nextEdge[u] as number;
    const v = ws.nextNode[u] as number;
    const carried = ws.amt[v] as number;
    if (e >= 0) {
      const slot = e >> 1;
      const note = edgeStamp[e] === gen ? notes[edgeNote[e] as number] : undefined;
      const o = note?.override?.policy;
      probability *= successProbability(
        carried + (note?.inFlight ?? 0),
        graphCapacityMsat(view, e, note?.override),
        note?.estimate,
        nowMs,
        halfLifeMs,
      );
      edges.push({
        shortChannelId: view.scids[slot] as bigint,
        direction: (e & 1) as 0 | 1,
        toNodeId: v < view.nodeCount ? graph.nodeIdAt(v) : (virtualIds[v - view.nodeCount] as Uint8Array),
        feeBaseMsat: o === undefined ? BigInt(view.feeBaseMsat[e] as number) : o.feeBaseMsat,
        feeProportionalMillionths:
          o?.feeProportionalMillionths ?? (view.feeProportionalMillionths[e] as number),
        cltvExpiryDelta: o?.cltvExpiryDelta ?? (view.cltvExpiryDelta[e] as number),
      });
    } else {
      const x = extras[-e - 1] as ExtraEdge;
      if (!x.firstHop)
        probability *= successProbability(carried + x.inFlight, x.capacity, x.estimate, nowMs, halfLifeMs);
      edges.push({
        shortChannelId: x.shortChannelId,
        direction: x.direction,
        toNodeId: x.toNodeId,
        feeBaseMsat: x.feeBaseMsat,
        feeProportionalMillionths: x.feeProp,
        cltvExpiryDelta: x.cltvDelta,
      });
    }
    u = v;
  }
  const route = assembleRoute(edges, req.amountMsat, req.finalCltvDelta, req.currentHeight ?? 0, probability);
  if (route.totalAmountMsat !== BigInt(ws.amt[src] as number)) {
    throw new Error(`pathfinding bug: search amount ${ws.amt[src]} != assembled ${route.totalAmountMsat}`);
  }
  return { kind: 'route', route };
}
