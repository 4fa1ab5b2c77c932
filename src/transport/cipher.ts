// src/transport/cipher.ts: BOLT 8 "Lightning Message Specification" and "Lightning Message Key
// Rotation": one direction's cipher state, frame encryption, and an incremental frame decoder.
import { decryptWithAd, encryptWithAd, hkdf2, MAC_BYTES } from './aead.js';
import { ByteQueue } from './byte-queue.js';

/** BOLT 8: "The *maximum* size of _any_ Lightning message MUST NOT exceed `65535` bytes." */
export const MAX_MESSAGE_LENGTH = 65535;
/** The encrypted 2-byte length prefix plus its MAC. */
export const LENGTH_PREFIX_BYTES = 2 + MAC_BYTES;
/** Largest frame on the wire: 2 + 16 + 65535 + 16. */
export const MAX_FRAME_BYTES = LENGTH_PREFIX_BYTES + MAX_MESSAGE_LENGTH + MAC_BYTES;
/** A key is rotated when its nonce reaches this value. */
export const KEY_ROTATION_INTERVAL = 1000;

const EMPTY = new Uint8Array(0);

/**
 * One direction of an established session: the key (`sk` or `rk`), its nonce, and the chaining key
 * (`sck` or `rck`) it is rotated with. Mutable: every encryption or decryption advances the nonce.
 */
export class CipherState {
  #key: Uint8Array;
  #chainingKey: Uint8Array;
  #nonce = 0;

  constructor(key: Uint8Array, chainingKey: Uint8Array) {
    if (key.length !== 32 || chainingKey.length !== 32) {
      throw new RangeError('CipherState: expected a 32-byte key and a 32-byte chaining key');
    }
    this.#key = Uint8Array.from(key);
    this.#chainingKey = Uint8Array.from(chainingKey);
  }

