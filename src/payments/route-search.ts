// src/payments/route-search.ts: the routes for the next attempt(s) of a payment: one path, or
// several parts when the payment may be split and one path cannot carry it. What earlier attempts
// taught (excluded channels and nodes, channel_updates from failures) applies to this payment only:
// it goes into each search request, and the shared graph is never written.
import {
  type ChannelGraph,
  type FindRouteRequest,
  findRoute,
  type InFlightHtlc,
  MAX_ROUTE_HOPS,
  type PolicyOverride,
  type Route,
  routeInFlight,
  type Scorer,
  splitPayment,
} from '../routing/index.js';
import type { StoredAttempt } from './attempt.js';
import { describeRecords } from './keysend.js';
import { finalPayloadShift, maxHopsForFinalPayload } from './payload.js';
import type { PaymentPlan } from './plan.js';
import type { LocalChannels } from './types.js';

/** What routing knows about one payment beyond the graph and scorer. */
export interface RoutingSession {
  plan: PaymentPlan;
  excludedChannels: Set<bigint>;
  /** Nodes whose failures (NODE bit, unreadable onion payloads) keep them off this payment's routes. */
  excludedNodes: Uint8Array[];
  /** Verified channel_updates from this payment's failures, by `${scid}/${direction}`. */
  overrides: Map<string, PolicyOverride>;
}

export interface RoutingContext {
  graph: ChannelGraph;
  scorer: Scorer;
  nodeId: Uint8Array;
  localChannels: LocalChannels;
  currentHeight: number;
  nowMs: number;
}

export type RouteSearchResult =
  | { kind: 'routes'; routes: Route[] }
  | { kind: 'none'; code: 'no_route' | 'records_too_large' | 'fee_budget_spent'; reason: string };

/**
 * Routes for `amountMsat` more of the payment, given the attempts still in flight (whose fees
 * count against the fee bound and whose liquidity is taken). Pure: reads the graph and scorer only.
 */
export function findPaymentRoutes(
  ctx: RoutingContext,
  session: RoutingSession,
  amountMsat: bigint,
  inFlight: readonly StoredAttempt[],
): RouteSearchResult {
  const { plan } = session;
  const feeInFlight = inFlight.reduce((s, a) => s + a.route.totalFeeMsat, 0n);
  const maxFeeMsat = plan.maxFeeMsat - feeInFlight;
  if (maxFeeMsat < 0n) {
    return { kind: 'none', code: 'fee_budget_spent', reason: 'the parts in flight use up the fee budget' };
  }
  const budget = maxHopsForFinalPayload(plan.final, amountMsat);
  const tooLarge = (hops: number): RouteSearchResult => ({
    kind: 'none',
    code: 'records_too_large',
    reason:
      `records too large for a ${hops}-hop route: the final payload takes ` +
      `${finalPayloadShift(plan.final, amountMsat)} of the onion's 1300 bytes (${describeRecords(plan.final.records)}), ` +
      `leaving room for ${budget} hop(s); send fewer or smaller records`,
  });
  if (budget === 0) return tooLarge(1);
  let firstHops = ctx.localChannels.list();
  if (plan.outgoingChannelId !== undefined)
    firstHops = firstHops.filter((f) => f.shortChannelId === plan.outgoingChannelId);
  // Our first hops' spendable balances already account for HTLCs the channel layer holds.
  const taken: InFlightHtlc[] = inFlight.flatMap((a) => routeInFlight(a.route).slice(1));
  const req: FindRouteRequest = {
    graph: ctx.graph,
    source: ctx.nodeId,
    destination: plan.destination,
    amountMsat,
    finalCltvDelta: plan.finalCltvDelta,
    currentHeight: ctx.currentHeight,
    maxFeeMsat,
    maxCltvExpiryDelta: plan.maxCltvExpiryDelta,
    maxHops: budget,
    firstHopChannels: firstHops,
    routeHints: plan.routeHints,
    excludedChannels: session.excludedChannels,
    excludedNodes: session.excludedNodes,
    // BOLT 4: the origin "MUST NOT expose the `channel_update` to third-parties in any other"
    // context, "including applying the `channel_update` to the local network graph": the updates
    // are this search's alone (they apply to hint channels too, whose policy lives in the hints).
    policyOverrides: [...session.overrides.values()],
    inFlight: taken,
    scorer: ctx.scorer,
    nowMs: ctx.nowMs,
  };
  const single = findRoute(req);
  if (single.kind === 'route') return { kind: 'routes', routes: [single.route] };
  const partsLeft = plan.maxParts - inFlight.length;
  if (
    plan.allowMpp &&
    partsLeft > 1 &&
    (single.reason === 'no-path' || single.reason === 'insufficient-balance')
  ) {
    const split = splitPayment({ ...req, maxParts: partsLeft });
    if (split.kind === 'routes') return { kind: 'routes', routes: split.routes };
  }
  if (budget < MAX_ROUTE_HOPS && single.reason === 'no-path') {
    const longer = findRoute({ ...req, maxHops: MAX_ROUTE_HOPS });
    if (longer.kind === 'route') return tooLarge(longer.route.hops.length);
  }
  return { kind: 'none', code: 'no_route', reason: `no route: ${single.message}` };
}
