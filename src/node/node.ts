// src/node/node.ts: the composition root. `Node.start(config)` builds the node from its parts in
// dependency order (store, keys and wallet, chain, peers, gossip and graph, invoice registry,
// switch, payment loop, channel driver, API) and wires their events; `stop()` takes it apart in
// reverse. This is the only module that knows every other one.
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type ApiServer, startApiServer } from '../api/index.js';
import {
  addressToScript,
  BitcoindClient,
  type ChainBackend,
  type ChainEvent,
  ChainWatcher,
  createFundingLookup,
  EsploraClient,
  type FundingLookup,
} from '../chain/index.js';
import {
  ChannelDriver,
  type ChannelDriverListener,
  type ChannelEvent,
  type ChannelSnapshot,
  type CommittedIncomingHtlc,
  DEFAULT_POLICY,
  incomingDustOverflow,
  type OutgoingResolution,
  policyWith,
} from '../channel/index.js';
import {
  bytesToHex,
  ecdsaSignRecoverable,
  hexToBytes,
  randomBytes as systemRandom,
} from '../crypto/index.js';
import { Gossiper, type OurChannel } from '../gossip/index.js';
import { HtlcSwitch, type SwitchEvent } from '../htlcswitch/index.js';
import { InvoiceRegistry, type RegistryInvoice } from '../invoices/index.js';
import { PaymentLoop } from '../payments/index.js';
import { OUR_INIT_FEATURES, OUR_NODE_ANNOUNCEMENT_FEATURES, PeerManager } from '../peer/index.js';
import { ChannelGraph, Scorer } from '../routing/index.js';
import { openStore, type Store } from '../store/index.js';
import { KeyManager, openOrCreateSeed, Wallet } from '../wallet/index.js';
import { type ChannelAnnouncement, FEATURES, type Features, type NodeAddress } from '../wire/index.js';
import { chainHashOf } from './chain-hash.js';
import type { HostPort, NodeConfig } from './config.js';
import { NodeFacadeImpl } from './facade.js';
import { gossipSigner, ourChannelOf } from './gossip-bridge.js';
import { GraphPruner } from './graph-pruner.js';
import {
  applyHeldResolutions,
  DriverLink,
  DriverLocalChannels,
  deliverOutgoingResolution,
  FailureUpdates,
  type FeeSettings,
  LoopOutcomeSink,
  RegistryFinalHop,
  SwitchHtlcSender,
} from './links.js';
import { createLogger, type Logger } from './logger.js';
import { paymentIdOf, paymentLogFields, paymentLogLevel } from './payment-log.js';

/** The seed file in the data directory (BIP 39 words, 0600, optionally encrypted). */
export const SEED_FILE = 'ksnode.seed';
const PEERS_KV = 'node.peers';
const REGISTRY_TICK_MS = 5_000;
const utf8 = new TextEncoder();
const dec = new TextDecoder();

/** What the node tells the facade (and through it the API's event stream). */
export interface NodeEvents {
  channel: [snapshot: ChannelSnapshot];
  peer: [nodeId: Uint8Array, change: 'connected' | 'disconnected'];
  invoiceSettled: [invoice: RegistryInvoice];
  payment: [paymentId: number];
  forward: [forwardId: number];
  block: [height: number];
}

/** What a caller (tests, benches) may give `Node.start` beside the configuration. */
export interface NodeStartOptions {
  logger?: Logger;
  /** Unix ms (default Date.now). */
  now?: () => number;
  randomBytes?: (n: number) => Uint8Array;
  /** A chain backend to use instead of the configured one (tests: an in-process devnet). */
  chainBackend?: ChainBackend;
  /**
   * How gossip and the graph pruner look up announced funding outputs (default: from the chain
   * backend, `createFundingLookup`).
   */
  fundingLookup?: FundingLookup;
}

/** An IPv4 literal or a DNS name, as node_announcement carries it. */
function nodeAddressOf(a: HostPort): NodeAddress {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a.host);
  const octets = m === null ? [] : m.slice(1).map(Number);
  if (octets.length === 4 && octets.every((x) => x <= 255))
    return { type: 'ipv4', addr: Uint8Array.from(octets), port: a.port };
  return { type: 'dns', hostname: a.host, port: a.port };
}

function colorBytes(color: string): Uint8Array {
  return hexToBytes(color.slice(1));
}

