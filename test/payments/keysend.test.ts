// Keysend through the payment loop over a simulated network (real onions, real failures): records
// arrive byte-exact over 1 to 4 hops, the signed sender verifies, and the request checks (custom
// record types, record sizes, the keysend feature bit, preimage reuse) refuse before paying.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToHex, sha256 } from '../../src/crypto/index.js';
import {
  chatMessage,
  decodePodcastRecord,
  KEYSEND_PREIMAGE_TYPE,
  PODCAST_RECORD_TYPE,
  verifySenderRecords,
  WHATSAT,
} from '../../src/onion/index.js';
import { buildFinalRecords, PaymentError, validateCustomRecords } from '../../src/payments/index.js';
import { harness, line } from './harness.js';
import { SimNetwork } from './sim.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

test('keysend with custom records, a signed message and a podcast boost over 1 to 4 hops', async () => {
  const h = await harness(line(new SimNetwork(5), 4));
  try {
    for (let dest = 1; dest <= 4; dest++) {
      const custom = new Map<bigint, Uint8Array>([
        [65537n, bytes(dest)],
        [696969n, new TextEncoder().encode(`wallet-${dest}`)],
        [(1n << 64n) - 1n, bytes(0xff, 0x00, 0xee)],
      ]);
      const result = await h.loop.keysend(h.sim.id(dest), 50_000n, {
        customRecords: custom,
        message: `hello ${dest}`,
        signMessage: true,
        podcast: { action: 'boost', value_msat_total: 50_000, app_name: 'test' },
      });
      const p = result.payment;
      assert.equal(p.status, 'succeeded', p.failureReason ?? '');
      assert.ok(p.preimage !== null);
      assert.equal(bytesToHex(sha256(p.preimage)), bytesToHex(p.paymentHash));
      // Fees: 1000 msat + 100 ppm per forwarding hop.
      assert.equal(p.feeMsat, result.attempts[0]?.route.totalFeeMsat);
      assert.equal(result.attempts.length, 1);
      assert.equal(result.attempts[0]?.route.hops.length, dest);

      const got = h.sim.received.at(-1);
      assert.ok(got !== undefined);
      assert.equal(got.node, dest);
      assert.equal(got.hops, dest);
      assert.equal(got.amountMsat, 50_000n);
      assert.equal(bytesToHex(got.preimage), bytesToHex(p.preimage));
      for (const [t, v] of custom) assert.equal(bytesToHex(got.records.get(t) ?? bytes()), bytesToHex(v));
      assert.equal(got.records.has(KEYSEND_PREIMAGE_TYPE), false);
      assert.equal(chatMessage(got.records), `hello ${dest}`);
      const sender = verifySenderRecords(got.records, h.sim.id(dest));
      assert.equal(sender.kind, 'verified');
      if (sender.kind === 'verified') {
        assert.equal(bytesToHex(sender.senderNodeId), bytesToHex(h.sim.id(0)));
        assert.equal(sender.timestampNs, BigInt(h.sim.clock.nowMs) * 1_000_000n);
      }
      const boost = decodePodcastRecord(got.records.get(PODCAST_RECORD_TYPE) ?? bytes());
      assert.ok(boost.ok);
      assert.equal(boost.value.action, 'boost');
      assert.equal(boost.value.valueMsatTotal, 50_000n);
      // The payment row keeps the records it sent.
      assert.equal(bytesToHex(p.customRecords.get(696969n) ?? bytes()), bytesToHex(custom.get(696969n)!));
      assert.ok(p.customRecords.has(WHATSAT.signature));
    }
    assert.equal(h.sim.received.length, 4);
    const types = h.events.map((e) => e.type);
    assert.deepEqual(types.slice(0, 3), ['payment_created', 'attempt_started', 'payment_succeeded']);
  } finally {
    await h.cleanup();
  }
});

test('an unsigned message carries only the message record', async () => {
  const h = await harness(line(new SimNetwork(3), 2));
  try {
    const r = await h.loop.keysend(h.sim.id(2), 10_000n, { message: 'anon' });
    assert.equal(r.payment.status, 'succeeded');
    const got = h.sim.received[0]!;
    assert.deepEqual([...got.records.keys()], [WHATSAT.message]);
    assert.equal(verifySenderRecords(got.records, h.sim.id(2)).kind, 'unsigned');
  } finally {
    await h.cleanup();
  }
});

test('custom record checks: types below 65536, duplicates, the preimage type, collisions', () => {
  const attempt = (f: () => unknown, pattern: RegExp) =>
    assert.throws(
      f,
      (e: unknown) =>
        e instanceof PaymentError && e.code === 'invalid_custom_record' && pattern.test(e.message),
    );
  attempt(() => validateCustomRecords(new Map([[65535n, bytes(1)]])), /type 65535 is below 65536/);
  attempt(() => validateCustomRecords(new Map([[16n, bytes(1)]])), /type 16 is below 65536/);
  attempt(
    () =>
      validateCustomRecords([
        { type: 70000n, value: bytes(1) },
        { type: 70000n, value: bytes(2) },
      ]),
    /type 70000 is given twice/,
  );
  attempt(
    () => validateCustomRecords(new Map([[KEYSEND_PREIMAGE_TYPE, new Uint8Array(32)]])),
    /keysend preimage/,
  );
  attempt(
    () =>
      buildFinalRecords(
        { customRecords: new Map([[WHATSAT.message, bytes(1)]]), message: 'x' },
        { recipientNodeId: new Uint8Array(33), nowMs: 0, nodePrivateKey: undefined },
      ),
    /collides with the message option/,
  );
  const sorted = validateCustomRecords([
    { type: 70001n, value: bytes(2) },
    { type: 65536n, value: bytes(1) },
  ]);
  assert.deepEqual(
    sorted.map((r) => r.type),
    [65536n, 70001n],
  );
  assert.throws(
    () =>
      buildFinalRecords(
        { message: 'x', signMessage: true },
        { recipientNodeId: new Uint8Array(33), nowMs: 0, nodePrivateKey: undefined },
      ),
    (e: unknown) => e instanceof PaymentError && e.code === 'no_signing_key',
  );
});

