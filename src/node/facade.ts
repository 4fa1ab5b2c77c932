// src/node/facade.ts: the running node as the HTTP API sees it (src/api's NodeFacade). Each method
// calls the part of the node that does the work and turns the answer into the API's views; expected
// failures become NodeFacadeErrors with the API's codes.
import {
  type AttemptView,
  type ChannelFeePolicy,
  type ChannelStatus,
  type ChannelView,
  type CloseChannelRequest,
  type CloseChannelResult,
  type CreatedInvoice,
  type CreateInvoiceRequest,
  type FeePolicyUpdate,
  type FeePolicyView,
  type ForwardView,
  type GraphQuery,
  type InvoicePage,
  type InvoiceView,
  type KeysendOptions,
  type ListInvoicesQuery,
  type ListPaymentsQuery,
  type NodeErrorCode,
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
} from '../api/index.js';
import { type ChannelSnapshot, DriverError } from '../channel/index.js';
import { bytesToHex, isPublicKey } from '../crypto/index.js';
import { RegistryError, type RegistryInvoice } from '../invoices/index.js';
import { WHATSAT } from '../onion/index.js';
import { type PaymentView as LoopPaymentView, PaymentError, type PaymentStart } from '../payments/index.js';
import { OUR_INIT_FEATURES, type PeerInfo } from '../peer/index.js';
import { type ChannelInfo, findRoute, type NodeInfo, type Route } from '../routing/index.js';
import type { PaymentRecord } from '../store/index.js';
import { htlcLimitsOf, routingScidOf } from './links.js';
import type { Node } from './node.js';

const VERSION = '0.1.0';

const dec = new TextDecoder();

const PASS_THROUGH = new Set<string>([
  'invalid_request',
  'invalid_custom_record',
  'records_too_large',
  'keysend_not_supported',
  'no_signing_key',
  'idempotency_key_reused',
  'invalid_invoice',
  'wrong_network',
  'invoice_expired',
  'amount_required',
  'unsupported_invoice_features',
  'already_paid',
  'payment_in_flight',
]);

/** Expected failures of the parts, in the API's words; anything else is rethrown (a bug). */
function translate(e: unknown): never {
  if (e instanceof NodeFacadeError) throw e;
  if (e instanceof PaymentError) {
    const code = PASS_THROUGH.has(e.code) ? (e.code as NodeErrorCode) : 'invalid_request';
    throw new NodeFacadeError(code, e.message);
  }
  if (e instanceof RegistryError) {
    const code: NodeErrorCode =
      e.code === 'not_found' ? 'not_found' : e.code === 'invalid_state' ? 'channel_state' : 'invalid_request';
    throw new NodeFacadeError(code, e.message);
  }
  if (e instanceof DriverError) {
    const map: Record<string, NodeErrorCode> = {
      peer_not_connected: 'peer_not_connected',
      not_found: 'not_found',
      invalid_request: 'invalid_request',
      insufficient_funds: 'insufficient_funds',
      open_failed: 'channel_state',
      channel_state: 'channel_state',
      stopped: 'unavailable',
    };
    throw new NodeFacadeError(map[e.code] ?? 'invalid_request', e.message);
  }
  throw e;
}

function parseHostPort(address: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):(\d{1,5})$/.exec(address);
  const port = m === null ? Number.NaN : Number(m[2]);
  if (m === null || port < 1 || port > 65535)
    throw new NodeFacadeError(
      'invalid_request',
      `address: expected host:port, got ${JSON.stringify(address)}`,
    );
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  return { host, port };
}

function statusOf(s: ChannelSnapshot, sweeping = false): ChannelStatus {
  switch (s.state.phase) {
    case 'normal':
      return 'open';
    case 'shutdown':
    case 'negotiating':
    case 'closing':
    case 'forceClosing':
    case 'dataLoss':
      return 'closing';
    case 'remoteClosed':
      // The peer's commitment is on chain: closed once what is ours in it is swept.
      return sweeping ? 'closing' : 'closed';
    case 'closed':
    case 'aborted':
      return 'closed';
    default:
      return 'pending_open';
  }
}

