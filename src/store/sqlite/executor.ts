// src/store/sqlite/executor.ts: SqlExecutor over a better-sqlite3 connection.
import type Database from 'better-sqlite3';
import type { SqlExecutor, SqlRow, SqlValue } from '../sql/executor.js';

type Param = string | number | bigint | Buffer | null;

function toParam(v: SqlValue): Param {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return v;
}

export class SqliteExecutor implements SqlExecutor {
  readonly dialect = 'sqlite';
  private readonly statements = new Map<string, Database.Statement>();
  /** Set when a statement that may write ran; the backend clears it at BEGIN. */
  wrote = false;

  constructor(private readonly db: Database.Database) {}

  private prepare(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (st === undefined) {
      st = this.db.prepare(sql);
      // Integers come back as bigint, so no amount is ever rounded through a double.
      if (st.reader) st.safeIntegers(true);
      this.statements.set(sql, st);
    }
    if (!st.readonly) this.wrote = true;
    return st;
  }

  async query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    return this.prepare(sql).all(...params.map(toParam)) as SqlRow[];
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const st = this.prepare(sql);
    if (st.reader) return st.all(...params.map(toParam)).length;
    return st.run(...params.map(toParam)).changes;
  }
}
