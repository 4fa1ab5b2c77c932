// src/store/postgres/store.ts: PostgreSQL through a pg Pool, for deployments that outgrow one
// machine. Each transaction gets its own client and runs SERIALIZABLE, so it behaves as if it ran
// alone, exactly as on SQLite; the database's conflict reports are answered by running it again.
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { StoreError } from '../errors.js';
import type { SqlExecutor } from '../sql/executor.js';
import { type Backend, createStore } from '../store.js';
import type { Store } from '../types.js';
import { PostgresExecutor } from './executor.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';

export interface PostgresStoreOptions {
  /** e.g. postgres://user:password@127.0.0.1:5432/ksnode */
  connectionString: string;
  /** A schema of its own (created when missing), e.g. one per node or per test run. */
  schema?: string;
  /** Connections in the pool; defaults to 10. */
  poolSize?: number;
  /** How many times a transaction runs before a serialization conflict is reported; defaults to 10. */
  maxAttempts?: number;
  /** Errors of idle pooled connections (the pool replaces them); ignored by default. */
  onPoolError?: (error: Error) => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
// serialization_failure, deadlock_detected: the transaction lost a race and may simply run again.
const RETRYABLE = new Set(['40001', '40P01']);

function isRetryable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && RETRYABLE.has(String((e as { code?: unknown }).code));
}

/** Connects (creating the schema if asked for one); call `migrate()` before use. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  return createStore(await openPostgresBackend(options), POSTGRES_MIGRATIONS);
}

/** The pool alone, without the schema plan (tests pair it with other plans). */
export async function openPostgresBackend(options: PostgresStoreOptions): Promise<Backend> {
  const schema = options.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema))
    throw new StoreError('invalid_config', `schema: expected a lower-case SQL identifier, got '${schema}'`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  pool.on('error', options.onPoolError ?? (() => undefined));
  const backend = postgresBackend(pool, schema ?? 'public', options.maxAttempts ?? 10);
  try {
    if (schema !== undefined)
      await backend.migrationTransaction(async (db) => {
        await db.execute(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      });
  } catch (e) {
    await pool.end();
    throw e;
  }
  return backend;
}

function postgresBackend(pool: pg.Pool, schema: string, maxAttempts: number): Backend {
  const run = async <T>(
    isolation: 'SERIALIZABLE' | 'READ COMMITTED',
    fn: (db: SqlExecutor) => Promise<T>,
    prelude?: (db: SqlExecutor) => Promise<void>,
  ): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
        const db = new PostgresExecutor(client);
        await prelude?.(db);
        const result = await fn(db);
        await client.query('COMMIT');
        return result;
      } catch (e) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true; // the connection is gone; let the pool drop it
        }
        if (!isRetryable(e) || attempt >= maxAttempts) throw e;
      } finally {
        client.release(broken);
      }
      await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt)); // jitter breaks lock-step retries
    }
  };
  return {
    kind: 'postgres',
    transaction: (fn) => run('SERIALIZABLE', fn),
    // READ COMMITTED: after waiting for the lock, each statement sees what the other migrator committed.
    migrationTransaction: (fn) =>
      run('READ COMMITTED', fn, async (db) => {
        await db.query('SELECT pg_advisory_xact_lock(hashtext(?)) AS locked', [`ksnode:migrate:${schema}`]);
      }),
    // A PostgreSQL COMMIT returns once the server made it durable (synchronous_commit).
    flush: () => {},
    close: () => pool.end(),
  };
}
