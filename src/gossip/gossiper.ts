// src/gossip/gossiper.ts: the gossip shell. It takes messages from peers (rate limited), verifies
// them, keeps and persists what it accepts, feeds the channel graph, relays on a fixed interval
// (the staggered broadcast), answers and runs gossip queries, prunes stale and closed channels, and
// announces our own channels and node. It has no timers: the node calls `tick()` (see
// `startTicking`), and time comes from the injected clock, so tests drive it exactly.
import { bytesToHex, equalBytes } from '../crypto/index.js';
import type { RouteHint } from '../invoice/index.js';
import {
  type AnnouncementSignatures,
  type ChannelAnnouncement,
  type ChannelUpdate,
  channelUpdateDirection,
  encodeMessage,
  FEATURES,
  type Features,
  type GossipTimestampFilter,
  MESSAGE_FLAG_DONT_FORWARD,
  type NodeAnnouncement,
  type QueryChannelRange,
  type QueryShortChannelIds,
  type ReplyChannelRange,
  type WireMessage,
} from '../wire/index.js';
import { DEFAULT_GOSSIP_CONFIG, type GossipConfig } from './config.js';
import { type StoredChannel, type StoredUpdate, storedUpdate } from './db.js';
import { DEFAULT_HINT_POLICY, type HintDefaults, routeHintsForInvoice } from './hints.js';
import { type LoadReport, NetworkView } from './network-view.js';
import { type OurChannel, OurChannels, type OwnAction } from './our-channels.js';
import { type NodeAnnouncementParams, nodeAnnouncementProblem } from './own.js';
import { GossipPersistence } from './persist.js';
import { TokenBucket } from './rate-limit.js';
import { type GossipMessage, inFilter, RelayQueue, type TimestampFilter } from './relay.js';
import { answerQueryShortChannelIds, messagesForTimestampFilter, replyChannelRange } from './sync.js';
import { RangeSync } from './sync-session.js';
import type {
  FundingOutputLookup,
  GossipGraph,
  GossipSigner,
  GossipStore,
  RejectReason,
  Verdict,
} from './types.js';
import {
  checkFundingOutput,
  type FundingOutput,
  verifyChannelAnnouncement,
  verifyChannelUpdate,
  verifyNodeAnnouncement,
} from './verify.js';

export type { LoadReport } from './network-view.js';
export type { OurChannel } from './our-channels.js';

/** Problems with queries and channel announcement exchange (besides the gossip RejectReasons). */
export type ProtocolProblem =
  | 'bad_query'
  | 'unexpected_reply'
  | 'unknown_chain_filter'
  | 'peer_not_connected'
  | 'unknown_our_channel'
  | 'announcement_signatures_mismatch'
  | 'invalid_announcement_signatures';

/** What became of one message from a peer; the peer module may close the connection on `warning`. */
export type GossipOutcome =
  | { kind: 'accepted' }
  | { kind: 'handled' }
  | { kind: 'ignored'; reason: RejectReason | ProtocolProblem; detail: string }
  | { kind: 'warning'; reason: RejectReason | ProtocolProblem; detail: string }
  | { kind: 'not_gossip' };

/** Things worth logging or reacting to. */
export type GossipEvent =
  | {
      kind: 'rejected';
      peer: Uint8Array;
      message: string;
      reason: RejectReason | ProtocolProblem;
      detail: string;
    }
  | { kind: 'our_channel_announced'; shortChannelId: bigint }
  | { kind: 'sync_done'; peer: Uint8Array; asked: number }
  | { kind: 'sync_failed'; peer: Uint8Array; problem: string }
  | { kind: 'pruned'; shortChannelIds: bigint[] }
  | { kind: 'persist_failed'; error: Error };

export interface GossiperOptions {
  /** The chain we are on (e.g. regtest `06226e46…`). */
  chainHash: Uint8Array;
  signer: GossipSigner;
  graph: GossipGraph;
  /** Hands a message to the peer's connection; messages to one peer must go out in call order. */
  send: (nodeId: Uint8Array, msg: WireMessage) => void;
  /** Unix time in milliseconds. */
  clock: () => number;
  /** Where gossip is kept across restarts (`Store` fits); none: memory only. */
  store?: GossipStore;
  /** Checks announced funding outputs on chain, when available. */
  fundingLookup?: FundingOutputLookup;
  config?: Partial<GossipConfig>;
  onEvent?: (e: GossipEvent) => void;
}

