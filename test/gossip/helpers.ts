// Test helpers for src/gossip: deterministic keys, hand-signed gossip messages (built with the wire
// hash helpers and crypto directly, not with src/gossip/own.ts, so that verification tests do not
// check the code against itself), an in-memory store, a fake chain, and a network of gossipers
// that exchange encoded messages without sockets.
import { bytesToHex, ecdsaSign, hexToBytes, publicKeyCreate, sha256 } from '../../src/crypto/index.js';
import {
  type FundingOutputLookup,
  type GossipEvent,
  Gossiper,
  type GossiperOptions,
  type GossipOutcome,
  type GossipSigner,
  type GossipStore,
  type OurChannel,
} from '../../src/gossip/index.js';
import { ChannelGraph } from '../../src/routing/index.js';
import type { KvEntry, KvNamespace } from '../../src/store/index.js';
import { fundingScript, p2wsh } from '../../src/tx/index.js';
import {
  aliasFromString,
  type ChannelAnnouncement,
  type ChannelUpdate,
  channelAnnouncementHash,
  channelUpdateHash,
  decodeMessage,
  encodeMessage,
  FEATURES,
  Features,
  type NodeAddress,
  type NodeAnnouncement,
  nodeAnnouncementHash,
  type WireMessage,
} from '../../src/wire/index.js';

/** The regtest genesis hash in internal byte order, as BOLT messages carry it. */
export const REGTEST = hexToBytes('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f');
export const OTHER_CHAIN = hexToBytes('6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000');

export interface TestKey {
  priv: Uint8Array;
  pub: Uint8Array;
}

export function key(label: string): TestKey {
  const priv = sha256(new TextEncoder().encode(label));
  return { priv, pub: publicKeyCreate(priv) };
}

/** A test node: node key plus a funding key per channel label. */
export class TestNode implements GossipSigner {
  readonly node: TestKey;
  private readonly funding = new Map<string, Uint8Array>();

  constructor(readonly name: string) {
    this.node = key(`node:${name}`);
  }

  get nodeId(): Uint8Array {
    return this.node.pub;
  }

  fundingKey(channel: string): TestKey {
    const k = key(`funding:${this.name}:${channel}`);
    this.funding.set(bytesToHex(k.pub), k.priv);
    return k;
  }

  signWithNodeKey(digest32: Uint8Array): Uint8Array {
    return ecdsaSign(digest32, this.node.priv);
  }

  signWithFundingKey(fundingPubkey: Uint8Array, digest32: Uint8Array): Uint8Array {
    const priv = this.funding.get(bytesToHex(fundingPubkey));
    if (priv === undefined) throw new Error(`${this.name} has no funding key ${bytesToHex(fundingPubkey)}`);
    return ecdsaSign(digest32, priv);
  }
}

/** Orders two nodes as node_id_1 < node_id_2. */
export function ordered(a: TestNode, b: TestNode): [TestNode, TestNode] {
  return Buffer.compare(Buffer.from(a.nodeId), Buffer.from(b.nodeId)) < 0 ? [a, b] : [b, a];
}

export function scid(block: number, tx: number, out: number): bigint {
  return (BigInt(block) << 40n) | (BigInt(tx) << 16n) | BigInt(out);
}

export interface SignedChannel {
  msg: ChannelAnnouncement;
  node1: TestNode;
  node2: TestNode;
  bitcoinKey1: TestKey;
  bitcoinKey2: TestKey;
  /** The funding output this announcement points at. */
  output: { scriptPubKey: Uint8Array; valueSat: bigint };
}

