// Codec combinators: each wire format is declared once as a Codec, and both directions come from
// that one declaration, so encoding and decoding cannot drift apart (BOLT 1 types, big-endian).
import { isPublicKey } from '../crypto/index.js';
import { DecodeError, EncodeError } from './errors.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

export interface Codec<T> {
  /** A short human name used in error paths and docs. */
  readonly name: string;
  encode(w: Writer, v: T): void;
  /** Reads one value; throws DecodeError on malformed input (and only DecodeError). */
  decode(r: Reader): T;
  /**
   * What the codec is made of, for generic tools (schema checks against the BOLT text, value
   * generators for property tests, JSON views). Absent on hand-written codecs.
   */
  readonly shape?: Shape;
}

/**
 * The structure of a codec, as data. Integers of 8 bytes (and truncated ones of 8 bytes) are
 * bigints; narrower ones are numbers; signed integers are always bigints.
 */
export type Shape =
  | { readonly t: 'uint'; readonly bytes: 1 | 2 | 4 | 8 }
  | { readonly t: 'sint'; readonly bytes: 1 | 2 | 4 | 8 }
  | { readonly t: 'tuint'; readonly bytes: 2 | 4 | 8 }
  | { readonly t: 'bigsize' }
  /** Exactly `length` bytes. */
  | { readonly t: 'bytes'; readonly length: number }
  /** A u16 length, then that many bytes. */
  | { readonly t: 'varbytes' }
  /** Every remaining byte. */
  | { readonly t: 'restbytes' }
  | { readonly t: 'utf8' }
  | { readonly t: 'point' }
  /** A TLV record without data: present (`true`) or absent. */
  | { readonly t: 'flag' }
  | { readonly t: 'struct'; readonly fields: Readonly<Record<string, Codec<unknown>>> }
  /** Items counted by a u16, filling a u16 byte length, filling the rest, or a fixed number of them. */
  | { readonly t: 'array'; readonly item: Codec<unknown>; readonly count: 'u16' | 'u16len' | 'rest' | number }
  /** A u16 byte length, then `inner` decoding exactly that many bytes. */
  | { readonly t: 'sized'; readonly inner: Codec<unknown> }
  /** BOLT 7 `encoded_` arrays: an encoding byte, then the items (plain or zlib-compressed). */
  | { readonly t: 'encoded'; readonly item: Codec<unknown> }
  | { readonly t: 'tlv'; readonly records: Readonly<Record<string, { type: bigint; codec: Codec<unknown> }>> }
  | { readonly t: 'mapped'; readonly inner: Codec<unknown>; readonly to: (a: unknown) => unknown }
  | {
      readonly t: 'message';
      readonly kind: string;
      readonly fields: Readonly<Record<string, Codec<unknown>>>;
      readonly extension: Codec<unknown>;
    }
  /** A hand-written codec whose values generic tools cannot derive (e.g. BOLT 7 address lists). */
  | { readonly t: 'opaque' };

/** The value type a codec encodes. */
export type Infer<C> = C extends Codec<infer T> ? T : never;

export function codec<T>(
  name: string,
  encode: (w: Writer, v: T) => void,
  decode: (r: Reader) => T,
  shape?: Shape,
): Codec<T> {
  return shape === undefined ? { name, encode, decode } : { name, encode, decode, shape };
}

/** Encodes a value with a codec into fresh bytes. */
export function encode<T>(c: Codec<T>, v: T): Uint8Array {
  const w = new Writer();
  c.encode(w, v);
  return Uint8Array.from(w.finish());
}

/** Decodes exactly the given bytes with a codec (trailing bytes are an error); throws DecodeError. */
export function decode<T>(c: Codec<T>, bytes: Uint8Array): T {
  const r = new Reader(bytes);
  const v = c.decode(r);
  r.end(c.name);
  return v;
}

// ---------- fixed-size integers (BOLT 1 "Fundamental Types") ----------

