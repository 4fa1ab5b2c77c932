// src/gossip/own.ts: the gossip we create for ourselves: announcement_signatures, the combined
// channel_announcement, node_announcement and channel_update. Pure apart from the signer.
import { ecdsaVerify } from '../crypto/index.js';
import {
  type AnnouncementSignatures,
  aliasFromString,
  CHANNEL_FLAG_DISABLE,
  type ChannelAnnouncement,
  type ChannelUpdate,
  channelAnnouncementHash,
  channelUpdateHash,
  type Features,
  MESSAGE_FLAG_DONT_FORWARD,
  MESSAGE_FLAG_MUST_BE_ONE,
  type NodeAddress,
  type NodeAnnouncement,
  nodeAnnouncementHash,
} from '../wire/index.js';
import type { GossipSigner } from './types.js';
import { compareKeys } from './verify.js';

const ZERO_SIGNATURE = new Uint8Array(64);

/** What both ends of a channel know and sign in its channel_announcement. */
export interface ChannelAnnouncementParams {
  chainHash: Uint8Array;
  shortChannelId: bigint;
  ourNodeId: Uint8Array;
  theirNodeId: Uint8Array;
  ourFundingPubkey: Uint8Array;
  theirFundingPubkey: Uint8Array;
  /** BOLT 9 channel features (big-endian bytes); empty by default. */
  features?: Uint8Array;
}

/** Whether we are `node_id_1`, the lesser key. */
export function weAreNode1(p: { ourNodeId: Uint8Array; theirNodeId: Uint8Array }): boolean {
  return compareKeys(p.ourNodeId, p.theirNodeId) < 0;
}

/** The channel_announcement with all four signatures zero: the message whose hash both sides sign. */
export function unsignedChannelAnnouncement(p: ChannelAnnouncementParams): ChannelAnnouncement {
  const first = weAreNode1(p);
  // BOLT 7: "MUST set `bitcoin_key_1` and `bitcoin_key_2` to `node_id_1` and `node_id_2`'s
  // respective `funding_pubkey`s."
  return {
    kind: 'channel_announcement',
    nodeSignature1: ZERO_SIGNATURE,
    nodeSignature2: ZERO_SIGNATURE,
    bitcoinSignature1: ZERO_SIGNATURE,
    bitcoinSignature2: ZERO_SIGNATURE,
    features: p.features ?? new Uint8Array(0),
    chainHash: p.chainHash,
    shortChannelId: p.shortChannelId,
    nodeId1: first ? p.ourNodeId : p.theirNodeId,
    nodeId2: first ? p.theirNodeId : p.ourNodeId,
    bitcoinKey1: first ? p.ourFundingPubkey : p.theirFundingPubkey,
    bitcoinKey2: first ? p.theirFundingPubkey : p.ourFundingPubkey,
  };
}

/**
 * Our announcement_signatures for a channel. BOLT 7: "The `announcement_signatures` message is
 * created by constructing a `channel_announcement` message, corresponding to the newly confirmed
 * channel funding transaction, and signing it with the secrets matching an endpoint's `node_id`
 * and `bitcoin_key`."
 */
export function createAnnouncementSignatures(
  p: ChannelAnnouncementParams,
  channelId: Uint8Array,
  signer: GossipSigner,
): AnnouncementSignatures {
  const h = channelAnnouncementHash(unsignedChannelAnnouncement(p));
  return {
    kind: 'announcement_signatures',
    channelId,
    shortChannelId: p.shortChannelId,
    nodeSignature: signer.signWithNodeKey(h),
    bitcoinSignature: signer.signWithFundingKey(p.ourFundingPubkey, h),
  };
}

export type AnnouncementSignaturesProblem = 'short_channel_id_mismatch' | 'invalid_signature';

