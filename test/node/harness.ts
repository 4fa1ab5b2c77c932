// test/node/harness.ts: a devnet chain in the test process and ksnode daemons as child processes
// (`bin/ksnode.mjs start`), each with its own temporary data directory, loopback ports chosen by
// the OS, and the HTTP API as the control channel (bearer token from the data directory). Every
// process is killed and every directory removed by `close()`, whatever happened in the test.
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before } from 'node:test';
import { Devnet, type DevnetServer, startDevnetServer } from '../../src/chain/devnet/index.js';

const BIN = new URL('../../bin/ksnode.mjs', import.meta.url).pathname;
const READY_TIMEOUT_MS = 30_000;
/** Set KSNODE_TEST_LOGS=<dir> to keep every node's full log there (one file per node name). */
const LOG_DIR = process.env.KSNODE_TEST_LOGS;

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A failed API call: the HTTP status and the API's error code. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface NodeOptions {
  /** Reuse this data directory (a restart). */
  dir?: string;
  /** Listen on this port (a restart keeps its address, so that peers can redial it). */
  listenPort?: number;
  /** More `--name value` flags. */
  flags?: Record<string, string>;
}

/** One ksnode daemon. */
export class NodeProcess {
  nodeId = '';
  listenPort = 0;
  apiUrl = '';
  private token = '';
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  /** The last log lines (JSON text), for failure reports. */
  readonly logTail: string[] = [];
  /** Every log line at level error or fatal (pino 50, 60). */
  readonly errorLines: string[] = [];

  private constructor(
    readonly name: string,
    readonly dir: string,
    private readonly chainUrl: string,
    private readonly flags: Record<string, string>,
  ) {}

