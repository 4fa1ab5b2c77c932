// test/store/sqlite.test.ts: the shared store suite on SQLite, plus SQLite's own settings.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { StoreError } from '../../src/store/errors.js';
import { DEFAULT_SQLITE_FILE, openStore } from '../../src/store/index.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { configureConnection, openSqliteBackend } from '../../src/store/sqlite/store.js';
import { createStore } from '../../src/store/store.js';
import { sqliteBackend } from './backends.js';
import { channel } from './fixtures.js';
import { runStoreSuite } from './suite/index.js';

describe('store on SQLite', () => {
  runStoreSuite(sqliteBackend);

  test('sqlite: one file in a (created) data directory; STRICT tables and foreign keys hold', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ksnode-sqlite-'));
    const dir = join(root, 'nested', 'data');
    try {
      const store = await openStore({ kind: 'sqlite', dataDir: dir });
      assert.equal(store.backend, 'sqlite');
      assert.equal(await store.schemaVersion(), 2);
      await store.channels.upsert(channel(1), 0);
      await store.close();
      assert.ok((await stat(join(dir, DEFAULT_SQLITE_FILE))).isFile());

      const raw = new Database(join(dir, DEFAULT_SQLITE_FILE));
      try {
        configureConnection(raw, 1000);
        assert.throws(
          () =>
            raw
              .prepare(
                "INSERT INTO htlcs VALUES (x'00', 'offered', 0, x'00', 1, 1, 's', NULL, NULL, NULL, 0, 0)",
              )
              .run(),
          /FOREIGN KEY/,
        );
        assert.throws(
          () => raw.prepare('UPDATE channels SET local_balance_msat = 1.5').run(),
          /cannot store REAL/,
        );
      } finally {
        raw.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('sqlite: connections run in WAL mode with synchronous=NORMAL, exclusive locking, foreign keys and a busy timeout', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ksnode-sqlite-'));
    const db = new Database(join(root, 'x.sqlite'));
    try {
      configureConnection(db, 1234);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 1); // 1 = NORMAL: flush() syncs
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(db.pragma('busy_timeout', { simple: true }), 1234);
      assert.equal(db.pragma('locking_mode', { simple: true }), 'exclusive');
    } finally {
      db.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  test('sqlite: a second process on the same database cannot use it while the node runs', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ksnode-sqlite-'));
    const store = createStore(openSqliteBackend({ dataDir: root }), SQLITE_MIGRATIONS);
    try {
      await store.migrate();
      await store.channels.upsert(channel(1), 0);
      // Another connection (as another ksnode process on the same data directory would open).
      const other = new Database(join(root, DEFAULT_SQLITE_FILE), { timeout: 50 });
      try {
        assert.throws(() => other.prepare('SELECT count(*) FROM channels').get(), /database is locked/);
      } finally {
        other.close();
      }
      // A second store (a second ksnode on the same data directory) is refused at once.
      assert.throws(
        () => openSqliteBackend({ dataDir: root, busyTimeoutMs: 50 }),
        (e: unknown) => e instanceof StoreError && e.code === 'in_use' && /another ksnode/.test(e.message),
      );
      assert.equal((await store.channels.list()).length, 1, 'the node goes on');
    } finally {
      await store.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  test('sqlite: commits do not sync; flush syncs the WAL once for every commit before it', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ksnode-sqlite-'));
    const syncs: number[] = [];
    const store = createStore(
      openSqliteBackend({ dataDir: root, syncFile: (fd) => void syncs.push(fd) }),
      SQLITE_MIGRATIONS,
    );
    try {
      await store.migrate();
      store.flush();
      assert.equal(syncs.length, 1, 'the migration wrote');
      await store.channels.upsert(channel(1), 0);
      await store.channels.upsert(channel(2), 0);
      assert.equal(syncs.length, 1, 'a commit alone does not sync');
      store.flush();
      assert.equal(syncs.length, 2, 'one sync for both commits');
      store.flush();
      await store.channels.list();
      store.flush();
      assert.equal(syncs.length, 2, 'nothing written since: no sync');
      await store.kv('x').put('k', new Uint8Array([1]));
      await store.close();
      assert.equal(syncs.length, 3, 'close syncs what is pending');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  test('sqlite: a failed sync is fatal: flush and every later transaction fail with io_error', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ksnode-sqlite-'));
    let fail = false;
    const store = createStore(
      openSqliteBackend({
        dataDir: root,
        syncFile: () => {
          if (fail) throw new Error('EIO: i/o error, fdatasync');
        },
      }),
      SQLITE_MIGRATIONS,
    );
    try {
      await store.migrate();
      store.flush();
      await store.channels.upsert(channel(1), 0);
      fail = true;
      assert.throws(
        () => store.flush(),
        (e: unknown) => e instanceof StoreError && e.code === 'io_error',
      );
      fail = false;
      // A second sync could report success for pages the kernel dropped: the store stays failed.
      assert.throws(
        () => store.flush(),
        (e: unknown) => e instanceof StoreError && e.code === 'io_error',
      );
      await assert.rejects(
        store.channels.list(),
        (e: unknown) => e instanceof StoreError && e.code === 'io_error',
      );
    } finally {
      await store.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
