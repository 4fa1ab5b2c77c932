// test/htlcswitch/harness.ts: switches wired together in memory through fake channel links. Each
// node has its own SQLite store and HtlcSwitch; a link's calls become events at its peer's switch
// when the test pumps the network, so every step can be inspected (or a node restarted) between.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ecdsaSign, publicKeyCreate, sha256 } from '../../src/crypto/index.js';
import {
  type AddHtlcRequest,
  type AddHtlcResult,
  type AddRefusal,
  type ChannelLink,
  type FinalHopResolution,
  type FinalHtlc,
  type ForwardingPolicy,
  HtlcSwitch,
  type HtlcSwitchConfig,
  type IncomingRefusal,
  type LocalHtlcOutcome,
  type SwitchEvent,
} from '../../src/htlcswitch/index.js';
import type { FinalHopPayload } from '../../src/onion/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { type ChannelUpdate, channelUpdateHash, encodeMessage } from '../../src/wire/index.js';

export const HEIGHT = 800_000;
export const T0 = 1_700_000_000_000;
const REGTEST = new Uint8Array(32).fill(6);

export const bytes = (label: string): Uint8Array => sha256(new TextEncoder().encode(label));

export function scid(block: number, tx: number, out = 0): bigint {
  return (BigInt(block) << 40n) | (BigInt(tx) << 16n) | BigInt(out);
}

export const DEFAULT_TEST_POLICY: ForwardingPolicy = {
  feeBaseMsat: 1000n,
  feeProportionalMillionths: 100n,
  cltvExpiryDelta: 80,
  htlcMinimumMsat: 1n,
  htlcMaximumMsat: 10_000_000_000n,
  disabled: false,
};

/** A call a switch made on a link that removes an incoming HTLC. */
export type Removal =
  | { kind: 'fulfill'; htlcId: bigint; preimage: Uint8Array; attributionData?: Uint8Array }
  | { kind: 'fail'; htlcId: bigint; reason: Uint8Array; attributionData?: Uint8Array }
  | { kind: 'malformed'; htlcId: bigint; sha256OfOnion: Uint8Array; failureCode: number };

/** The mode a final hop answers in. */
export type FinalMode =
  | 'settle'
  | 'hold'
  | { fail: FinalHopResolution }
  | { custom: (htlc: FinalHtlc, payload: FinalHopPayload) => Promise<FinalHopResolution> };

export class TestNode {
  readonly privateKey: Uint8Array;
  readonly nodeId: Uint8Array;
  readonly links: FakeLink[] = [];
  readonly events: SwitchEvent[] = [];
  readonly outcomes: { ref: string; outcome: LocalHtlcOutcome }[] = [];
  /** Notices that an HTLC of ours is left to the chain (PaymentOutcomeSink.onHtlcOnChain). */
  readonly onChain: { ref: string; why: string }[] = [];
  readonly finals: { htlc: FinalHtlc; payload: FinalHopPayload }[] = [];
  finalMode: FinalMode = 'settle';
  /** 'crash': the next outcome delivery never completes (the process dies while delivering). */
  sinkMode: 'record' | 'crash' = 'record';
  /** Runs after an outcome is recorded (the payment loop's reaction, e.g. a retry). */
  onOutcome: ((ref: string, outcome: LocalHtlcOutcome) => Promise<void>) | undefined;
  store!: Store;
  switch!: HtlcSwitch;
  height = HEIGHT;
  clock = T0;

  constructor(
    readonly name: string,
    readonly net: Net,
    readonly dir: string,
    readonly options: Partial<HtlcSwitchConfig> = {},
  ) {
    this.privateKey = bytes(`node key ${name}`);
    this.nodeId = publicKeyCreate(this.privateKey);
  }

  /** Opens the store and a new switch over it, registers the links, and starts the switch. */
  async boot(): Promise<void> {
    this.store = await openStore({ kind: 'sqlite', dataDir: this.dir });
    this.switch = new HtlcSwitch({
      store: this.store,
      nodePrivateKey: this.privateKey,
      now: () => this.clock,
      finalHop: {
        onFinalHtlc: async (htlc, payload) => {
          this.finals.push({ htlc, payload });
          if (this.finalMode === 'hold') return { kind: 'hold' };
          if (typeof this.finalMode === 'object') {
            return 'fail' in this.finalMode ? this.finalMode.fail : this.finalMode.custom(htlc, payload);
          }
          const preimage = payload.keysendPreimage;
          if (preimage === undefined) {
            return {
              kind: 'fail',
              failure: {
                name: 'incorrect_or_unknown_payment_details',
                htlcMsat: htlc.amountMsat,
                height: this.height,
              },
            };
          }
          return { kind: 'settle', preimage };
        },
      },
      payments: {
        onHtlcResolved: async (ref, outcome) => {
          if (this.sinkMode === 'crash') {
            this.sinkMode = 'record';
            return this.net.stall();
          }
          this.outcomes.push({ ref, outcome });
          await this.onOutcome?.(ref, outcome);
        },
        onHtlcOnChain: async (ref, why) => {
          this.onChain.push({ ref, why });
        },
      },
      onEvent: (e) => this.events.push(e),
      ...this.options,
    });
    for (const l of this.links) await this.switch.addLink(l);
    await this.switch.start(this.height);
    // As the channel driver replays its outbox: resolutions our switch had not taken yet.
    for (const l of this.links) for (const [id, deliver] of [...l.outbox]) await l.take(id, deliver);
  }

