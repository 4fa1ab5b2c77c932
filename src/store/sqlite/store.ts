// src/store/sqlite/store.ts: the embedded default: one SQLite file in the node's data directory.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import type { SqlExecutor } from '../sql/executor.js';
import { type Backend, createStore } from '../store.js';
import type { Store } from '../types.js';
import { SqliteExecutor } from './executor.js';
import { SQLITE_MIGRATIONS } from './migrations.js';

export interface SqliteStoreOptions {
  /** The node's data directory; created when missing. */
  dataDir: string;
  /** Defaults to 'ksnode.sqlite'. */
  fileName?: string;
  /** How long a write waits for another process's lock; defaults to 5000 ms. */
  busyTimeoutMs?: number;
}

export const DEFAULT_SQLITE_FILE = 'ksnode.sqlite';

/** Opens (creating if needed) the SQLite database; call `migrate()` before use. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  return createStore(openSqliteBackend(options), SQLITE_MIGRATIONS);
}

/** The connection alone, without the schema plan (tests pair it with other plans). */
export function openSqliteBackend(options: SqliteStoreOptions): Backend {
  mkdirSync(options.dataDir, { recursive: true });
  const db = new Database(join(options.dataDir, options.fileName ?? DEFAULT_SQLITE_FILE));
  try {
    configureConnection(db, options.busyTimeoutMs ?? 5000);
  } catch (e) {
    db.close();
    throw e;
  }
  return sqliteBackend(db);
}

/** The settings every connection of the store runs with. */
export function configureConnection(db: Database.Database, busyTimeoutMs: number): void {
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new StoreError('invalid_config', `SQLite refused WAL mode (got ${String(mode)})`);
  // FULL: a commit is on disk before it returns, so an acknowledged payment survives power loss.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
}

function sqliteBackend(db: Database.Database): Backend {
  const executor = new SqliteExecutor(db);
  // One connection, so transactions take turns: each waits for the previous one to finish.
  let tail: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
  const transaction = <T>(fn: (db: SqlExecutor) => Promise<T>): Promise<T> =>
    serialized(async () => {
      // IMMEDIATE takes the write lock up front: no later upgrade can fail with SQLITE_BUSY.
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(executor);
        db.exec('COMMIT');
        return result;
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      }
    });
  return {
    kind: 'sqlite',
    transaction,
    migrationTransaction: transaction,
    close: () => serialized(async () => void db.close()),
  };
}
