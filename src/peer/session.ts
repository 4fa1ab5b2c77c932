// src/peer/session.ts: one connection's BOLT 1 conversation as a pure state machine: the `init`
// exchange, ping/pong liveness, `error`/`warning`, unknown types, rate limits. It takes received
// message bytes and the time, and returns what to send, what to tell the node and whether to
// disconnect. Channel (32-255) and routing (256-511) messages are handed to the node untouched.
import { equalBytes } from '../crypto/index.js';
import {
  addressDescriptors,
  DecodeError,
  decode,
  decodeMessage,
  encode,
  type Features,
  initFeatures,
  missingDependencies,
  type NodeAddress,
  type UnknownMessage,
  unknownRequiredFeatures,
  type WireMessage,
} from '../wire/index.js';
import { type DisconnectCode, type DisconnectReason, disconnectReason } from './errors.js';
import { type MessageGroup, messageGroup } from './message-class.js';
import { type RateLimit, RatePolicer } from './rate-limit.js';
import { errorData, printableErrorText } from './text.js';

type Init = Extract<WireMessage, { kind: 'init' }>;
type Ping = Extract<WireMessage, { kind: 'ping' }>;
type Pong = Extract<WireMessage, { kind: 'pong' }>;
type ErrorOrWarning = Extract<WireMessage, { kind: 'error' | 'warning' }>;

/** The messages the session answers itself; every other known message goes to the node. */
export type SessionMessageKind = 'init' | 'error' | 'warning' | 'ping' | 'pong';

/** A message for the node's channel, gossip or other handlers. */
export type DispatchedMessage = Exclude<WireMessage, { kind: SessionMessageKind }>;

/** BOLT 1: a `ping` with `num_pong_bytes` of at least this gets no `pong`. */
export const PONG_BYTES_IGNORE_THRESHOLD = 65532;

const ALL_CHANNELS = new Uint8Array(32);

export interface SessionTiming {
  /** A peer that has not sent `init` this long after the connection is dropped. */
  readonly initTimeoutMs: number;
  /** We send a `ping` this often. */
  readonly pingIntervalMs: number;
  /** A peer that sends nothing at all for this long after our `ping` is dropped. */
  readonly pongTimeoutMs: number;
}

/**
 * Ping every 30 s, give up after 30 s of silence: lnd pings every minute and CLN about as often,
 * LDK every 10 s; each of them answers within milliseconds unless the link is gone.
 */
export const DEFAULT_SESSION_TIMING: SessionTiming = Object.freeze({
  initTimeoutMs: 30_000,
  pingIntervalMs: 30_000,
  pongTimeoutMs: 30_000,
});

/**
 * Inbound message rate: each message costs one token (routing messages `routingCost`). A node
 * answering an initial gossip sync may send tens of thousands of gossip messages in a burst, so
 * gossip is cheap here; the gossip layer applies its own limits to what it verifies.
 */
export const DEFAULT_MESSAGE_RATE: RateLimit = Object.freeze({
  burst: 10_000,
  perSecond: 1_000,
  grace: 10_000,
});

/** Pings: each one we answer costs up to 64 KiB of pong; 1 a second with a burst of 20 is plenty. */
export const DEFAULT_PING_RATE: RateLimit = Object.freeze({ burst: 20, perSecond: 1, grace: 20 });

/** What a routing message (types 256-511) costs against the message rate. */
export const DEFAULT_ROUTING_COST = 0.1;

export interface SessionOptions {
  /** Our `init` features: what we require and support (unknown even bits of the peer's are checked against it). */
  readonly localFeatures: Features;
  /** The chain we serve; sent in `networks` and required in the peer's `networks` if it sends one. */
  readonly chainHash: Uint8Array;
  /** BOLT 1 `remote_addr`: where the peer connected from, for an inbound connection from a public IP. */
  readonly remoteAddr?: NodeAddress | undefined;
  readonly timing?: Partial<SessionTiming>;
  readonly messageRate?: RateLimit;
  readonly pingRate?: RateLimit;
  readonly routingCost?: number;
  /** `num_pong_bytes` of our pings (default 0); our pings carry no padding. */
  readonly pingPongBytes?: number;
}