/** Checks the peer's announcement_signatures; undefined when they are good. */
export function checkAnnouncementSignatures(
  p: ChannelAnnouncementParams,
  theirs: AnnouncementSignatures,
): AnnouncementSignaturesProblem | undefined {
  // BOLT 7: "If the `short_channel_id` doesn't match one of its funding transactions: ... SHOULD
  // send a `warning`."
  if (theirs.shortChannelId !== p.shortChannelId) return 'short_channel_id_mismatch';
  const h = channelAnnouncementHash(unsignedChannelAnnouncement(p));
  // BOLT 7: "If the `node_signature` OR the `bitcoin_signature` is NOT correct: ... MAY send a
  // `warning` and close the connection, or send an `error` and fail the channel."
  if (!ecdsaVerify(theirs.nodeSignature, h, p.theirNodeId)) return 'invalid_signature';
  if (!ecdsaVerify(theirs.bitcoinSignature, h, p.theirFundingPubkey)) return 'invalid_signature';
  return undefined;
}

/** The complete channel_announcement from both sides' announcement_signatures. */
export function combineAnnouncementSignatures(
  p: ChannelAnnouncementParams,
  ours: AnnouncementSignatures,
  theirs: AnnouncementSignatures,
): ChannelAnnouncement {
  const first = weAreNode1(p);
  const [one, two] = first ? [ours, theirs] : [theirs, ours];
  // BOLT 7: "MUST set `node_signature_1` and `node_signature_2` to valid signatures of the hash
  // `h` (using `node_id_1` and `node_id_2`'s respective secrets)."
  return {
    ...unsignedChannelAnnouncement(p),
    nodeSignature1: one.nodeSignature,
    nodeSignature2: two.nodeSignature,
    bitcoinSignature1: one.bitcoinSignature,
    bitcoinSignature2: two.bitcoinSignature,
  };
}

// ---------- node_announcement ----------

export interface NodeAnnouncementParams {
  /** UTF-8, at most 32 bytes. */
  alias: string;
  /** Red, green, blue. */
  rgbColor: Uint8Array;
  /** Public addresses that accept connections; sorted by type here. */
  addresses: readonly NodeAddress[];
  /**
   * Our node features, announced as given: bLIP 3 receivers offer keysend (bit 55) here, and a node
   * that refuses keysend must not (senders check the bit before paying).
   */
  features: Features;
}

const ADDRESS_ORDER: Record<NodeAddress['type'], number> = {
  ipv4: 1,
  ipv6: 2,
  torv2: 3,
  torv3: 4,
  dns: 5,
  unknown: 256,
};

/** What is wrong with our node_announcement settings, as a sentence for the operator; undefined if fine. */
export function nodeAnnouncementProblem(p: NodeAnnouncementParams): string | undefined {
  if (new TextEncoder().encode(p.alias).length > 32) return 'the alias must be at most 32 bytes of UTF-8';
  if (p.rgbColor.length !== 3) return 'the color must be 3 bytes (red, green, blue)';
  for (const a of p.addresses) {
    if (a.type === 'unknown') return 'an announced address must be of a known type';
    // BOLT 7: "MUST NOT create a `type 1`, `type 2` or `type 5` address descriptor with `port`
    // equal to 0."
    if (a.port === 0 && a.type !== 'torv3' && a.type !== 'torv2') return `the ${a.type} address has port 0`;
    // BOLT 7: "SHOULD not announce a Tor v2 onion service."
    if (a.type === 'torv2') return 'Tor v2 onion services are obsolete; announce a Tor v3 address';
    if (a.type === 'dns' && !/^[\x21-\x7e]{1,255}$/.test(a.hostname)) {
      // BOLT 7: "`hostname` bytes MUST be ASCII characters."
      return 'a DNS hostname must be ASCII (use Punycode for other characters)';
    }
  }
  // BOLT 7: "MUST NOT announce more than one `type 5` DNS hostname."
  if (p.addresses.filter((a) => a.type === 'dns').length > 1)
    return 'at most one DNS hostname may be announced';
  return undefined;
}

