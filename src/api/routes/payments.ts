// src/api/routes/payments.ts: sending (keysend, BOLT 11) and the record of what was sent.
import { z } from 'zod';
import { ApiError } from '../errors.js';
import {
  customRecords,
  hash32Hex,
  msat,
  nodeIdHex,
  queryBool,
  queryInt,
  routeHints,
  sat,
  shortChannelId,
  timeoutSeconds,
} from '../input-types.js';
import * as J from '../json-schemas.js';
import type { PaymentHandle, PaymentView } from '../node-facade.js';
import { defineRoute } from '../route-def.js';
import { paymentToJson } from '../to-json.js';

const idempotencyKey = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, { error: 'expected printable ASCII without spaces' });

/** Options shared by keysend and pay. */
const limits = {
  maxFeeMsat: msat.optional(),
  maxFeePpm: z.int().min(0).max(1_000_000).optional(),
  timeoutSeconds: timeoutSeconds.optional(),
  maxCltv: z.int().min(9).max(2016).optional(),
  outgoingChannel: shortChannelId.optional(),
  idempotencyKey: idempotencyKey.optional(),
  wait: z
    .boolean()
    .optional()
    .describe('true (default): answer with the final payment; false: answer 202 at once with it in flight'),
};

// The client may go away while we wait: the payment goes on, and nobody needs the answer.
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ApiError('timeout', 'the client went away before the payment ended'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function answer(
  handle: PaymentHandle,
  wait: boolean | undefined,
  ctx: { signal: AbortSignal; setStatus(s: number): void },
) {
  let payment: PaymentView;
  if (wait === false) {
    payment = await handle.payment();
    ctx.setStatus(202);
  } else {
    payment = await untilAborted(handle.result, ctx.signal);
  }
  return paymentToJson(payment);
}

function amountOf(body: { amountMsat?: bigint | undefined; amountSat?: bigint | undefined }): bigint {
  if ((body.amountMsat === undefined) === (body.amountSat === undefined)) {
    throw new ApiError('invalid_request', 'body: give exactly one of amountMsat and amountSat');
  }
  const amount = body.amountMsat ?? (body.amountSat as bigint) * 1000n;
  if (amount === 0n) throw new ApiError('invalid_request', 'body.amountMsat: must be more than 0');
  return amount;
}

export const paymentRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/keysend',
    operationId: 'keysend',
    summary: 'Send a spontaneous payment (bLIP 3 keysend) with optional message, records and boost',
    description:
      'The message is sent as a Whatsat record (34349334); with signSender the node id, time and a signature ' +
      'by the node key are added so the recipient can verify who paid (plain keysend is anonymous). ' +
      '`boost` is a bLIP 10 JSON object (record 7629169). Payment progress is streamed as `payment_updated` ' +
      'events. A repeated idempotencyKey with the same parameters returns the first payment.',
    tag: 'payments',
    access: 'admin',
    otherStatuses: [202],
    body: z
      .strictObject({
        destination: nodeIdHex,
        amountMsat: msat.optional(),
        amountSat: sat.optional(),
        message: z.string().max(2000).optional(),
        signSender: z.boolean().optional().describe('default false'),
        records: customRecords.optional(),
        boost: z.record(z.string(), z.unknown()).optional(),
        routeHints: routeHints.optional(),
        allowWithoutFeature: z.boolean().optional(),
        ...limits,
      })
      .meta({ id: 'KeysendRequest' }),
    response: J.PaymentJson,
    errors: [
      'invalid_custom_record',
      'keysend_not_supported',
      'records_too_large',
      'idempotency_key_reused',
      'no_signing_key',
      'insufficient_funds',
    ],
    handle: async ({ body }, ctx) => {
      const { destination, amountMsat: _m, amountSat: _s, wait, signSender, ...rest } = body;
      if (signSender === true && body.message === undefined) {
        throw new ApiError('invalid_request', 'body.signSender: needs a message to sign');
      }
      const handle = await ctx.facade.keysend(destination, amountOf(body), {
        ...rest,
        ...(signSender !== undefined ? { signSender } : {}),
      });
      return answer(handle, wait, ctx);
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/pay',
    operationId: 'payInvoice',
    summary: 'Pay a BOLT 11 invoice',
    tag: 'payments',
    access: 'admin',
    otherStatuses: [202],
    body: z
      .strictObject({
        invoice: z.string().min(10).max(7089).describe('the BOLT 11 invoice, ln...'),
        amountMsat: msat.optional().describe('only for invoices without an amount'),
        ...limits,
      })
      .meta({ id: 'PayRequest' }),
    response: J.PaymentJson,
    errors: [
      'invalid_invoice',
      'wrong_network',
      'invoice_expired',
      'amount_required',
      'unsupported_invoice_features',
      'already_paid',
      'payment_in_flight',
      'idempotency_key_reused',
    ],
    handle: async ({ body }, ctx) => {
      const { invoice, wait, ...options } = body;
      return answer(await ctx.facade.payInvoice(invoice.trim(), options), wait, ctx);
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/payments',
    operationId: 'listPayments',
    summary: 'Outgoing payments',
    tag: 'payments',
    access: 'read',
    query: z.strictObject({
      status: z.enum(['in_flight', 'succeeded', 'failed']).optional(),
      afterId: queryInt(0, Number.MAX_SAFE_INTEGER).optional(),
      limit: queryInt(1, 1000).optional(),
      reversed: queryBool.optional(),
    }),
    response: J.PaymentListJson,
    errors: [],
    handle: async ({ query }, { facade }) => ({
      payments: (await facade.listPayments(query)).map(paymentToJson),
    }),
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/payments/:paymentHash',
    operationId: 'lookupPayment',
    summary: 'One payment with its attempts and their routes',
    tag: 'payments',
    access: 'read',
    params: z.strictObject({ paymentHash: hash32Hex('a payment hash') }),
    query: z.strictObject({}),
    response: J.PaymentJson,
    errors: ['not_found'],
    handle: async ({ params }, { facade }) => {
      const p = await facade.lookupPayment(params.paymentHash);
      if (p === undefined) throw new ApiError('not_found', 'no payment with this payment hash');
      return paymentToJson(p);
    },
  }),
];