test('the loop refuses a custom record type below 65536 before storing anything', async () => {
  const h = await harness(line(new SimNetwork(2), 1));
  try {
    await assert.rejects(
      h.loop.keysend(h.sim.id(1), 1000n, { customRecords: new Map([[5000n, bytes(1)]]) }),
      (e: unknown) => e instanceof PaymentError && /type 5000/.test(e.message),
    );
    assert.equal((await h.loop.listPayments()).length, 0);
    assert.equal(h.sim.sent.length, 0);
  } finally {
    await h.cleanup();
  }
});

test('records too large: for any route, and for the route the destination needs', async () => {
  const h = await harness(line(new SimNetwork(5), 4));
  try {
    await assert.rejects(
      h.loop.keysend(h.sim.id(1), 1000n, { customRecords: new Map([[65536n, new Uint8Array(1300)]]) }),
      (e: unknown) =>
        e instanceof PaymentError &&
        e.code === 'records_too_large' &&
        /records too large for a 1-hop route/.test(e.message),
    );
    // 1050 bytes leave room for 3 hops (a forwarding hop takes at most 59 bytes); node 4 is 4 hops away.
    const big = new Map([[65537n, new Uint8Array(1050)]]);
    await assert.rejects(
      h.loop.keysend(h.sim.id(4), 1000n, { customRecords: big, maxFeeMsat: 10_000n }),
      (e: unknown) =>
        e instanceof PaymentError &&
        e.code === 'records_too_large' &&
        /records too large for a 4-hop route/.test(e.message) &&
        /room for 3 hop/.test(e.message),
    );
    assert.equal((await h.loop.listPayments()).length, 0);
    // The same records reach node 3, 3 hops away, byte-exact.
    const ok = await h.loop.keysend(h.sim.id(3), 1000n, { customRecords: big, maxFeeMsat: 10_000n });
    assert.equal(ok.payment.status, 'succeeded', ok.payment.failureReason ?? '');
    assert.equal(h.sim.received[0]?.records.get(65537n)?.length, 1050);
  } finally {
    await h.cleanup();
  }
});

test('keysend only to nodes advertising bit 55, unless overridden', async () => {
  const sim = line(new SimNetwork(3), 2);
  sim.node(2).keysendFeature = false;
  const h = await harness(sim);
  try {
    await assert.rejects(
      h.loop.keysend(h.sim.id(2), 10_000n),
      (e: unknown) =>
        e instanceof PaymentError && e.code === 'keysend_not_supported' && /feature bit 55/.test(e.message),
    );
    assert.equal(h.sim.sent.length, 0);
    const r = await h.loop.keysend(h.sim.id(2), 10_000n, { allowWithoutFeature: true });
    assert.equal(r.payment.status, 'succeeded');
    // A node not in the graph at all: unknown features, same rule.
    await assert.rejects(
      h.loop.keysend(new SimNetwork(9).id(8), 10_000n),
      (e: unknown) =>
        e instanceof PaymentError && e.code === 'keysend_not_supported' && /not in the graph/.test(e.message),
    );
  } finally {
    await h.cleanup();
  }
});

test('preimage reuse guard: a preimage whose hash we know is never used', async () => {
  const h = await harness(line(new SimNetwork(2), 1));
  try {
    const used = sha256(bytes(7));
    await h.store.invoices.insert({
      paymentHash: sha256(used),
      preimage: used,
      amountMsat: null,
      keysend: false,
      expiresAt: null,
      createdAt: 1,
    });
    // The random source repeats the known preimage once, then gives a fresh one.
    h.random.queue.push(used);
    const r = await h.loop.keysend(h.sim.id(1), 5000n);
    assert.equal(r.payment.status, 'succeeded');
    assert.notEqual(bytesToHex(r.payment.paymentHash), bytesToHex(sha256(used)));
    // A broken source that always repeats: refused, nothing stored or sent.
    const sent = h.sim.sent.length;
    h.random.queue.push(used, used, used);
    await assert.rejects(
      h.loop.keysend(h.sim.id(1), 5000n),
      (e: unknown) =>
        e instanceof PaymentError && e.code === 'preimage_reuse' && /an invoice/.test(e.message),
    );
    // A repeat of the preimage of our own earlier payment is refused the same way.
    h.random.queue.push(r.payment.preimage!, r.payment.preimage!, r.payment.preimage!);
    await assert.rejects(
      h.loop.keysend(h.sim.id(1), 5000n),
      (e: unknown) => e instanceof PaymentError && e.code === 'preimage_reuse' && /a payment/.test(e.message),
    );
    assert.equal(h.sim.sent.length, sent);
    assert.equal((await h.loop.listPayments()).length, 1);
  } finally {
    await h.cleanup();
  }
});