/** Builds and signs our node_announcement. Throws RangeError when {@link nodeAnnouncementProblem} finds one. */
export function createNodeAnnouncement(
  p: NodeAnnouncementParams,
  timestamp: number,
  signer: GossipSigner,
): NodeAnnouncement {
  const problem = nodeAnnouncementProblem(p);
  if (problem !== undefined) throw new RangeError(`node_announcement: ${problem}`);
  // BOLT 7: "MUST place address descriptors in ascending order."
  const addresses = [...p.addresses].sort((a, b) => ADDRESS_ORDER[a.type] - ADDRESS_ORDER[b.type]);
  const unsigned: NodeAnnouncement = {
    kind: 'node_announcement',
    signature: ZERO_SIGNATURE,
    // BOLT 7: "SHOULD set `flen` to the minimum length required to hold the `features` bits it
    // sets." (`toBytes` is minimal.)
    features: p.features.toBytes(),
    timestamp,
    nodeId: signer.nodeId,
    rgbColor: p.rgbColor,
    // BOLT 7: "MUST set `alias` to a valid UTF-8 string, with any `alias` trailing-bytes equal to 0."
    alias: aliasFromString(p.alias),
    addresses,
  };
  // BOLT 7: "MUST set `signature` to the signature of the double-SHA256 of the entire remaining
  // packet after `signature` (using the key given by `node_id`)."
  return { ...unsigned, signature: signer.signWithNodeKey(nodeAnnouncementHash(unsigned)) };
}

// ---------- channel_update ----------

/** What we charge and accept to forward out over one of our channels. */
export interface OurPolicy {
  cltvExpiryDelta: number;
  htlcMinimumMsat: bigint;
  htlcMaximumMsat: bigint;
  feeBaseMsat: bigint;
  feeProportionalMillionths: number;
}

export interface ChannelUpdateParams {
  chainHash: Uint8Array;
  shortChannelId: bigint;
  /** 0 if we are node_id_1 (see {@link weAreNode1}). */
  direction: 0 | 1;
  policy: OurPolicy;
  disabled: boolean;
  /** For a channel that is not announced: only our peer may see the update. */
  dontForward: boolean;
  timestamp: number;
}

/** The policy fields of an update, for comparison with what we want now. */
export function policyOf(u: ChannelUpdate): OurPolicy {
  return {
    cltvExpiryDelta: u.cltvExpiryDelta,
    htlcMinimumMsat: u.htlcMinimumMsat,
    htlcMaximumMsat: u.htlcMaximumMsat,
    feeBaseMsat: BigInt(u.feeBaseMsat),
    feeProportionalMillionths: u.feeProportionalMillionths,
  };
}

export function samePolicy(a: OurPolicy, b: OurPolicy): boolean {
  return (
    a.cltvExpiryDelta === b.cltvExpiryDelta &&
    a.htlcMinimumMsat === b.htlcMinimumMsat &&
    a.htlcMaximumMsat === b.htlcMaximumMsat &&
    a.feeBaseMsat === b.feeBaseMsat &&
    a.feeProportionalMillionths === b.feeProportionalMillionths
  );
}

/** What is wrong with a policy we are about to announce; undefined if it follows BOLT 7. */
export function policyProblem(policy: OurPolicy, capacitySat: bigint | undefined): string | undefined {
  // BOLT 7: "MUST set this to greater than or equal to `htlc_minimum_msat`."
  if (policy.htlcMaximumMsat < policy.htlcMinimumMsat) return 'htlc_maximum_msat is below htlc_minimum_msat';
  // BOLT 7: "MUST set this to less than or equal to the channel capacity."
  if (capacitySat !== undefined && policy.htlcMaximumMsat > capacitySat * 1000n) {
    return 'htlc_maximum_msat exceeds the channel capacity';
  }
  if (policy.htlcMinimumMsat < 0n) return 'htlc_minimum_msat is negative';
  if (policy.feeBaseMsat < 0n || policy.feeBaseMsat > 0xffff_ffffn) return 'fee_base_msat is not a u32';
  if (!Number.isInteger(policy.feeProportionalMillionths) || policy.feeProportionalMillionths < 0) {
    return 'fee_proportional_millionths is not a u32';
  }
  if (
    !Number.isInteger(policy.cltvExpiryDelta) ||
    policy.cltvExpiryDelta < 0 ||
    policy.cltvExpiryDelta > 0xffff
  ) {
    return 'cltv_expiry_delta is not a u16';
  }
  return undefined;
}

