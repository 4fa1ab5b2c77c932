// src/chain/errors.ts: the two ways talking to a chain backend can go wrong.

/**
 * The backend could not be reached or answered outside its protocol (HTTP 5xx, bad auth, a
 * timeout). The watcher retries on its next poll; callers of one-off requests should too.
 */
export class ChainBackendError extends Error {
  override name = 'ChainBackendError';
  constructor(
    readonly backend: string,
    message: string,
    readonly status?: number,
  ) {
    super(`${backend}: ${message}`);
  }
}

/** Bytes from a backend (a block, a header, a transaction) that do not parse or do not add up. */
export class ChainDataError extends Error {
  override name = 'ChainDataError';
}
