// ksnode/transport: BOLT 8 encrypted and authenticated transport.
//
// Two layers:
// - sans-IO (pure, deterministic, randomness passed in): `startInitiator` / `startResponder` and
//   `receiveAct` run the three-act Noise_XK handshake and yield two `CipherState`s; `encryptMessage`
//   frames a message, `MessageDecoder` turns arbitrary chunks of a byte stream back into messages;
//   every failure of untrusted input is a typed value (`HandshakeError`, `FrameError`).
// - shell (node:net): `connect` and `listen` run the handshake on TCP with a timeout and hand over a
//   `NoiseConnection` (`send`, 'message' / `messages()`, 'drain', 'close', `closed`). Failures are
//   `TransportError`s with a `code`; a connection that receives an undecryptable frame is dropped.
//
//   const server = await listen({ port: 9735, localPrivateKey });
//   server.on('connection', (conn) => conn.on('message', (m) => handle(conn.remoteNodeId, m)));
//   const conn = await connect({ host, port, localPrivateKey, remoteNodeId });
//   if (conn.send(initMessage) === 'buffer_full') await once(conn, 'drain');

export { decryptWithAd, encodeNonce, encryptWithAd, hkdf2, MAC_BYTES } from './aead.js';
export {
  CipherState,
  type DecodeResult,
  encryptMessage,
  type FrameError,
  type FrameFailure,
  KEY_ROTATION_INTERVAL,
  LENGTH_PREFIX_BYTES,
  MAX_FRAME_BYTES,
  MAX_MESSAGE_LENGTH,
  MessageDecoder,
  type MessageDecoderOptions,
} from './cipher.js';
export type {
  CloseReason,
  ConnectionLimits,
  NoiseConnection,
  NoiseConnectionEvents,
  SendStatus,
} from './connection.js';
export { TransportError, type TransportErrorCode } from './errors.js';
export {
  ACT_ONE_BYTES,
  ACT_THREE_BYTES,
  ACT_TWO_BYTES,
  expectedActLength,
  type HandshakeComplete,
  type HandshakeError,
  type HandshakeFailure,
  type HandshakeState,
  type HandshakeStep,
  type InitiatorOptions,
  type ResponderOptions,
  receiveAct,
  startInitiator,
  startResponder,
} from './handshake.js';
export {
  type ConnectOptions,
  connect,
  type ListenOptions,
  listen,
  type NoiseServer,
  type NoiseServerEvents,
} from './tcp.js';
