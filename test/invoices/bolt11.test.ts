// BOLT 11 through the registry over a real SQLite store: create -> decode -> pay with a payload
// built by the onion codec -> settled; rejections (wrong secret, amount, expired, canceled);
// expiry sweep; multi-part sets assembling and timing out; hold invoices settled and canceled.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 } from '../../src/crypto/index.js';
import { decodeInvoice } from '../../src/invoice/index.js';
import type { HtlcResolution, IncomingHtlc } from '../../src/invoices/index.js';
import type { TlvRecord } from '../../src/wire/index.js';
import { finalPayload, HEIGHT, harness, htlcFor, nodeId, peerId, utf8 } from './helpers.js';

const hint = [
  {
    pubkey: peerId,
    shortChannelId: (700_000n << 40n) | (5n << 16n) | 1n,
    feeBaseMsat: 1000n,
    feeProportionalMillionths: 100,
    cltvExpiryDelta: 72,
  },
];

/** An HTLC and payload paying `amtMsat` of a `totalMsat` payment to a decoded invoice. */
function paying(
  bolt11: string,
  amtMsat: bigint,
  over: { totalMsat?: bigint; secret?: Uint8Array; cltv?: number; records?: TlvRecord[] } = {},
) {
  const inv = decodeInvoice(bolt11);
  const cltv = over.cltv ?? HEIGHT + inv.minFinalCltvExpiryDelta;
  return {
    htlc: htlcFor(inv.paymentHash, { amountMsat: amtMsat, cltvExpiry: cltv }),
    payload: finalPayload({
      amtToForwardMsat: amtMsat,
      outgoingCltvValue: cltv,
      paymentData: { paymentSecret: over.secret ?? inv.paymentSecret, totalMsat: over.totalMsat ?? amtMsat },
      ...(over.records !== undefined ? { records: over.records } : {}),
    }),
  };
}

const kinds = (rs: HtlcResolution[]) => rs.map((r) => r.kind);
const failureOf = (r: HtlcResolution | undefined) => (r?.kind === 'fail' ? r.failure : undefined);
const perm15 = (htlc: IncomingHtlc, height = HEIGHT) => ({
  name: 'incorrect_or_unknown_payment_details',
  htlcMsat: htlc.amountMsat,
  height,
});

test('create -> decode -> pay -> settled, with records kept', async () => {
  const h = await harness();
  try {
    const created = await h.registry.createInvoice({
      amountMsat: 50_000n,
      description: 'coffee',
      expirySeconds: 600,
      routeHints: [hint],
    });
    assert.equal(created.invoice.state, 'open');
    assert.equal(created.invoice.memo, 'coffee');
    assert.equal(created.invoice.bolt11, created.bolt11);
    assert.deepEqual(sha256(created.preimage!), created.paymentHash);
    const inv = decodeInvoice(created.bolt11);
    assert.equal(inv.network, 'regtest');
    assert.equal(inv.amountMsat, 50_000n);
    assert.equal(inv.description, 'coffee');
    assert.deepEqual(inv.paymentHash, created.paymentHash);
    assert.deepEqual(inv.paymentSecret, created.paymentSecret);
    assert.deepEqual(inv.payeeNodeId, nodeId);
    assert.equal(inv.expirySeconds, 600);
    assert.equal(inv.timestamp, Math.floor(h.clock.now / 1000));
    assert.equal(inv.minFinalCltvExpiryDelta, 40);
    assert.deepEqual(inv.routeHints, [hint]);
    assert.deepEqual(inv.features, [8, 14, 17]);
    assert.equal(created.invoice.expiresAt, (inv.timestamp + 600) * 1000);

    h.clock.now += 5000;
    const { htlc, payload } = paying(created.bolt11, 50_000n, {
      records: [{ type: 65539n, value: utf8('order 42') }],
    });
    const out = await h.registry.onFinalHtlc(htlc, payload, HEIGHT);
    assert.deepEqual(out.resolutions, [{ kind: 'settle', htlc, preimage: created.preimage }]);
    const paid = await h.registry.lookup(created.paymentHash);
    assert.equal(paid?.state, 'settled');
    assert.equal(paid?.amountReceivedMsat, 50_000n);
    assert.equal(paid?.settledAt, h.clock.now);
    assert.equal(paid?.settleIndex, 1);
    assert.equal(paid?.keysend, false);
    assert.deepEqual(paid?.customRecords.get(65539n), utf8('order 42'));
    // Paying again is refused: already paid.
    const again = paying(created.bolt11, 50_000n);
    const r = await h.registry.onFinalHtlc(again.htlc, again.payload, HEIGHT);
    assert.deepEqual(failureOf(r.resolutions[0]), perm15(again.htlc));
    // Cancel refuses a settled invoice.
    await assert.rejects(h.registry.cancel(created.paymentHash), { code: 'invalid_state' });
  } finally {
    await h.cleanup();
  }
});

