// test/api/fake-node.ts: a fake `NodeFacade` over the in-memory FakeNetwork. It behaves like a node
// seen through the API: keysend to another fake node moves balances along channels and shows up on
// the recipient as a settled keysend invoice with its records (message, verified sender, boost),
// BOLT 11 invoices are real signed invoices, and every change fires the matching event.
import { p2wpkh, TEST_NETWORK } from '@scure/btc-signer';
import {
  type AttemptView,
  type ChannelFeePolicy,
  type ChannelView,
  type CloseChannelRequest,
  type CloseChannelResult,
  type CreatedInvoice,
  type CreateInvoiceRequest,
  type FeePolicyUpdate,
  type FeePolicyView,
  type GraphQuery,
  type InvoicePage,
  type InvoiceView,
  type KeysendAppView,
  type KeysendOptions,
  type ListInvoicesQuery,
  type ListPaymentsQuery,
  type NodeEvent,
  type NodeEventListener,
  type NodeFacade,
  NodeFacadeError,
  type NodeInfoView,
  type OpenChannelRequest,
  type OpenChannelResult,
  type PayInvoiceOptions,
  type PaymentHandle,
  type PaymentView,
  type PeerView,
  type RouteQuery,
  type SendOnChainRequest,
  type SendOnChainResult,
  type WalletBalance,
} from '../../src/api/node-facade.js';
import { bytesToHex, equalBytes, publicKeyCreate, randomBytes, sha256 } from '../../src/crypto/index.js';
import { buildInvoiceContents, decodeInvoice, encodeInvoice, InvoiceError } from '../../src/invoice/index.js';
import {
  chatMessage,
  decodePodcastRecord,
  FIRST_CUSTOM_RECORD_TYPE,
  KEYSEND_PREIMAGE_TYPE,
  PODCAST_RECORD_TYPE,
  signSenderRecords,
  verifySenderRecords,
  WHATSAT,
} from '../../src/onion/index.js';
import type { ChannelInfo, NodeInfo, Route } from '../../src/routing/index.js';
import {
  DEFAULT_FEE_POLICY,
  type FakeChannel,
  type FakeNetwork,
  keyFromName,
  type PathStep,
} from './fake-network.js';

export interface FakeNodeOptions {
  alias: string;
  acceptKeysend?: boolean;
  walletSat?: bigint;
  color?: string;
}

interface PaymentState {
  view: PaymentView;
  attempts: AttemptView[];
  result: Promise<PaymentView>;
  resolve: (p: PaymentView) => void;
  /** What an idempotency key must match. */
  fingerprint: string;
  deliver: (dest: FakeNode, hash: Uint8Array) => string | undefined;
  maxFeeMsat: bigint;
  maxCltv: number;
  deadlineMs: number;
  outgoingChannel?: bigint;
}

const MAX_ATTEMPTS = 6;
const utf8 = new TextEncoder();

/** What a fake node is asked to receive: a keysend with records, or a payment to one of its invoices. */
type Delivery =
  | { kind: 'keysend'; preimage: Uint8Array; records: Map<bigint, Uint8Array> }
  | { kind: 'bolt11' };

export class FakeNode implements NodeFacade {
  readonly alias: string;
  readonly privateKey: Uint8Array;
  readonly nodeId: Uint8Array;
  readonly address: string;
  acceptKeysend: boolean;
  readonly color: string;
  readonly features: number[];
  defaultPolicy: ChannelFeePolicy = { ...DEFAULT_FEE_POLICY };
  walletSat: bigint;
  /** The commitment format of each openChannel call, in order (undefined: the request named none). */
  readonly openedChannelTypes: (OpenChannelRequest['channelType'] | undefined)[] = [];
  private readonly peers = new Map<FakeNode, { inbound: boolean; connectedAt: number }>();
  private readonly listeners = new Set<NodeEventListener>();
  private readonly payments: PaymentState[] = [];
  private readonly invoices: InvoiceView[] = [];
  private addressCount = 0;
  private settleCount = 0;

