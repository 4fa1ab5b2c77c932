// BOLT 7 `encoded_` arrays (`encoded_short_ids`, `encoded_timestamps`, `encoded_query_flags`): one
// encoding byte, then the items, either plain or zlib-compressed.
import { deflateSync, inflateSync } from 'node:zlib';
import { type Codec, codec, decode, encode, restArray } from '../codec.js';
import { DecodeError, EncodeError } from '../errors.js';

/**
 * `uncompressed` is encoding 0; `zlib` is encoding 1. Senders must not use zlib any more, BOLT 7:
 * "Previously used for zlib compression, this encoding MUST NOT be used" but older peers still
 * send it and the extended-queries vectors exercise it, so ksnode decodes it and encodes it only
 * when asked to.
 */
export type ArrayEncoding = 'uncompressed' | 'zlib';

export interface EncodedArray<T> {
  encoding: ArrayEncoding;
  values: T[];
}

/**
 * The most bytes a zlib-encoded array may inflate to: 65535 eight-byte items, more than any
 * single message could carry uncompressed. A bound is needed because zlib expands up to ~1000:1,
 * so a 64 KiB message could otherwise claim tens of megabytes (a decompression bomb).
 */
export const MAX_INFLATED_BYTES = 65535 * 8;

const ENCODING_BYTE: Record<ArrayEncoding, number> = { uncompressed: 0, zlib: 1 };

function inflate(data: Uint8Array): Uint8Array {
  try {
    const out = inflateSync(data, { maxOutputLength: MAX_INFLATED_BYTES });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    if (e instanceof RangeError) {
      throw new DecodeError('too_large', `zlib data inflates beyond ${MAX_INFLATED_BYTES} bytes`);
    }
    throw new DecodeError('invalid_value', `invalid zlib data: ${(e as Error).message}`);
  }
}

/** An encoding byte followed by items filling the rest of the bytes (inflated first if zlib). */
export function encodedArray<T>(item: Codec<T>): Codec<EncodedArray<T>> {
  const items = restArray(item);
  return codec<EncodedArray<T>>(
    `encoded*${item.name}`,
    (w, v) => {
      const byte = ENCODING_BYTE[v.encoding];
      if (byte === undefined) throw new EncodeError(`unknown array encoding ${String(v.encoding)}`);
      w.u8(byte);
      const body = encode(items, v.values);
      w.bytes(v.encoding === 'zlib' ? Uint8Array.from(deflateSync(body)) : body);
    },
    (r) => {
      const byte = r.u8();
      const data = r.bytesView(r.remaining);
      // BOLT 7: "if the first byte of `encoded_short_ids` is not a known encoding type:
      // MAY send a `warning`." A decode error lets the peer code choose its reaction.
      if (byte === 0) return { encoding: 'uncompressed', values: decode(items, data) };
      if (byte === 1) return { encoding: 'zlib', values: decode(items, inflate(data)) };
      throw new DecodeError('invalid_value', `unknown encoding type ${byte}`);
    },
    { t: 'encoded', item: item as Codec<unknown> },
  );
}
