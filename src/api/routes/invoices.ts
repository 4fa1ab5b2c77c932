// src/api/routes/invoices.ts: receiving: BOLT 11 invoices we create, and the ad-hoc invoices that
// keysend payments leave behind with their records and decoded messages.
import { z } from 'zod';
import { ApiError } from '../errors.js';
import { hash32Hex, msat, queryBool, queryInt } from '../input-types.js';
import * as J from '../json-schemas.js';
import { defineRoute } from '../route-def.js';
import { invoiceToJson } from '../to-json.js';

export const invoiceRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/invoices',
    operationId: 'createInvoice',
    summary: 'Create a BOLT 11 invoice',
    tag: 'invoices',
    access: 'admin',
    body: z
      .strictObject({
        amountMsat: msat.optional().describe('omit for an any-amount invoice'),
        description: z.string().max(639).optional(),
        descriptionHash: hash32Hex('a description hash').optional(),
        expirySeconds: z.int().min(60).max(31_536_000).optional(),
      })
      .meta({ id: 'CreateInvoiceRequest' }),
    response: J.CreatedInvoiceJson,
    errors: [],
    handle: async ({ body }, { facade }) => {
      if (body.description !== undefined && body.descriptionHash !== undefined) {
        throw new ApiError('invalid_request', 'body: give at most one of description and descriptionHash');
      }
      const req = body.descriptionHash === undefined ? { description: '', ...body } : body;
      const r = await facade.createInvoice(req);
      const invoice = invoiceToJson(r.invoice);
      return { bolt11: r.bolt11, paymentHash: invoice.paymentHash, invoice };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/invoices',
    operationId: 'listInvoices',
    summary: 'Invoices, keysend ones included (with their records and decoded message)',
    tag: 'invoices',
    access: 'read',
    query: z.strictObject({
      offset: queryInt(0, Number.MAX_SAFE_INTEGER).optional(),
      limit: queryInt(1, 1000).optional(),
      keysendOnly: queryBool.optional(),
      state: z.enum(['open', 'accepted', 'settled', 'canceled', 'expired']).optional(),
      reversed: queryBool.optional(),
    }),
    response: J.InvoiceListJson,
    errors: [],
    handle: async ({ query }, { facade }) => {
      const page = await facade.listInvoices(query);
      return { invoices: page.invoices.map(invoiceToJson), nextOffset: page.nextOffset ?? null };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/invoices/:paymentHash',
    operationId: 'lookupInvoice',
    summary: 'One invoice by payment hash',
    tag: 'invoices',
    access: 'read',
    params: z.strictObject({ paymentHash: hash32Hex('a payment hash') }),
    query: z.strictObject({}),
    response: J.InvoiceJson,
    errors: ['not_found'],
    handle: async ({ params }, { facade }) => {
      const i = await facade.lookupInvoice(params.paymentHash);
      if (i === undefined) throw new ApiError('not_found', 'no invoice with this payment hash');
      return invoiceToJson(i);
    },
  }),
];
