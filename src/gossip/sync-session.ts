// src/gossip/sync-session.ts: the asking side of gossip sync with one peer, as a pure state
// machine: query the peer's whole channel range, compare its short channel ids (and, with
// extended queries, its update timestamps and checksums) with ours, then ask for what we lack in
// batches of query_short_channel_ids, one at a time.
import { equalBytes } from '../crypto/index.js';
import {
  QUERY_FLAG_CHANNEL_ANNOUNCEMENT,
  QUERY_FLAG_CHANNEL_UPDATE_NODE_1,
  QUERY_FLAG_CHANNEL_UPDATE_NODE_2,
  QUERY_FLAG_NODE_ANNOUNCEMENT_NODE_1,
  QUERY_FLAG_NODE_ANNOUNCEMENT_NODE_2,
  QUERY_OPTION_CHECKSUMS,
  QUERY_OPTION_TIMESTAMPS,
  type QueryChannelRange,
  type QueryShortChannelIds,
  type ReplyChannelRange,
} from '../wire/index.js';

/** What we hold about a channel: update timestamps and checksums per direction, 0 when none. */
export interface LocalChannelState {
  timestamps: readonly [number, number];
  checksums: readonly [number, number];
}

export interface RangeSyncOptions {
  chainHash: Uint8Array;
  /** The peer offers gossip_queries_ex: ask for timestamps and checksums, send query flags. */
  extended: boolean;
  /** Short channel ids per query_short_channel_ids. */
  batchSize: number;
  nowSec: number;
  /** Updates older than this are not worth asking for (they would be pruned). */
  staleAfterSec: number;
  /** The blocks to ask about; by default all of them. */
  firstBlocknum?: number;
  numberOfBlocks?: number;
}

export type RangeSyncState = 'range' | 'scids' | 'done' | 'failed';

const UPDATE_FLAGS = [QUERY_FLAG_CHANNEL_UPDATE_NODE_1, QUERY_FLAG_CHANNEL_UPDATE_NODE_2] as const;
const EVERYTHING =
  QUERY_FLAG_CHANNEL_ANNOUNCEMENT |
  QUERY_FLAG_CHANNEL_UPDATE_NODE_1 |
  QUERY_FLAG_CHANNEL_UPDATE_NODE_2 |
  QUERY_FLAG_NODE_ANNOUNCEMENT_NODE_1 |
  QUERY_FLAG_NODE_ANNOUNCEMENT_NODE_2;
const U32_MAX = 0xffff_ffff;

export type RangeReplyOutcome =
  | { kind: 'more' }
  | { kind: 'query'; query: QueryShortChannelIds }
  | { kind: 'done' }
  | { kind: 'invalid'; problem: string };

/**
 * Whether to ask for one direction's update of a channel we know. We ask when theirs is newer and
 * not stale, unless the checksums say it carries the same policy as ours and ours is not getting
 * old (then only the timestamp moved, and fetching it would only keep our copy fresh).
 */
export function wantUpdate(
  ours: { timestamp: number; checksum: number },
  theirs: { timestamp: number; checksum: number | undefined },
  nowSec: number,
  staleAfterSec: number,
): boolean {
  if (theirs.timestamp <= ours.timestamp) return false;
  if (theirs.timestamp < nowSec - staleAfterSec) return false;
  if (ours.timestamp === 0) return true;
  const same = theirs.checksum !== undefined && theirs.checksum === ours.checksum;
  const oursAging = ours.timestamp < nowSec - staleAfterSec / 2;
  return !same || oursAging;
}

export class RangeSync {
  private stateValue: RangeSyncState = 'range';
  private readonly wanted = new Map<bigint, bigint>();
  private queue: [bigint, bigint][] = [];
  private lastFirst = -1;
  private readonly query: QueryChannelRange;

  constructor(private readonly opts: RangeSyncOptions) {
    this.query = {
      kind: 'query_channel_range',
      chainHash: opts.chainHash,
      firstBlocknum: opts.firstBlocknum ?? 0,
      numberOfBlocks: opts.numberOfBlocks ?? U32_MAX,
    };
    if (opts.extended) this.query.tlvs = { queryOption: QUERY_OPTION_TIMESTAMPS | QUERY_OPTION_CHECKSUMS };
  }

  get state(): RangeSyncState {
    return this.stateValue;
  }

  /** Short channel ids asked for or still to ask for. */
  get wantedCount(): number {
    return this.wanted.size;
  }

  /** The query that starts the session. */
  start(): QueryChannelRange {
    return this.query;
  }