/** A channel_announcement between two nodes, signed by all four keys. */
export function signedAnnouncement(
  a: TestNode,
  b: TestNode,
  shortChannelId: bigint,
  opts: { chainHash?: Uint8Array; valueSat?: bigint } = {},
): SignedChannel {
  const [n1, n2] = ordered(a, b);
  const label = shortChannelId.toString();
  const k1 = n1.fundingKey(label);
  const k2 = n2.fundingKey(label);
  const zero = new Uint8Array(64);
  const unsigned: ChannelAnnouncement = {
    kind: 'channel_announcement',
    nodeSignature1: zero,
    nodeSignature2: zero,
    bitcoinSignature1: zero,
    bitcoinSignature2: zero,
    features: new Uint8Array(0),
    chainHash: opts.chainHash ?? REGTEST,
    shortChannelId,
    nodeId1: n1.nodeId,
    nodeId2: n2.nodeId,
    bitcoinKey1: k1.pub,
    bitcoinKey2: k2.pub,
  };
  const h = channelAnnouncementHash(unsigned);
  const msg = {
    ...unsigned,
    nodeSignature1: ecdsaSign(h, n1.node.priv),
    nodeSignature2: ecdsaSign(h, n2.node.priv),
    bitcoinSignature1: ecdsaSign(h, k1.priv),
    bitcoinSignature2: ecdsaSign(h, k2.priv),
  };
  return {
    msg,
    node1: n1,
    node2: n2,
    bitcoinKey1: k1,
    bitcoinKey2: k2,
    output: { scriptPubKey: p2wsh(fundingScript(k1.pub, k2.pub)), valueSat: opts.valueSat ?? 1_000_000n },
  };
}

export interface UpdateSpec {
  timestamp: number;
  feeBaseMsat?: number;
  feeProportionalMillionths?: number;
  cltvExpiryDelta?: number;
  htlcMinimumMsat?: bigint;
  htlcMaximumMsat?: bigint;
  disabled?: boolean;
  dontForward?: boolean;
  chainHash?: Uint8Array;
}

/** A channel_update from `from` (one end of the channel), signed by `signer` (default: `from`). */
export function signedUpdate(
  ch: Pick<SignedChannel, 'msg' | 'node1'>,
  from: TestNode,
  spec: UpdateSpec,
  signer: TestNode = from,
): ChannelUpdate {
  const direction = Buffer.from(from.nodeId).equals(Buffer.from(ch.node1.nodeId)) ? 0 : 1;
  const unsigned: ChannelUpdate = {
    kind: 'channel_update',
    signature: new Uint8Array(64),
    chainHash: spec.chainHash ?? REGTEST,
    shortChannelId: ch.msg.shortChannelId,
    timestamp: spec.timestamp,
    messageFlags: 1 | (spec.dontForward === true ? 2 : 0),
    channelFlags: direction | (spec.disabled === true ? 2 : 0),
    cltvExpiryDelta: spec.cltvExpiryDelta ?? 40,
    htlcMinimumMsat: spec.htlcMinimumMsat ?? 1000n,
    feeBaseMsat: spec.feeBaseMsat ?? 1000,
    feeProportionalMillionths: spec.feeProportionalMillionths ?? 10,
    htlcMaximumMsat: spec.htlcMaximumMsat ?? 500_000_000n,
  };
  return { ...unsigned, signature: ecdsaSign(channelUpdateHash(unsigned), signer.node.priv) };
}

export function signedNodeAnnouncement(
  node: TestNode,
  timestamp: number,
  opts: { alias?: string; addresses?: NodeAddress[]; signer?: TestNode } = {},
): NodeAnnouncement {
  const unsigned: NodeAnnouncement = {
    kind: 'node_announcement',
    signature: new Uint8Array(64),
    features: Features.of([FEATURES.keysend, 'optional']).toBytes(),
    timestamp,
    nodeId: node.nodeId,
    rgbColor: Uint8Array.of(1, 2, 3),
    alias: aliasFromString(opts.alias ?? node.name),
    addresses: opts.addresses ?? [],
  };
  const signer = opts.signer ?? node;
  return { ...unsigned, signature: ecdsaSign(nodeAnnouncementHash(unsigned), signer.node.priv) };
}

// ---------- store and chain fakes ----------

/** A KvNamespace in memory (code-point key order, as the real one). */
export class MemoryKv implements KvNamespace {
  readonly map = new Map<string, Uint8Array>();
  async get(k: string) {
    return this.map.get(k);
  }
  async put(k: string, v: Uint8Array) {
    this.map.set(k, Uint8Array.from(v));
  }
  async delete(k: string) {
    return this.map.delete(k);
  }
  async list(prefix = ''): Promise<KvEntry[]> {
    return [...this.map]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, value]) => ({ key: k, value }));
  }
}

