// src/tx/shachain.ts: per-commitment secret generation and the compact storage of the secrets
// a counterparty reveals (BOLT 3 "Efficient Per-commitment Secret Storage").
import { equalBytes, sha256 } from '../crypto/index.js';
import type { Result } from './tx.js';

/**
 * 2^48 - 1, the index of the first per-commitment secret.
 * BOLT 3: MUST be index 281474976710655
 */
export const FIRST_SECRET_INDEX = 281474976710655;
const BUCKETS = 49;

/** Bit `b` (0..47) of a 48-bit index; plain arithmetic because JS bit operators are 32-bit. */
function testBit(index: number, b: number): boolean {
  return Math.floor(index / 2 ** b) % 2 === 1;
}

/**
 * BOLT 3: Where "flip(B)" alternates the (B mod 8) bit of the (B div 8)
 */
function flip(p: Uint8Array, b: number): void {
  p[b >> 3]! ^= 1 << (b & 7);
}

/** BOLT 3's derive_secret(base, bits, I): the I'th secret from a base whose index shares bits..47. */
function deriveSecret(base: Uint8Array, bits: number, index: number): Uint8Array {
  let p: Uint8Array = Uint8Array.from(base);
  for (let b = bits - 1; b >= 0; b--) {
    if (testBit(index, b)) {
      flip(p, b);
      p = sha256(p);
    }
  }
  return p;
}

function assertIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index > FIRST_SECRET_INDEX) {
    throw new RangeError(`per-commitment index must be an integer in [0, 2^48 - 1], got ${index}`);
  }
}

/** BOLT 3's generate_from_seed(seed, I): the I'th per-commitment secret. */
export function generateFromSeed(seed: Uint8Array, index: number): Uint8Array {
  assertIndex(index);
  if (seed.length !== 32) throw new RangeError(`shachain seed must be 32 bytes, got ${seed.length}`);
  return deriveSecret(seed, 48, index);
}

/**
 * The per_commitment_secret of commitment number `commitmentNumber` (0 for the first commitment).
 * BOLT 3: and from there, the index is decremented.
 */
export function perCommitmentSecret(seed: Uint8Array, commitmentNumber: number): Uint8Array {
  return generateFromSeed(seed, FIRST_SECRET_INDEX - commitmentNumber);
}

/** One stored (index, secret) pair. */
export interface ShachainEntry {
  index: number;
  secret: Uint8Array;
}

/**
 * The compact store of received secrets: at most 49 entries, bucket b holding the last received
 * secret whose index has b trailing zeros. Immutable; `insertSecret` returns a new store.
 */
export interface ShachainStore {
  readonly buckets: readonly (ShachainEntry | undefined)[];
  /** The index the next secret must have (secrets arrive in descending order). */
  readonly nextIndex: number;
}

/** A store that has received no secret yet. */
export function emptyShachain(): ShachainStore {
  return { buckets: Array.from({ length: BUCKETS }, () => undefined), nextIndex: FIRST_SECRET_INDEX };
}

/** BOLT 3's where_to_put_secret(I): the number of trailing zeros of I (48 for I = 0). */
function whereToPutSecret(index: number): number {
  for (let b = 0; b < 48; b++) if (testBit(index, b)) return b;
  return 48;
}

/**
 * Stores the secret for `index`, after checking that it derives every secret stored before it.
 * Returns a typed failure (never throws) if the index is out of order or the secret is wrong.
 */
export function insertSecret(store: ShachainStore, index: number, secret: Uint8Array): Result<ShachainStore> {
  if (secret.length !== 32)
    return { ok: false, reason: `a per-commitment secret is 32 bytes, got ${secret.length}` };
  if (!Number.isSafeInteger(index) || index < 0 || index > FIRST_SECRET_INDEX) {
    return { ok: false, reason: `index ${index} is outside [0, 2^48 - 1]` };
  }
  if (index !== store.nextIndex) {
    return { ok: false, reason: `expected the secret for index ${store.nextIndex}, got index ${index}` };
  }
  const bucket = whereToPutSecret(index);
  for (let b = 0; b < bucket; b++) {
    const known = store.buckets[b];
    if (known === undefined) continue;
    // BOLT 3: A double-check, that all previous secrets derive correctly, is needed;
    if (!equalBytes(deriveSecret(secret, bucket, known.index), known.secret)) {
      return {
        ok: false,
        reason: `the secret for index ${index} does not derive the secret for index ${known.index}`,
      };
    }
  }
  const buckets = [...store.buckets];
  buckets[bucket] = { index, secret: Uint8Array.from(secret) };
  return { ok: true, value: { buckets, nextIndex: index - 1 } };
}

/** BOLT 3's derive_old_secret(I): the secret for an index already received, or undefined. */
export function deriveOldSecret(store: ShachainStore, index: number): Uint8Array | undefined {
  assertIndex(index);
  for (let b = 0; b < BUCKETS; b++) {
    const known = store.buckets[b];
    if (known === undefined) continue;
    // Mask off the low b bits: the entry in bucket b is a prefix of every index it can derive.
    const prefix = Math.floor(index / 2 ** b) * 2 ** b;
    if (prefix === known.index) return deriveSecret(known.secret, b, index);
  }
  return undefined;
}

/** The secret for a commitment number the counterparty has revoked, or undefined. */
export function revokedSecret(store: ShachainStore, commitmentNumber: number): Uint8Array | undefined {
  return deriveOldSecret(store, FIRST_SECRET_INDEX - commitmentNumber);
}

/** Serialization for the Store: u64 next index, then per bucket a presence byte and index || secret. */
export function encodeShachain(store: ShachainStore): Uint8Array {
  const present = store.buckets.filter((e) => e !== undefined).length;
  const out = new Uint8Array(8 + BUCKETS + present * 40);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(store.nextIndex + 1)); // +1 so that "all received" (-1) encodes as 0
  let o = 8;
  for (const e of store.buckets) {
    if (e === undefined) {
      out[o++] = 0;
      continue;
    }
    out[o++] = 1;
    view.setBigUint64(o, BigInt(e.index));
    out.set(e.secret, o + 8);
    o += 40;
  }
  return out;
}

/** The inverse of `encodeShachain`; never throws. */
export function decodeShachain(data: Uint8Array): Result<ShachainStore> {
  const fail = (reason: string): Result<ShachainStore> => ({ ok: false, reason: `shachain: ${reason}` });
  if (data.length < 8 + BUCKETS) return fail('truncated');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const nextIndex = Number(view.getBigUint64(0)) - 1;
  if (nextIndex < -1 || nextIndex > FIRST_SECRET_INDEX) return fail('next index out of range');
  const buckets: (ShachainEntry | undefined)[] = [];
  let o = 8;
  for (let b = 0; b < BUCKETS; b++) {
    const flag = data[o++];
    if (flag === 0) {
      buckets.push(undefined);
      continue;
    }
    if (flag !== 1 || o + 40 > data.length) return fail(`bad entry for bucket ${b}`);
    const index = Number(view.getBigUint64(o));
    if (index > FIRST_SECRET_INDEX || whereToPutSecret(index) !== b)
      return fail(`index ${index} is not in bucket ${b}`);
    buckets.push({ index, secret: data.slice(o + 8, o + 40) });
    o += 40;
  }
  if (o !== data.length) return fail('trailing bytes');
  return { ok: true, value: { buckets, nextIndex } };
}
