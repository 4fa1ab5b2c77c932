// src/store/errors.ts: the typed failures a Store reports. Callers branch on the class (or `code`),
// never on message text; messages say what went wrong and what to do about it.

export type StoreErrorCode =
  | 'duplicate'
  | 'version_conflict'
  | 'not_found'
  | 'nested_transaction'
  | 'transaction_closed'
  | 'store_closed'
  | 'out_of_range'
  | 'invalid_argument'
  | 'corrupt_row'
  | 'schema_too_new'
  | 'invalid_config'
  /** Another process has the database open (another node on the same data directory). */
  | 'in_use'
  /** The disk failed to confirm a write; the store refuses all later work (restart the node). */
  | 'io_error';

/** Base class of every error the store raises on purpose. */
export class StoreError extends Error {
  override readonly name: string = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A unique key is already taken (an invoice's payment hash, a payment's idempotency key, ...).
 * The transaction stays usable: the insert was skipped, not half-applied.
 */
export class DuplicateError extends StoreError {
  override readonly name = 'DuplicateError';
  constructor(
    /** The table-level entity, e.g. 'invoice'. */
    readonly entity: string,
    /** The unique field that collided, e.g. 'paymentHash'. */
    readonly field: string,
  ) {
    super('duplicate', `${entity} with this ${field} already exists; look it up instead of inserting again`);
  }
}

/**
 * Optimistic concurrency: the row changed since the caller read it (or does not exist yet, or
 * already exists when the caller expected to create it). Re-read, re-apply, retry.
 */
export class VersionConflictError extends StoreError {
  override readonly name = 'VersionConflictError';
  constructor(
    readonly entity: string,
    readonly expectedVersion: number,
    /** The version found in the store; 0 when the row does not exist. */
    readonly actualVersion: number,
  ) {
    super(
      'version_conflict',
      `${entity} is at version ${actualVersion}, not the expected ${expectedVersion}; re-read it and retry`,
    );
  }
}

/** An update addressed a row that does not exist. */
export class NotFoundError extends StoreError {
  override readonly name = 'NotFoundError';
  constructor(
    readonly entity: string,
    key: string,
  ) {
    super('not_found', `${entity} ${key} does not exist`);
  }
}
