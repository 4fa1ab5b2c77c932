// src/gossip/config.ts: the gossiper's tunables and their defaults.
import type { RateLimit } from './rate-limit.js';
import { STALE_AFTER_SEC } from './verify.js';

export interface GossipConfig {
  /**
   * How often queued gossip is flushed to peers. BOLT 7: "SHOULD flush outgoing gossip messages
   * once every 60 seconds, independently of the arrival times of the messages."
   */
  flushIntervalMs: number;
  /** How often stale channels are looked for. */
  pruneIntervalMs: number;
  /** A channel direction whose latest update is older than this is stale (BOLT 7: two weeks). */
  staleAfterSec: number;
  /**
   * Our own channel_updates and node_announcement are re-signed when this old, so that they never
   * approach `staleAfterSec` at other nodes: half of it leaves one more chance if a refresh is lost.
   */
  refreshAfterSec: number;
  /** Gossip timestamps further ahead of our clock are refused. */
  maxFutureSec: number;
  /** Per peer, for channel_announcement, channel_update and node_announcement. */
  rateLimit: RateLimit;
  /** How many peers (offering gossip_queries) we sync the whole channel range with. */
  rangeSyncPeers: number;
  /** Short channel ids per query_short_channel_ids. */
  queryBatchSize: number;
}

export const DEFAULT_GOSSIP_CONFIG: Readonly<GossipConfig> = Object.freeze({
  flushIntervalMs: 60_000,
  pruneIntervalMs: 3_600_000,
  staleAfterSec: STALE_AFTER_SEC,
  refreshAfterSec: STALE_AFTER_SEC / 2,
  maxFutureSec: 3_600,
  rateLimit: Object.freeze({ burst: 20_000, perSecond: 500 }),
  rangeSyncPeers: 3,
  queryBatchSize: 4_000,
});