export class MemoryStore implements GossipStore {
  readonly spaces = new Map<string, MemoryKv>();
  transactions = 0;
  kv(ns: string): MemoryKv {
    let s = this.spaces.get(ns);
    if (s === undefined) {
      s = new MemoryKv();
      this.spaces.set(ns, s);
    }
    return s;
  }
  async transaction<T>(fn: (tx: { kv(ns: string): KvNamespace }) => Promise<T>): Promise<T> {
    this.transactions++;
    return fn({ kv: (ns) => this.kv(ns) });
  }
}

export class FakeChain implements FundingOutputLookup {
  readonly outputs = new Map<bigint, { scriptPubKey: Uint8Array; valueSat: bigint } | 'spent'>();
  lookups = 0;
  add(scid: bigint, output: { scriptPubKey: Uint8Array; valueSat: bigint }): void {
    this.outputs.set(scid, output);
  }
  async getOutput(scid: bigint) {
    this.lookups++;
    return this.outputs.get(scid) ?? 'unknown';
  }
}

export class Clock {
  constructor(public ms: number) {}
  get sec(): number {
    return Math.floor(this.ms / 1000);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  readonly now = (): number => this.ms;
}

// ---------- a network of gossipers ----------

export interface Sent {
  from: string;
  to: string;
  msg: WireMessage;
}

export interface NetNode {
  name: string;
  node: TestNode;
  gossiper: Gossiper;
  graph: ChannelGraph;
  events: GossipEvent[];
  outcomes: { from: string; kind: string; outcome: GossipOutcome }[];
}

/** Gossipers wired by in-memory links; messages are encoded and decoded on the way (as on a wire). */
export class Network {
  readonly nodes = new Map<string, NetNode>();
  readonly log: Sent[] = [];
  private readonly queue: { from: string; to: string; bytes: Uint8Array }[] = [];
  private readonly links = new Set<string>();

  constructor(
    readonly clock: Clock,
    readonly chain: FakeChain,
  ) {}

  add(name: string, extra: Partial<GossiperOptions> = {}): NetNode {
    const node = new TestNode(name);
    const graph = new ChannelGraph();
    const events: GossipEvent[] = [];
    const gossiper = new Gossiper({
      chainHash: REGTEST,
      signer: node,
      graph,
      clock: this.clock.now,
      fundingLookup: this.chain,
      send: (to, msg) => {
        const toName = this.nameOf(to);
        this.log.push({ from: name, to: toName, msg });
        if (this.links.has(linkKey(name, toName)))
          this.queue.push({ from: name, to: toName, bytes: encodeMessage(msg) });
      },
      onEvent: (e) => events.push(e),
      ...extra,
    });
    const n: NetNode = { name, node, gossiper, graph, events, outcomes: [] };
    this.nodes.set(name, n);
    return n;
  }

  get(name: string): NetNode {
    const n = this.nodes.get(name);
    if (n === undefined) throw new Error(`no node ${name}`);
    return n;
  }

  nameOf(id: Uint8Array): string {
    for (const n of this.nodes.values())
      if (Buffer.from(n.node.nodeId).equals(Buffer.from(id))) return n.name;
    return bytesToHex(id);
  }

  /** Connects two gossipers; `features` are what each side sees of the other's init. */
  async connect(a: string, b: string, features: Features = gossipFeatures()): Promise<void> {
    this.links.add(linkKey(a, b));
    await this.get(a).gossiper.onPeerConnected(this.get(b).node.nodeId, features);
    await this.get(b).gossiper.onPeerConnected(this.get(a).node.nodeId, features);
  }

  async disconnect(a: string, b: string): Promise<void> {
    this.links.delete(linkKey(a, b));
    await this.get(a).gossiper.onPeerDisconnected(this.get(b).node.nodeId);
    await this.get(b).gossiper.onPeerDisconnected(this.get(a).node.nodeId);
  }

