// src/api/node-facade.ts: what the HTTP API needs from a running node, and nothing more. The node's
// composition root implements it; the API, the CLI and the dashboard only ever see this. Values are
// the node's own types (bytes as Uint8Array, amounts as bigint msat or sat); the API turns them into
// JSON (hex, decimal strings) at the edge.
import type { PodcastRecord } from '../onion/index.js';
import type { ChannelInfo, NodeInfo, Route, RouteHintHop } from '../routing/index.js';
import type {
  AttemptStatus,
  CustomRecords,
  ForwardStatus,
  InvoiceRecord,
  InvoiceState,
  PaymentStatus,
} from '../store/index.js';

// ---- errors -----------------------------------------------------------------------------------

/**
 * Why a facade call could not do what was asked, as a value the API maps to an HTTP status. The
 * payment loop's `PaymentErrorCode`s are included so that they pass through unchanged.
 */
export type NodeErrorCode =
  /** An argument is not acceptable as given (the message names it). */
  | 'invalid_request'
  | 'invalid_custom_record'
  /** No such peer, channel, invoice or payment. */
  | 'not_found'
  /** The peer could not be reached or refused the connection. */
  | 'peer_unreachable'
  /** The operation needs a connected peer. */
  | 'peer_not_connected'
  /** Not enough on-chain funds or channel balance. */
  | 'insufficient_funds'
  | 'no_route'
  | 'records_too_large'
  | 'keysend_not_supported'
  | 'no_signing_key'
  | 'idempotency_key_reused'
  | 'invalid_invoice'
  | 'wrong_network'
  | 'invoice_expired'
  | 'amount_required'
  | 'unsupported_invoice_features'
  | 'already_paid'
  | 'payment_in_flight'
  /** The channel is in a state that does not allow the operation (e.g. closing it twice). */
  | 'channel_state'
  /** The node is starting, syncing or stopping. */
  | 'unavailable'
  | 'timeout';

