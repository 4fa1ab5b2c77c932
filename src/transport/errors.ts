// src/transport/errors.ts: the one error type the TCP adapter surfaces, with a code to switch on.
import type { FrameError } from './cipher.js';
import type { HandshakeError } from './handshake.js';

/**
 * - `invalid_argument`: a bad key, node id, port or timeout given by the caller.
 * - `connect_failed`: the TCP connection could not be made (refused, unreachable, ...).
 * - `handshake_timeout`: the handshake did not complete in time.
 * - `handshake_failed`: the peer sent an invalid act (see `handshake`).
 * - `connection_closed`: the peer closed the connection before the handshake completed.
 * - `bad_frame`: an established session received bytes that do not decrypt (see `frame`).
 * - `socket_error`: the operating system reported an error on an established connection.
 * - `message_too_large`: `send` was given more than 65535 bytes (a bug of the caller).
 */
export type TransportErrorCode =
  | 'invalid_argument'
  | 'connect_failed'
  | 'handshake_timeout'
  | 'handshake_failed'
  | 'connection_closed'
  | 'bad_frame'
  | 'socket_error'
  | 'message_too_large';

export class TransportError extends Error {
  override name = 'TransportError';
  readonly code: TransportErrorCode;
  /** Set when `code` is 'handshake_failed'. */
  readonly handshake: HandshakeError | undefined;
  /** Set when `code` is 'bad_frame'. */
  readonly frame: FrameError | undefined;

  constructor(
    code: TransportErrorCode,
    message: string,
    detail: { handshake?: HandshakeError; frame?: FrameError; cause?: unknown } = {},
  ) {
    super(message, detail.cause === undefined ? undefined : { cause: detail.cause });
    this.code = code;
    this.handshake = detail.handshake;
    this.frame = detail.frame;
  }
}
