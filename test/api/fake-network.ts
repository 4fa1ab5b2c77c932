// test/api/fake-network.ts: an in-memory Lightning network for the API, CLI and dashboard tests:
// nodes, peers, channels with balances, routing by fewest hops, keysend and BOLT 11 payments that
// move balances, settle ad-hoc invoices with their records on the recipient, and fire events. No
// protocol runs here; the behaviour is what a real node shows through the facade.

import type { ChannelFeePolicy, ChannelStatus, ChannelType } from '../../src/api/node-facade.js';
import { bytesToHex, equalBytes, publicKeyCreate, randomBytes, sha256 } from '../../src/crypto/index.js';
import type { ChannelInfo, NodeInfo, Route, RouteHop } from '../../src/routing/index.js';
import { compareNodeIds } from '../../src/routing/index.js';
import { FakeNode, type FakeNodeOptions } from './fake-node.js';

export interface FakeNetworkOptions {
  /** Delay of each payment attempt (ms); default 40. */
  attemptMs?: number;
  /** Delay between funding confirmations (ms); default 30. */
  confirmMs?: number;
  /** Confirmations a new channel needs; default 3. */
  requiredConfirmations?: number;
}

export interface FakeChannel {
  channelId: Uint8Array;
  shortChannelId: bigint;
  /** The opener (initiator) and the other side. */
  opener: FakeNode;
  acceptor: FakeNode;
  capacitySat: bigint;
  /** Balances in msat, by side. */
  openerMsat: bigint;
  acceptorMsat: bigint;
  status: ChannelStatus;
  confirmations: number;
  private: boolean;
  fundingTxid: Uint8Array;
  closingTxid: Uint8Array | null;
  channelType: ChannelType;
  /** What each side charges to forward out over this channel. */
  openerPolicy: ChannelFeePolicy;
  acceptorPolicy: ChannelFeePolicy;
}

export const DEFAULT_FEE_POLICY: ChannelFeePolicy = {
  feeBaseMsat: 1000n,
  feeProportionalMillionths: 100,
  cltvExpiryDelta: 40,
  htlcMinimumMsat: 1n,
  htlcMaximumMsat: 10_000_000_000n,
};

/** Final CLTV delta a keysend recipient gets. */
export const FINAL_CLTV_DELTA = 40;

/** One step of a path: the channel taken and the node it reaches. */
export interface PathStep {
  channel: FakeChannel;
  to: FakeNode;
}

export class FakeNetwork {
  readonly nodes: FakeNode[] = [];
  readonly channels: FakeChannel[] = [];
  blockHeight = 500;
  readonly attemptMs: number;
  readonly confirmMs: number;
  readonly requiredConfirmations: number;
  /** The next this many attempts fail at their first hop's peer (temporary_channel_failure). */
  failNextAttempts = 0;
  private nextScidTx = 1;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(options: FakeNetworkOptions = {}) {
    this.attemptMs = options.attemptMs ?? 40;
    this.confirmMs = options.confirmMs ?? 30;
    this.requiredConfirmations = options.requiredConfirmations ?? 3;
  }

  /** A node with a deterministic key (from its alias) and 1,000,000 sat on chain by default. */
  addNode(alias: string, options: Omit<FakeNodeOptions, 'alias'> = {}): FakeNode {
    const node = new FakeNode(this, { alias, ...options }, this.nodes.length);
    this.nodes.push(node);
    return node;
  }

  byId(nodeId: Uint8Array): FakeNode | undefined {
    return this.nodes.find((n) => equalBytes(n.nodeId, nodeId));
  }

