// test/store/backends.ts: fresh, isolated databases for the shared store suite.
// SQLite: a temporary directory per database. PostgreSQL: a random schema per database on the
// server named by KSNODE_TEST_PG_URL (see scripts/ci-postgres.sh), dropped afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { bytesToHex, randomBytes } from '../../src/crypto/index.js';
import type { MigrationPlan } from '../../src/store/migrate.js';
import { POSTGRES_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { openPostgresBackend } from '../../src/store/postgres/store.js';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { openSqliteBackend } from '../../src/store/sqlite/store.js';
import { type Backend, createStore } from '../../src/store/store.js';
import type { Store } from '../../src/store/types.js';

/** One empty database; every `open` connects anew to the same data. */
export interface TestDatabase {
  open(plan?: MigrationPlan): Promise<Store>;
  /** Closes every store opened here and deletes the database. */
  cleanup(): Promise<void>;
}

export interface TestBackend {
  kind: 'sqlite' | 'postgres';
  plan: MigrationPlan;
  /** Several connections (processes) may use one database at once. */
  sharedAccess: boolean;
  fresh(): Promise<TestDatabase>;
}

function tracking(
  openBackend: () => Promise<Backend>,
  plan: MigrationPlan,
  drop: () => Promise<void>,
): TestDatabase {
  const stores: Store[] = [];
  return {
    async open(p = plan) {
      const store = createStore(await openBackend(), p);
      stores.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(stores.map((s) => s.close()));
      await drop();
    },
  };
}

export const sqliteBackend: TestBackend = {
  kind: 'sqlite',
  plan: SQLITE_MIGRATIONS,
  sharedAccess: false,
  async fresh() {
    const dir = await mkdtemp(join(tmpdir(), 'ksnode-store-'));
    return tracking(
      async () => openSqliteBackend({ dataDir: dir }),
      SQLITE_MIGRATIONS,
      () => rm(dir, { recursive: true, force: true }),
    );
  },
};

export function randomSchemaName(): string {
  return `ksnode_test_${bytesToHex(randomBytes(6))}`;
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export function postgresBackend(url: string): TestBackend {
  return {
    kind: 'postgres',
    plan: POSTGRES_MIGRATIONS,
    sharedAccess: true,
    async fresh() {
      const schema = randomSchemaName();
      return tracking(
        () => openPostgresBackend({ connectionString: url, schema, poolSize: 4 }),
        POSTGRES_MIGRATIONS,
        () => dropSchema(url, schema),
      );
    },
  };
}

/**
 * The PostgreSQL URL for tests, or why there is none. In CI a missing URL is an error, so the
 * PostgreSQL half of the suite can never be skipped silently.
 */
export function postgresTestUrl(): { url: string } | { skip: string } | { fail: string } {
  const url = process.env.KSNODE_TEST_PG_URL;
  if (url !== undefined && url !== '') return { url };
  if (process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false')
    return {
      fail: 'KSNODE_TEST_PG_URL is not set in CI: .ci/run must start PostgreSQL (scripts/ci-postgres.sh)',
    };
  return {
    skip:
      'KSNODE_TEST_PG_URL is not set: PostgreSQL store tests skipped. ' +
      'Run `export KSNODE_TEST_PG_URL="$(sudo bash scripts/ci-postgres.sh)"` to include them.',
  };
}