  /** The current key (a copy). */
  get key(): Uint8Array {
    return Uint8Array.from(this.#key);
  }

  /** The current chaining key (a copy). */
  get chainingKey(): Uint8Array {
    return Uint8Array.from(this.#chainingKey);
  }

  /** The nonce the next operation will use. */
  get nonce(): number {
    return this.#nonce;
  }

  /** Encrypts with an empty AD, then advances the nonce (rotating the key when due). */
  encrypt(plaintext: Uint8Array): Uint8Array {
    const sealed = encryptWithAd(this.#key, this.#nonce, EMPTY, plaintext);
    this.#advance();
    return sealed;
  }

  /**
   * Decrypts with an empty AD and advances the nonce. Returns undefined, leaving the state
   * unchanged, when the MAC does not verify: the session is then unusable and must be dropped.
   */
  decrypt(ciphertext: Uint8Array): Uint8Array | undefined {
    const plaintext = decryptWithAd(this.#key, this.#nonce, EMPTY, ciphertext);
    if (plaintext !== undefined) this.#advance();
    return plaintext;
  }

  #advance(): void {
    this.#nonce += 1;
    // BOLT 8: "is to be rotated after a party encrypts or decrypts 1000 times with it (i.e. every 500 messages)."
    if (this.#nonce === KEY_ROTATION_INTERVAL) {
      // BOLT 8: "`ck', k' = HKDF(ck, k)`"
      const [chainingKey, key] = hkdf2(this.#chainingKey, this.#key);
      this.#chainingKey = chainingKey;
      this.#key = key;
      this.#nonce = 0;
    }
  }
}

/**
 * Encrypts one Lightning message into its wire frame `lc || c`: the 2-byte big-endian length
 * and the message, each sealed with its own nonce. Throws a RangeError for a message longer than
 * 65535 bytes: producing one is a bug in the caller, not a condition of the network.
 */
export function encryptMessage(sending: CipherState, message: Uint8Array): Uint8Array {
  if (message.length > MAX_MESSAGE_LENGTH) {
    throw new RangeError(
      `encryptMessage: a Lightning message is at most ${MAX_MESSAGE_LENGTH} bytes, got ${message.length}`,
    );
  }
  const length = new Uint8Array([message.length >> 8, message.length & 0xff]);
  // BOLT 8: "The nonce `sn` MUST be incremented after this step." (CipherState does, after each seal.)
  const lc = sending.encrypt(length);
  const c = sending.encrypt(message);
  const frame = new Uint8Array(lc.length + c.length);
  frame.set(lc, 0);
  frame.set(c, lc.length);
  return frame;
}

/** Why a received byte stream cannot be decrypted; every one of these ends the connection. */
export type FrameFailure = 'bad_length_tag' | 'bad_message_tag' | 'message_too_large';

export interface FrameError {
  failure: FrameFailure;
  message: string;
}

/** What one `push` produced: whole messages, in order, and possibly the error that stopped decoding. */
export interface DecodeResult {
  messages: Uint8Array[];
  /** Set once the stream is corrupt; messages before the corruption are still returned. */
  error: FrameError | undefined;
}

export interface MessageDecoderOptions {
  /** Refuse messages longer than this (at most, and by default, 65535). */
  maxMessageLength?: number;
}

/**
 * Incremental decryption of the receiving half of a session. Bytes arrive in arbitrary chunks;
 * each `push` returns the messages completed so far. After an error the decoder is poisoned:
 * every later `push` returns the same error and no messages.
 */
export class MessageDecoder {
  readonly #receiving: CipherState;
  readonly #maxMessageLength: number;
  readonly #queue = new ByteQueue();
  #pendingLength: number | undefined; // length of the body we are waiting for, once lc is decrypted
  #error: FrameError | undefined;

  constructor(receiving: CipherState, options: MessageDecoderOptions = {}) {
    const max = options.maxMessageLength ?? MAX_MESSAGE_LENGTH;
    if (!Number.isInteger(max) || max < 0 || max > MAX_MESSAGE_LENGTH) {
      throw new RangeError(
        `MessageDecoder: expected 0 <= maxMessageLength <= ${MAX_MESSAGE_LENGTH}, got ${max}`,
      );
    }
    this.#receiving = receiving;
    this.#maxMessageLength = max;
  }

  /** Bytes received but not yet part of a returned message. */
  get bufferedBytes(): number {
    return this.#queue.length;
  }

  /** The error that poisoned the decoder, if any. */
  get error(): FrameError | undefined {
    return this.#error;
  }

  /** Feeds received bytes (the chunk must not be mutated afterwards); returns completed messages. */
  push(chunk: Uint8Array): DecodeResult {
    const messages: Uint8Array[] = [];
    if (this.#error !== undefined) return { messages, error: this.#error };
    this.#queue.push(chunk);
    for (;;) {
      if (this.#pendingLength === undefined) {
        // BOLT 8: "Read _exactly_ 18 bytes from the network buffer."
        if (this.#queue.length < LENGTH_PREFIX_BYTES) break;
        const lc = this.#queue.take(LENGTH_PREFIX_BYTES);
        const l = this.#receiving.decrypt(lc);
        if (l === undefined)
          return this.#fail(messages, 'bad_length_tag', 'the MAC of a length prefix does not verify');
        const length = (l[0]! << 8) | l[1]!;
        if (length > this.#maxMessageLength) {
          return this.#fail(
            messages,
            'message_too_large',
            `a ${length}-byte message exceeds the limit of ${this.#maxMessageLength} bytes`,
          );
        }
        this.#pendingLength = length;
      }
      // BOLT 8: "Read _exactly_ `l+16` bytes from the network buffer, and let the bytes be"
      const bodyBytes = this.#pendingLength + MAC_BYTES;
      if (this.#queue.length < bodyBytes) break;
      const m = this.#receiving.decrypt(this.#queue.take(bodyBytes));
      if (m === undefined)
        return this.#fail(messages, 'bad_message_tag', 'the MAC of a message does not verify');
      this.#pendingLength = undefined;
      messages.push(m);
    }
    return { messages, error: undefined };
  }

  #fail(messages: Uint8Array[], failure: FrameFailure, message: string): DecodeResult {
    this.#error = { failure, message };
    return { messages, error: this.#error };
  }
}
