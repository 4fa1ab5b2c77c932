// src/transport/connection.ts: an established BOLT 8 session over a stream socket. Encrypts what
// is sent, decrypts what arrives, drops the connection on the first undecryptable byte, and
// passes flow control through in both directions.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { type CipherState, encryptMessage, MAX_MESSAGE_LENGTH, MessageDecoder } from './cipher.js';
import { TransportError } from './errors.js';

/**
 * What `send` did with a message:
 * - `ok`: queued for the socket, whose buffer is below its high-water mark;
 * - `buffer_full`: queued, but the socket buffer is above its high-water mark: stop sending until
 *   the connection emits 'drain' (the peer layer decides how much more to queue, if any);
 * - `closed`: not sent, the connection is closing or closed.
 */
export type SendStatus = 'ok' | 'buffer_full' | 'closed';

/** Why a connection ended: closed by us, by the peer, or dropped on an error. */
export type CloseReason = { kind: 'local' } | { kind: 'remote' } | { kind: 'error'; error: TransportError };

export interface NoiseConnectionEvents {
  /** One decrypted Lightning message, in order. */
  message: [message: Uint8Array];
  /** The socket buffer has emptied after `send` returned 'buffer_full'. */
  drain: [];
  /** Emitted once, when the socket has closed. */
  close: [reason: CloseReason];
}

/** Receive-side limits of a connection. */
export interface ConnectionLimits {
  /** Drop the connection when the peer announces a longer message (default and maximum 65535). */
  maxMessageLength?: number;
  /**
   * Stop reading from the socket while this many decrypted messages wait for a consumer
   * (default 1024); reading resumes once they are consumed, so TCP pushes back on the peer.
   */
  maxBufferedMessages?: number;
}

export interface NoiseConnectionInit {
  socket: Socket;
  initiator: boolean;
  remoteNodeId: Uint8Array;
  sending: CipherState;
  receiving: CipherState;
  /** Bytes that arrived with the last handshake act and already belong to the session. */
  leftover: Uint8Array;
  limits: ConnectionLimits;
}

const DEFAULT_MAX_BUFFERED_MESSAGES = 1024;
const CLOSE_FLUSH_TIMEOUT_MS = 5000;

/**
 * An encrypted, authenticated connection to a peer whose node id is known. Made by `connect` and
 * `listen`; not constructed directly.
 *
 * Messages are delivered either to 'message' listeners or through `messages()` (use one of the
 * two). Messages that arrive before a consumer exists are kept, up to `maxBufferedMessages`, after
 * which reading pauses.
 */
export class NoiseConnection extends EventEmitter<NoiseConnectionEvents> {
  /** The peer's static public key (33 bytes, compressed), authenticated by the handshake. */
  readonly remoteNodeId: Uint8Array;
  /** True if we opened the connection. */
  readonly initiator: boolean;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Resolves (never rejects) with the reason once the connection has closed. */
  readonly closed: Promise<CloseReason>;

  readonly #socket: Socket;
  readonly #sending: CipherState;
  readonly #decoder: MessageDecoder;
  readonly #maxBufferedMessages: number;
  readonly #inbox: Uint8Array[] = [];
  #waiter: ((message: Uint8Array | undefined) => void) | undefined;
  #pausedForInbox = false;
  #held = false;
  #reason: CloseReason | undefined; // set when the connection starts closing
  #closedReason: CloseReason | undefined; // set when the socket has closed
  #resolveClosed!: (reason: CloseReason) => void;

  /** @internal Use `connect` or `listen`. */
  constructor(init: NoiseConnectionInit) {
    super();
    this.remoteNodeId = Uint8Array.from(init.remoteNodeId);
    this.initiator = init.initiator;
    this.remoteAddress = init.socket.remoteAddress ?? '';
    this.remotePort = init.socket.remotePort ?? 0;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#socket = init.socket;
    this.#sending = init.sending;
    this.#decoder = new MessageDecoder(
      init.receiving,
      init.limits.maxMessageLength === undefined ? {} : { maxMessageLength: init.limits.maxMessageLength },
    );
    this.#maxBufferedMessages = init.limits.maxBufferedMessages ?? DEFAULT_MAX_BUFFERED_MESSAGES;

