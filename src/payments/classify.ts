// src/payments/classify.ts: what a failed attempt teaches (BOLT 4 "Receiving Failure Codes"): who
// failed, whether a retry can help, and which channels or nodes the next route must avoid. Pure.
import { bytesToHex } from '../crypto/index.js';
import {
  type DecryptedFailure,
  FAILURE_MESSAGES,
  failureFlags,
  failureName,
  type OnionFailure,
} from '../onion/index.js';
import { formatShortChannelId, type Route } from '../routing/index.js';

/** A channel an intermediate node could not forward over, with the update it sent, if any. */
export interface ChannelFailure {
  shortChannelId: bigint;
  /** channel_update direction of the failing channel, seen from the erring node. */
  direction: 0 | 1;
  /** The node that could not forward; its key signs the channel_update. */
  erringNodeId: Uint8Array;
  /** The `channel_update` field of the failure, when not empty. */
  channelUpdate?: Uint8Array;
  /**
   * The failure is about the channel's policy (fee, CLTV, minimum, disabled): a valid, newer
   * channel_update can make a retry through the same channel succeed.
   */
  policyRelated: boolean;
}

/** What the loop learns from one failed attempt. */
export interface FailureAnalysis {
  /** 0: this node (a local refusal); n: route.hops[n - 1], the node that reported the failure. */
  failingHop: number | null;
  failureCode: number | null;
  failureName?: string;
  /** For people: who failed, how, and where. */
  reason: string;
  /** Nothing a retry could change: fail the payment. */
  terminal: boolean;
  /** Channels (both directions) the next routes of this payment must not use. */
  excludeChannels: bigint[];
  /** Nodes the next routes of this payment must not go through. */
  excludeNodes: Uint8Array[];
  /** A channel failure at an intermediate node; excluded unless its channel_update is applied. */
  channelFailure?: ChannelFailure;
  /**
   * For the scorer: the HTLC could not get through `failingChannel` (liquidity), or the first
   * `hops` channels of the route carried it.
   */
  learn?: { kind: 'failed'; failingChannel: bigint } | { kind: 'carried'; hops: number };
}

const CODE = {
  temporaryChannelFailure: FAILURE_MESSAGES.temporary_channel_failure.code,
  incorrectOrUnknownPaymentDetails: FAILURE_MESSAGES.incorrect_or_unknown_payment_details.code,
  finalExpiryTooSoon: FAILURE_MESSAGES.final_expiry_too_soon.code,
  finalIncorrectCltvExpiry: FAILURE_MESSAGES.final_incorrect_cltv_expiry.code,
  finalIncorrectHtlcAmount: FAILURE_MESSAGES.final_incorrect_htlc_amount.code,
  invalidOnionPayload: FAILURE_MESSAGES.invalid_onion_payload.code,
  mppTimeout: FAILURE_MESSAGES.mpp_timeout.code,
} as const;

/** Codes only a final node may send: from an intermediate node they are nonsense. */
const FINAL_ONLY = new Set<number>([
  CODE.incorrectOrUnknownPaymentDetails,
  CODE.finalExpiryTooSoon,
  CODE.finalIncorrectCltvExpiry,
  CODE.finalIncorrectHtlcAmount,
  FAILURE_MESSAGES.incorrect_payment_amount.code,
  CODE.mppTimeout,
]);

const hex = bytesToHex;

function codeName(code: number | undefined): string {
  if (code === undefined) return 'an empty failure message';
  return failureName(code) ?? `unknown failure code 0x${code.toString(16).padStart(4, '0')}`;
}

function channelUpdateOf(f: OnionFailure | undefined): Uint8Array | undefined {
  if (f === undefined || !('channelUpdate' in f)) return undefined;
  const u = f.channelUpdate;
  return u instanceof Uint8Array && u.length > 0 ? u : undefined;
}

function where(route: Route, hopIndex: number): string {
  const h = route.hops[hopIndex];
  const who = hopIndex === route.hops.length - 1 ? 'the recipient' : `hop ${hopIndex + 1}`;
  return `${who} (${h === undefined ? '?' : hex(h.nodeId)})`;
}

/** The first peer refused the HTLC before anything was sent: failure at hop 0, this node. */
export function analyzeRefusal(route: Route, reason: string): FailureAnalysis {
  const first = route.hops[0];
  return {
    failingHop: 0,
    failureCode: null,
    reason: `our channel ${first === undefined ? '?' : formatShortChannelId(first.shortChannelId)} refused the HTLC: ${reason}`,
    terminal: false,
    excludeChannels: first === undefined ? [] : [first.shortChannelId],
    excludeNodes: [],
  };
}

/**
 * Our channel to the first peer closed with the HTLC unresolvable (never committed, or timed out on
 * chain): no node of the route failed it, so nothing is learned about them; only that channel is
 * avoided, and a retry over another one is safe.
 */
export function analyzeClosed(route: Route, why: string): FailureAnalysis {
  const first = route.hops[0];
  return {
    failingHop: 0,
    failureCode: null,
    reason: `our channel ${first === undefined ? '?' : formatShortChannelId(first.shortChannelId)} closed without the HTLC: ${why}`,
    terminal: false,
    excludeChannels: first === undefined ? [] : [first.shortChannelId],
    excludeNodes: [],
  };
}

/**
 * The first peer answered update_fail_malformed_htlc: it could not parse the onion we built. We
 * built it the same way for every peer, so this peer is at fault: avoid our channel to it.
 */