  /** Stops this node as a crash would: the switch is abandoned mid-flight, the store closed. */
  async crash(): Promise<void> {
    await this.store.close();
  }

  async restart(): Promise<void> {
    await this.crash();
    await this.boot();
  }

  /** The removals this node's switch made on its link with `peer`. */
  removalsOn(peer: TestNode): Removal[] {
    const link = this.links.find((l) => l.peer?.owner === peer);
    return link?.removals ?? [];
  }

  linkTo(peer: TestNode, index = 0): FakeLink {
    const l = this.links.filter((x) => x.peer?.owner === peer)[index];
    if (l === undefined) throw new Error(`${this.name} has no link ${index} to ${peer.name}`);
    return l;
  }
}

/** One side of a channel. */
export class FakeLink implements ChannelLink {
  readonly aliases: bigint[] = [];
  peer: FakeLink | undefined;
  usable = true;
  closed = false;
  policyValue: ForwardingPolicy = DEFAULT_TEST_POLICY;
  previous: { policy: ForwardingPolicy; replacedAt: number } | undefined;
  outbound = 5_000_000_000n;
  refuse: AddRefusal | undefined;
  /**
   * 'hang': addHtlc never returns; 'record-then-hang': it keeps the HTLC, then never returns;
   * 'throw': it throws without keeping the HTLC.
   */
  addMode: 'normal' | 'hang' | 'record-then-hang' | 'throw' = 'normal';
  /** Rewrites the onion on its way to the peer (to simulate corruption). */
  tamper: ((onion: Uint8Array) => Uint8Array) | undefined;
  /** The channel layer's verdict on HTLCs the peer offers over this link (e.g. dust overflow). */
  refuseIncoming: IncomingRefusal | undefined;
  nextId = 0n;
  readonly offered = new Map<bigint, AddHtlcRequest>();
  readonly removals: Removal[] = [];
  /**
   * Resolutions of HTLCs this side offered, kept until its switch has taken them (the promise of
   * outgoingHtlcFulfilled/Failed resolved), and delivered again at boot: the driver's outbox.
   */
  readonly outbox = new Map<bigint, (sw: HtlcSwitch) => Promise<void>>();

  async take(htlcId: bigint, deliver: (sw: HtlcSwitch) => Promise<void>): Promise<void> {
    this.outbox.set(htlcId, deliver);
    await deliver(this.owner.switch);
    this.outbox.delete(htlcId);
  }

  constructor(
    readonly owner: TestNode,
    readonly channelId: Uint8Array,
    readonly shortChannelId: bigint | undefined,
  ) {}

  get peerNodeId(): Uint8Array {
    if (this.peer === undefined) throw new Error('unconnected link');
    return this.peer.owner.nodeId;
  }

  isUsable(): boolean {
    return this.usable && !this.closed;
  }

  policy(): ForwardingPolicy {
    return this.policyValue;
  }

  previousPolicy() {
    return this.previous;
  }

  availableOutboundMsat(): bigint {
    return this.outbound;
  }

  channelUpdate(shortChannelId: bigint): Uint8Array {
    const p = this.policyValue;
    const msg: ChannelUpdate = {
      kind: 'channel_update',
      signature: new Uint8Array(64),
      chainHash: REGTEST,
      shortChannelId,
      timestamp: 1_700_000_000,
      messageFlags: 1,
      channelFlags: p.disabled ? 2 : 0,
      cltvExpiryDelta: p.cltvExpiryDelta,
      htlcMinimumMsat: p.htlcMinimumMsat,
      feeBaseMsat: Number(p.feeBaseMsat),
      feeProportionalMillionths: Number(p.feeProportionalMillionths),
      htlcMaximumMsat: p.htlcMaximumMsat,
    };
    msg.signature = ecdsaSign(channelUpdateHash(msg), this.owner.privateKey);
    return encodeMessage(msg);
  }

