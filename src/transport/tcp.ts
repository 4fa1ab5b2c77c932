// src/transport/tcp.ts: the thin shell around the sans-IO handshake: node:net sockets, the
// handshake timeout, fresh ephemeral keys. Once the handshake completes, NoiseConnection takes over.
import { EventEmitter } from 'node:events';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { isPrivateKey, publicKeyCreate, randomBytes } from '../crypto/index.js';
import { ByteQueue } from './byte-queue.js';
import { type ConnectionLimits, NoiseConnection } from './connection.js';
import { TransportError } from './errors.js';
import {
  expectedActLength,
  type HandshakeState,
  isCompressedPublicKey,
  receiveAct,
  startInitiator,
  startResponder,
} from './handshake.js';

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_PENDING_HANDSHAKES = 128;

export interface ConnectOptions {
  host: string;
  port: number;
  /** Our node's static private key. */
  localPrivateKey: Uint8Array;
  /** The node id (33-byte compressed public key) we expect to reach at host:port. */
  remoteNodeId: Uint8Array;
  /** Time allowed for the TCP connection and all three acts (default 10 s). */
  handshakeTimeoutMs?: number;
  limits?: ConnectionLimits;
}

export interface ListenOptions {
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Port to bind; 0 lets the operating system choose (read it back from `NoiseServer.port`). */
  port: number;
  localPrivateKey: Uint8Array;
  /** Time an inbound connection has to complete the handshake (default 10 s). */
  handshakeTimeoutMs?: number;
  /** Inbound connections still in the handshake beyond this are dropped at once (default 128). */
  maxPendingHandshakes?: number;
  limits?: ConnectionLimits;
}

export interface NoiseServerEvents {
  /** A peer completed the handshake; its node id is authenticated. */
  connection: [connection: NoiseConnection];
  /** An inbound connection failed before it was established (for logs; nothing to do). */
  handshakeError: [error: TransportError, remote: { address: string; port: number }];
  /** The listening socket itself failed. */
  serverError: [error: Error];
}

/** BOLT 8: "new ephemeral key with strong cryptographic randomness." */
function generateEphemeralKey(): Uint8Array {
  for (;;) {
    const key = randomBytes(32);
    if (isPrivateKey(key)) return key;
  }
}

function invalid(message: string): TransportError {
  return new TransportError('invalid_argument', message);
}

function checkCommon(options: {
  port: number;
  localPrivateKey: Uint8Array;
  handshakeTimeoutMs?: number | undefined;
}): TransportError | undefined {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    return invalid(`port must be an integer in 0..65535, got ${options.port}`);
  }
  if (!isPrivateKey(options.localPrivateKey)) {
    return invalid('localPrivateKey must be a valid 32-byte secp256k1 private key');
  }
  const timeout = options.handshakeTimeoutMs;
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout > 0)) {
    return invalid(`handshakeTimeoutMs must be a positive number, got ${timeout}`);
  }
  return undefined;
}

/**
 * Runs the handshake on `socket` (reading exactly each act's size, writing replies) and calls
 * `done` once with the established connection or the error. On failure the socket is destroyed
 * without sending anything more. Returns a function that aborts the handshake.
 */
function driveHandshake(
  socket: Socket,
  start: HandshakeState,
  params: { initiator: boolean; timeoutMs: number; limits: ConnectionLimits },
  done: (result: NoiseConnection | TransportError) => void,
): (error: TransportError) => void {
  const queue = new ByteQueue();
  let state = start;
  let settled = false;
  let connected = !params.initiator; // an accepted socket is connected already

  const onData = (chunk: Uint8Array): void => {
    queue.push(chunk);
    while (!settled && queue.length >= expectedActLength(state)) {
      const step = receiveAct(state, queue.take(expectedActLength(state)));
      if (step.kind === 'failed') {
        const act = step.error.act;
        fail(
          new TransportError('handshake_failed', `handshake act ${act} failed: ${step.error.message}`, {
            handshake: step.error,
          }),
        );
        return;
      }
      if (step.reply !== undefined) socket.write(step.reply);
      if (step.kind === 'continue') {
        state = step.state;
        continue;
      }
      settle();
      // Synchronously, so that no 'data' event can fall between the two listeners.
      const connection = new NoiseConnection({
        socket,
        initiator: params.initiator,
        remoteNodeId: step.remoteNodeId,
        sending: step.sending,
        receiving: step.receiving,
        leftover: queue.takeAll(),
        limits: params.limits,
      });
      done(connection);
    }
  };
  const onConnect = (): void => {
    connected = true;
  };
  const onError = (e: Error): void => {
    const code = connected ? 'socket_error' : 'connect_failed';
    fail(
      new TransportError(code, `${connected ? 'socket error' : 'cannot connect'}: ${e.message}`, {
        cause: e,
      }),
    );
  };
  const onClose = (): void => {
    fail(new TransportError('connection_closed', 'the peer closed the connection during the handshake'));
  };
  const timer = setTimeout(() => {
    fail(
      new TransportError('handshake_timeout', `the handshake did not complete within ${params.timeoutMs} ms`),
    );
  }, params.timeoutMs);

  function settle(): void {
    settled = true;
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('connect', onConnect);
    socket.off('error', onError);
    socket.off('close', onClose);
  }
  function fail(error: TransportError): void {
    if (settled) return;
    settle();
    // BOLT 8: "responder MUST terminate the connection without any further messages."
    socket.on('error', () => {}); // destroyed: nothing more to report
    socket.destroy();
    done(error);
  }

  socket.on('data', onData);
  socket.on('connect', onConnect);
  socket.on('error', onError);
  socket.on('close', onClose);
  return fail;
}

