// test/store/suite/transactions.ts: all-or-nothing, isolation, nesting, closing, reopening.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { VersionConflictError } from '../../../src/store/index.js';
import type { StoreTx } from '../../../src/store/types.js';
import type { TestBackend } from '../backends.js';
import { channel, htlc, invoice, payment } from '../fixtures.js';
import { rejectsWith, withStore } from './harness.js';

export function transactionCases(backend: TestBackend): void {
  test('transaction: a channel update, its HTLCs and a payment commit together', () =>
    withStore(backend, async (store) => {
      const result = await store.transaction(async (tx) => {
        await tx.channels.upsert(channel(1), 0);
        await tx.htlcs.upsert(htlc(1, 0n));
        await tx.htlcs.upsert(htlc(1, 1n));
        await tx.payments.create(payment(1));
        return 'committed';
      });
      assert.equal(result, 'committed');
      assert.equal((await store.channels.get(channel(1).channelId))?.version, 1);
      assert.equal((await store.htlcs.listByChannel(channel(1).channelId)).length, 2);
      assert.equal((await store.payments.getByHash(payment(1).paymentHash))?.id, 1);
    }));

  test('transaction: a throw rolls back every write, including index counters', () =>
    withStore(backend, async (store) => {
      await store.channels.upsert(channel(1), 0);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.channels.upsert(channel(1, { state: 'changed' }), 1);
          await tx.htlcs.upsert(htlc(1, 0n));
          await tx.payments.create(payment(1));
          await tx.invoices.insert(invoice(1));
          await tx.kv('k').put('a', new Uint8Array([1]));
          throw new Error('crash after the writes');
        }),
        /crash after the writes/,
      );
      const ch = await store.channels.get(channel(1).channelId);
      assert.equal(ch?.version, 1);
      assert.equal(ch?.state, 'normal');
      assert.deepEqual(await store.htlcs.listByChannel(channel(1).channelId), []);
      assert.equal(await store.payments.getByHash(payment(1).paymentHash), undefined);
      assert.equal(await store.invoices.get(invoice(1).paymentHash), undefined);
      assert.equal(await store.kv('k').get('a'), undefined);
      assert.equal((await store.invoices.insert(invoice(2))).addIndex, 1);
    }));

  test('transaction: calling the store from inside is refused; a leaked tx is closed', () =>
    withStore(backend, async (store) => {
      let leaked: StoreTx | undefined;
      let later: Promise<Uint8Array | undefined> | undefined;
      await store.transaction(async (tx) => {
        leaked = tx;
        await rejectsWith(store.kv('k').get('a'), 'nested_transaction');
        await rejectsWith(
          store.transaction(async () => 1),
          'nested_transaction',
        );
        await tx.kv('k').put('a', new Uint8Array([1]));
        // Work scheduled here but run after the commit is not nested: it may use the store.
        later = sleep(30).then(() => store.kv('k').get('a'));
      });
      assert.deepEqual(await later, new Uint8Array([1]));
      await rejectsWith(leaked!.kv('k').get('a'), 'transaction_closed');
      await rejectsWith(leaked!.channels.list(), 'transaction_closed');
    }));

  test('transaction: concurrent read-modify-writes behave as if run one at a time', () =>
    withStore(backend, async (store) => {
      const n = 8;
      await Promise.all(
        Array.from({ length: n }, () =>
          store.transaction(async (tx) => {
            const kv = tx.kv('counter');
            const cur = (await kv.get('n'))?.[0] ?? 0;
            await sleep(2); // widen the window in which another transaction could interleave
            await kv.put('n', new Uint8Array([cur + 1]));
          }),
        ),
      );
      assert.deepEqual(await store.kv('counter').get('n'), new Uint8Array([n]));
    }));

  test('transaction: of concurrent updates from the same version exactly one wins', () =>
    withStore(backend, async (store) => {
      await store.channels.upsert(channel(1), 0);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) => store.channels.upsert(channel(1, { state: `writer ${i}` }), 1)),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      assert.equal(won.length, 1);
      assert.equal(lost.length, 4);
      for (const o of lost) assert.ok(o.reason instanceof VersionConflictError, String(o.reason));
      const final = await store.channels.get(channel(1).channelId);
      assert.equal(final?.version, 2);
      assert.equal(final?.state, (won[0] as PromiseFulfilledResult<{ state: string }>).value.state);
    }));

  test('close: waits for a running transaction, then refuses new work; data survives a reopen', () =>
    withStore(backend, async (store, db) => {
      let finished = false;
      const running = store.transaction(async (tx) => {
        await sleep(30);
        await tx.channels.upsert(channel(1), 0);
        finished = true;
      });
      await sleep(5);
      await store.close();
      assert.equal(finished, true);
      await running;
      await rejectsWith(store.channels.list(), 'store_closed');
      await rejectsWith(
        store.transaction(async () => 1),
        'store_closed',
      );
      const reopened = await db.open();
      assert.deepEqual(await reopened.migrate(), []);
      assert.equal((await reopened.channels.get(channel(1).channelId))?.version, 1);
    }));
}
