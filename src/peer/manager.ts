// src/peer/manager.ts: the shell around PeerSession: TCP listening and dialling through the BOLT 8
// transport, one connection per peer, timers, limits, and redialling the peers we keep channels
// with. It feeds received bytes and the time into each session and carries out what it returns.
import { EventEmitter } from 'node:events';
import { bytesToHex, equalBytes, isPrivateKey, isPublicKey, publicKeyCreate } from '../crypto/index.js';
import {
  type NoiseConnection,
  type NoiseServer,
  type CloseReason as TransportCloseReason,
  connect as transportConnect,
  listen as transportListen,
} from '../transport/index.js';
import {
  encodeMessage,
  type Features,
  type NodeAddress,
  type UnknownMessage,
  type WireMessage,
} from '../wire/index.js';
import { type BackoffPolicy, backoffDelay, checkBackoffPolicy, DEFAULT_BACKOFF } from './backoff.js';
import { keepNewConnection, type PeerDirection } from './duplicate.js';
import { type DisconnectReason, disconnectReason, PeerError } from './errors.js';
import { OUR_INIT_FEATURES } from './features.js';
import {
  checkManagerSettings,
  DEFAULT_PEER_LIMITS,
  DEFAULT_PEER_TIMING,
  type PeerLimits,
  type PeerManagerOptions,
  type PeerTiming,
} from './options.js';
import { remoteAddrFor } from './remote-addr.js';
import { type DispatchedMessage, PeerSession, type SessionOptions, type SessionStep } from './session.js';

export interface PeerInfo {
  readonly nodeId: Uint8Array;
  readonly direction: PeerDirection;
  /** The remote IP address and port of the connection. */
  readonly host: string;
  readonly port: number;
  /** `active` once `init` was exchanged (only then are `features` known and `send` allowed). */
  readonly state: 'awaiting_init' | 'active';
  readonly features: Features | undefined;
  /** How the peer sees our address (its `remote_addr`), if it said. */
  readonly remoteAddr: readonly NodeAddress[] | undefined;
  readonly connectedAt: number;
  readonly persistent: boolean;
}

export interface PeerManagerEvents {
  /** `init` exchanged: the peer may be used. */
  peerConnected: [nodeId: Uint8Array, features: Features, info: PeerInfo];
  /** A peer that was connected is gone (emitted once per `peerConnected`). */
  peerDisconnected: [nodeId: Uint8Array, reason: DisconnectReason];
  /** A channel, routing or other message for the node. */
  message: [nodeId: Uint8Array, message: DispatchedMessage];
  /**
   * An `error`. `allChannels` (all-zero `channel_id`): fail every channel with the peer, which has
   * been disconnected. Otherwise fail that channel if it is with this peer, and ignore it if there
   * is no such channel.
   */
  errorReceived: [nodeId: Uint8Array, channelId: Uint8Array, text: string, allChannels: boolean];
  /** A `warning`, to log. */
  warningReceived: [nodeId: Uint8Array, channelId: Uint8Array, text: string];
  /** The peer's send queue drained after `send` returned 'buffer_full'. */
  drain: [nodeId: Uint8Array];
  /** A `pong` answered our `ping`. */
  pong: [nodeId: Uint8Array, rttMs: number];
  /** Every connection that ended, connected or not (for logs). */
  connectionClosed: [nodeId: Uint8Array, reason: DisconnectReason, wasConnected: boolean];
  /** A dial failed before a connection existed. */
  connectFailed: [nodeId: Uint8Array, error: PeerError];
  /** A redial of a persistent peer is due in `delayMs` (`attempt` counts from 0). */
  reconnectScheduled: [nodeId: Uint8Array, delayMs: number, attempt: number];
}

/**
 * - `ok`, `buffer_full`: queued (after `buffer_full`, wait for 'drain' before sending more bulk);
 * - `not_connected`: no connection that finished `init`;
 * - `queue_full`: the peer was not reading and has been disconnected.
 */
export type PeerSendResult = 'ok' | 'buffer_full' | 'not_connected' | 'queue_full';

