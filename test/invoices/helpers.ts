// test/invoices/helpers.ts: keys, a fake clock, deterministic randomness, final payloads built with
// the onion module's codec, and a registry over a fresh SQLite store in a temporary directory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { concatBytes, ecdsaSignRecoverable, publicKeyCreate, sha256 } from '../../src/crypto/index.js';
import { type IncomingHtlc, InvoiceRegistry, type InvoiceRegistryOptions } from '../../src/invoices/index.js';
import {
  encodeHopPayload,
  type FinalHopPayload,
  type HopPayloadFields,
  KNOWN_APP_EVEN_TYPES,
  parseFinalPayload,
} from '../../src/onion/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { encode, u64 } from '../../src/wire/index.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export { utf8 };

export const nodeKey = sha256(utf8('ksnode invoices test node key'));
export const nodeId = publicKeyCreate(nodeKey);
export const peerId = publicKeyCreate(sha256(utf8('the incoming peer')));
export const otherPeerId = publicKeyCreate(sha256(utf8('another incoming peer')));

export const HEIGHT = 800_000;

/** Deterministic "random" bytes: SHA-256 of a label and a counter. */
export function seededRandom(label: string): (n: number) => Uint8Array {
  let i = 0;
  return (n) => {
    let out: Uint8Array = new Uint8Array(0);
    while (out.length < n) out = concatBytes(out, sha256(utf8(label), encode(u64, BigInt(i++))));
    return out.slice(0, n);
  };
}

export interface FakeClock {
  now: number;
  (): number;
}

export function fakeClock(startMs = 1_700_000_000_000): FakeClock {
  const c = (() => c.now) as FakeClock;
  c.now = startMs;
  return c;
}

let htlcCounter = 0n;
const channelA = sha256(utf8('channel A'));

/** An incoming HTLC with a fresh id on channel A (override anything). */
export function htlcFor(paymentHash: Uint8Array, over: Partial<IncomingHtlc> = {}): IncomingHtlc {
  htlcCounter += 1n;
  return {
    channelId: channelA,
    htlcId: htlcCounter,
    paymentHash,
    amountMsat: 1000n,
    cltvExpiry: HEIGHT + 100,
    incomingPeer: peerId,
    ...over,
  };
}

/**
 * A final payload through the onion module's codec and reader, as the channel layer would hand
 * it over; the parse uses `knownEven` (default: the app types) and must succeed.
 */
export function finalPayload(
  fields: HopPayloadFields,
  knownEven: ReadonlySet<bigint> = KNOWN_APP_EVEN_TYPES,
): FinalHopPayload {
  const raw = encodeHopPayload(fields);
  const r = parseFinalPayload(raw, knownEven, raw.length < 0xfd ? 1 : 3);
  if (!r.ok) throw new Error(`test payload did not parse: ${r.error.code} ${JSON.stringify(r.error, big)}`);
  return r.payload;
}

/** Like finalPayload without the reader's even-type rule (to reach the registry's own check). */
export function finalPayloadAcceptingAllEven(fields: HopPayloadFields): FinalHopPayload {
  const types = new Set((fields.records ?? []).map((r) => r.type));
  return finalPayload(fields, new Set([...KNOWN_APP_EVEN_TYPES, ...types]));
}

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** A keysend: preimage, its hash, and a payload paying `amountMsat` with final CLTV `cltv`. */
export function keysend(
  label: string,
  over: Partial<HopPayloadFields> = {},
): { preimage: Uint8Array; paymentHash: Uint8Array; fields: HopPayloadFields } {
  const preimage = sha256(utf8(`keysend preimage ${label}`));
  return {
    preimage,
    paymentHash: sha256(preimage),
    fields: { amtToForwardMsat: 1000n, outgoingCltvValue: HEIGHT + 40, keysendPreimage: preimage, ...over },
  };
}

export interface Harness {
  store: Store;
  registry: InvoiceRegistry;
  clock: FakeClock;
  /** A second registry over the same store, as after a restart. */
  restart(over?: Partial<InvoiceRegistryOptions>): InvoiceRegistry;
  cleanup(): Promise<void>;
}

export async function harness(over: Partial<InvoiceRegistryOptions> = {}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'ksnode-invoices-'));
  const store = await openStore({ kind: 'sqlite', dataDir: dir });
  const clock = fakeClock();
  const make = (o: Partial<InvoiceRegistryOptions>) =>
    new InvoiceRegistry({
      store,
      nodeId,
      network: 'regtest',
      signInvoice: (hash) => ecdsaSignRecoverable(hash, nodeKey),
      randomBytes: seededRandom(`registry ${dir}`),
      clock,
      ...over,
      ...o,
    });
  const registry = make({});
  const registries = [registry];
  return {
    store,
    registry,
    clock,
    restart(o = {}) {
      const r = make({ randomBytes: seededRandom(`restart ${dir}`), ...o });
      registries.push(r);
      return r;
    },
    async cleanup() {
      for (const r of registries) r.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
