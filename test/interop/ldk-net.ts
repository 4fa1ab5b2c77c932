// test/interop/ldk-net.ts: the shared setup of the LDK interop scenarios. One devnet chain (in the
// test process, served over Esplora on loopback), real ksnode daemons on it (test/node/harness.ts:
// child processes driven through their HTTP API) and LDK 0.1 nodes (ldk/client.ts: child
// processes driven through their line RPC) following the same chain. Helpers open channels either
// way and wait until both sides call them usable; `close()` kills every process whatever happened.
import { bytesToHex, equalBytes, hexToBytes } from '../../src/crypto/index.js';
import { txidFromHex } from '../../src/tx/index.js';
import {
  type ChannelJson,
  Cluster,
  channelById,
  channels,
  type Json,
  NodeProcess,
  type PaymentJson,
  waitFor,
} from '../node/harness.js';
import { type LdkChannel, LdkPeer, type LdkPeerOptions } from './ldk/client.js';

/** Confirmations both sides ask for (ksnode's harness default is 3; LDK is told the same). */
export const MIN_DEPTH = 3;

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export interface OpenedChannel {
  /** Hex, as ksnode's API names it. */
  channelId: string;
  ks: NodeProcess;
  ldk: LdkPeer;
  ksSide: ChannelJson;
  ldkSide: LdkChannel;
}

/** A devnet with ksnode and LDK nodes on it. */
export class InteropNet {
  readonly ldks: LdkPeer[] = [];

  /** Should the test runner itself exit first: the signal goes out synchronously in `kill`. */
  private readonly killOnExit = (): void => {
    for (const n of this.cluster.nodes) void n.kill('SIGKILL');
  };

  private constructor(readonly cluster: Cluster) {
    process.once('exit', this.killOnExit);
  }

  static async start(): Promise<InteropNet> {
    const cluster = await Cluster.start();
    cluster.mine(3);
    return new InteropNet(cluster);
  }

  get devnet() {
    return this.cluster.devnet;
  }

  /** A ksnode daemon with `fundSat` in its wallet (confirmed). */
  async ksnode(name: string, fundSat = 2_000_000n, flags: Record<string, string> = {}): Promise<NodeProcess> {
    const node = await NodeProcess.spawn(name, this.cluster.chainUrl, { flags });
    this.cluster.nodes.push(node);
    if (fundSat > 0n) await this.cluster.fund(node, fundSat);
    return node;
  }

  /** An LDK node following this devnet (it funds its channels from the devnet faucet). */
  async ldk(options: LdkPeerOptions = {}): Promise<LdkPeer> {
    const peer = await LdkPeer.start({
      esploraUrl: this.cluster.chainUrl,
      pollMs: 100,
      processMs: 50,
      pmTickMs: 2000,
      minDepth: MIN_DEPTH,
      // LDK's fee estimator answers what the devnet's fee estimates say, as ksnode's does: with a
      // lower estimate LDK's dust-exposure limit (a multiple of its estimate) would stop it from
      // sending small HTLCs over channels ksnode opened at the devnet's rate.
      feerateSatPerKw: Number(this.devnet.feeRateSatPerKw),
      ...options,
    });
    this.ldks.push(peer);
    return peer;
  }

  /** Mines blocks and brings every LDK node's chain view up to the new tip. */
  async mine(blocks = 1): Promise<void> {
    this.cluster.mine(blocks);
    await Promise.all(this.ldks.map((l) => l.sync()));
  }

  /** ksnode dials LDK (and keeps the address, so that it redials after a disconnection). */
  async ksConnects(ks: NodeProcess, ldk: LdkPeer): Promise<void> {
    await ks.api('POST', '/v1/peers', { nodeId: bytesToHex(ldk.nodeId), address: `127.0.0.1:${ldk.port}` });
    await ldk.waitPeer(hexToBytes(ks.nodeId), 10_000);
  }

  /** LDK dials ksnode. */
  async ldkConnects(ldk: LdkPeer, ks: NodeProcess): Promise<void> {
    await ldk.connect(hexToBytes(ks.nodeId), '127.0.0.1', ks.listenPort);
  }

  /** ksnode funds a channel to LDK; resolves when both sides report it usable. */
  async ksOpens(
    ks: NodeProcess,
    ldk: LdkPeer,
    sat: bigint,
    pushMsat = 0n,
    o: { private?: boolean; channelType?: 'static_remotekey' | 'anchors' } = {},
  ): Promise<OpenedChannel> {
    const r = await ks.api<{ channelId: string }>('POST', '/v1/channels', {
      nodeId: bytesToHex(ldk.nodeId),
      amountSat: sat.toString(),
      pushMsat: pushMsat.toString(),
      ...(o.private === true ? { private: true } : {}),
      ...(o.channelType !== undefined ? { channelType: o.channelType } : {}),
    });
    return this.confirm(r.channelId, ks, ldk);
  }

