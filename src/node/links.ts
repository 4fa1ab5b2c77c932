// src/node/links.ts: the seams between the channel driver, the switch, the invoice registry and the
// payment loop. Each adapter turns one module's interface into what another expects; none decides
// anything.
import type { ChannelDriver, ChannelSnapshot, OutgoingResolution } from '../channel/index.js';
import { bytesToHex } from '../crypto/index.js';
import {
  type ChannelUpdateParams,
  createChannelUpdate,
  type GossipSigner,
  nextTimestamp,
} from '../gossip/index.js';
import type {
  AddHtlcRequest,
  AddHtlcResult,
  AddRefusal,
  ChannelLink,
  FinalHopHandler,
  FinalHopResolution,
  FinalHtlc,
  ForwardingPolicy,
  HtlcSwitch,
  LocalHtlcOutcome,
  PaymentOutcomeSink,
} from '../htlcswitch/index.js';
import type { HtlcResolution, InvoiceRegistry, RegistryInvoice } from '../invoices/index.js';
import type { FinalHopPayload } from '../onion/index.js';
import type {
  AddResult,
  AttemptId,
  HtlcOutcome,
  HtlcSender,
  LocalChannels,
  PaymentLoop,
  SendHtlcRequest,
} from '../payments/index.js';
import type { FirstHopChannel } from '../routing/index.js';
import {
  type ChannelUpdate,
  channelUpdateDirection,
  encodeMessage,
  isChannelDisabled,
  MESSAGE_FLAG_DONT_FORWARD,
} from '../wire/index.js';

/** The node-wide forwarding fees (the fee policy of the config, changeable through the API). */
export interface FeeSettings {
  feeBaseMsat: bigint;
  feeProportionalMillionths: number;
  cltvExpiryDelta: number;
}

/** A channel's short_channel_id aliases: ours (sent in channel_ready) and the peer's. */
export function aliasesOf(s: ChannelSnapshot): bigint[] {
  const out = [s.state.localAlias];
  if (s.state.remoteAlias !== undefined) out.push(s.state.remoteAlias);
  return out;
}

/** The id we name a channel by for routing: the real short_channel_id, else our alias. */
export function routingScidOf(s: ChannelSnapshot): bigint {
  return s.state.shortChannelId ?? s.state.localAlias;
}

/** The HTLC limits our channel_update announces for a channel (BOLT 7 bounds htlc_maximum_msat). */
export function htlcLimitsOf(s: ChannelSnapshot): { minimumMsat: bigint; maximumMsat: bigint } {
  const remote = s.state.remote;
  const capacityMsat = s.state.fundingSat * 1000n;
  if (remote === undefined) return { minimumMsat: 1n, maximumMsat: capacityMsat };
  const inFlight = remote.maxHtlcValueInFlightMsat;
  return {
    minimumMsat: remote.htlcMinimumMsat > 0n ? remote.htlcMinimumMsat : 1n,
    maximumMsat: inFlight < capacityMsat ? inFlight : capacityMsat,
  };
}

/** Where our signed channel_updates come from (the gossiper), and the key that signs variants. */
export interface OwnUpdateSource {
  /** Our latest signed channel_update of the channel (public or sent to the peer alone), if any. */
  latest(channelId: Uint8Array): ChannelUpdate | undefined;
  signer: GossipSigner;
  /** Unix seconds. */
  nowSec(): number;
}

const NO_UPDATE = new Uint8Array(0);

function samePolicyAs(u: ChannelUpdate, p: ForwardingPolicy): boolean {
  return (
    BigInt(u.feeBaseMsat) === p.feeBaseMsat &&
    BigInt(u.feeProportionalMillionths) === p.feeProportionalMillionths &&
    u.cltvExpiryDelta === p.cltvExpiryDelta &&
    u.htlcMinimumMsat === p.htlcMinimumMsat &&
    u.htlcMaximumMsat === p.htlcMaximumMsat
  );
}

/**
 * The channel_update our forwarding failures carry. BOLT 4: "report the current channel setting for
 * the outgoing channel", and "if it returns a `channel_update`:" "MUST set `short_channel_id` to the
 * `short_channel_id` used by the incoming onion." Gossip's latest update is used as it is when it
 * names that short_channel_id and states the current policy; otherwise (the onion named an alias,
 * or the update that announces a new policy or the disable bit is not out yet) the same update is
 * signed again for that short_channel_id and the current policy, with `dont_forward` set, since it
 * is not gossip. Signed variants are kept until gossip's update or the policy changes.
 */
