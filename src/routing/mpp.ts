// src/routing/mpp.ts: paths for the parts of one multi-part payment. Greedy: route as much of what
// remains as one path can carry, halving the part until a path is found; then count that part as
// in flight on every channel it uses, so the next search sees those channels (and our first hops)
// with that much less liquidity, and repeat. The fee bound is shared by all parts.
import { findRoute } from './pathfind.js';
import type { FindRouteRequest, InFlightHtlc, NoRouteReason } from './request.js';
import type { Route } from './route.js';

export interface SplitPaymentRequest extends FindRouteRequest {
  /** Most parts to use (1 means a single path). */
  maxParts: number;
  /** Smallest part worth sending, except for a last remainder; default amount / (4 * maxParts). */
  minPartMsat?: bigint;
}

export type SplitPaymentResult =
  | { kind: 'routes'; routes: Route[]; amountMsat: bigint; totalFeeMsat: bigint }
  | { kind: 'no-route'; reason: NoRouteReason; message: string };

/** The liquidity a route takes on each channel direction it uses. */
export function routeInFlight(route: Route): InFlightHtlc[] {
  return route.hops.map((h) => ({
    shortChannelId: h.shortChannelId,
    direction: h.direction,
    amountMsat: h.amtToForwardMsat + h.feeMsat,
  }));
}

/**
 * Splits `amountMsat` over up to `maxParts` paths. Every route delivers its part to the destination;
 * the parts add up to `amountMsat`, and their fees together stay within `maxFeeMsat`. Pure, like
 * `findRoute`; each part costs one search per halving step.
 */
export function splitPayment(req: SplitPaymentRequest): SplitPaymentResult {
  const { maxParts } = req;
  if (!(Number.isInteger(maxParts) && maxParts >= 1)) {
    return { kind: 'no-route', reason: 'invalid-request', message: 'maxParts must be an integer >= 1' };
  }
  if (req.amountMsat <= 0n)
    return { kind: 'no-route', reason: 'invalid-request', message: 'amountMsat must be > 0' };
  const minPart = req.minPartMsat ?? (req.amountMsat + BigInt(4 * maxParts) - 1n) / BigInt(4 * maxParts);

  const routes: Route[] = [];
  const inFlight: InFlightHtlc[] = [...(req.inFlight ?? [])];
  let remaining = req.amountMsat;
  let totalFee = 0n;
  while (remaining > 0n) {
    const lastPart = routes.length === maxParts - 1;
    let part = remaining;
    for (;;) {
      const r = findRoute({
        ...req,
        amountMsat: part,
        inFlight,
        maxFeeMsat: req.maxFeeMsat === undefined ? undefined : req.maxFeeMsat - totalFee,
      });
      if (r.kind === 'route') {
        routes.push(r.route);
        inFlight.push(...routeInFlight(r.route));
        totalFee += r.route.totalFeeMsat;
        remaining -= part;
        break;
      }
      if (
        r.reason === 'invalid-request' ||
        r.reason === 'unknown-source' ||
        r.reason === 'unknown-destination' ||
        r.reason === 'excluded-destination'
      )
        return r;
      const half = (part + 1n) / 2n;
      if (lastPart || half < minPart || half === part) {
        const sent = req.amountMsat - remaining;
        return {
          kind: 'no-route',
          reason: r.reason,
          message: `found paths for ${sent} of ${req.amountMsat} msat in ${routes.length} part(s); ${r.message}`,
        };
      }
      part = half;
    }
  }
  return { kind: 'routes', routes, amountMsat: req.amountMsat, totalFeeMsat: totalFee };
}