test('create: description hash, any amount, request checks', async () => {
  const h = await harness({ policy: { acceptMpp: false }, invoiceMinFinalCltvExpiryDelta: 80 });
  try {
    const hash = sha256(utf8('a long description'));
    const created = await h.registry.createInvoice({ descriptionHash: hash });
    const inv = decodeInvoice(created.bolt11);
    assert.deepEqual(inv.descriptionHash, hash);
    assert.equal(inv.amountMsat, undefined);
    assert.equal(inv.expirySeconds, 3600);
    assert.equal(inv.minFinalCltvExpiryDelta, 80);
    assert.deepEqual(inv.features, [8, 14]);
    assert.equal(created.invoice.amountMsat, null);
    // Any amount pays an any-amount invoice.
    const { htlc, payload } = paying(created.bolt11, 7n);
    assert.equal((await h.registry.onFinalHtlc(htlc, payload, HEIGHT)).resolutions[0]?.kind, 'settle');
    await assert.rejects(h.registry.createInvoice({ description: 'x', amountMsat: 0n }), {
      code: 'invalid_request',
    });
    await assert.rejects(h.registry.createInvoice({ description: 'x', expirySeconds: 0 }), {
      code: 'invalid_request',
    });
    await assert.rejects(h.registry.createInvoice({ description: 'x', paymentHash: hash }), {
      code: 'invalid_request',
    });
    await assert.rejects(h.registry.createInvoice({}), { name: 'InvoiceError' });
  } finally {
    await h.cleanup();
  }
});

test('rejections: wrong secret, amount too low or too high, expired, canceled', async () => {
  const h = await harness();
  try {
    const { bolt11, paymentHash } = await h.registry.createInvoice({
      amountMsat: 10_000n,
      description: 'r',
      expirySeconds: 60,
    });
    const cases = [
      paying(bolt11, 10_000n, { secret: sha256(utf8('guess')) }),
      paying(bolt11, 9_999n),
      paying(bolt11, 20_001n),
      paying(bolt11, 10_000n, { cltv: HEIGHT + 39 }),
    ];
    for (const c of cases) {
      const out = await h.registry.onFinalHtlc(c.htlc, c.payload, HEIGHT);
      assert.deepEqual(failureOf(out.resolutions[0]), perm15(c.htlc));
    }
    assert.equal((await h.registry.lookup(paymentHash))?.state, 'open');
    h.clock.now += 60_000;
    const late = paying(bolt11, 10_000n);
    const out = await h.registry.onFinalHtlc(late.htlc, late.payload, HEIGHT);
    assert.equal(out.decision.kind === 'fail' && out.decision.reason, 'the invoice has expired');
    // The sweep marks it expired; a second sweep finds nothing.
    const swept = await h.registry.expireOld();
    assert.deepEqual(
      swept.expired.map((i) => i.state),
      ['expired'],
    );
    assert.equal((await h.registry.expireOld()).expired.length, 0);
    assert.equal((await h.registry.lookup(paymentHash))?.state, 'expired');

    const c2 = await h.registry.createInvoice({ amountMsat: 10_000n, description: 'to cancel' });
    const canceled = await h.registry.cancel(c2.paymentHash);
    assert.equal(canceled.invoice.state, 'canceled');
    assert.deepEqual(canceled.resolutions, []);
    const p = paying(c2.bolt11, 10_000n);
    const refused = await h.registry.onFinalHtlc(p.htlc, p.payload, HEIGHT);
    assert.equal(refused.decision.kind === 'fail' && refused.decision.reason, 'the invoice is canceled');
    await assert.rejects(h.registry.cancel(sha256(utf8('nothing'))), { code: 'not_found' });
  } finally {
    await h.cleanup();
  }
});

