// test/store/suite/invoices.ts: invoices with add/settle indexes and custom records; forwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuplicateError, NotFoundError } from '../../../src/store/index.js';
import type { TestBackend } from '../backends.js';
import { forward, hashOf, invoice, T0 } from '../fixtures.js';
import { rejectsWith, withStore } from './harness.js';

const U64_MAX = (1n << 64n) - 1n;

export function invoiceCases(backend: TestBackend): void {
  test('invoices: insert and read back every field; a duplicate hash is a DuplicateError', () =>
    withStore(backend, async (store) => {
      const records = new Map([
        [U64_MAX, new Uint8Array([1])],
        [70000n, new TextEncoder().encode('hello')],
      ]);
      const inv = await store.invoices.insert(invoice(1, { customRecords: records }));
      assert.deepEqual(inv, {
        ...invoice(1),
        amountReceivedMsat: 0n,
        state: 'open',
        settledAt: null,
        addIndex: 1,
        settleIndex: null,
        customRecords: new Map([
          [70000n, new TextEncoder().encode('hello')],
          [U64_MAX, new Uint8Array([1])],
        ]),
      });
      assert.deepEqual(await store.invoices.get(invoice(1).paymentHash), inv);
      assert.equal(await store.invoices.get(hashOf('nothing')), undefined);

      const dup = await rejectsWith(
        store.invoices.insert(invoice(1, { memo: 'again' })),
        'duplicate',
        DuplicateError,
      );
      assert.equal((dup as DuplicateError).entity, 'invoice');
      assert.equal((dup as DuplicateError).field, 'paymentHash');
      // The duplicate took no add index.
      assert.equal((await store.invoices.insert(invoice(2))).addIndex, 2);

      const keysend = await store.invoices.insert(
        invoice(3, { keysend: true, bolt11: null, amountMsat: null, expiresAt: null, memo: undefined }),
      );
      assert.equal(keysend.keysend, true);
      assert.equal(keysend.bolt11, null);
      assert.equal(keysend.amountMsat, null);
      assert.equal(keysend.expiresAt, null);
      assert.equal(keysend.memo, '');
    }));

  test('invoices: settling takes the next settle index once; other fields update as given', () =>
    withStore(backend, async (store) => {
      for (let i = 1; i <= 3; i++) await store.invoices.insert(invoice(i));
      const accepted = await store.invoices.update(invoice(2).paymentHash, {
        state: 'accepted',
        amountReceivedMsat: 5n,
      });
      assert.equal(accepted.settleIndex, null);
      assert.equal(accepted.amountReceivedMsat, 5n);
      const s2 = await store.invoices.update(invoice(2).paymentHash, {
        state: 'settled',
        amountReceivedMsat: 30_000n,
        settledAt: T0 + 77,
      });
      assert.equal(s2.settleIndex, 1);
      assert.equal(s2.settledAt, T0 + 77);
      assert.equal(s2.amountReceivedMsat, 30_000n);
      assert.equal(s2.memo, invoice(2).memo);
      const s1 = await store.invoices.update(invoice(1).paymentHash, {
        state: 'settled',
        settledAt: T0 + 78,
      });
      assert.equal(s1.settleIndex, 2);
      // Settling again (a replayed HTLC) keeps the index.
      assert.equal(
        (await store.invoices.update(invoice(2).paymentHash, { state: 'settled' })).settleIndex,
        1,
      );
      // An invoice created settled (an ad-hoc keysend invoice) is indexed at once.
      const ks = await store.invoices.insert(invoice(4, { keysend: true, state: 'settled', settledAt: T0 }));
      assert.equal(ks.settleIndex, 3);
      assert.equal(ks.addIndex, 4);

      assert.deepEqual(
        (await store.invoices.listSettledSince(0)).map((i) => i.settleIndex),
        [1, 2, 3],
      );
      assert.deepEqual(
        (await store.invoices.listSettledSince(1, 1)).map((i) => i.memo),
        [invoice(1).memo],
      );
      const canceled = await store.invoices.update(invoice(3).paymentHash, {
        state: 'canceled',
        customRecords: new Map([[65537n, new Uint8Array([4])]]),
      });
      assert.equal(canceled.state, 'canceled');
      assert.deepEqual([...canceled.customRecords.keys()], [65537n]);
      const cleared = await store.invoices.update(invoice(3).paymentHash, {
        state: 'canceled',
        customRecords: new Map(),
      });
      assert.equal(cleared.customRecords.size, 0);
      await rejectsWith(
        store.invoices.update(hashOf('nope'), { state: 'settled' }),
        'not_found',
        NotFoundError,
      );
      await rejectsWith(
        store.invoices.update(invoice(1).paymentHash, { state: 'paid' as 'settled' }),
        'invalid_argument',
      );
    }));

  test('invoices: pages by add index in both directions, with a state filter', () =>
    withStore(backend, async (store) => {
      for (let i = 1; i <= 5; i++)
        await store.invoices.insert(invoice(i, { state: i % 2 === 0 ? 'canceled' : 'open' }));
      const idx = async (q: Parameters<typeof store.invoices.list>[0]) =>
        (await store.invoices.list(q)).map((i) => i.addIndex);
      assert.deepEqual(await idx(undefined), [1, 2, 3, 4, 5]);
      assert.deepEqual(await idx({ limit: 2 }), [1, 2]);
      assert.deepEqual(await idx({ limit: 2, cursor: 2 }), [3, 4]);
      assert.deepEqual(await idx({ limit: 2, cursor: 4 }), [5]);
      assert.deepEqual(await idx({ limit: 2, cursor: 5 }), []);
      assert.deepEqual(await idx({ order: 'desc', limit: 2 }), [5, 4]);
      assert.deepEqual(await idx({ order: 'desc', limit: 2, cursor: 4 }), [3, 2]);
      assert.deepEqual(await idx({ state: 'canceled' }), [2, 4]);
      assert.deepEqual(await idx({ state: 'open', order: 'desc' }), [5, 3, 1]);
      await rejectsWith(store.invoices.list({ limit: 0 }), 'out_of_range');
    }));

  test('forwards: one per incoming HTLC, fee derived, resolved by update', () =>
    withStore(backend, async (store) => {
      const f1 = await store.forwards.create(forward(1));
      assert.equal(f1.id, 1);
      assert.equal(f1.feeMsat, 500n);
      assert.equal(f1.status, 'pending');
      assert.equal(f1.outgoingHtlcId, null);
      const f2 = await store.forwards.create(forward(2, { incomingHtlcId: U64_MAX }));
      assert.equal(f2.incomingHtlcId, U64_MAX);
      const dup = await rejectsWith(store.forwards.create(forward(1)), 'duplicate', DuplicateError);
      assert.equal((dup as DuplicateError).field, 'incomingHtlc');
      await rejectsWith(store.forwards.create(forward(3, { outgoingAmountMsat: 100_501n })), 'out_of_range');

      const added = await store.forwards.update(f1.id, { status: 'pending', outgoingHtlcId: 7n });
      assert.equal(added.outgoingHtlcId, 7n);
      const settled = await store.forwards.update(f1.id, { status: 'settled', resolvedAt: T0 + 3 });
      assert.equal(settled.outgoingHtlcId, 7n);
      assert.equal(settled.resolvedAt, T0 + 3);
      const failed = await store.forwards.update(f2.id, {
        status: 'failed',
        failureReason: 'temporary_channel_failure',
      });
      assert.equal(failed.failureReason, 'temporary_channel_failure');
      await rejectsWith(store.forwards.update(99, { status: 'failed' }), 'not_found', NotFoundError);

      assert.deepEqual(await store.forwards.getByIncoming(forward(1).incomingChannelId, 1n), settled);
      assert.equal(await store.forwards.getByIncoming(forward(1).incomingChannelId, 3n), undefined);
      assert.deepEqual(await store.forwards.get(f2.id), failed);
      assert.deepEqual(
        (await store.forwards.list()).map((f) => f.status),
        ['settled', 'failed'],
      );
      assert.deepEqual(
        (await store.forwards.list({ status: 'failed' })).map((f) => f.id),
        [f2.id],
      );
      assert.deepEqual(
        (await store.forwards.list({ afterId: f1.id, limit: 5 })).map((f) => f.id),
        [f2.id],
      );
    }));
}
