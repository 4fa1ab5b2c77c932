// src/channel/types.ts: the channel state (plain, serializable data) and what goes into and comes
// out of the state machine. "local" is always this node and "remote" the peer, whatever
// commitment is being discussed; BOLT 3's owner-relative naming appears only in src/tx.
import type { Outpoint, ShachainStore, SimpleCloseVariant, Tx } from '../tx/index.js';
import type {
  AcceptChannel,
  ChannelReady,
  ChannelReestablish,
  ClosingComplete,
  ClosingSig,
  ClosingSigned,
  CommitmentSigned,
  FundingCreated,
  FundingSigned,
  OpenChannel,
  RevokeAndAck,
  Shutdown,
  UpdateAddHtlc,
  UpdateFailHtlc,
  UpdateFailMalformedHtlc,
  UpdateFee,
  UpdateFulfillHtlc,
  WireMessage,
} from '../wire/index.js';
import type { ChannelPolicy } from './policy.js';

/** The two commitment formats (both imply option_static_remotekey). */
export type ChannelFormat = 'static_remotekey' | 'anchors';

/** Where the channel is in its life. */
export type ChannelPhase =
  /** Funder: open_channel sent. */
  | 'awaitingAcceptChannel'
  /** Funder: accept_channel received; the wallet is building the funding transaction. */
  | 'awaitingFundingTx'
  /** Fundee: accept_channel sent. */
  | 'awaitingFundingCreated'
  /** Funder: funding_created sent. */
  | 'awaitingFundingSigned'
  /** Both first commitments signed; waiting for depth and the channel_ready exchange. */
  | 'awaitingChannelReady'
  | 'normal'
  /** A shutdown was sent or received: no new HTLCs; the existing ones are clearing. */
  | 'shutdown'
  /** Closing negotiation: legacy closing_signed, or option_simple_close before any tx is fully signed. */
  | 'negotiating'
  /**
   * A mutual closing transaction is fully signed (and handed to the chain). With
   * option_simple_close either side may still replace it (RBF) with a new closing_complete.
   */
  | 'closing'
  /** Our latest commitment was handed to the chain. */
  | 'forceClosing'
  /** The peer's commitment (current or revoked) spent the funding output. */
  | 'remoteClosed'
  /** The peer proved we lost state: we must never broadcast our commitment (BOLT 2). */
  | 'dataLoss'
  /** The funding output is spent by a transaction we know; nothing more to do here. */
  | 'closed'
  /** Opening failed before any funds were at stake. */
  | 'aborted';

/** The parameters one side announced in open_channel / accept_channel. */
export interface SideParams {
  dustLimitSat: bigint;
  /** Cap on the value of HTLCs the *other* side may have outstanding towards this side. */
  maxHtlcValueInFlightMsat: bigint;
  /** The reserve the *other* side must keep (channel_reserve_satoshis as this side sent it). */
  channelReserveSat: bigint;
  /** The smallest HTLC this side accepts. */
  htlcMinimumMsat: bigint;
  /** The CSV delay this side imposes on the *other* side's to_local outputs. */
  toSelfDelay: number;
  /** How many HTLCs the *other* side may offer this side at once. */
  maxAcceptedHtlcs: number;
  fundingPubkey: Uint8Array;
  revocationBasepoint: Uint8Array;
  paymentBasepoint: Uint8Array;
  delayedPaymentBasepoint: Uint8Array;
  htlcBasepoint: Uint8Array;
  /** The upfront shutdown script this side committed to (empty: none). */
  upfrontShutdownScript: Uint8Array;
}

/** One HTLC in a commitment. `origin` is who offered it: `local` (outgoing) or `remote` (incoming). */
export interface HtlcEntry {
  origin: 'local' | 'remote';
  id: bigint;
  amountMsat: bigint;
  paymentHash: Uint8Array;
  cltvExpiry: number;
}

/** The content of one commitment transaction, node-relative (local = this node). */
export interface CommitSpec {
  feeratePerKw: number;
  toLocalMsat: bigint;
  toRemoteMsat: bigint;
  htlcs: HtlcEntry[];
}