  /** Delivers queued messages (and whatever they cause) until nothing is in flight. */
  async settle(maxMessages = 100_000): Promise<number> {
    let n = 0;
    while (this.queue.length > 0) {
      if (++n > maxMessages) throw new Error('network did not settle');
      const m = this.queue.shift() as { from: string; to: string; bytes: Uint8Array };
      const decoded = decodeMessage(m.bytes);
      if (!decoded.ok) throw new Error(`undecodable message from ${m.from}: ${decoded.error.message}`);
      if (decoded.value.kind === 'unknown') throw new Error('unknown message');
      const to = this.get(m.to);
      const outcome = await to.gossiper.onMessage(this.get(m.from).node.nodeId, decoded.value);
      to.outcomes.push({ from: m.from, kind: decoded.value.kind, outcome });
    }
    return n;
  }

  /** Advances the clock past a flush interval, ticks everyone and settles, `rounds` times. */
  async flushRounds(rounds: number, stepMs = 60_000): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      this.clock.advance(stepMs);
      for (const n of this.nodes.values()) await n.gossiper.tick();
      await this.settle();
    }
  }

  /** Messages of a kind sent from one node to another since the log was last cleared. */
  sent(from: string, to: string, kind?: WireMessage['kind']): WireMessage[] {
    return this.log
      .filter((s) => s.from === from && s.to === to && (kind === undefined || s.msg.kind === kind))
      .map((s) => s.msg);
  }
}

function linkKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** init features with gossip_queries and gossip_queries_ex offered. */
export function gossipFeatures(ex = true): Features {
  const f = Features.of([FEATURES.gossipQueries, 'optional']);
  return ex ? f.withOptional(FEATURES.gossipQueriesEx) : f;
}

export const DEFAULT_POLICY = {
  cltvExpiryDelta: 40,
  htlcMinimumMsat: 1000n,
  htlcMaximumMsat: 500_000_000n,
  feeBaseMsat: 1000n,
  feeProportionalMillionths: 100,
};

/**
 * Describes a channel between two network nodes to both of them (as the channel module would),
 * registers its funding output on the fake chain, and returns both sides' OurChannel records.
 */
export function ourChannelPair(
  net: Network,
  a: string,
  b: string,
  shortChannelId: bigint,
  opts: { announce?: boolean; ready?: boolean; capacitySat?: bigint } = {},
): [OurChannel, OurChannel] {
  const na = net.get(a).node;
  const nb = net.get(b).node;
  const label = shortChannelId.toString();
  const ka = na.fundingKey(label);
  const kb = nb.fundingKey(label);
  const capacitySat = opts.capacitySat ?? 1_000_000n;
  net.chain.add(shortChannelId, {
    scriptPubKey: p2wsh(fundingScript(ka.pub, kb.pub)),
    valueSat: capacitySat,
  });
  const channelId = sha256(new TextEncoder().encode(`channel:${label}`));
  const base = {
    channelId,
    shortChannelId,
    announce: opts.announce ?? true,
    usable: true,
    announcementReady: opts.ready ?? true,
    capacitySat,
    disabled: false,
  };
  return [
    {
      ...base,
      peerNodeId: nb.nodeId,
      ourFundingPubkey: ka.pub,
      theirFundingPubkey: kb.pub,
      policy: { ...DEFAULT_POLICY },
    },
    {
      ...base,
      peerNodeId: na.nodeId,
      ourFundingPubkey: kb.pub,
      theirFundingPubkey: ka.pub,
      policy: { ...DEFAULT_POLICY, feeBaseMsat: 2000n, cltvExpiryDelta: 80 },
    },
  ];
}

/** A comparable summary of a graph: channels with their policies, and node aliases. */
export function graphSummary(g: ChannelGraph): string[] {
  const out: string[] = [];
  for (const c of g.channelEntries()) {
    const pol = c.policies.map((p) =>
      p === undefined
        ? '-'
        : `${p.feeBaseMsat}/${p.feeProportionalMillionths}/${p.cltvExpiryDelta}/${p.disabled}`,
    );
    out.push(
      `c ${c.shortChannelId} ${bytesToHex(c.node1)} ${bytesToHex(c.node2)} ${c.capacitySat} ${pol.join(' ')}`,
    );
  }
  for (const n of g.nodeEntries())
    if (n.channelCount > 0) out.push(`n ${bytesToHex(n.nodeId)} ${n.alias} ${n.features.join(',')}`);
  return out.sort();
}
