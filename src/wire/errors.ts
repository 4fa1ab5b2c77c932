// Typed decode failures. Every decoder in ksnode turns untrusted bytes into a value or a
// DecodeError; any other exception escaping a decoder is a bug (the fuzz tests enforce this).

export type DecodeErrorCode =
  | 'eof' // ran out of bytes (BOLT 1: "insufficient length for the contents")
  | 'non_minimal' // a BigSize, truncated integer or length that is not minimally encoded
  | 'tlv_order' // TLV types not strictly increasing (includes duplicates)
  | 'tlv_unknown_even' // BOLT 1 "it's ok to be odd": an unknown even TLV type
  | 'tlv_length' // a known TLV record whose length does not match its encoding
  | 'invalid_value' // a field whose bytes are not a valid value of its type (bad point, bad utf8, ...)
  | 'trailing_bytes' // bytes left over where the encoding must end
  | 'unknown_message' // a message type we do not know (the caller decides by its parity)
  | 'too_large'; // a length beyond what the protocol allows

export class DecodeError extends Error {
  override name = 'DecodeError';
  constructor(
    readonly code: DecodeErrorCode,
    message: string,
    /** Dotted path of the field being decoded when the failure happened, e.g. `init.tlvs.networks`. */
    readonly field: string = '',
  ) {
    super(field === '' ? message : `${field}: ${message}`);
  }

  /** A copy of this error with `outer` prefixed to its field path. */
  within(outer: string): DecodeError {
    return new DecodeError(
      this.code,
      this.message.slice(this.field === '' ? 0 : this.field.length + 2),
      this.field === '' ? outer : `${outer}.${this.field}`,
    );
  }
}

/** Thrown by encoders when a value cannot be represented (a bug in the caller, not untrusted input). */
export class EncodeError extends Error {
  override name = 'EncodeError';
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: DecodeError };

/** Runs a throwing decoder, turning DecodeError into a value. Other exceptions propagate: they are bugs. */
export function tryDecode<T>(f: () => T): DecodeResult<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof DecodeError) return { ok: false, error: e };
    throw e;
  }
}