  /** LDK funds a channel to ksnode; resolves when both sides report it usable. */
  async ldkOpens(
    ldk: LdkPeer,
    ks: NodeProcess,
    sat: bigint,
    o: { pushMsat?: bigint; anchors?: boolean; announce?: boolean } = {},
  ): Promise<OpenedChannel> {
    const since = await this.lastSeq(ldk);
    const opened = await ldk.openChannel(hexToBytes(ks.nodeId), sat, { announce: true, ...o });
    const pending = await ldk.waitEvent(
      'ChannelPending',
      { userChannelId: opened.userChannelId.toString() },
      since,
      20_000,
    );
    const channelId = pending.data.channelId as string;
    const fundingTxid = (pending.data.fundingTxo as { txid: string }).txid;
    await waitFor(
      'LDK broadcasts the funding transaction',
      async () => (await ldk.broadcasts()).some((b) => b.txid === fundingTxid && b.result === 'ok'),
      15_000,
    );
    return this.confirm(channelId, ks, ldk);
  }

  /** Mines the funding's confirmations and waits for both sides to call the channel usable. */
  private async confirm(channelId: string, ks: NodeProcess, ldk: LdkPeer): Promise<OpenedChannel> {
    await waitFor('the funding transaction in the mempool', () =>
      channelById(ks, channelId).then(
        (c) => c !== undefined && this.devnet.getTx(txidFromHex(c.fundingTxid)) !== undefined,
      ),
    );
    await this.mine(MIN_DEPTH);
    const ksSide = await waitFor(
      `channel ${channelId.slice(0, 8)} active on ${ks.name}`,
      async () => {
        const c = await channelById(ks, channelId);
        return c?.status === 'open' && c.active ? c : undefined;
      },
      30_000,
    );
    const ldkSide = await waitFor(
      `channel ${channelId.slice(0, 8)} usable on LDK`,
      async () => (await ldk.channels()).find((c) => bytesToHex(c.channelId) === channelId && c.isUsable),
      30_000,
    );
    return { channelId, ks, ldk, ksSide, ldkSide };
  }

  /** The sequence number of LDK's latest event (wait for events after it). */
  async lastSeq(ldk: LdkPeer): Promise<number> {
    return (await ldk.events()).at(-1)?.seq ?? 0;
  }

  /** LDK's view of one channel. */
  async ldkChannel(ldk: LdkPeer, channelId: string): Promise<LdkChannel | undefined> {
    return (await ldk.channels()).find((c) => equalBytes(c.channelId, hexToBytes(channelId)));
  }

  /** ksnode's view of its channels. */
  ksChannels(ks: NodeProcess): Promise<ChannelJson[]> {
    return channels(ks, true);
  }

  /** Logs of every process, for a failure message. */
  logs(): string {
    const ldk = this.ldks.map((l, i) => `==== ldk ${i} ====\n${l.logTail(40)}`).join('\n');
    return `${this.cluster.logs()}\n${ldk}`;
  }

  /** Runs `body`, adding every process's log tail to a failure. */
  async explain<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (e) {
      // A new error: the reporter prints the stack, which holds the message as first thrown.
      const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
      throw new Error(`${message}\n${this.logs()}`, { cause: e });
    }
  }

  async close(): Promise<void> {
    process.off('exit', this.killOnExit);
    await Promise.allSettled(this.ldks.map((l) => l.stop()));
    await this.cluster.close();
  }
}

/** One ksnode and one LDK node with a channel each way (both usable); close with `net.close()`. */
export async function pairWithChannels(
  ldkOptions: LdkPeerOptions = {},
  sat = 500_000n,
): Promise<{
  net: InteropNet;
  ks: NodeProcess;
  ldk: LdkPeer;
  ksToLdk: OpenedChannel;
  ldkToKs: OpenedChannel;
}> {
  const net = await InteropNet.start();
  try {
    const [ks, ldk] = await Promise.all([net.ksnode('ks'), net.ldk(ldkOptions)]);
    await net.ksConnects(ks, ldk);
    const ksToLdk = await net.ksOpens(ks, ldk, sat);
    const ldkToKs = await net.ldkOpens(ldk, ks, sat);
    return { net, ks, ldk, ksToLdk, ldkToKs };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    err.message = `${err.message}\n${net.logs()}`;
    await net.close();
    throw err;
  }
}

/** A keysend from a ksnode through its API, to any node id (hex), waiting for the outcome. */
export function ksKeysend(
  from: NodeProcess,
  destination: string,
  amountMsat: bigint,
  extra: Record<string, Json> = {},
): Promise<PaymentJson> {
  return from.api<PaymentJson>('POST', '/v1/keysend', {
    destination,
    amountMsat: amountMsat.toString(),
    allowWithoutFeature: true,
    ...extra,
  });
}

/** A payment with its attempts (the API's lookup). */
export interface AttemptJson {
  attemptNumber: number;
  status: 'in_flight' | 'succeeded' | 'failed';
  failingHop: number | null;
  failureCode: number | null;
  failureName?: string;
  failureReason?: string;
  route: { hops: { nodeId: string; shortChannelId: string }[] };
}

export async function ksPayment(
  node: NodeProcess,
  paymentHash: string,
): Promise<Omit<PaymentJson, 'attempts'> & { attempts: AttemptJson[] }> {
  return node.api('GET', `/v1/payments/${paymentHash}`);
}

/** BOLT 7 short_channel_id in the API's `BxTxO` form. */
export function scidText(scid: bigint): string {
  return `${scid >> 40n}x${(scid >> 16n) & 0xffffffn}x${scid & 0xffffn}`;
}