function invoiceView(inv: RegistryInvoice): InvoiceView {
  const { app, ...rest } = inv;
  const view: InvoiceView = { ...rest };
  if (app !== undefined) view.app = { ...app };
  return view;
}

/** The NodeFacade of a running Node. */
export class NodeFacadeImpl implements NodeFacade {
  private readonly listeners = new Set<NodeEventListener>();
  private wired = false;

  constructor(private readonly node: Node) {}

  // ---------------------------------------------------------------- node and peers

  async getInfo(): Promise<NodeInfoView> {
    const n = this.node;
    const channels = n.driver.channels();
    const addresses = n.config.announceAddresses.map((a) => `${a.host}:${a.port}`);
    if (n.listenAddress !== undefined) addresses.push(`${n.listenAddress.host}:${n.listenAddress.port}`);
    return {
      nodeId: n.nodeId,
      alias: n.alias(),
      color: n.config.color,
      network: n.config.network,
      addresses,
      version: VERSION,
      blockHeight: n.chain.tip?.height ?? 0,
      syncedToChain: n.chain.tip !== undefined,
      syncedToGraph: true,
      features: OUR_INIT_FEATURES.toBits(),
      acceptKeysend: n.registry.policy.acceptKeysend,
      numPeers: n.peers.peers().filter((p) => p.state === 'active').length,
      numActiveChannels: channels.filter((c) => c.usable).length,
      numPendingChannels: channels.filter((c) => statusOf(c) === 'pending_open').length,
      graphNodeCount: n.graph.nodeCount,
      graphChannelCount: n.graph.channelCount,
    };
  }

  async listPeers(): Promise<PeerView[]> {
    return this.node.peers.peers().map((p) => this.peerView(p));
  }

  async connectPeer(nodeId: Uint8Array, address: string): Promise<PeerView> {
    const { host, port } = parseHostPort(address);
    if (nodeId.length !== 33 || !isPublicKey(nodeId))
      throw new NodeFacadeError('invalid_request', 'nodeId: expected a 33-byte compressed public key');
    try {
      await this.node.connectPeer(nodeId, host, port);
    } catch (e) {
      throw new NodeFacadeError('peer_unreachable', (e as Error).message);
    }
    const info = this.node.peers.peer(nodeId);
    if (info === undefined) throw new NodeFacadeError('peer_unreachable', 'the peer disconnected at once');
    return this.peerView(info);
  }

  async disconnectPeer(nodeId: Uint8Array): Promise<void> {
    if (!this.node.peers.disconnect(nodeId))
      throw new NodeFacadeError('not_found', 'no connection to that peer');
  }

  private peerView(p: PeerInfo): PeerView {
    const alias = this.node.graph.getNode(p.nodeId)?.alias;
    return {
      nodeId: p.nodeId,
      ...(alias !== undefined ? { alias } : {}),
      address: `${p.host}:${p.port}`,
      inbound: p.direction === 'inbound',
      connected: p.state === 'active',
      features: p.features?.toBits() ?? [],
      connectedAt: p.connectedAt,
    };
  }

  // ---------------------------------------------------------------- channels

  async openChannel(req: OpenChannelRequest): Promise<OpenChannelResult> {
    try {
      return await this.node.driver.openChannel(req.nodeId, req.amountSat, {
        ...(req.pushMsat !== undefined ? { pushMsat: req.pushMsat } : {}),
        announce: req.private !== true && this.node.config.channels.announce,
        ...(req.feeRateSatPerVbyte !== undefined
          ? { fundingFeeRateSatPerKw: BigInt(Math.ceil(req.feeRateSatPerVbyte * 250)) }
          : {}),
        format: req.channelType ?? this.node.config.channels.channelType,
      });
    } catch (e) {
      translate(e);
    }
  }

