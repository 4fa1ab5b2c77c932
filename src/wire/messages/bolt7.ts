// BOLT 7 messages: channel and node announcements, channel updates and gossip queries, declared in
// the field order of their `1. type: N` blocks in 07-routing-gossip.md (names in camelCase).
import { sha256d } from '../../crypto/index.js';
import {
  bigSize,
  bytes,
  chainHash,
  channelId,
  point,
  restArray,
  shortChannelId,
  signature,
  sized,
  struct,
  u8,
  u16,
  u32,
  u64,
  varBytes,
} from '../codec.js';
import { EncodeError } from '../errors.js';
import { tlv } from '../tlv.js';
import { Writer } from '../writer.js';
import { addressDescriptors } from './addresses.js';
import { defineMessage, type MessageDef, type MessageOf } from './define.js';
import { encodedArray } from './encoded.js';

export const announcementSignatures = defineMessage(259, 'announcement_signatures', {
  channelId,
  shortChannelId,
  nodeSignature: signature,
  bitcoinSignature: signature,
});

/** `features`: a BOLT 9 vector (interpret with `Features.fromBytes`). */
export const channelAnnouncement = defineMessage(256, 'channel_announcement', {
  nodeSignature1: signature,
  nodeSignature2: signature,
  bitcoinSignature1: signature,
  bitcoinSignature2: signature,
  features: varBytes,
  chainHash,
  shortChannelId,
  nodeId1: point,
  nodeId2: point,
  bitcoinKey1: point,
  bitcoinKey2: point,
});

/**
 * `rgbColor`: red, green, blue bytes. `alias`: 32 bytes, UTF-8 padded with zeros (see
 * `aliasToString`); kept as bytes so that any received alias re-encodes exactly.
 */
export const nodeAnnouncement = defineMessage(257, 'node_announcement', {
  signature,
  features: varBytes,
  timestamp: u32,
  nodeId: point,
  rgbColor: bytes(3),
  alias: bytes(32),
  addresses: sized(addressDescriptors),
});

export const channelUpdate = defineMessage(258, 'channel_update', {
  signature,
  chainHash,
  shortChannelId,
  timestamp: u32,
  messageFlags: u8,
  channelFlags: u8,
  cltvExpiryDelta: u16,
  htlcMinimumMsat: u64,
  feeBaseMsat: u32,
  feeProportionalMillionths: u32,
  htlcMaximumMsat: u64,
});

export const queryShortChannelIds = defineMessage(
  261,
  'query_short_channel_ids',
  { chainHash, encodedShortIds: sized(encodedArray(shortChannelId)) },
  /** `queryFlags`: one bigsize bitfield per short channel id (`QUERY_FLAG_*`). */
  { queryFlags: tlv(1, encodedArray(bigSize)) },
);

export const replyShortChannelIdsEnd = defineMessage(262, 'reply_short_channel_ids_end', {
  chainHash,
  fullInformation: u8,
});

export const queryChannelRange = defineMessage(
  263,
  'query_channel_range',
  { chainHash, firstBlocknum: u32, numberOfBlocks: u32 },
  /** `queryOption`: `QUERY_OPTION_*` bits. */
  { queryOption: tlv(1, bigSize) },
);

export const replyChannelRange = defineMessage(
  264,
  'reply_channel_range',
  {
    chainHash,
    firstBlocknum: u32,
    numberOfBlocks: u32,
    syncComplete: u8,
    encodedShortIds: sized(encodedArray(shortChannelId)),
  },
  {
    timestampsTlv: tlv(
      1,
      encodedArray(struct('channel_update_timestamps', { timestampNodeId1: u32, timestampNodeId2: u32 })),
    ),
    checksumsTlv: tlv(
      3,
      restArray(struct('channel_update_checksums', { checksumNodeId1: u32, checksumNodeId2: u32 })),
    ),
  },
);

export const gossipTimestampFilter = defineMessage(265, 'gossip_timestamp_filter', {
  chainHash,
  firstTimestamp: u32,
  timestampRange: u32,
});

/** Every BOLT 7 message definition. */
export const bolt7Messages = [
  announcementSignatures,
  channelAnnouncement,
  nodeAnnouncement,
  channelUpdate,
  queryShortChannelIds,
  replyShortChannelIdsEnd,
  queryChannelRange,
  replyChannelRange,
  gossipTimestampFilter,
] as const;

export type AnnouncementSignatures = MessageOf<typeof announcementSignatures>;
export type ChannelAnnouncement = MessageOf<typeof channelAnnouncement>;
export type NodeAnnouncement = MessageOf<typeof nodeAnnouncement>;
export type ChannelUpdate = MessageOf<typeof channelUpdate>;
export type QueryShortChannelIds = MessageOf<typeof queryShortChannelIds>;
export type ReplyShortChannelIdsEnd = MessageOf<typeof replyShortChannelIdsEnd>;
export type QueryChannelRange = MessageOf<typeof queryChannelRange>;
export type ReplyChannelRange = MessageOf<typeof replyChannelRange>;
export type GossipTimestampFilter = MessageOf<typeof gossipTimestampFilter>;

// ---------- flag bits ----------

/** channel_update `channel_flags` bit 0: 0 if the update is from `node_id_1`, 1 if from `node_id_2`. */
export const CHANNEL_FLAG_DIRECTION = 1;
/** channel_update `channel_flags` bit 1: the channel is disabled. */
export const CHANNEL_FLAG_DISABLE = 2;
/** channel_update `message_flags` bit 0. BOLT 7: "MUST set `must_be_one` in `message_flags` to 1." */
export const MESSAGE_FLAG_MUST_BE_ONE = 1;
/** channel_update `message_flags` bit 1: a private update for the channel peer only. */
export const MESSAGE_FLAG_DONT_FORWARD = 2;

