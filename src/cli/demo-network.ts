// src/cli/demo-network.ts: a devnet chain in this process and ksnode daemons as child processes,
// wired into a network of channels through their HTTP APIs: fund from the faucet, connect, open,
// mine, wait until the channels are usable and gossip has told the payer about them. Shared by
// `ksnode demo` and bench/keysend.
import { join } from 'node:path';
import { Devnet, type DevnetServer, startDevnetServer } from '../chain/devnet/index.js';
import type { Channel, Info, Route } from './api-types.js';
import { DemoNode, type StopOutcome } from './demo-node.js';
import { waitUntil } from './demo-wait.js';

/** BOLT 7: channels are announced once the funding transaction has 6 confirmations. */
export const ANNOUNCEMENT_CONFIRMATIONS = 6;
/** BOLT 9 / bLIP 3: the keysend feature pair. */
const KEYSEND_FEATURE_BITS = [54, 55];

export interface ChannelPlan {
  from: string;
  to: string;
  capacitySat: bigint;
}

export interface NetworkPlan {
  /** Node names, also their aliases. */
  nodes: readonly string[];
  /** On-chain funds per node (names missing here get none). */
  fundingSat: Readonly<Record<string, bigint>>;
  channels: readonly ChannelPlan[];
  /** The node that will pay: setup waits until its graph knows every planned channel. */
  payer: string;
}

/** Every wait's bound, in ms. */
export interface NetworkTimeouts {
  nodeReady: number;
  funds: number;
  channelOpen: number;
  channelActive: number;
  gossip: number;
  stopGrace: number;
}

export const DEFAULT_TIMEOUTS: NetworkTimeouts = {
  nodeReady: 60_000,
  funds: 30_000,
  channelOpen: 30_000,
  channelActive: 60_000,
  gossip: 60_000,
  stopGrace: 10_000,
};

export interface DemoNetworkOptions {
  /** Data directories and logs go under here, one `<name>/` and `<name>.log` per node. */
  root: string;
  /** Extra `ksnode start` flags for every node. */
  nodeFlags?: Readonly<Record<string, string>>;
  /** Run this instead of `bin/ksnode.mjs start` (see DemoNodeOptions.entry). */
  nodeEntry?: readonly string[];
  timeouts?: Partial<NetworkTimeouts>;
  /** Cancels every wait (the demo's Ctrl-C). */
  signal?: AbortSignal;
}

/** An opened channel: its id and the two node names. */
export interface OpenedChannel extends ChannelPlan {
  channelId: string;
}

/** A devnet and the nodes on it. */
export class DemoNetwork {
  readonly nodes = new Map<string, DemoNode>();
  readonly timeouts: NetworkTimeouts;

