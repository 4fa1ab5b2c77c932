// src/store/sql/patch.ts: builds `SET a = ?, b = ?` for partial updates, where a field left
// undefined keeps its stored value and an explicit null clears it.
import type { SqlValue } from './executor.js';

export class SetClause {
  private readonly columns: string[] = [];
  readonly params: SqlValue[] = [];

  set(column: string, value: SqlValue): this {
    this.columns.push(`${column} = ?`);
    this.params.push(value);
    return this;
  }

  /** Sets the column only when `value` is not undefined; null is stored as NULL. */
  maybe<T>(column: string, value: T | null | undefined, encode: (v: T) => SqlValue): this {
    if (value === undefined) return this;
    return this.set(column, value === null ? null : encode(value));
  }

  toString(): string {
    return this.columns.join(', ');
  }
}
