// test/store/suite/payments.ts: outgoing payments, their attempts, and custom records.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DuplicateError, NotFoundError } from '../../../src/store/index.js';
import type { TestBackend } from '../backends.js';
import { hashOf, payment, T0 } from '../fixtures.js';
import { rejectsWith, withStore } from './harness.js';

const U64_MAX = (1n << 64n) - 1n;
const INT64_MAX = (1n << 63n) - 1n;

export function paymentCases(backend: TestBackend): void {
  test('payments: create, look up three ways, update, list with a cursor', () =>
    withStore(backend, async (store) => {
      const records = new Map([
        [U64_MAX, new Uint8Array([0xff])],
        [65536n, new Uint8Array([1, 2])],
        [5482373484n, hashOf('keysend preimage')],
      ]);
      const p1 = await store.payments.create(payment(1, { customRecords: records }));
      assert.equal(p1.id, 1);
      assert.equal(p1.status, 'in_flight');
      assert.equal(p1.feeMsat, 0n);
      assert.equal(p1.preimage, null);
      assert.deepEqual([...p1.customRecords.keys()], [65536n, 5482373484n, U64_MAX]);
      assert.deepEqual(p1.customRecords.get(U64_MAX), new Uint8Array([0xff]));
      assert.deepEqual(await store.payments.getByHash(payment(1).paymentHash), p1);
      assert.deepEqual(await store.payments.getByIdempotencyKey('idem-1'), p1);
      assert.deepEqual(await store.payments.get(1), p1);
      assert.equal(await store.payments.get(99), undefined);

      const p2 = await store.payments.create(payment(2, { idempotencyKey: null }));
      assert.equal(p2.id, 2);
      assert.equal(p2.idempotencyKey, null);
      assert.equal(p2.customRecords.size, 0);
      await store.payments.create(payment(3, { idempotencyKey: null }));

      const preimage = hashOf('preimage 1');
      const done = await store.payments.update(1, {
        status: 'succeeded',
        feeMsat: 17n,
        preimage,
        updatedAt: T0 + 9,
      });
      assert.equal(done.status, 'succeeded');
      assert.equal(done.feeMsat, 17n);
      assert.deepEqual(done.preimage, preimage);
      assert.equal(done.createdAt, T0 + 1);
      assert.equal(done.updatedAt, T0 + 9);
      assert.equal(done.customRecords.size, 3);
      const failed = await store.payments.update(2, {
        status: 'failed',
        failureReason: 'no route',
        updatedAt: T0 + 10,
      });
      assert.equal(failed.failureReason, 'no route');
      assert.equal(failed.feeMsat, 0n);
      await rejectsWith(
        store.payments.update(42, { status: 'failed', updatedAt: T0 }),
        'not_found',
        NotFoundError,
      );

      assert.deepEqual(
        (await store.payments.list({ limit: 2 })).map((p) => p.id),
        [1, 2],
      );
      assert.deepEqual(
        (await store.payments.list({ afterId: 2 })).map((p) => p.id),
        [3],
      );
      assert.deepEqual(
        (await store.payments.list({ status: 'in_flight' })).map((p) => p.id),
        [3],
      );
      assert.deepEqual((await store.payments.list())[0]?.customRecords, done.customRecords);
    }));

  test('payments: a taken payment hash or idempotency key is a DuplicateError naming the field', () =>
    withStore(backend, async (store) => {
      await store.payments.create(payment(1));
      const byHash = await rejectsWith(
        store.payments.create(payment(1, { idempotencyKey: 'fresh' })),
        'duplicate',
        DuplicateError,
      );
      assert.equal((byHash as DuplicateError).field, 'paymentHash');
      const byKey = await rejectsWith(
        store.payments.create(payment(2, { idempotencyKey: 'idem-1' })),
        'duplicate',
        DuplicateError,
      );
      assert.equal((byKey as DuplicateError).field, 'idempotencyKey');
      // The failed inserts left the transaction usable and consumed nothing.
      await store.transaction(async (tx) => {
        await rejectsWith(tx.payments.create(payment(1)), 'duplicate', DuplicateError);
        assert.equal((await tx.payments.create(payment(2))).id >= 2, true);
      });
      assert.deepEqual(
        (await store.payments.list()).map((p) => p.idempotencyKey),
        ['idem-1', 'idem-2'],
      );
    }));

  test('payments: amounts and custom records round-trip exactly (property)', () =>
    withStore(backend, async (store) => {
      let i = 0;
      const amount = fc.bigInt({ min: 0n, max: INT64_MAX });
      const records = fc.uniqueArray(
        fc.tuple(fc.bigInt({ min: 0n, max: U64_MAX }), fc.uint8Array({ maxLength: 40 })),
        {
          selector: ([t]) => t,
          maxLength: 6,
        },
      );
      await fc.assert(
        fc.asyncProperty(amount, amount, records, async (amountMsat, feeMsat, recs) => {
          i += 1;
          const created = await store.payments.create(
            payment(i, { amountMsat, customRecords: new Map(recs) }),
          );
          const updated = await store.payments.update(created.id, {
            status: 'succeeded',
            feeMsat,
            updatedAt: T0,
          });
          const read = await store.payments.get(created.id);
          assert.deepEqual(read, updated);
          assert.equal(read?.amountMsat, amountMsat);
          assert.equal(read?.feeMsat, feeMsat);
          const sorted = [...recs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
          assert.deepEqual([...(read?.customRecords ?? [])], sorted);
        }),
        { numRuns: 20 },
      );
    }));

  test('payment attempts: numbered per payment, updated, listed by payment and by status', () =>
    withStore(backend, async (store) => {
      const p = await store.payments.create(payment(1));
      const q = await store.payments.create(payment(2));
      const route = JSON.stringify({ hops: [{ scid: '800000x1x0', amountMsat: '1000' }] });
      const a1 = await store.paymentAttempts.create({
        paymentId: p.id,
        attemptNumber: 1,
        route,
        createdAt: T0,
      });
      assert.deepEqual(a1, {
        paymentId: p.id,
        attemptNumber: 1,
        route,
        status: 'in_flight',
        failingHop: null,
        failureCode: null,
        createdAt: T0,
        updatedAt: T0,
      });
      await store.paymentAttempts.create({
        paymentId: p.id,
        attemptNumber: 2,
        route: '[]',
        createdAt: T0 + 1,
      });
      await store.paymentAttempts.create({
        paymentId: q.id,
        attemptNumber: 1,
        route: '[]',
        createdAt: T0 + 2,
      });
      const dup = await rejectsWith(
        store.paymentAttempts.create({ paymentId: p.id, attemptNumber: 2, route: '[]', createdAt: T0 }),
        'duplicate',
        DuplicateError,
      );
      assert.equal((dup as DuplicateError).field, 'attemptNumber');
      await rejectsWith(
        store.paymentAttempts.create({ paymentId: 77, attemptNumber: 1, route: '[]', createdAt: T0 }),
        'not_found',
        NotFoundError,
      );
      const failed = await store.paymentAttempts.update(p.id, 1, {
        status: 'failed',
        failingHop: 2,
        failureCode: 0x400f,
        updatedAt: T0 + 5,
      });
      assert.equal(failed.failingHop, 2);
      assert.equal(failed.failureCode, 0x400f);
      assert.equal(failed.updatedAt, T0 + 5);
      await rejectsWith(
        store.paymentAttempts.update(p.id, 9, { status: 'failed', updatedAt: T0 }),
        'not_found',
      );
      assert.deepEqual(
        (await store.paymentAttempts.list(p.id)).map((a) => [a.attemptNumber, a.status]),
        [
          [1, 'failed'],
          [2, 'in_flight'],
        ],
      );
      assert.deepEqual(
        (await store.paymentAttempts.listByStatus('in_flight')).map((a) => [a.paymentId, a.attemptNumber]),
        [
          [p.id, 2],
          [q.id, 1],
        ],
      );
    }));
}
