// An in-memory network of two channel state machines: messages go through the real codec, every
// state is serialized and deserialized after every step (as the Store would), and delivery can be
// held back, interleaved and cut by disconnections.
import assert from 'node:assert/strict';
import {
  type ChainAction,
  type ChannelEvent,
  type ChannelFailure,
  type ChannelFormat,
  type ChannelInput,
  type ChannelMessage,
  type ChannelPolicy,
  type ChannelState,
  type CommandRejection,
  createInboundChannel,
  createOutboundChannel,
  DEFAULT_POLICY,
  deserializeChannel,
  type NegotiatedFeatures,
  type StepResult,
  serializeChannel,
  step,
} from '../../src/channel/index.js';
import { publicKeyCreate, sha256 } from '../../src/crypto/index.js';
import { p2wpkh, type Tx, txid } from '../../src/tx/index.js';
import { decodeMessage, encodeMessage, type OpenChannel, type WireMessage } from '../../src/wire/index.js';

export const CHAIN_HASH = new Uint8Array(32).fill(0x0f);
export const ALL_FEATURES: NegotiatedFeatures = {
  upfrontShutdownScript: true,
  shutdownAnySegwit: true,
  largeChannel: false,
  anchors: true,
  scidAlias: true,
  simpleClose: false,
};

/** A deterministic pseudo-random generator (xorshift128+), so failures replay exactly. */
export class Rng {
  #s0: bigint;
  #s1: bigint;
  constructor(seed: number) {
    this.#s0 = BigInt(seed) * 0x9e3779b97f4a7c15n + 1n;
    this.#s1 = BigInt(seed) ^ 0xdeadbeefcafebaben;
    for (let i = 0; i < 8; i++) this.nextU64();
  }
  nextU64(): bigint {
    const M = (1n << 64n) - 1n;
    let s1 = this.#s0;
    const s0 = this.#s1;
    this.#s0 = s0;
    s1 = (s1 ^ (s1 << 23n)) & M;
    this.#s1 = s1 ^ s0 ^ (s1 >> 17n) ^ (s0 >> 26n);
    return (this.#s1 + s0) & M;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Number(this.nextU64() % BigInt(n));
  }
  big(lo: bigint, hi: bigint): bigint {
    return lo + (this.nextU64() % (hi - lo + 1n));
  }
  chance(p: number): boolean {
    return this.int(1_000_000) < p * 1_000_000;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 8) {
      let v = this.nextU64();
      for (let j = i; j < Math.min(n, i + 8); j++) {
        out[j] = Number(v & 0xffn);
        v >>= 8n;
      }
    }
    return out;
  }
}

export interface NodeConfig {
  name: string;
  seed: Uint8Array;
  closeScript: Uint8Array;
  alias: bigint;
  policy: ChannelPolicy;
}

export function nodeConfig(
  name: string,
  seedByte: number,
  policy: ChannelPolicy = DEFAULT_POLICY,
): NodeConfig {
  const seed = new Uint8Array(32).fill(seedByte);
  return {
    name,
    seed,
    closeScript: p2wpkh(publicKeyCreate(sha256(seed, Uint8Array.of(1)))),
    alias: BigInt(seedByte) * 1_000_003n,
    policy,
  };
}

/** One side: its (persisted) state and everything it has emitted. */
export class Node {
  state: ChannelState | undefined;
  events: ChannelEvent[] = [];
  actions: ChainAction[] = [];
  failures: ChannelFailure[] = [];
  rejections: CommandRejection[] = [];
  sent: WireMessage[] = [];
  /** Encoded messages on their way to this node. */
  inbox: Uint8Array[] = [];
  constructor(readonly config: NodeConfig) {}
  get s(): ChannelState {
    if (this.state === undefined) throw new Error(`${this.config.name} has no channel`);
    return this.state;
  }
}

