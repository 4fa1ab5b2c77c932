// BOLT 1 "Type-Length-Value Format": TLV streams declared once as a record spec.
import { type Codec, codec, type Infer, readBigSize, writeBigSize } from './codec.js';
import { DecodeError, EncodeError } from './errors.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

/** A TLV record we have no codec for, kept byte-exact so it re-encodes (and signatures still verify). */
export interface TlvRecord {
  type: bigint;
  value: Uint8Array;
}

/** One known record: its type number and the codec of its value. */
export interface TlvField<T> {
  type: bigint;
  codec: Codec<T>;
}

export function tlv<T>(type: number | bigint, c: Codec<T>): TlvField<T> {
  return { type: BigInt(type), codec: c };
}

export type TlvSpec = Record<string, TlvField<unknown>>;

/** The decoded form of a stream: each known record by name (absent if not present), plus `unknown`. */
export type TlvValues<S extends TlvSpec> = {
  [K in keyof S]?: S[K] extends TlvField<infer T> ? T : never;
} & {
  /** Records of types not in the spec (odd ones always; even ones only with `unknownEven: 'keep'`). */
  unknown?: TlvRecord[];
};

export interface TlvStreamOptions {
  /**
   * 'reject' (default) follows BOLT 1: an unknown even type fails the stream. 'keep' hands unknown
   * even records to the caller, which must then apply its own rule (the onion's final hop does, as
   * apps register even custom record types).
   */
  unknownEven?: 'reject' | 'keep';
}

/** A TLV stream codec. It consumes all remaining bytes of its reader. */
export function tlvStream<S extends TlvSpec>(
  name: string,
  spec: S,
  options: TlvStreamOptions = {},
): Codec<TlvValues<S>> {
  const byType = new Map<bigint, [string, TlvField<unknown>]>();
  for (const [k, f] of Object.entries(spec)) {
    if (byType.has(f.type)) throw new Error(`${name}: duplicate TLV type ${f.type}`);
    byType.set(f.type, [k, f]);
  }
  const keepEven = options.unknownEven === 'keep';
  type V = TlvValues<S>;

  return codec<V>(
    name,
    (w, v) => {
      const records: { type: bigint; write: (w: Writer) => void }[] = [];
      for (const [t, [k, f]] of byType) {
        const fv = (v as Record<string, unknown>)[k];
        if (fv !== undefined) records.push({ type: t, write: (ww) => f.codec.encode(ww, fv) });
      }
      for (const u of v.unknown ?? []) {
        if (byType.has(u.type)) throw new EncodeError(`${name}: unknown record uses known type ${u.type}`);
        records.push({ type: u.type, write: (ww) => ww.bytes(u.value) });
      }
      // BOLT 1: "MUST order `tlv_record`s in a `tlv_stream` by strictly-increasing `type`"
      records.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
      let prev = -1n;
      for (const rec of records) {
        if (rec.type === prev) throw new EncodeError(`${name}: duplicate TLV type ${rec.type}`);
        prev = rec.type;
        const body = new Writer(64);
        rec.write(body);
        const b = body.finish();
        writeBigSize(w, rec.type);
        writeBigSize(w, BigInt(b.length));
        w.bytes(b);
      }
    },
    (r) => {
      const out: Record<string, unknown> = {};
      const unknown: TlvRecord[] = [];
      let prev = -1n;
      // BOLT 1: "if zero bytes remain before parsing a `type`: MUST stop parsing the `tlv_stream`."
      while (r.remaining > 0) {
        const type = readBigSize(r);
        // BOLT 1: "if decoded `type`s are not strictly-increasing (including situations when
        // two or more occurrences of the same `type` are met): MUST fail to parse the `tlv_stream`."
        if (type <= prev) throw new DecodeError('tlv_order', `TLV type ${type} after ${prev}`, name);
        prev = type;
        const length = readBigSize(r);
        // BOLT 1: "if `length` exceeds the number of bytes remaining in the message:
        // MUST fail to parse the `tlv_stream`."
        if (length > BigInt(r.remaining)) {
          throw new DecodeError(
            'eof',
            `TLV ${type} length ${length} exceeds ${r.remaining} remaining bytes`,
            name,
          );
        }
        const value = r.bytesView(Number(length));
        const known = byType.get(type);
        if (known === undefined) {
          // BOLT 1: "if `type` is even: MUST fail to parse the `tlv_stream`."
          if (type % 2n === 0n && !keepEven) {
            throw new DecodeError('tlv_unknown_even', `unknown even TLV type ${type}`, name);
          }
          unknown.push({ type, value: Uint8Array.from(value) });
          continue;
        }
        const [k, f] = known;
        const sub = new Reader(value);
        try {
          out[k] = f.codec.decode(sub);
        } catch (e) {
          if (!(e instanceof DecodeError)) throw e;
          // BOLT 1: "if `length` is not exactly equal to that required for the known encoding
          // for `type`: MUST fail to parse the `tlv_stream`."
          if (e.code === 'eof')
            throw new DecodeError('tlv_length', `record too short for ${f.codec.name}`, `${name}.${k}`);
          throw e.within(`${name}.${k}`);
        }
        if (sub.remaining !== 0) {
          throw new DecodeError(
            'tlv_length',
            `${sub.remaining} bytes beyond the ${f.codec.name} encoding`,
            `${name}.${k}`,
          );
        }
      }
      if (unknown.length > 0) out.unknown = unknown;
      return out as V;
    },
    { t: 'tlv', records: spec as Readonly<Record<string, TlvField<unknown>>> },
  );
}

/** A raw TLV stream with no known types: every record kept (both parities), in order. */
export const rawTlvStream: Codec<TlvRecord[]> = (() => {
  const c = tlvStream('tlv', {}, { unknownEven: 'keep' });
  return codec<TlvRecord[]>(
    'tlv',
    (w, v) => c.encode(w, { unknown: v }),
    (r) => c.decode(r).unknown ?? [],
  );
})();

export type { Infer };
