// test/interop/ldk/ldk-node.ts: one LDK 0.1 node, wired the way an application wires it:
// KeysManager from a seed, ChainMonitor, ChannelManager, a NetworkGraph with P2PGossipSync, the
// default router over a probabilistic scorer, and a PeerManager on TCP (sockets.ts). The chain
// view comes from the devnet (chain-feed.ts); broadcasts go to it; channels are funded from it.
//
// Rule kept throughout: LDK callbacks (logger, broadcaster, persister, event handler, socket
// descriptors) only record and schedule. Every call into LDK happens from the event loop, in
// `#process`, an RPC, a socket event or a timer.
import { Transaction } from '@scure/btc-signer';
import * as ldk from 'lightningdevkit';
import { hexToBytes, randomBytes, sha256 } from '../../../src/crypto/index.js';
import { type BlockRef, ChainFeed } from './chain-feed.js';
import { type HarnessConfig, LOG_LEVELS } from './config.js';
import { Esplora } from './esplora.js';
import { customRecords, describeEvent, pathFailure, pathHops, paymentPurpose } from './events.js';
import { FundingWallet } from './funding.js';
import { userConfig } from './ldk-config.js';
import {
  apiErrorText,
  beFromLeFlags,
  bitsFromLeFlags,
  bytes32OrNull,
  channelIdHex,
  copy,
  enumName,
  hex,
  nn,
  reversed,
  u32OrNull,
  u64OrNull,
  u128FromLdk,
} from './ldk-values.js';
import { claimDecision, PaymentBook } from './payments.js';
import type {
  BroadcastJson,
  ChannelJson,
  EventJson,
  GraphDirectionJson,
  GraphJson,
  InfoJson,
  Json,
  LogJson,
  PaymentsJson,
  PeerJson,
  ReceivedPaymentJson,
  SentPaymentJson,
} from './protocol.js';
import { RpcError } from './rpc-params.js';
import { SocketBridge } from './sockets.js';

const MAX_LOGS = 5000;
const POLL_MS = 20;

export interface RouteHintHop {
  srcNodeId: Uint8Array;
  shortChannelId: bigint;
  feeBaseMsat: number;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
}

export interface KeysendRequest {
  nodeId: Uint8Array;
  amountMsat: bigint;
  customRecords: Map<bigint, Uint8Array>;
  finalCltvDelta: number;
  preimage: Uint8Array | undefined;
  routeHints: RouteHintHop[][];
  retries: number;
  /** Wait for PaymentSent / PaymentFailed (else return the pending record at once). */
  wait: boolean;
  timeoutMs: number;
}

function levelName(level: ldk.Level): (typeof LOG_LEVELS)[number] {
  return LOG_LEVELS[level] ?? 'error';
}

function txidOf(raw: Uint8Array): string {
  try {
    return Transaction.fromRaw(raw, {
      allowUnknownOutputs: true,
      allowUnknownInputs: true,
      disableScriptCheck: true,
    }).id;
  } catch {
    return 'unparsed';
  }
}

function peerJson(d: ldk.PeerDetails): PeerJson {
  const addr = d.get_socket_address();
  const le = d.get_init_features().le_flags();
  return {
    nodeId: hex(d.get_counterparty_node_id()),
    address: addr instanceof ldk.Option_SocketAddressZ_Some ? addr.some.to_str() : null,
    inbound: Boolean(d.get_is_inbound_connection()),
    features: beFromLeFlags(le),
    featureBits: bitsFromLeFlags(le),
  };
}

