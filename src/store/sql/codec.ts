// src/store/sql/codec.ts: checked conversions between ksnode values and SQL columns.
// Both databases hold integers as signed 64-bit, so every bigint is range-checked on the way in
// (a silent wrap would corrupt money), and every row value is type-checked on the way out (the
// drivers return BIGINT as bigint (SQLite) or string (PostgreSQL), BLOB/BYTEA as Buffer).
import { StoreError } from '../errors.js';
import type { SqlRow } from './executor.js';

const INT64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

/** A non-negative amount (msat or sat) or counter stored as a signed 64-bit integer. */
export function int64(value: bigint, field: string): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > INT64_MAX)
    throw new StoreError('out_of_range', `${field}: expected a bigint in 0..2^63-1, got ${String(value)}`);
  return value;
}

/**
 * A 64-bit identifier that may use the full unsigned range (short_channel_id aliases, HTLC ids,
 * TLV types up to 2^64-1): stored as the signed integer with the same 64 bits, so equality and
 * uniqueness hold; values below 2^63 read the same in a SQL console.
 */
export function u64(value: bigint, field: string): bigint {
  if (typeof value !== 'bigint' || value < 0n || value > U64_MAX)
    throw new StoreError('out_of_range', `${field}: expected a bigint in 0..2^64-1, got ${String(value)}`);
  return BigInt.asIntN(64, value);
}

/** A non-negative safe integer (heights, CLTVs, indexes, unix-millisecond timestamps). */
export function uint(value: number, field: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < 0 || value > max)
    throw new StoreError('out_of_range', `${field}: expected an integer in 0..${max}, got ${String(value)}`);
  return value;
}

export function bytes(value: Uint8Array, field: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array))
    throw new StoreError('invalid_argument', `${field}: expected a Uint8Array`);
  if (length !== undefined && value.length !== length)
    throw new StoreError('invalid_argument', `${field}: expected ${length} bytes, got ${value.length}`);
  return value;
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Text both databases store unchanged: PostgreSQL rejects NUL in TEXT, and lone UTF-16 surrogates
 * would be replaced by U+FFFD on the way to UTF-8; refusing both keeps the backends identical.
 */
export function text(value: string, field: string): string {
  if (typeof value !== 'string') throw new StoreError('invalid_argument', `${field}: expected a string`);
  if (value.includes('\0'))
    throw new StoreError('invalid_argument', `${field}: NUL characters are not storable`);
  if (LONE_SURROGATE.test(value))
    throw new StoreError('invalid_argument', `${field}: lone UTF-16 surrogates are not storable`);
  return value;
}

export function optional<T, R>(value: T | null | undefined, encode: (v: T) => R): R | null {
  return value === null || value === undefined ? null : encode(value);
}

/** A page size: an integer in 1..1,000,000, defaulting when absent. */
export function pageLimit(value: number | undefined, fallback = 1000): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > 1_000_000)
    throw new StoreError('out_of_range', `limit: expected an integer in 1..1000000, got ${String(value)}`);
  return value;
}

/** Typed access to one result row; a value of the wrong type means the database is not ours. */
export interface RowReader {
  bytes(col: string): Uint8Array;
  bytesOrNull(col: string): Uint8Array | null;
  bigint(col: string): bigint;
  bigintOrNull(col: string): bigint | null;
  u64(col: string): bigint;
  u64OrNull(col: string): bigint | null;
  number(col: string): number;
  numberOrNull(col: string): number | null;
  text(col: string): string;
  textOrNull(col: string): string | null;
  bool(col: string): boolean;
  oneOf<T extends string>(col: string, allowed: readonly T[]): T;
}

export function rowReader(row: SqlRow, entity: string): RowReader {
  return new Reader(row, entity);
}

/** A class, so that reading a row creates one object, not a closure per accessor. */
class Reader implements RowReader {
  constructor(
    private readonly row: SqlRow,
    private readonly entity: string,
  ) {}

  private corrupt(col: string, want: string): StoreError {
    return new StoreError(
      'corrupt_row',
      `${this.entity}.${col}: expected ${want}, found ${typeof this.row[col]}`,
    );
  }

  private required<T>(col: string, v: T | null, want: string): T {
    if (v === null) throw this.corrupt(col, want);
    return v;
  }

  bigintOrNull(col: string): bigint | null {
    const v = this.row[col];
    if (v === null || v === undefined) return null;
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
    if (typeof v === 'string' && /^-?[0-9]+$/.test(v)) return BigInt(v);
    throw this.corrupt(col, 'an integer');
  }

  bytesOrNull(col: string): Uint8Array | null {
    const v = this.row[col];
    if (v === null || v === undefined) return null;
    // Copy: drivers may hand out views into a shared pool buffer.
    if (v instanceof Uint8Array) return new Uint8Array(v);
    throw this.corrupt(col, 'bytes');
  }

  textOrNull(col: string): string | null {
    const v = this.row[col];
    if (v === null || v === undefined) return null;
    if (typeof v === 'string') return v;
    throw this.corrupt(col, 'text');
  }

  numberOrNull(col: string): number | null {
    const v = this.bigintOrNull(col);
    if (v === null) return null;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
      throw this.corrupt(col, 'a safe integer');
    return Number(v);
  }

  bytes(col: string): Uint8Array {
    return this.required(col, this.bytesOrNull(col), 'bytes');
  }

  bigint(col: string): bigint {
    return this.required(col, this.bigintOrNull(col), 'an integer');
  }

  u64(col: string): bigint {
    return BigInt.asUintN(64, this.required(col, this.bigintOrNull(col), 'an integer'));
  }

  u64OrNull(col: string): bigint | null {
    const v = this.bigintOrNull(col);
    return v === null ? null : BigInt.asUintN(64, v);
  }

  number(col: string): number {
    return this.required(col, this.numberOrNull(col), 'an integer');
  }

  text(col: string): string {
    return this.required(col, this.textOrNull(col), 'text');
  }

  bool(col: string): boolean {
    const v = this.row[col];
    if (typeof v === 'boolean') return v;
    if (v === 0 || v === 0n) return false;
    if (v === 1 || v === 1n) return true;
    throw this.corrupt(col, 'a boolean');
  }

  oneOf<T extends string>(col: string, allowed: readonly T[]): T {
    const v = this.required(col, this.textOrNull(col), 'text');
    if (!(allowed as readonly string[]).includes(v)) throw this.corrupt(col, `one of ${allowed.join('|')}`);
    return v as T;
  }
}