export function analyzeMalformed(route: Route, code: number): FailureAnalysis {
  const first = route.hops[0];
  return {
    failingHop: 1,
    failureCode: code,
    ...(failureName(code) !== undefined ? { failureName: failureName(code) } : {}),
    reason: `${where(route, 0)} could not parse the onion (${codeName(code)})`,
    terminal: route.hops.length === 1,
    excludeChannels: first === undefined ? [] : [first.shortChannelId],
    excludeNodes: [],
  };
}

/** Classifies a decrypted failure of an attempt along `route`. */
export function analyzeFailure(route: Route, failure: DecryptedFailure): FailureAnalysis {
  const hops = route.hops;
  const k = hops.length;
  if (failure.kind === 'unattributable') {
    const verified = failure.attribution?.verifiedHops;
    if (verified !== undefined && verified < k) {
      // The attribution HMACs broke between hops verified - 1 and verified: blame the channel
      // between them (for 0, our own channel to the first peer).
      const blamed = hops[verified] as Route['hops'][number];
      return {
        failingHop: null,
        failureCode: null,
        reason:
          `a failure came back that no hop's HMAC authenticates; attribution data blames channel ` +
          `${formatShortChannelId(blamed.shortChannelId)}`,
        terminal: false,
        excludeChannels: [blamed.shortChannelId],
        excludeNodes: [],
      };
    }
    if (k === 1) {
      return {
        failingHop: null,
        failureCode: null,
        reason: 'the recipient returned a failure that does not authenticate',
        terminal: true,
        excludeChannels: [],
        excludeNodes: [],
      };
    }
    // No way to tell which hop garbled it: avoid every channel of the route past our own.
    return {
      failingHop: null,
      failureCode: null,
      reason: 'a failure came back that no hop authenticates; avoiding every channel of that route',
      terminal: false,
      excludeChannels: hops.slice(1).map((h) => h.shortChannelId),
      excludeNodes: [],
    };
  }

  const i = failure.hopIndex;
  const code = failure.code;
  const name = code === undefined ? undefined : failureName(code);
  const base = {
    failingHop: i + 1,
    failureCode: code ?? null,
    ...(name !== undefined ? { failureName: name } : {}),
  };
  const said = `${where(route, i)} returned ${codeName(code)}`;
  const flags = failureFlags(code ?? 0);
  const erring = hops[i] as Route['hops'][number];

  if (i === k - 1) {
    // The final node failed the HTLC. Every channel carried it.
    const learn = { kind: 'carried', hops: k } as const;
    // BOLT 4: "if the _final node_ is returning the error: ... if the PERM bit is set: ... SHOULD fail the payment."
    if (code === undefined || flags.perm) {
      return { ...base, reason: said, terminal: true, excludeChannels: [], excludeNodes: [], learn };
    }
    if (code === CODE.mppTimeout || code === CODE.finalExpiryTooSoon) {
      // Other parts did not arrive in time, or a block came while the HTLC was in flight: retry.
      return { ...base, reason: said, terminal: false, excludeChannels: [], excludeNodes: [], learn };
    }
    if ((code === CODE.finalIncorrectCltvExpiry || code === CODE.finalIncorrectHtlcAmount) && k > 1) {
      // The last forwarding node changed the HTLC it passed on: avoid its channel to the recipient.
      return {
        ...base,
        reason: `${said}: the previous hop altered the HTLC`,
        terminal: false,
        excludeChannels: [erring.shortChannelId],
        excludeNodes: [],
        learn,
      };
    }
    return { ...base, reason: said, terminal: true, excludeChannels: [], excludeNodes: [], learn };
  }

  // An intermediate node failed: channels up to and including the one into it carried the HTLC.
  const next = hops[i + 1] as Route['hops'][number];
  const learnCarried = { kind: 'carried', hops: i + 1 } as const;
  const nextChannel = formatShortChannelId(next.shortChannelId);
  if (code === undefined) {
    return {
      ...base,
      reason: `${said}; avoiding that node`,
      terminal: false,
      excludeChannels: [],
      excludeNodes: [erring.nodeId],
      learn: learnCarried,
    };
  }
  if (flags.badOnion) {
    // The erring node reports that the next node could not parse the onion it passed on.
    return {
      ...base,
      reason: `${said} for channel ${nextChannel}`,
      terminal: false,
      excludeChannels: [next.shortChannelId],
      excludeNodes: [],
      learn: learnCarried,
    };
  }
  if (flags.node || code === CODE.invalidOnionPayload || FINAL_ONLY.has(code)) {
    // BOLT 4: "if the NODE bit is set: ... SHOULD remove all channels connected with the erring node from consideration."
    // A forwarding node that rejects its payload, or sends a final node's code, goes the same way.
    return {
      ...base,
      reason: `${said}; avoiding that node`,
      terminal: false,
      excludeChannels: [],
      excludeNodes: [erring.nodeId],
      learn: learnCarried,
    };
  }
  const update = channelUpdateOf(failure.failure);
  const channelFailure: ChannelFailure = {
    shortChannelId: next.shortChannelId,
    direction: next.direction,
    erringNodeId: erring.nodeId,
    ...(update !== undefined ? { channelUpdate: update } : {}),
    policyRelated: flags.update && !flags.perm && code !== CODE.temporaryChannelFailure,
  };
  const learn =
    code === CODE.temporaryChannelFailure
      ? ({ kind: 'failed', failingChannel: next.shortChannelId } as const)
      : learnCarried;
  return {
    ...base,
    reason: `${said} for channel ${nextChannel}`,
    terminal: false,
    excludeChannels: [],
    excludeNodes: [],
    channelFailure,
    learn,
  };
}