interface Connection {
  readonly key: string;
  readonly nodeId: Uint8Array;
  readonly conn: NoiseConnection;
  readonly session: PeerSession;
  readonly direction: PeerDirection;
  readonly establishedAt: number;
  readyAt: number | undefined;
  remoteAddr: readonly NodeAddress[] | undefined;
  ended: boolean;
}

interface Persistent {
  readonly nodeId: Uint8Array;
  host: string;
  port: number;
  attempt: number;
  timer: NodeJS.Timeout | undefined;
}

interface Waiter {
  resolve: (info: PeerInfo) => void;
  reject: (e: PeerError) => void;
}

function transportReason(reason: TransportCloseReason): DisconnectReason {
  if (reason.kind === 'error') return disconnectReason('transport_error', reason.error.message);
  if (reason.kind === 'remote') return disconnectReason('remote_closed', 'the peer closed the connection');
  return disconnectReason('local', 'closed by us');
}

/**
 * All peer connections of a node. Listens and dials over BOLT 8, runs a PeerSession per
 * connection, keeps one connection per peer, enforces the limits, and redials persistent peers
 * with exponential backoff. Events: see `PeerManagerEvents`.
 *
 *   const peers = new PeerManager({ localPrivateKey, chainHash });
 *   peers.on('message', (nodeId, msg) => channels.handle(nodeId, msg));
 *   await peers.listen('0.0.0.0', 9735);
 *   await peers.connect(nodeId, host, port);
 *   peers.addPersistentPeer(nodeId, host, port); // we have a channel with it: keep it connected
 */
export class PeerManager extends EventEmitter<PeerManagerEvents> {
  readonly localNodeId: Uint8Array;
  readonly #localPrivateKey: Uint8Array;
  readonly #chainHash: Uint8Array;
  readonly #features: Features;
  readonly #timing: PeerTiming;
  readonly #limits: PeerLimits;
  readonly #backoff: BackoffPolicy;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #beforeWrite: (() => void) | undefined;
  /** Connections holding messages written this turn; see `#write`. */
  readonly #held = new Set<Connection>();
  #releaseTimer: NodeJS.Immediate | undefined;
  readonly #connections = new Map<string, Connection>();
  /** Dials in flight; `cancelled` once `disconnect` was called for the peer meanwhile. */
  readonly #dialing = new Map<string, { cancelled: boolean }>();
  readonly #persistent = new Map<string, Persistent>();
  readonly #waiters = new Map<string, Set<Waiter>>();
  readonly #servers: NoiseServer[] = [];
  /** Sockets closing in the background and dials in flight: `close` waits for them. */
  readonly #closing = new Set<Promise<unknown>>();
  readonly #tickTimer: NodeJS.Timeout;
  #closed = false;

