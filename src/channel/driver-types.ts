// src/channel/driver-types.ts: what the channel driver needs from the rest of the node (narrow
// ports the node fills in), what it tells the node, and the shapes of its answers.
import type { BroadcastResult, ChainSource } from '../chain/index.js';
import type { Store } from '../store/index.js';
import type { ExternalInput } from '../wallet/index.js';
import type { Features, WireMessage } from '../wire/index.js';
import type { ChannelPolicy } from './policy.js';
import type { ChannelEvent, ChannelFormat, ChannelState, CommandRejection, HtlcFailReason } from './types.js';

/** The peer connections, as the driver uses them (PeerManager fits, through a small adapter). */
export interface DriverPeers {
  /** Queues a message; false if the peer is not connected (it is then dropped: reestablish resends). */
  send(nodeId: Uint8Array, message: WireMessage): boolean;
  /** The peer's `init` features, when connected. */
  features(nodeId: Uint8Array): Features | undefined;
  /** Closes the connection after a BOLT 2 warning (the peer is redialled if we keep channels with it). */
  disconnect(nodeId: Uint8Array, why: string): void;
}

/** The on-chain wallet, as the driver uses it (src/wallet's Wallet fits). */
export interface DriverWallet {
  fundOutput(
    script: Uint8Array,
    amountSat: bigint,
    fee?: { feeRateSatPerKw?: bigint },
  ): Promise<
    | { ok: true; raw: Uint8Array; txid: Uint8Array; outputIndex: number; feeSat: bigint }
    | { ok: false; code: string; message: string }
  >;
  broadcast(raw: Uint8Array): Promise<BroadcastResult>;
  releaseLocks(txid: Uint8Array): Promise<void>;
  /** A fresh wallet scriptpubkey for a channel's mutual-close output. */
  closeScript(): Promise<Uint8Array>;
  /** Builds (without broadcasting) a transaction spending outputs of closed channels into the wallet. */
  sweep?(
    inputs: readonly ExternalInput[],
  ): Promise<
    | { ok: true; raw: Uint8Array; txid: Uint8Array; amountSat: bigint; feeSat: bigint }
    | { ok: false; code: string; message: string }
  >;
}

/** Log lines the driver writes (pino's shape: an object, then a message). */
export interface DriverLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** An incoming HTLC that is irrevocably committed (BOLT 2): the switch may forward or settle it. */
export interface CommittedIncomingHtlc {
  htlcId: bigint;
  amountMsat: bigint;
  paymentHash: Uint8Array;
  cltvExpiry: number;
  onionRoutingPacket: Uint8Array;
  pathKey?: Uint8Array;
}

/** How an HTLC we offered ended, as the driver reports it (at least once: see the listener). */
export type OutgoingResolution =
  /** `attributionData`: update_fulfill_htlc's BOLT 4 attribution data (920 bytes), if the peer sent it. */
  | {
      kind: 'fulfilled';
      htlcId: bigint;
      paymentHash: Uint8Array;
      preimage: Uint8Array;
      attributionData?: Uint8Array;
    }
  | { kind: 'failed'; htlcId: bigint; paymentHash: Uint8Array; reason: HtlcFailReason }
  /** It can never be fulfilled through the channel: it was never signed before the channel closed. */
  | { kind: 'closed'; htlcId: bigint; paymentHash: Uint8Array; why: string };

/** A read-only view of one channel for the node (gossip, the switch, the API). */
export interface ChannelSnapshot {
  /** The channel_id, or the temporary id while opening. */
  readonly channelId: Uint8Array;
  readonly temporary: boolean;
  readonly peerNodeId: Uint8Array;
  readonly state: Readonly<ChannelState>;
  /** Open, reestablished and not shutting down: an HTLC can be added now. */
  readonly usable: boolean;
  /** What one more HTLC may carry now (reserve, fees, fee spike buffer and limits applied). */
  readonly spendableMsat: bigint;
  /** What the peer could send us now. */
  readonly receivableMsat: bigint;
  /** Unix ms when the driver first saw the channel. */
  readonly createdAt: number;
}

/** What the driver tells the node. Called outside the channel's queue, after state is stored. */
export interface ChannelDriverListener {
  /**
   * An incoming HTLC became irrevocably committed. Reported again after a restart (and after
   * `replayIncoming`) while it is not resolved: handling must tolerate repeats.
   */
  incomingHtlc(channel: ChannelSnapshot, htlc: CommittedIncomingHtlc): void;
  /**
   * An HTLC we offered was fulfilled or failed. The driver keeps the report in the Store until the
   * returned promise resolves, and reports it again after a restart if it did not: resolve only
   * once the resolution is durable downstream.
   */
  outgoingResolved(channel: ChannelSnapshot, resolution: OutgoingResolution): Promise<void>;
  /** The channel changed (phase, balances, ids, connection); `events` are the machine's events. */
  channelChanged(channel: ChannelSnapshot, events: readonly ChannelEvent[]): void;
}

/** Everything a ChannelDriver is built from. */
export interface ChannelDriverOptions {
  store: Store;
  chain: ChainSource;
  wallet: DriverWallet;
  peers: DriverPeers;
  /** The 32-byte seed of our channel number `index` (src/wallet's KeyManager.channelSeed). */
  channelSeed: (index: number) => Uint8Array;
  chainHash: Uint8Array;
  /** Our init features (to negotiate channel features with each peer). */
  localFeatures: Features;
  policy: ChannelPolicy;
  /** Secure random bytes (temporary channel ids, aliases). */
  randomBytes: (n: number) => Uint8Array;
  /** Unix milliseconds. */
  now: () => number;
  listener: ChannelDriverListener;
  logger?: DriverLogger;
  /** How long updates wait to be batched into one commitment_signed; default 0 (this turn). */
  signDelayMs?: number;
  /** Inbound channels larger than this are refused. */
  maxFundingSat?: bigint;
  /** The commitment format of channels we open when the open names none; default static_remotekey. */
  format?: ChannelFormat;
}

/** Choices for a channel we open. */
export interface OpenChannelOptions {
  pushMsat?: bigint;
  /** Announce the channel to the network (default true). */
  announce?: boolean;
  /** Funding transaction fee rate; default the chain's estimate. */
  fundingFeeRateSatPerKw?: bigint;
  /** Commitment fee rate; default the chain's estimate. */
  commitmentFeeratePerKw?: number;
  /** The commitment format; default the driver's `format` (anchors needs the peer to support it). */
  format?: ChannelFormat;
}

/** A channel we opened, once its funding transaction is broadcast. */
export interface OpenChannelResult {
  channelId: Uint8Array;
  fundingTxid: Uint8Array;
  fundingOutputIndex: number;
}

/** Why the driver could not do what was asked (the message says what to do). */
export type DriverErrorCode =
  | 'peer_not_connected'
  | 'not_found'
  | 'invalid_request'
  | 'insufficient_funds'
  | 'open_failed'
  | 'channel_state'
  | 'stopped';

/** An expected failure of a driver command (`code` for branching). */
export class DriverError extends Error {
  override name = 'DriverError';
  constructor(
    readonly code: DriverErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The answer to an HTLC command: done, or refused by the machine (nothing changed or was sent). */
export type HtlcCommandResult = { ok: true; htlcId: bigint } | { ok: false; rejection: CommandRejection };