  private constructor(
    readonly devnet: Devnet,
    private readonly server: DevnetServer,
    private readonly options: DemoNetworkOptions,
  ) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  }

  /** Starts the devnet and serves its Esplora API on a loopback port. */
  static async start(options: DemoNetworkOptions): Promise<DemoNetwork> {
    // Coinbase outputs mature after one block, so the faucet can pay at once.
    const devnet = new Devnet({ coinbaseMaturity: 1 });
    const server = await startDevnetServer({ devnet, port: 0 });
    return new DemoNetwork(devnet, server, options);
  }

  get chainUrl(): string {
    return this.server.url;
  }

  node(name: string): DemoNode {
    const n = this.nodes.get(name);
    if (n === undefined) throw new Error(`no node named ${name} in this network`);
    return n;
  }

  /** Starts the named daemons in parallel. */
  async startNodes(names: readonly string[]): Promise<DemoNode[]> {
    const started = await Promise.allSettled(
      names.map((name) =>
        DemoNode.start({
          name,
          dataDir: join(this.options.root, name),
          logFile: join(this.options.root, `${name}.log`),
          chainUrl: this.chainUrl,
          readyTimeoutMs: this.timeouts.nodeReady,
          ...(this.options.nodeFlags !== undefined ? { flags: this.options.nodeFlags } : {}),
          ...(this.options.nodeEntry !== undefined ? { entry: this.options.nodeEntry } : {}),
        }),
      ),
    );
    for (const r of started) if (r.status === 'fulfilled') this.nodes.set(r.value.name, r.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    return started.map((r) => (r as PromiseFulfilledResult<DemoNode>).value);
  }

  private wait<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>): Promise<T> {
    return waitUntil(what, check, {
      timeoutMs,
      intervalMs: 100,
      ...(this.options.signal !== undefined ? { signal: this.options.signal } : {}),
    });
  }

  /**
   * Pays `sat` from the faucet to new addresses of the node in `coins` equal outputs (one per
   * channel it will open, so that no funding has to wait for another's change), mines them, and
   * waits until they are spendable.
   */
  async fund(name: string, sat: bigint, coins = 1): Promise<void> {
    const node = this.node(name);
    const each = sat / BigInt(coins);
    for (let i = 0; i < coins; i++) {
      const { address } = await node.call<{ address: string }>('POST', '/v1/onchain/address', {});
      this.devnet.faucet(address, each, { mine: true });
    }
    await this.wait(`${sat} sat confirmed in ${name}'s wallet`, this.timeouts.funds, async () => {
      const b = await node.call<{ onchain: { confirmedSat: string } }>('GET', '/v1/balance');
      return BigInt(b.onchain.confirmedSat) >= each * BigInt(coins);
    });
  }

  async connect(from: string, to: string): Promise<void> {
    const b = this.node(to);
    await this.node(from).call('POST', '/v1/peers', { nodeId: b.nodeId, address: b.listenAddress });
  }

  /** Opens a channel (peers connected) and resolves with its id once the funding is broadcast. */
  async openChannel(plan: ChannelPlan): Promise<OpenedChannel> {
    const r = await this.node(plan.from).call<{ channelId: string }>('POST', '/v1/channels', {
      nodeId: this.node(plan.to).nodeId,
      amountSat: plan.capacitySat.toString(),
    });
    return { ...plan, channelId: r.channelId };
  }

  mine(blocks: number): void {
    this.devnet.mine(blocks);
  }

  /** Waits until the channel is open and active on both of its nodes. */
  async waitActive(c: OpenedChannel): Promise<void> {
    for (const name of [c.from, c.to]) {
      const node = this.node(name);
      await this.wait(
        `channel ${c.from}→${c.to} (${c.channelId.slice(0, 8)}…) open and active on ${name}`,
        this.timeouts.channelActive,
        async () => {
          const list = await node.call<{ channels: Channel[] }>('GET', '/v1/channels');
          const ch = list.channels.find((x) => x.channelId === c.channelId);
          return ch?.status === 'open' && ch.active;
        },
      );
    }
  }

  /**
   * Waits until `payer`'s graph holds `channelCount` channels and `destination`'s node
   * announcement with the keysend feature, then returns the route a payment would take now.
   */
  async waitForGossip(
    payer: string,
    destination: string,
    channelCount: number,
    amountMsat: bigint,
  ): Promise<Route> {
    const node = this.node(payer);
    const dest = this.node(destination);
    await this.wait(
      `${payer}'s graph learning all ${channelCount} channels from gossip`,
      this.timeouts.gossip,
      async () => (await node.call<Info>('GET', '/v1/info')).graphChannelCount >= channelCount,
    );
    await this.wait(
      `${payer} learning ${destination}'s node announcement with the keysend feature`,
      this.timeouts.gossip,
      async () => {
        const r = await node.call<{ nodes: { nodeId: string; features: number[] }[] }>(
          'GET',
          `/v1/graph/nodes?search=${dest.nodeId}`,
        );
        const n = r.nodes.find((x) => x.nodeId === dest.nodeId);
        return n?.features.some((f) => KEYSEND_FEATURE_BITS.includes(f)) === true;
      },
    );
    return this.wait(`a route from ${payer} to ${destination}`, this.timeouts.gossip, () =>
      node.call<Route>('GET', `/v1/graph/route?destination=${dest.nodeId}&amountMsat=${amountMsat}`),
    );
  }

  /** The node name for a node id (for routes), or a short id. */
  nameOf(nodeId: string): string {
    for (const n of this.nodes.values()) if (n.nodeId === nodeId) return n.name;
    return `${nodeId.slice(0, 8)}…`;
  }

  /** Stops every node (SIGTERM, then SIGKILL after the grace period) and the devnet. */
  async stop(): Promise<Map<string, StopOutcome>> {
    const names = [...this.nodes.keys()];
    const outcomes = await Promise.all(names.map((n) => this.node(n).stop(this.timeouts.stopGrace)));
    await this.closeChain();
    return new Map(names.map((n, i) => [n, outcomes[i]!]));
  }

  /** SIGKILL every node at once (a second Ctrl-C), then close the devnet. */
  async kill(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.kill()));
    await this.closeChain();
  }

  private chainClosed: Promise<void> | undefined;

  /** Once, whether stop() or kill() (or both, racing) get here first. */
  private closeChain(): Promise<void> {
    this.chainClosed ??= this.server.close().finally(() => this.devnet.close());
    return this.chainClosed;
  }
}

