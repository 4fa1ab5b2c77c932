// The registry's small parts: token buckets, the stored meta codec, app-field decoding for
// display (memo cleaning), and listing with offsets and the keysend filter.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { sha256 } from '../../src/crypto/index.js';
import { decodeKeysendAppFields, keysendMemo, TokenBuckets } from '../../src/invoices/index.js';
import { decodeMeta, encodeMeta } from '../../src/invoices/meta.js';
import type { InvoiceMeta } from '../../src/invoices/types.js';
import { WHATSAT } from '../../src/onion/index.js';
import { finalPayload, HEIGHT, harness, htlcFor, keysend, nodeId, utf8 } from './helpers.js';

test('token buckets: burst, refill proportional to time, cap at burst, per key', () => {
  const b = new TokenBuckets({ burst: 3, perSecond: 2 });
  const t0 = 1_000_000;
  assert.deepEqual(
    [1, 2, 3, 4].map(() => b.take('p', t0)),
    [true, true, true, false],
  );
  assert.equal(b.take('q', t0), true);
  assert.equal(b.take('p', t0 + 499), false); // 0.998 tokens
  assert.equal(b.take('p', t0 + 500), true);
  assert.equal(b.available('p', t0 + 100_000), 3);
  // A clock stepping back does not drain or refill.
  assert.equal(b.available('q', t0 - 10_000), 2);
  assert.throws(() => new TokenBuckets({ burst: 0, perSecond: 1 }), RangeError);
});

test('token buckets: the map stays bounded by forgetting full buckets', () => {
  const b = new TokenBuckets({ burst: 1, perSecond: 1 }, 10);
  for (let i = 0; i < 100; i++) assert.equal(b.take(`peer${i}`, i * 2000), true);
  // Every old bucket had refilled, so none still blocks.
  assert.equal(b.take('peer0', 200_000), true);
});

test('meta: encode/decode round-trips every field', () => {
  const arb = fc.record({
    hold: fc.boolean(),
    mpp: fc.boolean(),
    htlcs: fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }),
    paymentSecret: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: undefined }),
    minFinalCltvExpiryDelta: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
    app: fc.option(
      fc.record(
        {
          message: fc.string(),
          senderNodeId: fc.uint8Array({ minLength: 33, maxLength: 33 }),
          senderVerified: fc.boolean(),
          senderUnverifiedReason: fc.string(),
          timestampNs: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
        },
        { requiredKeys: ['senderVerified'] },
      ),
      { nil: undefined },
    ),
  });
  fc.assert(
    fc.property(arb, (m) => {
      const plain = { ...m, ...(m.app !== undefined ? { app: { ...m.app } } : {}) };
      const meta = Object.fromEntries(
        Object.entries(plain).filter(([, v]) => v !== undefined),
      ) as unknown as InvoiceMeta;
      assert.deepEqual(decodeMeta(encodeMeta(meta)), meta);
    }),
    { numRuns: 200 },
  );
  assert.throws(() => decodeMeta(utf8('{"v":2}')), /version 1/);
});

test('app fields: nothing to show without app records; memo text is cleaned for the store', () => {
  assert.equal(decodeKeysendAppFields(new Map([[65537n, utf8('x')]]), nodeId), undefined);
  const app = decodeKeysendAppFields(new Map([[WHATSAT.message, utf8('a\0b')]]), nodeId);
  assert.deepEqual(app, { message: 'a\0b', senderVerified: false });
  assert.equal(keysendMemo(app), 'a\uFFFDb');
  // Invalid UTF-8 is not a message; a boost message with a lone surrogate is repaired.
  assert.equal(decodeKeysendAppFields(new Map([[WHATSAT.message, Uint8Array.of(0xff)]]), nodeId), undefined);
  const boost = decodeKeysendAppFields(new Map([[7629169n, utf8('{"message":"x\\ud800y"}')]]), nodeId);
  assert.equal(keysendMemo(boost), 'x\uFFFDy');
  assert.equal(keysendMemo(undefined), '');
  assert.equal(keysendMemo({ message: 'é'.repeat(2000), senderVerified: false }).length, 1024);
});

test('a keysend with a NUL in its chat message is settled and stored', async () => {
  const h = await harness();
  try {
    const k = keysend('nul', { records: [{ type: WHATSAT.message, value: utf8('hi\0there') }] });
    const out = await h.registry.onFinalHtlc(htlcFor(k.paymentHash), finalPayload(k.fields), HEIGHT);
    assert.equal(out.resolutions[0]?.kind, 'settle');
    const inv = await h.registry.lookup(k.paymentHash);
    assert.equal(inv?.app?.message, 'hi\0there');
    assert.equal(inv?.memo, 'hi\uFFFDthere');
  } finally {
    await h.cleanup();
  }
});

test('list: pages by add index, newest first on request, keysend only, by state', async () => {
  const h = await harness();
  try {
    const bolt11 = [];
    for (let i = 0; i < 3; i++) {
      bolt11.push(await h.registry.createInvoice({ description: `inv ${i}` }));
      const k = keysend(`list ${i}`);
      await h.registry.onFinalHtlc(htlcFor(k.paymentHash), finalPayload(k.fields), HEIGHT);
    }
    const all = await h.registry.list();
    assert.deepEqual(
      all.invoices.map((i) => [i.addIndex, i.keysend]),
      [
        [1, false],
        [2, true],
        [3, false],
        [4, true],
        [5, false],
        [6, true],
      ],
    );
    const page1 = await h.registry.list({ limit: 2, keysendOnly: true });
    assert.deepEqual(
      page1.invoices.map((i) => i.addIndex),
      [2, 4],
    );
    assert.equal(page1.nextOffset, 4);
    const page2 = await h.registry.list({ limit: 2, keysendOnly: true, offset: page1.nextOffset! });
    assert.deepEqual(
      page2.invoices.map((i) => i.addIndex),
      [6],
    );
    const newest = await h.registry.list({ reversed: true, limit: 2 });
    assert.deepEqual(
      newest.invoices.map((i) => i.addIndex),
      [6, 5],
    );
    const open = await h.registry.list({ state: 'open' });
    assert.deepEqual(
      open.invoices.map((i) => i.memo),
      ['inv 0', 'inv 1', 'inv 2'],
    );
    assert.deepEqual((await h.registry.list({ offset: 6 })).invoices, []);
    await assert.rejects(h.registry.list({ limit: 0 }), { code: 'invalid_request' });
    assert.equal(await h.registry.lookup(sha256(utf8('none'))), undefined);
  } finally {
    await h.cleanup();
  }
});
