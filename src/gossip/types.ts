// src/gossip/types.ts: the narrow interfaces gossip needs from the rest of the node (the chain, the
// graph, the signer, the store) and the typed reasons a gossip message is turned away.
import type { KvNamespace } from '../store/index.js';

/**
 * Looks up the output a short_channel_id points at. Implemented by the chain module.
 * - `{ scriptPubKey, valueSat }`: the output exists, is confirmed deeply enough (BOLT 7 asks for 6
 *   confirmations; the implementation may accept one close to it) and is unspent.
 * - `'spent'`: the output existed and has been spent.
 * - `'unknown'`: no such confirmed output (or not deep enough yet).
 * A node that cannot look outputs up at all passes no lookup: announcements are then accepted on
 * their signatures alone and channel capacities stay unknown.
 */
export interface FundingOutputLookup {
  getOutput(
    shortChannelId: bigint,
  ): Promise<{ scriptPubKey: Uint8Array; valueSat: bigint } | 'spent' | 'unknown'>;
}

/** One direction's forwarding policy as the graph takes it (src/routing's ChannelPolicy). */
export interface GraphPolicy {
  feeBaseMsat: bigint;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
  htlcMinimumMsat: bigint;
  htlcMaximumMsat: bigint;
  disabled: boolean;
  timestamp: number;
}

/**
 * The writes gossip makes to the channel graph. src/routing's `ChannelGraph` satisfies it; gossip
 * does not import routing (routing sits below gossip in the module order), the node wires them.
 */
export interface GossipGraph {
  addChannel(info: {
    shortChannelId: bigint;
    node1: Uint8Array;
    node2: Uint8Array;
    capacitySat: bigint | undefined;
    features?: readonly number[];
  }): boolean;
  updatePolicy(shortChannelId: bigint, direction: 0 | 1, policy: GraphPolicy): string;
  removeChannel(shortChannelId: bigint): boolean;
  setNodeInfo(nodeId: Uint8Array, info: { alias?: string; features?: readonly number[] }): boolean;
}

/** Signs 32-byte digests with our keys; returns 64-byte compact (low-S) signatures. */
export interface GossipSigner {
  /** Our node id (compressed public key). */
  readonly nodeId: Uint8Array;
  signWithNodeKey(digest32: Uint8Array): Uint8Array;
  /** Signs with the private key of `fundingPubkey`, our `bitcoin_key` in a channel. */
  signWithFundingKey(fundingPubkey: Uint8Array, digest32: Uint8Array): Uint8Array;
}

/** What gossip needs of the Store: its kv namespaces, and transactions to write a batch at once. */
export interface GossipStore {
  transaction<T>(fn: (tx: { kv(namespace: string): KvNamespace }) => Promise<T>): Promise<T>;
  kv(namespace: string): KvNamespace;
}

/**
 * Why a gossip message was not taken. `severity` says what BOLT 7 asks of the receiver: `ignore`
 * (drop quietly) or `warn` (drop, and send the peer a `warning`; the peer module may also close).
 */
export type RejectReason =
  | 'unknown_chain'
  | 'node_ids_not_ascending'
  | 'invalid_public_key'
  | 'invalid_signature'
  | 'duplicate'
  | 'conflicting_announcement'
  | 'funding_unknown'
  | 'funding_spent'
  | 'funding_script_mismatch'
  | 'funding_lookup_failed'
  | 'unknown_channel'
  | 'unknown_node'
  | 'stale_timestamp'
  | 'same_timestamp_different_fields'
  | 'timestamp_in_future'
  | 'timestamp_too_old'
  | 'rate_limited';

export type Verdict =
  | { ok: true }
  | { ok: false; reason: RejectReason; severity: 'ignore' | 'warn'; detail: string };

export const accept: Verdict = Object.freeze({ ok: true });

export function reject(
  reason: RejectReason,
  detail: string,
  severity: 'ignore' | 'warn' = 'ignore',
): Verdict {
  return { ok: false, reason, severity, detail };
}
