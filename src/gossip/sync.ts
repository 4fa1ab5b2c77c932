// src/gossip/sync.ts: the answering side of gossip sync: what to send for a
// gossip_timestamp_filter, the reply_channel_range messages for a query_channel_range (split to fit
// the message size limit, with extended timestamps and checksums), and the answer to a
// query_short_channel_ids. Pure functions of the gossip db.
import { bytesToHex, equalBytes } from '../crypto/index.js';
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
  type ReplyShortChannelIdsEnd,
} from '../wire/index.js';
import { type GossipDb, type StoredChannel, scidBlock } from './db.js';
import { type GossipMessage, inFilter, type TimestampFilter } from './relay.js';

/** BOLT 1: a message is at most 65535 bytes, type included. */
export const MAX_MESSAGE_LENGTH = 65535;

/** type, chain_hash, first_blocknum, number_of_blocks, sync_complete, len, encoding byte. */
const REPLY_FIXED = 2 + 32 + 4 + 4 + 1 + 2 + 1;
/** TLV type (1) + length (bigsize, 3 bytes for up to 65535) + encoding byte. */
const TIMESTAMPS_TLV_OVERHEAD = 1 + 3 + 1;
/** TLV type (1) + length (3). */
const CHECKSUMS_TLV_OVERHEAD = 1 + 3;
const U32_MAX = 0xffff_ffff;

/** How many short channel ids fit in one reply_channel_range with the given options. */
export function maxScidsPerReply(timestamps: boolean, checksums: boolean): number {
  let fixed = REPLY_FIXED;
  let per = 8;
  if (timestamps) {
    fixed += TIMESTAMPS_TLV_OVERHEAD;
    per += 8;
  }
  if (checksums) {
    fixed += CHECKSUMS_TLV_OVERHEAD;
    per += 8;
  }
  return Math.floor((MAX_MESSAGE_LENGTH - fixed) / per);
}

/**
 * What a peer's gossip_timestamp_filter asks us to send from what we hold: each channel with an
 * update in range (its announcement first), then the node announcements in range. With
 * `ourNodeId`, our own channels' announcements, our updates and our node_announcement are sent
 * whatever their timestamps.
 */
export function messagesForTimestampFilter(
  db: GossipDb,
  filter: TimestampFilter,
  ourNodeId?: Uint8Array,
): GossipMessage[] {
  // BOLT 7: "This assumption of adequate propagation does not apply for gossip messages generated
  // directly by the node itself, so they should ignore filters."
  const ours = (id: Uint8Array) => ourNodeId !== undefined && equalBytes(id, ourNodeId);
  const out: GossipMessage[] = [];
  for (const scid of db.sortedScids()) {
    const ch = db.channels.get(scid) as StoredChannel;
    const mine = [ours(ch.msg.nodeId1), ours(ch.msg.nodeId2)];
    const updates = ch.updates.filter(
      (u, d) => u !== undefined && (mine[d] === true || inFilter(filter, u.msg.timestamp)),
    );
    // BOLT 7: "If a `channel_announcement` has no corresponding `channel_update`s: ... MUST NOT
    // send the `channel_announcement`." Otherwise it takes the timestamp of an update: "MUST
    // consider the `timestamp` of the `channel_announcement` to be the `timestamp` of a
    // corresponding `channel_update`."
    if (updates.length === 0) continue;
    out.push(ch.msg);
    for (const u of updates) if (u !== undefined) out.push(u.msg);
  }
  for (const node of db.nodes.values()) {
    if (node.relayable && (ours(node.msg.nodeId) || inFilter(filter, node.msg.timestamp))) out.push(node.msg);
  }
  return out;
}

export type SyncAnswer<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * The reply_channel_range messages for a query. `maxPerReply` (default: as many as fit) is for
 * tests. BOLT 7: "MUST limit `number_of_blocks` to the maximum number of blocks whose results could
 * fit in `encoded_short_ids`" and "MAY split block contents across multiple `reply_channel_range`."
 */
