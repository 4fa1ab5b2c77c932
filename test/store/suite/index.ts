// test/store/suite/index.ts: the store suite, one function run against every backend.
import type { TestBackend } from '../backends.js';
import { channelCases } from './channels.js';
import { invoiceCases } from './invoices.js';
import { kvCases } from './kv.js';
import { migrationCases } from './migrations.js';
import { paymentCases } from './payments.js';
import { transactionCases } from './transactions.js';

/** Registers every store case for `backend` (call inside a describe). */
export function runStoreSuite(backend: TestBackend): void {
  migrationCases(backend);
  transactionCases(backend);
  kvCases(backend);
  channelCases(backend);
  paymentCases(backend);
  invoiceCases(backend);
}