  async listChannels(): Promise<ChannelView[]> {
    return this.node.driver
      .channels()
      .filter((s) => !s.temporary)
      .map((s) => this.channelView(s));
  }

  async closeChannel(req: CloseChannelRequest): Promise<CloseChannelResult> {
    try {
      const r = await this.node.driver.closeChannel(req.channelId, {
        ...(req.force === true ? { force: true } : {}),
        ...(req.feeRateSatPerVbyte !== undefined
          ? { feeratePerKw: Math.ceil(req.feeRateSatPerVbyte * 250) }
          : {}),
      });
      return { closingTxid: r.closingTxid ?? null };
    } catch (e) {
      translate(e);
    }
  }

  channelView(s: ChannelSnapshot): ChannelView {
    const st = s.state;
    const spec = st.localCommit?.spec;
    const funder = st.fundingSat * 1000n - st.pushMsat;
    const local = spec?.toLocalMsat ?? (st.isFunder ? funder : st.pushMsat);
    const remote = spec?.toRemoteMsat ?? (st.isFunder ? st.pushMsat : funder);
    const alias = this.node.graph.getNode(s.peerNodeId)?.alias;
    const htlcIds = new Set<string>();
    for (const c of [st.localCommit?.spec, st.remoteCommit?.spec])
      for (const h of c?.htlcs ?? []) htlcIds.add(`${h.origin}/${h.id}`);
    return {
      channelId: s.channelId,
      shortChannelId: st.shortChannelId ?? null,
      peerNodeId: s.peerNodeId,
      ...(alias !== undefined ? { peerAlias: alias } : {}),
      status: statusOf(s, this.sweeping(s)),
      state: st.phase,
      active: s.usable,
      private: !st.announce,
      initiator: st.isFunder ? 'local' : 'remote',
      capacitySat: st.fundingSat,
      localBalanceMsat: local,
      remoteBalanceMsat: remote,
      spendableMsat: s.spendableMsat,
      receivableMsat: s.receivableMsat,
      fundingTxid: st.fundingOutpoint?.txid ?? new Uint8Array(32),
      fundingOutputIndex: st.fundingOutpoint?.index ?? 0,
      confirmations: st.fundingDepth,
      requiredConfirmations: st.minimumDepth,
      closingTxid: st.closingTxid ?? null,
      pendingHtlcs: htlcIds.size,
      channelType: st.format,
    };
  }

  private sweeping(s: ChannelSnapshot): boolean {
    const hex = bytesToHex(s.channelId);
    return this.node.driver.pendingSweeps().some((p) => p.channelHex === hex);
  }

  // ---------------------------------------------------------------- on-chain

  async newAddress(): Promise<string> {
    return this.node.wallet.newAddress();
  }

  async walletBalance(): Promise<WalletBalance> {
    const b = this.node.wallet.balance();
    return { confirmedSat: b.confirmedSat, unconfirmedSat: b.unconfirmedSat, lockedSat: b.lockedSat };
  }

  async sendOnChain(req: SendOnChainRequest): Promise<SendOnChainResult> {
    if (req.sendAll === true || req.amountSat === undefined)
      throw new NodeFacadeError('invalid_request', 'sendAll is not supported yet: give amountSat');
    const fee =
      req.feeRateSatPerVbyte !== undefined
        ? { feeRateSatPerKw: BigInt(Math.ceil(req.feeRateSatPerVbyte * 250)) }
        : {};
    const r = await this.node.wallet.send(req.address, req.amountSat, fee);
    if (!r.ok) {
      const code: NodeErrorCode = r.code === 'insufficient_funds' ? 'insufficient_funds' : 'invalid_request';
      throw new NodeFacadeError(code, r.message);
    }
    return { txid: r.txid, amountSat: req.amountSat, feeSat: r.feeSat };
  }

  // ---------------------------------------------------------------- payments

