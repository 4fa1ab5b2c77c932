// src/htlcswitch/final-hop.ts: HTLCs whose onion ends here. The registry decides; this settles or
// fails them on their link, and keeps the ones it holds (in memory only: after a restart the channel
// layer reports unresolved HTLCs again and the registry answers again).
import { bytesToHex, equalBytes, sha256 } from '../crypto/index.js';
import type { PeeledFinal } from '../onion/index.js';
import type { ChannelLink, IncomingHtlc } from './link.js';
import type { LinkTable } from './links.js';
import type { FinalHopHandler, FinalHopResolution, SwitchEvent } from './ports.js';
import { fulfillAttribution, holdTime, ourFailure } from './returns.js';

interface HeldHtlc {
  channelId: Uint8Array;
  htlcId: bigint;
  sharedSecret: Uint8Array;
  receivedAt: number;
}

type Decided = Exclude<FinalHopResolution, { kind: 'hold' }>;

const keyOf = (channelId: Uint8Array, htlcId: bigint): string => `${bytesToHex(channelId)}/${htlcId}`;

export class FinalHops {
  private readonly held = new Map<string, HeldHtlc>();

  constructor(
    private readonly deps: {
      links: LinkTable;
      handler: FinalHopHandler;
      now: () => number;
      attribution: boolean;
      emit: (e: SwitchEvent) => void;
    },
  ) {}

  isHeld(channelId: Uint8Array, htlcId: bigint): boolean {
    return this.held.has(keyOf(channelId, htlcId));
  }

  /**
   * Asks the registry about a final-hop HTLC; returns the call that carries out its answer on the
   * link (made by the caller, together with those of the other HTLCs of its group), if any.
   */
  async receive(
    link: ChannelLink,
    htlc: IncomingHtlc,
    peeled: PeeledFinal,
    height: number,
  ): Promise<(() => Promise<void>) | undefined> {
    const k = keyOf(link.channelId, htlc.id);
    // Held before asking, so that the registry may resolve it from inside onFinalHtlc.
    this.held.set(k, {
      channelId: link.channelId,
      htlcId: htlc.id,
      sharedSecret: peeled.sharedSecret,
      receivedAt: this.deps.now(),
    });
    let resolution: FinalHopResolution;
    try {
      resolution = await this.deps.handler.onFinalHtlc(
        {
          channelId: link.channelId,
          htlcId: htlc.id,
          peerNodeId: link.peerNodeId,
          paymentHash: htlc.paymentHash,
          amountMsat: htlc.amountMsat,
          cltvExpiry: htlc.cltvExpiry,
        },
        peeled.payload,
        height,
      );
    } catch (e) {
      // A registry bug: forget the HTLC so that its next report asks again.
      this.held.delete(k);
      throw e;
    }
    if (resolution.kind === 'hold') return undefined;
    if (resolution.kind === 'settle' && !equalBytes(sha256(resolution.preimage), htlc.paymentHash)) {
      this.deps.emit({ kind: 'anomaly', message: `registry settled final HTLC ${k} with a wrong preimage` });
      resolution = {
        kind: 'fail',
        failure: { name: 'incorrect_or_unknown_payment_details', htlcMsat: htlc.amountMsat, height },
      };
    }
    const taken = this.take(link.channelId, htlc.id, resolution);
    return taken === false ? undefined : taken;
  }

  /**
   * Settles or fails a held HTLC; false if none is held under that id (already resolved) or its
   * channel has no registered link (it stays held until the channel reports it again).
   */
  async resolve(channelId: Uint8Array, htlcId: bigint, resolution: Decided): Promise<boolean> {
    const taken = this.take(channelId, htlcId, resolution);
    if (taken === false) return false;
    await taken();
    return true;
  }

  /** Takes a held HTLC's resolution now; returns the link call that carries it out (or false). */
  private take(channelId: Uint8Array, htlcId: bigint, resolution: Decided): (() => Promise<void>) | false {
    const k = keyOf(channelId, htlcId);
    const h = this.held.get(k);
    if (h === undefined) return false;
    const link = this.deps.links.get(channelId);
    if (link === undefined) {
      // Kept: the channel reports the HTLC again when its link returns, and the registry answers again.
      this.deps.emit({ kind: 'anomaly', message: `no link to resolve final HTLC ${k}` });
      return false;
    }
    this.held.delete(k);
    const hold = holdTime(h.receivedAt, this.deps.now());
    if (resolution.kind === 'settle') {
      const attr = fulfillAttribution(h.sharedSecret, undefined, true, this.deps.attribution, hold);
      return () => link.fulfillHtlc(htlcId, resolution.preimage, attr);
    }
    const back = ourFailure(h.sharedSecret, resolution.failure, this.deps.attribution, hold);
    return () => link.failHtlc(htlcId, back.reason, back.attributionData);
  }

  /** Forgets held HTLCs of a link that is replaced or gone; the channel reports them again. */
  forgetChannel(channelId: Uint8Array): void {
    const prefix = `${bytesToHex(channelId)}/`;
    for (const k of this.held.keys()) if (k.startsWith(prefix)) this.held.delete(k);
  }
}