/** An update message as it sits in an update log. */
export type UpdateMessage =
  | UpdateAddHtlc
  | UpdateFulfillHtlc
  | UpdateFailHtlc
  | UpdateFailMalformedHtlc
  | UpdateFee;

/**
 * Our updates on their way through the add -> commit -> revoke cycle:
 * `proposed` sent (or queued) but not yet signed for the peer; `signed` covered by the
 * commitment_signed we sent, awaiting the peer's revoke_and_ack; `acked` revoked by the peer,
 * waiting to enter our own commitment with the peer's next commitment_signed.
 */
export interface LocalChanges {
  proposed: UpdateMessage[];
  signed: UpdateMessage[];
  acked: UpdateMessage[];
}

/**
 * The peer's updates: `proposed` received but not yet covered by a commitment_signed of theirs;
 * `acked` in our commitment and revoked by us, waiting for us to sign them into theirs;
 * `signed` in the commitment_signed we sent, waiting for their revoke_and_ack.
 */
export interface RemoteChanges {
  proposed: UpdateMessage[];
  acked: UpdateMessage[];
  signed: UpdateMessage[];
}

/** Our current commitment and the peer's signatures that make it broadcastable. */
export interface LocalCommit {
  index: number;
  spec: CommitSpec;
  /** The peer's signature on this commitment (compact, 64 bytes). */
  remoteSig: Uint8Array;
  /** The peer's signatures on its HTLC transactions, in commitment output order. */
  htlcSigs: Uint8Array[];
}

/** A commitment of the peer's that we signed. */
export interface RemoteCommit {
  index: number;
  spec: CommitSpec;
  txid: Uint8Array;
  perCommitmentPoint: Uint8Array;
}

/** The commitment_signed we sent and are waiting for the revocation of the previous one. */
export interface RemoteNextCommit {
  commit: RemoteCommit;
  /** Our local commitment index when we sent it (orders a retransmission against revoke_and_ack). */
  sentAfterLocalCommitIndex: number;
}

/** Features negotiated in `init` that change the channel's behaviour. */
export interface NegotiatedFeatures {
  upfrontShutdownScript: boolean;
  shutdownAnySegwit: boolean;
  largeChannel: boolean;
  anchors: boolean;
  scidAlias: boolean;
  simpleClose: boolean;
}

/** Legacy closing_signed negotiation state. */
export interface ClosingNegotiation {
  /** The fee range we offer (funder) or accept (fundee). */
  ourMinFeeSat: bigint;
  ourMaxFeeSat: bigint;
  /** Our preferred fee. */
  ourTargetFeeSat: bigint;
  lastSentFeeSat?: bigint;
  lastReceivedFeeSat?: bigint;
  lastReceivedSig?: Uint8Array;
  /** Whether we already sent the fee_range TLV in this negotiation. */
  sentRange: boolean;
}

/** option_simple_close: the closing_complete we sent, as closing_sig must echo it. */
export interface SimpleClosingOffer {
  closerScriptpubkey: Uint8Array;
  closeeScriptpubkey: Uint8Array;
  feeSat: bigint;
  lockTime: number;
  /** The transaction variants we signed (the TLV fields we set). */
  variants: SimpleCloseVariant[];
}

/** option_simple_close state, from the moment the channel is clean after the shutdown exchange. */
export interface SimpleClosing {
  /** Our closing_complete still waiting for its closing_sig (we may not send another meanwhile). */
  awaitingSig?: SimpleClosingOffer;
  /** Our newest fully signed closing transaction (we pay its fee) and that fee. */
  ownTxid?: Uint8Array;
  ownFeeSat?: bigint;
  /** The peer's newest closing transaction we signed (the peer pays its fee). */
  remoteTxid?: Uint8Array;
  /** Every fully signed closing transaction, oldest first: any of them may confirm. */
  signedTxids: Uint8Array[];
}

/**
 * Everything the state machine knows about one channel. Plain data: `serializeChannel` turns it
 * into bytes for the Store. NOTE: the 32-byte channel seed lives here (every channel secret is
 * derived from it), so the serialized state is secret material; a later version may keep only a
 * key index and ask a signer.
 */
