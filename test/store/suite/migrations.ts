// test/store/suite/migrations.ts: versioned, idempotent, transactional schema upgrades.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MigrationPlan } from '../../../src/store/migrate.js';
import type { TestBackend } from '../backends.js';
import { channel, forward, htlc, invoice, payment } from '../fixtures.js';
import { rejectsWith } from './harness.js';

function upTo(plan: MigrationPlan, version: number): MigrationPlan {
  return { ...plan, migrations: plan.migrations.slice(0, version) };
}

function plus(plan: MigrationPlan, ...statements: string[]): MigrationPlan {
  const version = plan.migrations.length + 1;
  return { ...plan, migrations: [...plan.migrations, { version, name: `test ${version}`, statements }] };
}

export function migrationCases(backend: TestBackend): void {
  test('migrations: a version 1 database with data upgrades to the latest', async () => {
    const db = await backend.fresh();
    try {
      const v1 = await db.open(upTo(backend.plan, 1));
      assert.equal(await v1.schemaVersion(), 0);
      assert.deepEqual(await v1.migrate(), [1]);
      assert.equal(await v1.schemaVersion(), 1);
      await v1.transaction(async (tx) => {
        await tx.channels.upsert(channel(1), 0);
        await tx.htlcs.upsert(htlc(1, 0n));
        await tx.payments.create(payment(1));
        await tx.invoices.insert(invoice(1));
      });
      // Version 1 has no forwards table yet.
      await assert.rejects(v1.forwards.list());
      await v1.close();

      const latest = await db.open();
      assert.deepEqual(await latest.migrate(), [2]);
      assert.equal(await latest.schemaVersion(), 2);
      assert.deepEqual(await latest.migrate(), []);
      assert.equal((await latest.channels.get(channel(1).channelId))?.version, 1);
      assert.equal((await latest.htlcs.listByChannel(channel(1).channelId)).length, 1);
      assert.equal((await latest.payments.getByHash(payment(1).paymentHash))?.id, 1);
      assert.equal((await latest.invoices.insert(invoice(2))).addIndex, 2);
      assert.equal((await latest.forwards.create(forward(1))).id, 1);
    } finally {
      await db.cleanup();
    }
  });

  test('migrations: a failing migration leaves no trace; a newer schema is refused', async () => {
    const db = await backend.fresh();
    try {
      // One program after another on the same database, each closed before the next opens (a
      // SQLite store keeps its database to itself while open).
      const store = await db.open();
      await store.migrate();
      await store.close();
      const broken = await db.open(plus(backend.plan, 'CREATE TABLE extra (x INTEGER)', 'THIS IS NOT SQL'));
      await assert.rejects(broken.migrate());
      assert.equal(await broken.schemaVersion(), 2);
      await broken.close();
      // The first statement was rolled back too: creating the table again succeeds.
      const fixed = await db.open(plus(backend.plan, 'CREATE TABLE extra (x INTEGER)'));
      assert.deepEqual(await fixed.migrate(), [3]);
      await fixed.close();
      const old = await db.open();
      await rejectsWith(old.migrate(), 'schema_too_new');
      assert.equal(await old.schemaVersion(), 3);
    } finally {
      await db.cleanup();
    }
  });

  if (backend.sharedAccess)
    test('migrations: processes migrating at once apply each version exactly once', async () => {
      const db = await backend.fresh();
      try {
        const stores = await Promise.all([db.open(), db.open(), db.open()]);
        const applied = await Promise.all(stores.map((s) => s.migrate()));
        assert.deepEqual(applied.flat().sort(), [1, 2]);
      } finally {
        await db.cleanup();
      }
    });
}