export type SessionEvent =
  /** The `init` exchange is complete: the peer may be used. */
  | {
      readonly kind: 'ready';
      /** The peer's features: `globalfeatures` OR `features`. */
      readonly remoteFeatures: Features;
      /** The peer's `networks`, if it sent them. */
      readonly networks: readonly Uint8Array[] | undefined;
      /** How the peer sees our address (`remote_addr`), if it said. */
      readonly remoteAddr: readonly NodeAddress[] | undefined;
    }
  /** A channel, routing or other message for the node. */
  | { readonly kind: 'message'; readonly message: DispatchedMessage; readonly group: MessageGroup }
  /**
   * An `error`. With `allChannels` (an all-zero `channel_id`) every channel with the peer must be
   * failed; otherwise the channel layer fails that channel if it has it and ignores it if not.
   */
  | {
      readonly kind: 'error';
      readonly channelId: Uint8Array;
      readonly allChannels: boolean;
      readonly data: Uint8Array;
      /** `data` safe to log (see `printableErrorText`). */
      readonly text: string;
    }
  /** A `warning`: log it; nothing else is required. */
  | {
      readonly kind: 'warning';
      readonly channelId: Uint8Array;
      readonly data: Uint8Array;
      readonly text: string;
    }
  /** An unknown odd message type, ignored. */
  | { readonly kind: 'ignored'; readonly type: number }
  /** A `pong` answered our `ping` after `rttMs`. */
  | { readonly kind: 'pong'; readonly rttMs: number }
  /** The peer went past its rate and was sent a warning. */
  | { readonly kind: 'rate_warning'; readonly limit: 'messages' | 'pings' };

/** One step's output; the shell sends `outbound` in order, then disconnects if asked. */
export interface SessionStep {
  readonly outbound: readonly WireMessage[];
  readonly events: readonly SessionEvent[];
  readonly disconnect: DisconnectReason | undefined;
}

export type SessionState = 'awaiting_init' | 'active' | 'closed';

const EMPTY_STEP: SessionStep = Object.freeze({ outbound: [], events: [], disconnect: undefined });