  async keysend(destination: Uint8Array, amountMsat: bigint, o: KeysendOptions): Promise<PaymentHandle> {
    let start: PaymentStart;
    try {
      start = await this.node.loop.startKeysend(destination, amountMsat, {
        ...(o.message !== undefined ? { message: o.message } : {}),
        ...(o.signSender !== undefined ? { signMessage: o.signSender } : {}),
        ...(o.records !== undefined ? { customRecords: o.records } : {}),
        ...(o.boost !== undefined ? { podcast: o.boost } : {}),
        ...(o.maxFeeMsat !== undefined ? { maxFeeMsat: o.maxFeeMsat } : {}),
        ...(o.maxFeePpm !== undefined ? { maxFeePpm: o.maxFeePpm } : {}),
        ...(o.timeoutSeconds !== undefined ? { timeoutMs: o.timeoutSeconds * 1000 } : {}),
        ...(o.maxCltv !== undefined ? { maxCltvExpiryDelta: o.maxCltv } : {}),
        ...(o.routeHints !== undefined ? { routeHints: o.routeHints } : {}),
        ...(o.outgoingChannel !== undefined ? { outgoingChannelId: o.outgoingChannel } : {}),
        ...(o.idempotencyKey !== undefined ? { idempotencyKey: o.idempotencyKey } : {}),
        ...(o.allowWithoutFeature !== undefined ? { allowWithoutFeature: o.allowWithoutFeature } : {}),
      });
    } catch (e) {
      translate(e);
    }
    return this.handle(start);
  }

  async payInvoice(bolt11: string, o: PayInvoiceOptions): Promise<PaymentHandle> {
    let start: PaymentStart;
    try {
      start = await this.node.loop.startInvoicePayment(bolt11, {
        ...(o.amountMsat !== undefined ? { amountMsat: o.amountMsat } : {}),
        ...(o.maxFeeMsat !== undefined ? { maxFeeMsat: o.maxFeeMsat } : {}),
        ...(o.maxFeePpm !== undefined ? { maxFeePpm: o.maxFeePpm } : {}),
        ...(o.timeoutSeconds !== undefined ? { timeoutMs: o.timeoutSeconds * 1000 } : {}),
        ...(o.maxCltv !== undefined ? { maxCltvExpiryDelta: o.maxCltv } : {}),
        ...(o.outgoingChannel !== undefined ? { outgoingChannelId: o.outgoingChannel } : {}),
        ...(o.idempotencyKey !== undefined ? { idempotencyKey: o.idempotencyKey } : {}),
      });
    } catch (e) {
      translate(e);
    }
    return this.handle(start);
  }

  private async handle(start: PaymentStart): Promise<PaymentHandle> {
    const id = start.payment.id;
    const result = (start.completion ?? this.node.loop.waitForCompletion(id)).then(
      async () => (await this.paymentViewById(id, true))!,
    );
    // A caller that does not wait for the result must not leave a rejection unhandled.
    result.catch(() => undefined);
    // Read only for a caller that does not wait (most wait: one view read per payment less).
    return { payment: async () => (await this.paymentViewById(id, false))!, result };
  }

  async listPayments(query: ListPaymentsQuery): Promise<PaymentView[]> {
    const limit = query.limit ?? 100;
    let records: PaymentRecord[];
    if (query.reversed === true) {
      const all = await this.node.loop.listPayments({
        ...(query.status !== undefined ? { status: query.status } : {}),
        limit: 100_000,
      });
      records = all
        .filter((p) => query.afterId === undefined || query.afterId === 0 || p.id < query.afterId)
        .reverse()
        .slice(0, limit);
    } else {
      records = await this.node.loop.listPayments({
        ...(query.status !== undefined ? { status: query.status } : {}),
        ...(query.afterId !== undefined ? { afterId: query.afterId } : {}),
        limit,
      });
    }
    const out: PaymentView[] = [];
    for (const v of await this.node.loop.summaries(records)) out.push(await this.paymentView(v, false));
    return out;
  }

