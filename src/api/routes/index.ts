// src/api/routes/index.ts: the REST route table, in the order the OpenAPI document lists it.
import type { ApiRoute } from '../route-def.js';
import { graphRoutes } from './graph.js';
import { invoiceRoutes } from './invoices.js';
import { nodeRoutes } from './node.js';
import { paymentRoutes } from './payments.js';

export const API_ROUTES: readonly ApiRoute[] = [
  ...nodeRoutes,
  ...paymentRoutes,
  ...invoiceRoutes,
  ...graphRoutes,
];
