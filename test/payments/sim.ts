// test/payments/sim.ts: a simulated network for the payment loop. Its HtlcSender walks each HTLC
// through the REAL onion: every hop peels its layer with its private key (peelOnion), applies its
// true policy and liquidity (which may differ from what the graph advertises), and on failure
// builds a real failure (createFailure) that every earlier hop wraps (wrapFailure) on the way back.
// The final node checks the keysend preimage or its invoice (payment secret, amount, MPP sets)
// and fulfills. Outcomes reach the loop through onHtlcResolved, asynchronously, or are held back
// to be delivered later (to another loop instance, for restart tests).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bytesToHex,
  concatBytes,
  ecdsaSign,
  equalBytes,
  publicKeyCreate,
  sha256,
} from '../../src/crypto/index.js';
import { buildInvoiceContents, encodeInvoice } from '../../src/invoice/index.js';
import {
  createFailure,
  customRecords,
  type OnionFailure,
  peelOnion,
  wrapFailure,
} from '../../src/onion/index.js';
import type {
  AddResult,
  HtlcOutcome,
  HtlcSender,
  LocalChannels,
  PaymentLoop,
  SendHtlcRequest,
} from '../../src/payments/index.js';
import { ChannelGraph, compareNodeIds, type FirstHopChannel } from '../../src/routing/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { type ChannelUpdate, channelUpdateHash, encodeMessage } from '../../src/wire/index.js';

export const CHAIN_HASH = sha256(new TextEncoder().encode('ksnode test chain'));
export const START_HEIGHT = 800_000;
export const START_MS = 1_700_000_000_000;

export interface SimPolicy {
  feeBaseMsat: bigint;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
  htlcMinimumMsat: bigint;
  disabled: boolean;
  /** channel_update timestamp of this policy; the graph is built with timestamp 1. */
  timestamp: number;
}

export interface ChannelSpec {
  scid: bigint;
  a: number;
  b: number;
  capacitySat?: bigint;
  /** What `a` can send to `b` now (msat); default the whole capacity. */
  balanceAB?: bigint;
  balanceBA?: bigint;
  /** The policy `a` really applies forwarding to `b`. */
  ab?: Partial<SimPolicy>;
  ba?: Partial<SimPolicy>;
  /** What the graph says `a` charges, when it differs from the truth. */
  advertisedAB?: Partial<SimPolicy>;
  advertisedBA?: Partial<SimPolicy>;
  /** Not announced: missing from the graph (reachable through route hints only). */
  private?: boolean;
}

interface SimChannel {
  scid: bigint;
  ends: [number, number];
  capacitySat: bigint;
  balance: [bigint, bigint];
  policy: [SimPolicy, SimPolicy];
  advertised: [SimPolicy, SimPolicy];
  private: boolean;
}

export interface Received {
  node: number;
  paymentHash: Uint8Array;
  preimage: Uint8Array;
  amountMsat: bigint;
  /** Custom records (>= 65536, without the keysend preimage), byte-exact. */
  records: Map<bigint, Uint8Array>;
  paymentSecret?: Uint8Array;
  totalMsat: bigint;
  paymentMetadata?: Uint8Array;
  /** Hops the HTLC took (1 = direct). */
  hops: number;
}

interface SimInvoice {
  preimage: Uint8Array;
  paymentSecret: Uint8Array;
  amountMsat: bigint | undefined;
  minFinalCltvExpiryDelta: number;
  /** Parts held until the set reaches total_msat. */
  parts: { attemptId: string; amountMsat: bigint; secrets: Uint8Array[] }[];
  settled: boolean;
}

export interface SimNode {
  index: number;
  privateKey: Uint8Array;
  id: Uint8Array;
  acceptKeysend: boolean;
  /** Advertise keysend (bit 55) in the graph. */
  keysendFeature: boolean;
  /** Fail every HTLC arriving at this node as final destination. */
  finalFailure?: OnionFailure;
  invoices: Map<string, SimInvoice>;
}

const defaultPolicy = (): SimPolicy => ({
  feeBaseMsat: 1000n,
  feeProportionalMillionths: 100,
  cltvExpiryDelta: 40,
  htlcMinimumMsat: 1n,
  disabled: false,
  timestamp: 1,
});