  async lookupPayment(paymentHash: Uint8Array): Promise<PaymentView | undefined> {
    const v = await this.node.loop.getPaymentByHash(paymentHash);
    return v === undefined ? undefined : this.paymentView(v, true);
  }

  private async paymentViewById(id: number, withAttempts: boolean): Promise<PaymentView | undefined> {
    const v = await this.node.loop.getPayment(id);
    return v === undefined ? undefined : this.paymentView(v, withAttempts);
  }

  private async paymentView(v: LoopPaymentView, withAttempts: boolean): Promise<PaymentView> {
    const p = v.payment;
    // The Whatsat message the payment carries (it is one of its custom records).
    const m = p.customRecords.get(WHATSAT.message);
    const message = m === undefined ? undefined : dec.decode(m);
    const alias = this.node.graph.getNode(p.destination)?.alias;
    const view: PaymentView = {
      id: p.id,
      kind: v.kind,
      paymentHash: p.paymentHash,
      preimage: p.preimage,
      destination: p.destination,
      ...(alias !== undefined ? { destinationAlias: alias } : {}),
      amountMsat: p.amountMsat,
      feeMsat: p.feeMsat,
      status: p.status,
      failureReason: p.failureReason,
      idempotencyKey: p.idempotencyKey,
      bolt11: v.bolt11 ?? null,
      ...(message !== undefined ? { message } : {}),
      customRecords: p.customRecords,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    };
    if (withAttempts) {
      view.attempts = v.attempts.map(
        (a): AttemptView => ({
          attemptNumber: a.record.attemptNumber,
          status: a.record.status,
          route: a.route,
          failingHop: a.record.failingHop,
          failureCode: a.record.failureCode,
          ...(a.failure?.failureName !== undefined ? { failureName: a.failure.failureName } : {}),
          ...(a.failure?.reason !== undefined ? { failureReason: a.failure.reason } : {}),
          ...(a.onChain !== undefined ? { onChainReason: a.onChain } : {}),
          createdAt: a.record.createdAt,
          updatedAt: a.record.updatedAt,
        }),
      );
    }
    return view;
  }

  // ---------------------------------------------------------------- invoices

  async createInvoice(req: CreateInvoiceRequest): Promise<CreatedInvoice> {
    try {
      const hints = this.node.gossiper.routeHints((scid) => this.receivable(scid));
      const created = await this.node.registry.createInvoice({
        ...(req.amountMsat !== undefined ? { amountMsat: req.amountMsat } : {}),
        ...(req.description !== undefined ? { description: req.description } : {}),
        ...(req.descriptionHash !== undefined ? { descriptionHash: req.descriptionHash } : {}),
        ...(req.expirySeconds !== undefined ? { expirySeconds: req.expirySeconds } : {}),
        ...(hints.length > 0 ? { routeHints: hints } : {}),
      });
      return {
        bolt11: created.bolt11,
        paymentHash: created.paymentHash,
        invoice: invoiceView(created.invoice),
      };
    } catch (e) {
      translate(e);
    }
  }

  private receivable(scid: bigint): bigint | undefined {
    return this.node.driver.channels().find((c) => routingScidOf(c) === scid)?.receivableMsat;
  }

  async listInvoices(query: ListInvoicesQuery): Promise<InvoicePage> {
    try {
      const page = await this.node.registry.list(query);
      return { invoices: page.invoices.map(invoiceView), nextOffset: page.nextOffset };
    } catch (e) {
      translate(e);
    }
  }

  async lookupInvoice(paymentHash: Uint8Array): Promise<InvoiceView | undefined> {
    const inv = await this.node.registry.lookup(paymentHash);
    return inv === undefined ? undefined : invoiceView(inv);
  }

  // ---------------------------------------------------------------- graph and routing