  static async spawn(name: string, chainUrl: string, options: NodeOptions = {}): Promise<NodeProcess> {
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), `ksnode-${name}-`));
    const p = new NodeProcess(name, dir, chainUrl, options.flags ?? {});
    try {
      await p.start(options.listenPort ?? 0);
    } catch (e) {
      await p.destroy();
      throw e;
    }
    return p;
  }

  /** Starts the process on the data directory and waits for its `ready` log line. */
  private async start(listenPort: number): Promise<void> {
    const flags: Record<string, string> = {
      'data-dir': this.dir,
      'chain-url': this.chainUrl,
      listen: `127.0.0.1:${listenPort}`,
      api: '127.0.0.1:0',
      alias: this.name,
      'chain-poll-ms': '100',
      'gossip-flush-ms': '200',
      'min-depth': '3',
      'log-level': 'debug',
      'api-burst': '10000',
      'api-rate': '10000',
      ...this.flags,
    };
    const args = [BIN, 'start', ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v])];
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KSNODE_')) env[k] = v;
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const ready = new Promise<{ nodeId: string; listen: string; api: string }>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name} did not start in ${READY_TIMEOUT_MS} ms:\n${this.tail()}`)),
        READY_TIMEOUT_MS,
      );
      void this.exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited with ${code} before it was ready:\n${this.tail()}`));
      });
      createInterface({ input: child.stdout! }).on('line', (line) => {
        this.remember(line);
        if (!line.includes('"ready"')) return;
        try {
          const j = JSON.parse(line) as { msg?: string; nodeId?: string; listen?: string; api?: string };
          if (j.msg === 'ready' && j.nodeId && j.listen && j.api) {
            clearTimeout(timer);
            resolve({ nodeId: j.nodeId, listen: j.listen, api: j.api });
          }
        } catch {
          // not a log line of ours
        }
      });
      createInterface({ input: child.stderr! }).on('line', (line) => this.remember(`[stderr] ${line}`));
    });
    const r = await ready;
    this.nodeId = r.nodeId;
    this.listenPort = Number(r.listen.slice(r.listen.lastIndexOf(':') + 1));
    this.apiUrl = r.api;
    this.token = readFileSync(join(this.dir, 'admin.token'), 'utf8').trim();
  }

  private remember(line: string): void {
    if (LOG_DIR !== undefined) appendFileSync(join(LOG_DIR, `${this.name}.log`), `${line}\n`);
    if (/^\{"level":(50|60),/.test(line)) this.errorLines.push(line);
    // Request lines drown everything else in a failure report.
    if (line.includes('"api request"')) return;
    this.logTail.push(line);
    if (this.logTail.length > 400) this.logTail.splice(0, this.logTail.length - 400);
  }

  /** The last log lines, for a failure message. */
  tail(n = 60): string {
    return this.logTail.slice(-n).join('\n');
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Calls the node's HTTP API; rejects with ApiCallError for an error answer. */
  async api<T = Record<string, Json>>(method: string, path: string, body?: Record<string, Json>): Promise<T> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const json = text === '' ? {} : (JSON.parse(text) as Record<string, Json>);
    if (!res.ok) {
      const err = (json.error ?? {}) as { code?: string; message?: string };
      throw new ApiCallError(
        res.status,
        err.code ?? 'unknown',
        `${this.name} ${method} ${path}: ${res.status} ${err.message ?? text}`,
      );
    }
    return json as T;
  }

  /** SIGKILL (a crash) or SIGTERM (a clean stop), and wait for the exit. */
  async kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    this.child!.kill(signal);
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000).unref());
    const r = await Promise.race([this.exited, timeout]);
    if (r === 'timeout') {
      this.child!.kill('SIGKILL');
      return this.exited;
    }
    return r;
  }

  /** Starts the process again on the same data directory and listen port (with `flags` changed). */
  async restart(flags: Record<string, string> = {}): Promise<void> {
    if (this.running) throw new Error(`${this.name} is still running`);
    Object.assign(this.flags, flags);
    this.remember('---- restart ----');
    await this.start(this.listenPort);
  }

  /** Kills the process and removes its data directory. */
  async destroy(): Promise<void> {
    await this.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The channel as the API lists it (strings for amounts and ids). */
export interface ChannelJson {
  channelId: string;
  shortChannelId: string | null;
  peerNodeId: string;
  status: 'pending_open' | 'open' | 'closing' | 'closed';
  state: string;
  active: boolean;
  initiator: 'local' | 'remote';
  capacitySat: string;
  localBalanceMsat: string;
  remoteBalanceMsat: string;
  spendableMsat: string;
  fundingTxid: string;
  fundingOutputIndex: number;
  closingTxid: string | null;
  pendingHtlcs: number;
  channelType: 'static_remotekey' | 'anchors';
}

export interface PaymentJson {
  id: number;
  paymentHash: string;
  preimage: string | null;
  status: 'in_flight' | 'succeeded' | 'failed';
  amountMsat: string;
  feeMsat: string;
  failureReason: string | null;
  createdAt: number;
  updatedAt: number;
  attempts?: {
    status: 'in_flight' | 'succeeded' | 'failed';
    failingHop: number | null;
    failureName?: string;
    route: { hops: { nodeId: string; shortChannelId: string }[] };
  }[];
}

export interface InvoiceJson {
  paymentHash: string;
  state: string;
  keysend: boolean;
  amountReceivedMsat: string;
  records: Record<string, string>;
  app?: { message?: string; senderNodeId?: string; senderVerified: boolean };
}

/** A devnet and a set of nodes on it. */
export class Cluster {
  readonly nodes: NodeProcess[] = [];

  private constructor(
    readonly devnet: Devnet,
    private readonly server: DevnetServer,
  ) {}

  static async start(): Promise<Cluster> {
    const devnet = new Devnet({ coinbaseMaturity: 1 });
    const server = await startDevnetServer({ devnet, port: 0 });
    return new Cluster(devnet, server);
  }

  get chainUrl(): string {
    return this.server.url;
  }

  /** Spawns nodes (in parallel). */
  async add<const N extends readonly string[]>(...names: N): Promise<{ [K in keyof N]: NodeProcess }> {
    return (await this.addWith(...names.map((name) => ({ name })))) as { [K in keyof N]: NodeProcess };
  }

  /** Spawns nodes (in parallel), each with its own flags. */
  async addWith(...specs: { name: string; flags?: Record<string, string> }[]): Promise<NodeProcess[]> {
    const started = await Promise.allSettled(
      specs.map((s) => NodeProcess.spawn(s.name, this.chainUrl, s.flags ? { flags: s.flags } : {})),
    );
    for (const r of started) if (r.status === 'fulfilled') this.nodes.push(r.value);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return started.map((r) => (r as PromiseFulfilledResult<NodeProcess>).value);
  }

  /** Sends `sat` from the devnet faucet to a fresh address of `node` and waits until it is spendable. */
  async fund(node: NodeProcess, sat: bigint): Promise<void> {
    const { address } = await node.api<{ address: string }>('POST', '/v1/onchain/address', {});
    this.devnet.faucet(address, sat, { mine: true });
    await waitFor(`${node.name}'s funds`, async () => {
      const b = await node.api<{ onchain: { confirmedSat: string } }>('GET', '/v1/balance');
      return BigInt(b.onchain.confirmedSat) >= sat;
    });
  }

  /**
   * Sends `count` separate coins of `sat` each from the devnet faucet to fresh addresses of `node`
   * (one block confirms them all) and waits until they are spendable: channels opened at the same
   * time each need a coin of their own.
   */
  async fundCoins(node: NodeProcess, sat: bigint, count: number): Promise<void> {
    const before = await node.api<{ onchain: { confirmedSat: string } }>('GET', '/v1/balance');
    for (let i = 0; i < count; i++) {
      const { address } = await node.api<{ address: string }>('POST', '/v1/onchain/address', {});
      this.devnet.faucet(address, sat, { mine: false });
    }
    this.devnet.mine(1);
    const want = BigInt(before.onchain.confirmedSat) + sat * BigInt(count);
    await waitFor(`${node.name}'s ${count} coins`, async () => {
      const b = await node.api<{ onchain: { confirmedSat: string } }>('GET', '/v1/balance');
      return BigInt(b.onchain.confirmedSat) >= want;
    });
  }

  mine(blocks = 1): void {
    this.devnet.mine(blocks);
  }

  /** Every node's log tail, for a failure report. */
  logs(): string {
    return this.nodes.map((n) => `==== ${n.name} ====\n${n.tail()}`).join('\n');
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.nodes.map((n) => n.destroy()));
    await this.server.close();
    this.devnet.close();
  }
}