/** Deterministic randomness for tests: SHA-256 of a seed and a counter, with values queued first. */
export class TestRandom {
  private counter = 0;
  readonly queue: Uint8Array[] = [];
  constructor(private readonly seed: string) {}
  readonly bytes = (n: number): Uint8Array => {
    const q = this.queue.shift();
    if (q !== undefined) return q.slice(0, n);
    const out = new Uint8Array(n);
    for (let o = 0; o < n; o += 32) {
      const block = sha256(new TextEncoder().encode(`${this.seed}/${this.counter++}`));
      out.set(block.subarray(0, Math.min(32, n - o)), o);
    }
    return out;
  };
}

export class SimNetwork {
  readonly nodes: SimNode[] = [];
  readonly channels = new Map<bigint, SimChannel>();
  readonly received: Received[] = [];
  /** A forced failure when forwarding over this channel (the node before it fails). */
  readonly failOnChannel = new Map<bigint, (sim: SimNetwork) => OnionFailure>();
  /** Our channels the channel layer refuses to add HTLCs to. */
  readonly refuse = new Set<bigint>();
  readonly sent: SendHtlcRequest[] = [];
  readonly clock = { nowMs: START_MS, height: START_HEIGHT };
  /** Added to the clock for every HTLC sent. */
  msPerHtlc = 0;
  /** When set, outcomes wait in `held` instead of going to the loop. */
  hold = false;
  readonly held: { attemptId: string; outcome: HtlcOutcome }[] = [];
  private loop: PaymentLoop | undefined;
  private readonly deliveries = new Set<Promise<void>>();

  constructor(nodeCount: number) {
    for (let i = 0; i < nodeCount; i++) {
      const privateKey = sha256(new TextEncoder().encode(`sim node ${i}`));
      this.nodes.push({
        index: i,
        privateKey,
        id: publicKeyCreate(privateKey),
        acceptKeysend: true,
        keysendFeature: true,
        invoices: new Map(),
      });
    }
  }

  node(i: number): SimNode {
    const n = this.nodes[i];
    if (n === undefined) throw new Error(`no node ${i}`);
    return n;
  }

  id(i: number): Uint8Array {
    return this.node(i).id;
  }

  addChannel(c: ChannelSpec): this {
    const capacitySat = c.capacitySat ?? 10_000_000n;
    const ab = { ...defaultPolicy(), ...c.ab };
    const ba = { ...defaultPolicy(), ...c.ba };
    this.channels.set(c.scid, {
      scid: c.scid,
      ends: [c.a, c.b],
      capacitySat,
      balance: [c.balanceAB ?? capacitySat * 1000n, c.balanceBA ?? capacitySat * 1000n],
      policy: [ab, ba],
      advertised: [
        { ...ab, ...c.advertisedAB, timestamp: 1 },
        { ...ba, ...c.advertisedBA, timestamp: 1 },
      ],
      private: c.private ?? false,
    });
    return this;
  }

  /** The graph as gossip would have it: every channel with its advertised policies. */
  buildGraph(): ChannelGraph {
    const g = new ChannelGraph();
    for (const ch of this.channels.values()) {
      if (ch.private) continue;
      const [a, b] = ch.ends;
      const aFirst = compareNodeIds(this.id(a), this.id(b)) < 0;
      g.addChannel({
        shortChannelId: ch.scid,
        node1: this.id(aFirst ? a : b),
        node2: this.id(aFirst ? b : a),
        capacitySat: ch.capacitySat,
      });
      for (const [side, dir] of [
        [0, aFirst ? 0 : 1],
        [1, aFirst ? 1 : 0],
      ] as const) {
        const p = ch.advertised[side];
        g.updatePolicy(ch.scid, dir, {
          feeBaseMsat: p.feeBaseMsat,
          feeProportionalMillionths: p.feeProportionalMillionths,
          cltvExpiryDelta: p.cltvExpiryDelta,
          htlcMinimumMsat: p.htlcMinimumMsat,
          htlcMaximumMsat: ch.capacitySat * 1000n,
          disabled: p.disabled,
          timestamp: p.timestamp,
        });
      }
    }
    for (const n of this.nodes) {
      if (g.hasNode(n.id)) g.setNodeInfo(n.id, { features: n.keysendFeature ? [55] : [] });
    }
    return g;
  }