/** A running ksnode. */
/**
 * The features of our node_announcement. bLIP 3: keysend receivers advertise bit 55; with
 * accept-keysend off we must not, or senders would pay us only to be refused.
 */
export function nodeAnnouncementFeatures(acceptKeysend: boolean): Features {
  return acceptKeysend
    ? OUR_NODE_ANNOUNCEMENT_FEATURES
    : OUR_NODE_ANNOUNCEMENT_FEATURES.without(FEATURES.keysend.optional).without(FEATURES.keysend.required);
}

export class Node extends EventEmitter<NodeEvents> {
  readonly nodeId: Uint8Array;
  readonly nodePrivateKey: Uint8Array;
  readonly chainHash: Uint8Array;
  /** Where peers connect, once listening (the real port when configured with 0). */
  listenAddress: HostPort | undefined;
  api: ApiServer | undefined;
  readonly facade: NodeFacadeImpl;
  readonly fees: FeeSettings;
  readonly startedAt: number;
  /** The mnemonic of a seed created by this start (show it once; it is not stored elsewhere). */
  newMnemonic: string | undefined;
  /**
   * Gossip's check of announced funding outputs, and the graph pruner's; given at construction
   * (`start` builds it from the chain backend unless `NodeStartOptions.fundingLookup` gives one).
   */
  readonly fundingLookup: FundingLookup | undefined;
  /** Forgets other nodes' channels whose funding was spent (needs the funding lookup). */
  graphPruner: GraphPruner | undefined;

