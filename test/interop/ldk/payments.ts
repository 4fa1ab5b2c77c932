// test/interop/ldk/payments.ts: the LDK node's record of payments sent and received, updated from
// events, and the claim policy for incoming ones (pitfall 5: even custom TLVs).
import type {
  CustomRecordsJson,
  HopJson,
  PathFailureJson,
  ReceivedPaymentJson,
  SentPaymentJson,
} from './protocol.js';

export type ClaimDecision =
  /** claim_funds: no even custom TLVs. */
  | { kind: 'claim' }
  /** claim_funds_with_known_custom_tlvs: every even custom TLV is one we were told to accept. */
  | { kind: 'claim_with_known_tlvs' }
  /** An even TLV nobody told us about: LDK's claim_funds fails the payment back. */
  | { kind: 'reject'; unknownEven: bigint[] };

/** BOLT 1 "it's OK to be odd": an unknown even record must not be accepted silently. */
export function claimDecision(records: CustomRecordsJson, knownEven: readonly bigint[]): ClaimDecision {
  const even = Object.keys(records)
    .map((t) => BigInt(t))
    .filter((t) => t % 2n === 0n);
  if (even.length === 0) return { kind: 'claim' };
  const unknownEven = even.filter((t) => !knownEven.includes(t));
  return unknownEven.length === 0 ? { kind: 'claim_with_known_tlvs' } : { kind: 'reject', unknownEven };
}

export class PaymentBook {
  /** By payment id (hex). */
  readonly sent = new Map<string, SentPaymentJson>();
  /** By payment hash (hex). */
  readonly received = new Map<string, ReceivedPaymentJson>();

  addSent(p: {
    paymentId: string;
    paymentHash: string;
    preimage: string;
    nodeId: string;
    amountMsat: bigint;
    customRecords: CustomRecordsJson;
  }): SentPaymentJson {
    const rec: SentPaymentJson = {
      ...p,
      amountMsat: p.amountMsat.toString(),
      status: 'pending',
      failure: null,
      feePaidMsat: null,
      path: null,
      pathFailures: [],
    };
    this.sent.set(p.paymentId, rec);
    return rec;
  }

  sendFailed(paymentId: string, failure: string): void {
    const rec = this.sent.get(paymentId);
    if (rec === undefined) return;
    rec.status = 'failed';
    rec.failure = failure;
  }

  paymentSent(paymentId: string | null, feePaidMsat: string | null): void {
    const rec = paymentId === null ? undefined : this.sent.get(paymentId);
    if (rec === undefined) return;
    rec.status = 'succeeded';
    rec.feePaidMsat = feePaidMsat;
  }

  pathSuccessful(paymentId: string, path: HopJson[]): void {
    const rec = this.sent.get(paymentId);
    if (rec !== undefined) rec.path = path;
  }

  pathFailed(paymentId: string | null, failure: PathFailureJson): void {
    const rec = paymentId === null ? undefined : this.sent.get(paymentId);
    rec?.pathFailures.push(failure);
  }

  claimable(p: Omit<ReceivedPaymentJson, 'status' | 'reason'>): ReceivedPaymentJson {
    const rec: ReceivedPaymentJson = { ...p, status: 'claimable', reason: null };
    this.received.set(p.paymentHash, rec);
    return rec;
  }

  claimed(paymentHash: string): void {
    const rec = this.received.get(paymentHash);
    if (rec !== undefined) rec.status = 'claimed';
  }

  rejected(paymentHash: string, reason: string): void {
    const rec = this.received.get(paymentHash);
    if (rec === undefined) return;
    rec.status = 'rejected';
    rec.reason = reason;
  }
}
