// src/gossip/our-channels.ts: gossip about our own channels. For each one: when to send our
// announcement_signatures, when both sides' signatures make the channel_announcement, our
// channel_update (public once announced, otherwise sent to the peer alone with `dont_forward`),
// refreshed on policy change and before it goes stale, and the peer's update for route hints.
// It decides; the gossiper carries the decisions out.
import { bytesToHex, equalBytes } from '../crypto/index.js';
import {
  type AnnouncementSignatures,
  type ChannelAnnouncement,
  type ChannelUpdate,
  channelUpdateDirection,
  encodeMessage,
  type NodeAnnouncement,
  type WireMessage,
} from '../wire/index.js';
import type { HintChannel } from './hints.js';
import {
  type ChannelAnnouncementParams,
  checkAnnouncementSignatures,
  combineAnnouncementSignatures,
  createAnnouncementSignatures,
  createChannelUpdate,
  createNodeAnnouncement,
  type NodeAnnouncementParams,
  nextTimestamp,
  type OurPolicy,
  policyProblem,
  updateDue,
  weAreNode1,
} from './own.js';
import { type GossipPersistence, keys } from './persist.js';
import type { GossipSigner, Verdict } from './types.js';
import { type ChannelUpdateContext, verifyChannelUpdate } from './verify.js';

/** One of our channels as the channel module describes it to gossip. */
export interface OurChannel {
  channelId: Uint8Array;
  /** The real short channel id once confirmed, else the alias the peer knows. */
  shortChannelId: bigint;
  /** Other ids the peer may use for the channel in its channel_update (scid aliases). */
  aliases?: readonly bigint[];
  peerNodeId: Uint8Array;
  /** The `announce_channel` bit of open_channel. */
  announce: boolean;
  /**
   * channel_ready was sent and received. BOLT 7: "MUST NOT send a created `channel_update` before
   * `channel_ready` has been received."
   */
  usable: boolean;
  /**
   * `usable`, no `shutdown` sent, and the funding transaction is deep enough not to be reorganized
   * (6 blocks; LDK waits for exactly that). BOLT 7:
   * "After `channel_ready` has been sent and received AND the funding transaction has enough
   * confirmations to ensure that it won't be reorganized: ... MUST send `announcement_signatures`"
   */
  announcementReady: boolean;
  ourFundingPubkey: Uint8Array;
  theirFundingPubkey: Uint8Array;
  capacitySat: bigint;
  /**
   * What we charge and allow to forward out over this channel. BOLT 7 bounds `htlcMaximumMsat`:
   * "MUST set this to less than or equal to `max_htlc_value_in_flight_msat` it received from the
   * peer." (and the capacity, checked here).
   */
  policy: OurPolicy;
  /** Tell the network not to route through it (peer offline, closing). */
  disabled: boolean;
  /** channel_announcement features (BOLT 9 bytes); empty by default. */
  features?: Uint8Array;
}

export type OwnAction =
  | { kind: 'send'; to: Uint8Array; msg: WireMessage }
  | { kind: 'announce'; announcement: ChannelAnnouncement; capacitySat: bigint }
  | { kind: 'public_update'; update: ChannelUpdate };

/** What our-channel bookkeeping needs to see of the gossiper. */
export interface OwnView {
  isAnnounced(shortChannelId: bigint): boolean;
  /** The stored public channel_update of a direction of an announced channel. */
  publicUpdate(shortChannelId: bigint, direction: 0 | 1): ChannelUpdate | undefined;
  isConnected(nodeId: Uint8Array): boolean;
}

interface PrivateUpdate {
  msg: ChannelUpdate;
  raw: Uint8Array;
}

interface OwnState {
  ch: OurChannel;
  ourDirection: 0 | 1;
  theirSignatures: AnnouncementSignatures | undefined;
  /** Whether our announcement_signatures went out on the current connection. */
  signaturesSent: boolean;
  /** Ours and the peer's update while unannounced, by direction. */
  privateUpdates: [PrivateUpdate | undefined, PrivateUpdate | undefined];
}

