// src/htlcswitch/circuit.ts: a circuit ties an HTLC we offered to where it came from (an incoming
// HTLC, or a payment of ours), with what is needed to resolve that origin after a restart. It is
// stored as a TLV record in the key-value store, declared once below.
import { bytesToHex } from '../crypto/index.js';
import {
  bytes,
  DecodeError,
  decode,
  encode,
  restBytes,
  restUtf8,
  tlv,
  tlvStream,
  u8,
  u16,
  u32,
  u64,
} from '../wire/index.js';
import type { LocalHtlcOutcome } from './ports.js';

/**
 * - adding: stored before the outgoing add; the outgoing HTLC id is not known yet.
 * - in_flight: the outgoing HTLC exists; waiting for it to resolve.
 * - resolving: the origin's resolution is decided and stored, not yet handed over.
 * - resolved: handed over. Forward circuits stay until the incoming HTLC has expired, so a
 *   repeated incoming HTLC is recognized; local ones are deleted.
 */
export type CircuitState = 'adding' | 'in_flight' | 'resolving' | 'resolved';
const STATES: readonly CircuitState[] = ['adding', 'in_flight', 'resolving', 'resolved'];

/** What we send back on the incoming channel, computed once and stored so repeats are identical. */
export type UpstreamResolution =
  | { kind: 'fulfill'; preimage: Uint8Array; attributionData?: Uint8Array }
  | { kind: 'fail'; reason: Uint8Array; attributionData?: Uint8Array; description: string };

interface CircuitCommon {
  state: CircuitState;
  paymentHash: Uint8Array;
  outgoingChannelId: Uint8Array;
  /**
   * The short_channel_id the onion (or the payment loop) named for the outgoing channel: the one a
   * failure's channel_update carries, even when the HTLC went out over another channel to the peer.
   */
  outgoingShortChannelId: bigint;
  outgoingHtlcId: bigint | null;
  outgoingAmountMsat: bigint;
  outgoingCltvExpiry: number;
  /** Unix ms when the circuit was created (for hold times). */
  createdAt: number;
}

/** An incoming HTLC forwarded to an outgoing one. */
export interface ForwardCircuit extends CircuitCommon {
  kind: 'forward';
  /** The row in the forwards table. */
  forwardId: number;
  incomingChannelId: Uint8Array;
  incomingHtlcId: bigint;
  incomingAmountMsat: bigint;
  incomingCltvExpiry: number;
  /** From peeling the incoming onion: it encrypts whatever we return upstream. */
  sharedSecret: Uint8Array;
  upstream?: UpstreamResolution;
}

/** An HTLC of a payment we sent. */
export interface LocalCircuit extends CircuitCommon {
  kind: 'local';
  /** The payment loop's name for the attempt. */
  ref: string;
  outcome?: LocalHtlcOutcome;
}

export type Circuit = ForwardCircuit | LocalCircuit;

/** The key of a forward circuit: its incoming channel and HTLC id. */
export function forwardCircuitKey(incomingChannelId: Uint8Array, incomingHtlcId: bigint): string {
  return `f/${bytesToHex(incomingChannelId)}/${incomingHtlcId.toString().padStart(20, '0')}`;
}

/** The key of a local circuit: the payment loop's ref. */
export function localCircuitKey(ref: string): string {
  return `p/${ref}`;
}

/** The key a circuit is stored and indexed under. */
export function circuitKey(c: Circuit): string {
  return c.kind === 'forward'
    ? forwardCircuitKey(c.incomingChannelId, c.incomingHtlcId)
    : localCircuitKey(c.ref);
}

/** The `origin` bytes a circuit's outgoing HTLC carries in its channel: the circuit key. */
export function circuitOrigin(c: Circuit): Uint8Array {
  return new TextEncoder().encode(circuitKey(c));
}

const bytes32 = bytes(32);

// Resolution kinds in field `resolution`.
const UP_FULFILL = 1;
const UP_FAIL = 2;
const OUT_FULFILLED = 3;
const OUT_FAIL = 4;
const OUT_MALFORMED = 5;
const OUT_CLOSED = 6;

const circuitRecord = tlvStream('htlcswitch_circuit', {
  kind: tlv(0, u8),
  state: tlv(2, u8),
  paymentHash: tlv(4, bytes32),
  outgoingChannelId: tlv(6, bytes32),
  outgoingShortChannelId: tlv(8, u64),
  outgoingHtlcId: tlv(10, u64),
  outgoingAmountMsat: tlv(12, u64),
  outgoingCltvExpiry: tlv(14, u32),
  createdAt: tlv(16, u64),
  forwardId: tlv(18, u64),
  incomingChannelId: tlv(20, bytes32),
  incomingHtlcId: tlv(22, u64),
  incomingAmountMsat: tlv(24, u64),
  incomingCltvExpiry: tlv(26, u32),
  sharedSecret: tlv(28, bytes32),
  ref: tlv(30, restUtf8),
  resolution: tlv(32, u8),
  preimage: tlv(34, bytes32),
  reason: tlv(36, restBytes),
  attributionData: tlv(38, restBytes),
  text: tlv(40, restUtf8),
  sha256OfOnion: tlv(42, bytes32),
  failureCode: tlv(44, u16),
});

type Fields = Parameters<typeof circuitRecord.encode>[1];