export interface ChannelState {
  version: 1;
  phase: ChannelPhase;
  /** True if we opened (funded) the channel and so pay the commitment fees. */
  isFunder: boolean;
  chainHash: Uint8Array;
  temporaryChannelId: Uint8Array;
  /** Set once the funding outpoint is known (funding_created). */
  channelId?: Uint8Array;
  format: ChannelFormat;
  /** The exact channel_type feature vector both sides agreed on. */
  channelType: Uint8Array;
  announce: boolean;
  fundingSat: bigint;
  pushMsat: bigint;
  fundingOutpoint?: Outpoint;
  minimumDepth: number;
  features: NegotiatedFeatures;
  /** The channel seed every key of ours derives from (see the note above). */
  channelSeed: Uint8Array;
  local: SideParams;
  remote?: SideParams;
  /** The peer's first per-commitment point (from open_channel / accept_channel). */
  remoteFirstPerCommitmentPoint?: Uint8Array;
  localCommit?: LocalCommit;
  remoteCommit?: RemoteCommit;
  remoteNextCommit?: RemoteNextCommit;
  /** The point for the peer's next commitment, when we are not waiting for a revocation. */
  remoteNextPerCommitmentPoint?: Uint8Array;
  localChanges: LocalChanges;
  remoteChanges: RemoteChanges;
  localNextHtlcId: bigint;
  remoteNextHtlcId: bigint;
  /** The per-commitment secrets the peer revealed. */
  remoteSecrets: ShachainStore;
  /** Our alias for this channel (option_scid_alias), chosen by the driver. */
  localAlias: bigint;
  remoteAlias?: bigint;
  /** The real short_channel_id, once the funding transaction is deep enough. */
  shortChannelId?: bigint;
  fundingDepth: number;
  channelReadySent: boolean;
  channelReadyReceived: boolean;
  connection: 'disconnected' | 'awaitingReestablish' | 'active';
  /**
   * The scriptpubkey we sent in shutdown (set once sent), and the peer's. With option_simple_close
   * each is the last script sent or received, from shutdown or closing_complete.
   */
  localShutdown?: Uint8Array;
  remoteShutdown?: Uint8Array;
  /** We want to send shutdown as soon as we have no unsigned updates. */
  shutdownQueued?: Uint8Array;
  /** The scriptpubkey our funds go to on a mutual close (the wallet's). */
  closeScript: Uint8Array;
  /** The feerate of the first commitments (open_channel's feerate_per_kw). */
  initialFeeratePerKw: number;
  closingFeeratePerKw: number;
  closing?: ClosingNegotiation;
  /** option_simple_close negotiation (instead of `closing`). */
  simpleClosing?: SimpleClosing;
  /** The fully signed transaction that closed (or is closing) the channel, once there is one. */
  closingTx?: Uint8Array;
  closingTxid?: Uint8Array;
  /** The reason the channel failed, if it did. */
  failureMessage?: string;
}

// ---------- inputs ----------

/** The BOLT 2 messages (and BOLT 1 error/warning) a channel consumes after creation. */
export type ChannelMessage =
  | AcceptChannel
  | FundingCreated
  | FundingSigned
  | ChannelReady
  | Shutdown
  | ClosingSigned
  | ClosingComplete
  | ClosingSig
  | UpdateAddHtlc
  | UpdateFulfillHtlc
  | UpdateFailHtlc
  | UpdateFailMalformedHtlc
  | CommitmentSigned
  | RevokeAndAck
  | UpdateFee
  | ChannelReestablish
  | Extract<WireMessage, { kind: 'error' | 'warning' }>;