export interface OurChannelsOptions {
  chainHash: Uint8Array;
  signer: GossipSigner;
  refreshAfterSec: number;
  persistence: GossipPersistence;
  view: OwnView;
}

export type AnnouncementSignaturesResult =
  | { kind: 'ok'; actions: OwnAction[] }
  | {
      kind: 'problem';
      problem: 'unknown_our_channel' | 'announcement_signatures_mismatch' | 'invalid_announcement_signatures';
      detail: string;
    };

export class OurChannels {
  private readonly byChannelId = new Map<string, OwnState>();
  private readonly byScid = new Map<bigint, OwnState>();
  /** Loaded from the store before the channel module re-registered the channel. */
  private readonly loadedSignatures = new Map<bigint, AnnouncementSignatures>();
  private readonly loadedUpdates = new Map<bigint, ChannelUpdate[]>();

  constructor(private readonly opts: OurChannelsOptions) {}

  /** Registers or updates one of our channels; returns what to do now. Throws RangeError for an invalid policy. */
  upsert(ch: OurChannel, nowSec: number): OwnAction[] {
    const problem = policyProblem(ch.policy, ch.capacitySat);
    if (problem !== undefined) throw new RangeError(`channel ${ch.shortChannelId}: ${problem}`);
    const key = bytesToHex(ch.channelId);
    let st = this.byChannelId.get(key);
    if (st === undefined) {
      st = {
        ch,
        ourDirection: weAreNode1({ ourNodeId: this.opts.signer.nodeId, theirNodeId: ch.peerNodeId }) ? 0 : 1,
        theirSignatures: undefined,
        signaturesSent: false,
        privateUpdates: [undefined, undefined],
      };
      this.byChannelId.set(key, st);
    } else {
      for (const s of scidsOf(st.ch)) this.byScid.delete(s);
      st.ch = ch;
    }
    for (const s of scidsOf(ch)) {
      this.byScid.set(s, st);
      const sigs = this.loadedSignatures.get(s);
      if (sigs !== undefined && st.theirSignatures === undefined) st.theirSignatures = sigs;
      this.loadedSignatures.delete(s);
      for (const u of this.loadedUpdates.get(s) ?? []) {
        const d = channelUpdateDirection(u);
        const prev = st.privateUpdates[d];
        if (prev === undefined || prev.msg.timestamp < u.timestamp)
          st.privateUpdates[d] = { msg: u, raw: encodeMessage(u) };
      }
      this.loadedUpdates.delete(s);
    }
    return this.step(st, nowSec);
  }

  remove(shortChannelId: bigint): void {
    const st = this.byScid.get(shortChannelId);
    if (st === undefined) return;
    this.byChannelId.delete(bytesToHex(st.ch.channelId));
    for (const s of scidsOf(st.ch)) this.byScid.delete(s);
    this.opts.persistence.delete(keys.peerAnnouncementSignatures(st.ch.shortChannelId));
    this.opts.persistence.delete(keys.privateUpdate(st.ch.shortChannelId, 0));
    this.opts.persistence.delete(keys.privateUpdate(st.ch.shortChannelId, 1));
  }

  /** A channel_announcement for one of our channels arrived by gossip (our peer announced it first). */
  onAnnounced(shortChannelId: bigint, nowSec: number): OwnAction[] {
    const st = this.byScid.get(shortChannelId);
    return st === undefined ? [] : this.step(st, nowSec);
  }

  /** The periodic check: refresh updates that are aging, announce what became ready. */
  refresh(nowSec: number): OwnAction[] {
    return [...this.byChannelId.values()].flatMap((st) => this.step(st, nowSec));
  }

