// src/gossip: BOLT 7 gossip. Verification of announcements and updates (pure), our own
// announcements, sync by timestamp filter and by channel range + short channel id queries, route
// hints for private channels, and the Gossiper shell that ties them to peers, the graph and the
// store.
//
// Wiring (the node does this): `new Gossiper({ chainHash, signer, graph, send, clock, store,
// fundingLookup })`, `await load()`, then feed it `onPeerConnected` / `onMessage` /
// `onPeerDisconnected`, call `tick()` every second or so (`startTicking`), `upsertOurChannel` on
// every change of one of our channels and `fundingSpent` when a funding output is spent (after
// BOLT 7's 72-block delay). src/routing's ChannelGraph is the `graph`; the Store is the `store`.

export { channelUpdateChecksum, channelUpdateChecksumOfRaw, crc32c } from './checksum.js';
export { DEFAULT_GOSSIP_CONFIG, type GossipConfig } from './config.js';
export { GossipDb, type StoredChannel, type StoredNode, type StoredUpdate, storedUpdate } from './db.js';
export {
  type GossipEvent,
  Gossiper,
  type GossiperOptions,
  type GossipOutcome,
  type LoadReport,
  type ProtocolProblem,
} from './gossiper.js';
export {
  DEFAULT_HINT_POLICY,
  DEFAULT_MAX_HINTS,
  type HintChannel,
  type HintDefaults,
  routeHintsForInvoice,
} from './hints.js';
export type { OurChannel } from './our-channels.js';
export {
  type AnnouncementSignaturesProblem,
  type ChannelAnnouncementParams,
  type ChannelUpdateParams,
  checkAnnouncementSignatures,
  combineAnnouncementSignatures,
  createAnnouncementSignatures,
  createChannelUpdate,
  createNodeAnnouncement,
  type NodeAnnouncementParams,
  nextTimestamp,
  nodeAnnouncementProblem,
  type OurPolicy,
  policyProblem,
  type UpdateDue,
  unsignedChannelAnnouncement,
  updateDue,
} from './own.js';
export { GOSSIP_NAMESPACE } from './persist.js';
export type { RateLimit } from './rate-limit.js';
export { inFilter, type TimestampFilter } from './relay.js';
export {
  answerQueryShortChannelIds,
  MAX_MESSAGE_LENGTH,
  maxScidsPerReply,
  messagesForTimestampFilter,
  replyChannelRange,
} from './sync.js';
export { type LocalChannelState, RangeSync, type RangeSyncOptions, wantUpdate } from './sync-session.js';
export type {
  FundingOutputLookup,
  GossipGraph,
  GossipSigner,
  GossipStore,
  GraphPolicy,
  RejectReason,
  Verdict,
} from './types.js';
export {
  type ChannelAnnouncementContext,
  type ChannelUpdateContext,
  channelUpdateUsability,
  checkFundingOutput,
  type FundingOutput,
  isNodeAnnouncementRelayable,
  type NodeAnnouncementContext,
  STALE_AFTER_SEC,
  type UpdateUsability,
  verifyChannelAnnouncement,
  verifyChannelUpdate,
  verifyNodeAnnouncement,
} from './verify.js';