function resolutionFields(c: Circuit): Partial<Fields> {
  if (c.kind === 'forward') {
    const u = c.upstream;
    if (u === undefined) return {};
    return u.kind === 'fulfill'
      ? { resolution: UP_FULFILL, preimage: u.preimage, attributionData: u.attributionData }
      : { resolution: UP_FAIL, reason: u.reason, attributionData: u.attributionData, text: u.description };
  }
  const o = c.outcome;
  if (o === undefined) return {};
  if (o.kind === 'fulfilled')
    return { resolution: OUT_FULFILLED, preimage: o.preimage, attributionData: o.attributionData };
  const f = o.failure;
  switch (f.kind) {
    case 'fail':
      return { resolution: OUT_FAIL, reason: f.reason, attributionData: f.attributionData };
    case 'malformed':
      return { resolution: OUT_MALFORMED, sha256OfOnion: f.sha256OfOnion, failureCode: f.failureCode };
    case 'closed':
      return { resolution: OUT_CLOSED, text: f.why };
  }
}

/** Encodes a circuit for the key-value store. */
export function encodeCircuit(c: Circuit): Uint8Array {
  const common: Fields = {
    kind: c.kind === 'forward' ? 0 : 1,
    state: STATES.indexOf(c.state),
    paymentHash: c.paymentHash,
    outgoingChannelId: c.outgoingChannelId,
    outgoingShortChannelId: c.outgoingShortChannelId,
    outgoingHtlcId: c.outgoingHtlcId ?? undefined,
    outgoingAmountMsat: c.outgoingAmountMsat,
    outgoingCltvExpiry: c.outgoingCltvExpiry,
    createdAt: BigInt(c.createdAt),
    ...resolutionFields(c),
  };
  if (c.kind === 'forward') {
    Object.assign(common, {
      forwardId: BigInt(c.forwardId),
      incomingChannelId: c.incomingChannelId,
      incomingHtlcId: c.incomingHtlcId,
      incomingAmountMsat: c.incomingAmountMsat,
      incomingCltvExpiry: c.incomingCltvExpiry,
      sharedSecret: c.sharedSecret,
    });
  } else {
    common.ref = c.ref;
  }
  return encode(circuitRecord, common);
}

function need<T>(v: T | undefined, field: string): T {
  if (v === undefined)
    throw new DecodeError('invalid_value', `stored circuit lacks ${field}`, 'htlcswitch_circuit');
  return v;
}

function opt<T extends object>(key: string, v: Uint8Array | undefined): T | Record<string, never> {
  return (v === undefined ? {} : { [key]: v }) as T | Record<string, never>;
}

/** Decodes a stored circuit; throws DecodeError if the record is not one this version wrote. */
export function decodeCircuit(raw: Uint8Array): Circuit {
  const v = decode(circuitRecord, raw);
  const state = STATES[need(v.state, 'state')];
  if (state === undefined) throw new DecodeError('invalid_value', `unknown circuit state ${v.state}`);
  const common: CircuitCommon = {
    state,
    paymentHash: need(v.paymentHash, 'paymentHash'),
    outgoingChannelId: need(v.outgoingChannelId, 'outgoingChannelId'),
    outgoingShortChannelId: need(v.outgoingShortChannelId, 'outgoingShortChannelId'),
    outgoingHtlcId: v.outgoingHtlcId ?? null,
    outgoingAmountMsat: need(v.outgoingAmountMsat, 'outgoingAmountMsat'),
    outgoingCltvExpiry: need(v.outgoingCltvExpiry, 'outgoingCltvExpiry'),
    createdAt: Number(need(v.createdAt, 'createdAt')),
  };
  const attribution = opt<{ attributionData: Uint8Array }>('attributionData', v.attributionData);
  if (v.kind === 0) {
    const c: ForwardCircuit = {
      kind: 'forward',
      ...common,
      forwardId: Number(need(v.forwardId, 'forwardId')),
      incomingChannelId: need(v.incomingChannelId, 'incomingChannelId'),
      incomingHtlcId: need(v.incomingHtlcId, 'incomingHtlcId'),
      incomingAmountMsat: need(v.incomingAmountMsat, 'incomingAmountMsat'),
      incomingCltvExpiry: need(v.incomingCltvExpiry, 'incomingCltvExpiry'),
      sharedSecret: need(v.sharedSecret, 'sharedSecret'),
    };
    if (v.resolution === UP_FULFILL) {
      c.upstream = { kind: 'fulfill', preimage: need(v.preimage, 'preimage'), ...attribution };
    } else if (v.resolution === UP_FAIL) {
      c.upstream = {
        kind: 'fail',
        reason: need(v.reason, 'reason'),
        description: v.text ?? '',
        ...attribution,
      };
    } else if (v.resolution !== undefined) {
      throw new DecodeError('invalid_value', `resolution ${v.resolution} on a forward circuit`);
    }
    return c;
  }
  if (v.kind !== 1) throw new DecodeError('invalid_value', `unknown circuit kind ${v.kind}`);
  const c: LocalCircuit = { kind: 'local', ...common, ref: need(v.ref, 'ref') };
  switch (v.resolution) {
    case undefined:
      break;
    case OUT_FULFILLED:
      c.outcome = { kind: 'fulfilled', preimage: need(v.preimage, 'preimage'), ...attribution };
      break;
    case OUT_FAIL:
      c.outcome = {
        kind: 'failed',
        failure: { kind: 'fail', reason: need(v.reason, 'reason'), ...attribution },
      };
      break;
    case OUT_MALFORMED:
      c.outcome = {
        kind: 'failed',
        failure: {
          kind: 'malformed',
          sha256OfOnion: need(v.sha256OfOnion, 'sha256OfOnion'),
          failureCode: need(v.failureCode, 'failureCode'),
        },
      };
      break;
    case OUT_CLOSED:
      c.outcome = { kind: 'failed', failure: { kind: 'closed', why: v.text ?? '' } };
      break;
    default:
      throw new DecodeError('invalid_value', `resolution ${v.resolution} on a local circuit`);
  }
  return c;
}
