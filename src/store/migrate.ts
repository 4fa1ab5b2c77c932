// src/store/migrate.ts: versioned schema migrations, applied in order inside one transaction.
import { StoreError } from './errors.js';
import { rowReader } from './sql/codec.js';
import type { SqlExecutor } from './sql/executor.js';

export interface Migration {
  /** 1, 2, 3, ... without gaps. */
  version: number;
  name: string;
  statements: readonly string[];
}

export interface MigrationPlan {
  /** Creates `schema_migrations` if missing (dialect-specific DDL). */
  bootstrap: string;
  migrations: readonly Migration[];
}

export async function appliedVersions(db: SqlExecutor): Promise<number[]> {
  const rows = await db.query('SELECT version FROM schema_migrations ORDER BY version');
  return rows.map((row) => rowReader(row, 'schema_migrations').number('version'));
}

/**
 * Applies the migrations not yet recorded. The caller provides the transaction (and, where
 * several processes may migrate at once, a lock), so a failing migration leaves no trace.
 */
export async function applyMigrations(db: SqlExecutor, plan: MigrationPlan, now: number): Promise<number[]> {
  plan.migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration list is out of order at ${m.name}`);
  });
  await db.execute(plan.bootstrap);
  const applied = new Set(await appliedVersions(db));
  const latest = plan.migrations.length;
  const newest = Math.max(0, ...applied);
  if (newest > latest)
    throw new StoreError(
      'schema_too_new',
      `the database schema is at version ${newest} but this ksnode knows only up to ${latest}; upgrade ksnode`,
    );
  const done: number[] = [];
  for (const m of plan.migrations) {
    if (applied.has(m.version)) continue;
    for (const statement of m.statements) await db.execute(statement);
    await db.execute('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
      m.version,
      m.name,
      now,
    ]);
    done.push(m.version);
  }
  return done;
}