/**
 * Opens a TCP connection to `host:port` and runs the BOLT 8 handshake as initiator, expecting the
 * peer to hold `remoteNodeId`. Resolves with the established connection; rejects with a
 * TransportError ('invalid_argument', 'connect_failed', 'handshake_timeout', 'handshake_failed',
 * 'connection_closed' or 'socket_error').
 */
export function connect(options: ConnectOptions): Promise<NoiseConnection> {
  const problem =
    checkCommon(options) ??
    (isCompressedPublicKey(options.remoteNodeId)
      ? undefined
      : invalid('remoteNodeId must be a valid 33-byte compressed public key'));
  if (problem !== undefined) return Promise.reject(problem);
  const { state, actOne } = startInitiator({
    localPrivateKey: options.localPrivateKey,
    remoteNodeId: options.remoteNodeId,
    ephemeralPrivateKey: generateEphemeralKey(),
  });
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: options.host, port: options.port, noDelay: true });
    socket.once('connect', () => socket.write(actOne));
    driveHandshake(
      socket,
      state,
      {
        initiator: true,
        timeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
        limits: options.limits ?? {},
      },
      (result) => (result instanceof TransportError ? reject(result) : resolve(result)),
    );
  });
}

/**
 * A listening socket that runs the BOLT 8 handshake as responder on every inbound connection and
 * emits 'connection' for those that complete it. Made by `listen`.
 */
export class NoiseServer extends EventEmitter<NoiseServerEvents> {
  /** Our node id, which initiators must know in advance. */
  readonly localNodeId: Uint8Array;
  readonly host: string;
  /** The bound port (the one the operating system chose when asked for port 0). */
  readonly port: number;
  readonly #server: Server;
  readonly #pending: Map<Socket, (error: TransportError) => void>;

  /** @internal Use `listen`. */
  constructor(
    server: Server,
    localNodeId: Uint8Array,
    pending: Map<Socket, (error: TransportError) => void>,
  ) {
    super();
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('NoiseServer: not a TCP server');
    this.#server = server;
    this.#pending = pending;
    this.localNodeId = localNodeId;
    this.host = address.address;
    this.port = address.port;
    server.on('error', (e) => this.emit('serverError', e));
  }

  /** Inbound connections still in the handshake. */
  get pendingHandshakes(): number {
    return this.#pending.size;
  }

  /**
   * Stops accepting connections and aborts those still in the handshake. Established connections
   * belong to their consumer and stay open: close them yourself.
   */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#server.listening) {
        resolve();
        return;
      }
      this.#server.close();
      for (const abort of [...this.#pending.values()]) {
        abort(new TransportError('connection_closed', 'the server is closing'));
      }
      // The listening handle is closed now; 'close' itself waits for every accepted socket.
      setImmediate(resolve);
    });
  }
}

/**
 * Binds `host:port` and accepts BOLT 8 connections as responder. Resolves once listening;
 * rejects with a TransportError ('invalid_argument', or 'socket_error' if the bind fails).
 */
export function listen(options: ListenOptions): Promise<NoiseServer> {
  const problem = checkCommon(options);
  if (problem !== undefined) return Promise.reject(problem);
  const maxPending = options.maxPendingHandshakes ?? DEFAULT_MAX_PENDING_HANDSHAKES;
  const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const limits = options.limits ?? {};
  const localPrivateKey = Uint8Array.from(options.localPrivateKey);
  const pending = new Map<Socket, (error: TransportError) => void>();
  let noiseServer: NoiseServer | undefined;

  const server = createServer({ noDelay: true }, (socket) => {
    const remote = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    if (noiseServer === undefined || pending.size >= maxPending) {
      socket.on('error', () => {});
      socket.destroy();
      return;
    }
    const owner = noiseServer;
    const state = startResponder({ localPrivateKey, ephemeralPrivateKey: generateEphemeralKey() });
    const abort = driveHandshake(socket, state, { initiator: false, timeoutMs, limits }, (result) => {
      pending.delete(socket);
      if (result instanceof TransportError) owner.emit('handshakeError', result, remote);
      // Nobody to hand it to: do not leave an authenticated but unserved connection open.
      else if (owner.listenerCount('connection') === 0) result.close();
      else owner.emit('connection', result);
    });
    pending.set(socket, abort);
  });

  return new Promise((resolve, reject) => {
    const onListenError = (e: Error): void => {
      reject(
        new TransportError('socket_error', `cannot listen on ${options.host}:${options.port}: ${e.message}`, {
          cause: e,
        }),
      );
    };
    server.once('error', onListenError);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', onListenError);
      noiseServer = new NoiseServer(server, publicKeyCreate(localPrivateKey), pending);
      resolve(noiseServer);
    });
  });
}
