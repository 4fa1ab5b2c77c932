// Paying BOLT 11 invoices through the same loop: payment secret, total_msat, payment metadata and
// min_final_cltv_expiry_delta reach the recipient; route hints reach a private node; basic_mpp
// splits a payment no single path carries; and the payer's checks refuse invoices it must not pay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex } from '../../src/crypto/index.js';
import { FINAL_CLTV_PADDING, PaymentError, type PaymentErrorCode } from '../../src/payments/index.js';
import { harness, line } from './harness.js';
import { SimNetwork, START_HEIGHT } from './sim.js';

const isCode = (code: PaymentErrorCode, pattern?: RegExp) => (e: unknown) =>
  e instanceof PaymentError && e.code === code && (pattern === undefined || pattern.test(e.message));

test('pays an invoice: payment secret, total_msat, metadata and the final CLTV reach the recipient', async () => {
  const h = await harness(line(new SimNetwork(4), 3));
  try {
    const metadata = Uint8Array.of(1, 2, 3, 4);
    const inv = h.sim.invoice(3, {
      amountMsat: 250_000n,
      minFinalCltvExpiryDelta: 30,
      paymentMetadata: metadata,
    });
    const r = await h.loop.payInvoice(inv.bolt11, { customRecords: new Map([[70001n, Uint8Array.of(9)]]) });
    assert.equal(r.payment.status, 'succeeded', r.payment.failureReason ?? '');
    assert.equal(bytesToHex(r.payment.preimage!), bytesToHex(inv.preimage));
    assert.equal(bytesToHex(r.payment.paymentHash), bytesToHex(inv.paymentHash));
    assert.equal(r.payment.amountMsat, 250_000n);
    assert.equal(bytesToHex(r.payment.destination), bytesToHex(h.sim.id(3)));
    const got = h.sim.received[0]!;
    assert.equal(got.totalMsat, 250_000n);
    assert.equal(got.amountMsat, 250_000n);
    assert.equal(bytesToHex(got.paymentMetadata!), bytesToHex(metadata));
    assert.ok(got.paymentSecret !== undefined, 'payment secret sent');
    assert.deepEqual([...got.records.keys()], [70001n]);
    // The final HTLC expires at least `c` (+ padding) blocks ahead.
    const route = r.attempts[0]!.route;
    assert.equal(route.hops.at(-1)?.outgoingCltvValue, START_HEIGHT + 30 + FINAL_CLTV_PADDING);
    // Paying it again is refused; nothing is sent.
    const sent = h.sim.sent.length;
    await assert.rejects(h.loop.payInvoice(inv.bolt11), isCode('already_paid'));
    assert.equal(h.sim.sent.length, sent);
  } finally {
    await h.cleanup();
  }
});

test('rejections: expired, wrong network, missing amount, amount out of range, not an invoice', async () => {
  const h = await harness(line(new SimNetwork(3), 2));
  try {
    const now = Math.floor(h.sim.clock.nowMs / 1000);
    const expired = h.sim.invoice(2, { amountMsat: 1000n, timestamp: now - 7200, expirySeconds: 3600 });
    await assert.rejects(h.loop.payInvoice(expired.bolt11), isCode('invoice_expired', /expired at/));
    const mainnet = h.sim.invoice(2, { amountMsat: 1000n, network: 'bitcoin' });
    await assert.rejects(
      h.loop.payInvoice(mainnet.bolt11),
      isCode('wrong_network', /for bitcoin but this node pays on regtest/),
    );
    const open = h.sim.invoice(2, {});
    await assert.rejects(h.loop.payInvoice(open.bolt11), isCode('amount_required', /give the amount/));
    const fixed = h.sim.invoice(2, { amountMsat: 10_000n });
    await assert.rejects(
      h.loop.payInvoice(fixed.bolt11, { amountMsat: 9_999n }),
      isCode('invalid_request', /between/),
    );
    await assert.rejects(
      h.loop.payInvoice(fixed.bolt11, { amountMsat: 20_001n }),
      isCode('invalid_request', /twice/),
    );
    await assert.rejects(h.loop.payInvoice('lnbcrt1nothing'), isCode('invalid_invoice'));
    const own = h.sim.invoice(0, { amountMsat: 1000n });
    await assert.rejects(h.loop.payInvoice(own.bolt11), isCode('invalid_request', /our own/));
    assert.equal(h.sim.sent.length, 0);
    assert.equal((await h.loop.listPayments()).length, 0);
    // A zero-amount invoice with an amount given is paid; so is an overpayment up to twice.
    const paid = await h.loop.payInvoice(open.bolt11, { amountMsat: 12_345n });
    assert.equal(paid.payment.status, 'succeeded');
    assert.equal(h.sim.received.at(-1)?.totalMsat, 12_345n);
    const over = await h.loop.payInvoice(fixed.bolt11, { amountMsat: 15_000n });
    assert.equal(over.payment.status, 'succeeded');
    assert.equal(h.sim.received.at(-1)?.amountMsat, 15_000n);
  } finally {
    await h.cleanup();
  }
});

