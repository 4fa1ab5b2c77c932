// src/store/sqlite/store.ts: the embedded default: one SQLite file in the node's data directory.
import { closeSync, fdatasyncSync, mkdirSync, openSync } from 'node:fs';
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

/** Makes what was written to `fd` durable: fdatasync, on the calling thread. */
export type SyncFile = (fd: number) => void;

/** The connection alone, without the schema plan (tests pair it with other plans). */
export function openSqliteBackend(options: SqliteStoreOptions & { syncFile?: SyncFile }): Backend {
  mkdirSync(options.dataDir, { recursive: true });
  const path = join(options.dataDir, options.fileName ?? DEFAULT_SQLITE_FILE);
  const db = new Database(path);
  try {
    configureConnection(db, options.busyTimeoutMs ?? 5000);
  } catch (e) {
    db.close();
    if ((e as { code?: unknown }).code === 'SQLITE_BUSY')
      throw new StoreError(
        'in_use',
        `${path} is in use by another process: is another ksnode running on this data directory?`,
      );
    throw e;
  }
  return sqliteBackend(db, `${path}-wal`, options.syncFile ?? fdatasyncSync);
}

/**
 * The settings every connection of the store runs with. synchronous=NORMAL: in WAL mode a COMMIT
 * then hands its pages to the operating system without syncing them (a process that dies loses
 * nothing; a machine that loses power may lose the last commits), and SQLite still syncs the WAL
 * before every checkpoint. Durability against power loss is `Store.flush`, below.
 */
export function configureConnection(db: Database.Database, busyTimeoutMs: number): void {
  // The node is the database's only user: its one connection keeps the lock from its first
  // transaction on. Each transaction then takes no file locks (about a third of what an empty
  // one costs), the WAL index lives in the process's memory (no -shm file), and a second process
  // opened on the same file by mistake fails (SQLITE_BUSY) instead of racing for channel state.
  // Set before the first access, as SQLite requires for the WAL index to stay in memory.
  db.pragma('locking_mode = EXCLUSIVE');
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new StoreError('invalid_config', `SQLite refused WAL mode (got ${String(mode)})`);
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
}

/**
 * Output commit. With synchronous=FULL every COMMIT synced the WAL: about eight syncs per payment
 * at the sender, most of them followed by another commit before anything left the process. Now
 * commits only write, and `flush` syncs the WAL once for all of them, when the node is about to
 * let something out that depends on them: the peer layer flushes before it writes a message, the
 * API before it answers or streams an event, the chain layer before it broadcasts. So nothing is
 * seen outside before it is on disk, as before, and a burst of commits costs one sync. A power
 * loss can only lose commits nobody outside saw: the WAL replays in order up to its first torn
 * frame, so what survives is a prefix of the commits. If a sync fails, what reached the disk is
 * unknown (and a second fsync may report success for pages that were dropped), so the store
 * refuses all later work: the node stops rather than act on state it may have lost.
 */
function sqliteBackend(db: Database.Database, walPath: string, syncFile: SyncFile): Backend {
  const executor = new SqliteExecutor(db);
  // One connection, so transactions take turns: each waits for the previous one to finish.
  let tail: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
  /** Something was committed since the WAL was last synced. */
  let dirty = false;
  let walFd: number | undefined;
  let failure: StoreError | undefined;
  const flush = (): void => {
    if (failure !== undefined) throw failure;
    if (!dirty) return;
    try {
      walFd ??= openSync(walPath, 'r+');
      syncFile(walFd);
    } catch (e) {
      failure = new StoreError(
        'io_error',
        `could not sync the SQLite WAL to disk (${(e as Error).message}); the store refuses all later work: restart the node once the disk is healthy`,
      );
      throw failure;
    }
    dirty = false;
  };
  const transaction = <T>(fn: (db: SqlExecutor) => Promise<T>): Promise<T> =>
    serialized(async () => {
      if (failure !== undefined) throw failure;
      // IMMEDIATE takes the write lock up front: no later upgrade can fail with SQLITE_BUSY.
      db.exec('BEGIN IMMEDIATE');
      executor.wrote = false;
      try {
        const result = await fn(executor);
        db.exec('COMMIT');
        if (executor.wrote) dirty = true;
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
    flush,
    close: () =>
      serialized(async () => {
        try {
          if (failure === undefined) flush();
        } finally {
          if (walFd !== undefined) closeSync(walFd);
          walFd = undefined;
          db.close();
        }
      }),
  };
}
