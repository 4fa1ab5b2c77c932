// test/store/sqlite.test.ts: the shared store suite on SQLite, plus SQLite's own settings.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { DEFAULT_SQLITE_FILE, openStore } from '../../src/store/index.js';
import { configureConnection } from '../../src/store/sqlite/store.js';
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

  test('sqlite: connections run in WAL mode with synchronous=FULL, foreign keys and a busy timeout', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ksnode-sqlite-'));
    const db = new Database(join(root, 'x.sqlite'));
    try {
      configureConnection(db, 1234);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 2); // 2 = FULL
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(db.pragma('busy_timeout', { simple: true }), 1234);
    } finally {
      db.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
