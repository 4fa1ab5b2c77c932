// src/chain/types.ts: what the rest of ksnode knows about the chain.
//
// Two layers. A `ChainBackend` is the small thing each data source (Esplora, bitcoind, the
// devnet) implements: blocks by height and hash, broadcast, fee estimates. A `ChainSource` is
// what the node, the wallet and channels use: watches and events. One generic `ChainWatcher`
// turns any backend into a source, so reorg handling and watch matching exist once.

/** A block's place in the chain. `hash` is in internal byte order (see ids.ts). */
export interface BlockId {
  height: number;
  hash: Uint8Array;
}

/** A transaction output reference. `txid` is in internal byte order (see ids.ts). */
export interface OutPoint {
  txid: Uint8Array;
  vout: number;
}

/** The answer to a broadcast: accepted (or already known), or refused with the backend's reason. */
export type BroadcastResult =
  | { ok: true; txid: Uint8Array }
  | { ok: false; code: 'rejected'; reason: string }
  | { ok: false; code: 'unavailable'; reason: string };

/** Fee estimates: confirmation target in blocks -> fee rate in sat per 1000 weight units. */
export type FeeEstimates = ReadonlyMap<number, bigint>;

/**
 * A source of blocks. Every method may throw `ChainBackendError` when the backend is
 * unreachable; answers that do not parse throw `ChainDataError`.
 */
export interface ChainBackend {
  /** Short name for logs and errors ("esplora", "bitcoind", "devnet"). */
  readonly name: string;
  /** The best block the backend knows. */
  getTip(): Promise<BlockId>;
  /** The hash of the best chain's block at `height`, or undefined above the tip. */
  getBlockHash(height: number): Promise<Uint8Array | undefined>;
  /** The 80-byte header, or undefined for an unknown hash. */
  getBlockHeader(hash: Uint8Array): Promise<Uint8Array | undefined>;
  /** The serialized block (header and transactions), or undefined for an unknown hash. */
  getBlock(hash: Uint8Array): Promise<Uint8Array | undefined>;
  /** Hands a signed transaction to the network. */
  broadcast(rawTx: Uint8Array): Promise<BroadcastResult>;
  /** Whatever estimates the backend has (may be empty, as on a fresh regtest). */
  getFeeEstimates(): Promise<FeeEstimates>;
}

/** How a watch is scanned. */
export interface WatchOptions {
  /**
   * Also look at blocks from this height up to the current tip (a rescan). Without it only
   * blocks connected after the watch was added are matched.
   */
  fromHeight?: number;
  /** Repeat the confirmation event as the block gets buried, up to this depth. Default 6. */
  depthUpdatesUntil?: number;
}

/** An output paying a watched script, confirmed in a block. */
export interface ScriptConfirmedEvent {
  kind: 'script_confirmed';
  script: Uint8Array;
  txid: Uint8Array;
  tx: Uint8Array;
  vout: number;
  valueSat: bigint;
  isCoinbase: boolean;
  height: number;
  blockHash: Uint8Array;
  /** Position of the transaction in its block (BOLT 7 short_channel_id wants it). */
  txIndex: number;
  /** 1 in the block that confirms it; repeated with larger depths as blocks arrive. */
  depth: number;
}

/** A watched outpoint spent by a transaction in a block. */
export interface OutpointSpentEvent {
  kind: 'outpoint_spent';
  outpoint: OutPoint;
  spendingTxid: Uint8Array;
  spendingTx: Uint8Array;
  inputIndex: number;
  height: number;
  blockHash: Uint8Array;
  txIndex: number;
  depth: number;
}

/** A transaction reported by an earlier event was in a block that a reorg removed. */
export interface TxUnconfirmedEvent {
  kind: 'tx_unconfirmed';
  txid: Uint8Array;
  height: number;
  blockHash: Uint8Array;
}

export interface BlockConnectedEvent {
  kind: 'block_connected';
  height: number;
  hash: Uint8Array;
  header: Uint8Array;
}

export interface BlockDisconnectedEvent {
  kind: 'block_disconnected';
  height: number;
  hash: Uint8Array;
}

/**
 * Everything a `ChainSource` reports, in chain order. A reorg reads as: `tx_unconfirmed` for the
 * affected transactions and `block_disconnected` for each removed block (top down), then
 * `block_connected` and matches for the new blocks. A block's matches follow its
 * `block_connected`. Listeners see every event (not only their own watches) and must be
 * idempotent: a rescan may report a match again.
 */
export type ChainEvent =
  | BlockConnectedEvent
  | BlockDisconnectedEvent
  | ScriptConfirmedEvent
  | OutpointSpentEvent
  | TxUnconfirmedEvent;

/** A listener may return a promise; the source waits for it before the next event (persist first). */
export type ChainListener = (event: ChainEvent) => void | Promise<void>;

/** The node's view of the chain: watches and events, broadcast, fee estimates. */
export interface ChainSource {
  /** The last block processed, undefined before the first sync. */
  readonly tip: BlockId | undefined;
  watchScript(script: Uint8Array, options?: WatchOptions): void;
  unwatchScript(script: Uint8Array): void;
  watchOutpoint(outpoint: OutPoint, options?: WatchOptions): void;
  unwatchOutpoint(outpoint: OutPoint): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: ChainListener): () => void;
  broadcast(rawTx: Uint8Array): Promise<BroadcastResult>;
  /** A fee rate for confirmation within `targetBlocks`, never below the relay floor (253 sat/kw). */
  estimateFeeSatPerKw(targetBlocks: number): Promise<bigint>;
  /** Polls the backend now and delivers every resulting event before resolving. */
  sync(): Promise<void>;
}