export class FailureUpdates {
  private readonly signed = new Map<string, { key: string; bytes: Uint8Array }>();

  constructor(private readonly source: OwnUpdateSource) {}

  /**
   * Encoded with its 2-byte message type, as lnd and Core Lightning send it (LDK 0.1 and our own
   * payment loop accept it with or without); empty bytes before gossip made any update for the
   * channel (BOLT 4 allows a zero `len`).
   */
  forFailure(channelId: Uint8Array, shortChannelId: bigint, policy: ForwardingPolicy): Uint8Array {
    const last = this.source.latest(channelId);
    if (last === undefined) return NO_UPDATE;
    const current = samePolicyAs(last, policy) && isChannelDisabled(last) === policy.disabled;
    if (current && last.shortChannelId === shortChannelId) return encodeMessage(last);
    const dontForward =
      (last.messageFlags & MESSAGE_FLAG_DONT_FORWARD) !== 0 || last.shortChannelId !== shortChannelId;
    const slot = `${bytesToHex(channelId)}/${shortChannelId}`;
    const key = [
      last.timestamp,
      policy.feeBaseMsat,
      policy.feeProportionalMillionths,
      policy.cltvExpiryDelta,
      policy.htlcMinimumMsat,
      policy.htlcMaximumMsat,
      policy.disabled,
    ].join('/');
    const kept = this.signed.get(slot);
    if (kept?.key === key) return kept.bytes;
    const params: ChannelUpdateParams = {
      chainHash: last.chainHash,
      shortChannelId,
      direction: channelUpdateDirection(last),
      policy: {
        cltvExpiryDelta: policy.cltvExpiryDelta,
        htlcMinimumMsat: policy.htlcMinimumMsat,
        htlcMaximumMsat: policy.htlcMaximumMsat,
        feeBaseMsat: policy.feeBaseMsat,
        feeProportionalMillionths: Number(policy.feeProportionalMillionths),
      },
      disabled: policy.disabled,
      dontForward,
      // The same moment as gossip's update when only the short_channel_id differs; a newer one
      // when the policy changed (BOLT 7: "greater than any previously-sent `channel_update`").
      timestamp: current ? last.timestamp : nextTimestamp(this.source.nowSec(), last.timestamp),
    };
    const bytes = encodeMessage(createChannelUpdate(params, this.source.signer));
    this.signed.set(slot, { key, bytes });
    return bytes;
  }
}

const REFUSALS: Record<string, AddRefusal> = {
  not_ready: 'link_down',
  disconnected: 'link_down',
  closing: 'closing',
  below_minimum: 'below_peer_minimum',
  too_many_htlcs: 'htlc_limits',
  in_flight_limit: 'htlc_limits',
  insufficient_funds: 'insufficient_balance',
  dust_exposure: 'dust_exposure',
};

/** One channel as the switch drives it, backed by the driver. */
export class DriverLink implements ChannelLink {
  readonly channelId: Uint8Array;
  readonly peerNodeId: Uint8Array;
  readonly shortChannelId: bigint | undefined;
  readonly aliases: readonly bigint[];

  constructor(
    private readonly driver: ChannelDriver,
    snapshot: ChannelSnapshot,
    private readonly fees: () => FeeSettings,
    /** Without it, failures carry no channel_update. */
    private readonly updates?: FailureUpdates,
  ) {
    this.channelId = snapshot.channelId;
    this.peerNodeId = snapshot.peerNodeId;
    this.shortChannelId = snapshot.state.shortChannelId;
    this.aliases = aliasesOf(snapshot);
  }

  /** The snapshot this link was registered with still names the channel the same way. */
  sameIds(s: ChannelSnapshot): boolean {
    const a = aliasesOf(s);
    return (
      s.state.shortChannelId === this.shortChannelId &&
      a.length === this.aliases.length &&
      a.every((x, i) => x === this.aliases[i])
    );
  }

  private snap(): ChannelSnapshot | undefined {
    return this.driver.channel(this.channelId);
  }

  isUsable(): boolean {
    return this.snap()?.usable ?? false;
  }