test('multi-part: parts wait, the last one settles them all; concurrent parts assemble too', async () => {
  const h = await harness();
  try {
    const { bolt11, paymentHash, preimage } = await h.registry.createInvoice({
      amountMsat: 10_000n,
      description: 'mpp',
    });
    const a = paying(bolt11, 3_000n, { totalMsat: 10_000n, records: [{ type: 65541n, value: utf8('a') }] });
    const b = paying(bolt11, 3_000n, { totalMsat: 10_000n });
    const c = paying(bolt11, 4_000n, { totalMsat: 10_000n });
    assert.deepEqual((await h.registry.onFinalHtlc(a.htlc, a.payload, HEIGHT)).resolutions, [
      { kind: 'wait', htlc: a.htlc },
    ]);
    assert.deepEqual(kinds((await h.registry.onFinalHtlc(b.htlc, b.payload, HEIGHT)).resolutions), ['wait']);
    assert.equal(h.registry.pendingSets, 1);
    const last = await h.registry.onFinalHtlc(c.htlc, c.payload, HEIGHT);
    // The arriving HTLC first, then the waiting ones.
    assert.deepEqual(
      last.resolutions,
      [c.htlc, a.htlc, b.htlc].map((htlc) => ({ kind: 'settle', htlc, preimage })),
    );
    assert.equal(h.registry.pendingSets, 0);
    const inv = await h.registry.lookup(paymentHash);
    assert.equal(inv?.state, 'settled');
    assert.equal(inv?.amountReceivedMsat, 10_000n);
    assert.deepEqual(inv?.customRecords.get(65541n), utf8('a'));

    const second = await h.registry.createInvoice({ amountMsat: 10_000n, description: 'mpp concurrent' });
    const parts = [4_000n, 3_000n, 3_000n].map((amt) => paying(second.bolt11, amt, { totalMsat: 10_000n }));
    const outs = await Promise.all(parts.map((p) => h.registry.onFinalHtlc(p.htlc, p.payload, HEIGHT)));
    const settles = outs.flatMap((o) => o.resolutions).filter((r) => r.kind === 'settle');
    assert.equal(settles.length, 3);
    assert.equal((await h.registry.lookup(second.paymentHash))?.state, 'settled');
  } finally {
    await h.cleanup();
  }
});