  constructor(
    readonly network: FakeNetwork,
    options: FakeNodeOptions,
    index: number,
  ) {
    this.alias = options.alias;
    const k = keyFromName(options.alias);
    this.privateKey = k.privateKey;
    this.nodeId = k.nodeId;
    this.address = `127.0.0.1:${9735 + index}`;
    this.acceptKeysend = options.acceptKeysend ?? true;
    this.walletSat = options.walletSat ?? 1_000_000n;
    this.color = options.color ?? '#3399ff';
    // var_onion_optin, payment_secret, basic_mpp, and keysend (55) when accepted.
    this.features = [9, 15, 17, ...(this.acceptKeysend ? [55] : [])];
  }

  get nodeIdHex(): string {
    return bytesToHex(this.nodeId);
  }

  // ---- events ----

  subscribe(listener: NodeEventListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Emits a snapshot of `event` after the current call, as a real node's loop would. */
  emit(event: NodeEvent): void {
    const snapshot = structuredClone(event);
    queueMicrotask(() => {
      for (const l of [...this.listeners]) l(snapshot);
    });
  }

  // ---- node and peers ----

  async getInfo(): Promise<NodeInfoView> {
    const channels = this.network.channelsOf(this);
    return {
      nodeId: this.nodeId,
      alias: this.alias,
      color: this.color,
      network: 'regtest',
      addresses: [this.address],
      version: 'ksnode-fake',
      blockHeight: this.network.blockHeight,
      syncedToChain: true,
      syncedToGraph: true,
      features: this.features,
      acceptKeysend: this.acceptKeysend,
      numPeers: this.peers.size,
      numActiveChannels: channels.filter((c) => c.status === 'open').length,
      numPendingChannels: channels.filter((c) => c.status === 'pending_open').length,
      graphNodeCount: this.network.nodes.length,
      graphChannelCount: this.network.channels.filter((c) => c.status === 'open' && !c.private).length,
    };
  }

  isConnected(other: FakeNode): boolean {
    return this.peers.has(other);
  }

  /** Connects both ways without events (test setup). */
  linkPeer(other: FakeNode): void {
    const now = Date.now();
    if (!this.peers.has(other)) this.peers.set(other, { inbound: false, connectedAt: now });
    if (!other.peers.has(this)) other.peers.set(this, { inbound: true, connectedAt: now });
  }

  private peerView(other: FakeNode): PeerView {
    const p = this.peers.get(other);
    return {
      nodeId: other.nodeId,
      alias: other.alias,
      address: other.address,
      inbound: p?.inbound ?? false,
      connected: p !== undefined,
      features: other.features,
      connectedAt: p?.connectedAt ?? null,
    };
  }

  async listPeers(): Promise<PeerView[]> {
    return [...this.peers.keys()].map((p) => this.peerView(p));
  }

  async connectPeer(nodeId: Uint8Array, address: string): Promise<PeerView> {
    const other = this.network.byId(nodeId);
    if (other === undefined || other.address !== address || other === this) {
      throw new NodeFacadeError(
        'peer_unreachable',
        `could not connect to ${bytesToHex(nodeId)}@${address}: connection refused`,
      );
    }
    if (!this.peers.has(other)) {
      this.linkPeer(other);
      this.emit({ type: 'peer_changed', change: 'connected', peer: this.peerView(other) });
      other.emit({ type: 'peer_changed', change: 'connected', peer: other.peerView(this) });
    }
    return this.peerView(other);
  }

  async disconnectPeer(nodeId: Uint8Array): Promise<void> {
    const other = this.network.byId(nodeId);
    if (other === undefined || !this.peers.has(other)) {
      throw new NodeFacadeError('not_found', `not connected to ${bytesToHex(nodeId)}`);
    }
    this.peers.delete(other);
    other.peers.delete(this);
    this.emit({ type: 'peer_changed', change: 'disconnected', peer: this.peerView(other) });
    other.emit({ type: 'peer_changed', change: 'disconnected', peer: other.peerView(this) });
  }

  // ---- channels ----

  channelView(c: FakeChannel): ChannelView {
    const other = this.network.other(c, this);
    const local = this.network.balanceOf(c, this);
    const remote = this.network.balanceOf(c, other);
    const reserve = c.capacitySat * 10n; // 1% of the capacity, in msat
    return {
      channelId: c.channelId,
      shortChannelId: c.status === 'pending_open' ? null : c.shortChannelId,
      peerNodeId: other.nodeId,
      peerAlias: other.alias,
      status: c.status,
      state: { pending_open: 'awaiting_funding', open: 'normal', closing: 'shutdown', closed: 'closed' }[
        c.status
      ],
      active: c.status === 'open' && this.peers.has(other),
      private: c.private,
      initiator: c.opener === this ? 'local' : 'remote',
      capacitySat: c.capacitySat,
      localBalanceMsat: local,
      remoteBalanceMsat: remote,
      spendableMsat: local > reserve ? local - reserve : 0n,
      receivableMsat: remote > reserve ? remote - reserve : 0n,
      fundingTxid: c.fundingTxid,
      fundingOutputIndex: 0,
      confirmations: c.confirmations,
      requiredConfirmations: this.network.requiredConfirmations,
      closingTxid: c.closingTxid,
      pendingHtlcs: 0,
      channelType: c.channelType,
    };
  }

  /** Tells both ends that a channel changed. */
  channelChanged(c: FakeChannel): void {
    this.network
      .other(c, this)
      .emit({ type: 'channel_changed', channel: this.network.other(c, this).channelView(c) });
    this.emit({ type: 'channel_changed', channel: this.channelView(c) });
  }

  async listChannels(): Promise<ChannelView[]> {
    return this.network.channelsOf(this).map((c) => this.channelView(c));
  }

  async openChannel(req: OpenChannelRequest): Promise<OpenChannelResult> {
    this.openedChannelTypes.push(req.channelType);
    const other = this.network.byId(req.nodeId);
    if (other === undefined || !this.peers.has(other)) {
      throw new NodeFacadeError(
        'peer_not_connected',
        'connect to the peer first (ksnode connect <id>@<host:port>)',
      );
    }
    if (req.amountSat < 20_000n)
      throw new NodeFacadeError('invalid_request', 'amountSat: at least 20000 sat');
    const pushMsat = req.pushMsat ?? 0n;
    if (pushMsat > req.amountSat * 1000n)
      throw new NodeFacadeError('invalid_request', 'pushMsat exceeds the channel');
    const fee = 300n;
    if (this.walletSat < req.amountSat + fee) {
      throw new NodeFacadeError(
        'insufficient_funds',
        `the wallet has ${this.walletSat} sat; the channel needs ${req.amountSat} sat plus about ${fee} sat of fees`,
      );
    }
    this.walletSat -= req.amountSat + fee;
    const c = this.network.newChannel(
      this,
      other,
      req.amountSat,
      pushMsat,
      req.private ?? false,
      req.channelType ?? 'static_remotekey',
    );
    this.channelChanged(c);
    const confirm = () => {
      if (c.status !== 'pending_open') return;
      c.confirmations += 1;
      if (c.confirmations >= this.network.requiredConfirmations) c.status = 'open';
      this.channelChanged(c);
      if (c.status === 'pending_open') this.network.later(this.network.confirmMs, confirm);
    };
    this.network.later(this.network.confirmMs, confirm);
    return { channelId: c.channelId, fundingTxid: c.fundingTxid, fundingOutputIndex: 0 };
  }

  async closeChannel(req: CloseChannelRequest): Promise<CloseChannelResult> {
    const c = this.network.channelsOf(this).find((x) => equalBytes(x.channelId, req.channelId));
    if (c === undefined) throw new NodeFacadeError('not_found', 'no channel with this id');
    if (c.status === 'closing' || c.status === 'closed') {
      throw new NodeFacadeError('channel_state', `the channel is already ${c.status}`);
    }
    c.status = 'closing';
    c.closingTxid = randomBytes(32);
    this.channelChanged(c);
    this.network.later(this.network.confirmMs, () => {
      c.status = 'closed';
      c.opener.walletSat += c.openerMsat / 1000n;
      c.acceptor.walletSat += c.acceptorMsat / 1000n;
      this.channelChanged(c);
    });
    return { closingTxid: req.force === true ? c.closingTxid : null };
  }

  // ---- on-chain ----

  async newAddress(): Promise<string> {
    const key = publicKeyCreate(sha256(this.privateKey, utf8.encode(`address ${this.addressCount++}`)));
    return p2wpkh(key, { ...TEST_NETWORK, bech32: 'bcrt' }).address!;
  }

  async walletBalance(): Promise<WalletBalance> {
    return { confirmedSat: this.walletSat, unconfirmedSat: 0n, lockedSat: 0n };
  }

  async sendOnChain(req: SendOnChainRequest): Promise<SendOnChainResult> {
    if (!req.address.startsWith('bcrt1')) {
      throw new NodeFacadeError('invalid_request', 'address: not a regtest address (bcrt1...)');
    }
    const feeSat = 150n;
    const amountSat = req.sendAll === true ? this.walletSat - feeSat : (req.amountSat ?? 0n);
    if (amountSat <= 0n || amountSat + feeSat > this.walletSat) {
      throw new NodeFacadeError('insufficient_funds', `the wallet has ${this.walletSat} sat`);
    }
    this.walletSat -= amountSat + feeSat;
    return { txid: randomBytes(32), amountSat, feeSat };
  }

  // ---- payments ----

  async keysend(
    destination: Uint8Array,
    amountMsat: bigint,
    options: KeysendOptions,
  ): Promise<PaymentHandle> {
    const dest = this.network.byId(destination);
    for (const type of options.records?.keys() ?? []) {
      if (type < FIRST_CUSTOM_RECORD_TYPE || type === KEYSEND_PREIMAGE_TYPE) {
        throw new NodeFacadeError(
          'invalid_custom_record',
          `custom record type ${type} is below 65536 or the keysend preimage: use a type >= 65536`,
        );
      }
    }
    if (dest !== undefined && !dest.acceptKeysend && options.allowWithoutFeature !== true) {
      throw new NodeFacadeError(
        'keysend_not_supported',
        'the destination does not advertise keysend (feature 55); pass allowWithoutFeature to try anyway',
      );
    }
    const fingerprint = `keysend ${bytesToHex(destination)} ${amountMsat}`;
    const existing = this.byIdempotencyKey(options.idempotencyKey, fingerprint);
    if (existing !== undefined) return existing;

    const records = new Map<bigint, Uint8Array>(options.records ?? []);
    if (options.message !== undefined) {
      if (options.signSender === true) {
        for (const r of signSenderRecords({
          message: options.message,
          recipientNodeId: destination,
          timestampNs: BigInt(Date.now()) * 1_000_000n,
          senderPrivateKey: this.privateKey,
        })) {
          records.set(r.type, r.value);
        }
      } else {
        records.set(WHATSAT.message, utf8.encode(options.message));
      }
    }
    if (options.boost !== undefined)
      records.set(PODCAST_RECORD_TYPE, utf8.encode(JSON.stringify(options.boost)));
    const preimage = randomBytes(32);
    const paymentHash = sha256(preimage);
    return this.startPayment({
      kind: 'keysend',
      destination,
      amountMsat,
      paymentHash,
      records,
      bolt11: null,
      fingerprint,
      options,
      ...(options.message !== undefined ? { message: options.message } : {}),
      deliver: (to, hash) => to.receive({ kind: 'keysend', preimage, records }, hash, amountMsat),
    });
  }

  async payInvoice(bolt11: string, options: PayInvoiceOptions): Promise<PaymentHandle> {
    let inv: ReturnType<typeof decodeInvoice>;
    try {
      inv = decodeInvoice(bolt11);
    } catch (e) {
      if (e instanceof InvoiceError)
        throw new NodeFacadeError('invalid_invoice', `invalid invoice: ${e.message}`);
      throw e;
    }
    if (inv.network !== 'regtest')
      throw new NodeFacadeError('wrong_network', `the invoice is for ${inv.network}, not regtest`);
    const amountMsat = inv.amountMsat ?? options.amountMsat;
    if (amountMsat === undefined)
      throw new NodeFacadeError('amount_required', 'the invoice has no amount: give amountMsat');
    const fingerprint = `bolt11 ${bolt11}`;
    const existing = this.byIdempotencyKey(options.idempotencyKey, fingerprint);
    if (existing !== undefined) return existing;
    const paid = this.payments.find((p) => equalBytes(p.view.paymentHash, inv.paymentHash));
    if (paid?.view.status === 'succeeded')
      throw new NodeFacadeError('already_paid', 'this invoice was paid already');
    if (paid?.view.status === 'in_flight')
      throw new NodeFacadeError('payment_in_flight', 'a payment for it is in flight');
    return this.startPayment({
      kind: 'bolt11',
      destination: inv.payeeNodeId,
      amountMsat,
      paymentHash: inv.paymentHash,
      records: new Map(),
      bolt11,
      fingerprint,
      options,
      deliver: (to, hash) => to.receive({ kind: 'bolt11' }, hash, amountMsat),
    });
  }

  private byIdempotencyKey(key: string | undefined, fingerprint: string): PaymentHandle | undefined {
    if (key === undefined) return undefined;
    const p = this.payments.find((x) => x.view.idempotencyKey === key);
    if (p === undefined) return undefined;
    if (p.fingerprint !== fingerprint) {
      throw new NodeFacadeError(
        'idempotency_key_reused',
        'this idempotency key belongs to a payment with other parameters',
      );
    }
    const view = this.paymentView(p);
    return { payment: async () => view, result: p.result };
  }

  private startPayment(args: {
    kind: 'keysend' | 'bolt11';
    destination: Uint8Array;
    amountMsat: bigint;
    paymentHash: Uint8Array;
    records: Map<bigint, Uint8Array>;
    bolt11: string | null;
    fingerprint: string;
    message?: string;
    options: KeysendOptions | PayInvoiceOptions;
    deliver: (dest: FakeNode, hash: Uint8Array) => string | undefined;
  }): PaymentHandle {
    const now = Date.now();
    const o = args.options;
    let resolve!: (p: PaymentView) => void;
    const result = new Promise<PaymentView>((r) => {
      resolve = r;
    });
    const dest = this.network.byId(args.destination);
    const feeLimits = [
      o.maxFeeMsat,
      o.maxFeePpm === undefined ? undefined : (args.amountMsat * BigInt(o.maxFeePpm)) / 1_000_000n,
    ];
    const st: PaymentState = {
      view: {
        id: this.payments.length + 1,
        kind: args.kind,
        paymentHash: args.paymentHash,
        preimage: null,
        destination: args.destination,
        ...(dest !== undefined ? { destinationAlias: dest.alias } : {}),
        amountMsat: args.amountMsat,
        feeMsat: 0n,
        status: 'in_flight',
        failureReason: null,
        idempotencyKey: o.idempotencyKey ?? null,
        bolt11: args.bolt11,
        ...(args.message !== undefined ? { message: args.message } : {}),
        customRecords: args.records,
        createdAt: now,
        updatedAt: now,
      },
      attempts: [],
      result,
      resolve,
      fingerprint: args.fingerprint,
      deliver: args.deliver,
      maxFeeMsat: feeLimits.reduce<bigint>((m, x) => (x !== undefined && x < m ? x : m), 1n << 62n),
      maxCltv: o.maxCltv ?? 2016,
      deadlineMs: now + (o.timeoutSeconds ?? 60) * 1000,
      ...(o.outgoingChannel !== undefined ? { outgoingChannel: o.outgoingChannel } : {}),
    };
    this.payments.push(st);
    this.emitPayment(st);
    this.network.later(0, () => this.attempt(st, 1, new Set()));
    const view = this.paymentView(st);
    return { payment: async () => view, result };
  }

  private paymentView(st: PaymentState): PaymentView {
    return { ...st.view, attempts: st.attempts.map((a) => ({ ...a })) };
  }

  private emitPayment(st: PaymentState): void {
    st.view.updatedAt = Date.now();
    this.emit({ type: 'payment_updated', payment: this.paymentView(st) });
  }

  private finish(
    st: PaymentState,
    outcome: { preimage: Uint8Array; feeMsat: bigint } | { reason: string },
  ): void {
    if ('reason' in outcome) {
      st.view.status = 'failed';
      st.view.failureReason = outcome.reason;
    } else {
      st.view.status = 'succeeded';
      st.view.preimage = outcome.preimage;
      st.view.feeMsat = outcome.feeMsat;
    }
    this.emitPayment(st);
    st.resolve(this.paymentView(st));
  }

  private attempt(st: PaymentState, n: number, excluded: Set<FakeChannel>): void {
    const failure = this.startAttempt(st, n, excluded);
    if (failure !== undefined) this.finish(st, { reason: failure });
  }

  /** Starts attempt `n`, or says why the payment cannot go on. */
  private startAttempt(st: PaymentState, n: number, excluded: Set<FakeChannel>): string | undefined {
    const dest = this.network.byId(st.view.destination);
    if (dest === undefined) return 'no route: the destination is not in the graph';
    if (Date.now() > st.deadlineMs) return `timed out after ${n - 1} attempts`;
    if (n > MAX_ATTEMPTS) return `gave up after ${MAX_ATTEMPTS} attempts`;
    const path = this.network.findPath(this, dest, excluded, st.outgoingChannel);
    if (path === undefined) {
      return n === 1 ? 'no route to the destination' : `no route left after ${n - 1} failed attempts`;
    }
    const route = this.network.routeOf(this, path, st.view.amountMsat);
    if (route.totalFeeMsat > st.maxFeeMsat) {
      return `no route within the fee limit: the best costs ${route.totalFeeMsat} msat, the limit is ${st.maxFeeMsat} msat`;
    }
    if (route.totalCltvDelta > st.maxCltv) return `no route within the CLTV limit of ${st.maxCltv} blocks`;
    const now = Date.now();
    const attempt: AttemptView = {
      attemptNumber: n,
      status: 'in_flight',
      route,
      failingHop: null,
      failureCode: null,
      createdAt: now,
      updatedAt: now,
    };
    st.attempts.push(attempt);
    this.emitPayment(st);
    this.network.later(this.network.attemptMs, () =>
      this.resolveAttempt(st, attempt, path, route, dest, excluded),
    );
    return undefined;
  }

  private failAttempt(a: AttemptView, hop: number, code: number, name: string, reason: string): void {
    a.status = 'failed';
    a.failingHop = hop;
    a.failureCode = code;
    a.failureName = name;
    a.failureReason = reason;
    a.updatedAt = Date.now();
  }

  private resolveAttempt(
    st: PaymentState,
    a: AttemptView,
    path: PathStep[],
    route: Route,
    dest: FakeNode,
    excluded: Set<FakeChannel>,
  ): void {
    const net = this.network;
    const retry = () => {
      this.emitPayment(st);
      this.attempt(st, a.attemptNumber + 1, excluded);
    };
    if (net.failNextAttempts > 0) {
      net.failNextAttempts -= 1;
      this.failAttempt(a, 1, 0x1007, 'temporary_channel_failure', `${path[0]!.to.alias} could not forward`);
      retry();
      return;
    }
    const carried = net.carried(route);
    const short = path.findIndex(
      (step, i) => net.balanceOf(step.channel, i === 0 ? this : path[i - 1]!.to) < carried[i]!,
    );
    if (short >= 0) {
      excluded.add(path[short]!.channel);
      this.failAttempt(
        a,
        short,
        0x1007,
        'temporary_channel_failure',
        'not enough balance on a channel of the route',
      );
      retry();
      return;
    }
    const refused = st.deliver(dest, st.view.paymentHash);
    if (refused !== undefined) {
      this.failAttempt(a, path.length, 0x400f, 'incorrect_or_unknown_payment_details', refused);
      this.finish(st, { reason: `the recipient refused the payment: ${refused}` });
      return;
    }
    // Settled: balances move hop by hop, forwarders earn their fees.
    path.forEach((step, i) => {
      const sender = i === 0 ? this : path[i - 1]!.to;
      net.move(step.channel, sender, carried[i]!);
      if (i > 0) {
        const now = Date.now();
        sender.emit({
          type: 'htlc_forwarded',
          forward: {
            paymentHash: st.view.paymentHash,
            incomingChannelId: path[i - 1]!.channel.channelId,
            outgoingChannelId: step.channel.channelId,
            incomingAmountMsat: carried[i - 1]!,
            outgoingAmountMsat: carried[i]!,
            feeMsat: carried[i - 1]! - carried[i]!,
            status: 'settled',
            failureReason: null,
            createdAt: now,
            resolvedAt: now,
          },
        });
      }
    });
    for (const step of path) this.channelChanged(step.channel);
    a.status = 'succeeded';
    a.updatedAt = Date.now();
    const invoice = dest.invoices.find((i) => equalBytes(i.paymentHash, st.view.paymentHash));
    this.finish(st, { preimage: invoice?.preimage ?? new Uint8Array(32), feeMsat: route.totalFeeMsat });
  }

  /** The recipient's side: returns why it refuses, or settles (and stores) the invoice. */
  private receive(d: Delivery, paymentHash: Uint8Array, amountMsat: bigint): string | undefined {
    const now = Date.now();
    if (d.kind === 'keysend') {
      if (!this.acceptKeysend) return 'incorrect_or_unknown_payment_details (keysend is disabled)';
      const app = decodeApp(d.records, this.nodeId);
      const invoice: InvoiceView = {
        paymentHash,
        preimage: d.preimage,
        amountMsat: null,
        amountReceivedMsat: amountMsat,
        state: 'settled',
        keysend: true,
        bolt11: null,
        memo: app?.message ?? app?.boost?.message ?? '',
        createdAt: now,
        settledAt: now,
        expiresAt: null,
        addIndex: this.invoices.length + 1,
        settleIndex: ++this.settleCount,
        customRecords: d.records,
        hold: false,
        ...(app !== undefined ? { app } : {}),
      };
      this.invoices.push(invoice);
      this.emit({ type: 'invoice_settled', invoice });
      return undefined;
    }
    const invoice = this.invoices.find((i) => equalBytes(i.paymentHash, paymentHash));
    if (invoice === undefined || invoice.state !== 'open') return 'incorrect_or_unknown_payment_details';
    if (invoice.amountMsat !== null && amountMsat < invoice.amountMsat)
      return 'incorrect_or_unknown_payment_details';
    invoice.state = 'settled';
    invoice.amountReceivedMsat = amountMsat;
    invoice.settledAt = now;
    invoice.settleIndex = ++this.settleCount;
    this.emit({ type: 'invoice_settled', invoice });
    return undefined;
  }

  async listPayments(q: ListPaymentsQuery): Promise<PaymentView[]> {
    let list = this.payments.map((p) => ({ ...p.view }));
    if (q.status !== undefined) list = list.filter((p) => p.status === q.status);
    if (q.reversed === true) {
      list.reverse();
      if (q.afterId !== undefined && q.afterId > 0) list = list.filter((p) => p.id < q.afterId!);
    } else if (q.afterId !== undefined) {
      list = list.filter((p) => p.id > q.afterId!);
    }
    return list.slice(0, q.limit ?? 100);
  }

  async lookupPayment(paymentHash: Uint8Array): Promise<PaymentView | undefined> {
    const p = this.payments.find((x) => equalBytes(x.view.paymentHash, paymentHash));
    return p === undefined ? undefined : this.paymentView(p);
  }

  // ---- invoices ----

  async createInvoice(req: CreateInvoiceRequest): Promise<CreatedInvoice> {
    const preimage = randomBytes(32);
    const paymentHash = sha256(preimage);
    const now = Date.now();
    const expirySeconds = req.expirySeconds ?? 3600;
    const bolt11 = encodeInvoice(
      buildInvoiceContents({
        network: 'regtest',
        ...(req.amountMsat !== undefined ? { amountMsat: req.amountMsat } : {}),
        timestamp: Math.floor(now / 1000),
        paymentHash,
        paymentSecret: randomBytes(32),
        ...(req.descriptionHash !== undefined
          ? { descriptionHash: req.descriptionHash }
          : { description: req.description ?? '' }),
        expirySeconds,
        minFinalCltvExpiryDelta: 40,
        features: [8, 14],
      }),
      this.privateKey,
    );
    const invoice: InvoiceView = {
      paymentHash,
      preimage,
      amountMsat: req.amountMsat ?? null,
      amountReceivedMsat: 0n,
      state: 'open',
      keysend: false,
      bolt11,
      memo: req.description ?? '',
      createdAt: now,
      settledAt: null,
      expiresAt: now + expirySeconds * 1000,
      addIndex: this.invoices.length + 1,
      settleIndex: null,
      customRecords: new Map(),
      hold: false,
    };
    this.invoices.push(invoice);
    return { bolt11, paymentHash, invoice: structuredClone(invoice) };
  }

  async listInvoices(q: ListInvoicesQuery): Promise<InvoicePage> {
    let list = [...this.invoices];
    if (q.keysendOnly === true) list = list.filter((i) => i.keysend);
    if (q.state !== undefined) list = list.filter((i) => i.state === q.state);
    const offset = q.offset ?? 0;
    if (q.reversed === true) {
      list.reverse();
      if (offset > 0) list = list.filter((i) => i.addIndex < offset);
    } else {
      list = list.filter((i) => i.addIndex > offset);
    }
    const page = list.slice(0, q.limit ?? 100);
    const last = page[page.length - 1];
    return { invoices: structuredClone(page), nextOffset: last?.addIndex };
  }

  async lookupInvoice(paymentHash: Uint8Array): Promise<InvoiceView | undefined> {
    const i = this.invoices.find((x) => equalBytes(x.paymentHash, paymentHash));
    return i === undefined ? undefined : structuredClone(i);
  }

  // ---- graph and routing ----

  async queryRoute(q: RouteQuery): Promise<Route> {
    const dest = this.network.byId(q.destination);
    const path =
      dest === undefined ? undefined : this.network.findPath(this, dest, new Set(), q.outgoingChannel);
    if (path === undefined) throw new NodeFacadeError('no_route', 'no route to the destination');
    const route = this.network.routeOf(this, path, q.amountMsat);
    if (q.maxFeeMsat !== undefined && route.totalFeeMsat > q.maxFeeMsat) {
      throw new NodeFacadeError(
        'no_route',
        `no route within the fee limit (best: ${route.totalFeeMsat} msat)`,
      );
    }
    return route;
  }

  private graphScope(q: GraphQuery): Set<FakeNode> {
    if (q.search !== undefined) {
      const s = q.search.toLowerCase();
      return new Set(
        this.network.nodes.filter((n) => n.alias.toLowerCase().includes(s) || n.nodeIdHex.startsWith(s)),
      );
    }
    const center = q.around === undefined ? this : this.network.byId(q.around);
    if (center === undefined) throw new NodeFacadeError('not_found', 'the node is not in the graph');
    return this.network.neighbourhood(center, q.depth ?? 2);
  }

  async graphNodes(q: GraphQuery): Promise<NodeInfo[]> {
    return [...this.graphScope(q)].slice(0, q.limit ?? 500).map((n) => this.network.nodeInfo(n));
  }

  async graphChannels(q: GraphQuery): Promise<ChannelInfo[]> {
    return this.network
      .channelsAmong(this.graphScope(q))
      .slice(0, q.limit ?? 500)
      .map((c) => this.network.channelInfo(c));
  }

  // ---- fees ----

  async getFeePolicy(): Promise<FeePolicyView> {
    return {
      defaults: { ...this.defaultPolicy },
      channels: this.network
        .channelsOf(this)
        .filter((c) => c.status !== 'closed')
        .map((c) => ({
          channelId: c.channelId,
          shortChannelId: c.status === 'pending_open' ? null : c.shortChannelId,
          policy: { ...this.network.policyOf(c, this) },
        })),
    };
  }

  async setFeePolicy(u: FeePolicyUpdate): Promise<FeePolicyView> {
    const apply = (p: ChannelFeePolicy) => {
      if (u.feeBaseMsat !== undefined) p.feeBaseMsat = u.feeBaseMsat;
      if (u.feeProportionalMillionths !== undefined)
        p.feeProportionalMillionths = u.feeProportionalMillionths;
      if (u.cltvExpiryDelta !== undefined) p.cltvExpiryDelta = u.cltvExpiryDelta;
    };
    const mine = this.network.channelsOf(this);
    if (u.channelId !== undefined) {
      const c = mine.find((x) => equalBytes(x.channelId, u.channelId!));
      if (c === undefined) throw new NodeFacadeError('not_found', 'no channel with this id');
      apply(this.network.policyOf(c, this));
    } else {
      apply(this.defaultPolicy);
      for (const c of mine) apply(this.network.policyOf(c, this));
    }
    return this.getFeePolicy();
  }
}

/** What a keysend's records say, decoded as a real node's registry would. */
function decodeApp(
  records: ReadonlyMap<bigint, Uint8Array>,
  recipient: Uint8Array,
): KeysendAppView | undefined {
  const message = chatMessage(records);
  const sender = records.get(WHATSAT.senderNodeId);
  const podcast = records.get(PODCAST_RECORD_TYPE);
  const boost = podcast === undefined ? undefined : decodePodcastRecord(podcast);
  if (message === undefined && sender === undefined && boost?.ok !== true) return undefined;
  const v = verifySenderRecords(records, recipient);
  return {
    ...(message !== undefined ? { message } : {}),
    ...(sender !== undefined ? { senderNodeId: sender } : {}),
    senderVerified: v.kind === 'verified',
    ...(v.kind === 'invalid' ? { senderUnverifiedReason: v.reason } : {}),
    ...(v.kind === 'verified' ? { timestampNs: v.timestampNs } : {}),
    ...(boost?.ok === true ? { boost: boost.value } : {}),
  };
}
