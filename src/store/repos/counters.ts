// src/store/repos/counters.ts: gap-free sequences (invoice add/settle indexes).
// A counter row is updated, not a database sequence: the row lock holds concurrent writers until
// commit, so indexes become visible in increasing order and a stream reader never skips one.
import { rowReader } from '../sql/codec.js';
import type { SqlExecutor } from '../sql/executor.js';

export type CounterName = 'invoice_add' | 'invoice_settle';

export async function nextCounter(db: SqlExecutor, name: CounterName): Promise<number> {
  const rows = await db.query('UPDATE store_counters SET value = value + 1 WHERE name = ? RETURNING value', [
    name,
  ]);
  return rowReader(rows[0]!, 'store_counters').number('value');
}