test('route hints reach a private recipient', async () => {
  const sim = line(new SimNetwork(4), 2).addChannel({
    scid: 9n,
    a: 2,
    b: 3,
    private: true,
    ab: { feeBaseMsat: 7n },
  });
  const h = await harness(sim);
  try {
    const inv = h.sim.invoice(3, { amountMsat: 5000n });
    // Without the hint the node is unknown.
    const noHint = await h.loop.payInvoice(inv.bolt11);
    assert.equal(noHint.payment.status, 'failed');
    assert.match(noHint.payment.failureReason ?? '', /no route/);
    const { buildInvoiceContents, encodeInvoice } = await import('../../src/invoice/index.js');
    const n3 = sim.node(3);
    const preimageHint = sim.invoice(3, { amountMsat: 5000n, tag: 'hinted' });
    // Re-sign the registered invoice with an `r` field (the sim keeps its secret by hash).
    const decoded = (await import('../../src/invoice/index.js')).decodeInvoice(preimageHint.bolt11);
    const withHint = encodeInvoice(
      buildInvoiceContents({
        network: 'regtest',
        amountMsat: 5000n,
        timestamp: decoded.timestamp,
        paymentHash: decoded.paymentHash,
        paymentSecret: decoded.paymentSecret,
        description: 'test',
        minFinalCltvExpiryDelta: 18,
        routeHints: [
          [
            {
              pubkey: sim.id(2),
              shortChannelId: 9n,
              feeBaseMsat: 7n,
              feeProportionalMillionths: 100,
              cltvExpiryDelta: 40,
            },
          ],
        ],
        features: [8, 14],
      }),
      n3.privateKey,
    );
    const r = await h.loop.payInvoice(withHint);
    assert.equal(r.payment.status, 'succeeded', r.payment.failureReason ?? '');
    assert.deepEqual(
      r.attempts[0]!.route.hops.map((x) => x.shortChannelId),
      [1n, 2n, 9n],
    );
  } finally {
    await h.cleanup();
  }
});

/** Two paths of 60,000 msat each to node 3. */
function twoPaths(): SimNetwork {
  return new SimNetwork(4)
    .addChannel({ scid: 1n, a: 0, b: 1, capacitySat: 1000n, balanceAB: 60_000n })
    .addChannel({ scid: 2n, a: 0, b: 2, capacitySat: 1000n, balanceAB: 60_000n })
    .addChannel({ scid: 3n, a: 1, b: 3 })
    .addChannel({ scid: 4n, a: 2, b: 3 });
}

test('basic_mpp: a payment no single path carries is split, and all parts settle together', async () => {
  const h = await harness(twoPaths());
  try {
    const inv = h.sim.invoice(3, { amountMsat: 100_000n, features: [8, 14, 17] });
    const done = await h.loop.payInvoice(inv.bolt11, { maxFeeMsat: 5000n });
    assert.equal(done.payment.status, 'succeeded', done.payment.failureReason ?? '');
    // Succeeded at the first fulfilled part; the other part settles right after.
    await h.sim.settle();
    const r = (await h.loop.getPayment(done.payment.id))!;
    assert.equal(r.attempts.length, 2);
    for (const a of r.attempts) assert.equal(a.record.status, 'succeeded');
    const parts = h.sim.received;
    assert.equal(parts.length, 2);
    assert.equal(
      parts.reduce((s, p) => s + p.amountMsat, 0n),
      100_000n,
    );
    for (const p of parts) {
      assert.equal(p.totalMsat, 100_000n);
      assert.equal(bytesToHex(p.paymentSecret!), bytesToHex(parts[0]!.paymentSecret!));
    }
    assert.equal(
      r.payment.feeMsat,
      r.attempts.reduce((s, a) => s + a.route.totalFeeMsat, 0n),
    );
    assert.equal(new Set(r.attempts.map((a) => a.route.hops[0]!.shortChannelId)).size, 2);
  } finally {
    await h.cleanup();
  }
});

test('without basic_mpp the same payment is one HTLC or nothing', async () => {
  const h = await harness(twoPaths());
  try {
    const inv = h.sim.invoice(3, { amountMsat: 100_000n });
    const r = await h.loop.payInvoice(inv.bolt11, { maxFeeMsat: 5000n });
    assert.equal(r.payment.status, 'failed');
    assert.equal(r.attempts.length, 0);
    assert.match(r.payment.failureReason ?? '', /no route: no first hop channel can send 100000 msat/);
    assert.equal(h.sim.sent.length, 0);
  } finally {
    await h.cleanup();
  }
});

test('an invoice whose payment failed can be paid again: same payment, more attempts', async () => {
  const sim = line(new SimNetwork(3), 2);
  sim.failOnChannel.set(2n, () => ({ name: 'temporary_channel_failure', channelUpdate: new Uint8Array(0) }));
  const h = await harness(sim);
  try {
    const inv = h.sim.invoice(2, { amountMsat: 8000n, expirySeconds: 7 * 86_400 });
    const first = await h.loop.payInvoice(inv.bolt11);
    assert.equal(first.payment.status, 'failed');
    sim.failOnChannel.clear();
    // A day later the scorer has forgotten the failure (half-life: one hour).
    sim.clock.nowMs += 86_400_000;
    const second = await h.loop.payInvoice(inv.bolt11);
    assert.equal(second.payment.id, first.payment.id);
    assert.equal(second.payment.status, 'succeeded', second.payment.failureReason ?? '');
    assert.deepEqual(
      second.attempts.map((a) => a.record.status),
      ['failed', 'succeeded'],
    );
    // Idempotency keys work for invoices as for keysend.
    const inv2 = h.sim.invoice(2, { amountMsat: 9000n });
    const once = await h.loop.payInvoice(inv2.bolt11, { idempotencyKey: 'inv-2' });
    const sent = h.sim.sent.length;
    const again = await h.loop.payInvoice(inv2.bolt11, { idempotencyKey: 'inv-2' });
    assert.equal(once.existing, false);
    assert.equal(again.existing, true);
    assert.equal(again.payment.id, once.payment.id);
    assert.equal(h.sim.sent.length, sent);
  } finally {
    await h.cleanup();
  }
});