function channelJson(c: ldk.ChannelDetails): ChannelJson {
  const txo = nn(c.get_funding_txo());
  const counterparty = c.get_counterparty();
  const fwd = nn(counterparty.get_forwarding_info());
  const type = nn(c.get_channel_type());
  return {
    channelId: channelIdHex(c.get_channel_id()) ?? '',
    userChannelId: u128FromLdk(c.get_user_channel_id()).toString(),
    counterpartyNodeId: hex(counterparty.get_node_id()),
    fundingTxid: txo === undefined ? null : hex(reversed(txo.get_txid())),
    fundingOutputIndex: txo === undefined ? null : txo.get_index(),
    shortChannelId: u64OrNull(c.get_short_channel_id()),
    outboundScidAlias: u64OrNull(c.get_outbound_scid_alias()),
    inboundScidAlias: u64OrNull(c.get_inbound_scid_alias()),
    channelValueSat: c.get_channel_value_satoshis().toString(),
    outboundCapacityMsat: c.get_outbound_capacity_msat().toString(),
    inboundCapacityMsat: c.get_inbound_capacity_msat().toString(),
    nextOutboundHtlcLimitMsat: c.get_next_outbound_htlc_limit_msat().toString(),
    isOutbound: Boolean(c.get_is_outbound()),
    isChannelReady: Boolean(c.get_is_channel_ready()),
    isUsable: Boolean(c.get_is_usable()),
    isAnnounced: Boolean(c.get_is_announced()),
    confirmations: u32OrNull(c.get_confirmations()),
    confirmationsRequired: u32OrNull(c.get_confirmations_required()),
    channelTypeBits: type === undefined ? [] : bitsFromLeFlags(type.le_flags()),
    counterpartyForwarding:
      fwd === undefined
        ? null
        : {
            feeBaseMsat: fwd.get_fee_base_msat(),
            feeProportionalMillionths: fwd.get_fee_proportional_millionths(),
            cltvExpiryDelta: fwd.get_cltv_expiry_delta(),
          },
    pendingInboundHtlcs: c.get_pending_inbound_htlcs().length,
    pendingOutboundHtlcs: c.get_pending_outbound_htlcs().length,
  };
}

function directionJson(u: ldk.ChannelUpdateInfo | null | undefined): GraphDirectionJson | null {
  const d = nn(u);
  if (d === undefined) return null;
  const fees = d.get_fees();
  return {
    enabled: Boolean(d.get_enabled()),
    feeBaseMsat: fees.get_base_msat(),
    feeProportionalMillionths: fees.get_proportional_millionths(),
    cltvExpiryDelta: d.get_cltv_expiry_delta(),
    htlcMinimumMsat: d.get_htlc_minimum_msat().toString(),
    htlcMaximumMsat: d.get_htlc_maximum_msat().toString(),
    lastUpdate: d.get_last_update(),
  };
}

function matches(data: { [key: string]: Json }, match: { [key: string]: Json }): boolean {
  return Object.entries(match).every(([k, v]) => JSON.stringify(data[k]) === JSON.stringify(v));
}

export class LdkNode {
  readonly nodeId: Uint8Array;
  port = 0;
  readonly #cfg: HarnessConfig;
  readonly #log: (line: string) => void;
  readonly #keys: ldk.KeysManager;
  readonly #chainMonitor: ldk.ChainMonitor;
  readonly #chanMan: ldk.ChannelManager;
  readonly #graph: ldk.NetworkGraph;
  readonly #gossip: ldk.P2PGossipSync;
  readonly #pm: ldk.PeerManager;
  readonly #handler: ldk.EventHandler;
  readonly #bridge: SocketBridge;
  readonly #esplora: Esplora | undefined;
  readonly #chain: ChainFeed | undefined;
  readonly #wallet: FundingWallet;
  readonly #book = new PaymentBook();
  readonly #events: EventJson[] = [];
  readonly #broadcasts: BroadcastJson[] = [];
  readonly #logs: LogJson[] = [];
  /** LDK objects that must live as long as the node (the bindings may not hold them). */
  readonly #keepAlive: object[] = [];
  readonly #deferred: (() => void)[] = [];
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  #seq = 0;
  #kickScheduled = false;
  #nextUserChannelId = 1n;
  #closed = false;

  /** Builds the node; with `--esplora`, LDK starts at the chain's current tip. */
  static async create(cfg: HarnessConfig, log: (line: string) => void): Promise<LdkNode> {
    const esplora = cfg.esploraUrl === undefined ? undefined : new Esplora(cfg.esploraUrl);
    let start: BlockRef | undefined;
    if (esplora !== undefined) {
      const height = await esplora.tipHeight();
      start = { height, hash: await esplora.blockHashAt(height) };
    }
    return new LdkNode(cfg, log, esplora, start);
  }

