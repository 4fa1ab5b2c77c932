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
}

/** The value type a codec encodes. */
export type Infer<C> = C extends Codec<infer T> ? T : never;

export function codec<T>(
  name: string,
  encode: (w: Writer, v: T) => void,
  decode: (r: Reader) => T,
): Codec<T> {
  return { name, encode, decode };
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
);
export const u16: Codec<number> = codec(
  'u16',
  (w, v) => w.u16(v),
  (r) => r.u16(),
);
export const u32: Codec<number> = codec(
  'u32',
  (w, v) => w.u32(v),
  (r) => r.u32(),
);
export const u64: Codec<bigint> = codec(
  'u64',
  (w, v) => w.u64(v),
  (r) => r.u64(),
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
  );
}

export const tu64: Codec<bigint> = truncated('tu64', 8);
const tu32Big = truncated('tu32', 4);
const tu16Big = truncated('tu16', 2);
export const tu32: Codec<number> = codec(
  'tu32',
  (w, v) => tu32Big.encode(w, BigInt(v)),
  (r) => Number(tu32Big.decode(r)),
);
export const tu16: Codec<number> = codec(
  'tu16',
  (w, v) => tu16Big.encode(w, BigInt(v)),
  (r) => Number(tu16Big.decode(r)),
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
export const bigSize: Codec<bigint> = codec('bigsize', writeBigSize, readBigSize);

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
);

/** All remaining bytes (inside a TLV record or at the end of a message). */
export const restBytes: Codec<Uint8Array> = codec(
  'bytes',
  (w, v) => w.bytes(v),
  (r) => r.rest(),
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
);

/** short_channel_id as a u64: block height (3 bytes) | tx index (3 bytes) | output index (2 bytes). */
export const shortChannelId: Codec<bigint> = codec('short_channel_id', u64.encode, u64.decode);

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
  );
}

/** Maps a codec's value to another type (both directions), e.g. bytes to a typed record. */
export function mapped<A, B>(c: Codec<A>, to: (a: A) => B, from: (b: B) => A, name = c.name): Codec<B> {
  return codec(
    name,
    (w, v) => c.encode(w, from(v)),
    (r) => to(c.decode(r)),
  );
}
