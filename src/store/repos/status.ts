// src/store/repos/status.ts: checks a status argument against its allowed values.
import { StoreError } from '../errors.js';

export function oneOf<T extends string>(value: T, allowed: readonly T[], field: string): T {
  if (!allowed.includes(value))
    throw new StoreError(
      'invalid_argument',
      `${field}: expected one of ${allowed.join('|')}, got ${String(value)}`,
    );
  return value;
}