/** One node of the cluster a test file shares (see `useCluster`). */
export interface ClusterNode {
  name: string;
  /** More `--name value` flags for its daemon. */
  flags?: Record<string, string>;
  /** What the faucet sends it before it connects: one coin of this many sat... */
  fundSat?: bigint;
  /** ...or, with `coins`, that many separate coins of `fundSat` each (for opens at the same time). */
  coins?: number;
}

/**
 * The `before` and `after` hooks of a file whose tests share one cluster: its nodes spawned (in
 * parallel) and handed to `use`, then funded (in parallel) and each connected to the next one (a
 * line); every process is closed after the tests, whatever happened.
 */
export function useCluster<const N extends readonly (string | ClusterNode)[]>(
  nodes: N,
  use: (cluster: Cluster, nodes: { [K in keyof N]: NodeProcess }) => void,
): void {
  let cluster: Cluster | undefined;
  before(async () => {
    cluster = await Cluster.start();
    const specs = nodes.map((n) => (typeof n === 'string' ? { name: n } : n));
    const started = await cluster.addWith(...specs);
    use(cluster, started as { [K in keyof N]: NodeProcess });
    const c = cluster;
    await Promise.all(
      specs.map(({ fundSat, coins }, i) => {
        const n = started[i]!;
        if (fundSat === undefined) return undefined;
        return coins === undefined ? c.fund(n, fundSat) : c.fundCoins(n, fundSat, coins);
      }),
    );
    await Promise.all(started.slice(1).map((n, i) => connect(started[i]!, n)));
  });
  after(async () => {
    await cluster?.close();
  });
}

/** `n`'s on-chain balance in sat, confirmed or not. */
export async function onchainSat(n: NodeProcess): Promise<bigint> {
  const b = await n.api<{ onchain: { confirmedSat: string; unconfirmedSat: string } }>('GET', '/v1/balance');
  return BigInt(b.onchain.confirmedSat) + BigInt(b.onchain.unconfirmedSat);
}

export async function connect(a: NodeProcess, b: NodeProcess): Promise<void> {
  await a.api('POST', '/v1/peers', { nodeId: b.nodeId, address: `127.0.0.1:${b.listenPort}` });
}

export async function channels(node: NodeProcess, includeClosed = false): Promise<ChannelJson[]> {
  const r = await node.api<{ channels: ChannelJson[] }>(
    'GET',
    `/v1/channels${includeClosed ? '?includeClosed=true' : ''}`,
  );
  return r.channels;
}

export async function channelById(node: NodeProcess, channelId: string): Promise<ChannelJson | undefined> {
  return (await channels(node, true)).find((c) => c.channelId === channelId);
}

/** Opens a channel from `a` to `b` (connected) and returns its id once the funding is broadcast. */
export async function openChannel(
  a: NodeProcess,
  b: NodeProcess,
  sat: bigint,
  pushMsat = 0n,
): Promise<string> {
  const r = await a.api<{ channelId: string }>('POST', '/v1/channels', {
    nodeId: b.nodeId,
    amountSat: sat.toString(),
    pushMsat: pushMsat.toString(),
  });
  return r.channelId;
}

/** Waits until the channel is open and active on every given node. */
export async function waitActive(channelId: string, ...nodes: NodeProcess[]): Promise<void> {
  for (const n of nodes) {
    await waitFor(`channel ${channelId.slice(0, 8)} active on ${n.name}`, async () => {
      const c = await channelById(n, channelId);
      return c?.status === 'open' && c.active;
    });
  }
}

/** A keysend through the API that waits for the final result. */
export async function keysend(
  from: NodeProcess,
  to: NodeProcess,
  amountMsat: bigint,
  extra: Record<string, Json> = {},
): Promise<PaymentJson> {
  return from.api<PaymentJson>('POST', '/v1/keysend', {
    destination: to.nodeId,
    amountMsat: amountMsat.toString(),
    ...extra,
  });
}

export async function invoice(node: NodeProcess, paymentHash: string): Promise<InvoiceJson | undefined> {
  try {
    return await node.api<InvoiceJson>('GET', `/v1/invoices/${paymentHash}`);
  } catch (e) {
    if (e instanceof ApiCallError && e.status === 404) return undefined;
    throw e;
  }
}
