// src/routing: the channel graph, pathfinding and the liquidity model that learns from payments.

export { forwardingFeeMsat } from './fees.js';
export {
  type ChannelAnnouncementInfo,
  ChannelGraph,
  type ChannelInfo,
  type ChannelPolicy,
  type NodeInfo,
  type PolicyUpdateResult,
} from './graph.js';
export { type LoadOptions, type LoadReport, loadDescribeGraph } from './load-describegraph.js';
export { routeInFlight, type SplitPaymentRequest, type SplitPaymentResult, splitPayment } from './mpp.js';
export { compareNodeIds, directionOf, nodeIdFromHex } from './node-id.js';
export { findRoute } from './pathfind.js';
export type { LiquidityEstimate } from './probability.js';
export {
  DEFAULT_COST_PARAMS,
  DEFAULT_MAX_CLTV_EXPIRY_DELTA,
  type FindRouteRequest,
  type FindRouteResult,
  type FirstHopChannel,
  type InFlightHtlc,
  MAX_ROUTE_HOPS,
  type NoRouteReason,
  type PolicyOverride,
  type RouteHintHop,
  type RoutingCostParams,
} from './request.js';
export type { Route, RouteHop } from './route.js';
export { DEFAULT_SCORER_PARAMS, type PathHop, Scorer, type ScorerParams } from './scorer.js';
export { encodeShortChannelId, formatShortChannelId, parseShortChannelId } from './short-channel-id.js';