/** Commands from the node. */
export type ChannelCommand =
  | {
      kind: 'addHtlc';
      amountMsat: bigint;
      paymentHash: Uint8Array;
      cltvExpiry: number;
      onionRoutingPacket: Uint8Array;
      /** BOLT 4 route blinding path_key, when relaying inside a blinded route. */
      pathKey?: Uint8Array;
    }
  /** `attributionData`: BOLT 4 attribution data (920 bytes) sent in the `attribution_data` TLV. */
  | { kind: 'fulfillHtlc'; htlcId: bigint; paymentPreimage: Uint8Array; attributionData?: Uint8Array }
  | { kind: 'failHtlc'; htlcId: bigint; reason: Uint8Array; attributionData?: Uint8Array }
  | { kind: 'failMalformedHtlc'; htlcId: bigint; sha256OfOnion: Uint8Array; failureCode: number }
  /** Send commitment_signed if there is anything to sign (and we may). */
  | { kind: 'signCommitment' }
  | { kind: 'updateFee'; feeratePerKw: number }
  /**
   * Start a cooperative close (send `shutdown`); without a script, the upfront or close script is
   * used. With option_simple_close, once the channel is clean (negotiating or closing), this sends a
   * new closing_complete of ours at the feerate (and script) given: our first offer, or an RBF of it.
   */
  | { kind: 'closeChannel'; scriptpubkey?: Uint8Array; closingFeeratePerKw?: number }
  | { kind: 'forceClose'; reason: string }
  /** Funder: the wallet built (and holds, unbroadcast) a funding transaction paying the 2-of-2. */
  | { kind: 'fundingTxReady'; txid: Uint8Array; outputIndex: number };

/** Chain events for this channel. */
export type ChainEvent =
  | { kind: 'fundingConfirmed'; depth: number; shortChannelId: bigint }
  | { kind: 'fundingSpent'; tx: Tx }
  | { kind: 'blockConnected'; height: number };

/** Connection events. */
export type ConnectionEvent = { kind: 'peerConnected' } | { kind: 'peerDisconnected' };

export type ChannelInput = ChannelMessage | ChannelCommand | ChainEvent | ConnectionEvent;

/** What a step may read from the world: the caller passes it in (no clocks inside). */
export interface StepContext {
  /** The current block height. */
  height: number;
  /** Unix time in seconds. */
  now: number;
  /** Our policy (defaults to DEFAULT_POLICY). */
  policy?: ChannelPolicy;
}

// ---------- outputs ----------

/** Why an outgoing HTLC was removed without a preimage. */
export type HtlcFailReason =
  /** update_fail_htlc; `attributionData` from its `attribution_data` TLV (920 bytes), if sent. */
  | { kind: 'onion'; reason: Uint8Array; attributionData?: Uint8Array }
  | { kind: 'malformed'; sha256OfOnion: Uint8Array; failureCode: number };

export type ChannelEvent =
  /** The channel id changed from the temporary one (funding outpoint known). */
  | { kind: 'channelIdAssigned'; temporaryChannelId: Uint8Array; channelId: Uint8Array }
  /** Both channel_ready exchanged: the channel can carry HTLCs. */
  | { kind: 'channelReady'; shortChannelId?: bigint; localAlias: bigint; remoteAlias?: bigint }
  /** We offered an HTLC (the id the peer will use to refer to it). */
  | { kind: 'htlcOffered'; htlcId: bigint; amountMsat: bigint; paymentHash: Uint8Array }
  /** An incoming HTLC is irrevocably committed: safe to forward or settle. */
  | {
      kind: 'htlcAdded';
      htlcId: bigint;
      amountMsat: bigint;
      paymentHash: Uint8Array;
      cltvExpiry: number;
      onionRoutingPacket: Uint8Array;
      pathKey?: Uint8Array;
      /** We had sent shutdown by then: do not route it onward (settling it as final hop is fine). */
      closing?: true;
    }
  /** An outgoing HTLC's preimage is known: the earliest moment to settle upstream. */
  | {
      kind: 'htlcFulfilled';
      htlcId: bigint;
      paymentHash: Uint8Array;
      paymentPreimage: Uint8Array;
      amountMsat: bigint;
      /** From update_fulfill_htlc's `attribution_data` TLV (920 bytes), if the peer sent it. */
      attributionData?: Uint8Array;
    }
  /** An outgoing HTLC is irrevocably removed without a preimage. */
  | {
      kind: 'htlcFailed';
      htlcId: bigint;
      paymentHash: Uint8Array;
      amountMsat: bigint;
      reason: HtlcFailReason;
    }
  /** An incoming HTLC we fulfilled or failed is irrevocably removed. */
  | { kind: 'htlcResolved'; htlcId: bigint; paymentHash: Uint8Array; amountMsat: bigint; fulfilled: boolean }
  /** Our irrevocably committed balance changed. */
  | { kind: 'balanceChanged'; localMsat: bigint; remoteMsat: bigint }
  /** The peer sent an error or a warning. */
  | { kind: 'peerError'; message: string; isWarning: boolean }
  | { kind: 'closing'; how: 'mutual' | 'local' | 'remote' | 'revoked'; txid: Uint8Array }
  | { kind: 'closed'; how: 'mutual' | 'local' | 'remote' | 'revoked' | 'aborted' }
  /** The peer proved we lost data: we must not broadcast; wait for the peer to close. */
  | { kind: 'dataLossDetected'; message: string };

