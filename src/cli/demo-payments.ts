// src/cli/demo-payments.ts: sends the demo's keysend payments through the payer's API and gathers
// the evidence of each: the sender's final payment (with the route it took) and the recipient's
// ad-hoc invoice with its records.
import { ApiCallError } from './api-client.js';
import type { Invoice, Payment } from './api-types.js';
import { type ArrivalEvidence, checkArrival } from './demo-check.js';
import type { DemoNode } from './demo-node.js';
import type { DemoPayment } from './demo-plan.js';
import { waitUntil, withTimeout } from './demo-wait.js';

/** What happened to one demo payment. */
export interface PaymentOutcome extends ArrivalEvidence {
  spec: DemoPayment;
  /** From sending to the sender's final answer. */
  latencyMs: number;
  /** Node ids after the payer, the recipient last (the successful attempt's route). */
  routeNodeIds: string[];
  /** Empty when the payment arrived with its records. */
  problems: string[];
}

export interface SendOptions {
  timeoutMs: number;
  /** Leave through this channel of the payer's (short channel id) to `firstHopNodeId`. */
  firstHop?: { shortChannelId: string; nodeId: string };
  signal?: AbortSignal;
}

async function lookupInvoice(node: DemoNode, paymentHash: string): Promise<Invoice | undefined> {
  try {
    return await node.call<Invoice>('GET', `/v1/invoices/${paymentHash}`);
  } catch (e) {
    if (e instanceof ApiCallError && e.status === 404) return undefined;
    throw e;
  }
}

/** Sends one payment and collects its evidence; a failure to send becomes a problem, not a throw. */
export async function sendDemoPayment(
  payer: DemoNode,
  recipient: DemoNode,
  spec: DemoPayment,
  o: SendOptions,
): Promise<PaymentOutcome> {
  const body = {
    destination: recipient.nodeId,
    amountMsat: spec.amountMsat.toString(),
    timeoutSeconds: Math.max(1, Math.floor(o.timeoutMs / 1000)),
    ...(spec.message !== undefined ? { message: spec.message } : {}),
    ...(spec.signSender !== undefined ? { signSender: spec.signSender } : {}),
    ...(spec.boost !== undefined ? { boost: spec.boost } : {}),
    ...(o.firstHop !== undefined ? { outgoingChannel: o.firstHop.shortChannelId } : {}),
  };
  const t0 = performance.now();
  let payment: Payment | undefined;
  try {
    payment = await withTimeout(
      `${payer.name}'s ${spec.label} payment to ${recipient.name} finishing`,
      payer.call<Payment>('POST', '/v1/keysend', body),
      o.timeoutMs,
    );
  } catch (e) {
    return {
      spec,
      payment: undefined,
      invoice: undefined,
      senderNodeId: payer.nodeId,
      latencyMs: performance.now() - t0,
      routeNodeIds: [],
      problems: [`sending failed: ${(e as Error).message}`],
    };
  }
  const latencyMs = performance.now() - t0;
  const withAttempts = await payer.call<Payment>('GET', `/v1/payments/${payment.paymentHash}`);
  const won = withAttempts.attempts?.filter((a) => a.status === 'succeeded').at(-1);
  const routeNodeIds = won?.route.hops.map((h) => h.nodeId) ?? [];
  let invoice: Invoice | undefined;
  if (payment.status === 'succeeded') {
    // The recipient settles before the sender learns the preimage, so this is normally immediate.
    invoice = await waitUntil(
      `${recipient.name}'s invoice for the ${spec.label} being settled`,
      async () => {
        const inv = await lookupInvoice(recipient, payment.paymentHash);
        return inv?.state === 'settled' ? inv : undefined;
      },
      { timeoutMs: 10_000, ...(o.signal !== undefined ? { signal: o.signal } : {}) },
    ).catch(() => lookupInvoice(recipient, payment.paymentHash));
  } else invoice = await lookupInvoice(recipient, payment.paymentHash);
  const evidence: ArrivalEvidence = {
    payment: withAttempts,
    invoice,
    senderNodeId: payer.nodeId,
    ...(o.firstHop !== undefined ? { firstHopNodeId: o.firstHop.nodeId } : {}),
  };
  return { spec, ...evidence, latencyMs, routeNodeIds, problems: checkArrival(spec, evidence) };
}