  policy(): ForwardingPolicy {
    const s = this.snap();
    const f = this.fees();
    const limits = s === undefined ? { minimumMsat: 1n, maximumMsat: 0n } : htlcLimitsOf(s);
    return {
      feeBaseMsat: f.feeBaseMsat,
      feeProportionalMillionths: BigInt(f.feeProportionalMillionths),
      cltvExpiryDelta: f.cltvExpiryDelta,
      htlcMinimumMsat: limits.minimumMsat,
      htlcMaximumMsat: limits.maximumMsat,
      disabled: !(s?.usable ?? false),
    };
  }

  availableOutboundMsat(): bigint {
    return this.snap()?.spendableMsat ?? 0n;
  }

  channelUpdate(shortChannelId: bigint): Uint8Array {
    return this.updates?.forFailure(this.channelId, shortChannelId, this.policy()) ?? NO_UPDATE;
  }

  async addHtlc(request: AddHtlcRequest): Promise<AddHtlcResult> {
    const r = await this.driver.addHtlc(this.channelId, request);
    if (r.ok) return { kind: 'accepted', htlcId: r.htlcId };
    return { kind: 'refused', reason: REFUSALS[r.rejection.code] ?? 'link_down' };
  }

  outgoingHtlcIdByOrigin(origin: Uint8Array): bigint | undefined {
    return this.driver.outgoingHtlcIdByOrigin(this.channelId, origin);
  }

  async fulfillHtlc(htlcId: bigint, preimage: Uint8Array, attributionData?: Uint8Array): Promise<void> {
    await this.driver.fulfillHtlc(this.channelId, htlcId, preimage, attributionData);
  }

  async failHtlc(htlcId: bigint, reason: Uint8Array, attributionData?: Uint8Array): Promise<void> {
    await this.driver.failHtlc(this.channelId, htlcId, reason, attributionData);
  }

  async failMalformedHtlc(htlcId: bigint, sha256OfOnion: Uint8Array, failureCode: number): Promise<void> {
    await this.driver.failMalformedHtlc(this.channelId, htlcId, sha256OfOnion, failureCode);
  }
}

/** Carries registry resolutions of HTLCs other than the arriving one to the switch. */
export async function applyHeldResolutions(
  sw: HtlcSwitch,
  resolutions: readonly HtlcResolution[],
): Promise<void> {
  for (const r of resolutions) {
    if (r.kind === 'settle') await sw.settleHeldHtlc(r.htlc.channelId, r.htlc.htlcId, r.preimage);
    else if (r.kind === 'fail') await sw.failHeldHtlc(r.htlc.channelId, r.htlc.htlcId, r.failure);
  }
}

/** The invoice registry as the switch's final hop. */
export class RegistryFinalHop implements FinalHopHandler {
  constructor(
    private readonly registry: InvoiceRegistry,
    private readonly sw: () => HtlcSwitch,
    private readonly onSettled: (invoice: RegistryInvoice) => void,
  ) {}

  async onFinalHtlc(
    htlc: FinalHtlc,
    payload: FinalHopPayload,
    currentHeight: number,
  ): Promise<FinalHopResolution> {
    const out = await this.registry.onFinalHtlc(
      {
        channelId: htlc.channelId,
        htlcId: htlc.htlcId,
        paymentHash: htlc.paymentHash,
        amountMsat: htlc.amountMsat,
        cltvExpiry: htlc.cltvExpiry,
        incomingPeer: htlc.peerNodeId,
      },
      payload,
      currentHeight,
    );
    const [first, ...rest] = out.resolutions;
    await applyHeldResolutions(this.sw(), rest);
    if (out.invoice !== undefined && out.invoice.state === 'settled') this.onSettled(out.invoice);
    if (first === undefined || first.kind === 'wait') return { kind: 'hold' };
    if (first.kind === 'settle') return { kind: 'settle', preimage: first.preimage };
    return { kind: 'fail', failure: first.failure };
  }
}

/** The part of the switch that takes the driver's outgoing resolutions. */
export type OutgoingResolutionTarget = Pick<HtlcSwitch, 'outgoingHtlcFulfilled' | 'outgoingHtlcFailed'>;

/**
 * Hands the driver's report of how an HTLC we offered ended to the switch, with the peer's
 * attribution data, so that a failure or fulfill passed upstream extends it (BOLT 4).
 */
