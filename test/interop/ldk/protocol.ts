// test/interop/ldk/protocol.ts: the line-based JSON protocol between the LDK node process
// (node.ts) and its client (client.ts). One JSON object per line on each pipe.
//
// stdin  (client -> node): { "id": 7, "method": "connect", "params": { ... } }
// stdout (node -> client): first { "ready": { "nodeId": ..., "port": ... } } (or { "fatal": "..." }),
//                          then one { "id": 7, "ok": true, "result": ... } or
//                          { "id": 7, "ok": false, "error": "..." } per request, in any order.
// stderr: LDK's log and anything else (the WASM banner included); never parsed.
//
// Bytes are lower-case hex; amounts and other u64s are decimal strings (JSON numbers lose
// precision above 2^53); heights, CLTV deltas and ports are numbers.

/** Lower-case hex bytes. */
export type Hex = string;
/** A u64 (or u128) as a decimal string. */
export type Decimal = string;

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ReadyLine {
  ready: { nodeId: Hex; port: number };
}
export interface FatalLine {
  fatal: string;
}
export interface RequestLine {
  id: number;
  method: string;
  params?: Record<string, Json>;
}
export type ResponseLine = { id: number; ok: true; result: Json } | { id: number; ok: false; error: string };

/** Counters of the socket layer's flow control (see sockets.ts). */
export interface BackpressureJson {
  /** send_data calls that could not take all the bytes (LDK must wait for write_buffer_space_avail). */
  partialWrites: number;
  /** send_data calls refused outright (0 bytes) while a socket was full. */
  refusedSends: number;
  /** write_buffer_space_avail calls made after a full socket drained. */
  resumedWrites: number;
  /** read_event calls that asked us to stop reading (LDK's outbound buffer is full). */
  pausedReads: number;
}

export interface InfoJson {
  nodeId: Hex;
  port: number;
  network: 'regtest';
  /** LDK's best block: what its chain view has been fed so far. */
  blockHeight: number;
  blockHash: Hex;
  /** The features LDK puts in its `init`, as a BOLT 9 big-endian vector, and the set bits. */
  initFeatures: Hex;
  initFeatureBits: number[];
  /** The harness's own P2WPKH address, from which it funds channels. */
  fundingAddress: string;
  backpressure: BackpressureJson;
}

export interface PeerJson {
  nodeId: Hex;
  /** host:port of the socket, if known. */
  address: string | null;
  inbound: boolean;
  /** The features the peer sent in its `init` (BOLT 9 big-endian) and the set bits. */
  features: Hex;
  featureBits: number[];
}

export interface ForwardingJson {
  feeBaseMsat: number;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
}

export interface ChannelJson {
  channelId: Hex;
  userChannelId: Decimal;
  counterpartyNodeId: Hex;
  /** Display-order txid (as block explorers show it). */
  fundingTxid: Hex | null;
  fundingOutputIndex: number | null;
  shortChannelId: Decimal | null;
  outboundScidAlias: Decimal | null;
  inboundScidAlias: Decimal | null;
  channelValueSat: Decimal;
  outboundCapacityMsat: Decimal;
  inboundCapacityMsat: Decimal;
  nextOutboundHtlcLimitMsat: Decimal;
  isOutbound: boolean;
  isChannelReady: boolean;
  isUsable: boolean;
  isAnnounced: boolean;
  confirmations: number | null;
  confirmationsRequired: number | null;
  channelTypeBits: number[];
  /** The fees and CLTV delta the counterparty charges to forward into this channel. */
  counterpartyForwarding: ForwardingJson | null;
  pendingInboundHtlcs: number;
  pendingOutboundHtlcs: number;
}

export type HopJson = {
  nodeId: Hex;
  shortChannelId: Decimal;
  feeMsat: Decimal;
  cltvExpiryDelta: number;
};

/** One hop of a route hint: the channel from `srcNodeId` towards the next hop (or the payee). */
export interface RouteHintHopJson {
  srcNodeId: Hex;
  shortChannelId: Decimal;
  feeBaseMsat: number;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
}

/** TLV type (decimal) -> value (hex). */
export type CustomRecordsJson = Record<Decimal, Hex>;

export interface PathFailureJson {
  shortChannelId: Decimal | null;
  permanent: boolean;
  /** The network update LDK derived from the failure (and applied unless told not to). */
  networkUpdate: string | null;
}

export interface SentPaymentJson {
  paymentId: Hex;
  paymentHash: Hex;
  preimage: Hex;
  nodeId: Hex;
  amountMsat: Decimal;
  customRecords: CustomRecordsJson;
  status: 'pending' | 'succeeded' | 'failed';
  /** Why it failed: `send failed: <RetryableSendFailure>` or a PaymentFailureReason name. */
  failure: string | null;
  feePaidMsat: Decimal | null;
  path: HopJson[] | null;
  pathFailures: PathFailureJson[];
}

export interface ReceivedPaymentJson {
  paymentHash: Hex;
  preimage: Hex | null;
  amountMsat: Decimal;
  purpose: 'spontaneous' | 'bolt11' | 'bolt12';
  customRecords: CustomRecordsJson;
  viaChannelId: Hex | null;
  /** claimable: awaiting our decision; claimed: PaymentClaimed seen; rejected: we refused it. */
  status: 'claimable' | 'claimed' | 'rejected';
  reason: string | null;
}

export interface PaymentsJson {
  sent: SentPaymentJson[];
  received: ReceivedPaymentJson[];
}

export interface EventJson {
  seq: number;
  /** LDK's event name without the `Event_` prefix, e.g. `ChannelReady`. */
  kind: string;
  timeMs: number;
  data: { [key: string]: Json };
}

export interface GraphDirectionJson {
  enabled: boolean;
  feeBaseMsat: number;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
  htlcMinimumMsat: Decimal;
  htlcMaximumMsat: Decimal;
  lastUpdate: number;
}

export interface GraphJson {
  channels: {
    shortChannelId: Decimal;
    nodeOne: Hex;
    nodeTwo: Hex;
    capacitySat: Decimal | null;
    oneToTwo: GraphDirectionJson | null;
    twoToOne: GraphDirectionJson | null;
  }[];
  nodes: { nodeId: Hex; channels: Decimal[]; announced: boolean }[];
}

export interface BroadcastJson {
  txid: Hex;
  hex: Hex;
  /** What the chain said to POST /tx: ok, the error text, or 'no chain' without --esplora. */
  result: string;
}

export interface LogJson {
  level: string;
  module: string;
  message: string;
}
