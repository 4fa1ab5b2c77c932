// src/channel/driver-sweeper.ts: sweeps our outputs of force-closed channels into the wallet. The
// transaction that spent a funding output is kept in the Store; each output of ours in it is
// watched, and spent into a fresh wallet address once its relative timelock allows (BIP 68: in the
// block after `csvDelay` confirmations). Rescans after a restart report what was already swept.
import type { ChainSource, OutPoint } from '../chain/index.js';
import { bytesToHex, hexToBytes } from '../crypto/index.js';
import type { Store } from '../store/index.js';
import { decodeTx, txid as txidOf } from '../tx/index.js';
import { type SweepCandidate, sweepCandidates } from './driver-sweep.js';
import type { DriverLogger, DriverWallet } from './driver-types.js';
import type { ChannelState } from './types.js';

/** `<channel id>` -> JSON {txid, raw, height}: the transaction that spent the funding output. */
export const CLOSE_KV = 'channel-close';
/** Retry a sweep the network did not take (or has not mined) after this many blocks. */
const RETRY_BLOCKS = 6;

interface Pending {
  channelHex: string;
  candidate: SweepCandidate;
  closeHeight: number;
  attemptedAt: number | undefined;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The outputs of closed channels still to sweep, and the sweeping. */
export class ChannelSweeper {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly o: {
      store: Store;
      chain: ChainSource;
      wallet: DriverWallet;
      log: DriverLogger;
    },
  ) {}

  /** Pending sweeps (for tests and the node's views). */
  list(): { channelHex: string; kind: SweepCandidate['kind']; valueSat: bigint; maturesAt: number }[] {
    return [...this.pending.values()].map((p) => ({
      channelHex: p.channelHex,
      kind: p.candidate.kind,
      valueSat: p.candidate.valueSat,
      maturesAt: p.closeHeight + Math.max(p.candidate.csvDelay, 1) - 1,
    }));
  }

  /** The funding output of a channel was spent by `rawTx` at `height`: keep it, watch our outputs. */
  async fundingSpent(
    channelHex: string,
    state: ChannelState,
    rawTx: Uint8Array,
    height: number,
  ): Promise<void> {
    const decoded = decodeTx(rawTx);
    if (!decoded.ok) return;
    const id = txidOf(decoded.value);
    const record = { txid: bytesToHex(id), raw: bytesToHex(rawTx), height };
    await this.o.store.kv(CLOSE_KV).put(channelHex, enc.encode(JSON.stringify(record)));
    this.track(channelHex, state, rawTx, height);
  }

  /** After a restart: the closes of these channels, from the Store. */
  async load(channels: readonly { channelHex: string; state: ChannelState }[]): Promise<void> {
    const kv = this.o.store.kv(CLOSE_KV);
    for (const c of channels) {
      const raw = await kv.get(c.channelHex);
      if (raw === undefined) continue;
      try {
        const j = JSON.parse(dec.decode(raw)) as { raw: string; height: number };
        this.track(c.channelHex, c.state, hexToBytes(j.raw), j.height);
      } catch (e) {
        this.o.log.error({ channelId: c.channelHex, err: String(e) }, 'stored close does not decode');
      }
    }
  }

  private track(channelHex: string, state: ChannelState, rawTx: Uint8Array, closeHeight: number): void {
    const decoded = decodeTx(rawTx);
    if (!decoded.ok) return;
    const id = txidOf(decoded.value);
    for (const candidate of sweepCandidates(state, decoded.value, id)) {
      if (this.pending.has(candidate.key)) continue;
      this.pending.set(candidate.key, { channelHex, candidate, closeHeight, attemptedAt: undefined });
      const op: OutPoint = candidate.input.outpoint;
      this.o.chain.watchOutpoint(op, { fromHeight: closeHeight, depthUpdatesUntil: 1 });
      this.o.log.info(
        { channelId: channelHex, output: candidate.key, kind: candidate.kind, valueSat: candidate.valueSat },
        'an output of a closed channel to sweep',
      );
    }
  }

  /** A watched outpoint was spent: if it was one of ours, it is done. */
  spent(outpoint: OutPoint): boolean {
    const key = `${bytesToHex(outpoint.txid)}:${outpoint.vout}`;
    const p = this.pending.get(key);
    if (p === undefined) return false;
    this.pending.delete(key);
    this.o.log.info({ channelId: p.channelHex, output: key }, 'swept');
    return true;
  }

  /** A new block: sweep whatever matured (one transaction per output). */
  async blockConnected(height: number): Promise<void> {
    const sweep = this.o.wallet.sweep;
    if (sweep === undefined) return;
    for (const p of this.pending.values()) {
      const confirmations = height - p.closeHeight + 1;
      if (confirmations < p.candidate.csvDelay) continue;
      if (p.attemptedAt !== undefined && height - p.attemptedAt < RETRY_BLOCKS) continue;
      p.attemptedAt = height;
      const built = await sweep.call(this.o.wallet, [p.candidate.input]);
      if (!built.ok) {
        this.o.log.warn(
          { channelId: p.channelHex, output: p.candidate.key, why: built.message },
          'cannot sweep',
        );
        continue;
      }
      const r = await this.o.wallet.broadcast(built.raw);
      if (r.ok)
        this.o.log.info(
          {
            channelId: p.channelHex,
            output: p.candidate.key,
            txid: bytesToHex(built.txid),
            amountSat: built.amountSat,
          },
          'sweep broadcast',
        );
      else
        this.o.log.warn({ channelId: p.channelHex, output: p.candidate.key, why: r.reason }, 'sweep refused');
    }
  }
}