/** Serializes and deserializes a state, as the Store round trip does. */
export function persist(state: ChannelState): ChannelState {
  const r = deserializeChannel(serializeChannel(state));
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

export interface OpenOptions {
  format: ChannelFormat;
  fundingSat?: bigint;
  pushMsat?: bigint;
  feeratePerKw?: number;
  announce?: boolean;
  /** Persist every state (default true). */
  persistEveryStep?: boolean;
}

export class Harness {
  height = 800_000;
  readonly a: Node;
  readonly b: Node;
  persistEveryStep = true;
  /** The features both sides negotiated in `init` (set before `open`). */
  features: NegotiatedFeatures = ALL_FEATURES;
  /** Whether both sides commit to their close script in open_channel / accept_channel. */
  commitUpfront = true;
  /** The funding transaction the funder's "wallet" built. */
  fundingTx: Tx | undefined;

  constructor(a: NodeConfig, b: NodeConfig) {
    this.a = new Node(a);
    this.b = new Node(b);
  }

  other(n: Node): Node {
    return n === this.a ? this.b : this.a;
  }

  ctx(n: Node) {
    return { height: this.height, now: 1_700_000_000, policy: n.config.policy };
  }

  /** Records a result on `n` and queues its outbound messages for the peer. */
  record(n: Node, r: StepResult): StepResult {
    // An unchanged state needs no write (the driver skips it too); every new one goes through the codec.
    n.state = this.persistEveryStep && r.state !== n.state ? persist(r.state) : r.state;
    n.events.push(...r.events);
    n.actions.push(...r.actions);
    if (r.failure !== undefined) n.failures.push(r.failure);
    if (r.rejected !== undefined) n.rejections.push(r.rejected);
    n.sent.push(...r.outbound);
    const peer = this.other(n);
    for (const m of r.outbound) peer.inbox.push(encodeMessage(m));
    return r;
  }

  apply(n: Node, input: ChannelInput): StepResult {
    return this.record(n, step(n.s, input, this.ctx(n)));
  }

  /**
   * `n` offers its peer an HTLC paying `amountMsat`, with a random preimage and onion drawn from
   * `rng` (in that order), expiring `cltvDelta` blocks from now; returns the step and the preimage.
   */
  offer(
    n: Node,
    rng: Rng,
    amountMsat: bigint,
    options: { cltvDelta?: number; pathKey?: Uint8Array } = {},
  ): { r: StepResult; preimage: Uint8Array } {
    const preimage = rng.bytes(32);
    const r = this.apply(n, {
      kind: 'addHtlc',
      amountMsat,
      paymentHash: sha256(preimage),
      cltvExpiry: this.height + (options.cltvDelta ?? 100),
      onionRoutingPacket: onion(rng),
      ...(options.pathKey !== undefined ? { pathKey: options.pathKey } : {}),
    });
    return { r, preimage };
  }

  /** Decodes and steps the next message in `n`'s inbox. */
  deliver(n: Node): StepResult | undefined {
    const raw = n.inbox.shift();
    if (raw === undefined) return undefined;
    const d = decodeMessage(raw);
    assert.ok(d.ok, 'our own messages must decode');
    const m = d.value as WireMessage;
    if (m.kind === 'open_channel') {
      const c = n.config;
      return this.record(
        n,
        createInboundChannel(m as OpenChannel, {
          channelSeed: c.seed,
          chainHash: CHAIN_HASH,
          features: this.features,
          localAlias: c.alias,
          closeScript: c.closeScript,
          commitUpfront: this.commitUpfront,
          policy: c.policy,
        }),
      );
    }
    return this.apply(n, m as ChannelMessage);
  }

  /** Delivers everything in flight, alternating sides, until both inboxes are empty. */
  flush(limit = 10_000): void {
    for (let i = 0; i < limit; i++) {
      if (this.a.inbox.length === 0 && this.b.inbox.length === 0) return;
      if (this.a.inbox.length > 0) this.deliver(this.a);
      if (this.b.inbox.length > 0) this.deliver(this.b);
    }
    throw new Error('messages kept flowing');
  }

  /** Funder = a. Runs open_channel through channel_ready. */
  open(o: OpenOptions): void {
    this.persistEveryStep = o.persistEveryStep ?? true;
    const c = this.a.config;
    const r = createOutboundChannel({
      temporaryChannelId: new Uint8Array(32).fill(0x77),
      channelSeed: c.seed,
      chainHash: CHAIN_HASH,
      fundingSat: o.fundingSat ?? 1_000_000n,
      pushMsat: o.pushMsat ?? 0n,
      feeratePerKw: o.feeratePerKw ?? 1000,
      format: o.format,
      announce: o.announce ?? false,
      features: this.features,
      localAlias: c.alias,
      closeScript: c.closeScript,
      commitUpfront: this.commitUpfront,
      policy: c.policy,
    });
    assert.equal(r.rejected, undefined, r.rejected?.message);
    this.record(this.a, r);
    this.deliver(this.b); // open_channel -> accept_channel
    this.deliver(this.a); // accept_channel -> requestFundingTx
    const req = this.a.actions.find((x) => x.kind === 'requestFundingTx');
    assert.ok(
      req?.kind === 'requestFundingTx',
      `opening failed: ${JSON.stringify([...this.a.failures, ...this.b.failures])}`,
    );
    this.fundingTx = {
      version: 2,
      lockTime: 0,
      inputs: [
        {
          prevout: { txid: new Uint8Array(32).fill(9), index: 1 },
          sequence: 0xfffffffd,
          scriptSig: new Uint8Array(0),
          witness: [],
        },
      ],
      outputs: [
        { amountSat: 5_000n, script: c.closeScript },
        { amountSat: req.amountSat, script: req.script },
      ],
    };
    this.apply(this.a, { kind: 'fundingTxReady', txid: txid(this.fundingTx), outputIndex: 1 });
    this.deliver(this.b); // funding_created -> funding_signed
    this.deliver(this.a); // funding_signed -> broadcast
    assert.ok(
      this.a.actions.some((x) => x.kind === 'broadcastFunding'),
      'the funder must broadcast after funding_signed',
    );
    this.confirmFunding();
    this.flush();
    assert.equal(this.a.s.phase, 'normal');
    assert.equal(this.b.s.phase, 'normal');
  }

  confirmFunding(depth = 6): void {
    const scid = (BigInt(this.height) << 40n) | (1n << 16n) | 1n;
    this.apply(this.a, { kind: 'fundingConfirmed', depth, shortChannelId: scid });
    this.apply(this.b, { kind: 'fundingConfirmed', depth, shortChannelId: scid });
  }

  disconnect(): void {
    this.a.inbox = [];
    this.b.inbox = [];
    this.apply(this.a, { kind: 'peerDisconnected' });
    this.apply(this.b, { kind: 'peerDisconnected' });
  }

  reconnect(): void {
    this.apply(this.a, { kind: 'peerConnected' });
    this.apply(this.b, { kind: 'peerConnected' });
  }
}

/** The funding amount in msat must equal both balances plus every HTLC, in every commitment. */
export function assertConserved(state: ChannelState): void {
  const total = state.fundingSat * 1000n;
  const specs = [state.localCommit?.spec, state.remoteCommit?.spec, state.remoteNextCommit?.commit.spec];
  for (const spec of specs) {
    if (spec === undefined) continue;
    const sum = spec.htlcs.reduce((s, h) => s + h.amountMsat, spec.toLocalMsat + spec.toRemoteMsat);
    assert.equal(sum, total, 'balances and HTLCs must add up to the funding amount');
  }
}

export function onion(rng: Rng): Uint8Array {
  const o = new Uint8Array(1366);
  o.set(rng.bytes(32));
  return o;
}

/** Runs a cooperative close started by `initiator`; returns the agreed fee. */
export function cooperativeClose(h: Harness, initiator: Node, feeratePerKw?: number): bigint {
  const r = h.apply(initiator, {
    kind: 'closeChannel',
    ...(feeratePerKw !== undefined ? { closingFeeratePerKw: feeratePerKw } : {}),
  });
  assert.equal(r.rejected, undefined, r.rejected?.message);
  h.flush();
  for (const n of [h.a, h.b]) {
    assert.deepEqual(n.failures, [], `${n.config.name}: ${JSON.stringify(n.failures)}`);
    assert.equal(n.s.phase, 'closing', `${n.config.name} should have a signed closing tx`);
  }
  return h.a.s.closing!.lastSentFeeSat!;
}
