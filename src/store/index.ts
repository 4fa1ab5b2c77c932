// src/store/index.ts: the public face of the store: one transactional interface, two backends.
import { openPostgresStore, type PostgresStoreOptions } from './postgres/store.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/store.js';
import type { Store } from './types.js';

export {
  DuplicateError,
  NotFoundError,
  StoreError,
  type StoreErrorCode,
  VersionConflictError,
} from './errors.js';
export { openPostgresStore, type PostgresStoreOptions } from './postgres/store.js';
export { DEFAULT_SQLITE_FILE, openSqliteStore, type SqliteStoreOptions } from './sqlite/store.js';
export * from './types.js';

export type StoreConfig =
  | ({ kind: 'sqlite' } & SqliteStoreOptions)
  | ({ kind: 'postgres' } & PostgresStoreOptions);

/**
 * Opens the configured backend and brings its schema up to date: SQLite in the data directory
 * (the default), or PostgreSQL.
 */
export async function openStore(config: StoreConfig): Promise<Store> {
  const store = config.kind === 'sqlite' ? await openSqliteStore(config) : await openPostgresStore(config);
  try {
    await store.migrate();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
