// src/channel/driver.ts: the shell around the pure channel state machine. One driver runs every
// channel of the node: it routes peer messages to channels by channel_id (temporary ids while
// opening), runs `step`, PERSISTS the new state before anything leaves (persist before you
// promise), then sends the machine's messages, carries out its actions (wallet funding,
// broadcasts, chain watches) and tells the node what happened. Each channel's inputs run one at a
// time, in arrival order; commitment_signed goes out a few milliseconds after the updates it
// covers, so that updates arriving together share one signature.
import type { ChainEvent as ChainSourceEvent } from '../chain/index.js';
import { bytesToHex, equalBytes } from '../crypto/index.js';
import { decodeTx } from '../tx/index.js';
import type { WireMessage } from '../wire/index.js';
import { negotiatedFeatures } from './channel-type.js';
import { canSignNow } from './commit.js';
import { type ActionHost, carryOut, watchFunding } from './driver-actions.js';
import { type ApplyExtras, type Batch, type Entry, newEntry, snapshotOf } from './driver-entry.js';
import {
  DRIVER_KV,
  type LoadedChannel,
  loadChannels,
  loadOutbox,
  type TakenOutboxEntry,
  takeOutboxEntries,
  writeChannel,
} from './driver-store.js';
import { ChannelSweeper } from './driver-sweeper.js';
import {
  type ChannelDriverOptions,
  type ChannelSnapshot,
  type CommittedIncomingHtlc,
  DriverError,
  type DriverLogger,
  type HtlcCommandResult,
  type OpenChannelOptions,
  type OpenChannelResult,
  type OutgoingResolution,
} from './driver-types.js';
import {
  htlcRows,
  knownOutgoingIds,
  onionsInLogs,
  unresolvedIncoming,
  unsignedOutgoing,
} from './driver-view.js';
import { feerateTargetFor, planFeeUpdate } from './fee-update.js';
import { createInboundChannel, createOutboundChannel } from './open.js';
import { type ChainFeerates, type ChannelPolicy, FEERATE_FLOOR_PER_KW } from './policy.js';
import { step } from './step.js';
import type {
  ChannelCommand,
  ChannelEvent,
  ChannelFormat,
  ChannelInput,
  ChannelMessage,
  ChannelState,
  StepContext,
  StepResult,
} from './types.js';

const TERMINAL = new Set(['closed', 'aborted', 'forceClosing', 'remoteClosed', 'dataLoss']);
const FINISHED = new Set(['closed', 'aborted']);
/** Channel openings (before funding_created) one peer may have with us at once. */
const MAX_PENDING_OPENS_PER_PEER = 8;
const utf8 = new TextEncoder();

/**
 * The HTLC traffic: peer messages that go through `submit` (batched with what arrives alongside
 * them). The other channel messages (update_fee, reestablish, shutdown, ...) take a turn of their own.
 */
const HTLC_TRAFFIC = [
  'update_add_htlc',
  'update_fulfill_htlc',
  'update_fail_htlc',
  'update_fail_malformed_htlc',
  'commitment_signed',
  'revoke_and_ack',
] as const;
const BATCHED: ReadonlySet<string> = new Set(HTLC_TRAFFIC);

/** The BOLT 2 messages the driver takes (by channel_id or temporary_channel_id). */
const CHANNEL_KINDS = new Set<string>([
  'open_channel',
  'accept_channel',
  'funding_created',
  'funding_signed',
  'channel_ready',
  'shutdown',
  'closing_signed',
  'closing_complete',
  'closing_sig',
  ...HTLC_TRAFFIC,
  'update_fee',
  'channel_reestablish',
]);