export function replyChannelRange(
  db: GossipDb,
  query: QueryChannelRange,
  chainHash: Uint8Array,
  maxPerReply?: number,
): SyncAnswer<ReplyChannelRange[]> {
  // BOLT 7: "MUST set `number_of_blocks` to 1 or greater."
  if (query.numberOfBlocks === 0)
    return { ok: false, problem: 'query_channel_range with number_of_blocks 0' };
  const first = query.firstBlocknum;
  const end = Math.min(first + query.numberOfBlocks, U32_MAX);
  const base = { kind: 'reply_channel_range' as const, chainHash: query.chainHash };
  if (!equalBytes(query.chainHash, chainHash)) {
    // Not our chain: one empty reply that says we know nothing about it.
    return {
      ok: true,
      value: [
        {
          ...base,
          firstBlocknum: first,
          numberOfBlocks: query.numberOfBlocks,
          syncComplete: 0,
          encodedShortIds: { encoding: 'uncompressed', values: [] },
        },
      ],
    };
  }
  const option = query.tlvs?.queryOption ?? 0n;
  const wantTimestamps = (option & QUERY_OPTION_TIMESTAMPS) !== 0n;
  const wantChecksums = (option & QUERY_OPTION_CHECKSUMS) !== 0n;
  const n = Math.max(
    1,
    Math.min(maxPerReply ?? Number.POSITIVE_INFINITY, maxScidsPerReply(wantTimestamps, wantChecksums)),
  );
  const scids = db.scidsInBlocks(first, end);

  // Chunks of at most n ids, cut at block boundaries unless one block alone holds more than n.
  const chunks: bigint[][] = [];
  for (let i = 0; i < scids.length; ) {
    let j = Math.min(i + n, scids.length);
    if (j < scids.length && scidBlock(scids[j - 1] as bigint) === scidBlock(scids[j] as bigint)) {
      let k = j - 1;
      while (k > i && scidBlock(scids[k - 1] as bigint) === scidBlock(scids[j] as bigint)) k--;
      if (k > i) j = k;
    }
    chunks.push(scids.slice(i, j));
    i = j;
  }
  if (chunks.length === 0) chunks.push([]);

  const replies = chunks.map((chunk, idx): ReplyChannelRange => {
    const last = idx === chunks.length - 1;
    // BOLT 7, the first reply: "MUST set `first_blocknum` less than or equal to the
    // `first_blocknum` in `query_channel_range`"; successive ones: "MUST have `first_blocknum`
    // equal or greater than the previous `first_blocknum`."
    const from = idx === 0 ? first : scidBlock(chunk[0] as bigint);
    let to: number;
    if (last) {
      // BOLT 7: "MUST have `first_blocknum` plus `number_of_blocks` equal or greater than the
      // `query_channel_range` `first_blocknum` plus `number_of_blocks`."
      to = end;
    } else {
      const next = scidBlock((chunks[idx + 1] as bigint[])[0] as bigint);
      const lastBlock = scidBlock(chunk[chunk.length - 1] as bigint);
      to = next > lastBlock ? next : lastBlock + 1;
    }
    const reply: ReplyChannelRange = {
      ...base,
      firstBlocknum: from,
      numberOfBlocks: Math.max(1, to - from),
      // BOLT 7: "MUST set `sync_complete` to `false` if this is not the final `reply_channel_range`."
      syncComplete: last ? 1 : 0,
      encodedShortIds: { encoding: 'uncompressed', values: chunk },
    };
    if (wantTimestamps || wantChecksums) {
      const chans = chunk.map((s) => db.channels.get(s) as StoredChannel);
      reply.tlvs = {};
      if (wantTimestamps) {
        reply.tlvs.timestampsTlv = {
          encoding: 'uncompressed',
          values: chans.map((c) => ({
            timestampNodeId1: c.updates[0]?.msg.timestamp ?? 0,
            timestampNodeId2: c.updates[1]?.msg.timestamp ?? 0,
          })),
        };
      }
      if (wantChecksums) {
        reply.tlvs.checksumsTlv = chans.map((c) => ({
          checksumNodeId1: c.updates[0]?.checksum ?? 0,
          checksumNodeId2: c.updates[1]?.checksum ?? 0,
        }));
      }
    }
    return reply;
  });
  return { ok: true, value: replies };
}