export const u8: Codec<number> = codec(
  'u8',
  (w, v) => w.u8(v),
  (r) => r.u8(),
  { t: 'uint', bytes: 1 },
);
export const u16: Codec<number> = codec(
  'u16',
  (w, v) => w.u16(v),
  (r) => r.u16(),
  { t: 'uint', bytes: 2 },
);
export const u32: Codec<number> = codec(
  'u32',
  (w, v) => w.u32(v),
  (r) => r.u32(),
  { t: 'uint', bytes: 4 },
);
export const u64: Codec<bigint> = codec(
  'u64',
  (w, v) => w.u64(v),
  (r) => r.u64(),
  { t: 'uint', bytes: 8 },
);

function signed(bits: 8 | 16 | 32 | 64): Codec<bigint> {
  const bytes = bits / 8;
  const min = -(1n << BigInt(bits - 1));
  const max = (1n << BigInt(bits - 1)) - 1n;
  const mod = 1n << BigInt(bits);
  return codec(
    `s${bits}`,
    (w, v) => {
      if (v < min || v > max) throw new EncodeError(`s${bits} out of range: ${v}`);
      const u = v < 0n ? v + mod : v;
      for (let i = bytes - 1; i >= 0; i--) w.u8(Number((u >> BigInt(8 * i)) & 0xffn));
    },
    (r) => {
      let u = 0n;
      for (let i = 0; i < bytes; i++) u = (u << 8n) | BigInt(r.u8());
      return u > max ? u - mod : u;
    },
    { t: 'sint', bytes: bytes as 1 | 2 | 4 | 8 },
  );
}

/** BOLT 1 signed integers: big-endian two's complement. */
export const s8 = signed(8);
export const s16 = signed(16);
export const s32 = signed(32);
export const s64 = signed(64);

// ---------- truncated integers: only inside a TLV record, they take all of its bytes ----------

function truncated(name: string, maxBytes: number): Codec<bigint> {
  const max = (1n << BigInt(8 * maxBytes)) - 1n;
  return codec(
    name,
    (w, v) => {
      if (v < 0n || v > max) throw new EncodeError(`${name} out of range: ${v}`);
      let started = false;
      for (let i = maxBytes - 1; i >= 0; i--) {
        const b = Number((v >> BigInt(8 * i)) & 0xffn);
        if (b !== 0 || started) {
          w.u8(b);
          started = true;
        }
      }
    },
    (r) => {
      const n = r.remaining;
      if (n > maxBytes) throw new DecodeError('tlv_length', `${name} longer than ${maxBytes} bytes`);
      const b = r.bytesView(n);
      // BOLT 1: "if variable-length fields within the known encoding for `type` are not minimal:
      // MUST fail to parse the `tlv_stream`."
      if (n > 0 && b[0] === 0) throw new DecodeError('non_minimal', `${name} has a leading zero byte`);
      let v = 0n;
      for (const x of b) v = (v << 8n) | BigInt(x);
      return v;
    },
    { t: 'tuint', bytes: maxBytes as 2 | 4 | 8 },
  );
}

export const tu64: Codec<bigint> = truncated('tu64', 8);
const tu32Big = truncated('tu32', 4);
const tu16Big = truncated('tu16', 2);
export const tu32: Codec<number> = codec(
  'tu32',
  (w, v) => tu32Big.encode(w, BigInt(v)),
  (r) => Number(tu32Big.decode(r)),
  { t: 'tuint', bytes: 4 },
);
export const tu16: Codec<number> = codec(
  'tu16',
  (w, v) => tu16Big.encode(w, BigInt(v)),
  (r) => Number(tu16Big.decode(r)),
  { t: 'tuint', bytes: 2 },
);

// ---------- BigSize ----------

export function writeBigSize(w: Writer, v: bigint): void {
  if (v < 0n || v > 0xffffffffffffffffn) throw new EncodeError(`bigsize out of range: ${v}`);
  if (v < 0xfdn) w.u8(Number(v));
  else if (v < 0x10000n) {
    w.u8(0xfd);
    w.u16(Number(v));
  } else if (v < 0x100000000n) {
    w.u8(0xfe);
    w.u32(Number(v));
  } else {
    w.u8(0xff);
    w.u64(v);
  }
}