  onPeerConnected(peer: Uint8Array, nowSec: number): OwnAction[] {
    const out: OwnAction[] = [];
    for (const st of this.byChannelId.values()) {
      if (!equalBytes(st.ch.peerNodeId, peer)) continue;
      st.signaturesSent = false;
      const actions = this.step(st, nowSec);
      out.push(...actions);
      // LDK sends its private channel_update to the peer directly; so do we, again on each
      // connection, so the peer can build route hints to us.
      const mine = st.privateUpdates[st.ourDirection];
      const sentUpdate = actions.some((a) => a.kind === 'send' && a.msg.kind === 'channel_update');
      if (
        !sentUpdate &&
        mine !== undefined &&
        !this.opts.view.isAnnounced(st.ch.shortChannelId) &&
        st.ch.usable
      ) {
        out.push({ kind: 'send', to: peer, msg: mine.msg });
      }
    }
    return out;
  }

  onPeerDisconnected(peer: Uint8Array): void {
    for (const st of this.byChannelId.values())
      if (equalBytes(st.ch.peerNodeId, peer)) st.signaturesSent = false;
  }

  /** The peer's announcement_signatures. */
  onAnnouncementSignatures(
    peer: Uint8Array,
    msg: AnnouncementSignatures,
    nowSec: number,
  ): AnnouncementSignaturesResult {
    const st = this.byChannelId.get(bytesToHex(msg.channelId));
    if (st === undefined || !equalBytes(st.ch.peerNodeId, peer)) {
      return {
        kind: 'problem',
        problem: 'unknown_our_channel',
        detail: 'announcement_signatures for no channel with this peer',
      };
    }
    if (!st.ch.announce) {
      return {
        kind: 'problem',
        problem: 'announcement_signatures_mismatch',
        detail: 'the channel is not to be announced',
      };
    }
    const problem = checkAnnouncementSignatures(this.params(st), msg);
    if (problem === 'short_channel_id_mismatch') {
      return {
        kind: 'problem',
        problem: 'announcement_signatures_mismatch',
        detail: `short_channel_id ${msg.shortChannelId} is not the channel's ${st.ch.shortChannelId}`,
      };
    }
    if (problem !== undefined) {
      return {
        kind: 'problem',
        problem: 'invalid_announcement_signatures',
        detail: 'announcement_signatures do not verify',
      };
    }
    // BOLT 7: "If it has not sent `channel_ready`: ... SHOULD defer handling the
    // `announcement_signatures` until after it has sent `channel_ready`." Kept (and stored) until
    // the channel is ready; `step` uses them then.
    if (st.theirSignatures === undefined) {
      st.theirSignatures = msg;
      this.opts.persistence.put(keys.peerAnnouncementSignatures(st.ch.shortChannelId), encodeMessage(msg));
    }
    // BOLT 7: "If it receives `announcement_signatures` for the funding transaction: ... MUST
    // respond with its own `announcement_signatures` message."
    const actions: OwnAction[] = [];
    if (this.opts.view.isAnnounced(st.ch.shortChannelId) && st.ch.announcementReady && !st.signaturesSent) {
      actions.push(this.sendSignatures(st));
    }
    return { kind: 'ok', actions: [...actions, ...this.step(st, nowSec)] };
  }

  /**
   * Takes a channel_update for one of our channels that is not (yet) announced, or that carries
   * `dont_forward`. Returns undefined if the channel is not ours.
   */
  acceptPeerUpdate(
    msg: ChannelUpdate,
    ctx: Omit<ChannelUpdateContext, 'channel' | 'previous'>,
  ): Verdict | undefined {
    const st = this.byScid.get(msg.shortChannelId);
    if (st === undefined) return undefined;
    const d = channelUpdateDirection(msg);
    if (d === st.ourDirection) {
      return { ok: false, reason: 'duplicate', severity: 'ignore', detail: 'an update of our own direction' };
    }
    const prev = st.privateUpdates[d];
    const first = st.ourDirection === 0;
    const me = this.opts.signer.nodeId;
    const v = verifyChannelUpdate(msg, {
      ...ctx,
      channel: { node1: first ? me : st.ch.peerNodeId, node2: first ? st.ch.peerNodeId : me },
      previous: prev === undefined ? undefined : { timestamp: prev.msg.timestamp, raw: prev.raw },
    });
    if (!v.ok) return v;
    const raw = encodeMessage(msg);
    st.privateUpdates[d] = { msg, raw };
    this.opts.persistence.put(keys.privateUpdate(st.ch.shortChannelId, d), raw);
    return v;
  }

