// test/interop/ldk/client.ts: a typed client for the LDK node process (node.ts). Spawns it with a
// start timeout, speaks the line protocol (protocol.ts), converts hex and decimal strings to bytes
// and bigints, and always kills the process: `stop()` in a test's `finally`, and a process exit
// hook for the case the test runner itself dies.
//
//   const ldk = await LdkPeer.start({ pmTickMs: 1000, esploraUrl: devnet.url });
//   try {
//     await ldk.connect(ourNodeId, '127.0.0.1', ourPort);
//     const [peer] = await ldk.peers();
//   } finally {
//     await ldk.stop();
//   }
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bytesToHex, hexToBytes, randomBytes } from '../../../src/crypto/index.js';
import type {
  BroadcastJson,
  ChannelJson,
  EventJson,
  GraphJson,
  HopJson,
  InfoJson,
  Json,
  LogJson,
  PathFailureJson,
  PeerJson,
  ReceivedPaymentJson,
  ResponseLine,
  SentPaymentJson,
} from './protocol.js';

const NODE_SCRIPT = fileURLToPath(new URL('./node.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STDERR_TAIL_LINES = 200;

export interface LdkPeerOptions {
  /** KeysManager seed (default: random). The node id derives from it. */
  seed?: Uint8Array;
  /** Devnet Esplora base URL: LDK's chain view, broadcasts and channel funding. */
  esploraUrl?: string;
  anchors?: boolean;
  /** minimum_depth for channels opened to LDK (default 6). */
  minDepth?: number;
  /** Accept inbound public channels (default true; stock LDK: false). */
  acceptInboundPublic?: boolean;
  /** Forward into private channels (default true; stock LDK: false). */
  forwardsToPrivChannels?: boolean;
  zeroConf?: boolean;
  /** Even custom TLV types LDK claims anyway (default [34349334]). */
  knownEvenTlvs?: bigint[];
  /** Claim incoming payments (default true). */
  claim?: boolean;
  feerateSatPerKw?: number;
  /** PeerManager tick: pings and handshake timeouts (default 10 s). */
  pmTickMs?: number;
  cmTickMs?: number;
  processMs?: number;
  pollMs?: number;
  maxDustExposureMsat?: bigint;
  simulateBackpressure?: boolean;
  networkUpdates?: boolean;
  logLevel?: 'gossip' | 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** How long the process may take to print its ready line (default 30 s). */
  startTimeoutMs?: number;
  /** Default time limit of one RPC (default 60 s). */
  rpcTimeoutMs?: number;
  /** Copy LDK's log to our stderr (also when KSNODE_LDK_LOG=1). */
  echoLog?: boolean;
}

export interface LdkInfo {
  nodeId: Uint8Array;
  port: number;
  blockHeight: number;
  /** Display-order hex. */
  blockHash: string;
  /** LDK's `init` features, BOLT 9 big-endian, and the set bits. */
  initFeatures: Uint8Array;
  initFeatureBits: number[];
  fundingAddress: string;
  backpressure: InfoJson['backpressure'];
}

export interface LdkPeerInfo {
  nodeId: Uint8Array;
  address: string | null;
  inbound: boolean;
  /** The features the peer sent LDK in `init` (BOLT 9 big-endian) and the set bits. */
  features: Uint8Array;
  featureBits: number[];
}

export interface LdkChannel {
  channelId: Uint8Array;
  userChannelId: bigint;
  counterpartyNodeId: Uint8Array;
  fundingTxid: string | null;
  fundingOutputIndex: number | null;
  shortChannelId: bigint | null;
  outboundScidAlias: bigint | null;
  inboundScidAlias: bigint | null;
  channelValueSat: bigint;
  outboundCapacityMsat: bigint;
  inboundCapacityMsat: bigint;
  nextOutboundHtlcLimitMsat: bigint;
  isOutbound: boolean;
  isChannelReady: boolean;
  isUsable: boolean;
  isAnnounced: boolean;
  confirmations: number | null;
  confirmationsRequired: number | null;
  channelTypeBits: number[];
  counterpartyForwarding: ChannelJson['counterpartyForwarding'];
  pendingInboundHtlcs: number;
  pendingOutboundHtlcs: number;
}

export interface LdkHop {
  nodeId: Uint8Array;
  shortChannelId: bigint;
  feeMsat: bigint;
  cltvExpiryDelta: number;
}

export interface LdkSentPayment {
  paymentId: Uint8Array;
  paymentHash: Uint8Array;
  preimage: Uint8Array;
  nodeId: Uint8Array;
  amountMsat: bigint;
  customRecords: Map<bigint, Uint8Array>;
  status: SentPaymentJson['status'];
  failure: string | null;
  feePaidMsat: bigint | null;
  path: LdkHop[] | null;
  pathFailures: PathFailureJson[];
}

export interface LdkReceivedPayment {
  paymentHash: Uint8Array;
  preimage: Uint8Array | null;
  amountMsat: bigint;
  purpose: ReceivedPaymentJson['purpose'];
  customRecords: Map<bigint, Uint8Array>;
  viaChannelId: Uint8Array | null;
  status: ReceivedPaymentJson['status'];
  reason: string | null;
}

export interface LdkRouteHintHop {
  srcNodeId: Uint8Array;
  shortChannelId: bigint;
  feeBaseMsat: number;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
}

export interface KeysendOptions {
  customRecords?: ReadonlyMap<bigint, Uint8Array>;
  /** Default 40. LDK adds a random shadow-route offset on top. */
  finalCltvDelta?: number;
  preimage?: Uint8Array;
  routeHints?: LdkRouteHintHop[][];
  /** Retry attempts after the first (default 2). */
  retries?: number;
  /** Wait for the outcome (default true). */
  wait?: boolean;
  timeoutMs?: number;
}

export class LdkRpcError extends Error {
  constructor(
    readonly method: string,
    message: string,
  ) {
    super(`ldk ${method}: ${message}`);
  }
}

function args(o: LdkPeerOptions, seed: Uint8Array): string[] {
  const a = ['--seed', bytesToHex(seed)];
  const flag = (cond: boolean | undefined, name: string): void => {
    if (cond === true) a.push(name);
  };
  const opt = (v: number | bigint | string | undefined, name: string): void => {
    if (v !== undefined) a.push(name, String(v));
  };
  opt(o.esploraUrl, '--esplora');
  flag(o.anchors, '--anchors');
  opt(o.minDepth, '--min-depth');
  flag(o.acceptInboundPublic === false, '--no-accept-inbound-public');
  flag(o.forwardsToPrivChannels === false, '--no-forwards-to-priv');
  flag(o.zeroConf, '--zero-conf');
  if (o.knownEvenTlvs !== undefined) a.push('--known-even-tlvs', o.knownEvenTlvs.join(','));
  flag(o.claim === false, '--no-claim');
  opt(o.feerateSatPerKw, '--feerate');
  opt(o.pmTickMs, '--pm-tick-ms');
  opt(o.cmTickMs, '--cm-tick-ms');
  opt(o.processMs, '--process-ms');
  opt(o.pollMs, '--poll-ms');
  opt(o.maxDustExposureMsat, '--max-dust-exposure-msat');
  flag(o.simulateBackpressure, '--simulate-backpressure');
  flag(o.networkUpdates === false, '--no-network-updates');
  opt(o.logLevel, '--log-level');
  return a;
}

const big = (s: string): bigint => BigInt(s);
const bigOrNull = (s: string | null): bigint | null => (s === null ? null : BigInt(s));

function recordsFromJson(r: Record<string, string>): Map<bigint, Uint8Array> {
  return new Map(Object.entries(r).map(([t, v]) => [BigInt(t), hexToBytes(v)]));
}

function hopFromJson(h: HopJson): LdkHop {
  return {
    nodeId: hexToBytes(h.nodeId),
    shortChannelId: big(h.shortChannelId),
    feeMsat: big(h.feeMsat),
    cltvExpiryDelta: h.cltvExpiryDelta,
  };
}

function peerFromJson(p: PeerJson): LdkPeerInfo {
  return { ...p, nodeId: hexToBytes(p.nodeId), features: hexToBytes(p.features) };
}

function channelFromJson(c: ChannelJson): LdkChannel {
  return {
    ...c,
    channelId: hexToBytes(c.channelId),
    userChannelId: big(c.userChannelId),
    counterpartyNodeId: hexToBytes(c.counterpartyNodeId),
    shortChannelId: bigOrNull(c.shortChannelId),
    outboundScidAlias: bigOrNull(c.outboundScidAlias),
    inboundScidAlias: bigOrNull(c.inboundScidAlias),
    channelValueSat: big(c.channelValueSat),
    outboundCapacityMsat: big(c.outboundCapacityMsat),
    inboundCapacityMsat: big(c.inboundCapacityMsat),
    nextOutboundHtlcLimitMsat: big(c.nextOutboundHtlcLimitMsat),
  };
}

function sentFromJson(p: SentPaymentJson): LdkSentPayment {
  return {
    ...p,
    paymentId: hexToBytes(p.paymentId),
    paymentHash: hexToBytes(p.paymentHash),
    preimage: hexToBytes(p.preimage),
    nodeId: hexToBytes(p.nodeId),
    amountMsat: big(p.amountMsat),
    customRecords: recordsFromJson(p.customRecords),
    feePaidMsat: bigOrNull(p.feePaidMsat),
    path: p.path === null ? null : p.path.map(hopFromJson),
  };
}

function receivedFromJson(p: ReceivedPaymentJson): LdkReceivedPayment {
  return {
    ...p,
    paymentHash: hexToBytes(p.paymentHash),
    preimage: p.preimage === null ? null : hexToBytes(p.preimage),
    amountMsat: big(p.amountMsat),
    customRecords: recordsFromJson(p.customRecords),
    viaChannelId: p.viaChannelId === null ? null : hexToBytes(p.viaChannelId),
  };
}

/** An LDK node in a child process. */
export class LdkPeer {
  readonly nodeId: Uint8Array;
  /** The port LDK listens on (127.0.0.1 unless told otherwise). */
  readonly port: number;
  readonly #child: ChildProcess;
  readonly #rpcTimeoutMs: number;
  readonly #pending = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  readonly #stderr: string[];
  readonly #killOnExit: () => void;
  #nextId = 1;
  #exited: Error | undefined;

  private constructor(
    child: ChildProcess,
    ready: { nodeId: string; port: number },
    rpcTimeoutMs: number,
    stderr: string[],
  ) {
    this.#child = child;
    this.nodeId = hexToBytes(ready.nodeId);
    this.port = ready.port;
    this.#rpcTimeoutMs = rpcTimeoutMs;
    this.#stderr = stderr;
    this.#killOnExit = () => child.kill('SIGKILL');
    process.once('exit', this.#killOnExit);
    child.once('exit', (code, signal) => this.#onExit(code, signal));
  }

  /** Spawns the node and waits for its ready line (rejects on a fatal line, exit or timeout). */
  static async start(options: LdkPeerOptions = {}): Promise<LdkPeer> {
    const seed = options.seed ?? randomBytes(32);
    const child = spawn(process.execPath, ['--import', 'tsx', NODE_SCRIPT, ...args(options, seed)], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const echo = options.echoLog === true || process.env.KSNODE_LDK_LOG === '1';
    const stderr: string[] = [];
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderr.push(line);
      if (stderr.length > STDERR_TAIL_LINES) stderr.shift();
      if (echo) process.stderr.write(`${line}\n`);
    });
    const lines = createInterface({ input: child.stdout! });
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    const ready = await new Promise<{ nodeId: string; port: number }>((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        child.off('exit', onExit);
      };
      const fail = (why: string): void => {
        settle();
        child.kill('SIGKILL');
        reject(new Error(`LDK node did not start: ${why}\n${stderr.slice(-30).join('\n')}`));
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
        fail(`exited (${code ?? signal})`);
      const timer = setTimeout(() => fail(`no ready line within ${timeoutMs} ms`), timeoutMs);
      child.once('exit', onExit);
      lines.once('line', (text) => {
        let v: { ready?: { nodeId: string; port: number }; fatal?: string } = {};
        try {
          v = JSON.parse(text) as typeof v;
        } catch {}
        if (v.ready === undefined) {
          fail(v.fatal ?? `unexpected output: ${text}`);
          return;
        }
        settle();
        resolve(v.ready);
      });
    });
    const peer = new LdkPeer(child, ready, options.rpcTimeoutMs ?? 60_000, stderr);
    lines.on('line', (text) => peer.#onLine(text));
    return peer;
  }

  /** The last lines of the node's stderr (LDK's log), for failure messages. */
  logTail(lines = 40): string {
    return this.#stderr.slice(-lines).join('\n');
  }

  #onLine(text: string): void {
    let v: ResponseLine;
    try {
      v = JSON.parse(text) as ResponseLine;
    } catch {
      return;
    }
    const waiter = this.#pending.get(v.id);
    if (waiter === undefined) return;
    this.#pending.delete(v.id);
    if (v.ok) waiter.resolve(v.result);
    else waiter.reject(new Error(v.error));
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    process.off('exit', this.#killOnExit);
    this.#exited = new Error(`the LDK node exited (${code ?? signal})`);
    for (const w of this.#pending.values()) w.reject(this.#exited);
    this.#pending.clear();
  }

  /** One raw RPC (see rpc.ts for the methods). */
  request(method: string, params: Record<string, Json> = {}, timeoutMs = this.#rpcTimeoutMs): Promise<Json> {
    if (this.#exited !== undefined) return Promise.reject(new LdkRpcError(method, this.#exited.message));
    const id = this.#nextId++;
    return new Promise<Json>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new LdkRpcError(method, `no reply within ${timeoutMs} ms\n${this.logTail()}`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(new LdkRpcError(method, e.message));
        },
      });
      this.#child.stdin!.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  async #call<T>(method: string, params: Record<string, Json> = {}, timeoutMs?: number): Promise<T> {
    return (await this.request(method, params, timeoutMs)) as unknown as T;
  }

  async info(): Promise<LdkInfo> {
    const i = await this.#call<InfoJson>('info');
    return { ...i, nodeId: hexToBytes(i.nodeId), initFeatures: hexToBytes(i.initFeatures) };
  }

  /** Connects LDK to a peer; resolves once the handshake and `init` exchange are done. */
  async connect(nodeId: Uint8Array, host: string, port: number, timeoutMs = 20_000): Promise<LdkPeerInfo> {
    const p = await this.#call<PeerJson>(
      'connect',
      { nodeId: bytesToHex(nodeId), host, port, timeoutMs },
      timeoutMs + 5000,
    );
    return peerFromJson(p);
  }

  /** Waits until `nodeId` is connected (and past `init`). */
  async waitPeer(nodeId: Uint8Array, timeoutMs = 20_000): Promise<LdkPeerInfo> {
    return peerFromJson(
      await this.#call<PeerJson>('wait_peer', { nodeId: bytesToHex(nodeId), timeoutMs }, timeoutMs + 5000),
    );
  }

  async disconnect(nodeId: Uint8Array): Promise<void> {
    await this.request('disconnect', { nodeId: bytesToHex(nodeId) });
  }

  async peers(): Promise<LdkPeerInfo[]> {
    return (await this.#call<PeerJson[]>('peers')).map(peerFromJson);
  }

  async openChannel(
    nodeId: Uint8Array,
    amountSat: bigint,
    o: { pushMsat?: bigint; announce?: boolean; anchors?: boolean } = {},
  ): Promise<{ temporaryChannelId: Uint8Array; userChannelId: bigint }> {
    const r = await this.#call<{ temporaryChannelId: string; userChannelId: string }>('open_channel', {
      nodeId: bytesToHex(nodeId),
      amountSat: amountSat.toString(),
      pushMsat: (o.pushMsat ?? 0n).toString(),
      announce: o.announce ?? false,
      anchors: o.anchors ?? false,
    });
    return { temporaryChannelId: hexToBytes(r.temporaryChannelId), userChannelId: BigInt(r.userChannelId) };
  }

  async channels(): Promise<LdkChannel[]> {
    return (await this.#call<ChannelJson[]>('channels')).map(channelFromJson);
  }

  async keysend(nodeId: Uint8Array, amountMsat: bigint, o: KeysendOptions = {}): Promise<LdkSentPayment> {
    const timeoutMs = o.timeoutMs ?? 30_000;
    const params: Record<string, Json> = {
      nodeId: bytesToHex(nodeId),
      amountMsat: amountMsat.toString(),
      customRecords: Object.fromEntries(
        [...(o.customRecords ?? [])].map(([t, v]) => [t.toString(), bytesToHex(v)]),
      ),
      finalCltvDelta: o.finalCltvDelta ?? 40,
      retries: o.retries ?? 2,
      wait: o.wait ?? true,
      timeoutMs,
      routeHints: (o.routeHints ?? []).map((hops) =>
        hops.map((h) => ({
          srcNodeId: bytesToHex(h.srcNodeId),
          shortChannelId: h.shortChannelId.toString(),
          feeBaseMsat: h.feeBaseMsat,
          feeProportionalMillionths: h.feeProportionalMillionths,
          cltvExpiryDelta: h.cltvExpiryDelta,
        })),
      ),
    };
    if (o.preimage !== undefined) params.preimage = bytesToHex(o.preimage);
    return sentFromJson(await this.#call<SentPaymentJson>('keysend', params, timeoutMs + 5000));
  }

  async payments(): Promise<{ sent: LdkSentPayment[]; received: LdkReceivedPayment[] }> {
    const p = await this.#call<{ sent: SentPaymentJson[]; received: ReceivedPaymentJson[] }>('payments');
    return { sent: p.sent.map(sentFromJson), received: p.received.map(receivedFromJson) };
  }

  /** Claims a payment left claimable (node started with `claim: false`). */
  async claim(paymentHash: Uint8Array): Promise<void> {
    await this.request('claim', { paymentHash: bytesToHex(paymentHash) });
  }

  /** Fails back a payment left claimable. */
  async fail(paymentHash: Uint8Array): Promise<void> {
    await this.request('fail', { paymentHash: bytesToHex(paymentHash) });
  }

  /** Events recorded after sequence number `since` (LDK events and Harness* notes). */
  events(since = 0, kind?: string): Promise<EventJson[]> {
    return this.#call<EventJson[]>('events', kind === undefined ? { since } : { since, kind });
  }

  /** Waits for the first event of `kind` after `since` whose data fields equal `match`'s. */
  waitEvent(
    kind: string,
    match: { [key: string]: Json } = {},
    since = 0,
    timeoutMs = 30_000,
  ): Promise<EventJson> {
    return this.#call<EventJson>('wait_event', { kind, match, since, timeoutMs }, timeoutMs + 5000);
  }

  async closeChannel(channelId: Uint8Array, nodeId: Uint8Array, feerateSatPerKw?: number): Promise<void> {
    const params: Record<string, Json> = { channelId: bytesToHex(channelId), nodeId: bytesToHex(nodeId) };
    if (feerateSatPerKw !== undefined) params.feerateSatPerKw = feerateSatPerKw;
    await this.request('close_channel', params);
  }

  async forceClose(channelId: Uint8Array, nodeId: Uint8Array): Promise<void> {
    await this.request('force_close', { channelId: bytesToHex(channelId), nodeId: bytesToHex(nodeId) });
  }

  graph(): Promise<GraphJson> {
    return this.#call<GraphJson>('graph');
  }

  /** Feeds LDK every block up to the devnet's tip; resolves with LDK's new best block. */
  sync(): Promise<{ height: number; hash: string }> {
    return this.#call<{ height: number; hash: string }>('sync');
  }

  broadcasts(): Promise<BroadcastJson[]> {
    return this.#call<BroadcastJson[]>('broadcasts');
  }

  /** LDK log lines kept in memory (trace and above), optionally only those containing `contains`. */
  logs(contains?: string): Promise<LogJson[]> {
    return this.#call<LogJson[]>('logs', contains === undefined ? {} : { contains });
  }

  /** Asks the node to shut down and waits for it to exit; kills it if it does not within 5 s. */
  async stop(): Promise<void> {
    if (this.#exited !== undefined) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    this.request('shutdown', {}, 5000).catch(() => this.#child.kill('SIGKILL'));
    await exited;
    clearTimeout(timer);
  }
}
