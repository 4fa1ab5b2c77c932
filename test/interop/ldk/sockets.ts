// test/interop/ldk/sockets.ts: LDK's PeerManager on real node:net sockets. Implements the
// SocketDescriptor contract, flow control included:
// - send_data may take fewer bytes than offered (socket full); LDK then waits for
//   write_buffer_space_avail, which we call once the socket drains, and until then we must not
//   call read_event for that peer;
// - read_event returning true asks us to stop reading until a send_data with resume_read.
// Nothing here calls into LDK from inside an LDK callback (send_data, disconnect_socket): such
// work is deferred to the event loop.
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import * as ldk from 'lightningdevkit';
import type { BackpressureJson } from './protocol.js';

interface Conn {
  readonly id: bigint;
  readonly socket: Socket;
  readonly descriptor: ldk.SocketDescriptor;
  /** LDK dropped the connection (disconnect_socket or a read_event error): it must not hear of it again. */
  ldkGone: boolean;
  /** The socket has closed. */
  closed: boolean;
  /** read_event returned true: no reading until send_data(resume_read = true). */
  readPausedByLdk: boolean;
  /** The socket's buffer is full (or pretends to be): send_data refuses until it drains. */
  writeBlocked: boolean;
  /** We took fewer bytes than offered: LDK waits for write_buffer_space_avail, and reads wait too. */
  owesSpaceAvail: boolean;
  /** Data received while reads were paused. */
  readonly pendingReads: Uint8Array[];
  sends: number;
}

export interface SocketBridgeOptions {
  /** Take only half of every third write and pretend the socket is full until the next turn. */
  simulateBackpressure: boolean;
  /** Called after anything that may have given LDK work to do (schedule process_events). */
  onActivity: () => void;
  log: (line: string) => void;
}

function socketAddress(socket: Socket): ldk.Option_SocketAddressZ {
  const ip = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (m === null || socket.remotePort === undefined) return ldk.Option_SocketAddressZ.constructor_none();
  const octets = Uint8Array.from(m.slice(1).map(Number));
  return ldk.Option_SocketAddressZ.constructor_some(
    ldk.SocketAddress.constructor_tcp_ip_v4(octets, socket.remotePort),
  );
}

/** Connects LDK's PeerManager to TCP: one listening socket and any number of connections. */
export class SocketBridge {
  readonly stats: BackpressureJson = { partialWrites: 0, refusedSends: 0, resumedWrites: 0, pausedReads: 0 };
  readonly #pm: ldk.PeerManager;
  readonly #opts: SocketBridgeOptions;
  readonly #conns = new Map<bigint, Conn>();
  #nextId = 1n;
  #server: Server | undefined;

  constructor(pm: ldk.PeerManager, opts: SocketBridgeOptions) {
    this.#pm = pm;
    this.#opts = opts;
  }

