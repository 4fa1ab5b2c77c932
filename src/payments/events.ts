// src/payments/events.ts: what the payment loop tells its listeners (API streams, logs, tests).

import type { Route } from '../routing/index.js';
import type { PaymentRecord } from '../store/index.js';

export type PaymentEvent =
  | { type: 'payment_created'; payment: PaymentRecord }
  | { type: 'attempt_started'; paymentId: number; attemptNumber: number; route: Route }
  | {
      type: 'attempt_failed';
      paymentId: number;
      attemptNumber: number;
      /** 0: this node; n: the route's hop n (see FailureAnalysis.failingHop). */
      failingHop: number | null;
      failureCode: number | null;
      failureName?: string;
      reason: string;
    }
  /**
   * Our channel to the first hop closed with this attempt's HTLC in it: the attempt stays in flight
   * until the chain resolves the HTLC (see HtlcOutcome 'onchain').
   */
  | { type: 'attempt_onchain'; paymentId: number; attemptNumber: number; reason: string }
  | { type: 'payment_succeeded'; payment: PaymentRecord }
  | { type: 'payment_failed'; payment: PaymentRecord };

export type PaymentListener = (event: PaymentEvent) => void;

/** Listeners in subscription order; one that throws does not stop the others or the loop. */
export class PaymentEvents {
  private readonly listeners = new Set<PaymentListener>();

  /** Subscribes; returns the function that unsubscribes. */
  on(listener: PaymentListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(event: PaymentEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // A listener's bug must not break payments.
      }
    }
  }
}