  async queryRoute(q: RouteQuery): Promise<Route> {
    const n = this.node;
    const r = findRoute({
      graph: n.graph,
      source: n.nodeId,
      destination: q.destination,
      amountMsat: q.amountMsat,
      finalCltvDelta: 40,
      currentHeight: n.chain.tip?.height ?? 0,
      ...(q.maxFeeMsat !== undefined ? { maxFeeMsat: q.maxFeeMsat } : {}),
      ...(q.maxCltv !== undefined ? { maxCltvExpiryDelta: q.maxCltv } : {}),
      firstHopChannels: this.firstHops(q.outgoingChannel),
      ...(q.routeHints !== undefined ? { routeHints: q.routeHints } : {}),
      scorer: n.scorer,
      nowMs: n.now(),
    });
    if (r.kind === 'no-route') throw new NodeFacadeError('no_route', r.message);
    return r.route;
  }

  private firstHops(only?: bigint) {
    return this.node.driver
      .channels()
      .filter((s) => s.usable && !s.temporary && (only === undefined || routingScidOf(s) === only))
      .map((s) => {
        const limits = htlcLimitsOf(s);
        return {
          shortChannelId: routingScidOf(s),
          peerNodeId: s.peerNodeId,
          spendableMsat: s.spendableMsat,
          htlcMinimumMsat: limits.minimumMsat,
          htlcMaximumMsat: limits.maximumMsat,
        };
      });
  }

  async graphNodes(q: GraphQuery): Promise<NodeInfo[]> {
    return this.neighbourhood(q).nodes;
  }

  async graphChannels(q: GraphQuery): Promise<ChannelInfo[]> {
    return this.neighbourhood(q).channels;
  }

  /** The nodes and channels within `depth` channels of `around` (or matching `search`). */
  private neighbourhood(q: GraphQuery): { nodes: NodeInfo[]; channels: ChannelInfo[] } {
    const g = this.node.graph;
    const limit = q.limit ?? 500;
    if (q.search !== undefined && q.search !== '') {
      const needle = q.search.toLowerCase();
      const nodes: NodeInfo[] = [];
      for (let i = 0; i < g.nodeCount && nodes.length < limit; i++) {
        const info = g.getNode(g.nodeIdAt(i));
        if (info === undefined) continue;
        if (bytesToHex(info.nodeId).startsWith(needle) || (info.alias ?? '').toLowerCase().includes(needle))
          nodes.push(info);
      }
      const channels = nodes.flatMap((n) => g.channelsOf(n.nodeId)).slice(0, limit);
      return { nodes, channels };
    }
    const centre = q.around ?? this.node.nodeId;
    const depth = q.depth ?? 1;
    const seen = new Map<string, Uint8Array>([[bytesToHex(centre), centre]]);
    const channels = new Map<bigint, ChannelInfo>();
    let frontier = [centre];
    for (let d = 0; d < depth && frontier.length > 0; d++) {
      const next: Uint8Array[] = [];
      for (const id of frontier) {
        for (const c of g.channelsOf(id)) {
          if (channels.size >= limit) break;
          channels.set(c.shortChannelId, c);
          for (const other of [c.node1, c.node2]) {
            const k = bytesToHex(other);
            if (!seen.has(k)) {
              seen.set(k, other);
              next.push(other);
            }
          }
        }
      }
      frontier = next;
    }
    const nodes = [...seen.values()]
      .map((id) => g.getNode(id))
      .filter((x): x is NodeInfo => x !== undefined)
      .slice(0, limit);
    return { nodes, channels: [...channels.values()] };
  }

  // ---------------------------------------------------------------- fees

