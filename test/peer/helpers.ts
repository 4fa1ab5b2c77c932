// Shared helpers of the peer tests: keys, managers on loopback, waiting for events with a bound.
import type { EventEmitter } from 'node:events';
import { hexToBytes, publicKeyCreate } from '../../src/crypto/index.js';
import {
  OUR_INIT_FEATURES,
  PeerManager,
  type PeerManagerOptions,
  PeerSession,
  type PeerTiming,
} from '../../src/peer/index.js';
import { type ConnectionLimits, connect, type NoiseConnection } from '../../src/transport/index.js';
import {
  decodeMessage,
  encodeMessage,
  type Features,
  type UnknownMessage,
  type WireMessage,
} from '../../src/wire/index.js';

/** Regtest's chain_hash, as LDK expects it in `networks` (ldk-0.1-interop.md). */
export const REGTEST = hexToBytes('06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f');

export function key(byte: number): { priv: Uint8Array; id: Uint8Array } {
  const priv = new Uint8Array(32).fill(byte);
  return { priv, id: publicKeyCreate(priv) };
}

/** Timings short enough for tests, long enough not to fire by accident. */
export const FAST: Partial<PeerTiming> = {
  tickMs: 20,
  handshakeTimeoutMs: 2_000,
  initTimeoutMs: 2_000,
  pingIntervalMs: 60_000,
  pongTimeoutMs: 60_000,
};

export type ManagerOptions = Partial<Omit<PeerManagerOptions, 'localPrivateKey'>>;

/** A manager listening on 127.0.0.1 at a port the system picks. */
export async function startManager(
  priv: Uint8Array,
  options: ManagerOptions = {},
  port = 0,
): Promise<{ manager: PeerManager; port: number }> {
  const manager = new PeerManager({
    localPrivateKey: priv,
    chainHash: REGTEST,
    ...options,
    timing: { ...FAST, ...options.timing },
  });
  const bound = await manager.listen('127.0.0.1', port);
  return { manager, port: bound.port };
}

/**
 * Resolves with the arguments of the first `event` whose arguments satisfy `match`; rejects after
 * `timeoutMs` so that a missing event fails the test instead of hanging it.
 */
export function waitFor<A extends unknown[]>(
  emitter: EventEmitter,
  event: string,
  match: (...args: A) => boolean = () => true,
  timeoutMs = 3_000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      if (!match(...(args as A))) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args as A);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}

/** Records every emission of the named events, in order. */
export function record(emitter: EventEmitter, events: string[]): { event: string; args: unknown[] }[] {
  const log: { event: string; args: unknown[] }[] = [];
  for (const e of events) emitter.on(e, (...args: unknown[]) => log.push({ event: e, args }));
  return log;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A hand-driven peer: a bare BOLT 8 connection to a manager, for behaviour a well-behaved
 * PeerManager never shows (silence, malformed bytes, not reading).
 */
export async function rawPeer(
  priv: Uint8Array,
  remoteId: Uint8Array,
  port: number,
  options: { limits?: ConnectionLimits; features?: Features; chainHash?: Uint8Array } = {},
): Promise<NoiseConnection> {
  return connect({
    host: '127.0.0.1',
    port,
    localPrivateKey: priv,
    remoteNodeId: remoteId,
    handshakeTimeoutMs: 2_000,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
}

/** An `init` as a PeerSession would send it. */
export function initBytes(
  features: Features = OUR_INIT_FEATURES,
  chainHash: Uint8Array = REGTEST,
): Uint8Array {
  return encodeMessage(new PeerSession({ localFeatures: features, chainHash }, 0).initMessage());
}

/** The decoded messages a raw peer receives, collected as they arrive. */
export function collect(conn: NoiseConnection): (WireMessage | UnknownMessage)[] {
  const got: (WireMessage | UnknownMessage)[] = [];
  conn.on('message', (bytes) => {
    const d = decodeMessage(bytes);
    if (d.ok) got.push(d.value);
  });
  return got;
}
