// src/payments/ledger.ts: every write the payment loop makes, one transaction per step, so the
// persistence points are in one place: a payment and its plan; an attempt, stored in flight before
// its HTLC is sent; an attempt's outcome; a payment's end.
import { equalBytes, sha256 } from '../crypto/index.js';
import type { Route } from '../routing/index.js';
import type { PaymentAttemptRecord, PaymentRecord, Store, StoreTx } from '../store/index.js';
import {
  type AttemptFailureDetail,
  decodeAttempt,
  decodeFailureDetail,
  encodeAttempt,
  encodeFailureDetail,
  type StoredAttempt,
} from './attempt.js';
import { PaymentError } from './errors.js';
import { recordsMap } from './keysend.js';
import { decodePlan, encodePlan, type PaymentPlan } from './plan.js';

/** Key-value namespaces of this module. */
const PLAN_NS = 'payments.plan';
const FAILURE_NS = 'payments.attempt-failure';
const ONCHAIN_NS = 'payments.attempt-onchain';

/** An attempt as stored, with its route decoded and, for a failed one, why. */
export interface AttemptView {
  record: PaymentAttemptRecord;
  route: Route;
  failure?: AttemptFailureDetail;
  /**
   * Set once our channel to the first hop closed with the HTLC in it: why the attempt waits for the
   * chain (it stays in flight until the HTLC is claimed or times out there).
   */
  onChain?: string;
}

export interface PaymentView {
  payment: PaymentRecord;
  attempts: AttemptView[];
  /** From the payment's plan: keysend or BOLT 11, and the invoice paid. */
  kind: PaymentPlan['kind'];
  bolt11?: string;
}

/** An attempt row with its stored route and session key. */
export interface LoadedAttempt {
  record: PaymentAttemptRecord;
  stored: StoredAttempt;
}

async function hashKnown(tx: StoreTx, hash: Uint8Array): Promise<string | undefined> {
  if ((await tx.payments.getByHash(hash)) !== undefined) return 'a payment';
  if ((await tx.invoices.get(hash)) !== undefined) return 'an invoice';
  if ((await tx.htlcs.findByPaymentHash(hash)).length > 0) return 'an HTLC';
  return undefined;
}

export class PaymentLedger {
  constructor(private readonly store: Store) {}

  /**
   * Stores a new payment with its plan. For keysend, refuses (PaymentError 'preimage_reuse') a
   * payment hash that any payment, invoice or HTLC already has. A taken idempotency key surfaces as
   * the store's DuplicateError.
   */
  createPayment(
    plan: PaymentPlan,
    idempotencyKey: string | undefined,
    nowMs: number,
  ): Promise<PaymentRecord> {
    return this.store.transaction(async (tx) => {
      if (plan.kind === 'keysend') {
        // bLIP 3: "MUST NOT reuse a preimage from a previously paid invoice"; nor any hash we know.
        const known = await hashKnown(tx, plan.paymentHash);
        if (known !== undefined) {
          throw new PaymentError(
            'preimage_reuse',
            `the random source produced a preimage whose hash belongs to ${known}: refusing to reuse it`,
          );
        }
      }
      const p = await tx.payments.create({
        paymentHash: plan.paymentHash,
        idempotencyKey: idempotencyKey ?? null,
        destination: plan.destination,
        amountMsat: plan.amountMsat,
        customRecords: recordsMap(plan.final.records),
        createdAt: nowMs,
      });
      await tx.kv(PLAN_NS).put(String(p.id), encodePlan(plan));
      return p;
    });
  }

  /** Puts a failed payment back in flight with a new plan (paying the same invoice again). */
  reopenPayment(paymentId: number, plan: PaymentPlan, nowMs: number): Promise<PaymentRecord> {
    return this.store.transaction(async (tx) => {
      const p = await tx.payments.get(paymentId);
      if (p?.status !== 'failed')
        throw new PaymentError('payment_in_flight', `payment ${paymentId} of this invoice is not failed`);
      await tx.kv(PLAN_NS).put(String(p.id), encodePlan(plan));
      return tx.payments.update(p.id, { status: 'in_flight', failureReason: null, updatedAt: nowMs });
    });
  }