  /** Takes one reply_channel_range; `local` says what we hold about a short channel id. */
  onReplyChannelRange(
    reply: ReplyChannelRange,
    local: (scid: bigint) => LocalChannelState | undefined,
  ): RangeReplyOutcome {
    if (this.stateValue !== 'range') return this.fail('reply_channel_range that we did not ask for');
    if (!equalBytes(reply.chainHash, this.opts.chainHash))
      return this.fail('reply_channel_range for another chain');
    const q = this.query;
    const replyEnd = reply.firstBlocknum + reply.numberOfBlocks;
    if (this.lastFirst < 0) {
      // BOLT 7: "MUST set `first_blocknum` less than or equal to the `first_blocknum` in
      // `query_channel_range`" and "MUST set `first_blocknum` plus `number_of_blocks` greater than
      // `first_blocknum` in `query_channel_range`."
      if (reply.firstBlocknum > q.firstBlocknum || replyEnd <= q.firstBlocknum) {
        return this.fail('first reply_channel_range does not cover the start of the query');
      }
    } else if (reply.firstBlocknum < this.lastFirst) {
      // BOLT 7: "MUST have `first_blocknum` equal or greater than the previous `first_blocknum`."
      return this.fail('reply_channel_range goes backwards');
    }
    this.lastFirst = reply.firstBlocknum;
    const scids = reply.encodedShortIds.values;
    const ts = reply.tlvs?.timestampsTlv?.values;
    const cs = reply.tlvs?.checksumsTlv;
    if (
      (ts !== undefined && ts.length !== scids.length) ||
      (cs !== undefined && cs.length !== scids.length)
    ) {
      return this.fail('timestamps or checksums do not match the short channel ids');
    }
    scids.forEach((scid, i) => {
      const mine = local(scid);
      if (mine === undefined) {
        this.wanted.set(scid, EVERYTHING);
        return;
      }
      // Without flags we cannot ask for parts of a channel we already know.
      if (!this.opts.extended) return;
      const t = ts?.[i];
      const c = cs?.[i];
      let flags = 0n;
      for (const d of [0, 1] as const) {
        const theirTs = t === undefined ? undefined : d === 0 ? t.timestampNodeId1 : t.timestampNodeId2;
        const theirCs = c === undefined ? undefined : d === 0 ? c.checksumNodeId1 : c.checksumNodeId2;
        const want =
          theirTs === undefined
            ? mine.timestamps[d] === 0 // no timestamps: ask only for what we lack
            : wantUpdate(
                { timestamp: mine.timestamps[d], checksum: mine.checksums[d] },
                { timestamp: theirTs, checksum: theirCs },
                this.opts.nowSec,
                this.opts.staleAfterSec,
              );
        if (want) flags |= UPDATE_FLAGS[d];
      }
      if (flags !== 0n) this.wanted.set(scid, flags);
    });
    // BOLT 7: "simply check if `first_blocknum` plus `number_of_blocks` equals or exceeds the
    // `first_blocknum` plus `number_of_blocks` it asked for."
    if (replyEnd < Math.min(q.firstBlocknum + q.numberOfBlocks, U32_MAX)) return { kind: 'more' };
    this.queue = [...this.wanted];
    this.stateValue = 'scids';
    return this.next();
  }

  /** Takes reply_short_channel_ids_end: the next batch, or done. */
  onReplyShortChannelIdsEnd(): RangeReplyOutcome {
    if (this.stateValue !== 'scids') return this.fail('reply_short_channel_ids_end that we did not ask for');
    return this.next();
  }

  private next(): RangeReplyOutcome {
    // BOLT 7: "MUST NOT send `query_short_channel_ids` if it has sent a previous
    // `query_short_channel_ids` to this peer and not received `reply_short_channel_ids_end`."
    // So one batch is in flight at a time; the next goes when its end arrives.
    const batch = this.queue.splice(0, this.opts.batchSize);
    if (batch.length === 0) {
      this.stateValue = 'done';
      return { kind: 'done' };
    }
    batch.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const query: QueryShortChannelIds = {
      kind: 'query_short_channel_ids',
      chainHash: this.opts.chainHash,
      encodedShortIds: { encoding: 'uncompressed', values: batch.map(([s]) => s) },
    };
    if (this.opts.extended) {
      query.tlvs = { queryFlags: { encoding: 'uncompressed', values: batch.map(([, f]) => f) } };
    }
    return { kind: 'query', query };
  }

  private fail(problem: string): RangeReplyOutcome {
    this.stateValue = 'failed';
    return { kind: 'invalid', problem };
  }
}