  /** Node 0's channels with their real balances. */
  readonly localChannels: LocalChannels = {
    list: () => {
      const out: FirstHopChannel[] = [];
      for (const ch of this.channels.values()) {
        const side = ch.ends.indexOf(0);
        if (side < 0) continue;
        out.push({
          shortChannelId: ch.scid,
          peerNodeId: this.id(ch.ends[1 - side] as number),
          spendableMsat: ch.balance[side] as bigint,
        });
      }
      return out;
    },
  };

  readonly sender: HtlcSender = {
    sendHtlc: async (req: SendHtlcRequest): Promise<AddResult> => {
      this.sent.push(req);
      this.clock.nowMs += this.msPerHtlc;
      const ch = this.channels.get(req.firstHopShortChannelId);
      const side = ch?.ends.indexOf(0) ?? -1;
      if (
        ch === undefined ||
        side < 0 ||
        !equalBytes(this.id(ch.ends[1 - side] as number), req.firstHopNodeId)
      )
        return { kind: 'refused', reason: 'no such channel' };
      if (this.refuse.has(ch.scid)) return { kind: 'refused', reason: 'channel is not usable' };
      if ((ch.balance[side] as bigint) < req.amountMsat)
        return { kind: 'refused', reason: 'not enough balance' };
      // The outcome comes later, as from a peer.
      setImmediate(() => {
        const outcomes = this.process(req);
        for (const o of outcomes) this.deliver(o.attemptId, o.outcome);
      });
      return { kind: 'added' };
    },
  };

  attach(loop: PaymentLoop): void {
    this.loop = loop;
  }

  deliver(attemptId: string, outcome: HtlcOutcome): void {
    if (this.hold || this.loop === undefined) {
      this.held.push({ attemptId, outcome });
      return;
    }
    const p = this.loop.onHtlcResolved(attemptId, outcome);
    this.deliveries.add(p);
    void p.finally(() => this.deliveries.delete(p));
  }

  /** Delivers the held outcomes to the attached loop. */
  release(): void {
    this.hold = false;
    for (const h of this.held.splice(0)) this.deliver(h.attemptId, h.outcome);
  }

