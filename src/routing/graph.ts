// src/routing/graph.ts: the in-memory channel graph (the BOLT 7 view of the network) that
// pathfinding reads and gossip writes. Node ids are interned to integer indexes and every per-channel
// and per-direction field lives in a typed array, so 50k channels cost a few MB and the pathfinder's
// inner loop touches only numbers. Nothing here does I/O.
import { compareNodeIds, isNodeId, NODE_ID_LENGTH, nodeKey } from './node-id.js';

const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 0xffff_ffff;
const U16_MAX = 0xffff;
const MAX_SUPPLY_SAT = 2_100_000_000_000_000n;

/** What a channel_announcement (or a loader) tells the graph about a channel. */
export interface ChannelAnnouncementInfo {
  shortChannelId: bigint;
  /** BOLT 7 `node_id_1`: the lexicographically-lesser key. */
  node1: Uint8Array;
  node2: Uint8Array;
  /** Funding output value, when known (from the chain or a snapshot). */
  capacitySat: bigint | undefined;
  /** Channel feature bits that are set. */
  features?: readonly number[];
}

/** One direction's forwarding policy, as a channel_update gives it. */
export interface ChannelPolicy {
  feeBaseMsat: bigint;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
  htlcMinimumMsat: bigint;
  htlcMaximumMsat: bigint;
  disabled: boolean;
  /** channel_update `timestamp` (seconds); later updates replace earlier ones. */
  timestamp: number;
}

export interface ChannelInfo {
  shortChannelId: bigint;
  node1: Uint8Array;
  node2: Uint8Array;
  capacitySat: bigint | undefined;
  features: readonly number[];
  /** Index 0: what node1 charges to forward out over the channel (direction 0); index 1: node2. */
  policies: readonly [ChannelPolicy | undefined, ChannelPolicy | undefined];
}

export interface NodeInfo {
  nodeId: Uint8Array;
  alias: string | undefined;
  features: readonly number[];
  channelCount: number;
}

export type PolicyUpdateResult = 'updated' | 'unknown-channel' | 'stale';

/** Bits of the per-direction flag byte. */
export const POLICY_PRESENT = 1;
export const POLICY_DISABLED = 2;
/** htlc_maximum_msat below htlc_minimum_msat, or above the capacity. */
export const POLICY_UNUSABLE = 4;

/**
 * The flag byte of a policy on a channel of `capacitySat` (NaN when unknown): present, plus disabled
 * and unusable as the policy says. For the graph, and for policies that replace it in one search.
 */
export function policyFlags(
  p: Pick<ChannelPolicy, 'disabled' | 'htlcMinimumMsat' | 'htlcMaximumMsat'>,
  capacitySat: number,
): number {
  let flags = POLICY_PRESENT;
  if (p.disabled) flags |= POLICY_DISABLED;
  // BOLT 7: "if `htlc_maximum_msat` < `htlc_minimum_msat`: SHOULD ignore this channel during route
  // considerations." ... "if `htlc_maximum_msat` is greater than channel capacity: ... SHOULD ignore
  // this channel during route considerations."
  if (p.htlcMaximumMsat < p.htlcMinimumMsat) flags |= POLICY_UNUSABLE;
  if (!Number.isNaN(capacitySat) && p.htlcMaximumMsat > BigInt(capacitySat) * 1000n) flags |= POLICY_UNUSABLE;
  return flags;
}

/**
 * The raw arrays pathfinding walks. Valid until the next mutation of the graph (arrays are
 * reallocated when the graph grows); for src/routing and its own tests and benchmark only.
 * Slots index channels; a directed edge id is `slot * 2 + direction`.
 */
export interface GraphView {
  readonly nodeCount: number;
  readonly slotCount: number;
  /** For node v, incoming directed edges are inEdge[inStart[v] .. inStart[v + 1]); inFrom is the other end. */
  readonly inStart: Int32Array;
  readonly inEdge: Int32Array;
  readonly inFrom: Int32Array;
  readonly node1: Int32Array;
  readonly node2: Int32Array;
  readonly scids: BigUint64Array;
  /** Capacity in sat, NaN when unknown. */
  readonly capacitySat: Float64Array;
  readonly flags: Uint8Array;
  readonly feeBaseMsat: Uint32Array;
  readonly feeProportionalMillionths: Uint32Array;
  readonly cltvExpiryDelta: Uint16Array;
  /** Msat, exact below 2^53 (beyond that only the exact bigint copies are authoritative). */
  readonly htlcMinimumMsat: Float64Array;
  readonly htlcMaximumMsat: Float64Array;
}