/**
 * The timestamp for our next update of a channel (or our next node_announcement): now, unless that
 * would not be after the previous one. BOLT 7: "MUST set `timestamp` to greater than 0, AND to
 * greater than any previously-sent `channel_update` for this `short_channel_id`."
 */
export function nextTimestamp(nowSec: number, previous: number | undefined): number {
  return Math.max(Math.floor(nowSec), (previous ?? 0) + 1, 1);
}

/** Builds and signs our channel_update for one direction. */
export function createChannelUpdate(p: ChannelUpdateParams, signer: GossipSigner): ChannelUpdate {
  const unsigned: ChannelUpdate = {
    kind: 'channel_update',
    signature: ZERO_SIGNATURE,
    chainHash: p.chainHash,
    shortChannelId: p.shortChannelId,
    timestamp: p.timestamp,
    // BOLT 7: "MUST set `must_be_one` in `message_flags` to 1." ... "MUST set `dont_forward` to 1
    // in `message_flags`" (for an update of a channel that is not announced).
    messageFlags: MESSAGE_FLAG_MUST_BE_ONE | (p.dontForward ? MESSAGE_FLAG_DONT_FORWARD : 0),
    // BOLT 7: "if the origin node is `node_id_1` in the message: ... MUST set the `direction` bit
    // of `channel_flags` to 0."
    channelFlags: p.direction | (p.disabled ? CHANNEL_FLAG_DISABLE : 0),
    cltvExpiryDelta: p.policy.cltvExpiryDelta,
    htlcMinimumMsat: p.policy.htlcMinimumMsat,
    feeBaseMsat: Number(p.policy.feeBaseMsat),
    feeProportionalMillionths: p.policy.feeProportionalMillionths,
    htlcMaximumMsat: p.policy.htlcMaximumMsat,
  };
  // BOLT 7: "MUST set `signature` to the signature of the double-SHA256 of the entire remaining
  // packet after `signature`, using its own `node_id`."
  return { ...unsigned, signature: signer.signWithNodeKey(channelUpdateHash(unsigned)) };
}

export type UpdateDue = 'missing' | 'changed' | 'refresh';

/**
 * Whether we must sign a new channel_update: none yet, the policy/disabled/visibility changed, or
 * the last one is `refreshAfterSec` old. Other nodes may prune a channel whose update is two weeks
 * old (BOLT 7: "older than two weeks (1209600 seconds)"), so the refresh interval must be well
 * below that; BOLT 7 also asks not to spam: "SHOULD NOT create redundant `channel_update`s".
 */
export function updateDue(
  last: ChannelUpdate | undefined,
  want: { policy: OurPolicy; disabled: boolean; dontForward: boolean; shortChannelId: bigint },
  nowSec: number,
  refreshAfterSec: number,
): UpdateDue | undefined {
  if (last === undefined) return 'missing';
  const disabled = (last.channelFlags & CHANNEL_FLAG_DISABLE) !== 0;
  const dontForward = (last.messageFlags & MESSAGE_FLAG_DONT_FORWARD) !== 0;
  if (
    !samePolicy(policyOf(last), want.policy) ||
    disabled !== want.disabled ||
    dontForward !== want.dontForward ||
    last.shortChannelId !== want.shortChannelId
  ) {
    return 'changed';
  }
  if (nowSec - last.timestamp >= refreshAfterSec) return 'refresh';
  return undefined;
}