export function readBigSize(r: Reader): bigint {
  const first = r.u8();
  let v: bigint;
  let min: bigint;
  if (first < 0xfd) return BigInt(first);
  if (first === 0xfd) {
    v = BigInt(r.u16());
    min = 0xfdn;
  } else if (first === 0xfe) {
    v = BigInt(r.u32());
    min = 0x10000n;
  } else {
    v = r.u64();
    min = 0x100000000n;
  }
  if (v < min) throw new DecodeError('non_minimal', 'decoded bigsize is not canonical');
  return v;
}

export function bigSizeLength(v: bigint): number {
  return v < 0xfdn ? 1 : v < 0x10000n ? 3 : v < 0x100000000n ? 5 : 9;
}

/** BOLT 1 BigSize: a minimally-encoded variable-length unsigned 64-bit integer. */
export const bigSize: Codec<bigint> = codec('bigsize', writeBigSize, readBigSize, { t: 'bigsize' });

// ---------- byte strings and fixed types ----------

/** Exactly n bytes. */
export function bytes(n: number, name = `byte[${n}]`): Codec<Uint8Array> {
  return codec(
    name,
    (w, v) => {
      if (v.length !== n) throw new EncodeError(`${name}: expected ${n} bytes, got ${v.length}`);
      w.bytes(v);
    },
    (r) => r.bytes_(n),
    { t: 'bytes', length: n },
  );
}

/** A u16 length followed by that many bytes (e.g. `error.data`, `shutdown.scriptpubkey`). */
export const varBytes: Codec<Uint8Array> = codec(
  'u16+bytes',
  (w, v) => {
    w.u16(v.length);
    w.bytes(v);
  },
  (r) => r.bytes_(r.u16()),
  { t: 'varbytes' },
);

/** All remaining bytes (inside a TLV record or at the end of a message). */
export const restBytes: Codec<Uint8Array> = codec(
  'bytes',
  (w, v) => w.bytes(v),
  (r) => r.rest(),
  { t: 'restbytes' },
);

/** UTF-8 text of all remaining bytes; invalid UTF-8 is a decode error. */
export const restUtf8: Codec<string> = codec(
  'utf8',
  (w, v) => w.bytes(new TextEncoder().encode(v)),
  (r) => {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(r.rest());
    } catch {
      throw new DecodeError('invalid_value', 'invalid UTF-8');
    }
  },
  { t: 'utf8' },
);

export const sha256Hash = bytes(32, 'sha256');
export const chainHash = bytes(32, 'chain_hash');
export const channelId = bytes(32, 'channel_id');
export const signature = bytes(64, 'signature');

/** A 33-byte compressed secp256k1 point, validated on decode (BOLT 1 Appendix B: "not a valid point"). */
export const point: Codec<Uint8Array> = codec(
  'point',
  (w, v) => {
    if (v.length !== 33) throw new EncodeError(`point: expected 33 bytes, got ${v.length}`);
    w.bytes(v);
  },
  (r) => {
    const b = r.bytes_(33);
    if ((b[0] !== 2 && b[0] !== 3) || !isPublicKey(b)) {
      throw new DecodeError('invalid_value', 'not a valid compressed secp256k1 point');
    }
    return b;
  },
  { t: 'point' },
);

/** short_channel_id as a u64: block height (3 bytes) | tx index (3 bytes) | output index (2 bytes). */
export const shortChannelId: Codec<bigint> = codec('short_channel_id', u64.encode, u64.decode, {
  t: 'uint',
  bytes: 8,
});

// ---------- composition ----------