/** Something to spend later from a commitment on chain (sweeping is a later module's job). */
export type SweepItem =
  | {
      kind: 'to_local';
      outputIndex: number;
      amountSat: bigint;
      witnessScript: Uint8Array;
      /** nSequence the spending input needs (our to_self_delay as the peer imposed it). */
      csvDelay: number;
      /** The per-commitment point to derive local_delayedprivkey from the delayed basepoint secret. */
      perCommitmentPoint: Uint8Array;
    }
  | {
      kind: 'htlc_timeout' | 'htlc_success';
      outputIndex: number;
      amountSat: bigint;
      htlcId: bigint;
      paymentHash: Uint8Array;
      cltvExpiry: number;
      /** The second-stage transaction, fully signed if we could (timeout always; success if we know the preimage). */
      tx: Tx;
      signed: boolean;
      /** Its output: a to_local-shaped script, spendable by us after csvDelay. */
      outputWitnessScript: Uint8Array;
      csvDelay: number;
      perCommitmentPoint: Uint8Array;
    }
  | { kind: 'anchor'; outputIndex: number; amountSat: bigint; witnessScript: Uint8Array }
  | {
      kind: 'to_remote';
      outputIndex: number;
      amountSat: bigint;
      /** Present with anchors (P2WSH, nSequence 1); absent for the P2WPKH of static_remotekey. */
      witnessScript?: Uint8Array;
    };

export type ChainAction =
  /** Funder: build (do not broadcast) a funding transaction paying `amountSat` to `script`. */
  | { kind: 'requestFundingTx'; temporaryChannelId: Uint8Array; script: Uint8Array; amountSat: bigint }
  /** Funder: the peer signed our first commitment, broadcast the funding transaction now. */
  | { kind: 'broadcastFunding'; txid: Uint8Array }
  /** Funder: the funding transaction will not be used (opening failed before funding_signed). */
  | { kind: 'abandonFunding'; txid: Uint8Array }
  /** Watch the funding output for depth and for its spend. */
  | { kind: 'watchFunding'; outpoint: Outpoint; script: Uint8Array; minimumDepth: number }
  | { kind: 'broadcastClosing'; tx: Uint8Array; txid: Uint8Array }
  /** Force close: our latest commitment, with both signatures, and what to sweep from it later. */
  | {
      kind: 'broadcastCommitment';
      tx: Uint8Array;
      txid: Uint8Array;
      commitmentNumber: number;
      sweeps: SweepItem[];
    }
  /** The peer's commitment is on chain: what is ours in it. */
  | { kind: 'recordRemoteCommitment'; txid: Uint8Array; revoked: boolean; sweeps: SweepItem[] };

/**
 * A BOLT 2 failure: `warning` (send a warning, close the connection; the channel lives on) or
 * `error` (send an error; with `forceClose` the channel is failed and our commitment broadcast).
 */
export interface ChannelFailure {
  kind: 'warning' | 'error';
  message: string;
  forceClose: boolean;
}

/** A command the machine refused (nothing changed). `code` lets the caller choose a BOLT 4 error. */
export interface CommandRejection {
  code:
    | 'not_ready'
    | 'disconnected'
    | 'closing'
    | 'below_minimum'
    | 'too_many_htlcs'
    | 'in_flight_limit'
    | 'insufficient_funds'
    | 'dust_exposure'
    | 'invalid'
    | 'unknown_htlc'
    | 'not_funder';
  message: string;
}

/** The result of one step. The driver persists `state` BEFORE sending `outbound` or acting. */
export interface StepResult {
  state: ChannelState;
  outbound: WireMessage[];
  events: ChannelEvent[];
  actions: ChainAction[];
  failure?: ChannelFailure;
  rejected?: CommandRejection;
}

export type { OpenChannel };