  /** Listens for inbound peers; resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    const server = createServer({ noDelay: true }, (socket) => this.#accept(socket));
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  }

  /**
   * Opens a TCP connection and starts the BOLT 8 handshake as initiator. Resolves once the first
   * act is sent; the peer shows up in `list_peers` when the handshake and `init` exchange are done.
   */
  async connect(nodeId: Uint8Array, host: string, port: number, timeoutMs: number): Promise<void> {
    const socket = tcpConnect({ host, port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot connect to ${host}:${port}: ${e.message}`));
      });
    });
    const conn = this.#register(socket);
    const r = this.#pm.new_outbound_connection(nodeId, conn.descriptor, socketAddress(socket));
    if (!(r instanceof ldk.Result_CVec_u8ZPeerHandleErrorZ_OK)) {
      conn.ldkGone = true;
      socket.destroy();
      throw new Error('PeerManager refused the outbound connection (already connected?)');
    }
    socket.write(r.res);
    this.#startReading(conn);
  }

  /** Number of open sockets. */
  get connections(): number {
    return this.#conns.size;
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const conn of this.#conns.values()) conn.socket.destroy();
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    const conn = this.#register(socket);
    const r = this.#pm.new_inbound_connection(conn.descriptor, socketAddress(socket));
    if (!(r instanceof ldk.Result_NonePeerHandleErrorZ_OK)) {
      conn.ldkGone = true;
      socket.destroy();
      return;
    }
    this.#startReading(conn);
  }

  #register(socket: Socket): Conn {
    const id = this.#nextId++;
    const bridge = this;
    const descriptor = ldk.SocketDescriptor.new_impl({
      send_data(data: Uint8Array, resumeRead: boolean): number {
        return bridge.#sendData(conn, data, resumeRead);
      },
      disconnect_socket(): void {
        conn.ldkGone = true;
        conn.socket.destroy();
      },
      eq(other: ldk.SocketDescriptor): boolean {
        return other.hash() === id;
      },
      hash(): bigint {
        return id;
      },
    });
    const conn: Conn = {
      id,
      socket,
      descriptor,
      ldkGone: false,
      closed: false,
      readPausedByLdk: false,
      writeBlocked: false,
      owesSpaceAvail: false,
      pendingReads: [],
      sends: 0,
    };
    this.#conns.set(id, conn);
    socket.on('error', (e) => this.#opts.log(`socket ${id}: ${e.message}`));
    socket.on('drain', () => this.#onDrain(conn));
    socket.on('close', () => {
      conn.closed = true;
      this.#conns.delete(id);
      if (!conn.ldkGone) {
        conn.ldkGone = true;
        this.#pm.socket_disconnected(descriptor);
      }
      this.#opts.onActivity();
    });
    return conn;
  }

  #startReading(conn: Conn): void {
    conn.socket.on('data', (chunk: Buffer) => {
      conn.pendingReads.push(Uint8Array.from(chunk));
      this.#deliverReads(conn);
    });
  }

  #readsAllowed(conn: Conn): boolean {
    return !conn.readPausedByLdk && !conn.owesSpaceAvail && !conn.ldkGone;
  }

  /** Hands buffered data to read_event while reading is allowed; pauses the socket otherwise. */
  #deliverReads(conn: Conn): void {
    while (this.#readsAllowed(conn) && conn.pendingReads.length > 0) {
      const chunk = conn.pendingReads.shift()!;
      const r = this.#pm.read_event(conn.descriptor, chunk);
      if (!(r instanceof ldk.Result_boolPeerHandleErrorZ_OK)) {
        // The descriptor is already forgotten by LDK: close without telling it again.
        conn.ldkGone = true;
        conn.socket.destroy();
        break;
      }
      // Booleans come back from the bindings as 1/0.
      if (r.res) {
        conn.readPausedByLdk = true;
        this.stats.pausedReads++;
      }
    }
    if (this.#readsAllowed(conn)) conn.socket.resume();
    else conn.socket.pause();
    this.#opts.onActivity();
  }

  /** SocketDescriptor.send_data: runs inside LDK, so it only touches the socket. */
  #sendData(conn: Conn, data: Uint8Array, resumeRead: boolean): number {
    if (resumeRead && conn.readPausedByLdk) {
      conn.readPausedByLdk = false;
      setImmediate(() => this.#deliverReads(conn));
    }
    if (conn.closed || conn.ldkGone) return 0;
    if (conn.writeBlocked) {
      this.stats.refusedSends++;
      conn.owesSpaceAvail = true;
      return 0;
    }
    let n = data.length;
    conn.sends++;
    if (this.#opts.simulateBackpressure && n > 1 && conn.sends % 3 === 0) {
      n = Math.ceil(n / 2);
      conn.writeBlocked = true;
      setImmediate(() => this.#onDrain(conn));
    }
    if (!conn.socket.write(Uint8Array.from(data.subarray(0, n)))) conn.writeBlocked = true;
    if (n < data.length) {
      this.stats.partialWrites++;
      conn.owesSpaceAvail = true;
    }
    return n;
  }

  #onDrain(conn: Conn): void {
    if (conn.ldkGone || conn.socket.writableNeedDrain) return; // a real drain event will follow
    conn.writeBlocked = false;
    if (conn.owesSpaceAvail) {
      conn.owesSpaceAvail = false;
      this.stats.resumedWrites++;
      const r = this.#pm.write_buffer_space_avail(conn.descriptor);
      if (!(r instanceof ldk.Result_NonePeerHandleErrorZ_OK)) {
        conn.ldkGone = true;
        conn.socket.destroy();
        return;
      }
    }
    this.#deliverReads(conn);
  }
}