function grow<T extends Int32Array | Uint32Array | Uint16Array | Uint8Array | Float64Array | BigUint64Array>(
  a: T,
  n: number,
): T {
  if (a.length >= n) return a;
  const b = new (a.constructor as new (len: number) => T)(Math.max(n, a.length * 2, 16));
  b.set(a as never);
  return b;
}

function checkNodeId(what: string, id: Uint8Array): void {
  if (!isNodeId(id)) throw new RangeError(`${what}: expected a 33-byte compressed public key`);
}

/**
 * A mutable channel graph. Gossip calls the mutation methods after it has verified messages;
 * arguments that break the types' ranges are bugs and throw `RangeError`, while the outcomes that
 * gossip must expect (a duplicate announcement, an update for an unknown channel, a stale update)
 * are return values.
 */
export class ChannelGraph {
  // Nodes.
  private readonly nodeIndexByKey = new Map<string, number>();
  private nodeIds = new Uint8Array(0);
  private readonly nodeAliases: (string | undefined)[] = [];
  private readonly nodeFeatures: (readonly number[] | undefined)[] = [];
  private readonly nodeChannels: number[][] = [];
  private nodes = 0;

  // Channels, by slot.
  private readonly slotByScid = new Map<bigint, number>();
  private readonly freeSlots: number[] = [];
  private readonly channelFeatures: (readonly number[] | undefined)[] = [];
  private slots = 0;
  private channels = 0;
  private scids = new BigUint64Array(0);
  private node1 = new Int32Array(0);
  private node2 = new Int32Array(0);
  private capacitySat = new Float64Array(0);

  // Policies, by directed edge (slot * 2 + direction).
  private flags = new Uint8Array(0);
  private feeBase = new Uint32Array(0);
  private feeProp = new Uint32Array(0);
  private cltvDelta = new Uint16Array(0);
  private htlcMin = new Float64Array(0);
  private htlcMax = new Float64Array(0);
  private htlcMinExact = new BigUint64Array(0);
  private htlcMaxExact = new BigUint64Array(0);
  private timestamps = new Uint32Array(0);

  // Incoming-edge index (CSR), rebuilt lazily after topology changes.
  private csr: { inStart: Int32Array; inEdge: Int32Array; inFrom: Int32Array } | undefined;

  /** Number of interned nodes (every node that has had a channel). */
  get nodeCount(): number {
    return this.nodes;
  }

  get channelCount(): number {
    return this.channels;
  }

  /**
   * Adds an announced channel. Returns false (and changes nothing) if the short channel id is
   * already known: duplicate announcements are normal in gossip.
   */
  addChannel(info: ChannelAnnouncementInfo): boolean {
    const { shortChannelId: scid, node1, node2, capacitySat } = info;
    if (scid < 0n || scid > U64_MAX) throw new RangeError('shortChannelId: expected a u64');
    checkNodeId('node1', node1);
    checkNodeId('node2', node2);
    // BOLT 7: "such that `node_id_1` is the lexicographically-lesser of the two compressed keys sorted in
    // ascending lexicographic order."
    if (compareNodeIds(node1, node2) >= 0) {
      throw new RangeError('node1 must sort before node2 (BOLT 7 node_id_1 < node_id_2)');
    }
    if (capacitySat !== undefined && (capacitySat < 0n || capacitySat > MAX_SUPPLY_SAT)) {
      throw new RangeError('capacitySat: expected 0 to 21M BTC');
    }
    if (this.slotByScid.has(scid)) return false;

    const a = this.internNode(node1);
    const b = this.internNode(node2);
    const slot = this.freeSlots.pop() ?? this.slots++;
    this.ensureSlots(this.slots);
    this.slotByScid.set(scid, slot);
    this.scids[slot] = scid;
    this.node1[slot] = a;
    this.node2[slot] = b;
    this.capacitySat[slot] = capacitySat === undefined ? Number.NaN : Number(capacitySat);
    this.channelFeatures[slot] = info.features === undefined ? undefined : [...info.features];
    for (const e of [slot * 2, slot * 2 + 1]) {
      this.flags[e] = 0;
      this.timestamps[e] = 0;
    }
    (this.nodeChannels[a] as number[]).push(slot);
    (this.nodeChannels[b] as number[]).push(slot);
    this.channels++;
    this.csr = undefined;
    return true;
  }