/** query_short_channel_ids `query_flags` bits. */
export const QUERY_FLAG_CHANNEL_ANNOUNCEMENT = 1n;
export const QUERY_FLAG_CHANNEL_UPDATE_NODE_1 = 2n;
export const QUERY_FLAG_CHANNEL_UPDATE_NODE_2 = 4n;
export const QUERY_FLAG_NODE_ANNOUNCEMENT_NODE_1 = 8n;
export const QUERY_FLAG_NODE_ANNOUNCEMENT_NODE_2 = 16n;

/** query_channel_range `query_option_flags` bits. */
export const QUERY_OPTION_TIMESTAMPS = 1n;
export const QUERY_OPTION_CHECKSUMS = 2n;

/** 0 if the update comes from `node_id_1` (the lesser key), 1 if from `node_id_2`. */
export function channelUpdateDirection(u: Pick<ChannelUpdate, 'channelFlags'>): 0 | 1 {
  return (u.channelFlags & CHANNEL_FLAG_DIRECTION) === 0 ? 0 : 1;
}

/** Whether the `disable` bit of `channel_flags` is set. */
export function isChannelDisabled(u: Pick<ChannelUpdate, 'channelFlags'>): boolean {
  return (u.channelFlags & CHANNEL_FLAG_DISABLE) !== 0;
}

// ---------- node alias ----------

/** The alias as text: trailing zero bytes dropped, invalid UTF-8 replaced (U+FFFD). For display only. */
export function aliasToString(alias: Uint8Array): string {
  let end = alias.length;
  while (end > 0 && alias[end - 1] === 0) end--;
  return new TextDecoder('utf-8').decode(alias.subarray(0, end));
}

/** The 32-byte alias field for a text: UTF-8, zero-padded. Throws EncodeError if longer than 32 bytes. */
export function aliasFromString(text: string): Uint8Array {
  const b = new TextEncoder().encode(text);
  if (b.length > 32) throw new EncodeError(`alias is ${b.length} bytes of UTF-8; at most 32 fit`);
  const out = new Uint8Array(32);
  out.set(b);
  return out;
}

// ---------- the bytes the signatures cover ----------

function encodeWithType<V extends { kind: string }>(def: MessageDef<string, V>, msg: V): Uint8Array {
  const w = new Writer();
  w.u16(def.type);
  def.payload.encode(w, msg);
  return Uint8Array.from(w.finish());
}

/** 2-byte type + the four 64-byte signatures that precede the signed part of channel_announcement. */
const CHANNEL_ANNOUNCEMENT_SIGNED_OFFSET = 2 + 4 * 64;
/** 2-byte type + the one 64-byte signature of node_announcement and channel_update. */
const SINGLE_SIGNATURE_SIGNED_OFFSET = 2 + 64;

/**
 * The part of a channel_announcement its four signatures cover. BOLT 7: "MUST compute the
 * double-SHA256 hash `h` of the message, beginning at offset 256, up to the end of the message."
 * (Offset 256 counts from after the 2-byte type: the bytes after the four signatures.)
 */
export function channelAnnouncementSignedBytes(msg: ChannelAnnouncement): Uint8Array {
  return encodeWithType(channelAnnouncement, msg).subarray(CHANNEL_ANNOUNCEMENT_SIGNED_OFFSET);
}

/** The hash `h` that `node_signature_1/2` and `bitcoin_signature_1/2` sign. */
export function channelAnnouncementHash(msg: ChannelAnnouncement): Uint8Array {
  return sha256d(channelAnnouncementSignedBytes(msg));
}

/**
 * The part of a node_announcement its signature covers. BOLT 7: "MUST set `signature` to the
 * signature of the double-SHA256 of the entire remaining packet after `signature`"
 */
export function nodeAnnouncementSignedBytes(msg: NodeAnnouncement): Uint8Array {
  return encodeWithType(nodeAnnouncement, msg).subarray(SINGLE_SIGNATURE_SIGNED_OFFSET);
}

/** The double-SHA256 that node_announcement's `signature` signs (with `node_id`'s key). */
export function nodeAnnouncementHash(msg: NodeAnnouncement): Uint8Array {
  return sha256d(nodeAnnouncementSignedBytes(msg));
}

/**
 * The part of a channel_update its signature covers. BOLT 7: "MUST set `signature` to the
 * signature of the double-SHA256 of the entire remaining packet after `signature`, using its own
 * `node_id`."
 */
export function channelUpdateSignedBytes(msg: ChannelUpdate): Uint8Array {
  return encodeWithType(channelUpdate, msg).subarray(SINGLE_SIGNATURE_SIGNED_OFFSET);
}

/** The double-SHA256 that channel_update's `signature` signs. */
export function channelUpdateHash(msg: ChannelUpdate): Uint8Array {
  return sha256d(channelUpdateSignedBytes(msg));
}

/**
 * The signed part of a raw gossip message as received (channel_announcement, node_announcement or
 * channel_update), without decoding it; undefined for other types or a message too short to hold
 * its signatures.
 */
export function gossipSignedBytes(raw: Uint8Array): Uint8Array | undefined {
  if (raw.length < 2) return undefined;
  const type = ((raw[0] ?? 0) << 8) | (raw[1] ?? 0);
  const offset =
    type === channelAnnouncement.type
      ? CHANNEL_ANNOUNCEMENT_SIGNED_OFFSET
      : type === nodeAnnouncement.type || type === channelUpdate.type
        ? SINGLE_SIGNATURE_SIGNED_OFFSET
        : undefined;
  if (offset === undefined || raw.length < offset) return undefined;
  return raw.slice(offset);
}
