// BOLT 4 `payload`: the per-hop TLV stream inside an onion, declared once, and the reader's rules
// for intermediate and final hops (which records must be present, which must be absent).
import {
  bigSizeLength,
  bytes,
  DecodeError,
  type DecodeResult,
  decode,
  encode,
  type Infer,
  point,
  Reader,
  rawTlvStream,
  readBigSize,
  restBytes,
  shortChannelId,
  struct,
  type TlvRecord,
  tlv,
  tlvStream,
  tryDecode,
  tu32,
  tu64,
} from '../wire/index.js';
import { KEYSEND_PREIMAGE_TYPE } from './records.js';

const PAYLOAD_FIELDS = {
  amtToForwardMsat: tlv(2, tu64),
  outgoingCltvValue: tlv(4, tu32),
  shortChannelId: tlv(6, shortChannelId),
  paymentData: tlv(
    8,
    struct('payment_data', { paymentSecret: bytes(32, 'payment_secret'), totalMsat: tu64 }),
  ),
  /** Route blinding: decoded and kept; ksnode does not build or accept blinded paths yet. */
  encryptedRecipientData: tlv(10, restBytes),
  /** Route blinding: `current_path_key`. */
  currentPathKey: tlv(12, point),
  paymentMetadata: tlv(16, restBytes),
  totalAmountMsat: tlv(18, tu64),
  /** bLIP 3 keysend: the payment preimage chosen by the sender. */
  keysendPreimage: tlv(KEYSEND_PREIMAGE_TYPE, bytes(32, 'keysend_preimage')),
};

/**
 * The hop payload TLV stream. Unknown even records are kept (not rejected) so that the caller can
 * apply "unknown even fails unless registered" with its own set of known app record types.
 */
export const hopPayloadCodec = tlvStream('payload', PAYLOAD_FIELDS, { unknownEven: 'keep' });

/** A decoded payload: each known record by name, and `unknown` for every other record, byte-exact. */
export type HopPayloadTlvs = Infer<typeof hopPayloadCodec>;

/** What a sender writes into one hop's payload. */
export interface HopPayloadFields {
  amtToForwardMsat: bigint;
  outgoingCltvValue: number;
  shortChannelId?: bigint;
  paymentData?: { paymentSecret: Uint8Array; totalMsat: bigint };
  encryptedRecipientData?: Uint8Array;
  currentPathKey?: Uint8Array;
  paymentMetadata?: Uint8Array;
  totalAmountMsat?: bigint;
  keysendPreimage?: Uint8Array;
  /** Any other records (custom records >= 65536, app records), written byte-exact in type order. */
  records?: readonly TlvRecord[];
}

/** Encodes a hop payload TLV stream (without the BigSize length prefix the onion adds). */
export function encodeHopPayload(fields: HopPayloadFields): Uint8Array {
  const { records, ...known } = fields;
  const v: HopPayloadTlvs = { ...known };
  if (records !== undefined && records.length > 0) v.unknown = [...records];
  return encode(hopPayloadCodec, v);
}

/** Decodes a payload TLV stream without applying any hop rules. */
export function decodeHopPayload(raw: Uint8Array): DecodeResult<HopPayloadTlvs> {
  return tryDecode(() => decode(hopPayloadCodec, raw));
}

interface HopPayloadBase {
  amtToForwardMsat: bigint;
  outgoingCltvValue: number;
  /** Every record of the payload by type, byte-exact (the known ones included). */
  records: ReadonlyMap<bigint, Uint8Array>;
  /** The payload bytes as they arrived. */
  raw: Uint8Array;
}

/** A valid payload for a hop that forwards the HTLC. */
export interface ForwardHopPayload extends HopPayloadBase {
  kind: 'forward';
  shortChannelId: bigint;
}

/** A valid payload for the final node. */
export interface FinalHopPayload extends HopPayloadBase {
  kind: 'final';
  /** From `payment_data`, when present. */
  paymentSecret?: Uint8Array;
  /** `payment_data.total_msat`, or `amt_to_forward` when `payment_data` is absent. */
  totalMsat: bigint;
  paymentMetadata?: Uint8Array;
  /** bLIP 3: present on a keysend payment. */
  keysendPreimage?: Uint8Array;
}

/** Why a payload was refused, as the BOLT 4 failure the hop should return. */
export type PayloadError =
  | {
      code: 'invalid_onion_payload';
      /** The offending record's type (0 when the stream itself is broken before a type). */
      type: bigint;
      /** Byte offset of that record in the decrypted stream (0 when a required record is missing). */
      offset: number;
      reason: string;
    }
  | { code: 'invalid_onion_blinding'; reason: string };

export type PayloadResult<T> = { ok: true; payload: T } | { ok: false; error: PayloadError };

const singleField = new Map(
  Object.entries(PAYLOAD_FIELDS).map(([k, f]) => [f.type, tlvStream(`payload.${k}`, { [k]: f })]),
);

const invalid = (type: bigint, offset: number, reason: string): { ok: false; error: PayloadError } => ({
  ok: false,
  error: { code: 'invalid_onion_payload', type, offset, reason },
});

/**
 * Finds the first record that makes the stream fail to decode, for `invalid_onion_payload`'s
 * type and offset. Only runs on the failure path; the codec above stays the one declaration.
 */