  /** Runs `fn` after `ms`; cancelled by `close`. */
  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Cancels pending timers (confirmations, payments in flight). */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  newChannel(
    opener: FakeNode,
    acceptor: FakeNode,
    capacitySat: bigint,
    pushMsat: bigint,
    priv: boolean,
    channelType: ChannelType = 'static_remotekey',
  ): FakeChannel {
    const fundingTxid = randomBytes(32);
    const channel: FakeChannel = {
      channelId: sha256(fundingTxid),
      shortChannelId: (BigInt(this.blockHeight + 1) << 40n) | (BigInt(this.nextScidTx++) << 16n),
      opener,
      acceptor,
      capacitySat,
      openerMsat: capacitySat * 1000n - pushMsat,
      acceptorMsat: pushMsat,
      status: 'pending_open',
      confirmations: 0,
      private: priv,
      fundingTxid,
      closingTxid: null,
      channelType,
      openerPolicy: { ...opener.defaultPolicy },
      acceptorPolicy: { ...acceptor.defaultPolicy },
    };
    this.channels.push(channel);
    return channel;
  }

  /** Test setup: connects the two nodes and opens a confirmed channel at once. */
  openChannelNow(opener: FakeNode, acceptor: FakeNode, capacitySat: bigint, pushMsat = 0n): FakeChannel {
    opener.linkPeer(acceptor);
    const c = this.newChannel(opener, acceptor, capacitySat, pushMsat, false);
    c.status = 'open';
    c.confirmations = this.requiredConfirmations;
    return c;
  }

  /** Channels of `node` (any status). */
  channelsOf(node: FakeNode): FakeChannel[] {
    return this.channels.filter((c) => c.opener === node || c.acceptor === node);
  }

  other(c: FakeChannel, node: FakeNode): FakeNode {
    return c.opener === node ? c.acceptor : c.opener;
  }

  balanceOf(c: FakeChannel, node: FakeNode): bigint {
    return c.opener === node ? c.openerMsat : c.acceptorMsat;
  }

  policyOf(c: FakeChannel, node: FakeNode): ChannelFeePolicy {
    return c.opener === node ? c.openerPolicy : c.acceptorPolicy;
  }

  /** Moves `msat` over `c` from `from` to the other side. */
  move(c: FakeChannel, from: FakeNode, msat: bigint): void {
    if (c.opener === from) {
      c.openerMsat -= msat;
      c.acceptorMsat += msat;
    } else {
      c.acceptorMsat -= msat;
      c.openerMsat += msat;
    }
  }

  /** Fewest-hop paths first (breadth first), over open channels, skipping `excluded` channels. */
  findPath(
    from: FakeNode,
    to: FakeNode,
    excluded: ReadonlySet<FakeChannel>,
    firstChannel?: bigint,
  ): PathStep[] | undefined {
    const prev = new Map<FakeNode, PathStep & { from: FakeNode }>();
    const seen = new Set<FakeNode>([from]);
    let frontier = [from];
    while (frontier.length > 0 && !seen.has(to)) {
      const next: FakeNode[] = [];
      for (const n of frontier) {
        for (const c of this.channelsOf(n)) {
          if (c.status !== 'open' || excluded.has(c)) continue;
          if (n === from && firstChannel !== undefined && c.shortChannelId !== firstChannel) continue;
          const m = this.other(c, n);
          if (seen.has(m) || !n.isConnected(m)) continue;
          seen.add(m);
          prev.set(m, { channel: c, to: m, from: n });
          next.push(m);
        }
      }
      frontier = next;
    }
    if (!seen.has(to) || from === to) return undefined;
    const path: PathStep[] = [];
    for (let n = to; n !== from; ) {
      const step = prev.get(n)!;
      path.unshift({ channel: step.channel, to: step.to });
      n = step.from;
    }
    return path;
  }