  async plan(paymentId: number): Promise<PaymentPlan | undefined> {
    const raw = await this.store.kv(PLAN_NS).get(String(paymentId));
    return raw === undefined ? undefined : decodePlan(raw);
  }

  payment(paymentId: number): Promise<PaymentRecord | undefined> {
    return this.store.payments.get(paymentId);
  }

  /** A payment and its attempts, read in one transaction. */
  withAttempts(
    paymentId: number,
  ): Promise<{ payment: PaymentRecord | undefined; attempts: LoadedAttempt[] }> {
    return this.store.transaction(async (tx) => ({
      payment: await tx.payments.get(paymentId),
      attempts: await this.attempts(paymentId, tx),
    }));
  }

  async attempts(paymentId: number, tx: StoreTx = this.store): Promise<LoadedAttempt[]> {
    const rows = await tx.paymentAttempts.list(paymentId);
    return rows.map((record) => ({ record, stored: decodeAttempt(record.route) }));
  }

  /** Stores an attempt in flight; its HTLC may be sent only after this resolves. */
  async createAttempt(
    paymentId: number,
    attemptNumber: number,
    a: StoredAttempt,
    nowMs: number,
  ): Promise<void> {
    await this.store.paymentAttempts.create({
      paymentId,
      attemptNumber,
      route: encodeAttempt(a),
      createdAt: nowMs,
    });
  }

  async failAttempt(
    paymentId: number,
    attemptNumber: number,
    failingHop: number | null,
    failureCode: number | null,
    detail: AttemptFailureDetail,
    nowMs: number,
  ): Promise<void> {
    await this.store.transaction(async (tx) => {
      await tx.paymentAttempts.update(paymentId, attemptNumber, {
        status: 'failed',
        failingHop,
        failureCode,
        updatedAt: nowMs,
      });
      await tx.kv(FAILURE_NS).put(`${paymentId}/${attemptNumber}`, encodeFailureDetail(detail));
    });
  }

  /**
   * Records that an attempt's HTLC is left to the chain (its status stays in flight). Returns false
   * when that was recorded already.
   */
  async noteOnChain(paymentId: number, attemptNumber: number, reason: string): Promise<boolean> {
    const kv = this.store.kv(ONCHAIN_NS);
    const key = `${paymentId}/${attemptNumber}`;
    if ((await kv.get(key)) !== undefined) return false;
    await kv.put(key, new TextEncoder().encode(reason));
    return true;
  }

  /**
   * Reads the payment and its attempts and, when the preimage pays the payment's hash and the
   * attempt has not succeeded yet, marks both succeeded, all in one transaction. 'succeeded' gives
   * the payment as read and as written; 'unpaid' (a preimage for another hash) gives what was read.
   */
  succeedAttempt(
    paymentId: number,
    attemptNumber: number,
    preimage: Uint8Array,
    nowMs: number,
  ): Promise<
    | { kind: 'ignored' }
    | { kind: 'succeeded'; before: PaymentRecord; after: PaymentRecord; attempt: LoadedAttempt }
    | { kind: 'unpaid'; payment: PaymentRecord; attempts: LoadedAttempt[] }
  > {
    return this.store.transaction(async (tx) => {
      const payment = await tx.payments.get(paymentId);
      const attempts = await this.attempts(paymentId, tx);
      const attempt = attempts.find((a) => a.record.attemptNumber === attemptNumber);
      if (attempt === undefined || payment === undefined || attempt.record.status === 'succeeded')
        return { kind: 'ignored' } as const;
      if (!equalBytes(sha256(preimage), payment.paymentHash))
        return { kind: 'unpaid', payment, attempts } as const;
      const after = await this.succeedIn(tx, paymentId, attemptNumber, attempts, preimage, nowMs);
      return { kind: 'succeeded', before: payment, after, attempt } as const;
    });
  }