  /** Waits until every delivered outcome has been handled by the loop. */
  async settle(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setImmediate(r));
      if (this.deliveries.size === 0) return;
      await Promise.all([...this.deliveries]);
    }
  }

  // ---- what a node signs

  /**
   * A channel_update for `from`'s direction of the channel with its true policy, signed by `from`
   * (or by `signer`, to forge one).
   */
  signedUpdate(scid: bigint, from: number, signer = from): Uint8Array {
    const ch = this.channels.get(scid);
    if (ch === undefined) throw new Error(`no channel ${scid}`);
    const side = ch.ends.indexOf(from);
    const other = ch.ends[1 - side] as number;
    const direction = compareNodeIds(this.id(from), this.id(other)) < 0 ? 0 : 1;
    const p = ch.policy[side] as SimPolicy;
    const msg: ChannelUpdate = {
      kind: 'channel_update',
      signature: new Uint8Array(64),
      chainHash: CHAIN_HASH,
      shortChannelId: scid,
      timestamp: p.timestamp,
      messageFlags: 1,
      channelFlags: direction | (p.disabled ? 2 : 0),
      cltvExpiryDelta: p.cltvExpiryDelta,
      htlcMinimumMsat: p.htlcMinimumMsat,
      feeBaseMsat: Number(p.feeBaseMsat),
      feeProportionalMillionths: p.feeProportionalMillionths,
      htlcMaximumMsat: ch.capacitySat * 1000n,
    };
    msg.signature = ecdsaSign(channelUpdateHash(msg), this.node(signer).privateKey);
    return encodeMessage(msg);
  }

  /** A BOLT 11 invoice of node `i`, registered with it. */
  invoice(
    i: number,
    opts: {
      amountMsat?: bigint;
      network?: 'regtest' | 'bitcoin';
      timestamp?: number;
      expirySeconds?: number;
      minFinalCltvExpiryDelta?: number;
      features?: number[];
      paymentMetadata?: Uint8Array;
      tag?: string;
    } = {},
  ): { bolt11: string; paymentHash: Uint8Array; preimage: Uint8Array } {
    const n = this.node(i);
    const preimage = sha256(new TextEncoder().encode(`preimage ${i} ${opts.tag ?? n.invoices.size}`));
    const paymentHash = sha256(preimage);
    const paymentSecret = sha256(concatBytes(preimage, Uint8Array.of(1)));
    const minFinal = opts.minFinalCltvExpiryDelta ?? 18;
    const contents = buildInvoiceContents({
      network: opts.network ?? 'regtest',
      ...(opts.amountMsat !== undefined ? { amountMsat: opts.amountMsat } : {}),
      timestamp: opts.timestamp ?? Math.floor(this.clock.nowMs / 1000),
      paymentHash,
      paymentSecret,
      description: 'test',
      ...(opts.expirySeconds !== undefined ? { expirySeconds: opts.expirySeconds } : {}),
      minFinalCltvExpiryDelta: minFinal,
      ...(opts.paymentMetadata !== undefined ? { paymentMetadata: opts.paymentMetadata } : {}),
      features: opts.features ?? [8, 14],
    });
    n.invoices.set(bytesToHex(paymentHash), {
      preimage,
      paymentSecret,
      amountMsat: opts.amountMsat,
      minFinalCltvExpiryDelta: minFinal,
      parts: [],
      settled: false,
    });
    return { bolt11: encodeInvoice(contents, n.privateKey), paymentHash, preimage };
  }

  // ---- walking an HTLC through the network

  private process(req: SendHtlcRequest): { attemptId: string; outcome: HtlcOutcome }[] {
    const secrets: Uint8Array[] = [];
    const fail = (at: number, failure: OnionFailure) => {
      let reason = createFailure(secrets[at] as Uint8Array, failure);
      for (let k = at - 1; k >= 0; k--) reason = wrapFailure(secrets[k] as Uint8Array, reason);
      return [{ attemptId: req.attemptId, outcome: { kind: 'failed', reason } as HtlcOutcome }];
    };
    let packet = req.onion;
    let amount = req.amountMsat;
    let cltv = req.cltvExpiry;
    let current = this.peerOf(req.firstHopShortChannelId);
    for (let hop = 0; ; hop++) {
      const node = this.node(current);
      const peeled = peelOnion(packet, node.privateKey, req.paymentHash);
      if (peeled.kind === 'malformed') {
        if (hop === 0)
          return [{ attemptId: req.attemptId, outcome: { kind: 'malformed', code: peeled.failureCode } }];
        // BOLT 4: the previous hop turns update_fail_malformed_htlc into a failure of its own.
        return fail(hop - 1, peeled.failure);
      }
      secrets.push(peeled.sharedSecret);
      if (peeled.kind === 'invalid_payload') return fail(hop, peeled.failure);
      if (peeled.kind === 'final')
        return this.receive(node, req, peeled.payload, amount, cltv, hop, secrets, fail);

      const p = peeled.payload;
      const ch = this.channels.get(p.shortChannelId);
      const side = ch?.ends.indexOf(current) ?? -1;
      if (ch === undefined || side < 0) return fail(hop, { name: 'unknown_next_peer' });
      const forced = this.failOnChannel.get(ch.scid);
      if (forced !== undefined) return fail(hop, forced(this));
      const pol = ch.policy[side] as SimPolicy;
      const update = () => this.signedUpdate(ch.scid, current);
      if (pol.disabled)
        return fail(hop, { name: 'channel_disabled', disabledFlags: 0, channelUpdate: update() });
      const fee = amount - p.amtToForwardMsat;
      const required =
        pol.feeBaseMsat + (p.amtToForwardMsat * BigInt(pol.feeProportionalMillionths)) / 1_000_000n;
      if (fee < required)
        return fail(hop, { name: 'fee_insufficient', htlcMsat: amount, channelUpdate: update() });
      if (cltv - p.outgoingCltvValue < pol.cltvExpiryDelta)
        return fail(hop, { name: 'incorrect_cltv_expiry', cltvExpiry: cltv, channelUpdate: update() });
      if (p.amtToForwardMsat < pol.htlcMinimumMsat)
        return fail(hop, { name: 'amount_below_minimum', htlcMsat: amount, channelUpdate: update() });
      if ((ch.balance[side] as bigint) < p.amtToForwardMsat)
        return fail(hop, { name: 'temporary_channel_failure', channelUpdate: new Uint8Array(0) });
      if (peeled.nextPacket === undefined) throw new Error('forward without a next packet');
      packet = peeled.nextPacket;
      amount = p.amtToForwardMsat;
      cltv = p.outgoingCltvValue;
      current = ch.ends[1 - side] as number;
    }
  }

  private peerOf(ourScid: bigint): number {
    const ch = this.channels.get(ourScid) as SimChannel;
    return ch.ends[1 - ch.ends.indexOf(0)] as number;
  }

  private receive(
    node: SimNode,
    req: SendHtlcRequest,
    payload: Extract<ReturnType<typeof peelOnion>, { kind: 'final' }>['payload'],
    amount: bigint,
    cltv: number,
    hop: number,
    secrets: Uint8Array[],
    fail: (at: number, f: OnionFailure) => { attemptId: string; outcome: HtlcOutcome }[],
  ): { attemptId: string; outcome: HtlcOutcome }[] {
    const height = this.clock.height;
    const unknown: OnionFailure = { name: 'incorrect_or_unknown_payment_details', htlcMsat: amount, height };
    if (node.finalFailure !== undefined) return fail(hop, node.finalFailure);
    if (payload.amtToForwardMsat > amount)
      return fail(hop, { name: 'final_incorrect_htlc_amount', incomingHtlcAmtMsat: amount });
    if (payload.outgoingCltvValue > cltv)
      return fail(hop, { name: 'final_incorrect_cltv_expiry', cltvExpiry: cltv });
    const base = {
      node: node.index,
      paymentHash: req.paymentHash,
      amountMsat: amount,
      records: customRecords(payload.records),
      totalMsat: payload.totalMsat,
      hops: hop + 1,
      ...(payload.paymentSecret !== undefined ? { paymentSecret: payload.paymentSecret } : {}),
      ...(payload.paymentMetadata !== undefined ? { paymentMetadata: payload.paymentMetadata } : {}),
    };
    const preimage = payload.keysendPreimage;
    if (preimage !== undefined) {
      if (!node.acceptKeysend || !equalBytes(sha256(preimage), req.paymentHash)) return fail(hop, unknown);
      if (cltv < height + 40) return fail(hop, unknown);
      this.received.push({ ...base, preimage });
      return [{ attemptId: req.attemptId, outcome: { kind: 'fulfilled', preimage } }];
    }
    const inv = node.invoices.get(bytesToHex(req.paymentHash));
    if (
      inv === undefined ||
      payload.paymentSecret === undefined ||
      !equalBytes(payload.paymentSecret, inv.paymentSecret)
    )
      return fail(hop, unknown);
    if (cltv < height + inv.minFinalCltvExpiryDelta) return fail(hop, unknown);
    if (inv.amountMsat !== undefined && payload.totalMsat < inv.amountMsat) return fail(hop, unknown);
    if (inv.settled)
      return [{ attemptId: req.attemptId, outcome: { kind: 'fulfilled', preimage: inv.preimage } }];
    inv.parts.push({ attemptId: req.attemptId, amountMsat: amount, secrets });
    this.received.push({ ...base, preimage: inv.preimage });
    const sum = inv.parts.reduce((s, p) => s + p.amountMsat, 0n);
    if (sum < payload.totalMsat) return [];
    inv.settled = true;
    return inv.parts.map((p) => ({
      attemptId: p.attemptId,
      outcome: { kind: 'fulfilled', preimage: inv.preimage },
    }));
  }
}

/** A fresh SQLite store in a temporary directory. */
export async function tempStore(): Promise<{ store: Store; dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ksnode-payments-'));
  const store = await openStore({ kind: 'sqlite', dataDir: dir });
  return {
    store,
    dir,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
