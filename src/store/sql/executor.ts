// src/store/sql/executor.ts: the one seam between the shared repositories and a database driver.
// Repositories write SQL once, with `?` placeholders, in the subset both SQLite and PostgreSQL
// accept; each backend adapts placeholders and value types at this edge.

/** A value bound to a placeholder. Booleans become 0/1 on SQLite; bigints must fit a signed 64-bit. */
export type SqlValue = string | number | bigint | boolean | Uint8Array | null;

/** A result row as the driver returns it; decode it with `rowReader` (sql/codec.ts). */
export type SqlRow = Readonly<Record<string, unknown>>;

export type SqlDialect = 'sqlite' | 'postgres';

export interface SqlExecutor {
  readonly dialect: SqlDialect;
  /** Runs one statement and returns its rows (SELECT, or any statement with RETURNING). */
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  /** Runs one statement and returns how many rows it changed. */
  execute(sql: string, params?: readonly SqlValue[]): Promise<number>;
}
