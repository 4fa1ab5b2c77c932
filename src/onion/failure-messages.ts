// BOLT 4 "Failure Messages": every failure_code with its data, declared once as codecs. A failure
// message is a 2-byte failure_code, its data, then an optional TLV stream.
import {
  bigSize,
  type Codec,
  DecodeError,
  type DecodeResult,
  decode,
  type Infer,
  Reader,
  rawTlvStream,
  sha256Hash,
  struct,
  type TlvRecord,
  tryDecode,
  u16,
  u32,
  u64,
  varBytes,
  Writer,
} from '../wire/index.js';

/** BOLT 4: "0x8000 (BADONION): unparsable onion encrypted by sending peer" */
export const BADONION = 0x8000;
/** BOLT 4: "0x4000 (PERM): permanent failure (otherwise transient)" */
export const PERM = 0x4000;
/** BOLT 4: "0x2000 (NODE): node failure (otherwise channel)" */
export const NODE = 0x2000;
/** BOLT 4: "0x1000 (UPDATE): channel forwarding parameter was violated" */
export const UPDATE = 0x1000;

function failure<F extends Record<string, Codec<unknown>>>(code: number, fields: F, legacy = false) {
  return { code, data: struct('failure', fields), legacy };
}

// `channel_update` stays raw bytes (u16 length + bytes): the routing layer decodes and checks it,
// and BOLT 4 lets nodes send it empty.
const channelUpdate = varBytes;

/** Every failure code of BOLT 4 with the fields of its data (spec names in camelCase). */
export const FAILURE_MESSAGES = {
  // Codes from older BOLT 4 versions, still sent by old nodes: decoded so they are not "unknown".
  invalid_realm: failure(PERM | 1, {}, true),
  temporary_node_failure: failure(NODE | 2, {}),
  permanent_node_failure: failure(PERM | NODE | 2, {}),
  required_node_feature_missing: failure(PERM | NODE | 3, {}),
  invalid_onion_version: failure(BADONION | PERM | 4, { sha256OfOnion: sha256Hash }),
  invalid_onion_hmac: failure(BADONION | PERM | 5, { sha256OfOnion: sha256Hash }),
  invalid_onion_key: failure(BADONION | PERM | 6, { sha256OfOnion: sha256Hash }),
  temporary_channel_failure: failure(UPDATE | 7, { channelUpdate }),
  permanent_channel_failure: failure(PERM | 8, {}),
  required_channel_feature_missing: failure(PERM | 9, {}),
  unknown_next_peer: failure(PERM | 10, {}),
  amount_below_minimum: failure(UPDATE | 11, { htlcMsat: u64, channelUpdate }),
  fee_insufficient: failure(UPDATE | 12, { htlcMsat: u64, channelUpdate }),
  incorrect_cltv_expiry: failure(UPDATE | 13, { cltvExpiry: u32, channelUpdate }),
  expiry_too_soon: failure(UPDATE | 14, { channelUpdate }),
  incorrect_or_unknown_payment_details: failure(PERM | 15, { htlcMsat: u64, height: u32 }),
  incorrect_payment_amount: failure(PERM | 16, {}, true),
  final_expiry_too_soon: failure(17, {}, true),
  final_incorrect_cltv_expiry: failure(18, { cltvExpiry: u32 }),
  final_incorrect_htlc_amount: failure(19, { incomingHtlcAmtMsat: u64 }),
  channel_disabled: failure(UPDATE | 20, { disabledFlags: u16, channelUpdate }),
  expiry_too_far: failure(21, {}),
  invalid_onion_payload: failure(PERM | 22, { type: bigSize, offset: u16 }),
  mpp_timeout: failure(23, {}),
  invalid_onion_blinding: failure(BADONION | PERM | 24, { sha256OfOnion: sha256Hash }),
} as const;

type Defs = typeof FAILURE_MESSAGES;
export type FailureName = keyof Defs;

/** A failure of one kind: its name, its data fields, and any trailing TLV records. */
export type OnionFailureOf<N extends FailureName> = { name: N } & Infer<Defs[N]['data']> & {
    tlvs?: TlvRecord[];
  };
export type KnownOnionFailure = { [N in FailureName]: OnionFailureOf<N> }[FailureName];
/** A failure code we do not know: its flags still tell the sender what to do. */
export interface UnknownOnionFailure {
  name: 'unknown';
  code: number;
  data: Uint8Array;
}
export type OnionFailure = KnownOnionFailure | UnknownOnionFailure;

/** The four BADONION-flagged failures a hop reports in `update_fail_malformed_htlc`. */
export type BadOnionFailureName =
  | 'invalid_onion_version'
  | 'invalid_onion_hmac'
  | 'invalid_onion_key'
  | 'invalid_onion_blinding';

const byCode = new Map<number, FailureName>();
for (const [name, def] of Object.entries(FAILURE_MESSAGES)) byCode.set(def.code, name as FailureName);

/** The numeric failure_code of a failure. */
export function failureCode(f: OnionFailure | FailureName): number {
  if (typeof f === 'string') return FAILURE_MESSAGES[f].code;
  return f.name === 'unknown' ? f.code : FAILURE_MESSAGES[f.name].code;
}

/** The name of a failure code, or undefined if BOLT 4 does not define it. */
export function failureName(code: number): FailureName | undefined {
  return byCode.get(code);
}

/** The flags in the top byte of a failure_code. */
export function failureFlags(code: number): {
  badOnion: boolean;
  perm: boolean;
  node: boolean;
  update: boolean;
} {
  return {
    badOnion: (code & BADONION) !== 0,
    perm: (code & PERM) !== 0,
    node: (code & NODE) !== 0,
    update: (code & UPDATE) !== 0,
  };
}

/** Encodes a `failuremsg`: failure_code, data, then the TLV records (if any). */
export function encodeFailureMessage(f: OnionFailure): Uint8Array {
  const w = new Writer();
  if (f.name === 'unknown') {
    w.u16(f.code);
    w.bytes(f.data);
    return Uint8Array.from(w.finish());
  }
  const def = FAILURE_MESSAGES[f.name];
  w.u16(def.code);
  (def.data as Codec<unknown>).encode(w, f);
  if (f.tlvs !== undefined && f.tlvs.length > 0) rawTlvStream.encode(w, f.tlvs);
  return Uint8Array.from(w.finish());
}

/**
 * Decodes a `failuremsg`. Unknown codes give an `unknown` failure with the raw data. Bytes after
 * the data are kept as TLV records when they parse as a stream and dropped otherwise, as BOLT 4
 * says: "MUST ignore any extra bytes in `failuremsg`."
 */
export function decodeFailureMessage(bytes: Uint8Array): DecodeResult<OnionFailure> {
  return tryDecode(() => {
    const r = new Reader(bytes);
    const code = r.u16();
    const name = byCode.get(code);
    if (name === undefined) return { name: 'unknown', code, data: r.rest() };
    let fields: Record<string, unknown>;
    try {
      fields = FAILURE_MESSAGES[name].data.decode(r) as Record<string, unknown>;
    } catch (e) {
      throw e instanceof DecodeError ? e.within(name) : e;
    }
    const out = { name, ...fields } as OnionFailure & { tlvs?: TlvRecord[] };
    if (r.remaining > 0) {
      const tlvs = tryDecode(() => decode(rawTlvStream, r.rest()));
      if (tlvs.ok && tlvs.value.length > 0) out.tlvs = tlvs.value;
    }
    return out;
  });
}
