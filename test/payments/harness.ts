// test/payments/harness.ts: a payment loop wired to a simulated network and a temporary store.
import { type PaymentEvent, PaymentLoop, type PaymentLoopConfig } from '../../src/payments/index.js';
import { type ChannelGraph, Scorer } from '../../src/routing/index.js';
import type { Store } from '../../src/store/index.js';
import { CHAIN_HASH, type SimNetwork, TestRandom, tempStore } from './sim.js';

export interface Harness {
  sim: SimNetwork;
  loop: PaymentLoop;
  store: Store;
  graph: ChannelGraph;
  scorer: Scorer;
  random: TestRandom;
  events: PaymentEvent[];
  /** A new loop over the same store, graph and network (a restart). */
  restart(): PaymentLoop;
  cleanup(): Promise<void>;
}

export async function harness(sim: SimNetwork, config: Partial<PaymentLoopConfig> = {}): Promise<Harness> {
  const { store, cleanup } = await tempStore();
  const graph = sim.buildGraph();
  const scorer = new Scorer();
  const random = new TestRandom('payments test');
  const events: PaymentEvent[] = [];
  const make = (): PaymentLoop => {
    const loop = new PaymentLoop({
      store,
      graph,
      scorer,
      htlcSender: sim.sender,
      localChannels: sim.localChannels,
      nodeId: sim.id(0),
      network: 'regtest',
      currentHeight: () => sim.clock.height,
      nowMs: () => sim.clock.nowMs,
      randomBytes: random.bytes,
      nodePrivateKey: sim.node(0).privateKey,
      chainHash: CHAIN_HASH,
      ...config,
    });
    loop.on((e) => events.push(e));
    sim.attach(loop);
    return loop;
  };
  const loop = make();
  return {
    sim,
    loop,
    store,
    graph,
    scorer,
    random,
    events,
    restart: make,
    cleanup: async () => {
      await sim.settle();
      await cleanup();
    },
  };
}

/** A line 0 - 1 - 2 - ... - n with default policies; channel i connects i-1 and i (scid = i). */
export function line(sim: SimNetwork, n: number): SimNetwork {
  for (let i = 1; i <= n; i++) sim.addChannel({ scid: BigInt(i), a: i - 1, b: i });
  return sim;
}

/**
 * Replaces the graph's mutating methods with ones that only record the call, so a test can prove
 * that nothing wrote to the shared graph (not even briefly, and restored).
 */
export function recordGraphWrites(graph: ChannelGraph): { writes: string[]; stop(): void } {
  const methods = ['addChannel', 'updatePolicy', 'removeChannel', 'setNodeInfo'] as const;
  const g = graph as unknown as Record<string, unknown>;
  const writes: string[] = [];
  for (const m of methods) {
    g[m] = (...args: unknown[]) => {
      writes.push(`${m}(${args.map((a) => (typeof a === 'bigint' ? `${a}n` : typeof a)).join(', ')})`);
      return m === 'updatePolicy' ? 'stale' : false;
    };
  }
  return {
    writes,
    stop: () => {
      for (const m of methods) delete g[m];
    },
  };
}

/** Everything the graph holds, as a string (channels with both policies, nodes). */
export function graphSnapshot(graph: ChannelGraph): string {
  return JSON.stringify([[...graph.channelEntries()], [...graph.nodeEntries()]], (_k, x) =>
    typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Array.from(x).join(',') : x,
  );
}
