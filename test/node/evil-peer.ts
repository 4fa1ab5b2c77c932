// test/node/evil-peer.ts: a peer in the test process that talks to a ksnode daemon over loopback
// TCP (BOLT 8, then `init`) and runs our own pure channel machine for its side of one channel, so
// that it behaves honestly until a test makes it deviate: a command's messages can be rewritten
// on their way out, and any message can be sent raw. The daemon opens (and funds) the channel; the
// funding confirms on the devnet; the peer follows the chain through the in-process Devnet.

import type { Devnet } from '../../src/chain/devnet/index.js';
import {
  ChannelDriver,
  type ChannelEvent,
  type ChannelFailure,
  type ChannelInput,
  type ChannelMessage,
  type ChannelState,
  createInboundChannel,
  DEFAULT_POLICY,
  needsSignature,
  negotiatedFeatures,
  type StepResult,
  step,
} from '../../src/channel/index.js';
import {
  bytesToHex,
  equalBytes,
  hexToBytes,
  isPrivateKey,
  publicKeyCreate,
  randomBytes,
  sha256,
} from '../../src/crypto/index.js';
import { chainHashOf } from '../../src/node/chain-hash.js';
import { buildOnion, encodeHopPayload } from '../../src/onion/index.js';
import { OUR_INIT_FEATURES } from '../../src/peer/index.js';
import { connect } from '../../src/transport/index.js';
import { p2wpkh } from '../../src/tx/index.js';
import { type Features, initFeatures, type WireMessage } from '../../src/wire/index.js';
import { RawPeer, type Received } from '../interop/raw-peer.js';
import type { NodeProcess } from './harness.js';

export const REGTEST_CHAIN_HASH = chainHashOf('regtest');

/** The messages our channel machine takes: the driver's (BOLT 2), plus BOLT 1 error and warning. */
function forTheMachine(m: Received): boolean {
  return m.kind === 'error' || m.kind === 'warning' || (m.kind !== 'unknown' && ChannelDriver.handles(m));
}

/** A rewrite of one outgoing message (return it unchanged to send it as the machine made it). */
export type Rewrite = (m: WireMessage) => WireMessage;

function privateKey(): Uint8Array {
  for (;;) {
    const k = randomBytes(32);
    if (isPrivateKey(k)) return k;
  }
}

/** One misbehaving-when-told peer with (at most) one channel to the daemon. */
export class EvilPeer {
  readonly privateKey = privateKey();
  readonly nodeId = publicKeyCreate(this.privateKey);
  readonly nodeIdHex = bytesToHex(this.nodeId);
  raw: RawPeer | undefined;
  theirFeatures: Features | undefined;
  state: ChannelState | undefined;
  /** The daemon's open_channel: the limits it imposes on us. */
  openChannel: Extract<WireMessage, { kind: 'open_channel' }> | undefined;
  /** Step received channel messages through the machine and send its answers (an honest peer). */
  auto = true;
  /** Applied to every message the machine sends (in auto mode and for commands). */
  rewrite: Rewrite | undefined;
  readonly events: ChannelEvent[] = [];
  readonly failures: ChannelFailure[] = [];
  /**
   * Every commitment of the daemon's we signed, in order (txid hex, internal byte order): each one
   * before the daemon's current commitment has been revoked by the daemon.
   */
  readonly daemonCommitTxids: string[] = [];
  /** Received messages our machine threw on (a bug in the test, or a daemon message it cannot take). */
  readonly problems: string[] = [];
  private reestablishOnInit = false;

  constructor(
    readonly name: string,
    private readonly devnet: Devnet,
  ) {}

  get s(): ChannelState {
    if (this.state === undefined) throw new Error(`${this.name} has no channel`);
    return this.state;
  }

  get channelIdHex(): string {
    return bytesToHex(this.s.channelId!);
  }

  private ctx() {
    return { height: this.devnet.tipHeight, now: Math.floor(Date.now() / 1000), policy: DEFAULT_POLICY };
  }

  /**
   * Dials the daemon: BOLT 8 handshake, then `init` both ways (BOLT 1). With a channel, the
   * machine sends channel_reestablish as soon as the daemon's `init` is in, unless `reestablish`
   * is false (then the test decides what goes first, and auto mode should be off).
   */
  async connect(node: NodeProcess, options: { reestablish?: boolean } = {}): Promise<RawPeer> {
    const conn = await connect({
      host: '127.0.0.1',
      port: node.listenPort,
      localPrivateKey: this.privateKey,
      remoteNodeId: hexToBytes(node.nodeId),
    });
    const raw = new RawPeer(conn);
    this.raw = raw;
    this.reestablishOnInit = this.state !== undefined && options.reestablish !== false;
    raw.onReceived = (m) => this.onReceived(raw, m);
    // BOLT 1: "MUST send `init` as the first Lightning message for any connection."
    raw.send({
      kind: 'init',
      globalfeatures: new Uint8Array(0),
      features: OUR_INIT_FEATURES.toBytes(),
      tlvs: { networks: [REGTEST_CHAIN_HASH] },
    });
    const theirInit = await raw.waitFor('init');
    this.theirFeatures = initFeatures(theirInit);
    return raw;
  }

  /** Closes the connection and tells the machine (which forgets the daemon's unsigned updates). */
  async disconnect(): Promise<void> {
    const raw = this.raw;
    this.raw = undefined;
    if (raw !== undefined) {
      raw.onReceived = undefined;
      await raw.close();
    }
    if (this.state !== undefined) this.record(step(this.s, { kind: 'peerDisconnected' }, this.ctx()));
  }