  async addHtlc(request: AddHtlcRequest): Promise<AddHtlcResult> {
    if (this.addMode === 'hang') return this.owner.net.stall();
    if (this.addMode === 'throw') throw new Error('channel state machine bug');
    if (this.refuse !== undefined) return { kind: 'refused', reason: this.refuse };
    const id = this.nextId++;
    this.offered.set(id, request);
    this.outbound -= request.amountMsat;
    if (this.addMode === 'record-then-hang') return this.owner.net.stall();
    const peer = this.peer;
    if (peer === undefined) throw new Error('unconnected link');
    const onion = this.tamper === undefined ? request.onion : this.tamper(request.onion);
    this.owner.net.send(() =>
      peer.owner.switch.incomingHtlcCommitted(peer, {
        id,
        amountMsat: request.amountMsat,
        cltvExpiry: request.cltvExpiry,
        paymentHash: request.paymentHash,
        onion,
        ...(peer.refuseIncoming !== undefined ? { refuse: peer.refuseIncoming } : {}),
      }),
    );
    return { kind: 'accepted', htlcId: id };
  }

  outgoingHtlcIdByOrigin(origin: Uint8Array): bigint | undefined {
    for (const [id, r] of this.offered) if (Buffer.compare(r.origin, origin) === 0) return id;
    return undefined;
  }

  /** Lets the peer (whose link this is the other side of) deliver to our switch. */
  private toPeer(f: (peer: FakeLink) => Promise<void>): void {
    const peer = this.peer;
    if (peer === undefined) throw new Error('unconnected link');
    this.owner.net.send(() => f(peer));
  }

  async fulfillHtlc(htlcId: bigint, preimage: Uint8Array, attributionData?: Uint8Array): Promise<void> {
    this.removals.push({
      kind: 'fulfill',
      htlcId,
      preimage,
      ...(attributionData ? { attributionData } : {}),
    });
    this.toPeer((p) =>
      p.take(htlcId, (sw) => sw.outgoingHtlcFulfilled(p, htlcId, preimage, attributionData)),
    );
  }

  async failHtlc(htlcId: bigint, reason: Uint8Array, attributionData?: Uint8Array): Promise<void> {
    this.removals.push({ kind: 'fail', htlcId, reason, ...(attributionData ? { attributionData } : {}) });
    this.toPeer((p) =>
      p.take(htlcId, (sw) =>
        sw.outgoingHtlcFailed(p, htlcId, {
          kind: 'fail',
          reason,
          ...(attributionData ? { attributionData } : {}),
        }),
      ),
    );
  }

  async failMalformedHtlc(htlcId: bigint, sha256OfOnion: Uint8Array, failureCode: number): Promise<void> {
    this.removals.push({ kind: 'malformed', htlcId, sha256OfOnion, failureCode });
    this.toPeer((p) =>
      p.take(htlcId, (sw) =>
        sw.outgoingHtlcFailed(p, htlcId, { kind: 'malformed', sha256OfOnion, failureCode }),
      ),
    );
  }
}

/** The wires: deliveries queued by links, run in order by `pump`. */
export class Net {
  private readonly queue: (() => Promise<void>)[] = [];
  private stalled: (() => void) | undefined;
  readonly nodes: TestNode[] = [];

  private constructor(readonly dir: string) {}

  static async create(): Promise<Net> {
    return new Net(await mkdtemp(join(tmpdir(), 'ksnode-htlcswitch-')));
  }

  node(name: string, options: Partial<HtlcSwitchConfig> = {}): TestNode {
    const n = new TestNode(name, this, join(this.dir, name), options);
    this.nodes.push(n);
    return n;
  }

  /** Opens a channel: one link on each side (call before booting the nodes). */
  connect(a: TestNode, b: TestNode, shortChannelId: bigint, label = ''): [FakeLink, FakeLink] {
    const id = bytes(`channel ${a.name}-${b.name} ${label}`);
    const la = new FakeLink(a, id, shortChannelId);
    const lb = new FakeLink(b, id, shortChannelId);
    la.peer = lb;
    lb.peer = la;
    a.links.push(la);
    b.links.push(lb);
    return [la, lb];
  }

  send(delivery: () => Promise<void>): void {
    this.queue.push(delivery);
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Runs deliveries until none is left. A delivery stuck in a hanging link is abandoned. */
  async pump(max = 100): Promise<void> {
    for (let i = 0; i < max; i++) {
      const d = this.queue.shift();
      if (d === undefined) return;
      const stalled = new Promise<void>((resolve) => {
        this.stalled = resolve;
      });
      await Promise.race([d(), stalled]);
    }
    throw new Error('network did not settle');
  }

  /**
   * Runs every queued delivery at once and waits for them all, as a channel reports together the
   * HTLCs (or resolutions) that one commitment made irrevocable.
   */
  async burst(): Promise<void> {
    const deliveries = this.queue.splice(0);
    await Promise.all(deliveries.map((d) => d()));
  }

  /** Called by a hanging link: releases the pump and never resolves. */
  stall<T>(): Promise<T> {
    this.stalled?.();
    return new Promise<T>(() => {});
  }

  async close(): Promise<void> {
    for (const n of this.nodes) await n.store?.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
