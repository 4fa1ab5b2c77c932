// What a node logs at info about a payment: one line for its outcome (plus one per failed
// attempt), not one per step.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paymentLogLevel } from '../../src/node/payment-log.js';
import type { PaymentEvent } from '../../src/payments/index.js';

test('a payment logs its outcome and failed attempts at info, its creation and attempt starts at debug', () => {
  const level = (type: PaymentEvent['type']) => paymentLogLevel({ type } as PaymentEvent);
  assert.equal(level('payment_created'), 'debug');
  assert.equal(level('attempt_started'), 'debug');
  assert.equal(level('attempt_failed'), 'info');
  assert.equal(level('attempt_onchain'), 'info');
  assert.equal(level('payment_succeeded'), 'info');
  assert.equal(level('payment_failed'), 'info');
});