/** What setUpNetwork reports as it goes. */
export type SetupProgress = (line: string) => void;

/**
 * The whole setup: start the nodes, fund them, connect and open the planned channels, mine them
 * deep enough to be announced, wait until every channel is active and the payer's graph knows
 * them all. Resolves with the opened channels and the payer's route to `destination`.
 */
export async function setUpNetwork(
  net: DemoNetwork,
  plan: NetworkPlan,
  destination: string,
  progress: SetupProgress,
): Promise<{ channels: OpenedChannel[]; route: Route }> {
  const started = await net.startNodes(plan.nodes);
  for (const n of started)
    progress(`${n.name} is up: node ${n.nodeId.slice(0, 16)}… at ${n.listenAddress}, API ${n.apiUrl}`);

  for (const [name, sat] of Object.entries(plan.fundingSat)) {
    const opens = plan.channels.filter((c) => c.from === name).length;
    await net.fund(name, sat, Math.max(1, opens));
  }
  progress(
    `funded from the devnet faucet: ${Object.entries(plan.fundingSat)
      .map(([n, s]) => `${n} ${s.toLocaleString('en-US')} sat`)
      .join(', ')}`,
  );

  for (const c of plan.channels) await net.connect(c.from, c.to);
  progress(`connected over BOLT 8: ${plan.channels.map((c) => `${c.from}↔${c.to}`).join(', ')}`);

  const channels: OpenedChannel[] = [];
  // One at a time: each funding transaction spends the opener's wallet, and the next one must see it.
  for (const c of plan.channels) channels.push(await net.openChannel(c));
  progress(
    `opened ${channels.length} channels (funding broadcast): ${channels
      .map((c) => `${c.from}→${c.to} ${c.capacitySat.toLocaleString('en-US')} sat`)
      .join(', ')}`,
  );

  net.mine(ANNOUNCEMENT_CONFIRMATIONS);
  progress(`mined ${ANNOUNCEMENT_CONFIRMATIONS} blocks: deep enough to use and to announce the channels`);
  for (const c of channels) await net.waitActive(c);
  progress('every channel is open and active on both sides');

  const route = await net.waitForGossip(plan.payer, destination, channels.length, 1_000_000n);
  progress(
    `${plan.payer}'s graph learned the network from gossip; route to ${destination}: ${[
      plan.payer,
      ...route.hops.map((h) => net.nameOf(h.nodeId)),
    ].join(' → ')}`,
  );
  return { channels, route };
}