  /** Per-hop amounts and CLTVs for a path, as the routing module's Route describes them. */
  routeOf(from: FakeNode, path: readonly PathStep[], amountMsat: bigint): Route {
    const hops: RouteHop[] = new Array(path.length);
    let amt = amountMsat;
    let fee = 0n;
    let cltv = this.blockHeight + FINAL_CLTV_DELTA;
    let totalFee = 0n;
    for (let i = path.length - 1; i >= 0; i--) {
      const step = path[i]!;
      const a = i === 0 ? from : path[i - 1]!.to;
      hops[i] = {
        nodeId: step.to.nodeId,
        shortChannelId: step.channel.shortChannelId,
        direction: compareNodeIds(a.nodeId, step.to.nodeId) < 0 ? 0 : 1,
        amtToForwardMsat: amt,
        outgoingCltvValue: cltv,
        feeMsat: fee,
      };
      totalFee += fee;
      if (i === 0) break;
      // Node `a` forwards over this step's channel: it charges its policy on what the channel carries.
      const p = this.policyOf(step.channel, a);
      amt += fee;
      fee = p.feeBaseMsat + (amt * BigInt(p.feeProportionalMillionths)) / 1_000_000n;
      cltv += p.cltvExpiryDelta;
    }
    const first = hops[0]!;
    return {
      hops,
      amountMsat,
      totalAmountMsat: first.amtToForwardMsat + first.feeMsat,
      totalFeeMsat: totalFee,
      totalCltvDelta: first.outgoingCltvValue - this.blockHeight,
      cltvExpiry: first.outgoingCltvValue,
      successProbability: 0.9,
    };
  }

  /** The HTLC each step carries: what the next node forwards plus its fee. */
  carried(route: Route): bigint[] {
    return route.hops.map((h) => h.amtToForwardMsat + h.feeMsat);
  }

  /** Whether every hop's sender has the balance for what it must carry. */
  hasLiquidity(from: FakeNode, path: readonly PathStep[], route: Route): boolean {
    const carried = this.carried(route);
    return path.every((step, i) => {
      const sender = i === 0 ? from : path[i - 1]!.to;
      return this.balanceOf(step.channel, sender) >= carried[i]!;
    });
  }

  // ---- gossip view ----

  private publicChannels(): FakeChannel[] {
    return this.channels.filter((c) => c.status === 'open' && !c.private);
  }

  /** Nodes within `depth` public channels of `center`. */
  neighbourhood(center: FakeNode, depth: number): Set<FakeNode> {
    const found = new Set<FakeNode>([center]);
    let frontier = [center];
    for (let d = 0; d < depth; d++) {
      const next: FakeNode[] = [];
      for (const n of frontier) {
        for (const c of this.publicChannels()) {
          if (c.opener !== n && c.acceptor !== n) continue;
          const m = this.other(c, n);
          if (!found.has(m)) {
            found.add(m);
            next.push(m);
          }
        }
      }
      frontier = next;
    }
    return found;
  }

  nodeInfo(n: FakeNode): NodeInfo {
    return {
      nodeId: n.nodeId,
      alias: n.alias,
      features: n.features,
      channelCount: this.publicChannels().filter((c) => c.opener === n || c.acceptor === n).length,
    };
  }

  channelInfo(c: FakeChannel): ChannelInfo {
    const openerFirst = compareNodeIds(c.opener.nodeId, c.acceptor.nodeId) < 0;
    const pol = (p: ChannelFeePolicy) => ({ ...p, disabled: false, timestamp: 1_700_000_000 });
    return {
      shortChannelId: c.shortChannelId,
      node1: openerFirst ? c.opener.nodeId : c.acceptor.nodeId,
      node2: openerFirst ? c.acceptor.nodeId : c.opener.nodeId,
      capacitySat: c.capacitySat,
      features: [],
      policies: openerFirst
        ? [pol(c.openerPolicy), pol(c.acceptorPolicy)]
        : [pol(c.acceptorPolicy), pol(c.openerPolicy)],
    };
  }

  /** Public channels with both ends in `nodes`. */
  channelsAmong(nodes: ReadonlySet<FakeNode>): FakeChannel[] {
    return this.publicChannels().filter((c) => nodes.has(c.opener) && nodes.has(c.acceptor));
  }
}

/** A deterministic node key from a name, so tests and screenshots are stable. */
export function keyFromName(name: string): { privateKey: Uint8Array; nodeId: Uint8Array } {
  const privateKey = sha256(new TextEncoder().encode(`ksnode fake node ${name}`));
  return { privateKey, nodeId: publicKeyCreate(privateKey) };
}

export const hex = bytesToHex;
