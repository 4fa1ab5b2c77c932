// test/interop/raw-peer.ts: ksnode's side of a connection at the message level, for interop tests
// that check the wire itself: src/transport carries the bytes, src/wire decodes them, and this
// records every message, answers pings (BOLT 1) unless told not to, and lets a test await a kind.
import type { CloseReason, NoiseConnection } from '../../src/transport/index.js';
import {
  type DecodeError,
  decodeMessage,
  encodeMessage,
  type UnknownMessage,
  type WireMessage,
} from '../../src/wire/index.js';

export type Received = WireMessage | UnknownMessage;
type KindOf<K extends Received['kind']> = Extract<Received, { kind: K }>;

export class RawPeer {
  readonly connection: NoiseConnection;
  /** Every message received, in order. */
  readonly received: Received[] = [];
  /** Messages that did not decode. */
  readonly decodeErrors: DecodeError[] = [];
  /** Pongs we sent in answer to the peer's pings. */
  pongsSent = 0;
  /** Answer pings (turn off to see what the peer does when we do not). */
  answerPings: boolean;
  /** Called with every decoded message once it is recorded (for a peer that acts on messages). */
  onReceived: ((message: Received) => void) | undefined;
  #closeReason: CloseReason | undefined;
  readonly #waiters = new Set<() => void>();

  constructor(connection: NoiseConnection, options: { answerPings?: boolean } = {}) {
    this.connection = connection;
    this.answerPings = options.answerPings ?? true;
    connection.on('message', (bytes) => this.#onMessage(bytes));
    void connection.closed.then((reason) => {
      this.#closeReason = reason;
      this.#notify();
    });
  }

  /** Why the connection closed, once it has. */
  get closeReason(): CloseReason | undefined {
    return this.#closeReason;
  }

  send(message: WireMessage): void {
    const status = this.connection.send(encodeMessage(message));
    if (status === 'closed') throw new Error(`cannot send ${message.kind}: the connection is closed`);
  }

  close(): Promise<CloseReason> {
    this.connection.close();
    return this.connection.closed;
  }

  #onMessage(bytes: Uint8Array): void {
    const r = decodeMessage(bytes);
    if (!r.ok) {
      this.decodeErrors.push(r.error);
      this.#notify();
      return;
    }
    const msg = r.value;
    this.received.push(msg);
    // BOLT 1: "if `num_pong_bytes` is less than 65532: MUST respond by sending a `pong` message"
    if (msg.kind === 'ping' && this.answerPings && msg.numPongBytes < 65532) {
      // A ping can race a close; the test sees the close through closeReason, not a throw here.
      const status = this.connection.send(
        encodeMessage({ kind: 'pong', ignored: new Uint8Array(msg.numPongBytes) }),
      );
      if (status !== 'closed') this.pongsSent++;
    }
    this.onReceived?.(msg);
    this.#notify();
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  /**
   * The first message of `kind` at index >= `from` in `received` (waiting for it if needed).
   * Rejects when the connection closes first or `timeoutMs` passes.
   */
  waitFor<K extends Received['kind']>(kind: K, from = 0, timeoutMs = 10_000): Promise<KindOf<K>> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.received.slice(from).find((m) => m.kind === kind);
        if (found !== undefined) {
          done();
          resolve(found as KindOf<K>);
        } else if (this.#closeReason !== undefined) {
          done();
          reject(new Error(`connection closed (${this.#closeReason.kind}) before a ${kind} arrived`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`no ${kind} within ${timeoutMs} ms; got ${this.received.map((m) => m.kind).join(', ')}`),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Resolves with the close reason once the peer (or anything) has closed the connection. */
  waitClosed(timeoutMs: number): Promise<CloseReason> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`still connected after ${timeoutMs} ms`)), timeoutMs);
      void this.connection.closed.then((reason) => {
        clearTimeout(timer);
        resolve(reason);
      });
    });
  }
}