function locateDecodeFailure(
  raw: Uint8Array,
  base: number,
  error: DecodeError,
): { ok: false; error: PayloadError } {
  const r = new Reader(raw);
  let prev = -1n;
  while (r.remaining > 0) {
    const start = r.offset;
    let type = -1n;
    try {
      type = readBigSize(r);
      if (type <= prev) return invalid(type, base + start, `record type ${type} does not increase`);
      const length = readBigSize(r);
      if (length > BigInt(r.remaining))
        return invalid(type, base + start, `record ${type} overruns the payload`);
      r.bytesView(Number(length));
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return invalid(type < 0n ? 0n : type, base + start, e.message);
    }
    const one = singleField.get(type);
    if (one !== undefined) {
      const bad = tryDecode(() => decode(one, raw.subarray(start, r.offset)));
      if (!bad.ok) return invalid(type, base + start, bad.error.message);
    }
    prev = type;
  }
  return invalid(0n, base, error.message);
}

/**
 * Decodes a forwarding hop's payload and applies the BOLT 4 reader rules for a hop outside a
 * blinded route. `knownEvenTypes` are even record types beyond the BOLT 4 ones that this node
 * understands (app records such as Whatsat's 34349334, plus types an operator registers): any
 * other unknown even type fails with `invalid_onion_payload`. `offsetBase` is the payload's offset
 * in the decrypted stream (the length of its BigSize prefix), for the failure's `offset`.
 */
export function parseForwardPayload(
  raw: Uint8Array,
  knownEvenTypes: ReadonlySet<bigint>,
  offsetBase = 0,
): PayloadResult<ForwardHopPayload> {
  return parseHopPayload(raw, false, knownEvenTypes, offsetBase) as PayloadResult<ForwardHopPayload>;
}

/** As parseForwardPayload, for the final node's payload (an all-zero next HMAC in the onion). */
export function parseFinalPayload(
  raw: Uint8Array,
  knownEvenTypes: ReadonlySet<bigint>,
  offsetBase = 0,
): PayloadResult<FinalHopPayload> {
  return parseHopPayload(raw, true, knownEvenTypes, offsetBase) as PayloadResult<FinalHopPayload>;
}

function parseHopPayload(
  raw: Uint8Array,
  isFinal: boolean,
  knownEvenTypes: ReadonlySet<bigint>,
  offsetBase = 0,
): PayloadResult<ForwardHopPayload | FinalHopPayload> {
  const all = tryDecode(() => decode(rawTlvStream, raw));
  const typed = all.ok ? decodeHopPayload(raw) : all;
  if (!all.ok || !typed.ok) {
    const error = typed.ok ? new DecodeError('invalid_value', 'unreadable payload') : typed.error;
    return locateDecodeFailure(raw, offsetBase, error);
  }
  const t = typed.value;
  const offsets = new Map<bigint, number>();
  const records = new Map<bigint, Uint8Array>();
  let at = offsetBase;
  for (const rec of all.value) {
    offsets.set(rec.type, at);
    records.set(rec.type, rec.value);
    at += bigSizeLength(rec.type) + bigSizeLength(BigInt(rec.value.length)) + rec.value.length;
  }
  const offsetOf = (type: bigint): number => offsets.get(type) ?? 0;

  for (const u of t.unknown ?? []) {
    // BOLT 1: "if `type` is even:" and unknown, the stream fails; here unless the caller registered it.
    if (u.type % 2n === 0n && !knownEvenTypes.has(u.type)) {
      return invalid(u.type, offsetOf(u.type), `unknown even record type ${u.type}`);
    }
  }
  if (t.encryptedRecipientData !== undefined || t.currentPathKey !== undefined) {
    // BOLT 4: "if `current_path_key` is set in the onion payload and it is not the"
    // final node, return invalid_onion_blinding; ksnode does not support blinded paths, so it
    // cannot decrypt `encrypted_recipient_data` as the final node either.
    return {
      ok: false,
      error: { code: 'invalid_onion_blinding', reason: 'blinded paths are not supported by this node' },
    };
  }
  // BOLT 4: "MUST return an error if `amt_to_forward` or `outgoing_cltv_value` are not present."
  if (t.amtToForwardMsat === undefined) return invalid(2n, 0, 'amt_to_forward is missing');
  if (t.outgoingCltvValue === undefined) return invalid(4n, 0, 'outgoing_cltv_value is missing');
  const base = { amtToForwardMsat: t.amtToForwardMsat, outgoingCltvValue: t.outgoingCltvValue, records, raw };

  if (!isFinal) {
    // BOLT 4: "`short_channel_id` is not present,"
    if (t.shortChannelId === undefined)
      return invalid(6n, 0, 'short_channel_id is missing at a forwarding hop');
    // BOLT 4: "MUST NOT include `payment_data`" for a non-final node.
    if (t.paymentData !== undefined) {
      return invalid(8n, offsetOf(8n), 'payment_data is only for the final node');
    }
    return { ok: true, payload: { kind: 'forward', ...base, shortChannelId: t.shortChannelId } };
  }
  // BOLT 4: "MUST NOT include `short_channel_id`" for the final node.
  if (t.shortChannelId !== undefined) {
    return invalid(6n, offsetOf(6n), 'short_channel_id is not allowed in the final payload');
  }
  // BOLT 4: "MUST treat `total_msat` as if it were equal to `amt_to_forward` if it is not present."
  const payload: FinalHopPayload = {
    kind: 'final',
    ...base,
    totalMsat: t.paymentData?.totalMsat ?? t.amtToForwardMsat,
  };
  if (t.paymentData !== undefined) payload.paymentSecret = t.paymentData.paymentSecret;
  if (t.paymentMetadata !== undefined) payload.paymentMetadata = t.paymentMetadata;
  if (t.keysendPreimage !== undefined) payload.keysendPreimage = t.keysendPreimage;
  return { ok: true, payload };
}
