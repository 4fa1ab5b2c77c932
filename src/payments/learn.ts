// src/payments/learn.ts: applying what a failed attempt taught: to this payment's next routes
// (excluded channels and nodes, channel_updates from failures) and to the shared scorer.
import { equalBytes } from '../crypto/index.js';
import type { ChannelGraph, Route, Scorer } from '../routing/index.js';
import { checkFailureChannelUpdate } from './channel-update.js';
import type { FailureAnalysis } from './classify.js';
import type { RoutingSession } from './route-search.js';

export interface LearningSession extends RoutingSession {
  /** Channel directions whose failure update was used once: another failure excludes them. */
  overrideUsed: Set<string>;
}

export interface LearningContext {
  graph: ChannelGraph;
  scorer: Scorer;
  chainHash: Uint8Array | undefined;
  nowMs: number;
}

export const overrideKey = (scid: bigint, direction: 0 | 1): string => `${scid}/${direction}`;

/** Applies a failure's lessons; returns a note on the channel_update, if the failure had one. */
export function applyLessons(
  ctx: LearningContext,
  session: LearningSession,
  route: Route,
  a: FailureAnalysis,
): string | undefined {
  const { graph, scorer } = ctx;
  const excluded = session.excludedChannels;
  for (const scid of a.excludeChannels) excluded.add(scid);
  for (const node of a.excludeNodes) {
    // BOLT 4: "SHOULD remove all channels connected with the erring node from consideration": the
    // search keeps the node off the route, whatever channel (announced, ours, a hint's) leads to it.
    if (!session.excludedNodes.some((n) => equalBytes(n, node))) session.excludedNodes.push(node);
  }
  let note: string | undefined;
  const cf = a.channelFailure;
  if (cf !== undefined) {
    let usable = false;
    const key = overrideKey(cf.shortChannelId, cf.direction);
    if (cf.policyRelated && cf.channelUpdate !== undefined && !session.overrideUsed.has(key)) {
      const known =
        session.overrides.get(key)?.policy.timestamp ??
        graph.getPolicy(cf.shortChannelId, cf.direction)?.timestamp;
      const check = checkFailureChannelUpdate(cf, known, ctx.chainHash);
      if (check.ok && !check.override.policy.disabled) {
        session.overrides.set(key, check.override);
        session.overrideUsed.add(key);
        usable = true;
        note = 'retrying with the channel_update it sent';
      } else {
        note = check.ok ? 'its channel_update disables the channel' : check.reason;
      }
    }
    if (!usable) excluded.add(cf.shortChannelId);
  }
  if (a.learn?.kind === 'failed') scorer.paymentFailed(route.hops, a.learn.failingChannel, ctx.nowMs);
  else if (a.learn?.kind === 'carried') scorer.paymentSucceeded(route.hops.slice(0, a.learn.hops), ctx.nowMs);
  return note;
}