/** A sequence of named fields, encoded in declaration order. */
export function struct<S extends Record<string, Codec<unknown>>>(
  name: string,
  fields: S,
): Codec<{ [K in keyof S]: Infer<S[K]> }> {
  const entries = Object.entries(fields);
  type T = { [K in keyof S]: Infer<S[K]> };
  return codec<T>(
    name,
    (w, v) => {
      for (const [k, c] of entries) {
        const fv = (v as Record<string, unknown>)[k];
        if (fv === undefined) throw new EncodeError(`${name}.${k} is missing`);
        c.encode(w, fv);
      }
    },
    (r) => {
      const out: Record<string, unknown> = {};
      for (const [k, c] of entries) {
        try {
          out[k] = c.decode(r);
        } catch (e) {
          throw e instanceof DecodeError ? e.within(k) : e;
        }
      }
      return out as T;
    },
    { t: 'struct', fields },
  );
}

/** A u16 count followed by that many items. */
export function countedArray<T>(item: Codec<T>): Codec<T[]> {
  return codec(
    `u16*${item.name}`,
    (w, v) => {
      w.u16(v.length);
      for (const x of v) item.encode(w, x);
    },
    (r) => {
      const n = r.u16();
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(item.decode(r));
      return out;
    },
    { t: 'array', item: item as Codec<unknown>, count: 'u16' },
  );
}

/** A u16 byte length followed by items filling exactly that many bytes. */
export function lengthPrefixedArray<T>(item: Codec<T>): Codec<T[]> {
  const inner = restArray(item);
  return codec(
    `u16len*${item.name}`,
    (w, v) => {
      const body = encode(inner, v);
      w.u16(body.length);
      w.bytes(body);
    },
    (r) => decode(inner, r.bytesView(r.u16())),
    { t: 'array', item: item as Codec<unknown>, count: 'u16len' },
  );
}

/** Items until the bytes run out (e.g. a TLV value `...*chain_hash`). */
export function restArray<T>(item: Codec<T>): Codec<T[]> {
  return codec(
    `*${item.name}`,
    (w, v) => {
      for (const x of v) item.encode(w, x);
    },
    (r) => {
      const out: T[] = [];
      while (r.remaining > 0) out.push(item.decode(r));
      return out;
    },
    { t: 'array', item: item as Codec<unknown>, count: 'rest' },
  );
}

/** Maps a codec's value to another type (both directions), e.g. bytes to a typed record. */
export function mapped<A, B>(c: Codec<A>, to: (a: A) => B, from: (b: B) => A, name = c.name): Codec<B> {
  return codec(
    name,
    (w, v) => c.encode(w, from(v)),
    (r) => to(c.decode(r)),
    { t: 'mapped', inner: c as Codec<unknown>, to: to as (a: unknown) => unknown },
  );
}

/** Exactly n items, no count on the wire (e.g. BOLT 2 `20*u32`). */
export function fixedArray<T>(item: Codec<T>, n: number): Codec<T[]> {
  return codec(
    `${n}*${item.name}`,
    (w, v) => {
      if (v.length !== n) throw new EncodeError(`${n}*${item.name}: expected ${n} items, got ${v.length}`);
      for (const x of v) item.encode(w, x);
    },
    (r) => {
      const out: T[] = [];
      for (let i = 0; i < n; i++) out.push(item.decode(r));
      return out;
    },
    { t: 'array', item: item as Codec<unknown>, count: n },
  );
}

/** A u16 byte length, then `inner`, which must consume exactly those bytes. */
export function sized<T>(inner: Codec<T>): Codec<T> {
  return codec(
    `u16len+${inner.name}`,
    (w, v) => {
      const body = encode(inner, v);
      w.u16(body.length);
      w.bytes(body);
    },
    (r) => decode(inner, r.bytesView(r.u16())),
    { t: 'sized', inner: inner as Codec<unknown> },
  );
}

/**
 * A TLV record with no data (BOLT 2 `require_confirmed_inputs`): present is `true`. Inside a TLV
 * stream, a record of this type with any bytes in it is a length error.
 */
export const flag: Codec<true> = codec(
  'flag',
  () => {},
  () => true,
  { t: 'flag' },
);