interface Peer {
  id: Uint8Array;
  key: string;
  queries: boolean;
  queriesEx: boolean;
  networks: readonly Uint8Array[] | undefined;
  /** Set by the peer's gossip_timestamp_filter; until then we relay nothing to it. */
  filter: TimestampFilter | undefined;
  bucket: TokenBucket;
  sync: RangeSync | undefined;
}

const NO_FILTER: TimestampFilter = { firstTimestamp: 0xffff_ffff, timestampRange: 0 };
const ZERO_CHANNEL_ID = new Uint8Array(32);

/**
 * BOLT 7 for one node: see the file comment. Every public method runs in one queue, in call order,
 * so a message is fully handled (including its funding lookup) before the next one starts.
 */
export class Gossiper {
  readonly config: GossipConfig;
  private readonly view: NetworkView;
  private readonly relay = new RelayQueue();
  private readonly persistence: GossipPersistence;
  private readonly peers = new Map<string, Peer>();
  private readonly ours: OurChannels;
  /** Channels accepted but not yet queued for relay: they go out with their first update. */
  private readonly announcementNotRelayed = new Set<bigint>();
  private nodeParams: NodeAnnouncementParams | undefined;
  private rangeSyncs = 0;
  private lastFlushMs: number;
  private lastPruneMs: number;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: GossiperOptions) {
    this.config = { ...DEFAULT_GOSSIP_CONFIG, ...opts.config };
    this.persistence = new GossipPersistence(opts.store);
    this.view = new NetworkView(opts.graph, this.persistence);
    this.lastFlushMs = opts.clock();
    this.lastPruneMs = this.lastFlushMs;
    this.ours = new OurChannels({
      chainHash: opts.chainHash,
      signer: opts.signer,
      refreshAfterSec: this.config.refreshAfterSec,
      persistence: this.persistence,
      view: {
        isAnnounced: (scid) => this.view.db.channels.has(scid),
        publicUpdate: (scid, direction) => this.view.db.channels.get(scid)?.updates[direction]?.msg,
        isConnected: (id) => this.peers.has(bytesToHex(id)),
      },
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /** Loads stored gossip into memory and the graph. Call once, before feeding messages. */
  load(): Promise<LoadReport> {
    return this.serial(() => this.loadNow());
  }

  /**
   * The periodic work: flush the relay queue every `flushIntervalMs`, prune every
   * `pruneIntervalMs`, refresh our own announcements when they age, and persist.
   */
  tick(): Promise<void> {
    return this.serial(async () => {
      const now = this.opts.clock();
      if (now - this.lastFlushMs >= this.config.flushIntervalMs) this.flushNow(now);
      if (now - this.lastPruneMs >= this.config.pruneIntervalMs) this.pruneNow(now);
      this.refreshOwnNow();
      await this.persistNow();
    });
  }

  /** Calls `tick` every `intervalMs` until the returned function is called. */
  startTicking(intervalMs = 1_000): () => void {
    const t = setInterval(() => {
      this.tick().catch((e: unknown) => this.emit({ kind: 'persist_failed', error: e as Error }));
    }, intervalMs);
    t.unref();
    return () => clearInterval(t);
  }

  /** Sends the queued gossip now (normally `tick` does, every `flushIntervalMs`). */
  flush(): Promise<void> {
    return this.serial(() => this.flushNow(this.opts.clock()));
  }

  /** Looks for stale channels now (normally `tick` does, every `pruneIntervalMs`). */
  prune(): Promise<bigint[]> {
    return this.serial(() => this.pruneNow(this.opts.clock()));
  }

  /** Writes buffered changes to the store. */
  persist(): Promise<void> {
    return this.serial(() => this.persistNow());
  }

  // ---------------------------------------------------------------------------------------------
  // Peers

  /**
   * A peer finished `init`. `features` is its init feature vector; `networks` its `networks` TLV.
   * We ask for its gossip (gossip_timestamp_filter), start a range sync with the first few peers
   * that offer gossip_queries, and resend what our channels with it need.
   */
  onPeerConnected(nodeId: Uint8Array, features: Features, networks?: readonly Uint8Array[]): Promise<void> {
    return this.serial(() => {
      const key = bytesToHex(nodeId);
      // A new connection replaces an old one we were not told had ended.
      if (this.peers.has(key)) this.dropPeer(key);
      const peer: Peer = {
        id: nodeId,
        key,
        queries: features.offers(FEATURES.gossipQueries),
        queriesEx: features.offers(FEATURES.gossipQueriesEx),
        networks,
        filter: undefined,
        bucket: new TokenBucket(this.config.rateLimit),
        sync: undefined,
      };
      this.peers.set(key, peer);
      if (!this.chainAllowed(peer)) return;
      const nowSec = this.nowSec();
      // BOLT 7: "A node which wants any gossip messages has to send this, otherwise no gossip
      // messages would be received." Past gossip comes through the range sync; for a peer that
      // does not offer queries: "If the receiver does not offer `gossip_queries`: ... SHOULD set
      // `first_timestamp` to 0xFFFFFFFF and `timestamp_range` to 0."
      const filter = peer.queries
        ? { firstTimestamp: nowSec, timestampRange: 0xffff_ffff - nowSec }
        : NO_FILTER;
      this.opts.send(nodeId, { kind: 'gossip_timestamp_filter', chainHash: this.opts.chainHash, ...filter });
      if (peer.queries && this.rangeSyncs < this.config.rangeSyncPeers) {
        // BOLT 7: "SHOULD NOT send this to a peer which does not offer `gossip_queries`."
        this.rangeSyncs++;
        peer.sync = new RangeSync({
          chainHash: this.opts.chainHash,
          extended: peer.queriesEx,
          batchSize: this.config.queryBatchSize,
          nowSec,
          staleAfterSec: this.config.staleAfterSec,
        });
        this.opts.send(nodeId, peer.sync.start());
      }
      this.applyOwn(this.ours.onPeerConnected(nodeId, nowSec));
    });
  }

  onPeerDisconnected(nodeId: Uint8Array): Promise<void> {
    return this.serial(() => this.dropPeer(bytesToHex(nodeId)));
  }

  private dropPeer(key: string): void {
    const peer = this.peers.get(key);
    if (peer === undefined) return;
    // A sync that did not finish does not count: another peer may take its place.
    if (peer.sync !== undefined && peer.sync.state !== 'done' && peer.sync.state !== 'failed')
      this.rangeSyncs--;
    this.peers.delete(key);
    this.ours.onPeerDisconnected(peer.id);
  }

  /** Handles one message from a peer. Returns `not_gossip` for messages of other modules. */
  onMessage(nodeId: Uint8Array, msg: WireMessage): Promise<GossipOutcome> {
    return this.serial(async () => {
      const peer = this.peers.get(bytesToHex(nodeId));
      if (!isGossipKind(msg.kind)) return { kind: 'not_gossip' } as const;
      if (peer === undefined)
        return this.ignored(nodeId, msg.kind, 'peer_not_connected', 'onPeerConnected first');
      const outcome = await this.handle(peer, msg);
      if (outcome.kind === 'ignored' || outcome.kind === 'warning') {
        this.emit({
          kind: 'rejected',
          peer: nodeId,
          message: msg.kind,
          reason: outcome.reason,
          detail: outcome.detail,
        });
      }
      if (outcome.kind === 'warning') this.sendWarning(peer, outcome.detail, channelIdOf(msg));
      return outcome;
    });
  }

  /**
   * The funding output of a channel was spent. BOLT 7: "once its funding output has been spent OR
   * reorganized out: ... SHOULD forget a channel after a 72-block delay." The chain module applies
   * the delay (a splice may re-announce the channel meanwhile) and then calls this.
   */
  fundingSpent(shortChannelId: bigint): Promise<void> {
    return this.serial(() => {
      this.forgetChannel(shortChannelId);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Our own gossip

  /**
   * Sets what our node_announcement says; it is (re)announced once we have a public channel.
   * Rejects with a RangeError naming the problem if BOLT 7 forbids the settings.
   */
  setNodeAnnouncement(params: NodeAnnouncementParams): Promise<void> {
    return this.serial(() => {
      const problem = nodeAnnouncementProblem(params);
      if (problem !== undefined) throw new RangeError(`node announcement settings: ${problem}`);
      this.nodeParams = params;
      this.announceNode(true);
    });
  }

  /**
   * Tells gossip about one of our channels, on every change (ready, announced depth reached,
   * policy, disabled). Sends announcement_signatures, channel_updates and the announcement as due.
   */
  upsertOurChannel(ch: OurChannel): Promise<void> {
    return this.serial(async () => {
      this.applyOwn(this.ours.upsert(ch, this.nowSec()));
      await this.persistNow();
    });
  }

  /**
   * Our latest signed channel_update of one of our channels (by channel_id), public or sent to the
   * peer alone; undefined before we made one. For failures (BOLT 4), re-signed by the caller when
   * the onion named another short_channel_id.
   */
  ourChannelUpdate(channelId: Uint8Array): ChannelUpdate | undefined {
    return this.ours.ownUpdate(channelId);
  }

  /** Forgets one of our channels (closed). Its public announcement stays until `fundingSpent`. */
  removeOurChannel(shortChannelId: bigint): Promise<void> {
    return this.serial(() => this.ours.remove(shortChannelId));
  }

  /**
   * BOLT 11 route hints for our private channels, priced with each peer's channel_update.
   * `inbound` gives what each channel can receive (for ordering).
   */
  routeHints(
    inbound?: (shortChannelId: bigint) => bigint | undefined,
    defaults: HintDefaults = DEFAULT_HINT_POLICY,
    maxHints?: number,
  ): RouteHint[] {
    const channels = this.ours.hintChannels();
    for (const c of channels) {
      const v = inbound?.(c.shortChannelId);
      if (v !== undefined) c.inboundMsat = v;
    }
    return routeHintsForInvoice(channels, defaults, maxHints);
  }

  // ---------------------------------------------------------------------------------------------
  // Read access

  /** Counts, for status displays and tests. */
  stats(): { channels: number; nodes: number; queued: number; peers: number; pendingWrites: number } {
    return {
      channels: this.view.db.channels.size,
      nodes: this.view.db.nodes.size,
      queued: this.relay.size,
      peers: this.peers.size,
      pendingWrites: this.persistence.pendingCount,
    };
  }

  /** The stored channel_announcement and latest updates of a channel. */
  channel(shortChannelId: bigint):
    | {
        announcement: ChannelAnnouncement;
        capacitySat: bigint | undefined;
        updates: [ChannelUpdate | undefined, ChannelUpdate | undefined];
      }
    | undefined {
    const ch = this.view.db.channels.get(shortChannelId);
    if (ch === undefined) return undefined;
    return {
      announcement: ch.msg,
      capacitySat: ch.capacitySat,
      updates: [ch.updates[0]?.msg, ch.updates[1]?.msg],
    };
  }

  /** The latest node_announcement of a node. */
  nodeAnnouncement(nodeId: Uint8Array): NodeAnnouncement | undefined {
    return this.view.db.getNode(nodeId)?.msg;
  }

  /** Every announced short channel id, ascending. */
  shortChannelIds(): readonly bigint[] {
    return this.view.db.sortedScids();
  }

  /** The channel_update our peer sent for one of our channels (private or public), if any. */
  peerUpdate(shortChannelId: bigint): ChannelUpdate | undefined {
    return this.ours.peerUpdate(shortChannelId);
  }

  // ---------------------------------------------------------------------------------------------
  // Message handling

  private async handle(peer: Peer, msg: WireMessage): Promise<GossipOutcome> {
    switch (msg.kind) {
      case 'channel_announcement':
        return this.limited(peer) ?? (await this.onChannelAnnouncement(msg));
      case 'channel_update':
        return this.limited(peer) ?? this.onChannelUpdate(peer, msg);
      case 'node_announcement':
        return this.limited(peer) ?? this.onNodeAnnouncement(peer, msg);
      case 'announcement_signatures':
        return this.onAnnouncementSignatures(peer, msg);
      case 'gossip_timestamp_filter':
        return this.onTimestampFilter(peer, msg);
      case 'query_channel_range':
        return this.onQueryChannelRange(peer, msg);
      case 'query_short_channel_ids':
        return this.onQueryShortChannelIds(peer, msg);
      case 'reply_channel_range':
        return this.onReplyChannelRange(peer, msg);
      case 'reply_short_channel_ids_end':
        return this.onReplyEnd(peer);
      default:
        return { kind: 'not_gossip' };
    }
  }

  private limited(peer: Peer): GossipOutcome | undefined {
    // What we asked for with query_short_channel_ids is not limited: an initial sync is big.
    if (peer.sync?.state === 'scids') return undefined;
    if (peer.bucket.take(this.opts.clock())) return undefined;
    return { kind: 'ignored', reason: 'rate_limited', detail: 'too much gossip from this peer' };
  }

  private async onChannelAnnouncement(msg: ChannelAnnouncement): Promise<GossipOutcome> {
    const known = this.view.db.channels.get(msg.shortChannelId);
    if (known !== undefined) {
      if (equalBytes(known.msg.nodeId1, msg.nodeId1) && equalBytes(known.msg.nodeId2, msg.nodeId2)) {
        return verdictOutcome({
          ok: false,
          reason: 'duplicate',
          severity: 'ignore',
          detail: 'channel already known',
        });
      }
      const v = verifyChannelAnnouncement(msg, { chainHash: this.opts.chainHash });
      // BOLT 7: "if it has previously received a valid `channel_announcement`, for the same
      // transaction, in the same block, but for a different `node_id_1` or `node_id_2`: ... SHOULD
      // blacklist". We keep the first and ignore the second.
      return verdictOutcome(
        v.ok
          ? {
              ok: false,
              reason: 'conflicting_announcement',
              severity: 'ignore',
              detail: 'other nodes for a known channel',
            }
          : v,
      );
    }
    const v = verifyChannelAnnouncement(msg, { chainHash: this.opts.chainHash });
    if (!v.ok) return verdictOutcome(v);
    let capacitySat: bigint | undefined;
    if (this.opts.fundingLookup !== undefined) {
      let output: FundingOutput;
      try {
        output = await this.opts.fundingLookup.getOutput(msg.shortChannelId);
      } catch (e) {
        // The chain backend failing is not the peer's fault: ignore, the announcement will come again.
        const detail = `funding lookup failed: ${(e as Error).message}`;
        return { kind: 'ignored', reason: 'funding_lookup_failed', detail };
      }
      const funding = checkFundingOutput(msg, output);
      if (!funding.ok) return verdictOutcome(funding);
      capacitySat = funding.capacitySat;
    }
    // Serialized processing means nothing else ran while we waited, but a fundingSpent could be
    // queued behind us: that is fine, it runs next.
    this.acceptChannel(msg, encodeMessage(msg), capacitySat, this.nowSec());
    if (this.isOurs(msg)) this.applyOwn(this.ours.onAnnounced(msg.shortChannelId, this.nowSec()));
    return { kind: 'accepted' };
  }

  private onChannelUpdate(peer: Peer, msg: ChannelUpdate): GossipOutcome {
    const direction = channelUpdateDirection(msg);
    const ch = this.view.db.channels.get(msg.shortChannelId);
    const dontForward = (msg.messageFlags & MESSAGE_FLAG_DONT_FORWARD) !== 0;
    if (ch === undefined || dontForward) {
      // BOLT 7: "SHOULD accept `channel_update`s for its own channels (even if non-public), in
      // order to learn the associated origin nodes' forwarding parameters."
      const own = this.ours.acceptPeerUpdate(msg, this.verifyContext());
      if (own !== undefined) return verdictOutcome(own);
      return verdictOutcome({
        ok: false,
        reason: 'unknown_channel',
        severity: 'ignore',
        detail: 'no channel_announcement',
      });
    }
    const prev = ch.updates[direction];
    const v = verifyChannelUpdate(msg, {
      ...this.verifyContext(),
      channel: { node1: ch.msg.nodeId1, node2: ch.msg.nodeId2 },
      previous: prev === undefined ? undefined : { timestamp: prev.msg.timestamp, raw: prev.raw },
    });
    if (!v.ok) return verdictOutcome(v);
    this.acceptUpdate(ch, storedUpdate(msg, encodeMessage(msg)), peer.key);
    return { kind: 'accepted' };
  }

  private onNodeAnnouncement(peer: Peer, msg: NodeAnnouncement): GossipOutcome {
    const v = verifyNodeAnnouncement(msg, {
      knownNode: this.view.db.hasNodeChannels(msg.nodeId),
      lastTimestamp: this.view.db.getNode(msg.nodeId)?.msg.timestamp,
      nowSec: this.nowSec(),
      maxFutureSec: this.config.maxFutureSec,
    });
    if (!v.ok) return verdictOutcome(v);
    this.acceptNode(msg, encodeMessage(msg), peer.key);
    return { kind: 'accepted' };
  }

  private onAnnouncementSignatures(peer: Peer, msg: AnnouncementSignatures): GossipOutcome {
    const r = this.ours.onAnnouncementSignatures(peer.id, msg, this.nowSec());
    if (r.kind === 'problem') {
      const severity = r.problem === 'unknown_our_channel' ? 'ignored' : 'warning';
      return { kind: severity, reason: r.problem, detail: r.detail };
    }
    this.applyOwn(r.actions);
    return { kind: 'handled' };
  }

  private onTimestampFilter(peer: Peer, msg: GossipTimestampFilter): GossipOutcome {
    if (!equalBytes(msg.chainHash, this.opts.chainHash)) {
      peer.filter = undefined;
      return {
        kind: 'ignored',
        reason: 'unknown_chain_filter',
        detail: 'gossip_timestamp_filter for another chain',
      };
    }
    // BOLT 7: "Note that this filter replaces any previous one"
    peer.filter = { firstTimestamp: msg.firstTimestamp, timestampRange: msg.timestampRange };
    if (!this.chainAllowed(peer)) return { kind: 'handled' };
    for (const m of messagesForTimestampFilter(this.view.db, peer.filter, this.opts.signer.nodeId)) {
      this.opts.send(peer.id, m);
    }
    return { kind: 'handled' };
  }

  private onQueryChannelRange(peer: Peer, msg: QueryChannelRange): GossipOutcome {
    const r = replyChannelRange(this.view.db, msg, this.opts.chainHash);
    if (!r.ok) return { kind: 'warning', reason: 'bad_query', detail: r.problem };
    for (const reply of r.value) this.opts.send(peer.id, reply);
    return { kind: 'handled' };
  }

  private onQueryShortChannelIds(peer: Peer, msg: QueryShortChannelIds): GossipOutcome {
    const r = answerQueryShortChannelIds(this.view.db, msg, this.opts.chainHash);
    if (!r.ok) return { kind: 'warning', reason: 'bad_query', detail: r.problem };
    for (const m of r.value) this.opts.send(peer.id, m);
    return { kind: 'handled' };
  }

  private onReplyChannelRange(peer: Peer, msg: ReplyChannelRange): GossipOutcome {
    const s = peer.sync;
    if (s === undefined || s.state !== 'range') {
      return { kind: 'ignored', reason: 'unexpected_reply', detail: 'reply_channel_range without a query' };
    }
    return this.syncStep(
      peer,
      s.onReplyChannelRange(msg, (scid) => this.view.localState(scid)),
    );
  }

  private onReplyEnd(peer: Peer): GossipOutcome {
    const s = peer.sync;
    if (s === undefined || s.state !== 'scids') {
      return {
        kind: 'ignored',
        reason: 'unexpected_reply',
        detail: 'reply_short_channel_ids_end without a query',
      };
    }
    return this.syncStep(peer, s.onReplyShortChannelIdsEnd());
  }

  private syncStep(peer: Peer, step: ReturnType<RangeSync['onReplyShortChannelIdsEnd']>): GossipOutcome {
    switch (step.kind) {
      case 'more':
        return { kind: 'handled' };
      case 'query':
        this.opts.send(peer.id, step.query);
        return { kind: 'handled' };
      case 'done':
        this.emit({ kind: 'sync_done', peer: peer.id, asked: peer.sync?.wantedCount ?? 0 });
        return { kind: 'handled' };
      case 'invalid':
        this.rangeSyncs--;
        this.emit({ kind: 'sync_failed', peer: peer.id, problem: step.problem });
        return { kind: 'warning', reason: 'unexpected_reply', detail: step.problem };
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Accepting into db, graph, store and relay queue

  private acceptChannel(
    msg: ChannelAnnouncement,
    raw: Uint8Array,
    capacitySat: bigint | undefined,
    nowSec: number,
  ): void {
    this.view.addChannel(msg, raw, capacitySat, nowSec);
    // BOLT 7: "MUST consider whether to send the `channel_announcement` after receiving the first
    // corresponding `channel_update`."
    this.announcementNotRelayed.add(msg.shortChannelId);
  }

  /** Stores an update of a known channel; `origin` is the peer it came from (undefined: ours). */
  private acceptUpdate(ch: StoredChannel, u: StoredUpdate, origin: string | undefined): void {
    this.view.setUpdate(ch, u);
    if (origin === undefined) return;
    // BOLT 7: "otherwise: ... SHOULD queue the message for rebroadcasting."
    if (this.announcementNotRelayed.delete(u.msg.shortChannelId)) {
      this.relay.enqueue({ msg: ch.msg, timestamp: u.msg.timestamp, origin });
    }
    this.relay.enqueue({ msg: u.msg, timestamp: u.msg.timestamp, origin });
  }

  private acceptNode(msg: NodeAnnouncement, raw: Uint8Array, origin: string | undefined): void {
    const relayable = this.view.setNode(msg, raw);
    // BOLT 7: "if `timestamp` is greater than the last-received `node_announcement` from this
    // `node_id`: ... SHOULD queue the message for rebroadcasting."
    if (origin !== undefined && relayable) this.relay.enqueue({ msg, timestamp: msg.timestamp, origin });
  }

  private forgetChannel(scid: bigint): void {
    if (!this.view.removeChannel(scid)) return;
    this.relay.dropChannel(scid);
    this.announcementNotRelayed.delete(scid);
  }

  // ---------------------------------------------------------------------------------------------
  // Our own announcements

  /** Carries out what our-channel bookkeeping decided. */
  private applyOwn(actions: readonly OwnAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'send':
          if (this.peers.has(bytesToHex(a.to))) this.opts.send(a.to, a.msg);
          break;
        case 'announce': {
          const raw = encodeMessage(a.announcement);
          if (!this.view.db.channels.has(a.announcement.shortChannelId)) {
            this.acceptChannel(a.announcement, raw, a.capacitySat, this.nowSec());
          }
          this.announcementNotRelayed.delete(a.announcement.shortChannelId);
          this.emit({ kind: 'our_channel_announced', shortChannelId: a.announcement.shortChannelId });
          this.broadcastOwn(a.announcement);
          break;
        }
        case 'public_update': {
          const ch = this.view.db.channels.get(a.update.shortChannelId);
          if (ch === undefined) break;
          this.acceptUpdate(ch, storedUpdate(a.update, encodeMessage(a.update)), undefined);
          this.broadcastOwn(a.update);
          // BOLT 7 allows a node_announcement only once the node has an announced channel; LDK
          // drops one that arrives before our channel_announcement, so it goes after.
          this.announceNode(false);
          break;
        }
      }
    }
  }

  /** Signs and broadcasts our node_announcement if we have a public channel and it is due. */
  private announceNode(changed: boolean): void {
    const p = this.nodeParams;
    const me = this.opts.signer.nodeId;
    if (p === undefined || !this.view.db.hasNodeChannels(me)) return;
    const last = this.view.db.getNode(me)?.msg;
    const nowSec = this.nowSec();
    if (last !== undefined && !changed && nowSec - last.timestamp < this.config.refreshAfterSec) return;
    const msg = this.ours.nodeAnnouncement(p, nowSec, last?.timestamp);
    this.acceptNode(msg, encodeMessage(msg), undefined);
    this.broadcastOwn(msg);
  }

  /**
   * Our own gossip goes out at once to every peer on our chain. BOLT 7: "SHOULD send gossip
   * messages as it generates them regardless of `timestamp`."
   */
  private broadcastOwn(msg: GossipMessage): void {
    for (const peer of this.peers.values()) if (this.chainAllowed(peer)) this.opts.send(peer.id, msg);
  }

  private refreshOwnNow(): void {
    this.applyOwn(this.ours.refresh(this.nowSec()));
    this.announceNode(false);
  }

  private isOurs(msg: ChannelAnnouncement): boolean {
    return (
      equalBytes(msg.nodeId1, this.opts.signer.nodeId) || equalBytes(msg.nodeId2, this.opts.signer.nodeId)
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Relay, prune, persist, load

  private flushNow(nowMs: number): void {
    this.lastFlushMs = nowMs;
    const items = this.relay.drain();
    if (items.length === 0) return;
    for (const peer of this.peers.values()) {
      // BOLT 7: "MUST not send gossip it did not generate itself, until it receives
      // `gossip_timestamp_filter`."
      const filter = peer.filter;
      if (filter === undefined || !this.chainAllowed(peer)) continue;
      for (const item of items) {
        if (item.origin === peer.key) continue;
        // BOLT 7: "SHOULD restrict future gossip messages to those whose `timestamp` is greater
        // or equal to `first_timestamp`, and less than `first_timestamp` plus `timestamp_range`."
        if (!inFilter(filter, item.timestamp)) continue;
        this.opts.send(peer.id, item.msg);
      }
    }
  }

  /** Forgets stale channels, except ours (see NetworkView.staleChannels). */
  private pruneNow(nowMs: number): bigint[] {
    this.lastPruneMs = nowMs;
    const pruned = this.view.staleChannels(Math.floor(nowMs / 1000), this.config.staleAfterSec, (ch) =>
      this.isOurs(ch.msg),
    );
    for (const scid of pruned) this.forgetChannel(scid);
    if (pruned.length > 0) this.emit({ kind: 'pruned', shortChannelIds: pruned });
    return pruned;
  }

  private async persistNow(): Promise<void> {
    try {
      await this.persistence.flush();
    } catch (e) {
      this.emit({ kind: 'persist_failed', error: e as Error });
    }
  }

  private async loadNow(): Promise<LoadReport> {
    const { report, own } = await this.view.load();
    for (const u of own.privateUpdates) this.ours.loadPrivateUpdate(u.shortChannelId, u.msg);
    for (const sigs of own.peerSignatures) this.ours.loadPeerSignatures(sigs);
    await this.persistNow();
    return report;
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private serial<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.tail.then(fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private nowSec(): number {
    return Math.floor(this.opts.clock() / 1000);
  }

  private verifyContext(): {
    chainHash: Uint8Array;
    nowSec: number;
    maxFutureSec: number;
    maxAgeSec: number;
  } {
    return {
      chainHash: this.opts.chainHash,
      nowSec: this.nowSec(),
      maxFutureSec: this.config.maxFutureSec,
      maxAgeSec: this.config.staleAfterSec,
    };
  }

  /**
   * BOLT 7: "SHOULD NOT forward gossip messages to peers who sent `networks` in `init` and did not
   * specify the `chain_hash` of this gossip message."
   */
  private chainAllowed(peer: Peer): boolean {
    return peer.networks === undefined || peer.networks.some((n) => equalBytes(n, this.opts.chainHash));
  }

  private sendWarning(peer: Peer, detail: string, channelId: Uint8Array): void {
    this.opts.send(peer.id, { kind: 'warning', channelId, data: new TextEncoder().encode(detail) });
  }

  private ignored(peer: Uint8Array, message: string, reason: ProtocolProblem, detail: string): GossipOutcome {
    this.emit({ kind: 'rejected', peer, message, reason, detail });
    return { kind: 'ignored', reason, detail };
  }

  private emit(e: GossipEvent): void {
    this.opts.onEvent?.(e);
  }
}

const GOSSIP_KINDS = new Set<string>([
  'announcement_signatures',
  'channel_announcement',
  'node_announcement',
  'channel_update',
  'query_short_channel_ids',
  'reply_short_channel_ids_end',
  'query_channel_range',
  'reply_channel_range',
  'gossip_timestamp_filter',
]);

function isGossipKind(kind: string): boolean {
  return GOSSIP_KINDS.has(kind);
}

function channelIdOf(msg: WireMessage): Uint8Array {
  return msg.kind === 'announcement_signatures' ? msg.channelId : ZERO_CHANNEL_ID;
}

function verdictOutcome(v: Verdict): GossipOutcome {
  if (v.ok) return { kind: 'accepted' };
  return { kind: v.severity === 'warn' ? 'warning' : 'ignored', reason: v.reason, detail: v.detail };
}
