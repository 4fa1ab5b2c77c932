// src/gossip/verify.ts: the BOLT 7 receiver checks for channel_announcement, node_announcement and
// channel_update. Pure: the caller supplies what it knows (the chain, the stored copies, the time)
// and gets a Verdict with a typed reason; the funding output lookup is done by the caller and its
// answer judged here.
import { ecdsaVerify, equalBytes, isPublicKey } from '../crypto/index.js';
import { fundingScript, p2wsh } from '../tx/index.js';
import {
  type ChannelAnnouncement,
  type ChannelUpdate,
  channelAnnouncementHash,
  channelUpdateDirection,
  channelUpdateHash,
  encodeMessage,
  type NodeAnnouncement,
  nodeAnnouncementHash,
} from '../wire/index.js';
import type { FundingOutputLookup } from './types.js';
import { accept, reject, type Verdict } from './types.js';

/** BOLT 7: "older than two weeks (1209600 seconds)". */
export const STALE_AFTER_SEC = 1_209_600;

/** Lexicographic byte order of compressed keys; negative when `a` sorts first. */
export function compareKeys(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function isCompressedKey(k: Uint8Array): boolean {
  return k.length === 33 && (k[0] === 2 || k[0] === 3) && isPublicKey(k);
}

export interface ChannelAnnouncementContext {
  /** The chain this node is on. */
  chainHash: Uint8Array;
}

/** Checks everything of a channel_announcement that needs no chain access. */
export function verifyChannelAnnouncement(
  msg: ChannelAnnouncement,
  ctx: ChannelAnnouncementContext,
): Verdict {
  // BOLT 7: "if the specified `chain_hash` is unknown to the receiver: ... MUST ignore the message."
  if (!equalBytes(msg.chainHash, ctx.chainHash))
    return reject('unknown_chain', 'chain_hash is not our chain');
  for (const [name, key] of [
    ['node_id_1', msg.nodeId1],
    ['node_id_2', msg.nodeId2],
    ['bitcoin_key_1', msg.bitcoinKey1],
    ['bitcoin_key_2', msg.bitcoinKey2],
  ] as const) {
    if (!isCompressedKey(key))
      return reject('invalid_public_key', `${name} is not a valid compressed key`, 'warn');
  }
  // BOLT 7: "such that `node_id_1` is the lexicographically-lesser of the two compressed keys
  // sorted in ascending lexicographic order." Otherwise direction bits would be ambiguous.
  if (compareKeys(msg.nodeId1, msg.nodeId2) >= 0) {
    return reject('node_ids_not_ascending', 'node_id_1 does not sort before node_id_2', 'warn');
  }
  const h = channelAnnouncementHash(msg);
  // BOLT 7: "if `bitcoin_signature_1`, `bitcoin_signature_2`, `node_signature_1` OR
  // `node_signature_2` are invalid OR NOT correct: ... SHOULD send a `warning`. ... MAY close the
  // connection. ... MUST ignore the message."
  for (const [name, sig, key] of [
    ['node_signature_1', msg.nodeSignature1, msg.nodeId1],
    ['node_signature_2', msg.nodeSignature2, msg.nodeId2],
    ['bitcoin_signature_1', msg.bitcoinSignature1, msg.bitcoinKey1],
    ['bitcoin_signature_2', msg.bitcoinSignature2, msg.bitcoinKey2],
  ] as const) {
    if (!ecdsaVerify(sig, h, key)) return reject('invalid_signature', `${name} does not verify`, 'warn');
  }
  return accept;
}

/** The answer of a {@link FundingOutputLookup}. */
export type FundingOutput = Awaited<ReturnType<FundingOutputLookup['getOutput']>>;

/**
 * Judges the funding output a lookup returned for an announcement; on success also returns the
 * channel capacity.
 */
export function checkFundingOutput(
  msg: ChannelAnnouncement,
  output: FundingOutput,
): Verdict & { capacitySat?: bigint } {
  // BOLT 7: "if the `short_channel_id`'s output does NOT correspond to a P2WSH (using
  // `bitcoin_key_1` and `bitcoin_key_2`, as specified in ... OR the output is spent: ... MUST ignore
  // the message."
  if (output === 'spent') return reject('funding_spent', 'the funding output is spent');
  if (output === 'unknown') return reject('funding_unknown', 'no confirmed output at this short_channel_id');
  const expected = p2wsh(fundingScript(msg.bitcoinKey1, msg.bitcoinKey2));
  if (!equalBytes(output.scriptPubKey, expected)) {
    return reject('funding_script_mismatch', 'the output is not the 2-of-2 P2WSH of the bitcoin keys');
  }
  return { ok: true, capacitySat: output.valueSat };
}

export interface NodeAnnouncementContext {
  /** Whether `node_id` has a channel we know from a channel_announcement. */
  knownNode: boolean;
  /** The timestamp of the last node_announcement accepted from this node. */
  lastTimestamp?: number;
  /** Now, in unix seconds; with `maxFutureSec`, timestamps too far ahead are refused. */
  nowSec?: number;
  maxFutureSec?: number;
}

export function verifyNodeAnnouncement(msg: NodeAnnouncement, ctx: NodeAnnouncementContext): Verdict {
  // BOLT 7: "if `node_id` is NOT a valid compressed public key: ... SHOULD send a `warning`. ... MAY
  // close the connection. ... MUST NOT process the message further."
  if (!isCompressedKey(msg.nodeId)) return reject('invalid_public_key', 'node_id is not a valid key', 'warn');
  // BOLT 7: "if `node_id` is NOT previously known from a `channel_announcement` message, OR if
  // `timestamp` is NOT greater than the last-received `node_announcement` from this `node_id`:
  // ... SHOULD ignore the message." Checked before the signature: it costs nothing and is common.
  if (!ctx.knownNode) return reject('unknown_node', 'node_id has no announced channel');
  if (ctx.lastTimestamp !== undefined && msg.timestamp <= ctx.lastTimestamp) {
    return reject('stale_timestamp', `timestamp ${msg.timestamp} is not after ${ctx.lastTimestamp}`);
  }
  // BOLT 7: "if `signature` is NOT a valid signature (using `node_id` of the double-SHA256 of the
  // entire message following the `signature` field, including any future fields appended to the
  // end): ... SHOULD send a `warning`. ... MAY close the connection. ... MUST NOT process the message
  // further."
  if (!ecdsaVerify(msg.signature, nodeAnnouncementHash(msg), msg.nodeId)) {
    return reject('invalid_signature', 'signature does not verify with node_id', 'warn');
  }
  if (
    ctx.nowSec !== undefined &&
    ctx.maxFutureSec !== undefined &&
    msg.timestamp > ctx.nowSec + ctx.maxFutureSec
  ) {
    return reject('timestamp_in_future', `timestamp ${msg.timestamp} is too far ahead`);
  }
  return accept;
}

/**
 * Whether an accepted node_announcement may be relayed. BOLT 7: "if more than one `type 5` address
 * is announced: ... SHOULD ignore the additional data. ... MUST not forward the `node_announcement`."
 */
export function isNodeAnnouncementRelayable(msg: NodeAnnouncement): boolean {
  return msg.addresses.filter((a) => a.type === 'dns').length <= 1;
}

export interface ChannelUpdateContext {
  chainHash: Uint8Array;
  /**
   * The channel's two node ids, from its channel_announcement or, for our own unannounced
   * channels, from the channel itself; undefined when the channel is unknown.
   */
  channel?: { node1: Uint8Array; node2: Uint8Array };
  /** The last update accepted for this channel and direction, raw (type included). */
  previous?: { timestamp: number; raw: Uint8Array };
  nowSec?: number;
  /** With `nowSec`: refuse timestamps more than this far ahead. */
  maxFutureSec?: number;
  /** With `nowSec`: refuse timestamps older than this (default: never). */
  maxAgeSec?: number;
}

/** type, signature, chain_hash, short_channel_id, timestamp. */
const FIELDS_AFTER_TIMESTAMP = 2 + 64 + 32 + 8 + 4;

export function verifyChannelUpdate(msg: ChannelUpdate, ctx: ChannelUpdateContext): Verdict {
  // BOLT 7: "if the specified `chain_hash` value is unknown (meaning it isn't active on the
  // specified chain): ... MUST ignore the channel update."
  if (!equalBytes(msg.chainHash, ctx.chainHash))
    return reject('unknown_chain', 'chain_hash is not our chain');
  // BOLT 7: "if the `short_channel_id` does NOT match a previous `channel_announcement`: ... MUST
  // ignore `channel_update`s that do NOT correspond to one of its own channels."
  if (ctx.channel === undefined) return reject('unknown_channel', 'no channel_announcement for this channel');
  const prev = ctx.previous;
  // BOLT 7: "if `timestamp` is lower than that of the last-received `channel_update` for this
  // `short_channel_id` AND for `node_id`: ... SHOULD ignore the message."
  if (prev !== undefined && msg.timestamp < prev.timestamp) {
    return reject('stale_timestamp', `timestamp ${msg.timestamp} is before ${prev.timestamp}`);
  }
  const raw = encodeMessage(msg);
  const sameFields =
    prev !== undefined &&
    equalBytes(raw.subarray(FIELDS_AFTER_TIMESTAMP), prev.raw.subarray(FIELDS_AFTER_TIMESTAMP));
  // BOLT 7: "if the fields below `timestamp` are equal: ... SHOULD ignore this message"
  if (prev !== undefined && msg.timestamp === prev.timestamp && sameFields) {
    return reject('duplicate', 'same timestamp and fields as the stored update');
  }
  // The `direction` bit names the signer. BOLT 7: "`node_id_1` if the least-significant bit of
  // flags is 0 or `node_id_2` otherwise."
  const signer = channelUpdateDirection(msg) === 0 ? ctx.channel.node1 : ctx.channel.node2;
  // BOLT 7: "if `signature` is not a valid signature, using `node_id` of the double-SHA256 of the
  // entire message following the `signature` field (including unknown fields following
  // `fee_proportional_millionths`): ... SHOULD send a `warning` and close the connection. ... MUST NOT
  // process the message further."
  if (!ecdsaVerify(msg.signature, channelUpdateHash(msg), signer)) {
    return reject('invalid_signature', 'signature does not verify with the direction node_id', 'warn');
  }
  // BOLT 7: "if the `timestamp` is equal to the last-received `channel_update` for this
  // `short_channel_id` AND `node_id`: ... if the fields below `timestamp` differ: ... MAY blacklist
  // this `node_id`." We only ignore it: the first one seen stands.
  if (prev !== undefined && msg.timestamp === prev.timestamp) {
    return reject('same_timestamp_different_fields', 'same timestamp as the stored update, other fields');
  }
  if (ctx.nowSec !== undefined) {
    // BOLT 7: "if the `timestamp` is unreasonably far in the future: ... MAY discard the
    // `channel_update`."
    if (ctx.maxFutureSec !== undefined && msg.timestamp > ctx.nowSec + ctx.maxFutureSec) {
      return reject('timestamp_in_future', `timestamp ${msg.timestamp} is too far ahead`);
    }
    // BOLT 7: "if the `timestamp` of the latest `channel_update` in either direction is older
    // than two weeks (1209600 seconds): ... MAY prune the channel. ... MAY ignore the channel."
    if (ctx.maxAgeSec !== undefined && msg.timestamp < ctx.nowSec - ctx.maxAgeSec) {
      return reject('timestamp_too_old', `timestamp ${msg.timestamp} is older than ${ctx.maxAgeSec} s`);
    }
  }
  return accept;
}

export type UpdateUsability = 'usable' | 'htlc_maximum_below_minimum' | 'htlc_maximum_above_capacity';

/**
 * Whether routing may use the policy of an accepted update (the graph applies the same rules).
 * BOLT 7: "if `htlc_maximum_msat` < `htlc_minimum_msat`: ... SHOULD ignore this channel during route
 * considerations." and "if `htlc_maximum_msat` is greater than channel capacity: ... MAY blacklist
 * this `node_id` ... SHOULD ignore this channel during route considerations."
 */
export function channelUpdateUsability(msg: ChannelUpdate, capacitySat: bigint | undefined): UpdateUsability {
  if (msg.htlcMaximumMsat < msg.htlcMinimumMsat) return 'htlc_maximum_below_minimum';
  if (capacitySat !== undefined && msg.htlcMaximumMsat > capacitySat * 1000n)
    return 'htlc_maximum_above_capacity';
  return 'usable';
}