  async getFeePolicy(): Promise<FeePolicyView> {
    const f = this.node.fees;
    const policyOf = (s: ChannelSnapshot): ChannelFeePolicy => {
      const l = htlcLimitsOf(s);
      return {
        feeBaseMsat: f.feeBaseMsat,
        feeProportionalMillionths: f.feeProportionalMillionths,
        cltvExpiryDelta: f.cltvExpiryDelta,
        htlcMinimumMsat: l.minimumMsat,
        htlcMaximumMsat: l.maximumMsat,
      };
    };
    return {
      defaults: {
        feeBaseMsat: f.feeBaseMsat,
        feeProportionalMillionths: f.feeProportionalMillionths,
        cltvExpiryDelta: f.cltvExpiryDelta,
        htlcMinimumMsat: 1n,
        htlcMaximumMsat: this.node.config.limits.maxChannelSat * 1000n,
      },
      channels: this.node.driver
        .channels()
        .filter((s) => !s.temporary && statusOf(s) !== 'closed')
        .map((s) => ({
          channelId: s.channelId,
          shortChannelId: s.state.shortChannelId ?? null,
          policy: policyOf(s),
        })),
    };
  }

  async setFeePolicy(update: FeePolicyUpdate): Promise<FeePolicyView> {
    if (update.channelId !== undefined)
      throw new NodeFacadeError('invalid_request', 'per-channel fees are not supported yet: omit channelId');
    const f = this.node.fees;
    if (update.feeBaseMsat !== undefined) f.feeBaseMsat = update.feeBaseMsat;
    if (update.feeProportionalMillionths !== undefined)
      f.feeProportionalMillionths = update.feeProportionalMillionths;
    if (update.cltvExpiryDelta !== undefined) f.cltvExpiryDelta = update.cltvExpiryDelta;
    this.node.refreshAllGossip();
    return this.getFeePolicy();
  }

  // ---------------------------------------------------------------- events

  subscribe(listener: NodeEventListener): () => void {
    this.wire();
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit(event: NodeEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  /** Subscribes to the node's events once, on the first API subscriber. */
  private wire(): void {
    if (this.wired) return;
    this.wired = true;
    const n = this.node;
    n.on('channel', (s) => {
      if (!s.temporary && this.listeners.size > 0)
        this.emit({ type: 'channel_changed', channel: this.channelView(s) });
    });
    n.on('peer', (id, change) => {
      if (this.listeners.size === 0) return;
      const info = n.peers.peer(id);
      const peer: PeerView =
        info !== undefined
          ? this.peerView(info)
          : { nodeId: id, address: '', inbound: false, connected: false, features: [], connectedAt: null };
      this.emit({ type: 'peer_changed', change, peer });
    });
    n.on('invoiceSettled', (inv) => {
      if (this.listeners.size > 0) this.emit({ type: 'invoice_settled', invoice: invoiceView(inv) });
    });
    n.on('payment', (id) => {
      if (this.listeners.size === 0) return;
      n.track(
        this.paymentViewById(id, true).then((payment) => {
          if (payment !== undefined) this.emit({ type: 'payment_updated', payment });
        }),
      );
    });
    n.on('forward', (id) => {
      if (this.listeners.size === 0) return;
      n.track(
        n.store.forwards.get(id).then((f) => {
          if (f === undefined) return;
          const forward: ForwardView = {
            paymentHash: f.paymentHash,
            incomingChannelId: f.incomingChannelId,
            outgoingChannelId: f.outgoingChannelId,
            incomingAmountMsat: f.incomingAmountMsat,
            outgoingAmountMsat: f.outgoingAmountMsat,
            feeMsat: f.feeMsat,
            status: f.status,
            failureReason: f.failureReason,
            createdAt: f.createdAt,
            resolvedAt: f.resolvedAt,
          };
          this.emit({ type: 'htlc_forwarded', forward });
        }),
      );
    });
    n.on('block', (height) => {
      if (this.listeners.size === 0) return;
      this.emit({
        type: 'sync_progress',
        blockHeight: height,
        syncedToChain: true,
        graphNodeCount: n.graph.nodeCount,
        graphChannelCount: n.graph.channelCount,
        syncedToGraph: true,
      });
    });
  }
}