  private constructor(
    cfg: HarnessConfig,
    log: (line: string) => void,
    esplora: Esplora | undefined,
    start: BlockRef | undefined,
  ) {
    this.#cfg = cfg;
    this.#log = log;
    this.#esplora = esplora;
    this.#wallet = new FundingWallet(cfg.seed);
    const minLevel = LOG_LEVELS.indexOf(cfg.logLevel);

    const logger = ldk.Logger.new_impl({
      log: (record: ldk.Record): void => {
        const level = record.get_level();
        if (level < minLevel && level < ldk.Level.LDKLevel_Trace) return;
        const entry: LogJson = {
          level: levelName(level),
          module: record.get_module_path(),
          message: record.get_args(),
        };
        this.#logs.push(entry);
        if (this.#logs.length > MAX_LOGS) this.#logs.splice(0, this.#logs.length - MAX_LOGS);
        if (level >= minLevel) this.#log(`${entry.level.toUpperCase()} ${entry.module}: ${entry.message}`);
      },
    });
    const feeEstimator = ldk.FeeEstimator.new_impl({
      get_est_sat_per_1000_weight: (): number => cfg.feerateSatPerKw,
    });
    const broadcaster = ldk.BroadcasterInterface.new_impl({
      broadcast_transactions: (txs: Uint8Array[]): void => {
        for (const tx of txs) this.#broadcast(copy(tx));
      },
    });
    const persister = ldk.Persist.new_impl({
      persist_new_channel: () => ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_Completed,
      update_persisted_channel: () => ldk.ChannelMonitorUpdateStatus.LDKChannelMonitorUpdateStatus_Completed,
      archive_persisted_channel: () => {},
    });
    this.#handler = ldk.EventHandler.new_impl({
      handle_event: (event: ldk.Event): ldk.Result_NoneReplayEventZ => {
        this.#onEvent(event);
        return ldk.Result_NoneReplayEventZ.constructor_ok();
      },
    });