test('multi-part: an incomplete set fails with mpp_timeout 60 s after its first part; a total mismatch fails the set', async () => {
  const h = await harness();
  try {
    const { bolt11, paymentHash } = await h.registry.createInvoice({ amountMsat: 10_000n, description: 't' });
    const a = paying(bolt11, 3_000n, { totalMsat: 10_000n });
    await h.registry.onFinalHtlc(a.htlc, a.payload, HEIGHT);
    h.clock.now += 30_000;
    const b = paying(bolt11, 3_000n, { totalMsat: 10_000n });
    await h.registry.onFinalHtlc(b.htlc, b.payload, HEIGHT);
    h.clock.now += 29_999;
    assert.deepEqual((await h.registry.tick(HEIGHT)).resolutions, []);
    h.clock.now += 1;
    const { resolutions } = await h.registry.tick(HEIGHT);
    assert.deepEqual(
      resolutions.map((r) => [r.htlc, failureOf(r)]),
      [
        [a.htlc, { name: 'mpp_timeout' }],
        [b.htlc, { name: 'mpp_timeout' }],
      ],
    );
    assert.equal(h.registry.pendingSets, 0);
    assert.equal((await h.registry.lookup(paymentHash))?.state, 'open');

    // A part announcing another total fails itself and the parts already collected.
    const c = paying(bolt11, 3_000n, { totalMsat: 10_000n });
    await h.registry.onFinalHtlc(c.htlc, c.payload, HEIGHT);
    const d = paying(bolt11, 3_000n, { totalMsat: 12_000n, cltv: HEIGHT + 41 });
    const out = await h.registry.onFinalHtlc(d.htlc, d.payload, HEIGHT + 1);
    assert.deepEqual(
      out.resolutions.map((r) => [r.htlc, failureOf(r)]),
      [
        [d.htlc, perm15(d.htlc, HEIGHT + 1)],
        [c.htlc, perm15(c.htlc, HEIGHT)],
      ],
    );
    assert.equal(h.registry.pendingSets, 0);
  } finally {
    await h.cleanup();
  }
});

test('hold invoice: paid HTLCs are held (accepted), then settled with the preimage', async () => {
  const h = await harness();
  try {
    const preimage = sha256(utf8('hold preimage kept by the app'));
    const created = await h.registry.createInvoice({
      amountMsat: 10_000n,
      description: 'hold',
      hold: true,
      paymentHash: sha256(preimage),
    });
    assert.equal(created.preimage, null);
    assert.equal(created.invoice.hold, true);
    await assert.rejects(h.registry.settleHold(created.paymentHash, preimage), { code: 'invalid_state' });
    const a = paying(created.bolt11, 6_000n, { totalMsat: 10_000n });
    const b = paying(created.bolt11, 4_000n, { totalMsat: 10_000n });
    assert.deepEqual(kinds((await h.registry.onFinalHtlc(a.htlc, a.payload, HEIGHT)).resolutions), ['wait']);
    const held = await h.registry.onFinalHtlc(b.htlc, b.payload, HEIGHT);
    assert.deepEqual(held.resolutions, [{ kind: 'wait', htlc: b.htlc }]);
    assert.equal(held.invoice?.state, 'accepted');
    assert.equal(held.invoice?.amountReceivedMsat, 10_000n);
    // Nothing times out while held.
    h.clock.now += 120_000;
    assert.deepEqual((await h.registry.tick(HEIGHT)).resolutions, []);
    await assert.rejects(h.registry.settleHold(created.paymentHash, sha256(utf8('wrong'))), {
      code: 'wrong_preimage',
    });
    const done = await h.registry.settleHold(created.paymentHash, preimage);
    assert.deepEqual(
      done.resolutions,
      [a.htlc, b.htlc].map((htlc) => ({ kind: 'settle', htlc, preimage })),
    );
    assert.equal(done.invoice.state, 'settled');
    assert.deepEqual(done.invoice.preimage, preimage);
    assert.equal(done.invoice.settleIndex, 1);
    // Settling twice changes nothing.
    assert.deepEqual((await h.registry.settleHold(created.paymentHash, preimage)).resolutions, []);
    // After a restart the channel layer replays the HTLCs: they settle with the stored preimage.
    const replay = await h.restart().onFinalHtlc(a.htlc, a.payload, HEIGHT + 3);
    assert.deepEqual(replay.resolutions, [{ kind: 'settle', htlc: a.htlc, preimage }]);
  } finally {
    await h.cleanup();
  }
});