const NO_LOG: DriverLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Confirmation targets (blocks) of the estimates the driver follows: commitments of non-anchors
 * channels and mutual closes 6 (as before), anchors commitments 144 (a long target: they are
 * CPFP'd when broadcast), and 1 for the urgent estimate that scales the dust exposure cap.
 */
export const FEE_TARGETS = { commitment: 6, anchors: 144, closing: 6, urgent: 1 } as const;

function channelIdOf(m: WireMessage): Uint8Array | undefined {
  if ('channelId' in m && m.channelId instanceof Uint8Array) return m.channelId;
  return undefined;
}

function temporaryIdOf(m: WireMessage): Uint8Array | undefined {
  if ('temporaryChannelId' in m && m.temporaryChannelId instanceof Uint8Array) return m.temporaryChannelId;
  return undefined;
}

/** BOLT 7 short_channel_id: block height, transaction index, output index. */
function shortChannelIdOf(height: number, txIndex: number, vout: number): bigint {
  return (BigInt(height) << 40n) | (BigInt(txIndex) << 16n) | BigInt(vout);
}

/**
 * Peer updates whose receipt needs no disk write: BOLT 2 has a node "reverse any uncommitted
 * updates sent by the other side" on reconnection (a restart is one), so until a commitment_signed
 * covers them they promise nothing, and the step that stores that commitment stores them too.
 * update_fulfill_htlc is not among them: its preimage is stored and handed on at once.
 */
const FORGETTABLE: ReadonlySet<string> = new Set([
  'update_add_htlc',
  'update_fail_htlc',
  'update_fail_malformed_htlc',
  'update_fee',
]);

/**
 * How long updates wait to be signed together. 0: at the end of the current turn of the event
 * loop (every message and command that arrived together is in the commitment). Under load
 * updates batch anyway, since a new commitment waits for the peer's revoke_and_ack of the last.
 */
const DEFAULT_SIGN_DELAY_MS = 0;

/**
 * Runs every channel of the node. Create it, `load()` the stored channels, wire the peer and chain
 * inputs, call `replay()` once the switch is ready; `stop()` on shutdown.
 */
export class ChannelDriver implements ActionHost {
  readonly o: ChannelDriverOptions;
  readonly log: DriverLogger;
  private readonly byId = new Map<string, Entry>();
  private readonly byTemp = new Map<string, Entry>();
  private readonly finished = new Map<string, Entry>();
  private seedIndexLock: Promise<unknown> = Promise.resolve();
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private readonly deliveries = new Set<Promise<unknown>>();
  /** Outbox entries taken this turn, forgotten together (see `forgetTaken`). */
  private takenBatch: { entries: TakenOutboxEntry[]; done: Promise<void> } | undefined;
  /** The outbox as load() found it, for replay() to hand over. */
  private loadedOutbox: Awaited<ReturnType<typeof loadOutbox>> = [];
  private readonly sweeper: ChannelSweeper;
  /** The chain's estimates as last fetched (new blocks, reconnections, opens, closes). */
  private feerates: ChainFeerates | undefined;
  /** `o.policy` with `feerates` in it: what every step runs under. */
  private policyNow: ChannelPolicy;

  constructor(options: ChannelDriverOptions) {
    this.o = options;
    this.log = options.logger ?? NO_LOG;
    this.policyNow = options.policy;
    this.sweeper = new ChannelSweeper({
      store: options.store,
      chain: options.chain,
      wallet: options.wallet,
      log: this.log,
    });
  }

  /** Whether a message is the channel layer's (BOLT 2 channel messages) rather than gossip. */
  static handles(message: WireMessage): boolean {
    return CHANNEL_KINDS.has(message.kind);
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Loads every stored channel, marks each disconnected (a restart loses every connection, and
   * the machine forgets the peer's unsigned updates), re-arms the chain watches and rebroadcasts
   * closing transactions. Subscribes to the chain. Call once, before the chain is synced.
   */
  async load(): Promise<{ channels: number; broken: number }> {
    // The chain's fees before any channel acts: a close or fee check right after a restart
    // follows the estimate, not the fixed policy (undefined, and logged, if the chain cannot say).
    await this.refreshFeerates();
    const { channels, broken } = await loadChannels(this.o.store);
    for (const b of broken)
      this.log.error(
        { channelId: bytesToHex(b.channelId), reason: b.reason },
        'stored channel does not decode',
      );
    for (const c of channels) this.adopt(c);
    // Resolutions the node had not taken when it stopped: their HTLCs keep their origins until
    // replay() hands them over (see Entry.undelivered).
    this.loadedOutbox = await loadOutbox(this.o.store);
    for (const item of this.loadedOutbox) {
      const e = this.byId.get(item.channelHex) ?? this.finished.get(item.channelHex);
      e?.undelivered.set(item.key, item.resolution.htlcId);
    }
    await this.sweeper.load(
      [...this.byId.values(), ...this.finished.values()].map((e) => ({
        channelHex: this.hexOf(e),
        state: e.state,
      })),
    );
    this.unsubscribe = this.o.chain.subscribe((e) => this.onChainEvent(e));
    const live = [...this.byId.values()];
    await Promise.all(
      live.map((e) =>
        this.enqueue(e, async () => {
          await this.stepAndApply(e, { kind: 'peerDisconnected' });
          watchFunding(this, e);
          const raw = e.state.closingTx;
          if (raw !== undefined && (e.state.phase === 'closing' || e.state.phase === 'forceClosing')) {
            const r = await this.o.chain.broadcast(raw);
            if (!r.ok)
              this.log.debug({ channelId: this.hexOf(e), reason: r.reason }, 'closing tx rebroadcast');
          }
        }),
      ),
    );
    return { channels: channels.length, broken: broken.length };
  }

  /**
   * Reports again what the node may have missed while it was down: every irrevocably committed
   * incoming HTLC not yet resolved, and every outgoing resolution not yet taken. Call after the
   * switch has started.
   */
  async replay(): Promise<void> {
    for (const e of this.byId.values()) {
      const snap = this.snapshotOf(e);
      for (const h of unresolvedIncoming(e.state, e.onions)) this.o.listener.incomingHtlc(snap, h);
    }
    const items = this.loadedOutbox;
    this.loadedOutbox = [];
    for (const item of items) {
      const e = this.byId.get(item.channelHex) ?? this.finished.get(item.channelHex);
      if (e === undefined) {
        await this.o.store.kv(DRIVER_KV.outbox).delete(item.key);
        continue;
      }
      this.deliver(e, item.key, item.resolution);
    }
  }

  /** Stops timers and chain events and waits for every channel's queue to drain. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    const all = [...this.byId.values(), ...this.byTemp.values()];
    for (const e of all) {
      e.signTimer?.();
      e.signTimer = undefined;
      e.open?.reject(new DriverError('stopped', 'the node is stopping'));
      e.open = undefined;
    }
    await Promise.allSettled(all.map((e) => e.queue));
    await Promise.allSettled([...this.deliveries]);
  }

  // ---------------------------------------------------------------- views

  /** Every channel the driver knows: opening, open, closing and closed. */
  channels(): ChannelSnapshot[] {
    return [...this.byTemp.values(), ...this.byId.values(), ...this.finished.values()].map((e) =>
      this.snapshotOf(e),
    );
  }

  /** One channel by channel_id (or temporary id while opening). */
  channel(channelId: Uint8Array): ChannelSnapshot | undefined {
    const e = this.find(channelId);
    return e === undefined ? undefined : this.snapshotOf(e);
  }

  /** The policy steps run under now: the configured one with the chain's latest fee estimates. */
  policy(): ChannelPolicy {
    return this.policyNow;
  }

  /** Outputs of closed channels waiting to be swept into the wallet. */
  pendingSweeps(): ReturnType<ChannelSweeper['list']> {
    return this.sweeper.list();
  }

  /** The id of the outgoing HTLC added with `origin` that the channel still knows, if any. */
  outgoingHtlcIdByOrigin(channelId: Uint8Array, origin: Uint8Array): bigint | undefined {
    return this.find(channelId)?.originIndex.get(bytesToHex(origin));
  }

  // ---------------------------------------------------------------- commands

  /**
   * Opens a channel to a connected peer (we fund it). Resolves once the funding transaction is
   * broadcast (the peer signed our first commitment); rejects with a DriverError if the peer
   * refuses, the wallet cannot fund it, or the peer goes away first.
   */
  async openChannel(
    peerNodeId: Uint8Array,
    fundingSat: bigint,
    options: OpenChannelOptions = {},
  ): Promise<OpenChannelResult> {
    if (this.stopped) throw new DriverError('stopped', 'the node is stopping');
    const features = this.o.peers.features(peerNodeId);
    if (features === undefined)
      throw new DriverError('peer_not_connected', 'connect to the peer before opening a channel');
    const seedIndex = await this.allocateSeedIndex();
    const closeScript = await this.o.wallet.closeScript();
    const format = options.format ?? this.o.format ?? 'static_remotekey';
    const feeratePerKw = options.commitmentFeeratePerKw ?? (await this.commitmentFeerate(format));
    const result = createOutboundChannel({
      temporaryChannelId: this.o.randomBytes(32),
      channelSeed: this.o.channelSeed(seedIndex),
      chainHash: this.o.chainHash,
      fundingSat,
      pushMsat: options.pushMsat ?? 0n,
      feeratePerKw,
      format: options.format ?? this.o.format ?? 'static_remotekey',
      announce: options.announce ?? true,
      features: negotiatedFeatures(this.o.localFeatures, features),
      localAlias: this.newAlias(),
      closeScript,
      policy: this.o.policy,
    });
    if (result.rejected !== undefined) {
      const code = result.rejected.code === 'insufficient_funds' ? 'insufficient_funds' : 'invalid_request';
      throw new DriverError(code, result.rejected.message);
    }
    const e = this.newEntry(peerNodeId, result.state, seedIndex);
    e.fundingFeeRateSatPerKw = options.fundingFeeRateSatPerKw;
    this.byTemp.set(this.tempKey(e.peerHex, result.state.temporaryChannelId), e);
    const done = new Promise<OpenChannelResult>((resolve, reject) => {
      e.open = { resolve, reject };
    });
    await this.enqueue(e, () => this.apply(e, result));
    return done;
  }

  /**
   * Starts a mutual close (shutdown, then closing_signed negotiation), or with `force` broadcasts
   * our latest commitment. Resolves with the closing txid when it is known at once (force).
   */
  async closeChannel(
    channelId: Uint8Array,
    options: { force?: boolean; feeratePerKw?: number; scriptpubkey?: Uint8Array } = {},
  ): Promise<{ closingTxid: Uint8Array | undefined }> {
    const e = this.find(channelId);
    if (e === undefined || FINISHED.has(e.state.phase))
      throw new DriverError('not_found', `no open channel ${bytesToHex(channelId)}`);
    // Without a feerate from the caller, the chain's estimate for a closing (the machine reads no
    // chain, so it comes in the command); the bottom of our fee_range stays minClosingFeeratePerKw.
    const closingFeeratePerKw =
      options.feeratePerKw ?? (options.force ? undefined : await this.closingFeerate());
    return this.enqueue(e, async () => {
      const cmd: ChannelCommand = options.force
        ? { kind: 'forceClose', reason: 'closed by the operator' }
        : {
            kind: 'closeChannel',
            ...(options.scriptpubkey !== undefined ? { scriptpubkey: options.scriptpubkey } : {}),
            ...(closingFeeratePerKw !== undefined ? { closingFeeratePerKw } : {}),
          };
      const r = await this.stepAndApply(e, cmd);
      if (r.rejected !== undefined) throw new DriverError('channel_state', r.rejected.message);
      return { closingTxid: options.force ? e.state.closingTxid : undefined };
    });
  }

  /** Offers an HTLC; `origin` is stored with it, atomically, before update_add_htlc leaves. */
  addHtlc(
    channelId: Uint8Array,
    req: {
      amountMsat: bigint;
      paymentHash: Uint8Array;
      cltvExpiry: number;
      onion: Uint8Array;
      origin: Uint8Array;
    },
  ): Promise<HtlcCommandResult> {
    const e = this.find(channelId);
    if (e === undefined)
      return Promise.resolve({ ok: false, rejection: { code: 'closing', message: 'no such channel' } });
    const cmd: ChannelCommand = {
      kind: 'addHtlc',
      amountMsat: req.amountMsat,
      paymentHash: req.paymentHash,
      cltvExpiry: req.cltvExpiry,
      onionRoutingPacket: req.onion,
    };
    return this.submit(e, cmd, { origin: req.origin }).then((r): HtlcCommandResult => {
      if (r.rejected !== undefined) return { ok: false, rejection: r.rejected };
      const offered = r.events.find((ev) => ev.kind === 'htlcOffered');
      if (offered === undefined || offered.kind !== 'htlcOffered')
        throw new Error('addHtlc without htlcOffered');
      return { ok: true, htlcId: offered.htlcId };
    });
  }

  /**
   * Settles an incoming HTLC, with BOLT 4 `attributionData` (920 bytes) when given. A repeat
   * (already being removed) changes nothing.
   */
  fulfillHtlc(
    channelId: Uint8Array,
    htlcId: bigint,
    preimage: Uint8Array,
    attributionData?: Uint8Array,
  ): Promise<HtlcCommandResult> {
    return this.removal(channelId, {
      kind: 'fulfillHtlc',
      htlcId,
      paymentPreimage: preimage,
      ...(attributionData !== undefined ? { attributionData } : {}),
    });
  }

  /** Fails an incoming HTLC with an onion-encrypted `reason` and, when given, `attributionData`. */
  failHtlc(
    channelId: Uint8Array,
    htlcId: bigint,
    reason: Uint8Array,
    attributionData?: Uint8Array,
  ): Promise<HtlcCommandResult> {
    return this.removal(channelId, {
      kind: 'failHtlc',
      htlcId,
      reason,
      ...(attributionData !== undefined ? { attributionData } : {}),
    });
  }

  /** Fails an incoming HTLC whose onion we could not parse. */
  failMalformedHtlc(
    channelId: Uint8Array,
    htlcId: bigint,
    sha256OfOnion: Uint8Array,
    failureCode: number,
  ): Promise<HtlcCommandResult> {
    return this.removal(channelId, { kind: 'failMalformedHtlc', htlcId, sha256OfOnion, failureCode });
  }

  private removal(
    channelId: Uint8Array,
    cmd: Extract<ChannelCommand, { kind: 'fulfillHtlc' | 'failHtlc' | 'failMalformedHtlc' }>,
  ): Promise<HtlcCommandResult> {
    const e = this.find(channelId);
    if (e === undefined)
      return Promise.resolve({ ok: false, rejection: { code: 'not_ready', message: 'no such channel' } });
    return this.submit(e, cmd, {}).then((r): HtlcCommandResult => {
      if (r.rejected !== undefined) {
        this.log.debug(
          { channelId: this.hexOf(e), htlcId: cmd.htlcId.toString(), why: r.rejected.message },
          `${cmd.kind} refused`,
        );
        return { ok: false, rejection: r.rejected };
      }
      return { ok: true, htlcId: cmd.htlcId };
    });
  }

  // ---------------------------------------------------------------- peer inputs

  /** A peer finished `init`: every channel with it sends channel_reestablish. */
  async onPeerConnected(nodeId: Uint8Array): Promise<void> {
    // Fresh estimates for the fee check that follows channel_reestablish (not awaited: the
    // reestablish messages do not wait for an HTTP call).
    void this.refreshFeerates();
    await Promise.all(
      this.entriesOf(nodeId).map((e) =>
        this.enqueue(e, () => this.stepAndApply(e, { kind: 'peerConnected' })),
      ),
    );
  }

  /** A peer went away: channels forget its unsigned updates; openings without commitments fail. */
  async onPeerDisconnected(nodeId: Uint8Array): Promise<void> {
    const entries = [...this.entriesOf(nodeId), ...this.tempEntriesOf(nodeId)];
    await Promise.all(
      entries.map((e) =>
        this.enqueue(e, async () => {
          e.signTimer?.();
          e.signTimer = undefined;
          await this.stepAndApply(e, { kind: 'peerDisconnected' });
        }),
      ),
    );
  }

  /**
   * A message from a peer. Returns false for messages that are not the channel layer's (gossip
   * and others), true once a channel message has been handled.
   */
  async onMessage(nodeId: Uint8Array, message: WireMessage): Promise<boolean> {
    if (!CHANNEL_KINDS.has(message.kind)) return false;
    if (message.kind === 'open_channel') {
      await this.onOpenChannel(nodeId, message);
      return true;
    }
    const e = this.route(nodeId, message);
    if (e === undefined) {
      const id = temporaryIdOf(message) ?? channelIdOf(message);
      this.log.debug({ peer: bytesToHex(nodeId), kind: message.kind }, 'message for an unknown channel');
      // BOLT 1: "SHOULD send `error` with the unknown `channel_id` in reply to messages of type `32`-`255` related to unknown channels."
      if (id !== undefined)
        this.o.peers.send(nodeId, { kind: 'error', channelId: id, data: utf8.encode('unknown channel') });
      return true;
    }
    if (BATCHED.has(message.kind)) {
      await this.submit(e, message as ChannelMessage, { forgettable: FORGETTABLE.has(message.kind) });
      return true;
    }
    await this.enqueue(e, async () => {
      const wasActive = e.state.connection === 'active';
      // The bounds on the peer's feerate follow our estimate: judge it by a fresh one (a funder
      // that saw a new block before we did must not look out of bounds for it).
      if (message.kind === 'update_fee') await this.refreshFeerates();
      await this.stepAndApply(e, message as ChannelMessage);
      // Reestablished: the funder catches up with fees that moved while the peer was away.
      if (message.kind === 'channel_reestablish' && !wasActive && e.state.connection === 'active')
        await this.updateFeeIfNeeded(e, 'reconnected');
    });
    return true;
  }

  /** BOLT 1 `error` from the peer: fail that channel, or (`allChannels`) every channel with the peer. */
  async onPeerError(
    nodeId: Uint8Array,
    channelId: Uint8Array,
    text: string,
    allChannels: boolean,
  ): Promise<void> {
    const targets = allChannels
      ? [...this.entriesOf(nodeId), ...this.tempEntriesOf(nodeId)]
      : [this.routeById(nodeId, channelId)].filter((x): x is Entry => x !== undefined);
    await Promise.all(
      targets.map((e) =>
        this.enqueue(e, () =>
          this.stepAndApply(e, { kind: 'error', channelId: this.idOf(e), data: utf8.encode(text) }),
        ),
      ),
    );
  }

  // ---------------------------------------------------------------- chain inputs

  private async onChainEvent(ev: ChainSourceEvent): Promise<void> {
    if (this.stopped) return;
    const work: Promise<unknown>[] = [];
    if (ev.kind === 'script_confirmed') {
      for (const e of this.byId.values()) {
        const op = e.state.fundingOutpoint;
        if (op === undefined || ev.vout !== op.index || !equalBytes(ev.txid, op.txid)) continue;
        const scid = shortChannelIdOf(ev.height, ev.txIndex, ev.vout);
        work.push(
          this.enqueue(e, async () => {
            if (ev.depth <= e.state.fundingDepth && e.state.shortChannelId === scid) return;
            await this.stepAndApply(e, { kind: 'fundingConfirmed', depth: ev.depth, shortChannelId: scid });
          }),
        );
      }
    } else if (ev.kind === 'outpoint_spent') {
      this.sweeper.spent(ev.outpoint);
      for (const e of [...this.byId.values(), ...this.finished.values()]) {
        const op = e.state.fundingOutpoint;
        if (op === undefined || ev.outpoint.vout !== op.index || !equalBytes(ev.outpoint.txid, op.txid))
          continue;
        const tx = decodeTx(ev.spendingTx);
        if (!tx.ok) {
          this.log.error({ channelId: this.hexOf(e), reason: tx.reason }, 'funding spend does not decode');
          continue;
        }
        work.push(
          this.enqueue(e, async () => {
            if (!FINISHED.has(e.state.phase))
              await this.stepAndApply(e, { kind: 'fundingSpent', tx: tx.value });
            // Whatever closed it, our outputs in it are watched until swept (a restart rescans this).
            await this.sweeper.fundingSpent(this.hexOf(e), e.state, ev.spendingTx, ev.height);
            await this.sweeper.blockConnected(ev.height);
          }),
        );
      }
    } else if (ev.kind === 'block_connected') {
      for (const e of this.byId.values()) {
        if (TERMINAL.has(e.state.phase)) continue;
        work.push(this.enqueue(e, () => this.stepAndApply(e, { kind: 'blockConnected', height: ev.height })));
      }
    } else if (ev.kind === 'tx_unconfirmed') {
      this.log.warn({ txid: bytesToHex(ev.txid), height: ev.height }, 'a transaction was reorganized out');
    }
    const results = await Promise.allSettled(work);
    for (const r of results)
      if (r.status === 'rejected') this.log.error({ err: String(r.reason) }, 'chain event handling failed');
    if (ev.kind === 'block_connected') {
      await this.sweeper.blockConnected(ev.height);
      await this.followFees();
    }
  }

  /**
   * After a block: fresh estimates (the bounds on the peer's update_fee and our dust limit follow
   * them), then the fee check of every channel we fund.
   */
  private async followFees(): Promise<void> {
    if (this.stopped) return;
    await this.refreshFeerates();
    const funded = [...this.byId.values()].filter((e) => e.state.isFunder && !TERMINAL.has(e.state.phase));
    const results = await Promise.allSettled(
      funded.map((e) => this.enqueue(e, () => this.updateFeeIfNeeded(e, 'block'))),
    );
    for (const r of results)
      if (r.status === 'rejected') this.log.error({ err: String(r.reason) }, 'fee update failed');
  }

  // ---------------------------------------------------------------- opening (fundee)

  private async onOpenChannel(nodeId: Uint8Array, open: Extract<WireMessage, { kind: 'open_channel' }>) {
    const peerHex = bytesToHex(nodeId);
    const key = this.tempKey(peerHex, open.temporaryChannelId);
    const refuse = (why: string) => {
      this.log.info({ peer: peerHex, why }, 'open_channel refused');
      this.o.peers.send(nodeId, {
        kind: 'error',
        channelId: open.temporaryChannelId,
        data: utf8.encode(why),
      });
    };
    if (this.stopped) return refuse('the node is stopping');
    if (this.byTemp.has(key)) return refuse('temporary_channel_id is already in use');
    // Each opening costs us a channel seed and a write: a peer gets a few at a time.
    if (this.tempEntriesOf(nodeId).length >= MAX_PENDING_OPENS_PER_PEER)
      return refuse(`too many channel openings in progress (at most ${MAX_PENDING_OPENS_PER_PEER})`);
    const features = this.o.peers.features(nodeId);
    if (features === undefined) return;
    const max = this.o.maxFundingSat;
    if (max !== undefined && open.fundingSatoshis > max)
      return refuse(`funding_satoshis ${open.fundingSatoshis} is above our maximum ${max}`);
    const seedIndex = await this.allocateSeedIndex();
    const closeScript = await this.o.wallet.closeScript();
    const result = createInboundChannel(open, {
      channelSeed: this.o.channelSeed(seedIndex),
      chainHash: this.o.chainHash,
      features: negotiatedFeatures(this.o.localFeatures, features),
      localAlias: this.newAlias(),
      closeScript,
      policy: this.o.policy,
    });
    if (result.failure !== undefined) {
      this.log.info({ peer: peerHex, why: result.failure.message }, 'open_channel refused');
      for (const m of result.outbound) this.o.peers.send(nodeId, m);
      return;
    }
    const e = this.newEntry(nodeId, result.state, seedIndex);
    this.byTemp.set(key, e);
    await this.enqueue(e, () => this.apply(e, result));
  }

  // ---------------------------------------------------------------- the step cycle

  private ctx(): StepContext {
    return {
      height: this.o.chain.tip?.height ?? 0,
      now: Math.floor(this.o.now() / 1000),
      policy: this.policyNow,
    };
  }

  /** Runs one input through the machine for `e` and applies the result (call inside its queue). */
  stepAndApply(e: Entry, input: ChannelInput): Promise<StepResult> {
    return this.apply(e, step(e.state, input, this.ctx()), { forgettable: FORGETTABLE.has(input.kind) });
  }

  /**
   * Hands `input` to the channel's queue together with the other inputs that arrive before its
   * turn comes: they are stepped one after another and stored in one transaction (see `drain`).
   * Idle, an input goes alone at once; busy (a store write in progress), the HTLCs, messages and
   * signing that piled up share one write instead of waiting for one each. Resolves with the
   * input's own result once that is stored and carried out (or with its rejection, which changed
   * nothing).
   */
  private submit(e: Entry, input: ChannelInput, extras: ApplyExtras): Promise<StepResult> {
    let b = e.batch;
    if (b === undefined) {
      const fresh: Batch = { items: [] };
      e.batch = b = fresh;
      void this.enqueueOp(e, () => this.drain(e, fresh));
    }
    const batch = b;
    return new Promise((resolve, reject) => batch.items.push({ input, extras, resolve, reject }));
  }

  /**
   * Steps a batch's inputs in order. A step that acts on the chain, fails the channel or changes
   * its phase ends a run: the run is stored and carried out before the next input is stepped, as
   * if each had had its own turn.
   */
  private async drain(e: Entry, b: Batch): Promise<void> {
    if (e.batch === b) e.batch = undefined;
    const items = b.items;
    let i = 0;
    let run: { item: (typeof items)[number]; r: StepResult }[] = [];
    try {
      while (i < items.length) {
        run = [];
        let state = e.state;
        while (i < items.length) {
          const item = items[i++]!;
          if (item.input.kind === 'signCommitment' && !canSignNow(state)) {
            item.resolve({ state, outbound: [], events: [], actions: [] });
            continue;
          }
          const r = step(state, item.input, this.ctx());
          if (r.rejected !== undefined) {
            item.resolve(r);
            continue;
          }
          run.push({ item, r });
          if (r.actions.length > 0 || r.failure !== undefined || r.state.phase !== state.phase) break;
          state = r.state;
        }
        if (run.length === 0) continue;
        await this.applyAll(
          e,
          run.map((x) => ({ r: x.r, extras: x.item.extras })),
        );
        for (const x of run) x.item.resolve(x.r);
        run = [];
      }
    } catch (err) {
      for (const x of run) x.item.reject(err);
      for (const item of items.slice(i)) item.reject(err);
    }
  }

  /** Carries out one step (see `applyAll`). */
  private async apply(e: Entry, r: StepResult, extras: ApplyExtras = {}): Promise<StepResult> {
    if (r.rejected !== undefined) return r;
    await this.applyAll(e, [{ r, extras }]);
    return r;
  }

  /**
   * Carries out steps taken one after another from `e.state`: store the last state (with HTLC
   * rows, origins, onions and outgoing resolutions) in one transaction, then send, act and report,
   * in that order.
   */
  private async applyAll(e: Entry, steps: readonly { r: StepResult; extras: ApplyExtras }[]): Promise<void> {
    const prev = e.state;
    const next = steps[steps.length - 1]!.r.state;
    const events = steps.flatMap((x) => x.r.events);
    const resolutions: OutgoingResolution[] = [];
    for (const ev of events) {
      if (ev.kind === 'htlcFulfilled')
        resolutions.push({
          kind: 'fulfilled',
          htlcId: ev.htlcId,
          paymentHash: ev.paymentHash,
          preimage: ev.paymentPreimage,
          ...(ev.attributionData !== undefined ? { attributionData: ev.attributionData } : {}),
        });
      else if (ev.kind === 'htlcFailed')
        resolutions.push({
          kind: 'failed',
          htlcId: ev.htlcId,
          paymentHash: ev.paymentHash,
          reason: ev.reason,
        });
    }
    if (TERMINAL.has(next.phase) && !TERMINAL.has(prev.phase)) {
      for (const h of unsignedOutgoing(next))
        resolutions.push({
          kind: 'closed',
          ...h,
          why: `channel failed before the HTLC was signed (${next.phase})`,
        });
    }
    const onions = new Map(e.onions);
    for (const [id, o] of onionsInLogs(next)) onions.set(id, o);
    const rows = htlcRows(next);
    for (const id of [...onions.keys()]) if (!rows.has(`received/${id}`)) onions.delete(id);
    const newOrigins = steps.flatMap(({ r, extras }) => {
      const offered = r.events.find((ev) => ev.kind === 'htlcOffered');
      return extras.origin !== undefined && offered?.kind === 'htlcOffered'
        ? [{ htlcId: offered.htlcId, origin: extras.origin }]
        : [];
    });
    const known = knownOutgoingIds(next);
    // An origin goes with its HTLC, but not before the HTLC's resolution is taken (Entry.undelivered).
    const waiting = new Set([...e.undelivered.values(), ...resolutions.map((x) => x.htlcId)]);
    const droppedOrigins = [...e.origins.keys()].filter((id) => !known.has(id) && !waiting.has(id));

    const storable = next.channelId !== undefined && next.fundingOutpoint !== undefined;
    const changed = next !== prev || resolutions.length > 0 || newOrigins.length > 0;
    // A peer update that promises nothing stays in memory until the next step that does store.
    const skip =
      steps.every(
        ({ r, extras }) =>
          extras.forgettable === true &&
          r.outbound.length === 0 &&
          r.actions.length === 0 &&
          r.failure === undefined,
      ) &&
      next.phase === prev.phase &&
      resolutions.length === 0 &&
      newOrigins.length === 0 &&
      droppedOrigins.length === 0;
    let outboxKeys: string[] = [];
    if (storable && changed && !skip && !(e.version === 0 && FINISHED.has(next.phase))) {
      let written: Awaited<ReturnType<typeof writeChannel>>;
      try {
        written = await writeChannel(this.o.store, {
          channelId: next.channelId!,
          peerNodeId: e.peer,
          state: next,
          expectedVersion: e.version,
          now: this.o.now(),
          ...(e.version === 0 ? { meta: e.meta } : {}),
          newOrigins,
          droppedOrigins,
          rows,
          previousRows: e.rows,
          onions,
          outbox: resolutions,
        });
      } catch (err) {
        // Nothing was promised: the message that led here is dropped with the connection, and
        // channel_reestablish brings both sides back to what is stored.
        this.log.error({ channelId: this.hexOf(e), err: String(err) }, 'storing the channel failed');
        this.o.peers.disconnect(e.peer, 'storing the channel state failed');
        throw err;
      }
      e.version = written.version;
      outboxKeys = written.outboxKeys;
      for (let i = 0; i < outboxKeys.length; i++) e.undelivered.set(outboxKeys[i]!, resolutions[i]!.htlcId);
      e.rows = rows;
    }
    // Stored (or nothing to store): the new state is ours now.
    e.state = next;
    e.onions = onions;
    for (const o of newOrigins) {
      e.origins.set(o.htlcId, o.origin);
      e.originIndex.set(bytesToHex(o.origin), o.htlcId);
    }
    for (const id of droppedOrigins) {
      const origin = e.origins.get(id);
      e.origins.delete(id);
      if (origin !== undefined) e.originIndex.delete(bytesToHex(origin));
    }
    this.rekey(e, prev);

    // Scheduled before the messages are written: the signing then comes before the end of turn
    // at which the peer layer lets this turn's messages go, so that a revoke_and_ack and the
    // commitment_signed that follows it leave together, after one flush.
    this.scheduleSign(e);
    for (const { r } of steps) {
      for (const m of r.outbound) this.o.peers.send(e.peer, m);
      if (r.failure !== undefined) {
        this.log.warn(
          {
            channelId: this.hexOf(e),
            kind: r.failure.kind,
            forceClose: r.failure.forceClose,
            why: r.failure.message,
          },
          'channel failure',
        );
        // BOLT 1: after a warning we close the connection; the channel lives on.
        if (r.failure.kind === 'warning') this.o.peers.disconnect(e.peer, r.failure.message);
      }
      for (const a of r.actions) await carryOut(this, e, a);
    }
    this.scheduleSign(e); // (an action may have made a signature due)
    this.report(e, events, resolutions, outboxKeys, next !== prev);
  }

  /** Moves an entry from the temporary-id map once its channel_id is known, and finished ones aside. */
  private rekey(e: Entry, prev: ChannelState): void {
    const s = e.state;
    if (s.channelId !== undefined && prev.channelId === undefined) {
      this.byTemp.delete(this.tempKey(e.peerHex, s.temporaryChannelId));
      this.byId.set(bytesToHex(s.channelId), e);
    }
    if (FINISHED.has(s.phase)) {
      this.byTemp.delete(this.tempKey(e.peerHex, s.temporaryChannelId));
      if (s.channelId !== undefined) {
        const hex = bytesToHex(s.channelId);
        this.byId.delete(hex);
        if (e.version > 0) this.finished.set(hex, e);
      }
      e.signTimer?.();
      e.signTimer = undefined;
    }
  }

  private report(
    e: Entry,
    events: readonly ChannelEvent[],
    resolutions: OutgoingResolution[],
    keys: string[],
    changed: boolean,
  ) {
    for (const ev of events) {
      if (ev.kind === 'closed' && ev.how === 'aborted' && e.open !== undefined) {
        e.open.reject(
          new DriverError(
            'open_failed',
            `the channel opening failed: ${e.state.failureMessage ?? 'aborted'}`,
          ),
        );
        e.open = undefined;
      }
    }
    if (events.length === 0 && resolutions.length === 0 && !changed) return;
    const snap = this.snapshotOf(e);
    for (const ev of events) {
      if (ev.kind !== 'htlcAdded') continue;
      const htlc: CommittedIncomingHtlc = {
        htlcId: ev.htlcId,
        amountMsat: ev.amountMsat,
        paymentHash: ev.paymentHash,
        cltvExpiry: ev.cltvExpiry,
        onionRoutingPacket: ev.onionRoutingPacket,
        ...(ev.pathKey !== undefined ? { pathKey: ev.pathKey } : {}),
      };
      this.o.listener.incomingHtlc(snap, htlc);
    }
    for (let i = 0; i < resolutions.length; i++) this.deliver(e, keys[i], resolutions[i]!);
    this.o.listener.channelChanged(snap, events);
  }

  /** Hands an outgoing resolution to the node; forgets the stored copy once it is taken. */
  private deliver(e: Entry, key: string | undefined, res: OutgoingResolution): void {
    const p = this.o.listener
      .outgoingResolved(this.snapshotOf(e), res)
      .then(async () => {
        if (key !== undefined) await this.taken(e, key, res.htlcId);
      })
      .catch((err: unknown) =>
        this.log.error(
          { channelId: this.hexOf(e), err: String(err) },
          'delivering an HTLC resolution failed',
        ),
      );
    this.deliveries.add(p);
    void p.finally(() => this.deliveries.delete(p));
  }

  /** A resolution was taken: forget its outbox entry, and its HTLC's origin once nothing needs it. */
  private async taken(e: Entry, key: string, htlcId: bigint): Promise<void> {
    if (!e.undelivered.delete(key)) {
      await this.forgetTaken({ key, dropOrigin: undefined });
      return;
    }
    const drop =
      e.origins.has(htlcId) &&
      ![...e.undelivered.values()].includes(htlcId) &&
      !knownOutgoingIds(e.state).has(htlcId);
    await this.forgetTaken({ key, dropOrigin: drop ? { channelHex: this.hexOf(e), htlcId } : undefined });
    if (!drop) return;
    const origin = e.origins.get(htlcId);
    e.origins.delete(htlcId);
    if (origin !== undefined) e.originIndex.delete(bytesToHex(origin));
  }

  /**
   * Forgets a taken outbox entry together with the others taken in the same turn of the event
   * loop, in one transaction at its end: the resolutions of one commitment are taken together, and
   * nothing waits on their entries being gone (one delivered again after a crash is ignored).
   */
  private forgetTaken(entry: TakenOutboxEntry): Promise<void> {
    let batch = this.takenBatch;
    if (batch === undefined) {
      const entries: TakenOutboxEntry[] = [];
      const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        // Entries taken from now on go into the next batch.
        if (this.takenBatch?.entries === entries) this.takenBatch = undefined;
        return takeOutboxEntries(this.o.store, entries);
      });
      this.takenBatch = batch = { entries, done };
    }
    batch.entries.push(entry);
    return batch.done;
  }

  /** Signs the peer's next commitment shortly, once, if there is anything to sign. */
  private scheduleSign(e: Entry): void {
    if (this.stopped || e.signTimer !== undefined || !canSignNow(e.state)) return;
    const sign = () => {
      e.signTimer = undefined;
      this.submit(e, { kind: 'signCommitment' }, {}).catch((err: unknown) =>
        this.log.error({ channelId: this.hexOf(e), err: String(err) }, 'signing a commitment failed'),
      );
    };
    const delay = this.o.signDelayMs ?? DEFAULT_SIGN_DELAY_MS;
    if (delay > 0) {
      const t = setTimeout(sign, delay);
      e.signTimer = () => clearTimeout(t);
    } else {
      const t = setImmediate(sign);
      e.signTimer = () => clearImmediate(t);
    }
  }

  // ---------------------------------------------------------------- bookkeeping

  /** Runs `op` in the channel's queue, after everything submitted or enqueued before it. */
  private enqueue<T>(e: Entry, op: () => Promise<T>): Promise<T> {
    // Inputs submitted from now on go into a batch behind `op`, not into one ahead of it.
    e.batch = undefined;
    return this.enqueueOp(e, op);
  }

  private enqueueOp<T>(e: Entry, op: () => Promise<T>): Promise<T> {
    const p = e.queue.then(op);
    e.queue = p.catch((err: unknown) =>
      this.log.error(
        { channelId: this.hexOf(e), err: err instanceof Error ? err.stack : String(err) },
        'channel step failed',
      ),
    );
    return p;
  }

  private newEntry(peer: Uint8Array, state: ChannelState, seedIndex: number): Entry {
    return newEntry(peer, bytesToHex(peer), state, {
      createdHeight: this.o.chain.tip?.height ?? 0,
      createdAt: this.o.now(),
      seedIndex,
    });
  }

  private adopt(c: LoadedChannel): void {
    const e = this.newEntry(c.record.peerNodeId, c.state, c.meta?.seedIndex ?? -1);
    e.version = c.record.version;
    e.meta = c.meta ?? { createdHeight: 0, createdAt: c.record.createdAt, seedIndex: -1 };
    e.origins = c.origins;
    for (const [id, origin] of c.origins) e.originIndex.set(bytesToHex(origin), id);
    e.onions = c.onions;
    e.rows = c.rows;
    const hex = bytesToHex(c.record.channelId);
    if (FINISHED.has(c.state.phase)) this.finished.set(hex, e);
    else this.byId.set(hex, e);
  }

  private snapshotOf(e: Entry): ChannelSnapshot {
    return snapshotOf(e);
  }

  private find(channelId: Uint8Array): Entry | undefined {
    const hex = bytesToHex(channelId);
    const e = this.byId.get(hex) ?? this.finished.get(hex);
    if (e !== undefined) return e;
    for (const t of this.byTemp.values()) if (equalBytes(t.state.temporaryChannelId, channelId)) return t;
    return undefined;
  }

  private route(nodeId: Uint8Array, m: WireMessage): Entry | undefined {
    const temp = temporaryIdOf(m);
    if (temp !== undefined) return this.byTemp.get(this.tempKey(bytesToHex(nodeId), temp));
    const id = channelIdOf(m);
    return id === undefined ? undefined : this.routeById(nodeId, id);
  }

  /** The channel with this id (or temporary id) and this peer; another peer's channel is not found. */
  private routeById(nodeId: Uint8Array, channelId: Uint8Array): Entry | undefined {
    const peerHex = bytesToHex(nodeId);
    const e = this.byId.get(bytesToHex(channelId)) ?? this.byTemp.get(this.tempKey(peerHex, channelId));
    return e !== undefined && e.peerHex === peerHex ? e : undefined;
  }

  private entriesOf(nodeId: Uint8Array): Entry[] {
    const hex = bytesToHex(nodeId);
    return [...this.byId.values()].filter((e) => e.peerHex === hex);
  }

  private tempEntriesOf(nodeId: Uint8Array): Entry[] {
    const hex = bytesToHex(nodeId);
    return [...this.byTemp.values()].filter((e) => e.peerHex === hex);
  }

  private tempKey(peerHex: string, temporaryChannelId: Uint8Array): string {
    return `${peerHex}/${bytesToHex(temporaryChannelId)}`;
  }

  private idOf(e: Entry): Uint8Array {
    return e.state.channelId ?? e.state.temporaryChannelId;
  }

  hexOf(e: Entry): string {
    return bytesToHex(this.idOf(e));
  }

  /** Our next channel seed index, stored before it is used (a seed is never used twice). */
  private allocateSeedIndex(): Promise<number> {
    const run = this.seedIndexLock.then(async () => {
      const kv = this.o.store.kv(DRIVER_KV.counters);
      const raw = await kv.get('next-seed-index');
      const index = raw === undefined ? 0 : Number(new TextDecoder().decode(raw));
      await kv.put('next-seed-index', utf8.encode(String(index + 1)));
      return index;
    });
    this.seedIndexLock = run.catch(() => undefined);
    return run;
  }

  /**
   * A random scid alias whose block-height part (top 3 bytes) is above 15,728,640, a height the
   * chain will not reach for centuries, so it never collides with a real short_channel_id.
   */
  private newAlias(): bigint {
    const b = this.o.randomBytes(8);
    let v = 0n;
    for (const x of b) v = (v << 8n) | BigInt(x);
    return v | (0xf0n << 56n);
  }

  /** The feerate for a new channel's first commitments: what its fee updates will follow. */
  private async commitmentFeerate(format: ChannelFormat = 'static_remotekey'): Promise<number> {
    const feerates = await this.refreshFeerates();
    if (feerates === undefined)
      throw new DriverError(
        'open_failed',
        'the chain gives no fee estimate: cannot choose a commitment feerate',
      );
    const p = this.o.policy;
    const target = feerateTargetFor(format, feerates, p);
    return Math.min(Math.max(target, p.minFeeratePerKw), p.maxFeeratePerKw);
  }

  /** The chain's estimate for a mutual close, clamped to [253, maxFeeratePerKw]. */
  private async closingFeerate(): Promise<number> {
    let est = FEERATE_FLOOR_PER_KW;
    try {
      est = Number(await this.o.chain.estimateFeeSatPerKw(FEE_TARGETS.closing));
    } catch (err) {
      this.log.warn({ err: String(err) }, 'no fee estimate for the closing; using the floor');
    }
    return Math.min(Math.max(Math.round(est), FEERATE_FLOOR_PER_KW), this.o.policy.maxFeeratePerKw);
  }

  /**
   * Fetches the estimates the channels follow and puts them in the policy steps run under.
   * Returns undefined (and keeps the previous ones) if the chain cannot give them.
   */
  private async refreshFeerates(): Promise<ChainFeerates | undefined> {
    try {
      const chain = this.o.chain;
      // One at a time: the chain source fetches all targets at once and caches them.
      const commitmentPerKw = Number(await chain.estimateFeeSatPerKw(FEE_TARGETS.commitment));
      const anchorsPerKw = Number(await chain.estimateFeeSatPerKw(FEE_TARGETS.anchors));
      const urgentPerKw = Number(await chain.estimateFeeSatPerKw(FEE_TARGETS.urgent));
      const closingPerKw = Number(await chain.estimateFeeSatPerKw(FEE_TARGETS.closing));
      const floor = (x: number) => Math.max(Math.round(x), FEERATE_FLOOR_PER_KW);
      const next: ChainFeerates = {
        commitmentPerKw: floor(commitmentPerKw),
        anchorsPerKw: floor(anchorsPerKw),
        // The cap follows the most urgent rate we know of.
        urgentPerKw: Math.max(floor(urgentPerKw), floor(commitmentPerKw)),
      };
      // A close that names no feerate (ours, or one the peer starts) pays the estimate too.
      const closingFeeratePerKw = Math.min(floor(closingPerKw), this.o.policy.maxFeeratePerKw);
      const old = this.feerates;
      if (
        old === undefined ||
        old.commitmentPerKw !== next.commitmentPerKw ||
        old.anchorsPerKw !== next.anchorsPerKw ||
        old.urgentPerKw !== next.urgentPerKw ||
        this.policyNow.closingFeeratePerKw !== closingFeeratePerKw
      ) {
        this.feerates = next;
        this.policyNow = { ...this.o.policy, chainFeerates: next, closingFeeratePerKw };
        this.log.debug({ ...next, closingFeeratePerKw }, 'fee estimates');
      }
      return this.feerates;
    } catch (err) {
      this.log.warn({ err: String(err) }, 'fee estimates unavailable');
      return this.feerates;
    }
  }

  /**
   * The funder's side of BOLT 2 update_fee: if the estimate moved far enough from the channel's
   * feerate (see fee-update.ts), send `update_fee` (capped to what we can afford). Call inside
   * the channel's queue; does nothing for channels that may not update their fee now.
   */
  private async updateFeeIfNeeded(e: Entry, why: 'block' | 'reconnected'): Promise<void> {
    const feerates = this.feerates;
    if (feerates === undefined) return;
    const decision = planFeeUpdate(e.state, feerates, this.policyNow);
    if (decision === undefined) return;
    const channelId = this.hexOf(e);
    if (decision.kind === 'keep') {
      if (decision.reason === 'unaffordable')
        this.log.info(
          { channelId, why, targetPerKw: decision.targetPerKw },
          'fee estimate moved but we cannot afford any update_fee towards it',
        );
      return;
    }
    const from = e.state.localCommit?.spec.feeratePerKw;
    const r = await this.stepAndApply(e, { kind: 'updateFee', feeratePerKw: decision.feeratePerKw });
    if (r.rejected !== undefined) {
      this.log.warn(
        { channelId, why, feeratePerKw: decision.feeratePerKw, reason: r.rejected.message },
        'update_fee refused',
      );
      return;
    }
    this.log.info(
      {
        channelId,
        why,
        fromPerKw: from,
        feeratePerKw: decision.feeratePerKw,
        targetPerKw: decision.targetPerKw,
        capped: decision.capped,
      },
      'update_fee sent',
    );
  }
}