  /**
   * Applies one direction's channel_update. Direction 0 is the policy node1 charges to forward out
   * over the channel. An update no newer than the stored one is ignored.
   */
  updatePolicy(shortChannelId: bigint, direction: 0 | 1, policy: ChannelPolicy): PolicyUpdateResult {
    const slot = this.slotByScid.get(shortChannelId);
    if (slot === undefined) return 'unknown-channel';
    if (direction !== 0 && direction !== 1) throw new RangeError('direction: expected 0 or 1');
    const p = policy;
    if (p.feeBaseMsat < 0n || p.feeBaseMsat > BigInt(U32_MAX))
      throw new RangeError('feeBaseMsat: expected a u32');
    if (
      !Number.isInteger(p.feeProportionalMillionths) ||
      p.feeProportionalMillionths < 0 ||
      p.feeProportionalMillionths > U32_MAX
    ) {
      throw new RangeError('feeProportionalMillionths: expected a u32');
    }
    if (!Number.isInteger(p.cltvExpiryDelta) || p.cltvExpiryDelta < 0 || p.cltvExpiryDelta > U16_MAX) {
      throw new RangeError('cltvExpiryDelta: expected a u16');
    }
    if (p.htlcMinimumMsat < 0n || p.htlcMinimumMsat > U64_MAX)
      throw new RangeError('htlcMinimumMsat: expected a u64');
    if (p.htlcMaximumMsat < 0n || p.htlcMaximumMsat > U64_MAX)
      throw new RangeError('htlcMaximumMsat: expected a u64');
    if (!Number.isInteger(p.timestamp) || p.timestamp < 0 || p.timestamp > U32_MAX) {
      throw new RangeError('timestamp: expected a u32');
    }
    const e = slot * 2 + direction;
    // BOLT 7: "if `timestamp` is lower than that of the last-received `channel_update` for this
    // `short_channel_id` AND for `node_id`: SHOULD ignore the message." Equal timestamps are ignored too:
    // the same update re-signed carries nothing new.
    if ((this.flags[e] as number) & POLICY_PRESENT && p.timestamp <= (this.timestamps[e] as number))
      return 'stale';

    this.flags[e] = policyFlags(p, this.capacitySat[slot] as number);
    this.feeBase[e] = Number(p.feeBaseMsat);
    this.feeProp[e] = p.feeProportionalMillionths;
    this.cltvDelta[e] = p.cltvExpiryDelta;
    this.htlcMin[e] = Number(p.htlcMinimumMsat);
    this.htlcMax[e] = Number(p.htlcMaximumMsat);
    this.htlcMinExact[e] = p.htlcMinimumMsat;
    this.htlcMaxExact[e] = p.htlcMaximumMsat;
    this.timestamps[e] = p.timestamp;
    return 'updated';
  }

  /** Forgets a channel (closed, or pruned as stale). Its nodes stay interned. */
  removeChannel(shortChannelId: bigint): boolean {
    const slot = this.slotByScid.get(shortChannelId);
    if (slot === undefined) return false;
    this.slotByScid.delete(shortChannelId);
    for (const n of [this.node1[slot] as number, this.node2[slot] as number]) {
      const list = this.nodeChannels[n] as number[];
      const i = list.indexOf(slot);
      list[i] = list[list.length - 1] as number;
      list.pop();
    }
    this.flags[slot * 2] = 0;
    this.flags[slot * 2 + 1] = 0;
    this.node1[slot] = -1;
    this.node2[slot] = -1;
    this.channelFeatures[slot] = undefined;
    this.freeSlots.push(slot);
    this.channels--;
    this.csr = undefined;
    return true;
  }