test('hold invoice: cancel fails the held HTLCs; held HTLCs near expiry are failed and the invoice reopens', async () => {
  const h = await harness({ holdExpiryDeltaBlocks: 10 });
  try {
    const created = await h.registry.createInvoice({ amountMsat: 10_000n, description: 'hold', hold: true });
    assert.ok(created.preimage !== null);
    const p = paying(created.bolt11, 10_000n);
    await h.registry.onFinalHtlc(p.htlc, p.payload, HEIGHT);
    assert.equal((await h.registry.lookup(created.paymentHash))?.state, 'accepted');
    const canceled = await h.registry.cancel(created.paymentHash);
    assert.equal(canceled.invoice.state, 'canceled');
    assert.deepEqual(
      canceled.resolutions.map((r) => [r.htlc, failureOf(r)]),
      [[p.htlc, perm15(p.htlc)]],
    );
    await assert.rejects(h.registry.settleHold(created.paymentHash, created.preimage), {
      code: 'invalid_state',
    });

    const second = await h.registry.createInvoice({ amountMsat: 10_000n, description: 'hold 2', hold: true });
    const q = paying(second.bolt11, 10_000n); // cltv_expiry = HEIGHT + 40
    await h.registry.onFinalHtlc(q.htlc, q.payload, HEIGHT);
    assert.deepEqual((await h.registry.tick(HEIGHT + 29)).resolutions, []);
    const expiring = await h.registry.tick(HEIGHT + 30);
    assert.deepEqual(
      expiring.resolutions.map((r) => [r.htlc, failureOf(r)]),
      [[q.htlc, perm15(q.htlc)]],
    );
    const reopened = await h.registry.lookup(second.paymentHash);
    assert.equal(reopened?.state, 'open');
    assert.equal(reopened?.amountReceivedMsat, 0n);
    // It can be paid again.
    const r = paying(second.bolt11, 10_000n, { cltv: HEIGHT + 200 });
    assert.deepEqual(kinds((await h.registry.onFinalHtlc(r.htlc, r.payload, HEIGHT + 30)).resolutions), [
      'wait',
    ]);
    assert.equal((await h.registry.lookup(second.paymentHash))?.state, 'accepted');
  } finally {
    await h.cleanup();
  }
});

test('a cancel racing the last part never leaves a settled HTLC on a canceled invoice', async () => {
  const h = await harness();
  try {
    const { bolt11, paymentHash } = await h.registry.createInvoice({
      amountMsat: 10_000n,
      description: 'race',
    });
    const p = paying(bolt11, 10_000n);
    const [paid, canceled] = await Promise.allSettled([
      h.registry.onFinalHtlc(p.htlc, p.payload, HEIGHT),
      h.registry.cancel(paymentHash),
    ]);
    const state = (await h.registry.lookup(paymentHash))?.state;
    assert.equal(paid.status, 'fulfilled');
    const settledIt = paid.status === 'fulfilled' && paid.value.resolutions[0]?.kind === 'settle';
    // The HTLC arrived first (the calls are serialized per payment hash in call order).
    assert.equal(settledIt, true);
    assert.equal(state, 'settled');
    assert.equal(canceled.status, 'rejected');
  } finally {
    await h.cleanup();
  }
});

test('expiry sweep fails the parts collected for an expired invoice; a taken hold hash is refused', async () => {
  const h = await harness();
  try {
    const { bolt11, paymentHash } = await h.registry.createInvoice({
      amountMsat: 10_000n,
      description: 'x',
      expirySeconds: 30,
    });
    const a = paying(bolt11, 4_000n, { totalMsat: 10_000n });
    await h.registry.onFinalHtlc(a.htlc, a.payload, HEIGHT);
    h.clock.now += 30_000;
    const swept = await h.registry.expireOld();
    assert.deepEqual(
      swept.expired.map((i) => i.paymentHash),
      [paymentHash],
    );
    assert.deepEqual(
      swept.resolutions.map((r) => [r.htlc, failureOf(r)]),
      [[a.htlc, perm15(a.htlc)]],
    );
    assert.equal(h.registry.pendingSets, 0);
    await assert.rejects(h.registry.createInvoice({ description: 'again', hold: true, paymentHash }), {
      code: 'duplicate_payment_hash',
    });
  } finally {
    await h.cleanup();
  }
});