/** An expected failure of a facade call; anything else thrown is a bug and becomes a 500. */
export class NodeFacadeError extends Error {
  override readonly name = 'NodeFacadeError';
  constructor(
    readonly code: NodeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// ---- node and peers ---------------------------------------------------------------------------

export interface NodeInfoView {
  nodeId: Uint8Array;
  alias: string;
  /** `#rrggbb`. */
  color: string;
  network: 'bitcoin' | 'testnet' | 'signet' | 'regtest';
  /** Where peers can reach us, `host:port`. */
  addresses: readonly string[];
  version: string;
  blockHeight: number;
  syncedToChain: boolean;
  syncedToGraph: boolean;
  /** Our init features (bit numbers that are set). */
  features: readonly number[];
  acceptKeysend: boolean;
  numPeers: number;
  numActiveChannels: number;
  numPendingChannels: number;
  graphNodeCount: number;
  graphChannelCount: number;
}

export interface PeerView {
  nodeId: Uint8Array;
  alias?: string;
  /** `host:port` of the connection. */
  address: string;
  inbound: boolean;
  connected: boolean;
  /** The peer's init features (bit numbers that are set). */
  features: readonly number[];
  /** Unix ms. */
  connectedAt: number | null;
}

export type PeerChange = 'connected' | 'disconnected';

// ---- channels ---------------------------------------------------------------------------------

/**
 * A channel's life in four words; `state` keeps the state machine's own name for detail.
 * pending_open: funding not yet deep enough; open: usable; closing: a close is under way; closed.
 */
export type ChannelStatus = 'pending_open' | 'open' | 'closing' | 'closed';

export interface ChannelView {
  channelId: Uint8Array;
  shortChannelId: bigint | null;
  peerNodeId: Uint8Array;
  peerAlias?: string;
  status: ChannelStatus;
  /** The state machine's state name. */
  state: string;
  /** Open and the peer connected: HTLCs can be sent now. */
  active: boolean;
  private: boolean;
  initiator: 'local' | 'remote';
  capacitySat: bigint;
  localBalanceMsat: bigint;
  remoteBalanceMsat: bigint;
  /** What we could send now (local balance minus reserve and in-flight HTLCs). */
  spendableMsat: bigint;
  /** What we could receive now. */
  receivableMsat: bigint;
  /** Internal byte order, as everywhere in the node (the API prints it reversed, as explorers do). */
  fundingTxid: Uint8Array;
  fundingOutputIndex: number;
  /** Confirmations of the funding transaction; `requiredConfirmations` to become open. */
  confirmations: number;
  requiredConfirmations: number;
  /** The closing transaction, once there is one. */
  closingTxid: Uint8Array | null;
  pendingHtlcs: number;
  /** The commitment format both sides agreed on when the channel opened. */
  channelType: ChannelType;
}

/** A channel's commitment format (BOLT 2 `channel_type`): static_remotekey, or zero-fee-HTLC anchors. */
export type ChannelType = 'static_remotekey' | 'anchors';

export interface OpenChannelRequest {
  nodeId: Uint8Array;
  amountSat: bigint;
  pushMsat?: bigint;
  private?: boolean;
  feeRateSatPerVbyte?: number;
  /** The commitment format; default the node's `channel-type` setting. */
  channelType?: ChannelType;
}

export interface OpenChannelResult {
  channelId: Uint8Array;
  fundingTxid: Uint8Array;
  fundingOutputIndex: number;
}

export interface CloseChannelRequest {
  channelId: Uint8Array;
  /** Broadcast our commitment instead of negotiating a mutual close. */
  force?: boolean;
  feeRateSatPerVbyte?: number;
}

export interface CloseChannelResult {
  /** Known at once for a force close; null until negotiation ends for a mutual close. */
  closingTxid: Uint8Array | null;
}

// ---- on-chain ---------------------------------------------------------------------------------

export interface WalletBalance {
  confirmedSat: bigint;
  unconfirmedSat: bigint;
  /** Reserved by transactions in progress (funding we are building). */
  lockedSat: bigint;
}

export interface SendOnChainRequest {
  address: string;
  /** Omit with `sendAll`. */
  amountSat?: bigint;
  /** Sweep the whole confirmed balance (minus the fee). */
  sendAll?: boolean;
  feeRateSatPerVbyte?: number;
}

export interface SendOnChainResult {
  txid: Uint8Array;
  amountSat: bigint;
  feeSat: bigint;
}

// ---- payments ---------------------------------------------------------------------------------

/** Everything the keysend issue lets a sender choose. */
export interface KeysendOptions {
  /** A Whatsat chat message (record 34349334). */
  message?: string;
  /** Sign the message with the node key and send our node id, so the recipient can verify us. */
  signSender?: boolean;
  /** Custom records (types >= 65536), byte-exact. */
  records?: CustomRecords;
  /** bLIP 10 boost/stream JSON (record 7629169). */
  boost?: Readonly<Record<string, unknown>>;
  maxFeeMsat?: bigint;
  /** Fee limit as parts per million of the amount; the lower of the two limits applies. */
  maxFeePpm?: number;
  timeoutSeconds?: number;
  /** Upper bound on the first HTLC's CLTV delta. */
  maxCltv?: number;
  /** Private channels to reach the destination through, each a list of hops. */
  routeHints?: readonly (readonly RouteHintHop[])[];
  /** Only use this channel of ours for the first hop. */
  outgoingChannel?: bigint;
  /** The same key with the same parameters returns the existing payment instead of paying twice. */
  idempotencyKey?: string;
  /** Send even if the destination does not advertise keysend (feature 55). */
  allowWithoutFeature?: boolean;
}

export interface PayInvoiceOptions {
  /** Only for an invoice without an amount. */
  amountMsat?: bigint;
  maxFeeMsat?: bigint;
  maxFeePpm?: number;
  timeoutSeconds?: number;
  maxCltv?: number;
  outgoingChannel?: bigint;
  idempotencyKey?: string;
}

export type PaymentKind = 'keysend' | 'bolt11';

/** One attempt of a payment: the route it took and how it ended. */
export interface AttemptView {
  attemptNumber: number;
  status: AttemptStatus;
  route: Route;
  /** 0: this node; n: the route's hop n. */
  failingHop: number | null;
  failureCode: number | null;
  /** The BOLT 4 failure name, when the failure decoded. */
  failureName?: string;
  failureReason?: string;
  /**
   * Set when our channel to the first hop closed with the attempt's HTLC in it: the attempt stays
   * in flight until the chain resolves the HTLC (claimed with the preimage, or timed out).
   */
  onChainReason?: string;
  createdAt: number;
  updatedAt: number;
}

export interface PaymentView {
  id: number;
  kind: PaymentKind;
  paymentHash: Uint8Array;
  preimage: Uint8Array | null;
  destination: Uint8Array;
  destinationAlias?: string;
  amountMsat: bigint;
  feeMsat: bigint;
  status: PaymentStatus;
  failureReason: string | null;
  idempotencyKey: string | null;
  bolt11: string | null;
  /** The chat message we sent, if any. */
  message?: string;
  customRecords: CustomRecords;
  createdAt: number;
  updatedAt: number;
  /** Present on lookups (and on payment events): every attempt so far, oldest first. */
  attempts?: readonly AttemptView[];
}

/**
 * A payment just started: `payment()` reads its state now (in flight, or already final), for a
 * caller that does not wait; `result` resolves with its final state (succeeded or failed; a
 * failed payment is a value, not a rejection).
 */
export interface PaymentHandle {
  payment(): Promise<PaymentView>;
  result: Promise<PaymentView>;
}

export interface ListPaymentsQuery {
  status?: PaymentStatus;
  /** Exclusive id cursor. */
  afterId?: number;
  limit?: number;
  /** Newest first. */
  reversed?: boolean;
}

// ---- invoices ---------------------------------------------------------------------------------

/** What a received keysend's app records say (the records themselves stay byte-exact). */
export interface KeysendAppView {
  message?: string;
  senderNodeId?: Uint8Array;
  /** True only when the sender's signature over this message, time and recipient verified. */
  senderVerified: boolean;
  senderUnverifiedReason?: string;
  timestampNs?: bigint;
  boost?: PodcastRecord;
}

/** A stored invoice; keysend invoices (ad hoc, created on receipt) carry their decoded app fields. */
export interface InvoiceView extends InvoiceRecord {
  hold?: boolean;
  app?: KeysendAppView;
}

export interface CreateInvoiceRequest {
  amountMsat?: bigint;
  /** Exactly one of `description` and `descriptionHash`. */
  description?: string;
  descriptionHash?: Uint8Array;
  expirySeconds?: number;
}

export interface CreatedInvoice {
  bolt11: string;
  paymentHash: Uint8Array;
  invoice: InvoiceView;
}

export interface ListInvoicesQuery {
  /** An `addIndex` cursor (exclusive). */
  offset?: number;
  limit?: number;
  keysendOnly?: boolean;
  state?: InvoiceState;
  /** Newest first. */
  reversed?: boolean;
}

export interface InvoicePage {
  invoices: InvoiceView[];
  /** Pass as `offset` to continue; undefined at the end. */
  nextOffset: number | undefined;
}

// ---- graph and routing ------------------------------------------------------------------------

export interface RouteQuery {
  destination: Uint8Array;
  amountMsat: bigint;
  maxFeeMsat?: bigint;
  maxCltv?: number;
  outgoingChannel?: bigint;
  routeHints?: readonly (readonly RouteHintHop[])[];
}

export interface GraphQuery {
  /** Centre of the neighbourhood; our own node when omitted. */
  around?: Uint8Array;
  /** Channels away from the centre (1: direct neighbours). */
  depth?: number;
  /** Case-insensitive alias substring or node id prefix; searches the whole graph. */
  search?: string;
  limit?: number;
}

// ---- fees -------------------------------------------------------------------------------------

export interface ChannelFeePolicy {
  feeBaseMsat: bigint;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
  htlcMinimumMsat: bigint;
  htlcMaximumMsat: bigint;
}

export interface FeePolicyView {
  /** Applied to new channels. */
  defaults: ChannelFeePolicy;
  channels: readonly {
    channelId: Uint8Array;
    shortChannelId: bigint | null;
    policy: ChannelFeePolicy;
  }[];
}

export interface FeePolicyUpdate {
  /** One channel; every channel (and the defaults) when omitted. */
  channelId?: Uint8Array;
  feeBaseMsat?: bigint;
  feeProportionalMillionths?: number;
  cltvExpiryDelta?: number;
}

// ---- forwards and events ------------------------------------------------------------------------

export interface ForwardView {
  paymentHash: Uint8Array;
  incomingChannelId: Uint8Array;
  outgoingChannelId: Uint8Array;
  incomingAmountMsat: bigint;
  outgoingAmountMsat: bigint;
  feeMsat: bigint;
  status: ForwardStatus;
  failureReason: string | null;
  createdAt: number;
  resolvedAt: number | null;
}

/** What the node tells its listeners; the API streams these to clients. */
export type NodeEvent =
  | { type: 'invoice_settled'; invoice: InvoiceView }
  /** Any change of an outgoing payment: created, an attempt started or failed, final outcome. */
  | { type: 'payment_updated'; payment: PaymentView }
  | { type: 'channel_changed'; channel: ChannelView }
  | { type: 'peer_changed'; change: PeerChange; peer: PeerView }
  | { type: 'htlc_forwarded'; forward: ForwardView }
  /** Chain or graph sync progress, for long starts. */
  | {
      type: 'sync_progress';
      blockHeight: number;
      syncedToChain: boolean;
      graphNodeCount: number;
      graphChannelCount: number;
      syncedToGraph: boolean;
    };

export type NodeEventType = NodeEvent['type'];
export const NODE_EVENT_TYPES: readonly NodeEventType[] = [
  'invoice_settled',
  'payment_updated',
  'channel_changed',
  'peer_changed',
  'htlc_forwarded',
  'sync_progress',
];

export type NodeEventListener = (event: NodeEvent) => void;

// ---- the facade -------------------------------------------------------------------------------

/**
 * The node as the API sees it. Calls reject with `NodeFacadeError` for expected failures (bad
 * input, nothing found, no route...); any other rejection is treated as a bug.
 */
export interface NodeFacade {
  getInfo(): Promise<NodeInfoView>;

  listPeers(): Promise<PeerView[]>;
  /** Connects (BOLT 8 + init) and resolves once the peer is connected. */
  connectPeer(nodeId: Uint8Array, address: string): Promise<PeerView>;
  disconnectPeer(nodeId: Uint8Array): Promise<void>;

  /** Resolves once the funding transaction is broadcast; progress follows as `channel_changed`. */
  openChannel(req: OpenChannelRequest): Promise<OpenChannelResult>;
  listChannels(): Promise<ChannelView[]>;
  closeChannel(req: CloseChannelRequest): Promise<CloseChannelResult>;

  newAddress(): Promise<string>;
  walletBalance(): Promise<WalletBalance>;
  sendOnChain(req: SendOnChainRequest): Promise<SendOnChainResult>;

  /** Starts a keysend (bLIP 3) payment; progress follows as `payment_updated` events. */
  keysend(destination: Uint8Array, amountMsat: bigint, options: KeysendOptions): Promise<PaymentHandle>;
  /** Starts paying a BOLT 11 invoice. */
  payInvoice(bolt11: string, options: PayInvoiceOptions): Promise<PaymentHandle>;

  createInvoice(req: CreateInvoiceRequest): Promise<CreatedInvoice>;
  listInvoices(query: ListInvoicesQuery): Promise<InvoicePage>;
  lookupInvoice(paymentHash: Uint8Array): Promise<InvoiceView | undefined>;

  listPayments(query: ListPaymentsQuery): Promise<PaymentView[]>;
  /** With `attempts`. */
  lookupPayment(paymentHash: Uint8Array): Promise<PaymentView | undefined>;

  /** The route a payment would take now; `NodeFacadeError('no_route')` when there is none. */
  queryRoute(query: RouteQuery): Promise<Route>;
  graphNodes(query: GraphQuery): Promise<NodeInfo[]>;
  graphChannels(query: GraphQuery): Promise<ChannelInfo[]>;

  getFeePolicy(): Promise<FeePolicyView>;
  setFeePolicy(update: FeePolicyUpdate): Promise<FeePolicyView>;

  /** Calls `listener` for every event from now on; returns the function that unsubscribes. */
  subscribe(listener: NodeEventListener): () => void;
}