export async function deliverOutgoingResolution(
  sw: OutgoingResolutionTarget,
  link: ChannelLink,
  r: OutgoingResolution,
): Promise<void> {
  if (r.kind === 'fulfilled') {
    await sw.outgoingHtlcFulfilled(link, r.htlcId, r.preimage, r.attributionData);
  } else if (r.kind === 'closed') {
    await sw.outgoingHtlcFailed(link, r.htlcId, { kind: 'closed', why: r.why });
  } else if (r.reason.kind === 'onion') {
    const { reason, attributionData } = r.reason;
    await sw.outgoingHtlcFailed(link, r.htlcId, {
      kind: 'fail',
      reason,
      ...(attributionData !== undefined ? { attributionData } : {}),
    });
  } else {
    await sw.outgoingHtlcFailed(link, r.htlcId, {
      kind: 'malformed',
      sha256OfOnion: r.reason.sha256OfOnion,
      failureCode: r.reason.failureCode,
    });
  }
}

/** How an HTLC we sent ended, in the payment loop's terms. */
export function toHtlcOutcome(outcome: LocalHtlcOutcome): HtlcOutcome {
  if (outcome.kind === 'fulfilled') {
    return {
      kind: 'fulfilled',
      preimage: outcome.preimage,
      ...(outcome.attributionData !== undefined ? { attributionData: outcome.attributionData } : {}),
    };
  }
  const f = outcome.failure;
  if (f.kind === 'fail')
    return {
      kind: 'failed',
      reason: f.reason,
      ...(f.attributionData !== undefined ? { attributionData: f.attributionData } : {}),
    };
  if (f.kind === 'malformed') return { kind: 'malformed', code: f.failureCode };
  // Our own channel closed and the HTLC can never be fulfilled: not the peer's malformed reply.
  return { kind: 'closed', why: f.why };
}

/** The payment loop as the switch's sink for our own HTLCs. */
export class LoopOutcomeSink implements PaymentOutcomeSink {
  constructor(private readonly loop: () => PaymentLoop) {}

  onHtlcResolved(ref: string, outcome: LocalHtlcOutcome): Promise<void> {
    return this.loop().onHtlcResolved(ref, toHtlcOutcome(outcome));
  }

  onHtlcOnChain(ref: string, why: string): Promise<void> {
    return this.loop().onHtlcResolved(ref, { kind: 'onchain', why });
  }
}

/** The switch as the payment loop's HTLC sender. */
export class SwitchHtlcSender implements HtlcSender {
  constructor(private readonly sw: () => HtlcSwitch) {}

  async sendHtlc(req: SendHtlcRequest): Promise<AddResult> {
    const r = await this.sw().sendHtlc({
      ref: req.attemptId,
      shortChannelId: req.firstHopShortChannelId,
      amountMsat: req.amountMsat,
      cltvExpiry: req.cltvExpiry,
      paymentHash: req.paymentHash,
      onion: req.onion,
    });
    if (r.kind === 'refused') return { kind: 'refused', reason: r.reason };
    return { kind: 'added' };
  }

  async attemptStatus(attemptId: AttemptId): Promise<'pending' | 'unknown'> {
    const known = this.sw()
      .pendingCircuits()
      .some((c) => c.kind === 'local' && c.ref === attemptId);
    return known ? 'pending' : 'unknown';
  }
}

/** Our usable channels as the payment loop's first hops. */
export class DriverLocalChannels implements LocalChannels {
  constructor(private readonly driver: ChannelDriver) {}

  list(): readonly FirstHopChannel[] {
    const out: FirstHopChannel[] = [];
    for (const s of this.driver.channels()) {
      if (!s.usable || s.temporary) continue;
      const limits = htlcLimitsOf(s);
      out.push({
        shortChannelId: routingScidOf(s),
        peerNodeId: s.peerNodeId,
        spendableMsat: s.spendableMsat,
        htlcMinimumMsat: limits.minimumMsat,
        htlcMaximumMsat: limits.maximumMsat,
      });
    }
    return out;
  }
}

/** `channelId/htlcId`, for logs. */
export function htlcName(channelId: Uint8Array, htlcId: bigint): string {
  return `${bytesToHex(channelId)}/${htlcId}`;
}