  /**
   * Records what a node_announcement says about a node. Returns false for a node the graph does not
   * know. BOLT 7: "if `node_id` is NOT previously known from a `channel_announcement` message, OR if
   * `timestamp` is NOT greater than the last-received `node_announcement` from this `node_id`: SHOULD
   * ignore the message." (Timestamps are gossip's to compare.)
   */
  setNodeInfo(nodeId: Uint8Array, info: { alias?: string; features?: readonly number[] }): boolean {
    const i = this.nodeIndexOf(nodeId);
    if (i < 0) return false;
    if (info.alias !== undefined) this.nodeAliases[i] = info.alias;
    if (info.features !== undefined) this.nodeFeatures[i] = [...info.features];
    return true;
  }

  hasNode(nodeId: Uint8Array): boolean {
    return this.nodeIndexOf(nodeId) >= 0;
  }

  hasChannel(shortChannelId: bigint): boolean {
    return this.slotByScid.has(shortChannelId);
  }

  getNode(nodeId: Uint8Array): NodeInfo | undefined {
    const i = this.nodeIndexOf(nodeId);
    return i < 0 ? undefined : this.nodeInfoAt(i);
  }

  getChannel(shortChannelId: bigint): ChannelInfo | undefined {
    const slot = this.slotByScid.get(shortChannelId);
    return slot === undefined ? undefined : this.channelInfoAt(slot);
  }

  getPolicy(shortChannelId: bigint, direction: 0 | 1): ChannelPolicy | undefined {
    const slot = this.slotByScid.get(shortChannelId);
    return slot === undefined ? undefined : this.policyAt(slot * 2 + direction);
  }

  /** The channels of a node, in no particular order. */
  channelsOf(nodeId: Uint8Array): ChannelInfo[] {
    const i = this.nodeIndexOf(nodeId);
    if (i < 0) return [];
    return (this.nodeChannels[i] as number[]).map((s) => this.channelInfoAt(s));
  }

  *nodeEntries(): IterableIterator<NodeInfo> {
    for (let i = 0; i < this.nodes; i++) yield this.nodeInfoAt(i);
  }

  *channelEntries(): IterableIterator<ChannelInfo> {
    for (const slot of this.slotByScid.values()) yield this.channelInfoAt(slot);
  }

  // ---- index-level access for src/routing ----

  /** The interned index of a node, or -1. */
  nodeIndexOf(nodeId: Uint8Array): number {
    if (nodeId.length !== NODE_ID_LENGTH) return -1;
    return this.nodeIndexByKey.get(nodeKey(nodeId)) ?? -1;
  }

  /** A copy of the node id at an interned index. */
  nodeIdAt(index: number): Uint8Array {
    if (!(index >= 0 && index < this.nodes)) throw new RangeError(`no node at index ${index}`);
    return this.nodeIds.slice(index * NODE_ID_LENGTH, (index + 1) * NODE_ID_LENGTH);
  }

  /** The slot of a channel, or -1. */
  slotOf(shortChannelId: bigint): number {
    return this.slotByScid.get(shortChannelId) ?? -1;
  }

  /** Exact htlc limits of a directed edge (the view's doubles are exact only below 2^53). */
  htlcLimitsExact(edge: number): { minimumMsat: bigint; maximumMsat: bigint } {
    return { minimumMsat: this.htlcMinExact[edge] as bigint, maximumMsat: this.htlcMaxExact[edge] as bigint };
  }

  /** See {@link GraphView}. Builds the incoming-edge index if the topology changed since the last call. */
  view(): GraphView {
    const csr = this.csr ?? this.buildCsr();
    return {
      nodeCount: this.nodes,
      slotCount: this.slots,
      inStart: csr.inStart,
      inEdge: csr.inEdge,
      inFrom: csr.inFrom,
      node1: this.node1,
      node2: this.node2,
      scids: this.scids,
      capacitySat: this.capacitySat,
      flags: this.flags,
      feeBaseMsat: this.feeBase,
      feeProportionalMillionths: this.feeProp,
      cltvExpiryDelta: this.cltvDelta,
      htlcMinimumMsat: this.htlcMin,
      htlcMaximumMsat: this.htlcMax,
    };
  }