  /**
   * Marks the attempt and the payment succeeded with the preimage; returns the payment. Parts still
   * in flight will be fulfilled too (BOLT 4: the recipient "MUST fulfill the entire HTLC set"), so
   * their fees are part of the payment's.
   */
  private async succeedIn(
    tx: StoreTx,
    paymentId: number,
    attemptNumber: number,
    attempts: readonly LoadedAttempt[],
    preimage: Uint8Array,
    nowMs: number,
  ): Promise<PaymentRecord> {
    await tx.paymentAttempts.update(paymentId, attemptNumber, { status: 'succeeded', updatedAt: nowMs });
    let fee = 0n;
    for (const a of attempts)
      if (a.record.attemptNumber === attemptNumber || a.record.status !== 'failed')
        fee += a.stored.route.totalFeeMsat;
    return tx.payments.update(paymentId, {
      status: 'succeeded',
      preimage: Uint8Array.from(preimage),
      feeMsat: fee,
      failureReason: null,
      updatedAt: nowMs,
    });
  }

  failPayment(paymentId: number, reason: string, nowMs: number): Promise<PaymentRecord> {
    return this.store.payments.update(paymentId, {
      status: 'failed',
      failureReason: reason,
      updatedAt: nowMs,
    });
  }

  /** Every payment in flight, oldest first. */
  async inFlightPayments(): Promise<PaymentRecord[]> {
    const out: PaymentRecord[] = [];
    for (let afterId = 0; ; ) {
      const page = await this.store.payments.list({ status: 'in_flight', afterId });
      const last = page[page.length - 1];
      if (last === undefined) return out;
      out.push(...page);
      afterId = last.id;
    }
  }

  inFlightAttempts(): Promise<PaymentAttemptRecord[]> {
    return this.store.paymentAttempts.listByStatus('in_flight');
  }

  /** A payment with its attempts, read in one transaction; undefined if there is no such payment. */
  viewOf(find: { id: number } | { paymentHash: Uint8Array }): Promise<PaymentView | undefined> {
    return this.store.transaction(async (tx) => {
      const payment =
        'id' in find ? await tx.payments.get(find.id) : await tx.payments.getByHash(find.paymentHash);
      return payment === undefined ? undefined : this.view(payment, tx);
    });
  }

  /** Views of listed payments, without their attempts, read in one transaction. */
  summaries(payments: readonly PaymentRecord[]): Promise<PaymentView[]> {
    return this.store.transaction(async (tx) => {
      const out: PaymentView[] = [];
      for (const p of payments) out.push(await this.view(p, tx, false));
      return out;
    });
  }

  async view(payment: PaymentRecord, tx: StoreTx = this.store, withAttempts = true): Promise<PaymentView> {
    const raw = await tx.kv(PLAN_NS).get(String(payment.id));
    const plan = raw === undefined ? undefined : decodePlan(raw);
    const failures = tx.kv(FAILURE_NS);
    const onChain = tx.kv(ONCHAIN_NS);
    const attempts: AttemptView[] = [];
    const loaded = withAttempts ? await this.attempts(payment.id, tx) : [];
    for (const { record, stored } of loaded) {
      const a: AttemptView = { record, route: stored.route };
      const key = `${payment.id}/${record.attemptNumber}`;
      if (record.status === 'failed') {
        const raw = await failures.get(key);
        if (raw !== undefined) a.failure = decodeFailureDetail(raw);
      }
      const note = await onChain.get(key);
      if (note !== undefined) a.onChain = new TextDecoder().decode(note);
      attempts.push(a);
    }
    return {
      payment,
      attempts,
      kind: plan?.kind ?? 'keysend',
      ...(plan?.bolt11 !== undefined ? { bolt11: plan.bolt11 } : {}),
    };
  }
}