    // Messages kept before anyone listened are handed to the first 'message' listener.
    (this as unknown as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event === 'message') queueMicrotask(() => this.#flushToListeners());
    });
    const socket = this.#socket;
    socket.on('data', (chunk: Uint8Array) => this.#receive(chunk));
    socket.on('drain', () => this.emit('drain'));
    socket.on('end', () => this.#startClosing({ kind: 'remote' }));
    socket.on('error', (e: Error) => {
      this.#startClosing({
        kind: 'error',
        error: new TransportError('socket_error', e.message, { cause: e }),
      });
    });
    socket.on('close', () => this.#onSocketClose());
    if (init.leftover.length > 0) this.#receive(init.leftover);
    socket.resume();
  }

  /** True once `close` was called or the connection dropped: `send` then returns 'closed'. */
  get isClosing(): boolean {
    return this.#reason !== undefined;
  }

  /** True while the socket buffer is above its high-water mark (wait for 'drain'). */
  get writableNeedDrain(): boolean {
    return this.#socket.writableNeedDrain;
  }

  /** Bytes queued in the socket and not yet handed to the operating system. */
  get bufferedBytes(): number {
    return this.#socket.writableLength;
  }

  /** Decrypted messages waiting for a consumer. */
  get bufferedMessages(): number {
    return this.#inbox.length;
  }

  /**
   * Encrypts and queues one Lightning message (at most 65535 bytes; a longer one is a bug of the
   * caller and throws a TransportError with code 'message_too_large'). See `SendStatus`.
   */
  send(message: Uint8Array): SendStatus {
    if (message.length > MAX_MESSAGE_LENGTH) {
      throw new TransportError(
        'message_too_large',
        `a Lightning message is at most ${MAX_MESSAGE_LENGTH} bytes, got ${message.length}`,
      );
    }
    if (this.#reason !== undefined || this.#socket.destroyed) return 'closed';
    return this.#socket.write(encryptMessage(this.#sending, message)) ? 'ok' : 'buffer_full';
  }

  /**
   * Keeps what `send` queues from reaching the socket until `release`: a burst of messages then
   * leaves in one write, and the peer layer can make its store durable once for all of them
   * before any leaves. Idempotent. `close` releases what is held (it flushes the queue).
   */
  hold(): void {
    if (this.#held || this.#socket.destroyed) return;
    this.#socket.cork();
    this.#held = true;
  }

  /** Lets the held messages go (one write); see `hold`. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    this.#socket.uncork();
  }

  /** Closes at once; whatever is queued or held is dropped unsent. Idempotent. */
  abort(): void {
    this.#reason ??= { kind: 'local' };
    this.#held = false;
    this.#socket.destroy();
  }

  /** Closes the connection after the queued messages are flushed (or 5 s have passed). Idempotent. */
  close(): void {
    if (this.#reason !== undefined) return;
    this.#held = false;
    this.#reason = { kind: 'local' };
    // A peer that stops reading must not keep the socket alive forever: flush, but only so long.
    const timer = setTimeout(() => this.#socket.destroy(), CLOSE_FLUSH_TIMEOUT_MS);
    timer.unref();
    this.#socket.end(() => {
      clearTimeout(timer);
      this.#socket.destroy();
    });
  }

  /**
   * The received messages as an async iterator (a single consumer). It ends when the connection
   * has closed and every message received before was yielded; the reason is in `closed`.
   */
  messages(): AsyncIterableIterator<Uint8Array> {
    const next = async (): Promise<IteratorResult<Uint8Array>> => {
      const queued = this.#takeFromInbox();
      if (queued !== undefined) return { value: queued, done: false };
      if (this.#closedReason !== undefined || this.#socket.destroyed) return { value: undefined, done: true };
      const message = await new Promise<Uint8Array | undefined>((resolve) => {
        this.#waiter = resolve;
      });
      return message === undefined ? { value: undefined, done: true } : { value: message, done: false };
    };
    const iterator: AsyncIterableIterator<Uint8Array> = {
      next,
      return: async () => ({ value: undefined, done: true }),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  #receive(chunk: Uint8Array): void {
    if (this.#reason?.kind === 'error') return;
    const { messages, error } = this.#decoder.push(chunk);
    for (const message of messages) this.#deliver(message);
    if (error !== undefined) {
      // A frame that does not decrypt means tampering or a broken peer: nothing after it can be
      // trusted, so the connection is dropped at once.
      this.#startClosing({
        kind: 'error',
        error: new TransportError('bad_frame', `dropping the connection: ${error.message}`, { frame: error }),
      });
    }
  }

  #deliver(message: Uint8Array): void {
    if (this.#waiter !== undefined) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter(message);
      return;
    }
    if (this.#inbox.length === 0 && this.listenerCount('message') > 0) {
      this.emit('message', message);
      return;
    }
    this.#inbox.push(message);
    if (this.#inbox.length >= this.#maxBufferedMessages && !this.#pausedForInbox) {
      this.#pausedForInbox = true;
      this.#socket.pause();
    }
  }

  #takeFromInbox(): Uint8Array | undefined {
    const message = this.#inbox.shift();
    if (this.#pausedForInbox && this.#inbox.length < this.#maxBufferedMessages / 2) {
      this.#pausedForInbox = false;
      if (!this.#socket.destroyed) this.#socket.resume();
    }
    return message;
  }

  #flushToListeners(): void {
    while (this.#inbox.length > 0 && this.listenerCount('message') > 0) {
      const message = this.#takeFromInbox();
      if (message !== undefined) this.emit('message', message);
    }
  }

  #startClosing(reason: CloseReason): void {
    // The first cause wins: a reset that follows our own close is not news.
    this.#reason ??= reason;
    if (reason.kind === 'error') this.#socket.destroy();
  }

  #onSocketClose(): void {
    const reason = this.#reason ?? { kind: 'remote' };
    this.#reason = reason;
    this.#closedReason = reason;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.(undefined);
    this.emit('close', reason);
    this.#resolveClosed(reason);
  }
}
