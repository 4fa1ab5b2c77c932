// src/payments/plan.ts: everything the loop needs to make (more) attempts for a payment, decided
// once when the payment is created and persisted with it, so that a restarted node can retry.
// Stored as JSON in the key-value table (hex bytes, decimal bigints); the payment row holds the rest.
import { bytesToHex, hexToBytes } from '../crypto/index.js';
import type { RouteHintHop } from '../routing/index.js';
import type { TlvRecord } from '../wire/index.js';
import type { FinalPayloadSpec } from './payload.js';

export type PaymentKind = 'keysend' | 'bolt11';

export interface PaymentPlan {
  kind: PaymentKind;
  destination: Uint8Array;
  /** What the recipient receives in total. */
  amountMsat: bigint;
  paymentHash: Uint8Array;
  /** What the final payload carries (preimage or payment secret, metadata, records). */
  final: FinalPayloadSpec;
  /** Blocks the recipient gets on the final HTLC. */
  finalCltvDelta: number;
  /** Upper bound on all fees of the payment together. */
  maxFeeMsat: bigint;
  /** Upper bound on the first HTLC's expiry minus the current height. */
  maxCltvExpiryDelta: number;
  routeHints: RouteHintHop[][];
  /** Only use this channel of ours for the first hop. */
  outgoingChannelId?: bigint;
  /** More than one HTLC at a time (BOLT 11 with basic_mpp). */
  allowMpp: boolean;
  maxParts: number;
  /** No new attempt starts at or after this time (unix ms). */
  deadlineMs: number;
  maxAttempts: number;
  /** The invoice paid, when kind is 'bolt11'. */
  bolt11?: string;
}

/** Bump when the JSON shape changes incompatibly; readers refuse versions they do not know. */
const PLAN_VERSION = 1;

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

const recordToJson = (r: TlvRecord): Json => ({ type: r.type.toString(), value: bytesToHex(r.value) });

function hintToJson(h: RouteHintHop): Json {
  const o: { [k: string]: Json } = {
    nodeId: bytesToHex(h.nodeId),
    shortChannelId: h.shortChannelId.toString(),
    feeBaseMsat: h.feeBaseMsat.toString(),
    feeProportionalMillionths: h.feeProportionalMillionths,
    cltvExpiryDelta: h.cltvExpiryDelta,
  };
  if (h.htlcMinimumMsat !== undefined) o.htlcMinimumMsat = h.htlcMinimumMsat.toString();
  if (h.htlcMaximumMsat !== undefined) o.htlcMaximumMsat = h.htlcMaximumMsat.toString();
  return o;
}

/** The plan as UTF-8 JSON bytes for the key-value table. */
export function encodePlan(p: PaymentPlan): Uint8Array {
  const f = p.final;
  const final: { [k: string]: Json } = {
    totalMsat: f.totalMsat.toString(),
    records: f.records.map(recordToJson),
  };
  if (f.keysendPreimage !== undefined) final.keysendPreimage = bytesToHex(f.keysendPreimage);
  if (f.paymentSecret !== undefined) final.paymentSecret = bytesToHex(f.paymentSecret);
  if (f.paymentMetadata !== undefined) final.paymentMetadata = bytesToHex(f.paymentMetadata);
  const o: { [k: string]: Json } = {
    version: PLAN_VERSION,
    kind: p.kind,
    destination: bytesToHex(p.destination),
    amountMsat: p.amountMsat.toString(),
    paymentHash: bytesToHex(p.paymentHash),
    final,
    finalCltvDelta: p.finalCltvDelta,
    maxFeeMsat: p.maxFeeMsat.toString(),
    maxCltvExpiryDelta: p.maxCltvExpiryDelta,
    routeHints: p.routeHints.map((hint) => hint.map(hintToJson)),
    allowMpp: p.allowMpp,
    maxParts: p.maxParts,
    deadlineMs: p.deadlineMs,
    maxAttempts: p.maxAttempts,
  };
  if (p.outgoingChannelId !== undefined) o.outgoingChannelId = p.outgoingChannelId.toString();
  if (p.bolt11 !== undefined) o.bolt11 = p.bolt11;
  return new TextEncoder().encode(JSON.stringify(o));
}

