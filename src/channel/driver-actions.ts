// src/channel/driver-actions.ts: carrying out the machine's chain and wallet actions for one
// channel: building and broadcasting the funding transaction, abandoning it, watching the funding
// output, broadcasting closing and commitment transactions.
import { bytesToHex } from '../crypto/index.js';
import { fundingOutputScript } from './commitments.js';
import type { Entry } from './driver-entry.js';
import { DRIVER_KV } from './driver-store.js';
import { type ChannelDriverOptions, DriverError, type DriverLogger } from './driver-types.js';
import type { ChainAction, ChannelInput, StepResult } from './types.js';

/** BOLT 7: announcement_signatures wait for 6 confirmations, so depth is followed that far. */
const ANNOUNCE_DEPTH = 6;
const FINISHED = new Set(['closed', 'aborted']);

/** What the actions need of the driver. */
export interface ActionHost {
  readonly o: ChannelDriverOptions;
  readonly log: DriverLogger;
  /** Runs one more input through the machine for this channel (inside its queue). */
  stepAndApply(e: Entry, input: ChannelInput): Promise<StepResult>;
  hexOf(e: Entry): string;
}

/** Carries out one action of a step, after its state was stored and its messages sent. */
export async function carryOut(host: ActionHost, e: Entry, a: ChainAction): Promise<void> {
  const hex = host.hexOf(e);
  switch (a.kind) {
    case 'requestFundingTx': {
      const fee = e.fundingFeeRateSatPerKw !== undefined ? { feeRateSatPerKw: e.fundingFeeRateSatPerKw } : {};
      const funded = await host.o.wallet.fundOutput(a.script, a.amountSat, fee);
      if (!funded.ok) {
        host.log.warn({ channelId: hex, why: funded.message }, 'the wallet cannot fund the channel');
        const waiter = e.open;
        e.open = undefined;
        await host.stepAndApply(e, {
          kind: 'forceClose',
          reason: 'the funder could not build the funding transaction',
        });
        waiter?.reject(
          new DriverError(
            funded.code === 'insufficient_funds' ? 'insufficient_funds' : 'open_failed',
            `cannot fund the channel: ${funded.message}`,
          ),
        );
        return;
      }
      // The raw transaction is kept before we sign anything that refers to it.
      await host.o.store.kv(DRIVER_KV.funding).put(bytesToHex(funded.txid), funded.raw);
      await host.stepAndApply(e, {
        kind: 'fundingTxReady',
        txid: funded.txid,
        outputIndex: funded.outputIndex,
      });
      return;
    }
    case 'broadcastFunding': {
      const raw = await host.o.store.kv(DRIVER_KV.funding).get(bytesToHex(a.txid));
      if (raw === undefined) {
        host.log.error({ channelId: hex }, 'the funding transaction to broadcast is missing');
        return;
      }
      const r = await host.o.wallet.broadcast(raw);
      if (!r.ok) host.log.warn({ channelId: hex, reason: r.reason }, 'funding broadcast refused');
      else host.log.info({ channelId: hex, txid: bytesToHex(a.txid) }, 'funding transaction broadcast');
      const op = e.state.fundingOutpoint!;
      e.open?.resolve({
        channelId: e.state.channelId!,
        fundingTxid: op.txid,
        fundingOutputIndex: op.index,
      });
      e.open = undefined;
      return;
    }
    case 'abandonFunding':
      await host.o.wallet.releaseLocks(a.txid);
      await host.o.store.kv(DRIVER_KV.funding).delete(bytesToHex(a.txid));
      return;
    case 'watchFunding':
      watchFunding(host, e);
      return;
    case 'broadcastClosing': {
      const r = await host.o.wallet.broadcast(a.tx);
      host.log.info({ channelId: hex, txid: bytesToHex(a.txid), ok: r.ok }, 'mutual close broadcast');
      return;
    }
    case 'broadcastCommitment': {
      const r = await host.o.chain.broadcast(a.tx);
      host.log.warn(
        { channelId: hex, txid: bytesToHex(a.txid), ok: r.ok, sweeps: a.sweeps.length },
        'our commitment broadcast (force close)',
      );
      return;
    }
    case 'recordRemoteCommitment':
      host.log.warn(
        { channelId: hex, txid: bytesToHex(a.txid), revoked: a.revoked, sweeps: a.sweeps.length },
        'the peer closed the channel on chain',
      );
      return;
  }
}

/** Watches the funding output for depth (up to the announcement depth) and for its spend. */
export function watchFunding(host: ActionHost, e: Entry): void {
  const s = e.state;
  if (e.watching || s.fundingOutpoint === undefined || s.remote === undefined || FINISHED.has(s.phase))
    return;
  e.watching = true;
  const fromHeight = e.meta.createdHeight;
  host.o.chain.watchScript(fundingOutputScript(s), {
    fromHeight,
    depthUpdatesUntil: Math.max(s.minimumDepth, ANNOUNCE_DEPTH),
  });
  host.o.chain.watchOutpoint({ txid: s.fundingOutpoint.txid, vout: s.fundingOutpoint.index }, { fromHeight });
}
