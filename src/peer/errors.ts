// src/peer/errors.ts: why a peer connection ended, as a value to switch on, and the one error type
// `PeerManager.connect` rejects with.

/**
 * - Decided by the session (the pure core), on the peer's behaviour:
 *   `init_timeout`, `first_message_not_init`, `duplicate_init`, `unknown_required_features`,
 *   `missing_feature_dependencies`, `no_common_network`, `malformed_message`,
 *   `unknown_even_message`, `unexpected_pong`, `ping_timeout`, `rate_limited`, `ping_flood`,
 *   `remote_error` (an `error` for all channels).
 * - Decided by the manager (the shell): `local` (we disconnected), `remote_closed`,
 *   `transport_error`, `replaced` (a newer connection to the same peer took over),
 *   `send_queue_full` (the peer did not read what we queued), `too_many_peers`, `shutdown`.
 */
export type DisconnectCode =
  | 'init_timeout'
  | 'first_message_not_init'
  | 'duplicate_init'
  | 'unknown_required_features'
  | 'missing_feature_dependencies'
  | 'no_common_network'
  | 'malformed_message'
  | 'unknown_even_message'
  | 'unexpected_pong'
  | 'ping_timeout'
  | 'rate_limited'
  | 'ping_flood'
  | 'remote_error'
  | 'local'
  | 'remote_closed'
  | 'transport_error'
  | 'replaced'
  | 'send_queue_full'
  | 'too_many_peers'
  | 'shutdown';

/** Why a connection ended: a code to switch on and a sentence for logs. */
export interface DisconnectReason {
  readonly code: DisconnectCode;
  readonly message: string;
}

export function disconnectReason(code: DisconnectCode, message: string): DisconnectReason {
  return Object.freeze({ code, message });
}

/**
 * - `invalid_argument`: a bad node id, host or port given by the caller.
 * - `connect_failed`: TCP or the BOLT 8 handshake failed (`cause` is the TransportError).
 * - `disconnected`: the connection ended before `init` was exchanged (`reason` says why).
 * - `closed`: the manager is closed.
 */
export type PeerErrorCode = 'invalid_argument' | 'connect_failed' | 'disconnected' | 'closed';

export class PeerError extends Error {
  override name = 'PeerError';
  readonly code: PeerErrorCode;
  /** Set when `code` is 'disconnected'. */
  readonly reason: DisconnectReason | undefined;

  constructor(
    code: PeerErrorCode,
    message: string,
    detail: { reason?: DisconnectReason; cause?: unknown } = {},
  ) {
    super(message, detail.cause === undefined ? undefined : { cause: detail.cause });
    this.code = code;
    this.reason = detail.reason;
  }
}
