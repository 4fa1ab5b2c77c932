// src/cli/demo-plan.ts: what the demo builds and sends, as data: the nodes, the channels between
// them, and the three keysend payments from alice to carol. Pure.
import type { NetworkPlan } from './demo-network.js';

/** alice pays, bob routes, carol receives, dave (and any further node) is a side path. */
export const DEMO_NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'] as const;
export const MIN_DEMO_NODES = 3;
export const MAX_DEMO_NODES = DEMO_NAMES.length;
export const DEFAULT_DEMO_NODES = 4;

export const DEMO_PAYER = 'alice';
export const DEMO_RECIPIENT = 'carol';

const CHANNEL_SAT = 1_000_000n;

/**
 * The network for `nodes` nodes: alice → bob → carol, and each further node X a side path
 * alice → X → carol. Every opener gets enough on-chain funds for its channels and their fees.
 */
export function demoNetworkPlan(nodes: number): NetworkPlan {
  if (!Number.isInteger(nodes) || nodes < MIN_DEMO_NODES || nodes > MAX_DEMO_NODES)
    throw new RangeError(`the demo runs ${MIN_DEMO_NODES} to ${MAX_DEMO_NODES} nodes, not ${nodes}`);
  const names = DEMO_NAMES.slice(0, nodes);
  const channels = [
    { from: 'alice', to: 'bob', capacitySat: CHANNEL_SAT },
    { from: 'bob', to: 'carol', capacitySat: CHANNEL_SAT },
  ];
  for (const side of names.slice(3)) {
    channels.push({ from: 'alice', to: side, capacitySat: CHANNEL_SAT });
    channels.push({ from: side, to: 'carol', capacitySat: CHANNEL_SAT });
  }
  const fundingSat: Record<string, bigint> = {};
  for (const c of channels) fundingSat[c.from] = (fundingSat[c.from] ?? 0n) + c.capacitySat + 100_000n;
  return { nodes: names, fundingSat, channels, payer: DEMO_PAYER };
}

/** One payment the demo sends, and what carol's ad-hoc invoice must show for it. */
export interface DemoPayment {
  label: string;
  amountMsat: bigint;
  /** A Whatsat chat message, signed by the sender's node key when `signSender`. */
  message?: string;
  signSender?: boolean;
  /** A bLIP 10 podcast record. */
  boost?: Readonly<Record<string, string | number>>;
  /** Leave through the payer's channel to this node (a side path), when the network has it. */
  firstHop?: string;
}

export const DEMO_PAYMENTS: readonly DemoPayment[] = [
  {
    label: 'chat message',
    amountMsat: 21_000_000n,
    message: 'Hi Carol! This one is for the coffee. — Alice',
    signSender: true,
  },
  {
    label: 'podcast boost',
    amountMsat: 50_000_000n,
    boost: {
      action: 'boost',
      app_name: 'ksnode demo',
      podcast: 'Keysend Radio',
      feedID: 1337,
      episode: 'Episode 42: payments without invoices',
      itemID: 42,
      ts: 754,
      value_msat_total: 50_000_000,
      sender_name: 'alice',
      message: 'Great episode, loved the part about onions!',
    },
  },
  { label: 'plain keysend', amountMsat: 1_000_000n, firstHop: 'dave' },
];