  // ---- internals ----

  private internNode(id: Uint8Array): number {
    const key = nodeKey(id);
    const known = this.nodeIndexByKey.get(key);
    if (known !== undefined) return known;
    const i = this.nodes++;
    this.nodeIds = grow(this.nodeIds, this.nodes * NODE_ID_LENGTH);
    this.nodeIds.set(id, i * NODE_ID_LENGTH);
    this.nodeIndexByKey.set(key, i);
    this.nodeAliases.push(undefined);
    this.nodeFeatures.push(undefined);
    this.nodeChannels.push([]);
    this.csr = undefined;
    return i;
  }

  private ensureSlots(n: number): void {
    this.scids = grow(this.scids, n);
    this.node1 = grow(this.node1, n);
    this.node2 = grow(this.node2, n);
    this.capacitySat = grow(this.capacitySat, n);
    const e = n * 2;
    this.flags = grow(this.flags, e);
    this.feeBase = grow(this.feeBase, e);
    this.feeProp = grow(this.feeProp, e);
    this.cltvDelta = grow(this.cltvDelta, e);
    this.htlcMin = grow(this.htlcMin, e);
    this.htlcMax = grow(this.htlcMax, e);
    this.htlcMinExact = grow(this.htlcMinExact, e);
    this.htlcMaxExact = grow(this.htlcMaxExact, e);
    this.timestamps = grow(this.timestamps, e);
  }

  private buildCsr(): { inStart: Int32Array; inEdge: Int32Array; inFrom: Int32Array } {
    const n = this.nodes;
    const inStart = new Int32Array(n + 1);
    for (let v = 0; v < n; v++)
      inStart[v + 1] = (inStart[v] as number) + (this.nodeChannels[v] as number[]).length;
    const inEdge = new Int32Array(inStart[n] as number);
    const inFrom = new Int32Array(inStart[n] as number);
    for (let v = 0; v < n; v++) {
      let k = inStart[v] as number;
      for (const slot of this.nodeChannels[v] as number[]) {
        const a = this.node1[slot] as number;
        // The edge into v is the direction sent by the other end: direction 0 if the other end is node1.
        const fromNode1 = a !== v;
        inEdge[k] = slot * 2 + (fromNode1 ? 0 : 1);
        inFrom[k] = fromNode1 ? a : (this.node2[slot] as number);
        k++;
      }
    }
    this.csr = { inStart, inEdge, inFrom };
    return this.csr;
  }

  private nodeInfoAt(i: number): NodeInfo {
    return {
      nodeId: this.nodeIdAt(i),
      alias: this.nodeAliases[i],
      features: this.nodeFeatures[i] ?? [],
      channelCount: (this.nodeChannels[i] as number[]).length,
    };
  }

  private channelInfoAt(slot: number): ChannelInfo {
    const cap = this.capacitySat[slot] as number;
    return {
      shortChannelId: this.scids[slot] as bigint,
      node1: this.nodeIdAt(this.node1[slot] as number),
      node2: this.nodeIdAt(this.node2[slot] as number),
      capacitySat: Number.isNaN(cap) ? undefined : BigInt(cap),
      features: this.channelFeatures[slot] ?? [],
      policies: [this.policyAt(slot * 2), this.policyAt(slot * 2 + 1)],
    };
  }

  private policyAt(e: number): ChannelPolicy | undefined {
    const flags = this.flags[e] as number;
    if ((flags & POLICY_PRESENT) === 0) return undefined;
    return {
      feeBaseMsat: BigInt(this.feeBase[e] as number),
      feeProportionalMillionths: this.feeProp[e] as number,
      cltvExpiryDelta: this.cltvDelta[e] as number,
      htlcMinimumMsat: this.htlcMinExact[e] as bigint,
      htlcMaximumMsat: this.htlcMaxExact[e] as bigint,
      disabled: (flags & POLICY_DISABLED) !== 0,
      timestamp: this.timestamps[e] as number,
    };
  }
}