  /** The peer's latest update for one of our channels, public or private. */
  peerUpdate(shortChannelId: bigint): ChannelUpdate | undefined {
    const st = this.byScid.get(shortChannelId);
    if (st === undefined) return undefined;
    const d = st.ourDirection === 0 ? 1 : 0;
    const priv = st.privateUpdates[d]?.msg;
    const pub = this.opts.view.publicUpdate(st.ch.shortChannelId, d);
    if (priv === undefined) return pub;
    if (pub === undefined) return priv;
    return pub.timestamp >= priv.timestamp ? pub : priv;
  }

  /**
   * Our latest signed channel_update of one of our channels (our direction): the public one once
   * the channel is announced, else the one sent to the peer alone; undefined before either exists
   * (BOLT 7: none before `channel_ready` was received).
   */
  ownUpdate(channelId: Uint8Array): ChannelUpdate | undefined {
    const st = this.byChannelId.get(bytesToHex(channelId));
    if (st === undefined) return undefined;
    const priv = st.privateUpdates[st.ourDirection]?.msg;
    const scid = st.ch.shortChannelId;
    const pub = this.opts.view.isAnnounced(scid)
      ? this.opts.view.publicUpdate(scid, st.ourDirection)
      : undefined;
    if (priv === undefined) return pub;
    if (pub === undefined) return priv;
    return pub.timestamp >= priv.timestamp ? pub : priv;
  }

  /** Our channels as route hint candidates (see routeHintsForInvoice). */
  hintChannels(): HintChannel[] {
    return [...this.byChannelId.values()].map((st) => {
      const u = this.peerUpdate(st.ch.shortChannelId);
      const c: HintChannel = {
        shortChannelId: st.ch.shortChannelId,
        peerNodeId: st.ch.peerNodeId,
        announced: this.opts.view.isAnnounced(st.ch.shortChannelId),
        active: st.ch.usable && !st.ch.disabled && this.opts.view.isConnected(st.ch.peerNodeId),
      };
      if (u !== undefined) {
        c.peerPolicy = {
          feeBaseMsat: BigInt(u.feeBaseMsat),
          feeProportionalMillionths: u.feeProportionalMillionths,
          cltvExpiryDelta: u.cltvExpiryDelta,
          disabled: (u.channelFlags & 2) !== 0,
        };
      }
      return c;
    });
  }

  /** Our node_announcement, with a timestamp after `lastTimestamp`. */
  nodeAnnouncement(
    params: NodeAnnouncementParams,
    nowSec: number,
    lastTimestamp: number | undefined,
  ): NodeAnnouncement {
    // BOLT 7: "MUST set `timestamp` to be greater than that of any previous `node_announcement` it
    // has previously created."
    return createNodeAnnouncement(params, nextTimestamp(nowSec, lastTimestamp), this.opts.signer);
  }

  loadPrivateUpdate(shortChannelId: bigint, msg: ChannelUpdate): void {
    const list = this.loadedUpdates.get(shortChannelId) ?? [];
    list.push(msg);
    this.loadedUpdates.set(shortChannelId, list);
  }

  loadPeerSignatures(msg: AnnouncementSignatures): void {
    this.loadedSignatures.set(msg.shortChannelId, msg);
  }

  // ---------------------------------------------------------------------------------------------