  /** The connection, which must be up. */
  get peer(): RawPeer {
    if (this.raw === undefined) throw new Error(`${this.name} is not connected`);
    return this.raw;
  }

  /** Sends a message as is, bypassing the machine. */
  sendRaw(m: WireMessage): void {
    this.peer.send(m);
  }

  /** Runs a command (or any input) through the machine and sends what it says (rewritten). */
  apply(input: ChannelInput, rewrite?: Rewrite): StepResult {
    const r = step(this.s, input, this.ctx());
    if (r.rejected !== undefined)
      throw new Error(`${this.name}: ${input.kind} refused: ${r.rejected.message}`);
    this.record(r, rewrite);
    return r;
  }

  /** Stores a step's result and sends its messages (if connected). */
  private record(r: StepResult, rewrite?: Rewrite): void {
    this.state = r.state;
    this.events.push(...r.events);
    if (r.failure !== undefined) this.failures.push(r.failure);
    const rc = r.state.remoteNextCommit?.commit ?? r.state.remoteCommit;
    if (rc !== undefined) {
      const txid = bytesToHex(rc.txid);
      if (this.daemonCommitTxids.at(-1) !== txid) this.daemonCommitTxids.push(txid);
    }
    const raw = this.raw;
    if (raw === undefined || raw.closeReason !== undefined) return;
    for (const m of r.outbound) {
      const out = (rewrite ?? this.rewrite ?? ((x: WireMessage) => x))(m);
      raw.send(out);
    }
  }

  private onReceived(raw: RawPeer, m: Received): void {
    if (raw !== this.raw) return;
    try {
      // BOLT 1: "MUST wait to receive `init` before sending any other messages."
      if (m.kind === 'init' && this.reestablishOnInit) {
        this.reestablishOnInit = false;
        this.record(step(this.s, { kind: 'peerConnected' }, this.ctx()));
        return;
      }
      if (!this.auto) return;
      if (m.kind === 'open_channel') {
        this.openChannel = m;
        const r = createInboundChannel(m, {
          channelSeed: randomBytes(32),
          chainHash: REGTEST_CHAIN_HASH,
          features: negotiatedFeatures(OUR_INIT_FEATURES, this.theirFeatures!),
          localAlias: BigInt(`0x${bytesToHex(randomBytes(7))}`) | (0xf0n << 56n),
          closeScript: p2wpkh(publicKeyCreate(privateKey())),
          policy: DEFAULT_POLICY,
        });
        this.record(r);
        return;
      }
      if (!forTheMachine(m) || this.state === undefined) return;
      const id = (m as { channelId?: Uint8Array }).channelId;
      // BOLT 1: an all-zero channel_id refers to every channel.
      const mine =
        id === undefined ||
        equalBytes(id, this.s.channelId ?? this.s.temporaryChannelId) ||
        equalBytes(id, this.s.temporaryChannelId) ||
        id.every((b) => b === 0);
      if (!mine) return;
      this.record(step(this.s, m as ChannelMessage, this.ctx()));
      // Sign the daemon's next commitment whenever there is something to sign, as the driver does.
      if (needsSignature(this.s) && this.s.connection === 'active')
        this.record(step(this.s, { kind: 'signCommitment' }, this.ctx()));
    } catch (e) {
      this.problems.push(`${m.kind}: ${(e as Error).stack ?? String(e)}`);
    }
  }

  /**
   * Feeds the funding transaction's depth from the devnet to the machine (which sends
   * channel_ready once it is deep enough). Returns the depth, 0 while unconfirmed.
   */
  confirmFunding(): number {
    const op = this.s.fundingOutpoint;
    if (op === undefined) return 0;
    const loc = this.devnet.getTx(op.txid);
    if (loc === undefined || !loc.confirmed) return 0;
    const depth = this.devnet.tipHeight - loc.height + 1;
    const shortChannelId = (BigInt(loc.height) << 40n) | (BigInt(loc.index) << 16n) | BigInt(op.index);
    this.apply({ kind: 'fundingConfirmed', depth, shortChannelId });
    return depth;
  }

  /** No update, signature or revocation in flight, and no HTLC in either commitment. */
  get idle(): boolean {
    const s = this.s;
    const pending = [s.localChanges, s.remoteChanges].some(
      (c) => c.proposed.length + c.signed.length + c.acked.length > 0,
    );
    return (
      !pending &&
      s.remoteNextCommit === undefined &&
      s.localCommit!.spec.htlcs.length === 0 &&
      s.remoteCommit!.spec.htlcs.length === 0
    );
  }

  /** The daemon's current commitment (the one it may broadcast): the last one it holds our signature on. */
  get daemonLatestTxid(): string {
    return bytesToHex(this.s.remoteCommit!.txid);
  }

  /** An onion the daemon can peel: a keysend (bLIP 3) of `amountMsat` to it as the final hop. */
  keysendOnion(
    daemonNodeId: Uint8Array,
    amountMsat: bigint,
    cltvExpiry: number,
  ): { preimage: Uint8Array; paymentHash: Uint8Array; onion: Uint8Array } {
    const preimage = randomBytes(32);
    const paymentHash = sha256(preimage);
    const payload = encodeHopPayload({
      amtToForwardMsat: amountMsat,
      outgoingCltvValue: cltvExpiry,
      keysendPreimage: preimage,
    });
    const built = buildOnion([{ nodeId: daemonNodeId, payload }], privateKey(), paymentHash);
    return { preimage, paymentHash, onion: built.packet };
  }
}