function checkNonNegative(name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${v}`);
}

/**
 * The state of one connection. Deterministic: the same inputs at the same times give the same
 * outputs. After a step that disconnects, every further input gives an empty step.
 */
export class PeerSession {
  readonly #options: SessionOptions;
  readonly #timing: SessionTiming;
  readonly #routingCost: number;
  readonly #pingPongBytes: number;
  readonly #messageRate: RatePolicer;
  readonly #pingRate: RatePolicer;
  #state: SessionState = 'awaiting_init';
  #remoteFeatures: Features | undefined;
  readonly #startedAt: number;
  #lastReceivedAt: number;
  #lastPingSentAt: number;
  #pingOutstanding = false;
  #pingSent = false;
  #initReceived = false;

  constructor(options: SessionOptions, now: number) {
    if (options.chainHash.length !== 32) {
      throw new RangeError(`chainHash must be 32 bytes, got ${options.chainHash.length}`);
    }
    this.#options = options;
    this.#timing = { ...DEFAULT_SESSION_TIMING, ...options.timing };
    for (const [k, v] of Object.entries(this.#timing)) checkNonNegative(`timing.${k}`, v);
    this.#routingCost = options.routingCost ?? DEFAULT_ROUTING_COST;
    checkNonNegative('routingCost', this.#routingCost);
    this.#pingPongBytes = options.pingPongBytes ?? 0;
    if (!Number.isInteger(this.#pingPongBytes) || this.#pingPongBytes < 0 || this.#pingPongBytes >= 65532) {
      throw new RangeError(`pingPongBytes must be an integer in 0..65531, got ${this.#pingPongBytes}`);
    }
    this.#messageRate = new RatePolicer(options.messageRate ?? DEFAULT_MESSAGE_RATE, now);
    this.#pingRate = new RatePolicer(options.pingRate ?? DEFAULT_PING_RATE, now);
    this.#startedAt = now;
    this.#lastReceivedAt = now;
    this.#lastPingSentAt = now;
  }

  get state(): SessionState {
    return this.#state;
  }

  /** The peer's features once its `init` has arrived. */
  get remoteFeatures(): Features | undefined {
    return this.#remoteFeatures;
  }

  /** True while we owe nothing but may send: the `init` exchange is complete. */
  get isActive(): boolean {
    return this.#state === 'active';
  }

  /**
   * Our `init`, to send as soon as the connection is established.
   * BOLT 1: "MUST send `init` as the first Lightning message for any connection."
   */
  initMessage(): Init {
    const tlvs: NonNullable<Init['tlvs']> = {
      // BOLT 1: "SHOULD set `networks` to all chains it will gossip or open channels for."
      networks: [Uint8Array.from(this.#options.chainHash)],
    };
    if (this.#options.remoteAddr !== undefined) {
      tlvs.remoteAddr = encode(addressDescriptors, [this.#options.remoteAddr]);
    }
    return {
      kind: 'init',
      // BOLT 1: "SHOULD NOT set features greater than 13 in `globalfeatures`." We set none there.
      globalfeatures: new Uint8Array(0),
      features: this.#options.localFeatures.toBytes(),
      tlvs,
    };
  }

  /** Handles one received message (the bytes the transport decrypted). */
  receive(bytes: Uint8Array, now: number): SessionStep {
    if (this.#state === 'closed') return EMPTY_STEP;
    this.#lastReceivedAt = Math.max(this.#lastReceivedAt, now);
    const out = new StepBuilder();

    // Rate first, from the type alone: decoding is the work a flood would make us do.
    const type = bytes.length >= 2 ? ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0) : -1;
    const group = type < 0 ? 'setup' : messageGroup(type);
    const verdict = this.#messageRate.admit(group === 'routing' ? this.#routingCost : 1, now);
    if (verdict === 'over') {
      return this.#close(out, 'rate_limited', 'the peer kept sending messages faster than its rate limit');
    }
    if (verdict === 'warn' && this.#state === 'active') {
      out.send(warningMessage(ALL_CHANNELS, 'too many messages: slow down or be disconnected'));
      out.event({ kind: 'rate_warning', limit: 'messages' });
    }

    const decoded = decodeMessage(bytes);
    if (!decoded.ok) {
      // BOLT 1: "upon receiving a known message with insufficient length for the contents: MUST
      // close the connection." The same goes for any other malformed message or extension.
      return this.#close(
        out,
        'malformed_message',
        `cannot decode message type ${type}: ${decoded.error.message}`,
      );
    }
    const msg = decoded.value;

    if (this.#state === 'awaiting_init') {
      if (msg.kind !== 'init') {
        // BOLT 1: "MUST send `init` as the first Lightning message for any connection."
        return this.#close(
          out,
          'first_message_not_init',
          `the first message was ${describeKind(msg)}, not init`,
        );
      }
      return this.#receiveInit(msg, now, out);
    }

    switch (msg.kind) {
      case 'init':
        return this.#close(out, 'duplicate_init', 'a second init on the same connection');
      case 'ping':
        return this.#receivePing(msg, now, out);
      case 'pong':
        return this.#receivePong(msg, now, out);
      case 'error':
        return this.#receiveError(msg, out);
      case 'warning':
        // BOLT 1, upon receiving `warning`: "SHOULD log the message for later diagnosis."
        out.event({
          kind: 'warning',
          channelId: msg.channelId,
          data: msg.data,
          text: printableErrorText(msg.data),
        });
        return out.done();
      case 'unknown':
        return this.#receiveUnknown(msg, out);
      default:
        out.event({ kind: 'message', message: msg, group });
        return out.done();
    }
  }

  /** Timers: the `init` deadline, our pings and their deadline. Call it every second or so. */
  tick(now: number): SessionStep {
    if (this.#state === 'closed') return EMPTY_STEP;
    const out = new StepBuilder();
    if (this.#state === 'awaiting_init') {
      if (now - this.#startedAt >= this.#timing.initTimeoutMs) {
        return this.#close(out, 'init_timeout', `no init within ${this.#timing.initTimeoutMs} ms`);
      }
      return EMPTY_STEP;
    }
    const silent = this.#lastReceivedAt <= this.#lastPingSentAt;
    if (this.#pingOutstanding && silent && now - this.#lastPingSentAt >= this.#timing.pongTimeoutMs) {
      // BOLT 1, a node sending a `ping`: "if it doesn't receive a corresponding `pong`: MAY close
      // the network connection, and MUST NOT fail the channels in this case."
      return this.#close(
        out,
        'ping_timeout',
        `no message at all within ${this.#timing.pongTimeoutMs} ms of our ping`,
        false,
      );
    }
    // While a ping waits on a silent peer its deadline stands. A peer that keeps talking but never
    // answers is alive: the next interval's ping re-arms the deadline.
    const waiting = this.#pingOutstanding && silent;
    if (!waiting && now - this.#lastPingSentAt >= this.#timing.pingIntervalMs) {
      // BOLT 1: "SHOULD set `ignored` to 0s."
      const ping: Ping = { kind: 'ping', numPongBytes: this.#pingPongBytes, ignored: new Uint8Array(0) };
      out.send(ping);
      this.#lastPingSentAt = now;
      this.#pingOutstanding = true;
      this.#pingSent = true;
    }
    return out.done();
  }

  /** Ends the session from outside (the shell closed the connection): later inputs do nothing. */
  close(): void {
    this.#state = 'closed';
  }

  #receiveInit(msg: Init, now: number, out: StepBuilder): SessionStep {
    // BOLT 1: "MUST combine (bitwise OR) the two feature bitmaps into one logical `features` map."
    this.#initReceived = true;
    const theirs = initFeatures(msg);
    const unknown = unknownRequiredFeatures(theirs, this.#options.localFeatures);
    if (unknown.length > 0) {
      // BOLT 1: "upon receiving unknown _even_ feature bits that are non-zero: MUST close the
      // connection."
      return this.#close(
        out,
        'unknown_required_features',
        `the peer requires features we lack: bits ${unknown.join(', ')}`,
      );
    }
    const missing = missingDependencies(theirs);
    if (missing.length > 0) {
      // BOLT 1: "if the feature vector does not set all known, transitive dependencies: MUST
      // close the connection."
      const list = missing.map((m) => `${m.feature.name} needs ${m.missing.name}`).join('; ');
      return this.#close(
        out,
        'missing_feature_dependencies',
        `the peer's features lack dependencies: ${list}`,
      );
    }
    const networks = msg.tlvs?.networks;
    if (networks !== undefined && !networks.some((c) => equalBytes(c, this.#options.chainHash))) {
      // BOLT 1: "upon receiving `networks` containing no common chains MAY close the connection."
      // We do: gossip and channels on another chain are of no use to either side.
      return this.#close(out, 'no_common_network', 'the peer is not interested in our chain (networks)');
    }
    const rawAddr = msg.tlvs?.remoteAddr;
    this.#state = 'active';
    this.#remoteFeatures = theirs;
    this.#lastPingSentAt = now; // first ping one interval from now
    out.event({
      kind: 'ready',
      remoteFeatures: theirs,
      networks,
      remoteAddr: rawAddr === undefined ? undefined : decodeAddresses(rawAddr),
    });
    return out.done();
  }

  #receivePing(msg: Ping, now: number, out: StepBuilder): SessionStep {
    const verdict = this.#pingRate.admit(1, now);
    if (verdict === 'over')
      return this.#close(out, 'ping_flood', 'the peer kept sending pings faster than allowed');
    if (verdict === 'warn') {
      out.send(warningMessage(ALL_CHANNELS, 'too many pings: slow down or be disconnected'));
      out.event({ kind: 'rate_warning', limit: 'pings' });
    }
    // BOLT 1: "if `num_pong_bytes` is less than 65532: MUST respond by sending a `pong` message,
    // with `byteslen` equal to `num_pong_bytes`." ... "otherwise (`num_pong_bytes` is **not** less
    // than 65532): MUST ignore the `ping`."
    if (msg.numPongBytes < PONG_BYTES_IGNORE_THRESHOLD) {
      // BOLT 1, a node sending a `pong`: "SHOULD set `ignored` to 0s."
      const pong: Pong = { kind: 'pong', ignored: new Uint8Array(msg.numPongBytes) };
      out.send(pong);
    }
    return out.done();
  }

  #receivePong(msg: Pong, now: number, out: StepBuilder): SessionStep {
    if (!this.#pingSent) return out.done(); // not an answer to anything: harmless, ignored
    if (msg.ignored.length !== this.#pingPongBytes) {
      // BOLT 1: "if `byteslen` does not correspond to any `ping`'s `num_pong_bytes` value it has
      // sent: MAY close the connection."
      return this.#close(
        out,
        'unexpected_pong',
        `pong of ${msg.ignored.length} bytes, our pings asked for ${this.#pingPongBytes}`,
      );
    }
    if (this.#pingOutstanding) {
      this.#pingOutstanding = false;
      out.event({ kind: 'pong', rttMs: Math.max(0, now - this.#lastPingSentAt) });
    }
    return out.done();
  }

  #receiveError(msg: ErrorOrWarning, out: StepBuilder): SessionStep {
    // BOLT 1: "The channel is referred to by `channel_id`, unless `channel_id` is 0 (i.e. all bytes
    // are 0), in which case it refers to all channels."
    const allChannels = equalBytes(msg.channelId, ALL_CHANNELS);
    const text = printableErrorText(msg.data);
    out.event({ kind: 'error', channelId: msg.channelId, allChannels, data: msg.data, text });
    if (allChannels) {
      // BOLT 1: "if `channel_id` is all zero: MUST fail all channels with the sending node."
      // Nothing is left to talk about on this connection; the node fails the channels on the event.
      this.#state = 'closed';
      out.disconnectWith(
        disconnectReason('remote_error', `the peer sent an error for all channels: ${text}`),
      );
    }
    return out.done();
  }

  #receiveUnknown(msg: UnknownMessage, out: StepBuilder): SessionStep {
    if (msg.type % 2 === 1) {
      // BOLT 1: "upon receiving a message of _odd_, unknown type: MUST ignore the received message."
      out.event({ kind: 'ignored', type: msg.type });
      return out.done();
    }
    // BOLT 1: "upon receiving a message of _even_, unknown type: MUST close the connection."
    return this.#close(out, 'unknown_even_message', `unknown even message type ${msg.type}`);
  }

  /**
   * Closes the session. Once the peer's `init` has arrived we may talk, so a `warning` tells it
   * why (not an `error`, which would make it fail our channels).
   */
  #close(out: StepBuilder, code: DisconnectCode, message: string, warn = true): SessionStep {
    // BOLT 1: "MUST wait to receive `init` before sending any other messages."
    if (warn && this.#initReceived) out.send(warningMessage(ALL_CHANNELS, message));
    this.#state = 'closed';
    out.disconnectWith(disconnectReason(code, message));
    return out.done();
  }
}

function describeKind(msg: WireMessage | UnknownMessage): string {
  return msg.kind === 'unknown' ? `unknown type ${msg.type}` : msg.kind;
}

function decodeAddresses(raw: Uint8Array): NodeAddress[] | undefined {
  try {
    return decode(addressDescriptors, raw);
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}

/** A `warning` with plain text (see `errorData`). */
export function warningMessage(
  channelId: Uint8Array,
  text: string,
): Extract<WireMessage, { kind: 'warning' }> {
  return { kind: 'warning', channelId: Uint8Array.from(channelId), data: errorData(text) };
}

/** An `error` with plain text; an all-zero `channelId` refers to every channel with the peer. */
export function errorMessage(channelId: Uint8Array, text: string): Extract<WireMessage, { kind: 'error' }> {
  return { kind: 'error', channelId: Uint8Array.from(channelId), data: errorData(text) };
}

class StepBuilder {
  readonly outbound: WireMessage[] = [];
  readonly events: SessionEvent[] = [];
  disconnect: DisconnectReason | undefined;

  send(m: WireMessage): void {
    this.outbound.push(m);
  }
  event(e: SessionEvent): void {
    this.events.push(e);
  }
  disconnectWith(r: DisconnectReason): void {
    this.disconnect = r;
  }
  done(): SessionStep {
    return { outbound: this.outbound, events: this.events, disconnect: this.disconnect };
  }
}