  private params(st: OwnState): ChannelAnnouncementParams {
    const p: ChannelAnnouncementParams = {
      chainHash: this.opts.chainHash,
      shortChannelId: st.ch.shortChannelId,
      ourNodeId: this.opts.signer.nodeId,
      theirNodeId: st.ch.peerNodeId,
      ourFundingPubkey: st.ch.ourFundingPubkey,
      theirFundingPubkey: st.ch.theirFundingPubkey,
    };
    if (st.ch.features !== undefined) p.features = st.ch.features;
    return p;
  }

  private sendSignatures(st: OwnState): OwnAction {
    st.signaturesSent = true;
    const msg = createAnnouncementSignatures(this.params(st), st.ch.channelId, this.opts.signer);
    return { kind: 'send', to: st.ch.peerNodeId, msg };
  }

  /** What a channel needs now. */
  private step(st: OwnState, nowSec: number): OwnAction[] {
    const { ch } = st;
    const view = this.opts.view;
    if (!ch.usable) return [];
    const out: OwnAction[] = [];
    let announced = view.isAnnounced(ch.shortChannelId);
    if (ch.announce && !announced && ch.announcementReady) {
      // BOLT 7: "Upon reconnection (once the above timing requirements have been met): ... If it
      // has NOT previously received `announcement_signatures` for the funding transaction: ...
      // MUST send its own `announcement_signatures` message."
      if (!st.signaturesSent && view.isConnected(ch.peerNodeId)) out.push(this.sendSignatures(st));
      const theirs = st.theirSignatures;
      if (theirs !== undefined && theirs.shortChannelId === ch.shortChannelId) {
        // BOLT 7: "If it has sent AND received a valid `announcement_signatures` message: ... If
        // the funding transaction has at least 6 confirmations: ... SHOULD queue the
        // `channel_announcement` message for its peers."
        const p = this.params(st);
        const ours = createAnnouncementSignatures(p, ch.channelId, this.opts.signer);
        out.push({
          kind: 'announce',
          announcement: combineAnnouncementSignatures(p, ours, theirs),
          capacitySat: ch.capacitySat,
        });
        announced = true;
      }
    }
    const pub = announced ? view.publicUpdate(ch.shortChannelId, st.ourDirection) : undefined;
    const priv = st.privateUpdates[st.ourDirection]?.msg;
    const last = announced ? pub : priv;
    const want = {
      policy: ch.policy,
      disabled: ch.disabled,
      dontForward: !announced,
      shortChannelId: ch.shortChannelId,
    };
    if (updateDue(last, want, nowSec, this.opts.refreshAfterSec) === undefined) return out;
    const previous = Math.max(pub?.timestamp ?? 0, priv?.timestamp ?? 0);
    const update = createChannelUpdate(
      {
        chainHash: this.opts.chainHash,
        shortChannelId: ch.shortChannelId,
        direction: st.ourDirection,
        policy: ch.policy,
        disabled: ch.disabled,
        dontForward: !announced,
        timestamp: nextTimestamp(nowSec, previous === 0 ? undefined : previous),
      },
      this.opts.signer,
    );
    if (announced) {
      out.push({ kind: 'public_update', update });
    } else {
      // BOLT 7: "MAY create a `channel_update` to communicate the channel parameters to the channel
      // peer, even though the channel has not yet been announced" ... "MUST NOT forward such a
      // `channel_update` to other peers, for privacy reasons."
      const raw = encodeMessage(update);
      st.privateUpdates[st.ourDirection] = { msg: update, raw };
      this.opts.persistence.put(keys.privateUpdate(ch.shortChannelId, st.ourDirection), raw);
      if (view.isConnected(ch.peerNodeId)) out.push({ kind: 'send', to: ch.peerNodeId, msg: update });
    }
    return out;
  }
}

function scidsOf(ch: OurChannel): bigint[] {
  return [ch.shortChannelId, ...(ch.aliases ?? [])];
}
