// src/store/postgres/executor.ts: SqlExecutor over one checked-out pg client.
import type { PoolClient } from 'pg';
import type { SqlExecutor, SqlRow, SqlValue } from '../sql/executor.js';

const converted = new Map<string, string>();

/** `?` -> `$1, $2, ...`, skipping quoted literals and identifiers. */
export function toPostgresPlaceholders(sql: string): string {
  const cached = converted.get(sql);
  if (cached !== undefined) return cached;
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      n += 1;
      out += `$${n}`;
    } else {
      out += ch;
    }
  }
  converted.set(sql, out);
  return out;
}

function toParam(v: SqlValue): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return v;
}

export class PostgresExecutor implements SqlExecutor {
  readonly dialect = 'postgres';

  constructor(private readonly client: PoolClient) {}

  async query(sql: string, params: readonly SqlValue[] = []): Promise<SqlRow[]> {
    const result = await this.client.query(toPostgresPlaceholders(sql), params.map(toParam));
    return result.rows as SqlRow[];
  }

  async execute(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const result = await this.client.query(toPostgresPlaceholders(sql), params.map(toParam));
    return result.rowCount ?? 0;
  }
}
