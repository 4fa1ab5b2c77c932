// How a Lightning message is declared: a type number, a name, its fields in order, and the TLV
// records of its `extension` (BOLT 1: every message may end in a TLV stream).
import { type Codec, codec, type Infer } from '../codec.js';
import { DecodeError, EncodeError } from '../errors.js';
import type { Reader } from '../reader.js';
import { type TlvSpec, type TlvStreamOptions, type TlvValues, tlvStream } from '../tlv.js';
import type { Writer } from '../writer.js';

type Fields = Record<string, Codec<unknown>>;

/** The decoded shape of a message: `kind` is its BOLT name; `tlvs` its extension records. */
export type MessageValue<N extends string, F extends Fields, S extends TlvSpec> = { kind: N } & {
  [K in keyof F]: Infer<F[K]>;
} & { tlvs?: TlvValues<S> };

export interface MessageDef<N extends string = string, V extends { kind: N } = { kind: N }> {
  readonly type: number;
  readonly kind: N;
  /** Encodes/decodes the payload after the 2-byte type. */
  readonly payload: Codec<V>;
}

export function defineMessage<N extends string, F extends Fields, S extends TlvSpec = Record<never, never>>(
  type: number,
  kind: N,
  fields: F,
  tlvs?: S,
  tlvOptions?: TlvStreamOptions,
): MessageDef<N, MessageValue<N, F, S>> {
  const entries = Object.entries(fields);
  const ext = tlvStream(`${kind}.tlvs`, (tlvs ?? {}) as S, tlvOptions);
  type V = MessageValue<N, F, S>;
  const payload = codec<V>(
    kind,
    (w: Writer, v: V) => {
      for (const [k, c] of entries) {
        const fv = (v as Record<string, unknown>)[k];
        if (fv === undefined) throw new EncodeError(`${kind}.${k} is missing`);
        c.encode(w, fv);
      }
      ext.encode(w, v.tlvs ?? {});
    },
    (r: Reader) => {
      const out: Record<string, unknown> = { kind };
      for (const [k, c] of entries) {
        try {
          out[k] = c.decode(r);
        } catch (e) {
          throw e instanceof DecodeError ? e.within(`${kind}.${k}`) : e;
        }
      }
      // BOLT 1: "Otherwise, if the `extension` is invalid: MUST close the connection."
      const t = ext.decode(r);
      if (Object.keys(t).length > 0) out.tlvs = t;
      return out as V;
    },
    // For generic tools (schema checks against the BOLT text, value generators, JSON views).
    { t: 'message', kind, fields, extension: ext as Codec<unknown> },
  );
  return { type, kind, payload };
}

/** The value type of a message definition. */
export type MessageOf<D> = D extends MessageDef<string, infer V> ? V : never;