  constructor(options: PeerManagerOptions) {
    super();
    if (options.chainHash.length !== 32) throw new RangeError('chainHash must be 32 bytes');
    this.#localPrivateKey = Uint8Array.from(options.localPrivateKey);
    this.localNodeId = publicKeyOf(this.#localPrivateKey);
    this.#chainHash = Uint8Array.from(options.chainHash);
    this.#features = options.features ?? OUR_INIT_FEATURES;
    this.#timing = { ...DEFAULT_PEER_TIMING, ...options.timing };
    this.#limits = { ...DEFAULT_PEER_LIMITS, ...options.limits };
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.reconnect };
    checkBackoffPolicy(this.#backoff);
    checkManagerSettings(this.#timing, this.#limits);
    // A throwaway session checks the session settings now rather than on the first connection.
    new PeerSession(this.#sessionOptions(undefined), 0);
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#beforeWrite = options.beforeWrite;
    this.#tickTimer = setInterval(() => this.#tick(), this.#timing.tickMs);
    this.#tickTimer.unref();
  }

  /** Accepts inbound connections on `host:port` (port 0: the system picks; read it from the result). */
  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    if (this.#closed) throw new PeerError('closed', 'the peer manager is closed');
    const server = await transportListen({
      host,
      port,
      localPrivateKey: this.#localPrivateKey,
      handshakeTimeoutMs: this.#timing.handshakeTimeoutMs,
      maxPendingHandshakes: this.#limits.maxPendingHandshakes,
      limits: { maxMessageLength: this.#limits.maxMessageLength },
    });
    if (this.#closed) {
      await server.close();
      throw new PeerError('closed', 'the peer manager is closed');
    }
    server.on('connection', (conn) => this.#adopt(conn, 'inbound'));
    this.#servers.push(server);
    return { host: server.host, port: server.port };
  }

  /**
   * Connects to a peer and resolves once `init` is exchanged (at once if it already is). Rejects
   * with a PeerError: 'connect_failed' (TCP or handshake), 'disconnected' (with the reason, e.g. the
   * peer requires a feature we lack), 'invalid_argument' or 'closed'.
   */
  connect(nodeId: Uint8Array, host: string, port: number): Promise<PeerInfo> {
    if (this.#closed) return Promise.reject(new PeerError('closed', 'the peer manager is closed'));
    if (!isPublicKey(nodeId) || nodeId.length !== 33) {
      return Promise.reject(
        new PeerError('invalid_argument', 'nodeId must be a 33-byte compressed public key'),
      );
    }
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      return Promise.reject(new PeerError('invalid_argument', `port must be in 1..65535, got ${port}`));
    }
    if (equalBytes(nodeId, this.localNodeId)) {
      return Promise.reject(new PeerError('invalid_argument', 'cannot connect to our own node id'));
    }
    const key = bytesToHex(nodeId);
    const current = this.#connections.get(key);
    if (current !== undefined && current.readyAt !== undefined) return Promise.resolve(this.#info(current));
    return new Promise((resolve, reject) => {
      let set = this.#waiters.get(key);
      if (set === undefined) {
        set = new Set();
        this.#waiters.set(key, set);
      }
      set.add({ resolve, reject });
      if (current === undefined && !this.#dialing.has(key))
        this.#dial(key, Uint8Array.from(nodeId), host, port);
    });
  }

  /**
   * Marks a peer as one we keep connected (we have channels with it): it is dialled now if not
   * connected, redialled with backoff whenever the connection drops, and always let in.
   */
  addPersistentPeer(nodeId: Uint8Array, host: string, port: number): void {
    if (this.#closed) return;
    if (!isPublicKey(nodeId) || nodeId.length !== 33) {
      throw new PeerError('invalid_argument', 'nodeId must be a 33-byte compressed public key');
    }
    if (!Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new PeerError('invalid_argument', `port must be in 1..65535, got ${port}`);
    }
    const key = bytesToHex(nodeId);
    const existing = this.#persistent.get(key);
    if (existing !== undefined) {
      existing.host = host;
      existing.port = port;
    } else {
      this.#persistent.set(key, {
        nodeId: Uint8Array.from(nodeId),
        host,
        port,
        attempt: 0,
        timer: undefined,
      });
    }
    if (!this.#connections.has(key) && !this.#dialing.has(key)) {
      this.#dial(key, Uint8Array.from(nodeId), host, port);
    }
  }

  /** Stops keeping a peer connected (the current connection, if any, stays). */
  removePersistentPeer(nodeId: Uint8Array): void {
    const key = bytesToHex(nodeId);
    const p = this.#persistent.get(key);
    if (p === undefined) return;
    if (p.timer !== undefined) clearTimeout(p.timer);
    this.#persistent.delete(key);
  }

  /**
   * Closes the connection to a peer and stops redialling it (it is no longer persistent; add it
   * again to resume). Returns whether there was a connection.
   */
  disconnect(nodeId: Uint8Array): boolean {
    const key = bytesToHex(nodeId);
    this.removePersistentPeer(nodeId);
    const dial = this.#dialing.get(key);
    if (dial !== undefined) dial.cancelled = true;
    const c = this.#connections.get(key);
    const reason = disconnectReason('local', 'disconnected by us');
    if (c !== undefined) this.#end(c, reason);
    this.#rejectWaiters(key, new PeerError('disconnected', 'disconnected by us', { reason }), true);
    return c !== undefined;
  }

  /**
   * Sends a message to a connected peer (after `init`). A peer that leaves more than
   * `maxQueuedBytes` unread is disconnected instead of growing the queue without bound.
   */
  send(nodeId: Uint8Array, message: WireMessage | UnknownMessage): PeerSendResult {
    const c = this.#connections.get(bytesToHex(nodeId));
    if (c === undefined || c.ended || !c.session.isActive) return 'not_connected';
    return this.#write(c, message);
  }

  /** Whether the peer is connected and `init` was exchanged. */
  isConnected(nodeId: Uint8Array): boolean {
    const c = this.#connections.get(bytesToHex(nodeId));
    return c !== undefined && c.readyAt !== undefined;
  }

  /** The current connection to one peer, if any. */
  peer(nodeId: Uint8Array): PeerInfo | undefined {
    const c = this.#connections.get(bytesToHex(nodeId));
    return c === undefined ? undefined : this.#info(c);
  }

  /** Every current connection (one per peer), including those still exchanging `init`. */
  peers(): PeerInfo[] {
    return [...this.#connections.values()].map((c) => this.#info(c));
  }

  /** The node ids we keep connected. */
  persistentPeers(): Uint8Array[] {
    return [...this.#persistent.values()].map((p) => Uint8Array.from(p.nodeId));
  }

  /** Stops listening, redialling and ticking, closes every connection and waits for them to close. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#tickTimer);
    for (const p of this.#persistent.values()) if (p.timer !== undefined) clearTimeout(p.timer);
    this.#persistent.clear();
    const reason = disconnectReason('shutdown', 'the node is shutting down');
    for (const c of [...this.#connections.values()]) this.#end(c, reason);
    for (const key of [...this.#waiters.keys()]) {
      this.#rejectWaiters(key, new PeerError('closed', 'the peer manager is closed'), true);
    }
    await Promise.all(this.#servers.map((s) => s.close()));
    // Dials that complete now are closed on arrival (#adopt) and tracked in turn.
    while (this.#closing.size > 0) await Promise.allSettled([...this.#closing]);
  }

  #dial(key: string, nodeId: Uint8Array, host: string, port: number): void {
    const attempt = { cancelled: false };
    this.#dialing.set(key, attempt);
    const dial = transportConnect({
      host,
      port,
      localPrivateKey: this.#localPrivateKey,
      remoteNodeId: nodeId,
      handshakeTimeoutMs: this.#timing.handshakeTimeoutMs,
      limits: { maxMessageLength: this.#limits.maxMessageLength },
    }).then(
      (conn) => {
        this.#dialing.delete(key);
        if (attempt.cancelled) {
          conn.close();
          this.#track(conn);
          return;
        }
        this.#adopt(conn, 'outbound');
      },
      (e: unknown) => {
        this.#dialing.delete(key);
        if (this.#closed) return;
        const message = e instanceof Error ? e.message : String(e);
        const error = new PeerError('connect_failed', `cannot connect to ${host}:${port}: ${message}`, {
          cause: e,
        });
        this.emit('connectFailed', nodeId, error);
        this.#rejectWaiters(key, error, false);
        this.#scheduleReconnect(key);
      },
    );
    this.#closing.add(dial);
    void dial.finally(() => this.#closing.delete(dial));
  }

  #adopt(conn: NoiseConnection, direction: PeerDirection): void {
    if (this.#closed) {
      conn.close();
      this.#track(conn);
      return;
    }
    const nodeId = conn.remoteNodeId;
    const key = bytesToHex(nodeId);
    const now = this.#now();
    const existing = this.#connections.get(key);
    const refuse = (reason: DisconnectReason): void => {
      conn.close();
      this.#track(conn);
      this.emit('connectionClosed', nodeId, reason, false);
    };
    if (existing === undefined && direction === 'inbound' && !this.#persistent.has(key)) {
      let inbound = 0;
      for (const c of this.#connections.values()) {
        if (c.direction === 'inbound' && !this.#persistent.has(c.key)) inbound++;
      }
      if (inbound >= this.#limits.maxInboundPeers) {
        refuse(disconnectReason('too_many_peers', `already ${inbound} inbound peers`));
        return;
      }
    }
    if (existing !== undefined) {
      const keep = keepNewConnection(
        existing,
        { direction, establishedAt: now },
        this.localNodeId,
        nodeId,
        this.#timing.raceWindowMs,
      );
      if (!keep) {
        refuse(disconnectReason('replaced', 'both sides connected at once; keeping the other connection'));
        return;
      }
      // BOLT 1: "MUST use a single connection per peer"
      this.#end(
        existing,
        disconnectReason('replaced', 'a new connection to the same peer replaced this one'),
      );
    }
    const remoteAddr =
      direction === 'inbound' ? remoteAddrFor(conn.remoteAddress, conn.remotePort) : undefined;
    const session = new PeerSession(this.#sessionOptions(remoteAddr), now);
    const c: Connection = {
      key,
      nodeId,
      conn,
      session,
      direction,
      establishedAt: now,
      readyAt: undefined,
      remoteAddr: undefined,
      ended: false,
    };
    this.#connections.set(key, c);
    conn.on('message', (bytes) => {
      if (!c.ended) this.#apply(c, c.session.receive(bytes, this.#now()));
    });
    conn.on('drain', () => {
      if (!c.ended && c.readyAt !== undefined) this.emit('drain', c.nodeId);
    });
    conn.on('close', (reason) => {
      if (!c.ended) this.#end(c, transportReason(reason));
    });
    this.#write(c, session.initMessage());
  }

  #sessionOptions(remoteAddr: NodeAddress | undefined): SessionOptions {
    return {
      localFeatures: this.#features,
      chainHash: this.#chainHash,
      remoteAddr,
      timing: this.#timing,
      messageRate: this.#limits.messageRate,
      pingRate: this.#limits.pingRate,
      routingCost: this.#limits.routingCost,
    };
  }

  #apply(c: Connection, step: SessionStep): void {
    for (const m of step.outbound) {
      if (c.ended) return;
      this.#write(c, m);
    }
    for (const e of step.events) {
      if (c.ended && e.kind !== 'error') return;
      switch (e.kind) {
        case 'ready':
          this.#onReady(c, e.remoteFeatures, e.remoteAddr);
          break;
        case 'message':
          this.emit('message', c.nodeId, e.message);
          break;
        case 'error':
          this.emit('errorReceived', c.nodeId, e.channelId, e.text, e.allChannels);
          break;
        case 'warning':
          this.emit('warningReceived', c.nodeId, e.channelId, e.text);
          break;
        case 'pong':
          this.emit('pong', c.nodeId, e.rttMs);
          break;
        case 'ignored':
        case 'rate_warning':
          break;
      }
    }
    if (step.disconnect !== undefined && !c.ended) this.#end(c, step.disconnect);
  }

  #onReady(c: Connection, features: Features, remoteAddr: readonly NodeAddress[] | undefined): void {
    c.readyAt = this.#now();
    c.remoteAddr = remoteAddr;
    const p = this.#persistent.get(c.key);
    if (p?.timer !== undefined) {
      clearTimeout(p.timer);
      p.timer = undefined;
    }
    const info = this.#info(c);
    this.emit('peerConnected', c.nodeId, features, info);
    const waiters = this.#waiters.get(c.key);
    this.#waiters.delete(c.key);
    for (const w of waiters ?? []) w.resolve(info);
  }

  /**
   * Messages written in one turn of the event loop are held in their sockets and released
   * together at its end (`#releaseHeld`), after one `beforeWrite` for all of them: one flush of
   * the store and one socket write per peer for a burst (an HTLC's update_add_htlc and
   * commitment_signed, a revoke_and_ack and the commitment_signed after it), where writing each
   * at once flushed before each.
   */
  #write(c: Connection, message: WireMessage | UnknownMessage): PeerSendResult {
    if (!c.ended) {
      c.conn.hold();
      this.#held.add(c);
      this.#releaseTimer ??= setImmediate(() => this.#releaseHeld());
    }
    const status = c.conn.send(encodeMessage(message));
    if (status === 'closed') return 'not_connected';
    if (c.conn.bufferedBytes > this.#limits.maxQueuedBytes) {
      this.#end(
        c,
        disconnectReason(
          'send_queue_full',
          `the peer left ${c.conn.bufferedBytes} bytes unread (limit ${this.#limits.maxQueuedBytes})`,
        ),
      );
      return 'queue_full';
    }
    return status;
  }

  /**
   * Lets every held message go, once `beforeWrite` made the store durable. If it cannot (the store
   * failed), nothing held may leave: those connections are dropped with their messages unsent.
   */
  #releaseHeld(): void {
    if (this.#releaseTimer !== undefined) clearImmediate(this.#releaseTimer);
    this.#releaseTimer = undefined;
    if (this.#held.size === 0) return;
    const held = [...this.#held];
    this.#held.clear();
    try {
      this.#beforeWrite?.();
    } catch (e) {
      for (const c of held) {
        c.conn.abort();
        this.#end(
          c,
          disconnectReason(
            'local',
            `messages to the peer were dropped unsent: the state they announce could not be made durable (${(e as Error).message})`,
          ),
        );
      }
      return;
    }
    for (const c of held) c.conn.release();
  }

  /** Ends a connection at once as far as the node is concerned; the socket closes in the background. */
  #end(c: Connection, reason: DisconnectReason): void {
    if (c.ended) return;
    // What was written before the end (an error, a warning) leaves durably, as any message does.
    if (this.#held.has(c)) {
      this.#releaseHeld();
      // A flush that failed has ended the connection already (its messages dropped unsent).
      if (c.ended) return;
    }
    c.ended = true;
    c.session.close();
    c.conn.close();
    this.#track(c.conn);
    const current = this.#connections.get(c.key) === c;
    if (current) this.#connections.delete(c.key);
    const wasConnected = c.readyAt !== undefined;
    this.emit('connectionClosed', c.nodeId, reason, wasConnected);
    if (wasConnected) this.emit('peerDisconnected', c.nodeId, reason);
    // A replaced connection has a successor that will settle the waiters.
    else if (reason.code !== 'replaced') {
      this.#rejectWaiters(c.key, new PeerError('disconnected', reason.message, { reason }), false);
    }
    const p = this.#persistent.get(c.key);
    if (p !== undefined && c.readyAt !== undefined && this.#now() - c.readyAt >= this.#timing.stableAfterMs) {
      p.attempt = 0;
    }
    if (current && reason.code !== 'replaced') this.#scheduleReconnect(c.key);
  }

  #scheduleReconnect(key: string): void {
    const p = this.#persistent.get(key);
    if (this.#closed || p === undefined || p.timer !== undefined) return;
    if (this.#connections.has(key) || this.#dialing.has(key)) return;
    const attempt = p.attempt;
    const delayMs = backoffDelay(attempt, this.#backoff, this.#random());
    p.attempt = attempt + 1;
    p.timer = setTimeout(() => {
      p.timer = undefined;
      if (this.#closed || this.#persistent.get(key) !== p) return;
      if (this.#connections.has(key) || this.#dialing.has(key)) return;
      this.#dial(key, p.nodeId, p.host, p.port);
    }, delayMs);
    this.emit('reconnectScheduled', p.nodeId, delayMs, attempt);
  }

  /**
   * Rejects the pending `connect` calls for a peer, unless (`force` false) another attempt is
   * still under way: a dial in flight or a connection still exchanging `init`.
   */
  #rejectWaiters(key: string, error: PeerError, force: boolean): void {
    if (!force && (this.#dialing.has(key) || this.#connections.has(key))) return;
    const waiters = this.#waiters.get(key);
    this.#waiters.delete(key);
    for (const w of waiters ?? []) w.reject(error);
  }

  #tick(): void {
    const now = this.#now();
    for (const c of [...this.#connections.values()]) {
      if (!c.ended) this.#apply(c, c.session.tick(now));
    }
  }

  #track(conn: NoiseConnection): void {
    const closed = conn.closed;
    this.#closing.add(closed);
    void closed.then(() => this.#closing.delete(closed));
  }

  #info(c: Connection): PeerInfo {
    return {
      nodeId: Uint8Array.from(c.nodeId),
      direction: c.direction,
      host: c.conn.remoteAddress,
      port: c.conn.remotePort,
      state: c.readyAt === undefined ? 'awaiting_init' : 'active',
      features: c.session.remoteFeatures,
      remoteAddr: c.remoteAddr,
      connectedAt: c.establishedAt,
      persistent: this.#persistent.has(c.key),
    };
  }
}

function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  if (!isPrivateKey(privateKey)) {
    throw new PeerError('invalid_argument', 'localPrivateKey must be a valid 32-byte secp256k1 private key');
  }
  return publicKeyCreate(privateKey);
}