const ALL_FLAGS =
  QUERY_FLAG_CHANNEL_ANNOUNCEMENT |
  QUERY_FLAG_CHANNEL_UPDATE_NODE_1 |
  QUERY_FLAG_CHANNEL_UPDATE_NODE_2 |
  QUERY_FLAG_NODE_ANNOUNCEMENT_NODE_1 |
  QUERY_FLAG_NODE_ANNOUNCEMENT_NODE_2;

/**
 * The messages answering a query_short_channel_ids, ending with reply_short_channel_ids_end. BOLT
 * 7: "SHOULD NOT wait for the next outgoing gossip flush to send these." so the caller sends them
 * at once.
 */
export function answerQueryShortChannelIds(
  db: GossipDb,
  query: QueryShortChannelIds,
  chainHash: Uint8Array,
): SyncAnswer<(GossipMessage | ReplyShortChannelIdsEnd)[]> {
  const scids = query.encodedShortIds.values;
  const flags = query.tlvs?.queryFlags?.values;
  // BOLT 7: "if `encoded_query_flags` does not decode to exactly one flag per
  // `short_channel_id`: ... MAY send a `warning`."
  if (flags !== undefined && flags.length !== scids.length) {
    return { ok: false, problem: `${flags.length} query flags for ${scids.length} short channel ids` };
  }
  const end = (full: number): ReplyShortChannelIdsEnd => ({
    kind: 'reply_short_channel_ids_end',
    chainHash: query.chainHash,
    fullInformation: full,
  });
  // BOLT 7: "if does not maintain up-to-date channel information for `chain_hash`: ... MUST set
  // `full_information` to 0."
  if (!equalBytes(query.chainHash, chainHash)) return { ok: true, value: [end(0)] };
  const out: (GossipMessage | ReplyShortChannelIdsEnd)[] = [];
  const sentNodes = new Set<string>();
  const sendNode = (id: Uint8Array) => {
    const node = db.getNode(id);
    if (node === undefined || !node.relayable) return;
    const key = bytesToHex(id);
    // BOLT 7: "SHOULD avoid sending duplicate `node_announcements` in response to a single
    // `query_short_channel_ids`."
    if (sentNodes.has(key)) return;
    sentNodes.add(key);
    out.push(node.msg);
  };
  scids.forEach((scid, i) => {
    const ch = db.channels.get(scid);
    if (ch === undefined) return;
    // BOLT 7: "if the incoming message does not include `encoded_query_flags`: ... with a
    // `channel_announcement` and the latest `channel_update` for each end ... MUST follow with any
    // `node_announcement`s for each `channel_announcement`"
    const f = flags?.[i] ?? ALL_FLAGS;
    if (f & QUERY_FLAG_CHANNEL_ANNOUNCEMENT) out.push(ch.msg);
    const [u1, u2] = ch.updates;
    if (f & QUERY_FLAG_CHANNEL_UPDATE_NODE_1 && u1 !== undefined) out.push(u1.msg);
    if (f & QUERY_FLAG_CHANNEL_UPDATE_NODE_2 && u2 !== undefined) out.push(u2.msg);
    if (f & QUERY_FLAG_NODE_ANNOUNCEMENT_NODE_1) sendNode(ch.msg.nodeId1);
    if (f & QUERY_FLAG_NODE_ANNOUNCEMENT_NODE_2) sendNode(ch.msg.nodeId2);
  });
  // BOLT 7: "MUST follow these responses with `reply_short_channel_ids_end`." ... "SHOULD set
  // `full_information` to 1."
  out.push(end(1));
  return { ok: true, value: out };
}