  private readonly links = new Map<string, DriverLink>();
  /** The channel_updates our forwarding failures carry (from gossip's, re-signed as needed). */
  private readonly failureUpdates: FailureUpdates;
  /** What gossip last heard of each channel (see gossipKey). */
  private readonly gossipSeen = new Map<string, string>();
  private switchStarted = false;
  /** Set once the switch and the payment loop have resumed: peers may connect from then on. */
  private openForBusiness = false;
  /** True while the driver reports committed HTLCs again after a start (see onIncomingHtlc). */
  private replayingIncoming = false;
  private readonly switchReady: Promise<void>;
  private markSwitchReady!: () => void;
  private readonly background = new Set<Promise<unknown>>();
  private stopGossipTicks: (() => void) | undefined;
  private registryTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly config: NodeConfig,
    readonly log: Logger,
    readonly store: Store,
    readonly keys: KeyManager,
    readonly chain: ChainWatcher,
    readonly wallet: Wallet,
    readonly peers: PeerManager,
    readonly graph: ChannelGraph,
    readonly scorer: Scorer,
    readonly now: () => number,
    readonly random: (n: number) => Uint8Array,
    fundingLookup: FundingLookup | undefined,
  ) {
    super();
    this.fundingLookup = fundingLookup;
    this.nodePrivateKey = keys.nodePrivateKey();
    this.nodeId = keys.nodePublicKey();
    this.chainHash = chainHashOf(config.network);
    this.startedAt = now();
    this.fees = {
      feeBaseMsat: config.fees.baseMsat,
      feeProportionalMillionths: config.fees.proportionalMillionths,
      cltvExpiryDelta: config.fees.cltvExpiryDelta,
    };
    this.switchReady = new Promise((resolve) => {
      this.markSwitchReady = resolve;
    });
    this.failureUpdates = new FailureUpdates({
      latest: (channelId) => this.gossiper?.ourChannelUpdate(channelId),
      signer: gossipSigner(this.nodeId, this.nodePrivateKey, () => this.driver?.channels() ?? []),
      nowSec: () => Math.floor(now() / 1000),
    });
    this.facade = new NodeFacadeImpl(this);
  }

  // These are set during start (they need the node as a listener or a lazy reference).
  gossiper!: Gossiper;
  registry!: InvoiceRegistry;
  switch!: HtlcSwitch;
  loop!: PaymentLoop;
  driver!: ChannelDriver;

  /** Starts a node; on failure everything started so far is closed again. */
  static async start(config: NodeConfig, options: NodeStartOptions = {}): Promise<Node> {
    const log = options.logger ?? createLogger(config.logLevel);
    const now = options.now ?? Date.now;
    const random = options.randomBytes ?? systemRandom;
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const undo: (() => Promise<void> | void)[] = [];
    try {
      const store = await openStore(
        config.store.kind === 'sqlite'
          ? { kind: 'sqlite', dataDir: config.store.dir, fileName: config.store.fileName }
          : {
              kind: 'postgres',
              connectionString: config.store.url,
              ...(config.store.schema !== undefined ? { schema: config.store.schema } : {}),
            },
      );
      undo.push(() => store.close());
      const seed = openOrCreateSeed(join(config.dataDir, SEED_FILE), {
        ...(config.seedPassphrase !== undefined ? { passphrase: config.seedPassphrase } : {}),
      });
      if (!seed.ok) throw new Error(`cannot open the seed file: ${seed.message}`);
      const keys = new KeyManager(seed.seed, config.network);
      const backend =
        options.chainBackend ??
        (config.chain.kind === 'esplora'
          ? new EsploraClient({ baseUrl: config.chain.url })
          : new BitcoindClient({
              url: config.chain.url,
              username: config.chain.user ?? '',
              password: config.chain.password ?? '',
            }));
      const chainLog = log.child({ module: 'chain' });
      const chain = new ChainWatcher({
        backend,
        pollIntervalMs: config.chain.pollIntervalMs,
        // Estimates at most one poll old: a block's fee check (update_fee) sees the fees of its time.
        feeCacheMs: Math.min(60_000, config.chain.pollIntervalMs),
        clock: now,
        onError: (e) => chainLog.warn({ err: String(e) }, 'chain poll failed'),
        // Output commit (Store.flush): nothing leaves the process before what it rests on is on disk.
        beforeBroadcast: () => store.flush(),
      });
      undo.push(() => chain.stop());
      const wallet = await Wallet.open({ keys, chain, store: store.kv('wallet') });
      undo.push(() => wallet.close());
      const peers = new PeerManager({
        localPrivateKey: keys.nodePrivateKey(),
        chainHash: chainHashOf(config.network),
        limits: { maxInboundPeers: config.limits.maxInboundPeers },
        beforeWrite: () => store.flush(),
      });
      undo.push(() => peers.close());
      const node = new Node(
        config,
        log,
        store,
        keys,
        chain,
        wallet,
        peers,
        new ChannelGraph(),
        new Scorer(),
        now,
        random,
        options.fundingLookup ?? createFundingLookup(backend, { tipHeight: () => chain.tip?.height }),
      );
      if (seed.mnemonic !== undefined) node.newMnemonic = seed.mnemonic;
      await node.assemble(undo);
      return node;
    } catch (e) {
      for (const f of undo.reverse()) {
        try {
          await f();
        } catch {
          // already failing: the first error is the one to report
        }
      }
      throw e;
    }
  }

  /** Builds and wires the parts that need the node itself; `undo` collects their closers. */
  private async assemble(undo: (() => Promise<void> | void)[]): Promise<void> {
    const { config, log, store, chain, peers, now, random } = this;
    const network = config.network;

    // Gossip feeds the graph the payment loop routes on.
    this.gossiper = new Gossiper({
      chainHash: this.chainHash,
      signer: gossipSigner(this.nodeId, this.nodePrivateKey, () => this.driver?.channels() ?? []),
      graph: this.graph,
      send: (id, msg) => {
        peers.send(id, msg);
      },
      clock: now,
      store,
      ...(this.fundingLookup !== undefined ? { fundingLookup: this.fundingLookup } : {}),
      config: { flushIntervalMs: config.gossip.flushIntervalMs },
      onEvent: (e) => {
        if (e.kind === 'rejected')
          log.debug({ module: 'gossip', reason: e.reason, detail: e.detail }, 'gossip rejected');
        else if (e.kind === 'persist_failed')
          log.error({ module: 'gossip', err: String(e.error) }, 'gossip persist failed');
        else log.debug({ module: 'gossip', event: e.kind }, 'gossip');
        if (e.kind === 'pruned')
          this.track(this.graphPruner?.channelsForgotten(e.shortChannelIds) ?? Promise.resolve());
      },
    });
    const report = await this.gossiper.load();
    log.info({ module: 'gossip', report }, 'gossip loaded');
    if (this.fundingLookup !== undefined) {
      const gossiper = this.gossiper;
      this.graphPruner = new GraphPruner({
        chain,
        lookup: this.fundingLookup,
        kv: store.kv('gossip.funding-watch'),
        forget: async (scid) => {
          log.info({ module: 'gossip', shortChannelId: scid.toString() }, 'funding spent: channel forgotten');
          await gossiper.fundingSpent(scid);
        },
      });
      // Before the first chain sync: the outpoints are rescanned from the last block it saw.
      const watched = await this.graphPruner.load();
      log.info({ module: 'gossip', watched }, 'funding outputs of public channels watched');
    }
    this.stopGossipTicks = this.gossiper.startTicking(Math.min(1_000, config.gossip.flushIntervalMs));
    undo.push(async () => {
      this.stopGossipTicks?.();
      await this.gossiper.persist();
    });
    await this.gossiper.setNodeAnnouncement({
      alias: this.alias(),
      rgbColor: colorBytes(config.color),
      addresses: config.announceAddresses.map(nodeAddressOf),
      // bLIP 3: keysend receivers advertise bit 55; with accept-keysend off we must not, or
      // senders would pay us only to be refused.
      features: config.acceptKeysend
        ? OUR_NODE_ANNOUNCEMENT_FEATURES
        : OUR_NODE_ANNOUNCEMENT_FEATURES.without(FEATURES.keysend.optional).without(
            FEATURES.keysend.required,
          ),
    });

    // Receiving: the registry decides final-hop HTLCs.
    this.registry = new InvoiceRegistry({
      store,
      nodeId: this.nodeId,
      network,
      signInvoice: (hash) => ecdsaSignRecoverable(hash, this.nodePrivateKey),
      randomBytes: random,
      clock: now,
      policy: { acceptKeysend: config.acceptKeysend },
      keysendRateLimit: config.keysendRateLimit,
    });

    // Forwarding and our own HTLCs go through the switch.
    this.switch = new HtlcSwitch({
      store,
      nodePrivateKey: this.nodePrivateKey,
      finalHop: new RegistryFinalHop(
        this.registry,
        () => this.switch,
        (inv) => {
          log.info(
            { module: 'invoices', paymentHash: bytesToHex(inv.paymentHash), keysend: inv.keysend },
            'invoice settled',
          );
          this.emit('invoiceSettled', inv);
        },
      ),
      payments: new LoopOutcomeSink(() => this.loop),
      now,
      knownEvenTypes: this.registry.knownEvenTypes,
      onEvent: (e) => this.onSwitchEvent(e),
    });

    // The channels.
    const listener: ChannelDriverListener = {
      incomingHtlc: (s, h) => this.onIncomingHtlc(s, h),
      outgoingResolved: (s, r) => this.onOutgoingResolved(s, r),
      channelChanged: (s, events) => this.onChannelChanged(s, events),
    };
    this.driver = new ChannelDriver({
      store,
      chain,
      wallet: {
        fundOutput: (script, amountSat, fee) => this.wallet.fundOutput(script, amountSat, fee),
        broadcast: (raw) => this.wallet.broadcast(raw),
        releaseLocks: (txid) => this.wallet.releaseLocks(txid),
        closeScript: async () => this.closeScript(),
        sweep: (inputs) => this.wallet.sweep(inputs),
      },
      peers: {
        send: (id, m) => {
          const r = peers.send(id, m);
          return r === 'ok' || r === 'buffer_full';
        },
        features: (id) => peers.peer(id)?.features,
        disconnect: (id, why) => this.disconnectAfterWarning(id, why),
      },
      channelSeed: (i) => this.keys.channelSeed(i),
      chainHash: this.chainHash,
      localFeatures: OUR_INIT_FEATURES,
      policy: policyWith({
        minimumDepth: config.channels.minimumDepth,
        toSelfDelay: config.channels.toSelfDelay,
        maxAcceptedHtlcs: config.limits.maxAcceptedHtlcs,
        minFundingSat: config.limits.minChannelSat,
        maxRemoteToSelfDelay: Math.max(DEFAULT_POLICY.maxRemoteToSelfDelay, config.channels.toSelfDelay),
        maxDustHtlcExposure: config.channels.maxDustExposure,
        maxHtlcValueInFlightPercent: config.channels.maxHtlcValueInFlightPercent,
      }),
      randomBytes: random,
      now,
      listener,
      logger: log.child({ module: 'channel' }),
      maxFundingSat: config.limits.maxChannelSat,
      format: config.channels.channelType,
    });
    const loaded = await this.driver.load();
    log.info({ module: 'channel', ...loaded }, 'channels loaded');
    undo.push(() => this.driver.stop());

    // Sending.
    this.loop = new PaymentLoop({
      store,
      graph: this.graph,
      scorer: this.scorer,
      htlcSender: new SwitchHtlcSender(() => this.switch),
      localChannels: new DriverLocalChannels(this.driver),
      nodeId: this.nodeId,
      network,
      currentHeight: () => chain.tip?.height ?? 0,
      nowMs: now,
      randomBytes: random,
      nodePrivateKey: this.nodePrivateKey,
      chainHash: this.chainHash,
    });
    this.loop.on((e) => {
      const id = paymentIdOf(e);
      const level = paymentLogLevel(e);
      if (log.isLevelEnabled(level))
        log[level]({ module: 'payments', event: e.type, ...paymentLogFields(e) }, 'payment');
      this.emit('payment', id);
    });

    // Every stored channel gets its link before the switch reconciles its circuits.
    for (const s of this.driver.channels()) if (!s.temporary) this.ensureLink(s);
    // Gossip hears of every stored channel once (its announcement state lives in the store too).
    this.refreshAllGossip();

    // Peers.
    peers.on('peerConnected', (id, features) => {
      log.info({ module: 'peer', peer: bytesToHex(id) }, 'peer connected');
      this.track(this.driver.onPeerConnected(id));
      this.track(this.gossiper.onPeerConnected(id, features));
      this.refreshGossipOf(id);
      this.emit('peer', id, 'connected');
    });
    peers.on('peerDisconnected', (id, reason) => {
      log.info({ module: 'peer', peer: bytesToHex(id), reason: reason.message }, 'peer disconnected');
      this.track(this.driver.onPeerDisconnected(id));
      this.track(this.gossiper.onPeerDisconnected(id));
      this.refreshGossipOf(id);
      this.emit('peer', id, 'disconnected');
    });
    peers.on('message', (id, msg) => {
      if (ChannelDriver.handles(msg)) this.track(this.driver.onMessage(id, msg));
      else this.track(this.onGossipMessage(id, msg));
    });
    peers.on('errorReceived', (id, channelId, text, all) => {
      log.warn({ module: 'peer', peer: bytesToHex(id), text }, 'error from peer');
      this.track(this.driver.onPeerError(id, channelId, text, all));
    });
    peers.on('warningReceived', (id, _channelId, text) =>
      log.warn({ module: 'peer', peer: bytesToHex(id), text }, 'warning from peer'),
    );

    // The chain: first sync (wallet and channel rescans), then the switch and the loop resume.
    chain.subscribe((e) => this.onChainEvent(e));
    const pruner = this.graphPruner;
    if (pruner !== undefined) chain.subscribe((e) => pruner.onChainEvent(e));
    await chain.sync();
    // Channels gossip holds but the pruner does not (stored before it watched them) are added.
    if (pruner !== undefined) this.track(this.watchGossipChannels(pruner));
    const height = chain.tip?.height ?? 0;
    await this.switch.start(height);
    this.switchStarted = true;
    this.markSwitchReady();
    this.replayingIncoming = true;
    try {
      await this.driver.replay();
    } finally {
      this.replayingIncoming = false;
    }
    const rebroadcast = (await this.wallet.rebroadcastPending()).length;
    if (rebroadcast > 0)
      log.info({ module: 'wallet', rebroadcast }, 'unconfirmed transactions broadcast again');
    const resumed = await this.loop.resumeInFlight();
    log.info({ module: 'node', height, resumed }, 'chain synced; payments resumed');
    chain.start();
    this.registryTimer = setInterval(() => this.track(this.tickRegistry()), REGISTRY_TICK_MS);
    this.registryTimer.unref();
    undo.push(() => clearInterval(this.registryTimer));

    // Open for business: listen, redial our channel peers, serve the API.
    this.openForBusiness = true;
    if (config.listen !== null) {
      this.listenAddress = await peers.listen(config.listen.host, config.listen.port);
      log.info({ module: 'peer', ...this.listenAddress }, 'listening for peers');
    }
    await this.redialChannelPeers();
    if (config.api !== null) {
      this.api = await startApiServer({
        facade: this.facade,
        dataDir: config.dataDir,
        host: config.api.host,
        port: config.api.port,
        rateLimit: config.apiRateLimit,
        logger: log.child({ module: 'api' }),
        beforeReply: () => this.store.flush(),
      });
      undo.push(() => this.api?.close());
      log.info({ module: 'api', url: this.api.url }, 'API listening');
    }
    log.info({ module: 'node', nodeId: bytesToHex(this.nodeId), alias: this.alias() }, 'node started');
  }

  /**
   * Stops the node: no new API calls, chain events or peer messages first, then the channels drain
   * their queues, gossip and the wallet write what they hold, and the store closes last. Safe to
   * call more than once.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const log = this.log.child({ module: 'node' });
      log.info({}, 'stopping');
      const step = async (what: string, f: () => Promise<unknown> | unknown) => {
        try {
          await f();
        } catch (e) {
          log.error({ err: String(e) }, `error while stopping: ${what}`);
        }
      };
      await step('api', () => this.api?.close());
      clearInterval(this.registryTimer);
      this.chain.stop();
      await step('peers', () => this.peers.close());
      await step('channels', () => this.driver.stop());
      this.stopGossipTicks?.();
      await step('gossip', () => this.gossiper.persist());
      // Work started by events (switch inputs, gossip updates) finishes before the store closes.
      await Promise.allSettled([...this.background]);
      this.wallet.close();
      await step('wallet', () => this.wallet.flush());
      await step('store', () => this.store.close());
      log.info({}, 'stopped');
    })();
    return this.stopping;
  }

  /** Our alias: the configured one, or `ksnode-` and the start of our node id. */
  alias(): string {
    return this.config.alias !== '' ? this.config.alias : `ksnode-${bytesToHex(this.nodeId).slice(2, 10)}`;
  }

  /** A fresh wallet scriptpubkey (for a channel's close output). */
  async closeScript(): Promise<Uint8Array> {
    return addressScript(await this.wallet.newAddress(), this.config.network);
  }

  // ---------------------------------------------------------------- peers

  /** Connects to a peer and remembers its address, so that we redial it while we share channels. */
  async connectPeer(nodeId: Uint8Array, host: string, port: number): Promise<void> {
    await this.peers.connect(nodeId, host, port);
    await this.store.kv(PEERS_KV).put(bytesToHex(nodeId), utf8.encode(JSON.stringify({ host, port })));
    if (this.driver.channels().some((c) => this.isLive(c) && bytesEqualHex(c.peerNodeId, nodeId)))
      this.peers.addPersistentPeer(nodeId, host, port);
  }

  private isLive(s: ChannelSnapshot): boolean {
    return !s.temporary && s.state.phase !== 'closed' && s.state.phase !== 'aborted';
  }

  private async peerAddress(nodeId: Uint8Array): Promise<HostPort | undefined> {
    const raw = await this.store.kv(PEERS_KV).get(bytesToHex(nodeId));
    if (raw === undefined) return undefined;
    try {
      const j = JSON.parse(dec.decode(raw)) as HostPort;
      return typeof j.host === 'string' && typeof j.port === 'number' ? j : undefined;
    } catch {
      return undefined;
    }
  }

  private async redialChannelPeers(): Promise<void> {
    const seen = new Set<string>();
    for (const s of this.driver.channels()) {
      const hex = bytesToHex(s.peerNodeId);
      if (!this.isLive(s) || seen.has(hex)) continue;
      seen.add(hex);
      await this.keepConnected(s.peerNodeId);
    }
  }

  /**
   * Marks a channel peer persistent when we know where to dial it (it dials us otherwise). Not
   * before the node is open for business: a peer's channel traffic before the switch has reconciled
   * its circuits could resolve an HTLC the switch is still looking for (redialChannelPeers dials
   * every channel peer once the node is open).
   */
  private async keepConnected(nodeId: Uint8Array): Promise<void> {
    if (!this.openForBusiness) return;
    if (this.peers.persistentPeers().some((p) => bytesEqualHex(p, nodeId))) return;
    const a = await this.peerAddress(nodeId);
    if (a !== undefined) this.peers.addPersistentPeer(nodeId, a.host, a.port);
  }

  /** BOLT 1: after sending a warning we close the connection; persistent peers are redialled. */
  private disconnectAfterWarning(nodeId: Uint8Array, why: string): void {
    this.log.warn({ module: 'peer', peer: bytesToHex(nodeId), why }, 'disconnecting after a warning');
    const persistent = this.peers.persistentPeers().some((p) => bytesEqualHex(p, nodeId));
    this.peers.disconnect(nodeId);
    if (persistent) {
      const t = setTimeout(() => this.track(this.keepConnected(nodeId)), 1_000);
      t.unref();
    }
  }

  // ---------------------------------------------------------------- channel driver events

  private onIncomingHtlc(s: ChannelSnapshot, h: CommittedIncomingHtlc): void {
    if (!this.switchStarted) return; // the driver reports it again through replay()
    // BOLT 2 max_dust_htlc_exposure_msat, receiving side: "SHOULD fail this HTLC once it's
    // committed". Judged once, when the HTLC is first committed (the answer depends on what else
    // was in flight then); a replay after a restart carries no verdict, since the switch may already
    // have acted on the HTLC. The switch fails it back (temporary_channel_failure, as LDK does).
    const over = this.replayingIncoming
      ? undefined
      : incomingDustOverflow(s.state, h.htlcId, this.driver.policy());
    const link = this.ensureLink(s);
    this.track(
      this.switch.incomingHtlcCommitted(link, {
        id: h.htlcId,
        amountMsat: h.amountMsat,
        cltvExpiry: h.cltvExpiry,
        paymentHash: h.paymentHash,
        onion: h.onionRoutingPacket,
        ...(h.pathKey !== undefined ? { pathKey: h.pathKey } : {}),
        ...(over !== undefined
          ? { refuse: { failure: 'temporary_channel_failure', why: `dust exposure: ${over.message}` } }
          : {}),
      }),
    );
  }

  private async onOutgoingResolved(s: ChannelSnapshot, r: OutgoingResolution): Promise<void> {
    await this.switchReady;
    await deliverOutgoingResolution(this.switch, this.ensureLink(s), r);
  }

  private onChannelChanged(s: ChannelSnapshot, events: readonly ChannelEvent[]): void {
    if (!s.temporary) {
      const known = this.links.has(bytesToHex(s.channelId));
      this.ensureLink(s);
      if (!known && this.isLive(s)) this.track(this.keepConnected(s.peerNodeId));
    }
    for (const e of events) {
      if (e.kind === 'closing' || e.kind === 'closed') {
        this.log.info(
          { module: 'channel', channelId: bytesToHex(s.channelId), how: e.how },
          `channel ${e.kind}`,
        );
        if (!s.temporary && this.switchStarted) this.track(this.switch.channelClosed(s.channelId));
        const scid = s.state.shortChannelId;
        if (scid !== undefined) {
          this.track(this.gossiper.removeOurChannel(scid));
          if (e.kind === 'closed') this.track(this.gossiper.fundingSpent(scid));
        }
      } else if (e.kind === 'channelReady') {
        this.log.info({ module: 'channel', channelId: bytesToHex(s.channelId) }, 'channel ready');
      }
    }
    this.updateGossip(s);
    this.emit('channel', s);
  }

  /** Registers (or re-registers, when its ids changed) the switch's link for a channel. */
  private ensureLink(s: ChannelSnapshot): DriverLink {
    const hex = bytesToHex(s.channelId);
    const current = this.links.get(hex);
    if (current?.sameIds(s)) return current;
    const link = new DriverLink(this.driver, s, () => this.fees, this.failureUpdates);
    this.links.set(hex, link);
    this.track(this.switch.addLink(link));
    return link;
  }

  /** Tells gossip about a channel when what gossip sees of it changed (not on every HTLC). */
  private updateGossip(s: ChannelSnapshot, force = false): void {
    const phase = s.state.phase;
    if (phase !== 'awaitingChannelReady' && phase !== 'normal' && phase !== 'shutdown') return;
    const ch = ourChannelOf(s, this.fees);
    if (ch === undefined) return;
    const hex = bytesToHex(s.channelId);
    const key = gossipKey(ch);
    if (!force && this.gossipSeen.get(hex) === key) return;
    this.gossipSeen.set(hex, key);
    this.track(this.gossiper.upsertOurChannel(ch));
  }

  /** The peer came or went: our channels with it are (dis)abled in gossip. */
  private refreshGossipOf(peer: Uint8Array): void {
    for (const s of this.driver.channels()) if (bytesEqualHex(s.peerNodeId, peer)) this.updateGossip(s);
  }

  /** Re-announces every channel with the current fees (after a fee policy change). */
  refreshAllGossip(): void {
    for (const s of this.driver.channels()) this.updateGossip(s, true);
  }

  // ---------------------------------------------------------------- gossip

  /** Hands a message to gossip; a channel of others it accepted gets its funding watched. */
  private async onGossipMessage(id: Uint8Array, msg: Parameters<Gossiper['onMessage']>[1]): Promise<void> {
    const outcome = await this.gossiper.onMessage(id, msg);
    if (msg.kind !== 'channel_announcement' || outcome.kind !== 'accepted') return;
    // Our own channels: the driver calls fundingSpent when they close.
    if (!this.isOurAnnouncement(msg)) await this.graphPruner?.channelAccepted(msg.shortChannelId);
  }

  private isOurAnnouncement(a: ChannelAnnouncement): boolean {
    return bytesEqualHex(a.nodeId1, this.nodeId) || bytesEqualHex(a.nodeId2, this.nodeId);
  }

  private async watchGossipChannels(pruner: GraphPruner): Promise<void> {
    const watched = new Set(pruner.watched());
    for (const scid of this.gossiper.shortChannelIds()) {
      const a = this.gossiper.channel(scid)?.announcement;
      if (a === undefined || watched.has(scid) || this.isOurAnnouncement(a)) continue;
      await pruner.channelAccepted(scid);
    }
  }

  // ---------------------------------------------------------------- chain, switch, registry

  private async onChainEvent(e: ChainEvent): Promise<void> {
    if (e.kind !== 'block_connected') return;
    if (this.switchStarted) {
      await this.switch.blockConnected(e.height);
      await this.tickRegistry(e.height);
    }
    this.emit('block', e.height);
  }

  private async tickRegistry(height = this.chain.tip?.height ?? 0): Promise<void> {
    if (!this.switchStarted) return;
    try {
      const { resolutions } = await this.registry.tick(height);
      await applyHeldResolutions(this.switch, resolutions);
    } catch (e) {
      this.log.error({ module: 'invoices', err: String(e) }, 'registry tick failed');
    }
  }

  private onSwitchEvent(e: SwitchEvent): void {
    const log = this.log.child({ module: 'switch' });
    switch (e.kind) {
      case 'forward_refused':
        log.info(
          {
            htlc: `${bytesToHex(e.incomingChannelId)}/${e.incomingHtlcId}`,
            paymentHash: bytesToHex(e.paymentHash),
            failure: e.failure,
            reason: e.reason,
          },
          'HTLC refused',
        );
        break;
      case 'forward_added':
        // Its resolution is logged at info: one line per forward.
        log.debug({ forwardId: e.forwardId }, 'forward added');
        this.emit('forward', e.forwardId);
        break;
      case 'forward_settled':
      case 'forward_failed':
        log.info({ forwardId: e.forwardId, event: e.kind }, 'forward resolved');
        this.emit('forward', e.forwardId);
        break;
      case 'anomaly':
        log.warn({ message: e.message }, 'switch anomaly');
        break;
    }
  }

  /** Runs background work, logging failures; stop() waits for it. */
  track(p: Promise<unknown>): void {
    const q = p.catch((e: unknown) =>
      this.log.error(
        { module: 'node', err: e instanceof Error ? e.stack : String(e) },
        'background task failed',
      ),
    );
    this.background.add(q);
    void q.finally(() => this.background.delete(q));
  }
}

/** The fields of one of our channels that gossip acts on, as one comparable string. */
function gossipKey(ch: OurChannel): string {
  return JSON.stringify(ch, (_k, v: unknown) =>
    typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? bytesToHex(v) : v,
  );
}

function bytesEqualHex(a: Uint8Array, b: Uint8Array): boolean {
  return bytesToHex(a) === bytesToHex(b);
}

function addressScript(address: string, network: NodeConfig['network']): Uint8Array {
  // The wallet hands out addresses; turn one back into its scriptpubkey.
  const r = addressToScript(address, network);
  if (!r.ok) throw new Error(`the wallet returned an address we cannot parse: ${address}`);
  return r.script;
}