/** Reads a field of stored JSON, failing loudly: a plan we wrote ourselves must read back. */
class PlanReader {
  constructor(
    private readonly o: Record<string, unknown>,
    private readonly where: string,
  ) {}
  private get(k: string): unknown {
    return this.o[k];
  }
  private fail(k: string, what: string): never {
    throw new Error(`stored payment plan: ${this.where}.${k} is not ${what}`);
  }
  str(k: string): string {
    const v = this.get(k);
    return typeof v === 'string' ? v : this.fail(k, 'a string');
  }
  num(k: string): number {
    const v = this.get(k);
    return typeof v === 'number' && Number.isFinite(v) ? v : this.fail(k, 'a number');
  }
  bool(k: string): boolean {
    const v = this.get(k);
    return typeof v === 'boolean' ? v : this.fail(k, 'a boolean');
  }
  big(k: string): bigint {
    const v = this.str(k);
    return /^\d+$/.test(v) ? BigInt(v) : this.fail(k, 'a decimal integer');
  }
  bytes(k: string): Uint8Array {
    return hexToBytes(this.str(k));
  }
  has(k: string): boolean {
    return this.get(k) !== undefined;
  }
  list(k: string): unknown[] {
    const v = this.get(k);
    return Array.isArray(v) ? v : this.fail(k, 'a list');
  }
  obj(k: string): PlanReader {
    return reader(this.get(k), `${this.where}.${k}`);
  }
}

function reader(v: unknown, where: string): PlanReader {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`stored payment plan: ${where} is not an object`);
  return new PlanReader(v as Record<string, unknown>, where);
}

/** Reads a plan written by encodePlan. Throws on anything else (a corrupt row is a bug to surface). */
export function decodePlan(bytes: Uint8Array): PaymentPlan {
  const r = reader(JSON.parse(new TextDecoder().decode(bytes)), 'plan');
  const version = r.num('version');
  if (version !== PLAN_VERSION) throw new Error(`stored payment plan: unknown version ${version}`);
  const kind = r.str('kind');
  if (kind !== 'keysend' && kind !== 'bolt11') throw new Error(`stored payment plan: unknown kind ${kind}`);
  const f = r.obj('final');
  const final: FinalPayloadSpec = {
    totalMsat: f.big('totalMsat'),
    records: f.list('records').map((x, i) => {
      const rr = reader(x, `final.records[${i}]`);
      return { type: rr.big('type'), value: rr.bytes('value') };
    }),
  };
  if (f.has('keysendPreimage')) final.keysendPreimage = f.bytes('keysendPreimage');
  if (f.has('paymentSecret')) final.paymentSecret = f.bytes('paymentSecret');
  if (f.has('paymentMetadata')) final.paymentMetadata = f.bytes('paymentMetadata');
  const routeHints = r.list('routeHints').map((hint, i) => {
    if (!Array.isArray(hint)) throw new Error(`stored payment plan: routeHints[${i}] is not a list`);
    return hint.map((x, j): RouteHintHop => {
      const h = reader(x, `routeHints[${i}][${j}]`);
      const hop: RouteHintHop = {
        nodeId: h.bytes('nodeId'),
        shortChannelId: h.big('shortChannelId'),
        feeBaseMsat: h.big('feeBaseMsat'),
        feeProportionalMillionths: h.num('feeProportionalMillionths'),
        cltvExpiryDelta: h.num('cltvExpiryDelta'),
      };
      if (h.has('htlcMinimumMsat')) hop.htlcMinimumMsat = h.big('htlcMinimumMsat');
      if (h.has('htlcMaximumMsat')) hop.htlcMaximumMsat = h.big('htlcMaximumMsat');
      return hop;
    });
  });
  const plan: PaymentPlan = {
    kind,
    destination: r.bytes('destination'),
    amountMsat: r.big('amountMsat'),
    paymentHash: r.bytes('paymentHash'),
    final,
    finalCltvDelta: r.num('finalCltvDelta'),
    maxFeeMsat: r.big('maxFeeMsat'),
    maxCltvExpiryDelta: r.num('maxCltvExpiryDelta'),
    routeHints,
    allowMpp: r.bool('allowMpp'),
    maxParts: r.num('maxParts'),
    deadlineMs: r.num('deadlineMs'),
    maxAttempts: r.num('maxAttempts'),
  };
  if (r.has('outgoingChannelId')) plan.outgoingChannelId = r.big('outgoingChannelId');
  if (r.has('bolt11')) plan.bolt11 = r.str('bolt11');
  return plan;
}