    const now = Date.now();
    this.#keys = ldk.KeysManager.constructor_new(
      cfg.seed,
      BigInt(Math.floor(now / 1000)),
      (now % 1000) * 1e6,
    );
    this.#chainMonitor = ldk.ChainMonitor.constructor_new(
      ldk.Option_FilterZ.constructor_none(),
      broadcaster,
      logger,
      feeEstimator,
      persister,
    );
    const network = ldk.Network.LDKNetwork_Regtest;
    this.#graph = ldk.NetworkGraph.constructor_new(network, logger);
    this.#gossip = ldk.P2PGossipSync.constructor_new(
      this.#graph,
      ldk.Option_UtxoLookupZ.constructor_none(),
      logger,
    );
    const scorer = ldk.ProbabilisticScorer.constructor_new(
      ldk.ProbabilisticScoringDecayParameters.constructor_default(),
      this.#graph,
      logger,
    );
    const lockableScore = ldk.MultiThreadedLockableScore.constructor_new(scorer.as_Score());
    const entropy = this.#keys.as_EntropySource();
    const router = ldk.DefaultRouter.constructor_new(
      this.#graph,
      logger,
      entropy,
      lockableScore.as_LockableScore(),
      ldk.ProbabilisticScoringFeeParameters.constructor_default(),
    );
    const messageRouter = ldk.DefaultMessageRouter.constructor_new(this.#graph, entropy);
    const bestBlock =
      start === undefined
        ? ldk.BestBlock.constructor_from_network(network)
        : ldk.BestBlock.constructor_new(reversed(hexToBytes(start.hash)), start.height);
    this.#chanMan = ldk.ChannelManager.constructor_new(
      feeEstimator,
      this.#chainMonitor.as_Watch(),
      broadcaster,
      router.as_Router(),
      messageRouter.as_MessageRouter(),
      logger,
      entropy,
      this.#keys.as_NodeSigner(),
      this.#keys.as_SignerProvider(),
      userConfig(cfg),
      ldk.ChainParameters.constructor_new(network, bestBlock),
      Math.floor(now / 1000),
    );
    const ignorer = ldk.IgnoringMessageHandler.constructor_new();
    this.#pm = ldk.PeerManager.constructor_new(
      this.#chanMan.as_ChannelMessageHandler(),
      this.#gossip.as_RoutingMessageHandler(),
      ignorer.as_OnionMessageHandler(),
      ignorer.as_CustomMessageHandler(),
      Math.floor(now / 1000),
      randomBytes(32),
      logger,
      this.#keys.as_NodeSigner(),
    );
    this.#keepAlive.push(
      logger,
      feeEstimator,
      broadcaster,
      persister,
      scorer,
      lockableScore,
      router,
      messageRouter,
    );
    this.#keepAlive.push(ignorer);
    this.nodeId = copy(this.#chanMan.get_our_node_id());
    this.#bridge = new SocketBridge(this.#pm, {
      simulateBackpressure: cfg.simulateBackpressure,
      onActivity: () => this.#kick(),
      log,
    });
    this.#chain =
      esplora === undefined || start === undefined
        ? undefined
        : new ChainFeed(esplora, [this.#chanMan.as_Confirm(), this.#chainMonitor.as_Confirm()], start, log);
  }

  /** Listens for peers and starts the timers. */
  async start(): Promise<void> {
    this.port = await this.#bridge.listen(this.#cfg.host, this.#cfg.port);
    const every = (ms: number, f: () => void): void => {
      this.#timers.push(setInterval(f, ms));
    };
    every(this.#cfg.processMs, () => this.#kick());
    every(this.#cfg.pmTickMs, () => {
      this.#pm.timer_tick_occurred();
      this.#kick();
    });
    every(this.#cfg.cmTickMs, () => {
      this.#chanMan.timer_tick_occurred();
      this.#kick();
    });
    if (this.#chain !== undefined) {
      const chain = this.#chain;
      every(this.#cfg.pollMs, () => chain.tick());
      await chain.sync();
    }
    this.#kick();
  }

  // ---------- the event loop side ----------

  #kick(): void {
    if (this.#kickScheduled || this.#closed) return;
    this.#kickScheduled = true;
    setImmediate(() => {
      this.#kickScheduled = false;
      this.#process();
    });
  }

  /** Runs LDK's message and event processing, then the work its callbacks asked for, until quiet. */
  #process(): void {
    if (this.#closed) return;
    for (let round = 0; round < 20; round++) {
      this.#pm.process_events();
      this.#chanMan.as_EventsProvider().process_pending_events(this.#handler);
      this.#chainMonitor.as_EventsProvider().process_pending_events(this.#handler);
      const work = this.#deferred.splice(0);
      if (work.length === 0) break;
      for (const w of work) {
        try {
          w();
        } catch (e) {
          this.#log(`deferred work failed: ${(e as Error).stack ?? String(e)}`);
        }
      }
    }
    this.#pm.process_events();
  }

  /** Work that calls into LDK, asked for from inside a callback: run it from #process. */
  #defer(work: () => void): void {
    this.#deferred.push(work);
    this.#kick();
  }

  #record(kind: string, data: { [key: string]: Json }): void {
    this.#events.push({ seq: ++this.#seq, kind, timeMs: Date.now(), data });
  }

  #broadcast(raw: Uint8Array): void {
    const txid = txidOf(raw);
    // LDK re-broadcasts (e.g. an unconfirmed 0-conf funding tx on every monitor update): list each
    // once, with the latest answer (but an 'ok' is never overwritten by a later refusal).
    let rec = this.#broadcasts.find((b) => b.txid === txid);
    if (rec === undefined) {
      rec = { txid, hex: hex(raw), result: 'pending' };
      this.#broadcasts.push(rec);
    }
    const entry = rec;
    if (this.#esplora === undefined) {
      entry.result = 'no chain';
      return;
    }
    this.#esplora.broadcast(entry.hex).then(
      () => {
        entry.result = 'ok';
      },
      (e: unknown) => {
        if (entry.result !== 'ok') entry.result = (e as Error).message;
        this.#log(`broadcast of ${txid} failed: ${(e as Error).message}`);
      },
    );
  }

  /** The event handler: records, updates the books, and schedules what must call LDK. */
  #onEvent(e: ldk.Event): void {
    const { kind, data } = describeEvent(e);
    this.#record(kind, data);
    this.#log(`event ${kind} ${JSON.stringify(data)}`);
    if (e instanceof ldk.Event_FundingGenerationReady) {
      const tempId = copy(e.temporary_channel_id.get_a());
      const counterparty = copy(e.counterparty_node_id);
      const script = copy(e.output_script);
      const value = e.channel_value_satoshis;
      this.#defer(() => void this.#fund(tempId, counterparty, script, value));
    } else if (e instanceof ldk.Event_OpenChannelRequest) {
      const tempId = copy(e.temporary_channel_id.get_a());
      const counterparty = copy(e.counterparty_node_id);
      this.#defer(() => this.#acceptChannel(tempId, counterparty));
    } else if (e instanceof ldk.Event_PaymentClaimable) {
      this.#onClaimable(e);
    } else if (e instanceof ldk.Event_PaymentClaimed) {
      this.#book.claimed(hex(e.payment_hash));
    } else if (e instanceof ldk.Event_PaymentSent) {
      this.#book.paymentSent(bytes32OrNull(e.payment_id), u64OrNull(e.fee_paid_msat));
    } else if (e instanceof ldk.Event_PaymentFailed) {
      const reason =
        e.reason instanceof ldk.Option_PaymentFailureReasonZ_Some
          ? enumName(ldk.PaymentFailureReason, e.reason.some, 'LDKPaymentFailureReason_')
          : 'unknown';
      this.#book.sendFailed(hex(e.payment_id), reason);
    } else if (e instanceof ldk.Event_PaymentPathSuccessful) {
      this.#book.pathSuccessful(hex(e.payment_id), pathHops(e.path));
    } else if (e instanceof ldk.Event_PaymentPathFailed) {
      this.#book.pathFailed(bytes32OrNull(e.payment_id), pathFailure(e));
      const failure = e.failure;
      if (
        this.#cfg.networkUpdates &&
        failure instanceof ldk.PathFailure_OnPath &&
        failure.network_update instanceof ldk.Option_NetworkUpdateZ_Some
      ) {
        // What LDK's BackgroundProcessor does with path failures (see pitfall 6).
        const update = failure.network_update.some.clone();
        this.#defer(() => this.#graph.handle_network_update(update));
      }
    } else if (e instanceof ldk.Event_PendingHTLCsForwardable) {
      // time_forwardable arrives in whole seconds (0 for LDK's 100 ms); never forward sooner.
      const delay = Math.max(100, Number(e.time_forwardable) * 1000);
      setTimeout(() => {
        if (this.#closed) return;
        this.#chanMan.process_pending_htlc_forwards();
        this.#kick();
      }, delay).unref();
    }
  }

  #onClaimable(e: ldk.Event_PaymentClaimable): void {
    const purpose = paymentPurpose(e.purpose);
    const records = customRecords(e.onion_fields);
    const paymentHash = hex(e.payment_hash);
    this.#book.claimable({
      paymentHash,
      preimage: purpose.preimage === undefined ? null : hex(purpose.preimage),
      amountMsat: e.amount_msat.toString(),
      purpose: purpose.kind,
      customRecords: records,
      viaChannelId: channelIdHex(e.via_channel_id),
    });
    const preimage = purpose.preimage;
    if (!this.#cfg.claimPayments || preimage === undefined) return;
    const decision = claimDecision(records, this.#cfg.knownEvenTlvs);
    this.#defer(() => {
      if (decision.kind === 'claim_with_known_tlvs') {
        this.#chanMan.claim_funds_with_known_custom_tlvs(preimage);
        return;
      }
      // With unknown even TLVs, claim_funds fails the payment back as stock LDK does.
      this.#chanMan.claim_funds(preimage);
      if (decision.kind === 'reject')
        this.#book.rejected(paymentHash, `unknown even custom TLV types ${decision.unknownEven.join(', ')}`);
    });
  }

  #acceptChannel(tempId: Uint8Array, counterparty: Uint8Array): void {
    const id = ldk.ChannelId.constructor_new(tempId);
    const userChannelId = this.#nextUserChannelId++;
    const r = this.#cfg.zeroConf
      ? this.#chanMan.accept_inbound_channel_from_trusted_peer_0conf(id, counterparty, userChannelId)
      : this.#chanMan.accept_inbound_channel(id, counterparty, userChannelId);
    if (r instanceof ldk.Result_NoneAPIErrorZ_Err)
      this.#record('HarnessAcceptFailed', { temporaryChannelId: hex(tempId), error: apiErrorText(r.err) });
  }

  async #fund(
    tempId: Uint8Array,
    counterparty: Uint8Array,
    script: Uint8Array,
    valueSat: bigint,
  ): Promise<void> {
    const fail = (error: string): void => {
      this.#record('HarnessFundingFailed', { temporaryChannelId: hex(tempId), error });
      this.#log(`funding ${hex(tempId)} failed: ${error}`);
    };
    if (this.#esplora === undefined) {
      fail('no chain: start the node with --esplora to fund channels');
      return;
    }
    let tx: Uint8Array;
    try {
      tx = await this.#wallet.fundingTransaction(this.#esplora, script, valueSat);
    } catch (e) {
      fail((e as Error).message);
      return;
    }
    if (this.#closed) return;
    const r = this.#chanMan.funding_transaction_generated(
      ldk.ChannelId.constructor_new(tempId),
      counterparty,
      tx,
    );
    if (r instanceof ldk.Result_NoneAPIErrorZ_Err) fail(apiErrorText(r.err));
    else this.#record('HarnessFundingGenerated', { temporaryChannelId: hex(tempId), txid: txidOf(tx) });
    this.#kick();
  }

  async #until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new RpcError(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  // ---------- RPCs ----------

  info(): InfoJson {
    const best = this.#chanMan.current_best_block();
    const le = this.#initFeatures();
    return {
      nodeId: hex(this.nodeId),
      port: this.port,
      network: 'regtest',
      blockHeight: best.get_height(),
      blockHash: hex(reversed(best.get_block_hash())),
      initFeatures: beFromLeFlags(le),
      initFeatureBits: bitsFromLeFlags(le),
      fundingAddress: this.#wallet.address,
      backpressure: { ...this.#bridge.stats },
    };
  }

  /** What PeerManager sends in `init`: the union of its handlers' features. */
  #initFeatures(): Uint8Array {
    const a = this.#chanMan.as_ChannelMessageHandler().provided_init_features(this.nodeId).le_flags();
    const b = this.#gossip.as_RoutingMessageHandler().provided_init_features(this.nodeId).le_flags();
    const out = new Uint8Array(Math.max(a.length, b.length));
    for (let i = 0; i < out.length; i++) out[i] = (a[i] ?? 0) | (b[i] ?? 0);
    return out;
  }

  #peer(nodeId: Uint8Array): PeerJson | undefined {
    const d = nn(this.#pm.peer_by_node_id(nodeId));
    return d === undefined ? undefined : peerJson(d);
  }

  /** Connects and waits until the handshake and the `init` exchange are done. */
  async connect(nodeId: Uint8Array, host: string, port: number, timeoutMs: number): Promise<PeerJson> {
    const existing = this.#peer(nodeId);
    if (existing !== undefined) return existing;
    await this.#bridge.connect(nodeId, host, port, timeoutMs);
    this.#kick();
    return this.#until(
      () => this.#peer(nodeId),
      timeoutMs,
      `${hex(nodeId)} to finish the handshake and init`,
    );
  }

  /** Waits until the peer is connected (e.g. after it connected to us). */
  waitPeer(nodeId: Uint8Array, timeoutMs: number): Promise<PeerJson> {
    return this.#until(() => this.#peer(nodeId), timeoutMs, `peer ${hex(nodeId)}`);
  }

  disconnect(nodeId: Uint8Array): void {
    this.#pm.disconnect_by_node_id(nodeId);
    this.#kick();
  }

  peers(): PeerJson[] {
    return this.#pm.list_peers().map(peerJson);
  }

  openChannel(
    nodeId: Uint8Array,
    amountSat: bigint,
    pushMsat: bigint,
    announce: boolean,
    anchors: boolean,
  ): { temporaryChannelId: string; userChannelId: string } {
    const userChannelId = this.#nextUserChannelId++;
    const r = this.#chanMan.create_channel(
      nodeId,
      amountSat,
      pushMsat,
      userChannelId,
      null,
      userConfig(this.#cfg, { announce, anchors }),
    );
    if (!(r instanceof ldk.Result_ChannelIdAPIErrorZ_OK)) {
      throw new RpcError(
        `create_channel failed: ${r instanceof ldk.Result_ChannelIdAPIErrorZ_Err ? apiErrorText(r.err) : 'unknown'}`,
      );
    }
    this.#kick();
    return { temporaryChannelId: hex(r.res.get_a()), userChannelId: userChannelId.toString() };
  }

  channels(): ChannelJson[] {
    return this.#chanMan.list_channels().map(channelJson);
  }

  async keysend(req: KeysendRequest): Promise<SentPaymentJson> {
    const preimage = req.preimage ?? randomBytes(32);
    const paymentId = randomBytes(32);
    const records = [...req.customRecords].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    let onion = ldk.RecipientOnionFields.constructor_spontaneous_empty();
    if (records.length > 0) {
      const r = onion.with_custom_tlvs(
        records.map(([t, v]) => ldk.TwoTuple_u64CVec_u8ZZ.constructor_new(t, v)),
      );
      if (!(r instanceof ldk.Result_RecipientOnionFieldsNoneZ_OK))
        throw new RpcError('LDK refused the custom records (types must be >= 65536, or known to LDK)');
      onion = r.res;
    }
    const params = ldk.PaymentParameters.constructor_for_keysend(req.nodeId, req.finalCltvDelta, false);
    if (req.routeHints.length > 0) {
      const hints = req.routeHints.map((hops) =>
        ldk.RouteHint.constructor_new(
          hops.map((h) =>
            ldk.RouteHintHop.constructor_new(
              h.srcNodeId,
              h.shortChannelId,
              ldk.RoutingFees.constructor_new(h.feeBaseMsat, h.feeProportionalMillionths),
              h.cltvExpiryDelta,
              ldk.Option_u64Z.constructor_none(),
              ldk.Option_u64Z.constructor_none(),
            ),
          ),
        ),
      );
      params.set_payee(
        ldk.Payee.constructor_clear(
          req.nodeId,
          hints,
          ldk.Bolt11InvoiceFeatures.constructor_for_keysend(false),
          req.finalCltvDelta,
        ),
      );
    }
    const routeParams = ldk.RouteParameters.constructor_from_payment_params_and_value(params, req.amountMsat);
    const rec = this.#book.addSent({
      paymentId: hex(paymentId),
      paymentHash: hex(sha256(preimage)),
      preimage: hex(preimage),
      nodeId: hex(req.nodeId),
      amountMsat: req.amountMsat,
      customRecords: Object.fromEntries(records.map(([t, v]) => [t.toString(), hex(v)])),
    });
    const r = this.#chanMan.send_spontaneous_payment(
      ldk.Option_ThirtyTwoBytesZ.constructor_some(preimage),
      onion,
      paymentId,
      routeParams,
      ldk.Retry.constructor_attempts(req.retries),
    );
    if (r instanceof ldk.Result_ThirtyTwoBytesRetryableSendFailureZ_Err) {
      // E.g. RouteNotFound: returned synchronously, with no PaymentFailed event (pitfall 7).
      this.#book.sendFailed(
        rec.paymentId,
        `send failed: ${enumName(ldk.RetryableSendFailure, r.err, 'LDKRetryableSendFailure_')}`,
      );
      return rec;
    }
    this.#kick();
    if (!req.wait) return rec;
    await this.#until(
      () => (rec.status === 'pending' ? undefined : true),
      req.timeoutMs,
      `payment ${rec.paymentHash} to resolve`,
    );
    // PaymentPathSuccessful (with the path) follows PaymentSent (pitfall 8).
    if (rec.status === 'succeeded')
      await this.#until(() => (rec.path === null ? undefined : true), 2000, 'the path').catch(() => {});
    return rec;
  }

  payments(): PaymentsJson {
    return { sent: [...this.#book.sent.values()], received: [...this.#book.received.values()] };
  }

  /** Claims a payment left claimable (with --no-claim). */
  claim(paymentHash: string): ReceivedPaymentJson {
    const rec = this.#book.received.get(paymentHash);
    if (rec === undefined || rec.preimage === null) throw new RpcError(`no claimable payment ${paymentHash}`);
    this.#chanMan.claim_funds_with_known_custom_tlvs(hexToBytes(rec.preimage));
    this.#kick();
    return rec;
  }

  /** Fails back a payment left claimable (with --no-claim). */
  failBack(paymentHash: string): ReceivedPaymentJson {
    const rec = this.#book.received.get(paymentHash);
    if (rec === undefined) throw new RpcError(`no claimable payment ${paymentHash}`);
    this.#chanMan.fail_htlc_backwards(hexToBytes(paymentHash));
    this.#book.rejected(paymentHash, 'failed back on request');
    this.#kick();
    return rec;
  }

  events(since: number, kind: string | undefined): EventJson[] {
    return this.#events.filter((e) => e.seq > since && (kind === undefined || e.kind === kind));
  }

  /** The first event after `since` of `kind` whose data has the given field values. */
  waitEvent(
    kind: string,
    match: { [key: string]: Json },
    since: number,
    timeoutMs: number,
  ): Promise<EventJson> {
    return this.#until(
      () => this.#events.find((e) => e.seq > since && e.kind === kind && matches(e.data, match)),
      timeoutMs,
      `event ${kind} ${JSON.stringify(match)}`,
    );
  }

  closeChannel(channelId: Uint8Array, nodeId: Uint8Array, feerateSatPerKw: number | undefined): void {
    const id = ldk.ChannelId.constructor_new(channelId);
    const r =
      feerateSatPerKw === undefined
        ? this.#chanMan.close_channel(id, nodeId)
        : this.#chanMan.close_channel_with_feerate_and_script(
            id,
            nodeId,
            ldk.Option_u32Z.constructor_some(feerateSatPerKw),
            null,
          );
    if (r instanceof ldk.Result_NoneAPIErrorZ_Err)
      throw new RpcError(`close_channel failed: ${apiErrorText(r.err)}`);
    this.#kick();
  }

  forceClose(channelId: Uint8Array, nodeId: Uint8Array): void {
    const r = this.#chanMan.force_close_broadcasting_latest_txn(
      ldk.ChannelId.constructor_new(channelId),
      nodeId,
      'force-closed by the test harness',
    );
    if (r instanceof ldk.Result_NoneAPIErrorZ_Err)
      throw new RpcError(`force close failed: ${apiErrorText(r.err)}`);
    this.#kick();
  }

  graph(): GraphJson {
    const ro = this.#graph.read_only();
    try {
      const channels = ro.list_channels().flatMap((scid) => {
        const c = nn(ro.channel(scid));
        if (c === undefined) return [];
        return [
          {
            shortChannelId: scid.toString(),
            nodeOne: hex(c.get_node_one().as_slice()),
            nodeTwo: hex(c.get_node_two().as_slice()),
            capacitySat: u64OrNull(c.get_capacity_sats()),
            oneToTwo: directionJson(c.get_one_to_two()),
            twoToOne: directionJson(c.get_two_to_one()),
          },
        ];
      });
      const nodes = ro.list_nodes().flatMap((id) => {
        const n = nn(ro.node(id));
        if (n === undefined) return [];
        return [
          {
            nodeId: hex(id.as_slice()),
            channels: n.get_channels().map((s) => s.toString()),
            announced: n.get_announcement_info() instanceof ldk.Option_NodeAnnouncementInfoZ_Some,
          },
        ];
      });
      return { channels, nodes };
    } finally {
      // The read lock blocks gossip processing until freed (pitfall 3).
      ro.free();
    }
  }

  /** Feeds LDK every block up to the chain's tip now. */
  async sync(): Promise<{ height: number; hash: string }> {
    if (this.#chain === undefined) throw new RpcError('no chain: start the node with --esplora');
    const tip = await this.#chain.sync();
    this.#kick();
    return tip;
  }

  broadcasts(): BroadcastJson[] {
    return this.#broadcasts;
  }

  logs(contains: string | undefined): LogJson[] {
    return contains === undefined ? [...this.#logs] : this.#logs.filter((l) => l.message.includes(contains));
  }

  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#pm.disconnect_all_peers();
    this.#closed = true;
    for (const t of this.#timers) clearInterval(t);
    await this.#bridge.close();
  }
}
